/* cmd_index.c - `byline index`: not built yet; its issue replaces this file. */
#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("index", "not built yet");
}

const cli_command cli_cmd_index = {"index", run, "(not built yet)",
                                  "usage: byline index (not built yet)\n"};
