/* cmd_check.c - `byline check`: verify every checksum and structural
** invariant of an index (bl_index_check) and name the first problem.
*/
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "byline.h"
#include "cli.h"

static const char usage[] =
    "usage: byline check INDEX\n"
    "\n"
    "Verify the latest commit of INDEX: CURRENT and the manifest's checksum\n"
    "and statistics; every segment's section checksums and invariants\n"
    "(sorted terms, increasing doc ids, df and collection frequency equal to\n"
    "the postings, positions inside field lengths, every store block\n"
    "decodes); every deletion file; and that the manifest's article counts\n"
    "and field length totals equal the segments'. On a terminal a progress\n"
    "line shows how far it got.\n"
    "\n"
    "exit status: 0 all holds; 1 a problem, named with its file and section\n"
    "on stderr; 2 bad usage.\n";

static void progress(void *ctx, double done)
{
    (void)ctx;
    fprintf(stderr, "\r\033[Kchecking: %.0f%%", 100.0 * done);
    fflush(stderr);
}

static int run(int argc, char **argv)
{
    const char *dir = NULL;
    char msg[1024];
    bool tty = isatty(STDERR_FILENO) == 1;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cli_bad_usage("check", "unknown option '%s'", argv[i]);
        if (dir != NULL)
            return cli_bad_usage("check", "one index at a time");
        dir = argv[i];
    }
    if (dir == NULL)
        return cli_bad_usage("check", "no index folder");
    rc = bl_index_check(dir, msg, sizeof msg, tty ? progress : NULL, NULL);
    if (tty)
        fputs("\r\033[K", stderr);
    if (rc != BL_OK)
        return cli_fail("check", "%s: %s", dir, msg[0] ? msg
                                                       : bl_strerror(rc));
    printf("%s: ok\n", dir);
    return 0;
}

const cli_command cli_cmd_check = {
    "check", run, "verify every checksum and invariant of an index", usage};
