/* snippet.h - the best passage or two of an article's body for a query:
** the words whose analysed form is one of the query's terms (or starts with
** one of its prefixes) are wrapped in markers, the passage is cut on word
** boundaries, and the output is valid UTF-8 whatever the input.
*/
#ifndef BL_SNIPPET_H
#define BL_SNIPPET_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "byline.h"

/* Bodies are analysed up to about this many bytes for snippets (cut at a
** space); matches beyond are not looked for. */
#define BL_SNIPPET_SCAN_MAX (128 * 1024)

/* What to mark: analysed terms (as the analyzer emits them) and prefixes
** (a term starting with one matches). Borrowed. */
typedef struct bl_snippet_query {
    const char *const *terms;
    size_t n_terms;
    const char *const *prefixes;
    size_t n_prefixes;
} bl_snippet_query;

typedef struct bl_snippet_opts {
    const char *mark_open;     /* "<mark>" */
    const char *mark_close;    /* "</mark>" */
    size_t bytes;              /* about this much text (markers aside) */
    bool escape_html;          /* escape & < > " in the text */
} bl_snippet_opts;

/* Append the snippet of body (len bytes) to out, NUL not included. With no
** match the passage is the start of the body. Passages not at the start or
** end of the body are marked with "…". BL_OK, BL_ENOMEM, or an error of
** bl_analyze. */
int bl_snippet_make(bl_analyzer *a, const char *body, size_t len,
                    const bl_snippet_query *q, const bl_snippet_opts *o,
                    bl_buf *out);

/* Append all of text (a title) with its matches marked, as a snippet marks
** them; no passage is cut (o->bytes is not used) unless text is longer
** than BL_SNIPPET_SCAN_MAX, which gets bl_snippet_make's passage. */
int bl_snippet_mark(bl_analyzer *a, const char *text, size_t len,
                    const bl_snippet_query *q, const bl_snippet_opts *o,
                    bl_buf *out);

#endif
