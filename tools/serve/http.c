/* http.c - the daemon of `byline serve`: libmicrohttpd with a thread pool
** on epoll, request checks (method, size, body, UTF-8, parameters, api
** key), routing to api.c and to the embedded page, CORS and security
** headers, the access log, the reload thread that keeps the index on the
** newest commit, and the graceful stop.
**
** Invariants: a request never touches the file system (the page is in the
** binary, looked up by exact path); every error is JSON with a 4xx/5xx
** status; the index handle is opened once and only the reload thread calls
** bl_index_refresh and bl_index_stats, while request threads call only the
** functions byline.h allows concurrently with a refresh (bl_search,
** bl_suggest, bl_index_get), so a request in flight finishes on the
** snapshot it started with.
*/
#include "serve/serve.h"
#include "serve/cache.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

struct serve {
    serve_config cfg;          /* borrowed strings, see serve_start */
    struct MHD_Daemon *daemon;
    unsigned port;             /* bound port */
    pthread_mutex_t lock;      /* guards view */
    serve_view view;           /* what requests see */
    pthread_t reloader;
    bool reloader_started;
    pthread_mutex_t stop_lock; /* guards stopping, with stop_cond */
    pthread_cond_t stop_cond;
    bool stopping;
    atomic_long in_flight;     /* requests received, reply not yet sent */
    serve_cache *cache;        /* /search answers; NULL = none */
    int reload_rc;             /* last refresh failure, logged once */
};

/* The marker a counted request leaves in its connection context. */
static const char counted_marker;

static double wall_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- the reload thread ------------------------------------------------- */

/* Build the suggester of the current generation before anyone asks. */
static void warm(serve *s)
{
    bl_index *ix;
    char **list = NULL;

    pthread_mutex_lock(&s->lock);
    ix = s->view.ix;
    pthread_mutex_unlock(&s->lock);
    if (ix != NULL && bl_suggest(ix, "", 1, &list) == BL_OK)
        bl_suggest_free(list);
}

/* Open the index if there is none yet, else refresh it; on a new
** generation recompute the statistics and warm the suggester. */
static void reload_once(serve *s)
{
    bl_index *ix;
    bool changed = false, opened = false;
    bl_stats st;
    int rc;

    pthread_mutex_lock(&s->lock);
    ix = s->view.ix;
    pthread_mutex_unlock(&s->lock);
    if (ix == NULL) {
        rc = bl_index_open(s->cfg.index_dir, &ix);
        if (rc != BL_OK)
            return;
        bl_index_set_block_cache(ix, s->cfg.block_cache_bytes);
        opened = true;
    } else {
        rc = bl_index_refresh(ix, &changed);
        if (rc != BL_OK) {
            if (rc != s->reload_rc)
                fprintf(stderr, "byline serve: refresh failed: %s (still "
                        "serving the generation before)\n",
                        bl_strerror(rc));
            s->reload_rc = rc;
            return;
        }
        s->reload_rc = BL_OK;
        if (!changed)
            return;
    }
    memset(&st, 0, sizeof st);
    rc = bl_index_stats(ix, &st);
    if (rc != BL_OK)
        st.generation = bl_index_generation(ix);
    pthread_mutex_lock(&s->lock);
    s->view.ix = ix;
    s->view.stats = st;
    s->view.loaded_at = wall_now();
    pthread_mutex_unlock(&s->lock);
    warm(s);
    if (!s->cfg.quiet || opened)
        fprintf(stderr, "byline serve: %s generation %llu (%llu articles)\n",
                opened ? "loaded" : "switched to",
                (unsigned long long)st.generation,
                (unsigned long long)st.docs);
}

static void *reload_main(void *arg)
{
    serve *s = arg;

    warm(s);
    pthread_mutex_lock(&s->stop_lock);
    while (!s->stopping) {
        struct timespec until;

        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += SERVE_RELOAD_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&s->stop_cond, &s->stop_lock, &until);
        if (s->stopping)
            break;
        pthread_mutex_unlock(&s->stop_lock);
        reload_once(s);
        pthread_mutex_lock(&s->stop_lock);
    }
    pthread_mutex_unlock(&s->stop_lock);
    return NULL;
}

