/* cmd_analyze.c - `byline analyze`: not built yet; its issue replaces this file. */
#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("analyze", "not built yet");
}

const cli_command cli_cmd_analyze = {"analyze", run, "(not built yet)",
                                  "usage: byline analyze (not built yet)\n"};
