/* cmd_stats.c - `byline stats`: not built yet; its issue replaces this file. */
#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("stats", "not built yet");
}

const cli_command cli_cmd_stats = {"stats", run, "(not built yet)",
                                  "usage: byline stats (not built yet)\n"};
