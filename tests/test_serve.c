/* test_serve.c - `byline serve` end to end: the server runs as a child
** process on a free port over an index built with `byline index` from a
** small JSONL fixture written here, and a tiny HTTP client below talks to
** it over a plain socket. Checked: status codes, headers (Content-Type,
** CORS, security) and JSON bodies of good and bad requests, the api key,
** the embedded page, bl_suggest, hot reload while requests run, and the
** graceful stop on SIGTERM.
**
** The first group needs no index (the server waits for one), so it runs
** even where the indexer is not built; the tests that need an index skip,
** saying why, when `byline index` cannot build one.
*/
#include "fixture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "byline.h"

/* ---- a tiny HTTP/1.1 client ------------------------------------------- */

typedef struct reply {
    int status;                /* -1: no answer */
    char *head;                /* status line and headers */
    char *body;
    size_t body_len;
} reply;

static void reply_free(reply *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof *r);
}

static int connect_to(unsigned port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0)
        return -1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Send raw bytes as one request, read the answer until the server closes
** (requests say "Connection: close"). */
static reply http_raw(unsigned port, const char *req, size_t len)
{
    reply r = {-1, NULL, NULL, 0};
    size_t cap = 65536, n = 0, off = 0;
    char *buf;
    char *sep;
    int fd = connect_to(port);

    if (fd < 0)
        return r;
    while (off < len) {
        ssize_t w = send(fd, req + off, len - off, MSG_NOSIGNAL);

        if (w <= 0)
            break;             /* the server may answer before reading all */
        off += (size_t)w;
    }
    buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t got;

        if (poll(&p, 1, 10000) <= 0)
            break;
        if (cap - n < 4096) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        got = recv(fd, buf + n, cap - n - 1, 0);
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    buf[n] = '\0';
    sep = strstr(buf, "\r\n\r\n");
    if (sep == NULL || sscanf(buf, "HTTP/1.%*d %d", &r.status) != 1) {
        free(buf);
        r.status = -1;
        return r;
    }
    r.head = strndup(buf, (size_t)(sep - buf) + 2);
    r.body_len = n - (size_t)(sep + 4 - buf);
    r.body = malloc(r.body_len + 1);
    assert_non_null(r.body);
    memcpy(r.body, sep + 4, r.body_len);
    r.body[r.body_len] = '\0';
    free(buf);
    return r;
}

/* GET target (already percent-encoded) with extra header lines. */
static reply http_get(unsigned port, const char *target, const char *extra)
{
    char *req;
    size_t len;
    reply r;

    len = strlen(target) + (extra != NULL ? strlen(extra) : 0) + 128;
    req = malloc(len);
    assert_non_null(req);
    snprintf(req, len, "GET %s HTTP/1.1\r\nHost: localhost\r\n%s"
             "Connection: close\r\n\r\n", target, extra != NULL ? extra : "");
    r = http_raw(port, req, strlen(req));
    free(req);
    return r;
}

/* The value of header name (case-insensitive), malloc'ed, or NULL. */
static char *header(const reply *r, const char *name)
{
    size_t nl = strlen(name);

    for (const char *p = r->head; p != NULL && *p != '\0';) {
        const char *eol = strstr(p, "\r\n");

        if (eol == NULL)
            break;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;

            v += strspn(v, " ");
            return strndup(v, (size_t)(eol - v));
        }
        p = eol + 2;
    }
    return NULL;
}

static void assert_header(const reply *r, const char *name, const char *want)
{
    char *v = header(r, name);

    if (v == NULL)
        fail_msg("no header %s in:\n%s", name, r->head);
    if (strncmp(v, want, strlen(want)) != 0)
        fail_msg("header %s is '%s', want '%s'", name, v, want);
    free(v);
}

/* The JSON body of r (fails the test if it is not JSON). */
static json_t *body_json(const reply *r)
{
    json_error_t e;
    json_t *j = json_loadb(r->body, r->body_len, 0, &e);

    if (j == NULL)
        fail_msg("body is not JSON (%s): %.200s", e.text, r->body);
    return j;
}

/* Expect status and a JSON error body whose message contains want. */
static void expect_error(unsigned port, const char *target, int status,
                         const char *want)
{
    reply r = http_get(port, target, NULL);
    json_t *j;
    const char *msg;

    if (r.status != status)
        fail_msg("%.80s: status %d, want %d (%.200s)", target, r.status,
                 status, r.body != NULL ? r.body : "");
    assert_header(&r, "Content-Type", "application/json");
    j = body_json(&r);
    msg = json_string_value(json_object_get(j, "error"));
    assert_non_null(msg);
    if (want != NULL && strstr(msg, want) == NULL)
        fail_msg("%.80s: error '%s' lacks '%s'", target, msg, want);
    json_decref(j);
    reply_free(&r);
}

/* ---- the server process -------------------------------------------------- */

typedef struct server {
    pid_t pid;
    unsigned port;
    char log[4096];            /* its stderr */
} server;

