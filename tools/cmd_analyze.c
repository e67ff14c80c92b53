/* cmd_analyze.c - `byline analyze`: placeholder until the analyzer lands. */
#include "cli.h"

int cmd_analyze(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("analyze", "not built yet");
}
