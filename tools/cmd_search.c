/* cmd_search.c - `byline search`: not built yet; its issue replaces this file. */
#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("search", "not built yet");
}

const cli_command cli_cmd_search = {"search", run, "(not built yet)",
                                  "usage: byline search (not built yet)\n"};