/* Start `byline serve dir --port 0 ARGS...` and wait for its port. */
static void server_start(server *s, const char *tmp, const char *dir,
                         const char *const *args)
{
    const char *argv[24];
    size_t n = 0;
    double until;
    struct timespec ts;

    snprintf(s->log, sizeof s->log, "%s/serve-%d.log", tmp, rand());
    argv[n++] = "byline";
    argv[n++] = "serve";
    argv[n++] = dir;
    argv[n++] = "--port";
    argv[n++] = "0";
    for (size_t i = 0; args != NULL && args[i] != NULL && n < 22; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    fflush(NULL);
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        int fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

        if (fd >= 0) {
            dup2(fd, 2);
            close(fd);
        }
        execv(fx_byline(), (char *const *)argv);
        _exit(127);
    }
    clock_gettime(CLOCK_MONOTONIC, &ts);
    until = (double)ts.tv_sec + 60;
    s->port = 0;
    while (s->port == 0) {
        char *text = fx_slurp(s->log, NULL);
        const char *at = text != NULL ? strstr(text, "127.0.0.1:") : NULL;
        struct timespec nap = {0, 20 * 1000000L};

        if (at != NULL)
            s->port = (unsigned)atoi(at + 10);
        free(text);
        if (s->port != 0)
            break;
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid)
            fail_msg("byline serve exited at start; see %s", s->log);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        if ((double)ts.tv_sec > until)
            fail_msg("byline serve did not start; see %s", s->log);
        nanosleep(&nap, NULL);
    }
}

/* SIGTERM, then the exit status (-1 if it did not exit normally). */
static int server_stop(server *s)
{
    int st;

    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    if (waitpid(s->pid, &st, 0) != s->pid)
        return -1;
    s->pid = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- fixtures ------------------------------------------------------------ */

/* Articles with known words: "harbour" in 3 bodies, "oil" in 3 articles,
** "Zürich" inside a title, markup in bodies that must come back escaped. */
static const char *const articles[] = {
    "{\"id\":\"n1\",\"title\":\"Oil prices rise as harbour reopens\","
    "\"body\":\"Crude oil prices rose on Monday after the harbour "
    "reopened. Traders said <b>supply</b> & demand would settle.\","
    "\"date\":\"1987-03-02\",\"source\":\"reuters\","
    "\"url\":\"https://example.org/n1\"}",
    "{\"id\":\"n2\",\"title\":\"Oil production cut in the North Sea\","
    "\"body\":\"Oil producers cut output. The harbour authority said "
    "<script>alert(1)</script> nothing.\",\"date\":\"1987-03-05\","
    "\"source\":\"reuters\",\"url\":\"\"}",
    "{\"id\":\"n3\",\"title\":\"Banks in Z\xc3\xbcrich report record profits\","
    "\"body\":\"Banks in Zürich reported record profits. The harbour "
    "of Zürich is a lake port.\",\"date\":\"1987-04-10\","
    "\"source\":\"bbc\",\"url\":\"\"}",
    "{\"id\":\"n4\",\"title\":\"Stocks slide as oil prices fall\","
    "\"body\":\"Oil prices fell sharply as stocks grew.\","
    "\"date\":\"1987-05-01\",\"source\":\"ap\",\"url\":\"\"}",
    "{\"id\":\"n5\",\"title\":\"Interest rates unchanged\","
    "\"body\":\"The central bank left interest rates unchanged.\","
    "\"date\":\"1987-05-02\",\"source\":\"ap\",\"url\":\"\"}",
    NULL,
};

typedef struct world {
    char *tmp;
    char *index;               /* index folder */
    bool have_index;           /* `byline index` built it */
    char why[256];             /* why not */
    server srv;                /* serving index, CORS on */
} world;

static void write_jsonl(const char *path, const char *const *lines,
                        size_t from, size_t to)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    for (size_t i = from; i < to && lines[i] != NULL; i++)
        fprintf(f, "%s\n", lines[i]);
    assert_int_equal(fclose(f), 0);
}

static int index_files(world *w, const char *file)
{
    char *out = NULL;
    int rc = fx_run(&out, "'%s' index '%s' -o '%s' 2>&1", fx_byline(),
                    file, w->index);

    if (rc != 0)
        snprintf(w->why, sizeof w->why, "`byline index` failed (%d): %.150s",
                 rc, out != NULL ? out : "");
    free(out);
    return rc;
}

static int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    char path[4096];
    const char *cors[] = {"--cors", "https://news.example", NULL};

    assert_non_null(w);
    w->tmp = fx_tmpdir();
    w->index = malloc(strlen(w->tmp) + 8);
    assert_non_null(w->index);
    sprintf(w->index, "%s/index", w->tmp);
    snprintf(path, sizeof path, "%s/a.jsonl", w->tmp);
    write_jsonl(path, articles, 0, 4);
    w->have_index = index_files(w, path) == 0;
    server_start(&w->srv, w->tmp, w->index, cors);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;

    server_stop(&w->srv);
    free(w->index);
    fx_rmtree(w->tmp);
    free(w);
    return 0;
}

#define NEED_INDEX(w) \
    do { if (!(w)->have_index) FX_SKIP((w)->why); } while (0)

