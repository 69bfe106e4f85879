/* overlapsim guards: the registry with one line per guard. */
#include <stdio.h>
#include <string.h>

#include "common/cli.h"

static const char *const scope_names[] = {"none", "process", "host", "global"};

int cmd_guards(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        puts("usage: overlapsim guards\n\nLists every guard: name, the scope its exclusion "
             "reaches, and what it is.\nMutants are deliberately wrong guards, shipped to prove "
             "that checkers fire.");
        return 0;
    }
    if (argc > 1)
        return cli_error("guards takes no arguments");
    for (int i = 0; guard_registry[i]; i++) {
        const struct guard_ops *g = guard_registry[i];
        printf("%-24s %-8s %s%s\n", g->name, scope_names[g->scope],
               g->flags & GUARD_F_MUTANT ? "[mutant] " : "", g->summary);
    }
    return 0;
}
