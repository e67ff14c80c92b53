/* format.h - the segment file format, version 9, byte by byte. A segment is
** written once by index/ (builder.c through the writers of segment/) and read
** through segment.h. Change this comment, BL_SEG_VERSION and the code
** together.
**
** All fixed-width integers are little endian. "varint" is LEB128
** (base/varint.h). "packed(n, w)" is n unsigned values of w bits each,
** written low bit first into consecutive bytes (value i occupies bits
** [i*w, i*w + w) of the byte string, bit 0 being the low bit of byte 0),
** padded with zero bits to a whole byte: ceil(n*w/8) bytes (bitpack.h).
**
** File
**   magic    8 bytes  "BYLSEG1\n"
**   sections BL_SEC_COUNT byte ranges, in the order of enum bl_sec below,
**            contiguous and non-overlapping, each located by the footer
**   footer   BL_FOOTER_BYTES at the very end of the file:
**     toc      BL_SEC_COUNT x { u64 offset, u64 length, u64 checksum }
**              (offset from the start of the file; checksum = XXH3-64 of
**              the section's bytes, bl_checksum)
**     u32 version (BL_SEG_VERSION), u32 section count (BL_SEC_COUNT)
**     u64 checksum of the toc, version and count (the 8 + 24 * count
**         bytes before it)
**     magic 8 bytes "BYLSEG1\n"
**
** META (fixed, BL_META_BYTES)
**   u32 docs, u32 term blocks, u64 terms, u64 postings, u64 positions,
**   u64 title length total, u64 body length total, u64 raw stored bytes,
**   u32 store blocks, u32 sources, u32 terms per dictionary block (16),
**   u32 zero
**
** "pfor(n)" is a patched frame-of-reference run of n values (bitpack.h):
** n < 8: n varints; else u8 b (<= 32), u8 exception count, packed(n, b) of
** every value's low b bits, then per exception u8 index and
** varint(value >> b).
**
** TERMS: the term dictionary. Keys are (term bytes, field byte), sorted by
** memcmp of the whole key (shorter first on a tie), unique: a term's entries
** in its fields sit side by side (the field bytes, 0 to 3, sort below the
** bytes of any text term), so that one lookup finds them all. Keys are cut
** into blocks of BL_TERMS_PER_BLOCK (the last may be shorter). A block:
**   varint postings base   offset in POSTINGS of the block's first term
**   varint positions base  offset in POSITIONS of the block's first term
**   per term:
**     varint (shared << 4 | min(suffix, 15)), [varint suffix - 15 when
**         suffix >= 15], then the suffix bytes: the key is the previous
**         key's first `shared` bytes (0 at a block's first key) + suffix
**     text field (title, body):
**         varint (df << 1 | (cf == df))
**         [varint cf - df - 1, when cf != df]
**         [varint max_tf - 1, when cf != df and df > 1; else max_tf is 1,
**             or cf when df == 1]
**         varint postings bytes, or when df == 1 the document itself
**         varint positions bytes
**     keyword field (id, source): varint df, varint postings bytes (or the
**         document when df == 1); cf = df, max_tf = 1, no positions
**   A term's postings (positions) start at the block base plus the bytes of
**   the block's terms before it. A df-1 term has no postings bytes.
**
** TERMIDX: the sparse index: per block u32 offset of the block in TERMS.
** The block's first key is its "head"; lookups binary-search the heads.
**
** POSTINGS: per term with df >= 2 (doc ids increasing): n_blocks =
**   ceil(df / 128) blocks of 128 documents, the last holding the rest.
**   When n_blocks > 1 a skip table comes first:
**       n_blocks x BL_SKIP_BYTES { u32 last doc of the block,
**         u32 end of the block (bytes from the first block's start),
**         u32 end of the block's positions (bytes from the term's first
**             position byte),
**         u16 max tf in the block (65535 means "see the term's max_tf"),
**         u16 smallest field length among the block's documents, capped at
**             65535 (a lower bound stays a valid score bound); 0 for
**             keyword fields }
**   then each block of n documents:
**       pfor(n): doc - previous doc - 1 (the previous doc of a list's
**           first doc is -1, of a block's first doc the previous block's
**           last)
**       pfor(n): tf - 1 (text fields only; keyword tf is 1)
**
** POSITIONS: per text term, per postings block (df == 1: one block), the
** positions of the block's documents in doc order, tf values per document:
** the first position as is, each next as (position - previous - 1). The
** values are cut into chunks of 128 (the last shorter), each a pfor run.
** Positions count from 0 in each field separately (title and body are
** different fields and keys); a field's length is the last token's
** position + 1, so every position is < the field length.
**
** LENGTHS: u8 w_title, u8 w_body, u16 zero, packed(docs, w_title) title
** lengths, packed(docs, w_body) body lengths.
**
** COLUMNS:
**   i64 date base, u8 date width (<= 64), u8 ordinal width (<= 32), u16 0,
**   u32 sources; then the sources, sorted and unique by memcmp, each a
**   NUL-terminated string (exactly as added, not folded); then
**   packed(docs, date width): date - base, or all ones (2^w - 1) for
**   BL_NO_DATE; then packed(docs, ordinal width): the source ordinal;
**   then the article ids, front-coded in groups of BL_IDS_PER_GROUP
**   documents: u64 id bytes, u8 start width (<= 32), 7 zero bytes;
**   packed(ceil(docs / BL_IDS_PER_GROUP), start width): where each group
**   starts in the id bytes; then the id bytes: per group, its first id as
**   varint length + bytes, each next one as varint bytes shared with the
**   id before + varint suffix length + suffix bytes. (A hit's id comes
**   from here, without touching the store.)
**
** STORE: two zstd frames per store block, back to back, both compressed
** with the block's dictionary from STOREDICT (or without one): the first
** holds the block's raw bytes up to the body column, the second the body
** column, so that a hit shown without a snippet decompresses only the
** first. A block's raw bytes hold n documents column by column:
**   varint n; n varint extra counts; then the columns title, source, url,
**   lang, extras (per document, per extra field: name, value), body, each
**   the concatenation of its documents' strings, every string followed by
**   a NUL (an article's strings hold none). The id and the date are not
**   stored here: they come from COLUMNS. (Strings before format 9 had a
**   table of lengths instead of NULs, which compressed worse.)
**
** The blocks hold the documents in the store's own order (a builder sorts
** them by how they begin, docstore.c): document d is at store position
** pos(d), pos a permutation of [0, docs); blocks hold consecutive
** positions. Without STOREIDX's tail, pos(d) = d.
**
** STOREIDX: per store block BL_STOREIDX_BYTES { u64 offset in STORE,
** u32 compressed bytes (both frames), u32 raw bytes (both frames), u32
** first store position, u32 docs, u64 XXH3 of the compressed bytes, u32
** dictionary (its number in STOREDICT, or BL_NO_DICT: none), u32 zero };
** then, unless pos is the identity, the tail: BL_STOREPOS_HEAD bytes
** { u8 w (1 to 32, 2^w >= docs), 7 zero bytes }, packed(docs, w): pos(d)
** for each document d.
**
** STOREDICT: the zstd dictionaries the blocks use: empty (none), or u32
** count (>= 1), count x u32 byte length (each > 0), then the dictionaries
** back to back, each compressed as one zstd frame (without a dictionary)
** that records its content size and carries its XXH64 checksum. A
** builder's segment has one, trained on its own articles; a merge copies
** its sources' blocks compressed as they are, so a merged segment keeps
** the dictionaries of the blocks it copied (index/merge.c).
*/
#ifndef BL_FORMAT_H
#define BL_FORMAT_H

