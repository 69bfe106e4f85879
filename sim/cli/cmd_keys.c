/*
 * overlapsim keys: every scenario key with an example and what it means, and
 * every metric an [expect] section may name. Printed from the same tables
 * the parser uses, so this list cannot drift from the code.
 */
#include <stdio.h>
#include <string.h>

#include "../check/metrics.h"
#include "common/cli.h"

int cmd_keys(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        puts("usage: overlapsim keys\n\nLists every scenario key (section.key, an example, what "
             "it means),\nthen every metric that [expect] sections and JSON output use.");
        return 0;
    }
    if (argc > 1)
        return cli_error("keys takes no arguments");
    puts("# keys (any of them: in its [section], in [variant NAME] or as --set section.key=value)");
    for (const struct config_key *k = config_keys; k->name; k++)
        printf("%-28s %-34s %s\n", k->name, k->example, k->doc);
    puts("\n# metrics (in [expect]: `metric OP value` on every seed, `some.metric OP value` on "
         "one)");
    for (int i = 0; metric_defs[i].name; i++)
        printf("%-28s %s\n", metric_defs[i].name, metric_defs[i].doc);
    return 0;
}
