/*
 * libFuzzer target: any bytes as a scenario file. The parser must accept or
 * reject with a one-line "name:line: reason" (or "cannot read"), never crash,
 * leak or hang; an accepted scenario must resolve every variant to a model.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim/scenario/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    struct scenario *sc = NULL;
    char err[600] = "";
    int rc = scenario_parse(f, "fuzz.ini", &sc, err, sizeof(err));
    fclose(f);
    if (rc) {
        if (sc || !err[0] || strchr(err, '\n') || strncmp(err, "fuzz.ini", 8) != 0)
            abort(); /* every rejection is one line naming the file */
        return 0;
    }
    static struct model m;
    for (int v = sc->nvariants ? 0 : -1; v < sc->nvariants; v++)
        if (scenario_model(sc, v, &m, err, sizeof(err)) != 0)
            abort(); /* accepted, so it must resolve */
    scenario_free(sc);
    return 0;
}