/* ---- parameters ------------------------------------------------------- */

typedef struct param_set {
    serve_param items[SERVE_MAX_PARAMS];
    size_t n;
    unsigned status;           /* 0, or the error found */
    char msg[160];
} param_set;

static enum MHD_Result collect_param(void *cls, enum MHD_ValueKind kind,
                                     const char *key, size_t key_size,
                                     const char *value, size_t value_size)
{
    param_set *ps = cls;

    (void)kind;
    if (value == NULL) {
        value = "";
        value_size = 0;
    }
    if (key_size != strlen(key) || value_size != strlen(value)) {
        ps->status = MHD_HTTP_BAD_REQUEST;
        snprintf(ps->msg, sizeof ps->msg, "NUL byte in a parameter");
        return MHD_NO;
    }
    if (!serve_utf8_valid(key, key_size) ||
        !serve_utf8_valid(value, value_size)) {
        ps->status = MHD_HTTP_BAD_REQUEST;
        snprintf(ps->msg, sizeof ps->msg, "invalid UTF-8 in parameter");
        return MHD_NO;
    }
    if (ps->n == SERVE_MAX_PARAMS) {
        ps->status = MHD_HTTP_BAD_REQUEST;
        snprintf(ps->msg, sizeof ps->msg, "too many parameters (at most %d)",
                 SERVE_MAX_PARAMS);
        return MHD_NO;
    }
    if (value_size > SERVE_MAX_PARAM) {
        ps->status = MHD_HTTP_CONTENT_TOO_LARGE;
        snprintf(ps->msg, sizeof ps->msg,
                 "parameter '%.32s' too long: %zu bytes (at most %d)", key,
                 value_size, SERVE_MAX_PARAM);
        return MHD_NO;
    }
    for (size_t i = 0; i < ps->n; i++) {
        if (strcmp(ps->items[i].key, key) == 0) {
            ps->status = MHD_HTTP_BAD_REQUEST;
            snprintf(ps->msg, sizeof ps->msg,
                     "parameter '%.32s' given twice", key);
            return MHD_NO;
        }
    }
    ps->items[ps->n].key = key;
    ps->items[ps->n].value = value;
    ps->items[ps->n].len = value_size;
    ps->n++;
    return MHD_YES;
}

/* ---- the request handler ---------------------------------------------- */

static bool key_matches(const char *given, const char *key)
{
    size_t gl = strlen(given), kl = strlen(key);
    unsigned char diff = gl != kl;

    /* Constant time in the key's length, whatever was sent. */
    for (size_t i = 0; i < kl; i++)
        diff |= (unsigned char)(key[i] ^ (i < gl ? given[i] : 0));
    return diff == 0;
}

static bool authorized(const serve *s, struct MHD_Connection *conn)
{
    const char *h;

    if (s->cfg.api_key == NULL)
        return true;
    h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-API-Key");
    if (h != NULL && key_matches(h, s->cfg.api_key))
        return true;
    h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                    MHD_HTTP_HEADER_AUTHORIZATION);
    if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0 &&
        key_matches(h + 7, s->cfg.api_key))
        return true;
    return false;
}

static bool has_body(struct MHD_Connection *conn)
{
    const char *cl = MHD_lookup_connection_value(
        conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

    if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                    MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL)
        return true;
    return cl != NULL && strspn(cl, "0 \t") != strlen(cl);
}