/* ---- requests that need no index ----------------------------------------- */

/* The page, its assets and their headers; nothing else is a file. */
static void page_is_embedded(void **state)
{
    world *w = *state;
    reply r = http_get(w->srv.port, "/", NULL);
    char *csp;

    assert_int_equal(r.status, 200);
    assert_header(&r, "Content-Type", "text/html; charset=utf-8");
    assert_header(&r, "X-Content-Type-Options", "nosniff");
    csp = header(&r, "Content-Security-Policy");
    assert_non_null(csp);
    assert_non_null(strstr(csp, "script-src 'self'"));
    free(csp);
    assert_non_null(strstr(r.body, "<input id=\"q\""));
    assert_non_null(strstr(r.body, "/app.js"));
    assert_null(strstr(r.body, "http://"));     /* nothing from outside */
    reply_free(&r);
    r = http_get(w->srv.port, "/app.js", NULL);
    assert_int_equal(r.status, 200);
    assert_header(&r, "Content-Type", "text/javascript");
    assert_non_null(strstr(r.body, "/suggest?"));
    reply_free(&r);
    r = http_get(w->srv.port, "/app.css", NULL);
    assert_int_equal(r.status, 200);
    assert_header(&r, "Content-Type", "text/css");
    reply_free(&r);
    r = http_get(w->srv.port, "/?q=oil&page=2", NULL);   /* a shared link */
    assert_int_equal(r.status, 200);
    reply_free(&r);
}

/* Unknown paths and traversal attempts are 404 JSON, never files. */
static void unknown_paths_are_404(void **state)
{
    world *w = *state;
    const char *const paths[] = {
        "/nope", "/../../../../etc/passwd", "/..%2f..%2fetc%2fpasswd",
        "/%2e%2e/%2e%2e/etc/passwd", "/www/index.html", "/app.js/..",
        "/./app.js", "//etc/passwd", "/search/", "/doc/", NULL,
    };

    for (size_t i = 0; paths[i] != NULL; i++)
        expect_error(w->srv.port, paths[i], 404, NULL);
}

static void methods_and_bodies(void **state)
{
    world *w = *state;
    const char post[] = "POST /search?q=oil HTTP/1.1\r\nHost: x\r\n"
                        "Content-Length: 5\r\nConnection: close\r\n\r\nhello";
    const char body[] = "GET /search?q=oil HTTP/1.1\r\nHost: x\r\n"
                        "Content-Length: 5\r\nConnection: close\r\n\r\nhello";
    const char chunked[] = "GET /health HTTP/1.1\r\nHost: x\r\n"
                           "Transfer-Encoding: chunked\r\n"
                           "Connection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    const char del[] = "DELETE /doc/n1 HTTP/1.1\r\nHost: x\r\n"
                       "Connection: close\r\n\r\n";
    reply r;
    char *allow;

    r = http_raw(w->srv.port, post, strlen(post));
    assert_int_equal(r.status, 405);
    allow = header(&r, "Allow");
    assert_non_null(allow);
    assert_non_null(strstr(allow, "GET"));
    free(allow);
    reply_free(&r);
    r = http_raw(w->srv.port, del, strlen(del));
    assert_int_equal(r.status, 405);
    reply_free(&r);
    r = http_raw(w->srv.port, body, strlen(body));
    assert_int_equal(r.status, 413);
    assert_header(&r, "Content-Type", "application/json");
    reply_free(&r);
    r = http_raw(w->srv.port, chunked, strlen(chunked));
    assert_int_equal(r.status, 413);
    reply_free(&r);
}

/* 100 KB of query: refused with 413, and the server still answers. */
static void oversized_requests(void **state)
{
    world *w = *state;
    size_t n = 100 * 1024;
    char *target = malloc(n + 32);
    char *huge;
    reply r;

    assert_non_null(target);
    strcpy(target, "/search?q=");
    memset(target + 10, 'a', n);
    target[10 + n] = '\0';
    expect_error(w->srv.port, target, 413, "too long");
    strcpy(target, "/suggest?q=");
    memset(target + 11, 'b', 2000);
    target[11 + 2000] = '\0';
    expect_error(w->srv.port, target, 413, "too long");
    free(target);
    /* Past the per-connection memory: refused by the HTTP layer. */
    huge = malloc(600 * 1024);
    assert_non_null(huge);
    memset(huge, 'c', 600 * 1024 - 1);
    huge[600 * 1024 - 1] = '\0';
    memcpy(huge, "/search?q=", 10);
    r = http_get(w->srv.port, huge, NULL);
    assert_true(r.status == 413 || r.status == 414 || r.status == 431 ||
                r.status == -1);
    reply_free(&r);
    free(huge);
    r = http_get(w->srv.port, "/health", NULL);
    assert_true(r.status == 200 || r.status == 503);
    reply_free(&r);
}

