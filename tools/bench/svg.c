/* svg.c - the charts of the benchmark as self-contained SVG (no scripts,
** no external fonts or styles): latency by query kind for each engine as
** grouped bars on a log axis, and the scaling study's curves (log-log
** panels) read back from the runs' JSON documents. Invariant: every value
** drawn on a log axis is positive; others are left out, never drawn at a
** made-up place.
*/
#include "report.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const engine_color[BENCH_N_ENGINES] = {"#1f77b4",
                                                          "#ff7f0e"};
static const char *const kind_color[BENCH_N_KINDS] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};

static void svg_open(FILE *f, int w, int h, const char *title)
{
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"Helvetica, "
            "Arial, sans-serif\" font-size=\"12\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
            "<text x=\"%d\" y=\"22\" text-anchor=\"middle\" "
            "font-size=\"15\" font-weight=\"bold\">",
            w, h, w, h, w / 2);
    for (const char *p = title; *p != '\0'; p++) {
        if (*p == '<')
            fputs("&lt;", f);
        else if (*p == '&')
            fputs("&amp;", f);
        else if (*p == '>')
            fputs("&gt;", f);
        else
            fputc(*p, f);
    }
    fputs("</text>\n", f);
}

/* A log axis over [lo, hi] decades. */
typedef struct logaxis {
    double lo, hi;             /* log10 of the ends */
} logaxis;

static bool axis_fit(logaxis *a, const double *v, size_t n)
{
    double mn = INFINITY, mx = -INFINITY;

    for (size_t i = 0; i < n; i++)
        if (v[i] > 0 && isfinite(v[i])) {
            mn = fmin(mn, v[i]);
            mx = fmax(mx, v[i]);
        }
    if (!(mn <= mx))
        return false;
    a->lo = floor(log10(mn));
    a->hi = ceil(log10(mx));
    if (a->hi <= a->lo)
        a->hi = a->lo + 1;
    return true;
}

static double axis_pos(const logaxis *a, double v, double from, double to)
{
    return from + (log10(v) - a->lo) / (a->hi - a->lo) * (to - from);
}

static void tick_label(char *out, size_t cap, double v)
{
    if (v >= 1e9)
        snprintf(out, cap, "%gG", v / 1e9);
    else if (v >= 1e6)
        snprintf(out, cap, "%gM", v / 1e6);
    else if (v >= 1e3)
        snprintf(out, cap, "%gk", v / 1e3);
    else
        snprintf(out, cap, "%g", v);
}

/* Horizontal grid lines and labels of a log y axis. */
static void y_grid(FILE *f, const logaxis *a, double x0, double x1,
                   double y0, double y1)
{
    for (double d = a->lo; d <= a->hi + 1e-9; d++) {
        double y = axis_pos(a, pow(10, d), y0, y1);
        char lab[32];

        tick_label(lab, sizeof lab, pow(10, d));
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#ddd\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
                "text-anchor=\"end\" fill=\"#444\">%s</text>\n",
                x0, y, x1, y, x0 - 6, y + 4, lab);
    }
}