/* /search through the response cache: the key is the parameters as
** given, the tag the generation read before searching (see cache.c). */
static void cached_search(serve *s, const serve_view *view,
                          const param_set *ps, serve_reply *r)
{
    char key[SERVE_MAX_PARAMS * (SERVE_MAX_PARAM + 40) + 1];
    size_t klen = 0, blen;
    uint64_t gen = view->stats.generation;
    char *body;

    for (size_t i = 0; i < ps->n && s->cache != NULL; i++) {
        size_t kl = strlen(ps->items[i].key);

        if (kl > 32 || klen + kl + ps->items[i].len + 2 > sizeof key) {
            klen = 0;
            break;
        }
        memcpy(key + klen, ps->items[i].key, kl);
        key[klen + kl] = '\x1f';
        memcpy(key + klen + kl + 1, ps->items[i].value, ps->items[i].len);
        klen += kl + 1 + ps->items[i].len;
        key[klen++] = '\x1e';
    }
    body = klen > 0 ? serve_cache_get(s->cache, gen, key, klen, &blen)
                    : NULL;
    if (body != NULL) {
        memset(r, 0, sizeof *r);
        r->status = MHD_HTTP_OK;
        r->body = body;
        r->len = blen;
        r->type = "application/json; charset=utf-8";
        r->cache = "no-store";
        r->x_cache = "hit";
        return;
    }
    serve_api_search(view->ix, ps->items, ps->n, r);
    if (klen > 0 && r->status == MHD_HTTP_OK && !r->body_static) {
        serve_cache_put(s->cache, gen, key, klen, r->body, r->len);
        r->x_cache = "miss";
    }
}

static const char page_csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

static void route(serve *s, struct MHD_Connection *conn, const char *method,
                  const char *url, serve_reply *r)
{
    serve_view view;
    param_set ps;
    const serve_asset *asset;

    memset(r, 0, sizeof *r);
    if (strcmp(method, MHD_HTTP_METHOD_OPTIONS) == 0) {
        r->status = MHD_HTTP_NO_CONTENT;
        r->body = (char *)"";
        r->body_static = true;
        r->allow = "GET, HEAD, OPTIONS";
        return;
    }
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
        strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        serve_reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED,
                          "method %.16s not allowed (GET, HEAD, OPTIONS)",
                          method);
        r->allow = "GET, HEAD, OPTIONS";
        return;
    }
    if (!serve_utf8_valid(url, strlen(url))) {
        serve_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid UTF-8 in path");
        return;
    }
    pthread_mutex_lock(&s->lock);
    view = s->view;
    pthread_mutex_unlock(&s->lock);
    if (strcmp(url, "/health") == 0) {
        serve_api_health(&view, r);
        return;
    }
    if (!authorized(s, conn)) {
        serve_reply_error(r, MHD_HTTP_UNAUTHORIZED,
                          "missing or wrong api key (Authorization: Bearer "
                          "KEY or X-API-Key: KEY)");
        return;
    }
    memset(&ps, 0, sizeof ps);
    MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, collect_param,
                                &ps);
    if (ps.status != 0) {
        serve_reply_error(r, ps.status, "%s", ps.msg);
        return;
    }
    if (strcmp(url, "/stats") == 0) {
        serve_api_stats(&view, ps.items, ps.n, r);
        return;
    }
    if (strcmp(url, "/doc/") == 0) {
        serve_reply_error(r, MHD_HTTP_NOT_FOUND, "no such document");
        return;
    }
    if (strcmp(url, "/search") == 0 || strcmp(url, "/suggest") == 0 ||
        strncmp(url, "/doc/", 5) == 0) {
        if (view.ix == NULL)
            serve_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
                              "no index loaded yet");
        else if (url[1] == 's' && url[2] == 'e')
            cached_search(s, &view, &ps, r);
        else if (url[1] == 's')
            serve_api_suggest(view.ix, ps.items, ps.n, r);
        else
            serve_api_doc(view.ix, url + 5, ps.items, ps.n, r);
        return;
    }
    asset = serve_asset_find(url);
    if (asset != NULL) {
        r->status = MHD_HTTP_OK;
        r->body = (char *)asset->data;
        r->len = asset->len;
        r->body_static = true;
        r->type = asset->type;
        r->cache = "no-cache";
        return;
    }
    serve_reply_error(r, MHD_HTTP_NOT_FOUND, "no such path");
}