static void bad_parameters(void **state)
{
    world *w = *state;
    char many[1024] = "/search?q=oil";

    expect_error(w->srv.port, "/search?q=%ff%fe", 400, "UTF-8");
    /* An overlong form and a surrogate are not UTF-8 either. */
    expect_error(w->srv.port, "/search?q=%c0%af", 400, "UTF-8");
    expect_error(w->srv.port, "/search?q=%ed%a0%80", 400, "UTF-8");
    expect_error(w->srv.port, "/search?q=a%00b", 400, "NUL");
    expect_error(w->srv.port, "/search?q=oil&q=gas", 400, "twice");
    for (int i = 0; i < 20; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "&p%d=1",
                 i);
    expect_error(w->srv.port, many, 400, "too many");
}

/* CORS headers on answers and on a preflight. */
static void cors_headers(void **state)
{
    world *w = *state;
    const char pre[] = "OPTIONS /search?q=oil HTTP/1.1\r\nHost: x\r\n"
                       "Origin: https://news.example\r\n"
                       "Access-Control-Request-Method: GET\r\n"
                       "Connection: close\r\n\r\n";
    reply r = http_get(w->srv.port, "/health", NULL);

    assert_header(&r, "Access-Control-Allow-Origin", "https://news.example");
    reply_free(&r);
    r = http_raw(w->srv.port, pre, strlen(pre));
    assert_int_equal(r.status, 204);
    assert_header(&r, "Access-Control-Allow-Origin", "https://news.example");
    assert_header(&r, "Access-Control-Allow-Methods", "GET");
    reply_free(&r);
}

/* A server without an index answers 503 on /health until one appears. */
static void waits_for_an_index(void **state)
{
    world *w = *state;
    char dir[4096];
    server s;
    reply r;
    json_t *j;
    const char *args[] = {"--quiet", NULL};

    snprintf(dir, sizeof dir, "%s/empty", w->tmp);
    server_start(&s, w->tmp, dir, args);
    r = http_get(s.port, "/health", NULL);
    assert_int_equal(r.status, 503);
    j = body_json(&r);
    assert_non_null(json_object_get(j, "status"));
    json_decref(j);
    reply_free(&r);
    expect_error(s.port, "/search?q=oil", 503, "no index");
    expect_error(s.port, "/stats", 503, "no index");
    r = http_get(s.port, "/health", NULL);
    assert_null(header(&r, "Access-Control-Allow-Origin"));   /* no --cors */
    reply_free(&r);
    assert_int_equal(server_stop(&s), 0);
}

/* With --api-key-file, requests need the key; /health does not. */
static void api_key_required(void **state)
{
    world *w = *state;
    char keyfile[4096];
    const char *args[] = {"--api-key-file", keyfile, "--quiet", NULL};
    server s;
    reply r;

    snprintf(keyfile, sizeof keyfile, "%s/key", w->tmp);
    fx_write(keyfile, "s3cret-key\n", 11);
    server_start(&s, w->tmp, w->index, args);
    expect_error(s.port, "/search?q=oil", 401, "api key");
    expect_error(s.port, "/", 401, "api key");
    r = http_get(s.port, "/search?q=oil", "Authorization: Bearer wrong\r\n");
    assert_int_equal(r.status, 401);
    assert_header(&r, "WWW-Authenticate", "Bearer");
    reply_free(&r);
    r = http_get(s.port, "/search?q=oil", "X-API-Key: s3cret-ke\r\n");
    assert_int_equal(r.status, 401);
    reply_free(&r);
    r = http_get(s.port, "/health", NULL);
    assert_true(r.status == 200 || r.status == 503);
    reply_free(&r);
    r = http_get(s.port, "/search?q=oil",
                 "Authorization: Bearer s3cret-key\r\n");
    assert_int_equal(r.status, w->have_index ? 200 : 503);
    reply_free(&r);
    r = http_get(s.port, "/", "X-API-Key: s3cret-key\r\n");
    assert_int_equal(r.status, 200);
    reply_free(&r);
    assert_int_equal(server_stop(&s), 0);
}

/* ---- requests on an index ------------------------------------------------ */

/* GET target, expect 200 JSON, return the parsed body. */
static json_t *get_json(unsigned port, const char *target)
{
    reply r = http_get(port, target, NULL);
    json_t *j;

    if (r.status != 200)
        fail_msg("%.100s: status %d (%.300s)", target, r.status,
                 r.body != NULL ? r.body : "");
    assert_header(&r, "Content-Type", "application/json; charset=utf-8");
    j = body_json(&r);
    reply_free(&r);
    return j;
}

/* The ids of a /search answer, comma-joined, into out. */
static void hit_ids(json_t *res, char *out, size_t cap)
{
    json_t *hits = json_object_get(res, "hits");
    size_t i;
    json_t *h;

    *out = '\0';
    assert_true(json_is_array(hits));
    json_array_foreach(hits, i, h) {
        const char *id = json_string_value(json_object_get(h, "id"));

        assert_non_null(id);
        snprintf(out + strlen(out), cap - strlen(out), "%s%s",
                 i > 0 ? "," : "", id);
    }
}