int bench_report_svg(const bench_result *r, const char *path)
{
    const int w = 760, h = 430;
    const double x0 = 80, x1 = w - 20, y0 = h - 70, y1 = 50;
    double vals[BENCH_N_ENGINES * BENCH_N_KINDS * 2];
    size_t n = 0, n_eng = 0;
    logaxis a;
    char title[512];
    FILE *f;

    for (int e = 0; e < BENCH_N_ENGINES; e++) {
        if (!r->eng[e].ran)
            continue;
        n_eng++;
        for (int k = 0; k < BENCH_N_KINDS; k++) {
            vals[n++] = r->eng[e].kinds[k].median_ms;
            vals[n++] = r->eng[e].kinds[k].p99_ms;
        }
    }
    if (!axis_fit(&a, vals, n)) {
        a.lo = -2;
        a.hi = 1;
    }
    f = fopen(path, "w");
    if (f == NULL)
        return BL_EIO;
    snprintf(title, sizeof title,
             "Query latency by kind, top %zu: %llu articles, %.1f MB of text",
             r->k, (unsigned long long)r->articles,
             (double)r->text_bytes / 1e6);
    svg_open(f, w, h, title);
    y_grid(f, &a, x0, x1, y0, y1);
    fprintf(f,
            "<text x=\"18\" y=\"%.1f\" transform=\"rotate(-90 18 %.1f)\" "
            "text-anchor=\"middle\">milliseconds (log scale): bar = "
            "median, line = p99</text>\n",
            (y0 + y1) / 2, (y0 + y1) / 2);
    for (int k = 0; k < BENCH_N_KINDS; k++) {
        double gw = (x1 - x0) / BENCH_N_KINDS, gx = x0 + gw * k;
        double bw = (gw - 24) / (double)(n_eng ? n_eng : 1);
        size_t i = 0;

        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s "
                   "(%zu)</text>\n",
                gx + gw / 2, y0 + 18, bench_kind_name(k), r->n_queries[k]);
        for (int e = 0; e < BENCH_N_ENGINES; e++) {
            const bench_latency *l = &r->eng[e].kinds[k];
            double bx = gx + 12 + bw * (double)i;

            if (!r->eng[e].ran)
                continue;
            i++;
            if (l->median_ms > 0) {
                double y = axis_pos(&a, l->median_ms, y0, y1);

                fprintf(f,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                        "height=\"%.1f\" fill=\"%s\"><title>%s %s: median "
                        "%.4f ms, p90 %.4f ms, p99 %.4f ms</title></rect>\n",
                        bx + 2, y, bw - 4, y0 - y, engine_color[e],
                        r->eng[e].name, bench_kind_name(k), l->median_ms,
                        l->p90_ms, l->p99_ms);
                fprintf(f,
                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                        "font-size=\"10\">%.3g</text>\n",
                        bx + bw / 2, y - 3, l->median_ms);
            }
            if (l->p99_ms > 0) {
                double y = axis_pos(&a, l->p99_ms, y0, y1);

                fprintf(f,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"black\" stroke-width=\"2\"/>\n",
                        bx + 6, y, bx + bw - 6, y);
            }
        }
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
               "stroke=\"black\"/>\n", x0, y0, x1, y0);
    for (int e = 0, i = 0; e < BENCH_N_ENGINES; e++) {
        if (!r->eng[e].ran)
            continue;
        fprintf(f,
                "<rect x=\"%.1f\" y=\"%d\" width=\"14\" height=\"14\" "
                "fill=\"%s\"/><text x=\"%.1f\" y=\"%d\">%s</text>\n",
                x0 + 140.0 * i, h - 30, engine_color[e], x0 + 140.0 * i + 20,
                h - 19, r->eng[e].name);
        i++;
    }
    fputs("</svg>\n", f);
    return fclose(f) == 0 ? BL_OK : BL_EIO;
}

/* ---- the scaling study ------------------------------------------------ */

#define MAX_RUNS 32

typedef struct run {
    double articles, text_mb;
    bool has[BENCH_N_ENGINES];
    double index_secs[BENCH_N_ENGINES], mb_s[BENCH_N_ENGINES];
    double rss_mb[BENCH_N_ENGINES], index_mb[BENCH_N_ENGINES];
    double median[BENCH_N_ENGINES][BENCH_N_KINDS];
    double p99[BENCH_N_ENGINES][BENCH_N_KINDS];
} run;

static const char *const engine_key[BENCH_N_ENGINES] = {"byline", "fts5"};

static double num(json_t *o, const char *path)
{
    char buf[256], *tok, *save = NULL;

    snprintf(buf, sizeof buf, "%s", path);
    for (tok = strtok_r(buf, ".", &save); tok != NULL && o != NULL;
         tok = strtok_r(NULL, ".", &save))
        o = json_object_get(o, tok);
    return json_is_number(o) ? json_number_value(o) : 0;
}

static int read_run(const char *path, run *r, char *err, size_t cap)
{
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je), *engines;

    memset(r, 0, sizeof *r);
    if (doc == NULL) {
        snprintf(err, cap, "%s:%d: %s", path, je.line, je.text);
        return BL_EFORMAT;
    }
    r->articles = num(doc, "corpus.articles");
    r->text_mb = num(doc, "corpus.text_bytes") / 1e6;
    engines = json_object_get(doc, "engines");
    for (int e = 0; e < BENCH_N_ENGINES; e++) {
        json_t *en = json_object_get(engines, engine_key[e]);

        if (en == NULL)
            continue;
        r->has[e] = true;
        r->index_secs[e] = num(en, "indexing.seconds");
        r->mb_s[e] = num(en, "indexing.mb_per_s");
        r->rss_mb[e] = num(en, "indexing.peak_rss_bytes") / 1e6;
        r->index_mb[e] = num(en, "index.bytes") / 1e6;
        for (int k = 0; k < BENCH_N_KINDS; k++) {
            char key[64];

            snprintf(key, sizeof key, "queries.%s.median_ms",
                     bench_kind_name(k));
            r->median[e][k] = num(en, key);
            snprintf(key, sizeof key, "queries.%s.p99_ms",
                     bench_kind_name(k));
            r->p99[e][k] = num(en, key);
        }
    }
    json_decref(doc);
    if (r->articles <= 0 || !r->has[BENCH_BYLINE]) {
        snprintf(err, cap, "%s: not a byline bench document (no articles "
                           "or no byline engine)", path);
        return BL_EFORMAT;
    }
    return BL_OK;
}