/* Write the path for the log, with control bytes escaped. */
static void log_line(const char *method, const char *url, unsigned status,
                     uint64_t us)
{
    char path[256];
    size_t n = 0;

    for (const unsigned char *p = (const unsigned char *)url;
         *p != '\0' && n + 5 < sizeof path; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '\\')
            n += (size_t)snprintf(path + n, sizeof path - n, "\\x%02x", *p);
        else
            path[n++] = (char)*p;
    }
    path[n] = '\0';
    fprintf(stderr, "%s %s %u %lluus\n", method, path, status,
            (unsigned long long)us);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
                              const char *url, const char *method,
                              const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    serve *s = cls;
    uint64_t t0 = mono_us();
    serve_reply r;
    struct MHD_Response *resp;
    enum MHD_Result ok;

    (void)version;
    (void)upload_data;
    if (*con_cls == NULL) {
        /* Headers are in. Count the request; answer a request with a body
        ** at once (MHD then closes the connection instead of reading the
        ** body), any other on the next call, once MHD knows the request
        ** is complete, so that the connection is kept alive. */
        *con_cls = (void *)&counted_marker;
        atomic_fetch_add(&s->in_flight, 1);
        if (!has_body(conn))
            return MHD_YES;
        if (strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
            strcmp(method, MHD_HTTP_METHOD_HEAD) == 0 ||
            strcmp(method, MHD_HTTP_METHOD_OPTIONS) == 0)
            serve_reply_error(&r, MHD_HTTP_CONTENT_TOO_LARGE,
                              "a %s request carries no body", method);
        else
            route(s, conn, method, url, &r);     /* 405 */
    } else if (*upload_data_size != 0) {
        *upload_data_size = 0;     /* body bytes after the reply: drop */
        return MHD_YES;
    } else {
        route(s, conn, method, url, &r);
    }
    resp = MHD_create_response_from_buffer(
        r.len, r.body,
        r.body_static ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        if (!r.body_static)
            free(r.body);
        return MHD_NO;
    }
    if (r.type != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r.type);
    if (r.cache != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                                r.cache);
    if (r.allow != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r.allow);
    if (r.x_cache != NULL)
        MHD_add_response_header(resp, "X-Cache", r.x_cache);
    if (r.status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Bearer");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (r.type != NULL && strncmp(r.type, "text/html", 9) == 0) {
        MHD_add_response_header(resp, "Content-Security-Policy", page_csp);
        MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    }
    if (s->cfg.cors != NULL) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin",
                                s->cfg.cors);
        MHD_add_response_header(resp, "Vary", "Origin");
        if (strcmp(method, MHD_HTTP_METHOD_OPTIONS) == 0) {
            MHD_add_response_header(resp, "Access-Control-Allow-Methods",
                                    "GET, HEAD, OPTIONS");
            MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                                    "Authorization, X-API-Key");
            MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
        }
    }
    ok = MHD_queue_response(conn, r.status, resp);
    MHD_destroy_response(resp);
    if (!s->cfg.quiet)
        log_line(method, url, r.status, mono_us() - t0);
    return ok;
}

static void request_done(void *cls, struct MHD_Connection *conn,
                         void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    serve *s = cls;

    (void)conn;
    (void)toe;
    if (*con_cls == &counted_marker) {
        atomic_fetch_sub(&s->in_flight, 1);
        *con_cls = NULL;
    }
}

/* ---- start and stop ------------------------------------------------------ */

const serve_asset *serve_asset_find(const char *path)
{
    if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0)
        path = "/index.html";
    for (size_t i = 0; serve_asset_table[i].path != NULL; i++)
        if (strcmp(serve_asset_table[i].path, path) == 0)
            return &serve_asset_table[i];
    return NULL;
}