static void health_and_stats(void **state)
{
    world *w = *state;
    json_t *j;

    NEED_INDEX(w);
    j = get_json(w->srv.port, "/health");
    assert_string_equal(json_string_value(json_object_get(j, "status")),
                        "ok");
    assert_true(json_integer_value(json_object_get(j, "generation")) > 0);
    json_decref(j);
    j = get_json(w->srv.port, "/stats");
    assert_int_equal(json_integer_value(json_object_get(j, "docs")), 4);
    assert_true(json_integer_value(json_object_get(j, "segments")) >= 1);
    assert_non_null(json_object_get(j, "bytes"));
    json_decref(j);
    expect_error(w->srv.port, "/stats?x=1", 400, "unknown parameter");
}

/* A search: hits with every field, the right documents, escaped snippets
** whose only markup is <mark>. */
static void search_answers(void **state)
{
    world *w = *state;
    json_t *j, *hits, *h;
    char ids[256];
    size_t i;

    NEED_INDEX(w);
    j = get_json(w->srv.port, "/search?q=harbour");
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 3);
    assert_non_null(json_string_value(json_object_get(j, "query")));
    assert_true(json_is_number(json_object_get(j, "took_ms")));
    assert_true(json_is_string(json_object_get(j, "warning")));
    hits = json_object_get(j, "hits");
    assert_int_equal(json_array_size(hits), 3);
    json_array_foreach(hits, i, h) {
        const char *snip = json_string_value(json_object_get(h, "snippet"));
        const char *th = json_string_value(json_object_get(h, "title_html"));
        const char *p;

        /* n1's title holds the word: marked there too. */
        assert_non_null(th);
        if (strcmp(json_string_value(json_object_get(h, "id")), "n1") == 0)
            assert_string_equal(th, "Oil prices rise as <mark>harbour</mark> "
                                    "reopens");

        assert_true(json_is_number(json_object_get(h, "score")));
        assert_true(json_is_string(json_object_get(h, "title")));
        assert_true(json_is_string(json_object_get(h, "date")));
        assert_true(json_is_string(json_object_get(h, "source")));
        assert_true(json_is_string(json_object_get(h, "url")));
        assert_non_null(snip);
        assert_non_null(strstr(snip, "<mark>"));
        /* Every '<' opens <mark> or </mark>: the article's markup is
        ** escaped. */
        for (p = strchr(snip, '<'); p != NULL; p = strchr(p + 1, '<'))
            assert_true(strncmp(p, "<mark>", 6) == 0 ||
                        strncmp(p, "</mark>", 7) == 0);
        assert_null(strstr(snip, "<script"));
        assert_null(strstr(snip, "<b>"));
    }
    hit_ids(j, ids, sizeof ids);
    assert_non_null(strstr(ids, "n1"));
    assert_non_null(strstr(ids, "n2"));
    assert_non_null(strstr(ids, "n3"));
    json_decref(j);
    /* The script in n2's body comes back escaped. */
    j = get_json(w->srv.port, "/search?q=alert");
    hits = json_object_get(j, "hits");
    if (json_array_size(hits) > 0) {
        const char *snip = json_string_value(
            json_object_get(json_array_get(hits, 0), "snippet"));

        assert_null(strstr(snip, "<script"));
    }
    json_decref(j);
    /* Non-ASCII query, percent-encoded UTF-8. */
    j = get_json(w->srv.port, "/search?q=Z%C3%BCrich");
    hit_ids(j, ids, sizeof ids);
    assert_string_equal(ids, "n3");
    json_decref(j);
    /* No snippets when asked. */
    j = get_json(w->srv.port, "/search?q=harbour&highlight=false");
    h = json_array_get(json_object_get(j, "hits"), 0);
    assert_string_equal(json_string_value(json_object_get(h, "snippet")),
                        "");
    assert_string_equal(json_string_value(json_object_get(h, "title_html")),
                        json_string_value(json_object_get(h, "title")));
    json_decref(j);
}

/* Paging, k = 0, filters and sort change the answer as they should. */
static void search_options(void **state)
{
    world *w = *state;
    json_t *j;
    char all[256], page1[128], page2[128], ids[256];

    NEED_INDEX(w);
    j = get_json(w->srv.port, "/search?q=oil&k=10");
    hit_ids(j, all, sizeof all);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 3);
    json_decref(j);
    j = get_json(w->srv.port, "/search?q=oil&k=2");
    hit_ids(j, page1, sizeof page1);
    json_decref(j);
    j = get_json(w->srv.port, "/search?q=oil&k=2&offset=2");
    hit_ids(j, page2, sizeof page2);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 3);
    json_decref(j);
    snprintf(ids, sizeof ids, "%s,%s", page1, page2);
    assert_string_equal(ids, all);
    j = get_json(w->srv.port, "/search?q=oil&k=0");
    assert_int_equal(json_array_size(json_object_get(j, "hits")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 3);
    json_decref(j);
    j = get_json(w->srv.port, "/search?q=oil&sort=-date");
    hit_ids(j, ids, sizeof ids);
    assert_string_equal(ids, "n4,n2,n1");
    json_decref(j);
    j = get_json(w->srv.port, "/search?q=oil&sort=date");
    hit_ids(j, ids, sizeof ids);
    assert_string_equal(ids, "n1,n2,n4");
    json_decref(j);
    j = get_json(w->srv.port,
                 "/search?q=oil&from=1987-03-03&to=1987-03-05&sort=date");
    hit_ids(j, ids, sizeof ids);
    assert_string_equal(ids, "n2");       /* "to" takes the whole day */
    json_decref(j);
    j = get_json(w->srv.port, "/search?q=oil&source=ap");
    hit_ids(j, ids, sizeof ids);
    assert_string_equal(ids, "n4");
    json_decref(j);
    j = get_json(w->srv.port, "/search?q=oil+harbour&and=true&sort=date");
    hit_ids(j, ids, sizeof ids);
    assert_string_equal(ids, "n1,n2");
    json_decref(j);
}

