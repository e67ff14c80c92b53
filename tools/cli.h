/* cli.h - what the subcommands of the `byline` command share: the command
** table, flag parsing helpers and terminal progress lines. Each command
** lives in its own cmd_<name>.c and uses only byline.h.
*/
#ifndef BL_CLI_H
#define BL_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* A subcommand: argv[0] is its name. Returns the process exit code:
** 0 success, 1 a failure of the work (a check that failed, a bad query),
** 2 bad usage. */
typedef int (*cli_main_fn)(int argc, char **argv);

typedef struct cli_command {
    const char *name;          /* "index" */
    cli_main_fn main;
    const char *summary;       /* one line for `byline --help` */
    const char *usage;         /* full text for `byline CMD --help` */
} cli_command;

/* Each command is defined in its own tools/cmd_<name>.c and listed in the
** table of cli.c. */
extern const cli_command cli_cmd_analyze;
extern const cli_command cli_cmd_index;
extern const cli_command cli_cmd_stats;
extern const cli_command cli_cmd_check;
extern const cli_command cli_cmd_get;
extern const cli_command cli_cmd_search;
extern const cli_command cli_cmd_serve;
extern const cli_command cli_cmd_gen_corpus;
extern const cli_command cli_cmd_bench;

/* Print the usage of cmd to out. */
void cli_usage(const cli_command *cmd, FILE *out);

/* Find a command by name, or NULL. */
const cli_command *cli_find(const char *name);

/* Report bad usage of cmd: "byline CMD: msg" plus a hint; returns 2. */
int cli_bad_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Report a failure "byline CMD: msg" on stderr; returns 1. */
int cli_fail(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Parse a whole decimal number / float; false when s is not one. */
bool cli_parse_u64(const char *s, uint64_t *out);
bool cli_parse_double(const char *s, double *out);

/* The ranking flags --k1, --b, --title-weight and --body-weight that
** `index` and `search` share: when flag is one of them, parse val into
** k1/b/title weight/body weight (out[0..3]) and return 0, or report bad
** usage of cmd and return 2; return -1 when flag is not one of them. */
int cli_ranking_flag(const char *cmd, const char *flag, const char *val,
                     double out[4]);

/* Progress lines on stderr, only when stderr is a terminal. */
typedef struct cli_progress {
    bool enabled;              /* stderr is a terminal */
    double start;              /* seconds, monotonic */
    double last;               /* time of the last line drawn */
} cli_progress;

void cli_progress_init(cli_progress *p);

/* Redraw at most 10 times a second: items done, bytes done and the total
** bytes (0 = unknown: no ETA). `what` names the items ("articles"). */
void cli_progress_update(cli_progress *p, const char *what, uint64_t items,
                         uint64_t bytes, uint64_t total_bytes);

/* Clear the progress line. */
void cli_progress_end(cli_progress *p);

/* Monotonic seconds. */
double cli_now(void);

#endif
