/* cmd_check.c - `byline check`: not built yet; its issue replaces this file. */
#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("check", "not built yet");
}

const cli_command cli_cmd_check = {"check", run, "(not built yet)",
                                  "usage: byline check (not built yet)\n"};