/* A repeated search is answered from the cache, byte for byte; another
** parameter is another answer. */
static void cache_repeats(void **state)
{
    world *w = *state;
    reply a, b, c;

    NEED_INDEX(w);
    a = http_get(w->srv.port, "/search?q=prices&k=3", NULL);
    b = http_get(w->srv.port, "/search?q=prices&k=3", NULL);
    c = http_get(w->srv.port, "/search?q=prices&k=2", NULL);
    assert_int_equal(a.status, 200);
    assert_int_equal(b.status, 200);
    assert_header(&a, "X-Cache", "miss");
    assert_header(&b, "X-Cache", "hit");
    assert_header(&c, "X-Cache", "miss");
    assert_int_equal(a.body_len, b.body_len);
    assert_memory_equal(a.body, b.body, a.body_len);
    assert_true(c.body_len != a.body_len ||
                memcmp(c.body, a.body, a.body_len) != 0);
    reply_free(&a);
    reply_free(&b);
    reply_free(&c);
}

/* Answers with snippets are the same from a server that keeps no
** decompressed article blocks (--block-cache-mb 0) as from one that does,
** asked twice so that the second answer comes from its blocks; a bad
** --block-cache-mb is a usage error. */
static void block_cache_same_answers(void **state)
{
    world *w = *state;
    const char *args[] = {"--quiet", "--cache-mb", "0", "--block-cache-mb",
                          "0", NULL};
    static const char *const targets[] = {
        "/search?q=harbour", "/search?q=prices+OR+oil&k=20",
        "/search?q=storm&sort=-date", "/doc/n3",
    };
    server s;
    char *out = NULL;

    NEED_INDEX(w);
    server_start(&s, w->tmp, w->index, args);
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++)
        for (int rep = 0; rep < 2; rep++) {
            json_t *a = get_json(s.port, targets[i]);
            json_t *b = get_json(w->srv.port, targets[i]);

            json_object_del(a, "took_ms");
            json_object_del(b, "took_ms");
            assert_true(json_equal(a, b));
            json_decref(a);
            json_decref(b);
        }
    assert_int_equal(server_stop(&s), 0);
    assert_int_equal(fx_run(&out, "'%s' serve '%s' --block-cache-mb x 2>&1",
                            fx_byline(), w->index), 2);
    assert_non_null(strstr(out, "bad --block-cache-mb 'x'"));
    free(out);
}

static void search_refuses_bad_requests(void **state)
{
    world *w = *state;

    NEED_INDEX(w);
    expect_error(w->srv.port, "/search?q=oil&k=-1", 400, "'k'");
    expect_error(w->srv.port, "/search?q=oil&k=1001", 400, "'k'");
    expect_error(w->srv.port, "/search?q=oil&k=ten", 400, "'k'");
    expect_error(w->srv.port, "/search?q=oil&offset=10001", 400, "offset");
    expect_error(w->srv.port, "/search?q=oil&sort=size", 400, "sort");
    expect_error(w->srv.port, "/search?q=oil&from=yesterday", 400, "from");
    expect_error(w->srv.port, "/search?q=oil&from=1988-01-01&to=1987-01-01",
                 400, "range");
    expect_error(w->srv.port, "/search?q=oil&and=maybe", 400, "and");
    expect_error(w->srv.port, "/search?q=oil&colour=red", 400,
                 "unknown parameter");
    /* An unknown name quoted in the message, cut inside a character. */
    expect_error(w->srv.port, "/search?q=oil&x%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9"
                 "%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9"
                 "%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9"
                 "%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9"
                 "%C3%A9%C3%A9%C3%A9%C3%A9=1", 400, "unknown parameter");
    expect_error(w->srv.port, "/search", 400, "missing");
    expect_error(w->srv.port, "/search?q=+++", 400, "missing");
    /* A malformed query names its position. */
    expect_error(w->srv.port, "/search?q=%28oil+AND", 400, "at ");
    expect_error(w->srv.port, "/suggest?q=oi&k=51", 400, "'k'");
    expect_error(w->srv.port, "/suggest?q=oi&x=1", 400, "unknown parameter");
    expect_error(w->srv.port, "/suggest", 400, "missing");
}