static int cmp_run(const void *a, const void *b)
{
    double x = ((const run *)a)->articles, y = ((const run *)b)->articles;

    return (x > y) - (x < y);
}

static int write_markdown(const run *runs, size_t n, const char *path)
{
    FILE *f = fopen(path, "w");

    if (f == NULL)
        return BL_EIO;
    for (int e = 0; e < BENCH_N_ENGINES; e++) {
        bool any = false;

        for (size_t i = 0; i < n; i++)
            any |= runs[i].has[e];
        if (!any)
            continue;
        fprintf(f, "%s**%s**\n\n| articles | text MB | index s | MB/s "
                   "| peak RSS MB | index MB | index/text |",
                e ? "\n" : "", engine_key[e]);
        for (int k = 0; k < BENCH_N_KINDS; k++)
            fprintf(f, " %s ms median / p99 |", bench_kind_name(k));
        fprintf(f, "\n|---:|---:|---:|---:|---:|---:|---:|");
        for (int k = 0; k < BENCH_N_KINDS; k++)
            fprintf(f, "---:|");
        fputc('\n', f);
        for (size_t i = 0; i < n; i++) {
            const run *r = &runs[i];

            if (!r->has[e])
                continue;
            fprintf(f, "| %.0f | %.1f | %.2f | %.2f | %.0f | %.1f | %.3f |",
                    r->articles, r->text_mb, r->index_secs[e], r->mb_s[e],
                    r->rss_mb[e], r->index_mb[e],
                    r->text_mb > 0 ? r->index_mb[e] / r->text_mb : 0);
            for (int k = 0; k < BENCH_N_KINDS; k++)
                fprintf(f, " %.3f / %.3f |", r->median[e][k], r->p99[e][k]);
            fputc('\n', f);
        }
    }
    return fclose(f) == 0 ? BL_OK : BL_EIO;
}

/* One series of a panel. */
typedef struct series {
    const char *name, *color;
    bool dashed;
    double x[MAX_RUNS], y[MAX_RUNS];
    size_t n;
} series;

static void panel(FILE *f, double px, double py, double pw, double ph,
                  const char *title, const char *unit, const series *s,
                  size_t n_series)
{
    double xs[MAX_RUNS * 16], ys[MAX_RUNS * 16];
    size_t nx = 0, ny = 0;
    double x0 = px + 60, x1 = px + pw - 10, y0 = py + ph - 40, y1 = py + 28;
    size_t legend = 0;
    logaxis ax, ay;

    for (size_t i = 0; i < n_series; i++)
        for (size_t j = 0; j < s[i].n && nx < MAX_RUNS * 16; j++) {
            xs[nx++] = s[i].x[j];
            ys[ny++] = s[i].y[j];
        }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
               "font-weight=\"bold\">%s</text>\n",
            px + pw / 2, py + 16, title);
    if (!axis_fit(&ax, xs, nx) || !axis_fit(&ay, ys, ny))
        return;
    y_grid(f, &ay, x0, x1, y0, y1);
    for (double d = ax.lo; d <= ax.hi + 1e-9; d++) {
        double x = axis_pos(&ax, pow(10, d), x0, x1);
        char lab[32];

        tick_label(lab, sizeof lab, pow(10, d));
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#eee\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
                "text-anchor=\"middle\" fill=\"#444\">%s</text>\n",
                x, y0, x, y1, x, y0 + 16, lab);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
               "fill=\"#444\">articles (log)</text>\n",
            (x0 + x1) / 2, y0 + 32);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" transform=\"rotate(-90 %.1f "
               "%.1f)\" text-anchor=\"middle\" fill=\"#444\">%s</text>\n",
            px + 14, (y0 + y1) / 2, px + 14, (y0 + y1) / 2, unit);
    for (size_t i = 0; i < n_series; i++) {
        const series *sr = &s[i];
        size_t drawn = 0;

        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s "
                   "points=\"",
                sr->color, sr->dashed ? " stroke-dasharray=\"5,3\"" : "");
        for (size_t j = 0; j < sr->n; j++)
            if (sr->x[j] > 0 && sr->y[j] > 0) {
                fprintf(f, "%s%.1f,%.1f", drawn++ ? " " : "",
                        axis_pos(&ax, sr->x[j], x0, x1),
                        axis_pos(&ay, sr->y[j], y0, y1));
            }
        fputs("\"/>\n", f);
        for (size_t j = 0; j < sr->n; j++)
            if (sr->x[j] > 0 && sr->y[j] > 0)
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
                           "fill=\"%s\"><title>%s: %.0f articles, %.4g"
                           "</title></circle>\n",
                        axis_pos(&ax, sr->x[j], x0, x1),
                        axis_pos(&ay, sr->y[j], y0, y1), sr->color, sr->name,
                        sr->x[j], sr->y[j]);
        if (sr->name[0] == '\0')
            continue;
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\" "
                   "font-size=\"11\">%s</text>\n",
                x0 + 8 + 70.0 * (double)(legend % 6),
                y1 + 4 + 13.0 * (double)(legend / 6), sr->color, sr->name);
        legend++;
    }
}

