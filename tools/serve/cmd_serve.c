/* cmd_serve.c - `byline serve`: parse the flags, start the HTTP server of
** serve.h, wait for SIGTERM or SIGINT, stop gracefully and exit 0. The
** signals are blocked in every thread and taken with sigwait here, so no
** handler and no global flag is needed.
*/
#include "cli.h"
#include "serve/serve.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byline.h"

#define GRACE_MS 10000         /* longest wait for requests in flight */

static const char usage[] =
    "usage: byline serve INDEX [--bind ADDR] [--port N] [--threads N]\n"
    "                          [--cors ORIGIN] [--api-key-file F]\n"
    "                          [--cache-mb N] [--block-cache-mb N]\n"
    "                          [--quiet]\n"
    "\n"
    "Serve the index in folder INDEX over HTTP: a JSON API and a search page.\n"
    "New commits to the index are picked up within a quarter second, without\n"
    "a restart; SIGTERM or SIGINT stop the server once requests in flight\n"
    "are answered.\n"
    "\n"
    "flags:\n"
    "  --bind ADDR          numeric IPv4/IPv6 address to listen on\n"
    "                       (default 127.0.0.1: this machine only)\n"
    "  --port N             TCP port (default 8080; 0 picks a free one)\n"
    "  --threads N          request threads (default: one per core)\n"
    "  --cors ORIGIN        send Access-Control-Allow-Origin: ORIGIN and\n"
    "                       answer preflight requests (\"*\" for any site)\n"
    "  --api-key-file F     require the key in file F (first line) on every\n"
    "                       request but /health, as `Authorization: Bearer\n"
    "                       KEY` or `X-API-Key: KEY`\n"
    "  --cache-mb N         memory for cached /search answers (default 64;\n"
    "                       0: none); a new commit makes old answers miss\n"
    "  --block-cache-mb N   memory for decompressed article blocks, which\n"
    "                       snippets and stored fields are read from\n"
    "                       (default 64; 0: none)\n"
    "  --quiet              no access log (one line per request on stderr:\n"
    "                       method, path, status, microseconds)\n"
    "\n"
    "endpoints (GET; errors are JSON {\"error\": \"...\"} with a 4xx/5xx):\n"
    "  /search?q=QUERY      hits with id, score, title, title_html (the\n"
    "                       title with matched words marked), date, source,\n"
    "                       url and an HTML snippet (only <mark> is markup\n"
    "                       in either); total, took_ms, query (as\n"
    "                       understood), warning\n"
    "      k=10             hits per page, 0 to 1000 (0: only the total)\n"
    "      offset=0         hits to skip, 0 to 10000\n"
    "      sort=relevance   or -date (newest first) or date (oldest first)\n"
    "      from=, to=       date range, inclusive (1987-03-01, ISO 8601)\n"
    "      source=NAME      only articles from this source\n"
    "      and=false        true: every word must match\n"
    "      highlight=true   false: no snippets (faster)\n"
    "  /suggest?q=PREFIX&k=8   completions for a search box (k <= 50)\n"
    "  /doc/ID              one stored article\n"
    "  /stats               index statistics\n"
    "  /health              200 when an index generation is loaded, else 503\n"
    "  /                    the search page (built into the binary)\n"
    "\n"
    "limits: a query or parameter of at most 1024 bytes (413 beyond), at\n"
    "most 16 parameters, requests of at most 256 KiB, no request bodies.\n";

/* Read the key: the first line of path, surrounding blanks trimmed. */
static char *read_key(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    char *p, *end;

    if (f == NULL)
        return NULL;
    if (fgets(line, sizeof line, f) == NULL) {
        fclose(f);
        return NULL;
    }
    fclose(f);
    p = line + strspn(line, " \t");
    end = p + strlen(p);
    while (end > p && (end[-1] == '\n' || end[-1] == '\r' ||
                       end[-1] == ' ' || end[-1] == '\t'))
        *--end = '\0';
    return *p != '\0' ? strdup(p) : NULL;
}