static void doc_by_id(void **state)
{
    world *w = *state;
    json_t *j;

    NEED_INDEX(w);
    j = get_json(w->srv.port, "/doc/n3");
    assert_string_equal(json_string_value(json_object_get(j, "id")), "n3");
    assert_string_equal(json_string_value(json_object_get(j, "title")),
                        "Banks in Z\xc3\xbcrich report record profits");
    assert_string_equal(json_string_value(json_object_get(j, "source")),
                        "bbc");
    assert_non_null(strstr(json_string_value(json_object_get(j, "body")),
                           "lake port"));
    json_decref(j);
    /* Stored text comes back as it was, markup included, as JSON text. */
    j = get_json(w->srv.port, "/doc/n2");
    assert_non_null(strstr(json_string_value(json_object_get(j, "body")),
                           "<script>"));
    json_decref(j);
    expect_error(w->srv.port, "/doc/nope", 404, "no such document");
    expect_error(w->srv.port, "/doc/..%2f..%2fetc%2fpasswd", 404, NULL);
    expect_error(w->srv.port, "/doc/n1?x=1", 400, "unknown parameter");
}

typedef struct suggest_job {
    bl_index *ix;
    int rc;
    char first[64];
} suggest_job;

static void *suggest_main(void *arg)
{
    suggest_job *j = arg;
    char **list = NULL;

    j->rc = bl_suggest(j->ix, "oi", 3, &list);
    if (j->rc == BL_OK && list[0] != NULL)
        snprintf(j->first, sizeof j->first, "%s", list[0]);
    bl_suggest_free(list);
    return NULL;
}

/* Threads asking a fresh index at once all get the same answer (one of
** them builds the table, the others wait for it). */
static void suggest_on_threads(void **state)
{
    world *w = *state;
    bl_index *ix = NULL;
    suggest_job jobs[4];
    pthread_t t[4];

    NEED_INDEX(w);
    assert_int_equal(bl_index_open(w->index, &ix), BL_OK);
    for (int i = 0; i < 4; i++) {
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].ix = ix;
        assert_int_equal(pthread_create(&t[i], NULL, suggest_main, &jobs[i]),
                         0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(jobs[i].rc, BL_OK);
        assert_string_equal(jobs[i].first, "oil");
    }
    bl_index_close(ix);
}

/* /suggest over HTTP, and bl_suggest itself: title words in their surface
** form, pairs, the words typed before kept, non-ASCII folded. */
static void suggest_completes(void **state)
{
    world *w = *state;
    bl_index *ix = NULL;
    char **list = NULL;
    json_t *j, *s;
    bool oil = false;
    size_t i;

    NEED_INDEX(w);
    j = get_json(w->srv.port, "/suggest?q=oi&k=5");
    s = json_object_get(j, "suggestions");
    assert_true(json_array_size(s) >= 1 && json_array_size(s) <= 5);
    assert_string_equal(json_string_value(json_array_get(s, 0)), "oil");
    json_decref(j);
    assert_int_equal(bl_index_open(w->index, &ix), BL_OK);
    assert_int_equal(bl_suggest(ix, "zur", 3, &list), BL_OK);
    assert_non_null(list[0]);
    assert_string_equal(list[0], "Z\xc3\xbcrich");
    bl_suggest_free(list);
    assert_int_equal(bl_suggest(ix, "OIL PR", 5, &list), BL_OK);
    assert_non_null(list[0]);
    assert_string_equal(list[0], "oil prices");      /* two titles */
    assert_non_null(list[1]);
    assert_string_equal(list[1], "oil production");
    assert_null(list[2]);
    bl_suggest_free(list);
    assert_int_equal(bl_suggest(ix, "crude oil ", 5, &list), BL_OK);
    for (i = 0; list[i] != NULL; i++) {
        assert_true(strncmp(list[i], "crude oil ", 10) == 0);
        oil |= strcmp(list[i], "crude oil prices") == 0;
    }
    assert_true(oil);
    bl_suggest_free(list);
    assert_int_equal(bl_suggest(ix, "qqqq", 5, &list), BL_OK);
    assert_null(list[0]);
    bl_suggest_free(list);
    assert_int_equal(bl_suggest(ix, "o", 0, &list), BL_OK);
    assert_null(list[0]);
    bl_suggest_free(list);
    bl_index_close(ix);
}

/* ---- hot reload and stop ------------------------------------------------- */

/* Clients that search in a loop and count what they get. */
typedef struct hammer {
    unsigned port;
    atomic_bool stop;
    atomic_int requests;       /* answered */
    atomic_int failures;       /* answered with a status other than 200 */
    atomic_int refused;        /* no answer (the server was stopping) */
} hammer;

static void *hammer_main(void *arg)
{
    hammer *h = arg;

    while (!atomic_load(&h->stop)) {
        reply r = http_get(h->port, "/search?q=oil+harbour&k=5", NULL);

        if (r.status == -1)
            atomic_fetch_add(&h->refused, 1);
        else if (r.status != 200)
            atomic_fetch_add(&h->failures, 1);
        else
            atomic_fetch_add(&h->requests, 1);
        reply_free(&r);
    }
    return NULL;
}