static int write_scaling_svg(const run *runs, size_t n, const char *path)
{
    const int w = 980, h = 760;
    series s[2 * BENCH_N_KINDS];
    FILE *f = fopen(path, "w");
    const char *what[3] = {"Indexing time", "Peak memory while indexing",
                           "Index size on disk"};
    const char *unit[3] = {"seconds", "MB", "MB"};

    if (f == NULL)
        return BL_EIO;
    svg_open(f, w, h, "byline: how cost grows with the archive "
                      "(generated news articles)");
    for (int p = 0; p < 3; p++) {
        size_t ns = 0;

        for (int e = 0; e < BENCH_N_ENGINES; e++) {
            series *sr = &s[ns];

            memset(sr, 0, sizeof *sr);
            sr->name = engine_key[e];
            sr->color = engine_color[e];
            for (size_t i = 0; i < n && sr->n < MAX_RUNS; i++) {
                if (!runs[i].has[e])
                    continue;
                sr->x[sr->n] = runs[i].articles;
                sr->y[sr->n++] = p == 0   ? runs[i].index_secs[e]
                                 : p == 1 ? runs[i].rss_mb[e]
                                          : runs[i].index_mb[e];
            }
            ns += sr->n > 0;
        }
        panel(f, (p % 2) * (w / 2.0), 36 + (p / 2) * ((h - 36) / 2.0),
              w / 2.0, (h - 36) / 2.0, what[p], unit[p], s, ns);
    }
    {
        size_t ns = 0;

        for (int k = 0; k < BENCH_N_KINDS; k++)
            for (int q = 0; q < 2; q++) {
                series *sr = &s[ns];

                memset(sr, 0, sizeof *sr);
                sr->name = q ? "" : bench_kind_name(k);
                sr->color = kind_color[k];
                sr->dashed = q == 1;
                for (size_t i = 0; i < n && sr->n < MAX_RUNS; i++) {
                    sr->x[sr->n] = runs[i].articles;
                    sr->y[sr->n++] = q ? runs[i].p99[BENCH_BYLINE][k]
                                       : runs[i].median[BENCH_BYLINE][k];
                }
                ns++;
            }
        panel(f, w / 2.0, 36 + (h - 36) / 2.0, w / 2.0, (h - 36) / 2.0,
              "byline query latency, top 10 (solid median, dashed p99)",
              "ms", s, ns);
    }
    fputs("</svg>\n", f);
    return fclose(f) == 0 ? BL_OK : BL_EIO;
}

int bench_report_scaling(const char *const *json_paths, size_t n,
                         const char *md_path, const char *svg_path,
                         char *err, size_t cap)
{
    run *runs;
    int rc = BL_OK;

    err[0] = '\0';
    if (n == 0 || n > MAX_RUNS) {
        snprintf(err, cap, "give 1 to %d JSON documents", MAX_RUNS);
        return BL_EINVAL;
    }
    runs = calloc(n, sizeof *runs);
    if (runs == NULL)
        return BL_ENOMEM;
    for (size_t i = 0; i < n && rc == BL_OK; i++)
        rc = read_run(json_paths[i], &runs[i], err, cap);
    if (rc == BL_OK) {
        qsort(runs, n, sizeof *runs, cmp_run);
        if (md_path != NULL)
            rc = write_markdown(runs, n, md_path);
        if (rc == BL_OK && svg_path != NULL)
            rc = write_scaling_svg(runs, n, svg_path);
        if (rc != BL_OK)
            snprintf(err, cap, "cannot write the report");
    }
    free(runs);
    return rc;
}