static int run(int argc, char **argv)
{
    serve_config cfg = {0};
    const char *key_file = NULL;
    char *key = NULL;
    serve *srv = NULL;
    sigset_t sigs;
    char err[512];
    uint64_t v;
    int sig = 0, rc;

    cfg.bind = "127.0.0.1";
    cfg.port = 8080;
    cfg.cache_bytes = (size_t)SERVE_CACHE_MB << 20;
    cfg.block_cache_bytes = BL_BLOCK_CACHE_DEFAULT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            cfg.quiet = true;
            continue;
        }
        if (a[0] == '-' && a[1] != '\0') {
            if (val == NULL)
                return cli_bad_usage("serve", "%s needs a value", a);
            i++;
            if (strcmp(a, "--bind") == 0) {
                cfg.bind = val;
            } else if (strcmp(a, "--port") == 0) {
                if (!cli_parse_u64(val, &v) || v > 65535)
                    return cli_bad_usage("serve", "bad --port '%s'", val);
                cfg.port = (unsigned)v;
            } else if (strcmp(a, "--threads") == 0) {
                if (!cli_parse_u64(val, &v) || v < 1 || v > 256)
                    return cli_bad_usage("serve", "bad --threads '%s' "
                                         "(1 to 256)", val);
                cfg.threads = (unsigned)v;
            } else if (strcmp(a, "--cors") == 0) {
                if (*val == '\0' || strpbrk(val, "\r\n") != NULL)
                    return cli_bad_usage("serve", "bad --cors '%s'", val);
                cfg.cors = val;
            } else if (strcmp(a, "--cache-mb") == 0) {
                if (!cli_parse_u64(val, &v) || v > 65536)
                    return cli_bad_usage("serve", "bad --cache-mb '%s' "
                                         "(0 to 65536)", val);
                cfg.cache_bytes = (size_t)v << 20;
            } else if (strcmp(a, "--block-cache-mb") == 0) {
                if (!cli_parse_u64(val, &v) || v > 65536)
                    return cli_bad_usage("serve", "bad --block-cache-mb '%s' "
                                         "(0 to 65536)", val);
                cfg.block_cache_bytes = (size_t)v << 20;
            } else if (strcmp(a, "--api-key-file") == 0) {
                key_file = val;
            } else {
                return cli_bad_usage("serve", "unknown flag '%s'", a);
            }
            continue;
        }
        if (cfg.index_dir != NULL)
            return cli_bad_usage("serve", "one INDEX only ('%s')", a);
        cfg.index_dir = a;
    }
    if (cfg.index_dir == NULL)
        return cli_bad_usage("serve", "missing INDEX");
    if (key_file != NULL) {
        key = read_key(key_file);
        if (key == NULL)
            return cli_fail("serve", "%s: cannot read an api key (%s)",
                            key_file, errno != 0 ? strerror(errno)
                                                 : "empty file");
        cfg.api_key = key;
    }
    /* Block the stop signals before any thread starts, so that every
    ** thread inherits the mask and only sigwait below receives them. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = serve_start(&cfg, &srv, err, sizeof err);
    if (rc != BL_OK) {
        free(key);
        return cli_fail("serve", "%s", err);
    }
    fprintf(stderr, "byline serve: listening on http://%s%s%s:%u/ "
            "(index %s)\n", strchr(cfg.bind, ':') != NULL ? "[" : "",
            cfg.bind, strchr(cfg.bind, ':') != NULL ? "]" : "",
            serve_port(srv), cfg.index_dir);
    while (sigwait(&sigs, &sig) != 0)
        ;
    fprintf(stderr, "byline serve: %s, stopping\n",
            sig == SIGINT ? "interrupted" : "terminated");
    serve_stop(srv, GRACE_MS);
    free(key);
    fprintf(stderr, "byline serve: stopped\n");
    return 0;
}

const cli_command cli_cmd_serve = {
    "serve", run, "serve an index over HTTP: JSON API and search page",
    usage};
