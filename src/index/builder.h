/* builder.h - the in-memory inverted index of one future segment. A builder
** analyses articles as they are added (title and body with positions, id and
** source as keywords, date and source as columns, the whole article kept
** for the store) and, when flushed, writes one immutable segment file.
**
** One builder belongs to one thread; the index writer (writer.c) runs one
** per thread and flushes a builder when its share of the RAM budget is used.
** Local doc ids are assigned in the order of bl_builder_add, from 0.
*/
#ifndef BL_BUILDER_H
#define BL_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "byline.h"

typedef struct bl_builder bl_builder;

/* Create an empty builder analysing with opts (copied). */
int bl_builder_new(const bl_analyzer_opts *opts, bl_builder **out);
void bl_builder_free(bl_builder *b);

/* Analyse and add one article; the builder copies what it keeps. The
** article's lang, when set and known to the stemmer, overrides the
** builder's language for its title and body. */
int bl_builder_add(bl_builder *b, const bl_doc *doc);

/* Articles added since the last flush. */
uint32_t bl_builder_docs(const bl_builder *b);

/* Bytes of memory the builder holds, an estimate within a few percent, for
** the RAM budget. */
size_t bl_builder_ram(const bl_builder *b);

/* What a flush wrote, for the manifest. */
typedef struct bl_segment_info {
    uint32_t docs;             /* articles in the segment */
    uint64_t field_total[2];   /* sum of title / body lengths */
    uint64_t bytes;            /* file size */
} bl_segment_info;

/* Write the articles added so far as one segment file at path: written to
** "path.tmp", fsynced, renamed to path (the caller fsyncs the folder). On
** success the builder is empty again and reusable. With no articles, writes
** nothing and returns BL_OK with info->docs == 0. */
int bl_builder_flush(bl_builder *b, const char *path, bl_segment_info *info);

/* bl_builder_flush of the articles of bs[0..n) as one segment, in that
** order: the articles of bs[1] take the doc ids after those of bs[0], and
** so on (a commit of the index writer flushes all its builders at once).
** On success every builder is empty again; BL_ELIMIT when they hold
** BL_DOC_END articles or more together. */
int bl_builder_flush_many(bl_builder *const *bs, size_t n, const char *path,
                          bl_segment_info *info);

#endif
