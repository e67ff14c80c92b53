/* ingest.h - what the article readers share: a buffered stream of decoded
** bytes over a plain, gzip or zstd file (with a line reader on top), text
** cleaning into valid UTF-8, and the per-format record parsers that fill the
** document of a bl_ingest handle. The public contract is the "ingest"
** section of byline.h; nothing outside src/ingest/ includes this file.
*/
#ifndef BL_INGEST_H
#define BL_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>
#include <zstd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "byline.h"

/* ---- decoded byte stream ------------------------------------------------ */

typedef enum ing_codec {
    ING_PLAIN = 0,
    ING_GZIP,
    ING_ZSTD
} ing_codec;

/* A file (or stdin) read in chunks, decompressed when its first bytes say
** gzip or zstd, with the decoded bytes [pos, len) of buf not yet consumed.
** Records longer than BL_INGEST_MAX_RECORD are refused, so buf never grows
** past that plus one read chunk. */
typedef struct ing_reader {
    int fd;                    /* -1 when closed */
    bool own_fd;               /* false for stdin */
    ing_codec codec;           /* from the magic bytes */
    z_stream z;                /* gzip state when codec == ING_GZIP */
    ZSTD_DCtx *zd;             /* zstd state when codec == ING_ZSTD */
    size_t zret;               /* last ZSTD_decompressStream result */
    uint8_t *raw;              /* compressed bytes read from fd */
    size_t raw_pos, raw_len;   /* unread compressed bytes [raw_pos, len) */
    bool raw_eof;              /* fd has no more bytes */
    uint64_t raw_read;         /* bytes read from fd so far */
    uint8_t *buf;              /* decoded bytes */
    size_t pos, len, cap;      /* unconsumed [pos, len) of cap bytes */
    size_t scan;               /* bytes after pos known to hold no '\n' */
    bool eof;                  /* no more decoded bytes will come */
    uint64_t line;             /* lines consumed so far (1-based numbers) */
    char msg[160];             /* why the last call failed */
} ing_reader;

/* Open path ("-" is stdin) and detect its compression. BL_OK,
** BL_ENOTFOUND, BL_EIO (msg says why) or BL_ENOMEM. */
int ing_reader_open(ing_reader *r, const char *path);

/* Release everything; safe on a zeroed or half-opened reader. */
void ing_reader_close(ing_reader *r);

/* Make at least need decoded bytes available at buf + pos, unless the input
** ends first (then fewer are). BL_OK, BL_EIO (read error or corrupt
** compressed data; msg says which), BL_ELIMIT or BL_ENOMEM. */
int ing_reader_fill(ing_reader *r, size_t need);

/* The next line without its "\n" (and "\r"), borrowed until the next call
** on r. BL_OK; BL_DONE at the end; BL_ELIMIT when the line is longer than
** BL_INGEST_MAX_RECORD (it was skipped and counted in r->line); BL_EIO. */
int ing_reader_line(ing_reader *r, const uint8_t **p, size_t *len);

/* ---- text cleaning --------------------------------------------------- */

#define ING_TAGS     1u        /* drop tags: "<" + letter, "/" or "!" up to
                                  ">" within 256 bytes; each is a space */
#define ING_ENTITIES 2u        /* decode &lt; &gt; &amp; &quot; &apos; &#N;
                                  &#xN; (control characters are dropped) */
#define ING_ONELINE  4u        /* every whitespace run becomes one space */
#define ING_PARAS    8u        /* whitespace runs become one space, "\n" or
                                  (two or more newlines) "\n\n" */

/* A copy of p[0..len) in a, as valid UTF-8 without NUL or control bytes
** other than "\t" and "\n": invalid bytes are read as Windows-1252 (Latin-1
** with the 0x80-0x9f punctuation), then flags apply; leading and trailing
** whitespace is trimmed. NULL when out of memory. */
char *ing_clean(bl_arena *a, const uint8_t *p, size_t len, unsigned flags);

/* Is p[0..len) valid UTF-8 (controls allowed)? */
bool ing_utf8_valid(const uint8_t *p, size_t len);

/* Make a NUL-terminated message valid UTF-8 in place: each byte that does
** not belong to a complete sequence (a quote of bad input, a sequence cut
** by snprintf) becomes '?'. */
void ing_msg_fix(char *s);

/* ---- the handle and the record parsers ---------------------------------- */

/* One input file found by bl_ingest_open. */
typedef struct ing_input {
    char *path;                /* as named or as found in a folder */
    bool in_folder;            /* found by walking: skip unknown formats */
    uint64_t size;             /* bytes, 0 when unknown (stdin) */
} ing_input;