#define BL_SEG_MAGIC "BYLSEG1\n"
#define BL_SEG_MAGIC_BYTES 8
#define BL_SEG_VERSION 9

enum bl_sec {
    BL_SEC_META = 0,
    BL_SEC_TERMS,
    BL_SEC_TERMIDX,
    BL_SEC_POSTINGS,
    BL_SEC_POSITIONS,
    BL_SEC_LENGTHS,
    BL_SEC_COLUMNS,
    BL_SEC_STORE,
    BL_SEC_STOREIDX,
    BL_SEC_STOREDICT,
    BL_SEC_COUNT
};

#define BL_TOC_ENTRY_BYTES 24
#define BL_FOOTER_BYTES (BL_SEC_COUNT * BL_TOC_ENTRY_BYTES + 4 + 4 + 8 + 8)
#define BL_META_BYTES 72
/* A lookup walks half a block on average, and a query looks up each word
** in both text fields of every segment: 16 rather than 32 terms a block
** cut the median AND query's instructions by 27% at 10^6 articles (15% on
** Reuters-21578) for 8% more TERMS bytes (0.4% of the index). */
#define BL_TERMS_PER_BLOCK 16
#define BL_SKIP_BYTES 16
#define BL_POS_CHUNK 128
#define BL_STOREIDX_BYTES 40
#define BL_STOREPOS_HEAD 8     /* STOREIDX tail: u8 width, 7 zero bytes */
#define BL_NO_DICT 0xFFFFFFFFu
#define BL_LENGTHS_HEAD 4
#define BL_COLUMNS_HEAD 16
#define BL_IDS_HEAD 16
#define BL_IDS_PER_GROUP 16

/* Names of the sections, for messages ("postings"). */
static inline const char *bl_sec_name(int sec)
{
    static const char *const names[BL_SEC_COUNT] = {
        "meta", "terms", "term index", "postings", "positions", "lengths",
        "columns", "store", "store index", "store dictionary"};

    return sec >= 0 && sec < BL_SEC_COUNT ? names[sec] : "footer";
}

#endif
