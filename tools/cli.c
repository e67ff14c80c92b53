/* cli.c - the `byline` command: dispatch to subcommands, help, and the
** helpers in cli.h. The library never exits; this file decides exit codes.
*/
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "byline.h"

static const cli_command *const commands[] = {
    &cli_cmd_analyze, &cli_cmd_index, &cli_cmd_search, &cli_cmd_get,
    &cli_cmd_stats,   &cli_cmd_check, &cli_cmd_serve,
    &cli_cmd_bench,   &cli_cmd_gen_corpus, NULL,
};

const cli_command *cli_find(const char *name)
{
    for (size_t i = 0; commands[i] != NULL; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

void cli_usage(const cli_command *cmd, FILE *out)
{
    fputs(cmd->usage, out);
}

static void usage_all(FILE *out)
{
    fprintf(out,
            "usage: byline COMMAND [ARGS...]\n"
            "\n"
            "byline %s - full-text search for news archives.\n"
            "\n"
            "commands:\n",
            bl_version());
    for (size_t i = 0; commands[i] != NULL; i++)
        fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "\n`byline COMMAND --help` describes a command and its "
                 "flags.\n");
}

int cli_bad_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "byline %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see `byline %s --help`)\n", cmd);
    return 2;
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "byline %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

bool cli_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

bool cli_parse_double(const char *s, double *out)
{
    char *end;
    double v;

    if (s == NULL || *s == '\0')
        return false;
    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

int cli_ranking_flag(const char *cmd, const char *flag, const char *val,
                     double out[4])
{
    static const char *const names[4] = {"--k1", "--b", "--title-weight",
                                         "--body-weight"};
    double x;

    for (int i = 0; i < 4; i++) {
        if (strcmp(flag, names[i]) != 0)
            continue;
        if (!cli_parse_double(val, &x) || !(x >= 0) || x > 1e9 ||
            (i == 1 && x > 1))
            return cli_bad_usage(cmd, "%s wants a number >= 0%s", flag,
                                 i == 1 ? " and <= 1" : "");
        out[i] = x;
        return 0;
    }
    return -1;
}

double cli_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_init(cli_progress *p)
{
    p->enabled = isatty(STDERR_FILENO) == 1;
    p->start = cli_now();
    p->last = 0;
}

void cli_progress_update(cli_progress *p, const char *what, uint64_t items,
                         uint64_t bytes, uint64_t total_bytes)
{
    double now, secs, mb;

    if (!p->enabled)
        return;
    now = cli_now();
    if (now - p->last < 0.1)
        return;
    p->last = now;
    secs = now - p->start;
    if (secs <= 0)
        secs = 1e-9;
    mb = (double)bytes / 1e6;
    fprintf(stderr, "\r\033[K%llu %s, %.1f MB, %.0f %s/s, %.1f MB/s",
            (unsigned long long)items, what, mb, (double)items / secs, what,
            mb / secs);
    if (total_bytes > 0 && bytes > 0 && bytes <= total_bytes) {
        double eta = secs * (double)(total_bytes - bytes) / (double)bytes;

        fprintf(stderr, ", %.0f%%, ETA %.0f s",
                100.0 * (double)bytes / (double)total_bytes, eta);
    }
    fflush(stderr);
}

void cli_progress_end(cli_progress *p)
{
    if (p->enabled) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

int main(int argc, char **argv)
{
    const cli_command *cmd;

    if (argc < 2) {
        usage_all(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        if (argc > 2 && (cmd = cli_find(argv[2])) != NULL) {
            cli_usage(cmd, stdout);
            return 0;
        }
        usage_all(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("byline %s\n", bl_version());
        return 0;
    }
    cmd = cli_find(argv[1]);
    if (cmd == NULL) {
        fprintf(stderr, "byline: unknown command '%s'\n\n", argv[1]);
        usage_all(stderr);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cli_usage(cmd, stdout);
            return 0;
        }
    }
    return cmd->main(argc - 1, argv + 1);
}