unsigned serve_port(const serve *s)
{
    return s->port;
}

static unsigned cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n > 0 ? (unsigned)n : 1;
}

int serve_start(const serve_config *cfg, serve **out, char *err, size_t cap)
{
    serve *s;
    struct sockaddr_storage addr;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&addr;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG;
    unsigned threads = cfg->threads != 0 ? cfg->threads : cores();
    const union MHD_DaemonInfo *info;
    int rc;

    *out = NULL;
    memset(&addr, 0, sizeof addr);
    if (inet_pton(AF_INET, cfg->bind, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)cfg->port);
    } else if (inet_pton(AF_INET6, cfg->bind, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)cfg->port);
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(err, cap, "--bind: '%s' is not a numeric IPv4 or IPv6 "
                 "address", cfg->bind);
        return BL_EINVAL;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, cap, "out of memory");
        return BL_ENOMEM;
    }
    s->cfg = *cfg;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->stop_lock, NULL);
    pthread_cond_init(&s->stop_cond, NULL);
    atomic_init(&s->in_flight, 0);
    s->view.started_at = wall_now();
    if (serve_cache_new(cfg->cache_bytes, &s->cache) != BL_OK) {
        snprintf(err, cap, "out of memory");
        serve_stop(s, 0);
        return BL_ENOMEM;
    }
    rc = bl_index_open(cfg->index_dir, &s->view.ix);
    if (rc == BL_ENOTFOUND) {
        fprintf(stderr, "byline serve: no index in %s yet; waiting for "
                "one\n", cfg->index_dir);
    } else if (rc != BL_OK) {
        snprintf(err, cap, "%s: %s", cfg->index_dir, bl_strerror(rc));
        serve_stop(s, 0);
        return rc;
    } else {
        bl_index_set_block_cache(s->view.ix, cfg->block_cache_bytes);
        if (bl_index_stats(s->view.ix, &s->view.stats) != BL_OK)
            s->view.stats.generation = bl_index_generation(s->view.ix);
        s->view.loaded_at = wall_now();
    }
    if (pthread_create(&s->reloader, NULL, reload_main, s) != 0) {
        snprintf(err, cap, "cannot start the reload thread");
        serve_stop(s, 0);
        return BL_EIO;
    }
    s->reloader_started = true;
    s->daemon = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, handle, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_CONN_MEMORY,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)SERVE_MAX_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)SERVE_TIMEOUT_S,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024,
        MHD_OPTION_NOTIFY_COMPLETED, request_done, s,
        MHD_OPTION_END);
    if (s->daemon == NULL) {
        snprintf(err, cap, "cannot listen on %s port %u (in use, or not "
                 "permitted)", cfg->bind, cfg->port);
        serve_stop(s, 0);
        return BL_EIO;
    }
    info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info != NULL ? info->port : cfg->port;
    *out = s;
    return BL_OK;
}

void serve_stop(serve *s, unsigned grace_ms)
{
    if (s == NULL)
        return;
    if (s->daemon != NULL) {
        MHD_socket fd = MHD_quiesce_daemon(s->daemon);
        uint64_t until = mono_us() + (uint64_t)grace_ms * 1000u;

        if (fd != MHD_INVALID_SOCKET)
            close(fd);
        while (atomic_load(&s->in_flight) > 0 && mono_us() < until) {
            struct timespec ts = {0, 5 * 1000000L};

            nanosleep(&ts, NULL);
        }
        MHD_stop_daemon(s->daemon);
    }
    if (s->reloader_started) {
        pthread_mutex_lock(&s->stop_lock);
        s->stopping = true;
        pthread_cond_signal(&s->stop_cond);
        pthread_mutex_unlock(&s->stop_lock);
        pthread_join(s->reloader, NULL);
    }
    bl_index_close(s->view.ix);
    serve_cache_free(s->cache);
    pthread_cond_destroy(&s->stop_cond);
    pthread_mutex_destroy(&s->stop_lock);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
