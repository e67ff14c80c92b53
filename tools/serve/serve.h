/* serve.h - the HTTP query server behind `byline serve`: a JSON API
** (/search, /suggest, /doc/ID, /stats, /health) and the search page, on
** libmicrohttpd's thread pool, over one bl_index that a background thread
** keeps on the newest commit.
**
** cmd_serve.c parses flags into a serve_config, starts the server, waits
** for SIGTERM/SIGINT and stops it. http.c owns the daemon, the limits, the
** routing, the access log and the reload thread; api.c turns parameters
** into library calls and JSON; assets (generated at build time from
** tools/serve/www) are the page's files. Only byline.h is used.
*/
#ifndef BL_SERVE_H
#define BL_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "byline.h"

/* Limits that protect the server; each request over one gets a 4xx. */
#define SERVE_MAX_QUERY 1024         /* bytes of q */
#define SERVE_MAX_PARAM 1024         /* bytes of any other parameter */
#define SERVE_MAX_PARAMS 16          /* parameters in one request */
#define SERVE_MAX_K 1000             /* hits per page */
#define SERVE_MAX_OFFSET 10000       /* deepest page start */
#define SERVE_MAX_SUGGEST 50         /* completions per request */
#define SERVE_MAX_ID 512             /* bytes of a /doc/ID */
#define SERVE_CONN_MEMORY (256 * 1024) /* per-connection request memory */
#define SERVE_MAX_CONNECTIONS 2048   /* open connections at once */
#define SERVE_TIMEOUT_S 30           /* idle connection timeout */
#define SERVE_RELOAD_MS 250          /* how often CURRENT is polled */
#define SERVE_CACHE_MB 64            /* default response cache */

typedef struct serve_config {
    const char *index_dir;     /* the index folder */
    const char *bind;          /* numeric address; "127.0.0.1" */
    unsigned port;             /* 0 = any free port; 8080 */
    unsigned threads;          /* request threads; 0 = online cores */
    const char *cors;          /* allowed origin or NULL (no CORS) */
    const char *api_key;       /* required key or NULL (open) */
    bool quiet;                /* no access log */
    size_t cache_bytes;        /* response cache budget; 0 = none */
    size_t block_cache_bytes;  /* the index's cache of decompressed
                                  article blocks (bl_index_set_block_cache) */
} serve_config;

typedef struct serve serve;

/* Open the index (or wait for one to appear in index_dir), start the
** reload thread and the HTTP daemon. On failure a message is written to
** err (cap bytes) and a negative BL_E* code returned. cfg's strings are
** borrowed until serve_stop. */
int serve_start(const serve_config *cfg, serve **out, char *err, size_t cap);

/* The port the daemon listens on (useful with port 0). */
unsigned serve_port(const serve *s);

/* Stop gracefully: stop accepting, wait up to grace_ms for requests in
** flight to finish, then close every connection, stop the reload thread
** and close the index. Accepts NULL. */
void serve_stop(serve *s, unsigned grace_ms);

/* ---- shared between http.c and api.c ---------------------------------- */

/* One request parameter, decoded (NUL-free, valid UTF-8 checked). */
typedef struct serve_param {
    const char *key;
    const char *value;
    size_t len;                /* bytes of value */
} serve_param;

/* What an endpoint produces: a status, a body (malloc'ed, or static when
** body_static) and its content type. */
typedef struct serve_reply {
    unsigned status;
    char *body;
    size_t len;
    bool body_static;
    const char *type;          /* Content-Type */
    const char *allow;         /* Allow header (405) or NULL */
    const char *cache;         /* Cache-Control or NULL */
    const char *x_cache;       /* X-Cache ("hit", "miss") or NULL */
} serve_reply;

/* The server state endpoints read: the index (NULL until one exists) and
** the statistics of its current generation, refreshed by the reload
** thread (bl_index_stats is not one of the calls the library allows
** concurrently with bl_index_refresh, so requests never call it). */
typedef struct serve_view {
    bl_index *ix;              /* NULL: no index yet */
    bl_stats stats;            /* as of the last refresh */
    double loaded_at;          /* wall-clock seconds of that refresh */
    double started_at;         /* wall-clock seconds of serve_start */
} serve_view;

/* Endpoints (api.c). params are the request's query parameters. Each sets
** r; none fails otherwise (errors are replies). */
void serve_api_search(bl_index *ix, const serve_param *params, size_t n,
                      serve_reply *r);
void serve_api_suggest(bl_index *ix, const serve_param *params, size_t n,
                       serve_reply *r);
void serve_api_doc(bl_index *ix, const char *id, const serve_param *params,
                   size_t n, serve_reply *r);
void serve_api_stats(const serve_view *v, const serve_param *params,
                     size_t n, serve_reply *r);
void serve_api_health(const serve_view *v, serve_reply *r);

/* Set r to the JSON error {"error": msg} with status. */
void serve_reply_error(serve_reply *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Set r to a JSON body made from a jansson object (stolen). */
struct json_t;
void serve_reply_json(serve_reply *r, unsigned status, struct json_t *obj);

/* True when p[0..len) is valid UTF-8 (no overlongs, no surrogates). */
bool serve_utf8_valid(const char *p, size_t len);

/* HTML-escape a snippet whose highlights are the SERVE_MARK_OPEN/CLOSE
** sentinels, then turn the sentinels into <mark> and </mark>, balanced:
** the result holds no markup but <mark>…</mark>. malloc'ed, NULL on
** ENOMEM. */
char *serve_snippet_html(const char *s);

/* Highlight sentinels passed to bl_search: Unicode noncharacters U+FDD0
** and U+FDD1, reserved for internal use, so never meaningful in text. */
#define SERVE_MARK_OPEN "\xEF\xB7\x90"
#define SERVE_MARK_CLOSE "\xEF\xB7\x91"

/* ---- the embedded page (generated from tools/serve/www) --------------- */

typedef struct serve_asset {
    const char *path;          /* "/app.js"; "/" is index.html */
    const char *type;          /* Content-Type */
    const unsigned char *data;
    size_t len;
} serve_asset;

/* The page's files, generated at build time from tools/serve/www by
** embed.cmake; the last entry has path NULL. */
extern const serve_asset serve_asset_table[];

/* The asset at exactly this path, or NULL. Never touches the file
** system. */
const serve_asset *serve_asset_find(const char *path);

#endif
