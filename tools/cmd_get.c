/* cmd_get.c - `byline get`: not built yet; its issue replaces this file. */
#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("get", "not built yet");
}

const cli_command cli_cmd_get = {"get", run, "(not built yet)",
                                  "usage: byline get (not built yet)\n"};