/* Where a record scanner is within a file of SGML-like records. */
typedef struct ing_scan {
    bl_buf rec;                /* the current record's bytes */
    bool in_rec;               /* a record has started */
    uint64_t rec_line;         /* line of its opening tag */
    bool too_long;             /* it outgrew BL_INGEST_MAX_RECORD */
    bl_buf pend;               /* the opening line of the next record, read
                                  while ending this one */
    bool has_pend;             /* pend holds such a line */
    uint64_t pend_line;        /* its line number */
    bool stray;                /* inside a run of text outside records */
    bool done;                 /* the file is finished */
} ing_scan;

/* The tar member reader's position. */
typedef struct ing_tar {
    char name[1024];           /* member name (from a long-name record) */
    bool have_long;            /* name came from a GNU or pax record */
    bool started;              /* the first bytes were looked at */
    bool done;                 /* end of archive or a fatal error */
} ing_tar;

struct bl_ingest {
    ing_input *inputs;         /* the files, in reading order */
    size_t n_inputs;
    size_t next_input;         /* index of the next input to open */
    bl_format forced;          /* BL_FORMAT_AUTO or the caller's choice */
    uint64_t bytes_total;      /* sum of the inputs' sizes (0 with stdin) */
    uint64_t bytes_done;       /* bytes of the inputs already closed */

    bool open;                 /* a file is being read */
    ing_reader rd;             /* the current file */
    const ing_input *cur;      /* the input being read */
    const char *path;          /* its path (borrowed from inputs) */
    const char *base;          /* its base name, for generated ids */
    bl_format fmt;             /* its format */
    uint64_t n_rec;            /* records seen in it, for generated ids */
    ing_scan scan;             /* SGML and TIME record state */
    ing_tar tar;               /* tar state */

    bl_arena arena;            /* strings of the current document */
    bl_doc doc;                /* the current document */
    bl_field *extra;           /* its extra fields */
    size_t n_extra, cap_extra;
    char err[512];             /* last error message */
    char warn[512];            /* last warning message */
};

/* Helpers of ingest.c for the parsers. Each returns BL_OK or BL_ENOMEM. */

/* Start a new document: forget the previous one's strings and fields. */
void ing_doc_reset(bl_ingest *in);

/* Clean p[0..len) with flags into *field (one of the doc's strings). */
int ing_doc_set(bl_ingest *in, const char **field, const void *p,
                size_t len, unsigned flags);

/* Append an extra field; name and value are copied (value cleaned). */
int ing_doc_extra(bl_ingest *in, const char *name, const void *value,
                  size_t len, unsigned flags);

/* Parse a date into the doc; an unreadable one is a warning naming line. */
int ing_doc_date(bl_ingest *in, const void *p, size_t len, unsigned flags,
                 uint64_t line);

/* Finish the document: a missing id becomes "<base name>:<record number>",
** missing strings "". */
int ing_doc_finish(bl_ingest *in);

/* Set the error message ("path:line: ..."); line 0 leaves it out. Returns
** rc. Messages are always valid UTF-8 (see ing_msg_fix). */
int ing_fail(bl_ingest *in, int rc, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Set the warning message the same way ("path:line: ..."). */
void ing_warn(bl_ingest *in, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Each parser reads the next document of the current file: BL_OK (the doc
** is ready), BL_DONE (the file is finished), BL_EFORMAT (a record was
** skipped; in->err says why), BL_EIO (the rest of the file cannot be read)
** or BL_ENOMEM. */
int ing_jsonl_next(bl_ingest *in);
int ing_reuters_next(bl_ingest *in);
int ing_trec_next(bl_ingest *in);
int ing_time_next(bl_ingest *in);
int ing_tar_next(bl_ingest *in);

/* Shared by the SGML-like parsers: find the element <tag ...>...</tag> in
** p[0..len) from its start; BL_OK with the content's bounds, BL_ENOTFOUND.
** A missing closing tag takes the content to the end of p. */
int ing_elem(const uint8_t *p, size_t len, const char *tag,
             size_t *start, size_t *end);

/* Find attr="value" inside an opening tag p[0..len). */
int ing_attr(const uint8_t *p, size_t len, const char *attr,
             size_t *start, size_t *end);

/* Fill in->scan.rec with the next record that starts with a line beginning
** with open (after blanks) and ends with a line holding close, or (close
** NULL) right before the next opening line, a line beginning with stop, or
** the end of the file. BL_OK (record in in->scan.rec, its first line in
** in->scan.rec_line), BL_DONE, BL_EFORMAT (a record was not closed, or
** text outside records was skipped), BL_EIO, BL_ENOMEM. */
int ing_scan_record(bl_ingest *in, const char *open, const char *close,
                    const char *stop);

#endif