static json_int_t total_of(unsigned port, const char *target)
{
    json_t *j = get_json(port, target);
    json_int_t n = json_integer_value(json_object_get(j, "total"));

    json_decref(j);
    return n;
}

/* Articles indexed while the server runs become searchable without a
** restart, and every request during the switch succeeds. */
static void hot_reload(void **state)
{
    world *w = *state;
    const char *const more[] = {
        "{\"id\":\"n6\",\"title\":\"Zeppelin lands at the harbour\","
        "\"body\":\"A zeppelin landed near the harbour.\","
        "\"date\":\"1987-06-01\",\"source\":\"ap\",\"url\":\"\"}",
        NULL,
    };
    char path[4096];
    hammer h;
    pthread_t t[3];
    json_int_t gen0, gen1;
    json_t *j;
    int waited = 0;

    NEED_INDEX(w);
    j = get_json(w->srv.port, "/health");
    gen0 = json_integer_value(json_object_get(j, "generation"));
    json_decref(j);
    assert_int_equal(total_of(w->srv.port, "/search?q=zeppelin"), 0);
    memset(&h, 0, sizeof h);
    h.port = w->srv.port;
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer_main, &h), 0);
    snprintf(path, sizeof path, "%s/b.jsonl", w->tmp);
    write_jsonl(path, more, 0, 1);
    assert_int_equal(index_files(w, path), 0);
    while (total_of(w->srv.port, "/search?q=zeppelin") == 0 &&
           waited < 10000) {
        struct timespec nap = {0, 50 * 1000000L};

        nanosleep(&nap, NULL);
        waited += 50;
    }
    /* Keep searching a little on the new generation too. */
    {
        struct timespec nap = {0, 200 * 1000000L};

        nanosleep(&nap, NULL);
    }
    atomic_store(&h.stop, true);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    assert_true(waited < 10000);
    assert_int_equal(total_of(w->srv.port, "/search?q=zeppelin"), 1);
    assert_int_equal(total_of(w->srv.port, "/search?q=harbour"), 4);
    j = get_json(w->srv.port, "/health");
    gen1 = json_integer_value(json_object_get(j, "generation"));
    json_decref(j);
    assert_true(gen1 > gen0);
    assert_int_equal(atomic_load(&h.failures), 0);
    assert_int_equal(atomic_load(&h.refused), 0);
    assert_true(atomic_load(&h.requests) > 0);
    print_message("[ INFO     ] %d searches during the reload, all 200\n",
                  atomic_load(&h.requests));
}

/* SIGTERM under load: every answer is complete, the exit status 0, and
** the port is closed afterwards. */
static void graceful_stop(void **state)
{
    world *w = *state;
    const char *args[] = {"--quiet", NULL};
    server s;
    hammer h;
    pthread_t t[2];
    struct timespec nap = {0, 300 * 1000000L};
    char *log;
    int fd;

    server_start(&s, w->tmp, w->index, args);
    memset(&h, 0, sizeof h);
    h.port = s.port;
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer_main, &h), 0);
    nanosleep(&nap, NULL);
    assert_int_equal(server_stop(&s), 0);
    atomic_store(&h.stop, true);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&h.failures), w->have_index ? 0 :
                     atomic_load(&h.failures));
    if (w->have_index)
        assert_true(atomic_load(&h.requests) > 0);
    log = fx_slurp(s.log, NULL);
    assert_non_null(log);
    assert_non_null(strstr(log, "stopped"));
    free(log);
    fd = connect_to(s.port);
    assert_true(fd < 0);
    if (fd >= 0)
        close(fd);
}

/* The access log: one line per request with method, path, status and
** microseconds. */
static void access_log(void **state)
{
    world *w = *state;
    reply r = http_get(w->srv.port, "/nope?q=secret", NULL);
    struct timespec nap = {0, 50 * 1000000L};
    char *log;

    reply_free(&r);
    nanosleep(&nap, NULL);
    log = fx_slurp(w->srv.log, NULL);
    assert_non_null(log);
    assert_non_null(strstr(log, "GET /nope 404 "));
    assert_null(strstr(log, "secret"));    /* queries stay out of logs */
    free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(page_is_embedded),
        cmocka_unit_test(unknown_paths_are_404),
        cmocka_unit_test(methods_and_bodies),
        cmocka_unit_test(oversized_requests),
        cmocka_unit_test(bad_parameters),
        cmocka_unit_test(cors_headers),
        cmocka_unit_test(access_log),
        cmocka_unit_test(waits_for_an_index),
        cmocka_unit_test(api_key_required),
        cmocka_unit_test(health_and_stats),
        cmocka_unit_test(search_answers),
        cmocka_unit_test(search_options),
        cmocka_unit_test(cache_repeats),
        cmocka_unit_test(block_cache_same_answers),
        cmocka_unit_test(search_refuses_bad_requests),
        cmocka_unit_test(doc_by_id),
        cmocka_unit_test(suggest_completes),
        cmocka_unit_test(suggest_on_threads),
        cmocka_unit_test(hot_reload),
        cmocka_unit_test(graceful_stop),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests_name("serve", tests, setup, teardown);
}
