/* parse.c - the query parser: a recursive descent over the query text that
** builds the AST of parse.h, then the analysis pass that turns its words
** into index terms, and the printer of its canonical form.
**
** The grammar, lowest precedence first:
**   query   := or EOF
**   or      := and { ("OR" | "||" | <implicit, default OR>) and }
**   and     := clause { ("AND" | "&&" | <implicit, default AND>) clause }
**   clause  := ["+" | "-" | "!" | "NOT"] primary ["^" number]
**   primary := "(" or ")" | field ":" primary | "\"" chars "\"" ["~" int]
**            | word ["*"] | "*"
** Invariant: every error is reported once, as "at N: ..." with N the
** 1-based character (not byte) position of the offending character, and
** the first error wins; the parser never reads past the NUL.
*/
#include "query/parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/calendar.h"
#include "segment/segment.h"

typedef enum mod { MOD_NONE = 0, MOD_PLUS, MOD_MINUS } mod;

typedef struct parser {
    const char *s;             /* the query text */
    size_t len;                /* its length in bytes */
    size_t i;                  /* byte offset of the next character */
    bool and_default;          /* implicit operator is AND */
    bl_arena *arena;           /* owns every node */
    char *err;                 /* message buffer of the caller */
    size_t cap;
    int rc;                    /* sticky: first error */
    int depth;                 /* parentheses open */
} parser;

/* One clause of a group while a group is being read. */
typedef struct pclause {
    mod m;
    bl_qnode *node;
} pclause;

/* A growable array of clauses in the arena. */
typedef struct plist {
    pclause *v;
    size_t n, cap;
} plist;

static uint32_t char_pos(const char *s, size_t off)
{
    uint32_t n = 1;

    for (size_t k = 0; k < off; k++)
        if (((unsigned char)s[k] & 0xC0) != 0x80)
            n++;
    return n;
}

static void fail(parser *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(parser *p, size_t off, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (p->rc != BL_OK)
        return;
    p->rc = BL_EQUERY;
    if (p->err == NULL || p->cap == 0)
        return;
    n = snprintf(p->err, p->cap, "at %u: ", char_pos(p->s, off));
    if (n < 0 || (size_t)n >= p->cap)
        return;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->cap - (size_t)n, fmt, ap);
    va_end(ap);
}

static void *alloc(parser *p, size_t n)
{
    void *v = bl_arena_alloc(p->arena, n);

    if (v == NULL) {
        if (p->rc == BL_OK)
            p->rc = BL_ENOMEM;
        return NULL;
    }
    memset(v, 0, n);
    return v;
}

static bl_qnode *new_node(parser *p, bl_qkind kind, size_t off, int field)
{
    bl_qnode *n = alloc(p, sizeof *n);

    if (n == NULL)
        return NULL;
    n->kind = kind;
    n->pos = char_pos(p->s, off);
    n->field = field;
    n->boost = 1.0;
    n->from = BL_NO_DATE;
    n->to = BL_NO_DATE;
    return n;
}

static bool plist_push(parser *p, plist *l, mod m, bl_qnode *node)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        pclause *v = alloc(p, cap * sizeof *v);

        if (v == NULL)
            return false;
        if (l->n)
            memcpy(v, l->v, l->n * sizeof *v);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].m = m;
    l->v[l->n].node = node;
    l->n++;
    return true;
}

/* ---- characters ------------------------------------------------------ */

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* Characters that end a word unless escaped. */
static bool is_stop(char c)
{
    return c == '\0' || is_ws(c) || strchr("()\"^~[]{}", c) != NULL;
}

static char peek(const parser *p)
{
    return p->i < p->len ? p->s[p->i] : '\0';
}

static void skip_ws(parser *p)
{
    while (p->i < p->len && is_ws(p->s[p->i]))
        p->i++;
}

/* An operator word (AND, OR, NOT, &&, ||) standing alone at p->i. */
static bool at_op(const parser *p, const char *op)
{
    size_t n;
    char after;

    /* Asked at every word for each operator: most fail on the first byte. */
    if (p->i >= p->len || p->s[p->i] != op[0])
        return false;
    n = strlen(op);
    if (p->len - p->i < n || memcmp(p->s + p->i, op, n) != 0)
        return false;
    after = p->i + n < p->len ? p->s[p->i + n] : '\0';
    return after == '\0' || is_ws(after) || after == '(' || after == '"';
}

/* Length of the UTF-8 character starting with byte c (1 for bad bytes). */
static size_t utf8_len(unsigned char c)
{
    if (c >= 0xF0 && c < 0xF8)
        return 4;
    if (c >= 0xE0)
        return c < 0xF0 ? 3 : 1;
    if (c >= 0xC0)
        return 2;
    return 1;
}

/* Copy one whole character from p->i to out (advancing both). A lead
** byte takes only the continuation bytes that follow it: in bad UTF-8 it
** must not swallow a '*', '"' or '\\' that means something. */
static void copy_char(parser *p, char *out, size_t *n)
{
    size_t want = utf8_len((unsigned char)p->s[p->i]), k = 1;

    while (k < want && p->i + k < p->len &&
           ((unsigned char)p->s[p->i + k] & 0xC0) == 0x80)
        k++;
    memcpy(out + *n, p->s + p->i, k);
    *n += k;
    p->i += k;
}

/* ---- numbers and dates -------------------------------------------------- */

static bool read_number(parser *p, double *out)
{
    size_t start = p->i;
    char tmp[32];
    size_t n;

    while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
        p->i++;
    if (p->i < p->len && p->s[p->i] == '.') {
        p->i++;
        while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
            p->i++;
    }
    n = p->i - start;
    if (n == 0 || (n == 1 && p->s[start] == '.') || n >= sizeof tmp) {
        p->i = start;
        fail(p, start, "expected a number");
        return false;
    }
    memcpy(tmp, p->s + start, n);
    tmp[n] = '\0';
    *out = strtod(tmp, NULL);
    return true;
}

/* Read up to `digits` digits exactly; -1 if they are not there. */
static int64_t take_digits(const char *s, size_t len, size_t *k, int digits)
{
    int64_t v = 0;

    if (*k + (size_t)digits > len)
        return -1;
    for (int j = 0; j < digits; j++) {
        char c = s[*k + (size_t)j];

        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *k += (size_t)digits;
    return v;
}

/* A date of the query language: YYYY, YYYY-MM, YYYY-MM-DD, optionally
** followed by THH:MM[:SS] and Z. *lo is the first second of the period
** named, *hi its last. false when s is not such a date. */
static bool parse_date(const char *s, size_t len, int64_t *lo, int64_t *hi)
{
    size_t k = 0;
    int64_t y, m = 1, d = 1, hh = 0, mm = 0, ss = 0, span;
    int64_t days;

    y = take_digits(s, len, &k, 4);
    if (y < 0)
        return false;
    span = -1;                                   /* unit: 0 y 1 m 2 d 3 s */
    if (k == len) {
        span = 0;
    } else if (s[k++] == '-' && (m = take_digits(s, len, &k, 2)) >= 1 &&
               m <= 12) {
        if (k == len)
            span = 1;
        else if (s[k++] == '-' && (d = take_digits(s, len, &k, 2)) >= 1 &&
                 d <= bl_month_days(y, (unsigned)m)) {
            if (k == len) {
                span = 2;
            } else if ((s[k] == 'T' || s[k] == 't') && ++k &&
                       (hh = take_digits(s, len, &k, 2)) >= 0 && hh < 24 &&
                       k < len && s[k++] == ':' &&
                       (mm = take_digits(s, len, &k, 2)) >= 0 && mm < 60) {
                span = 3;
                if (k < len && s[k] == ':') {
                    k++;
                    ss = take_digits(s, len, &k, 2);
                    if (ss < 0 || ss > 60)
                        span = -1;
                }
                if (k < len && (s[k] == 'Z' || s[k] == 'z'))
                    k++;
                if (k != len)
                    span = -1;
            }
        }
    }
    if (span < 0)
        return false;
    days = bl_days_from_civil(y, (unsigned)m, (unsigned)d);
    *lo = days * 86400 + hh * 3600 + mm * 60 + ss;
    switch (span) {
    case 0:
        *hi = bl_days_from_civil(y + 1, 1, 1) * 86400 - 1;
        break;
    case 1:
        *hi = (days + bl_month_days(y, (unsigned)m)) * 86400 - 1;
        break;
    case 2:
        *hi = (days + 1) * 86400 - 1;
        break;
    default:
        *hi = *lo;
        break;
    }
    return true;
}

/* ---- the grammar -------------------------------------------------------- */

static bl_qnode *parse_or(parser *p, int field);

/* The text of a quoted phrase; p->i is on the opening quote. */
static bl_qnode *parse_phrase(parser *p, int field, bl_qkind kind)
{
    size_t start = p->i;
    char *buf = alloc(p, p->len - p->i + 1);
    size_t n = 0;
    bool any = false;
    bl_qnode *node;

    if (buf == NULL)
        return NULL;
    p->i++;
    while (p->i < p->len && p->s[p->i] != '"') {
        if (p->s[p->i] == '\\') {
            if (p->i + 1 >= p->len) {
                fail(p, p->i, "expected a character after '\\'");
                return NULL;
            }
            p->i++;
        }
        if (!is_ws(p->s[p->i]))
            any = true;
        copy_char(p, buf, &n);
    }
    if (p->i >= p->len) {
        fail(p, p->len, "expected '\"'");
        return NULL;
    }
    p->i++;
    buf[n] = '\0';
    if (!any) {
        fail(p, start + 1, "expected a word in the phrase");
        return NULL;
    }
    node = new_node(p, kind, start, field);
    if (node == NULL)
        return NULL;
    node->text = buf;
    if (peek(p) == '~') {
        double slop;

        p->i++;
        if (kind != BL_Q_PHRASE) {
            fail(p, p->i - 1, "expected a value without '~'");
            return NULL;
        }
        if (!read_number(p, &slop))
            return NULL;
        /* Range first: casting a larger double to uint32_t is undefined. */
        if (!(slop >= 0 && slop <= 100000) ||
            slop != (double)(uint32_t)slop) {
            fail(p, p->i - 1, "expected a whole number of positions");
            return NULL;
        }
        node->slop = (uint32_t)slop;
    }
    return node;
}

/* A bare word at p->i (a term, prefix* or '*'); kind KEYWORD for the value
** of source: and id:. */
static bl_qnode *parse_word(parser *p, int field, bl_qkind kind)
{
    size_t start = p->i;
    char *buf = alloc(p, p->len - p->i + 1);
    size_t n = 0;
    bool prefix = false;
    bl_qnode *node;

    if (buf == NULL)
        return NULL;
    while (p->i < p->len && !is_stop(p->s[p->i])) {
        char c = p->s[p->i];

        if (c == '\\') {
            if (p->i + 1 >= p->len) {
                fail(p, p->i, "expected a character after '\\'");
                return NULL;
            }
            p->i++;
            copy_char(p, buf, &n);
            continue;
        }
        if (c == '*') {
            if (n == 0 && is_stop(p->i + 1 < p->len ? p->s[p->i + 1] : 0) &&
                kind == BL_Q_TERM && field == BL_QF_TEXT) {
                p->i++;
                return new_node(p, BL_Q_ALL, start, field);
            }
            if (!is_stop(p->i + 1 < p->len ? p->s[p->i + 1] : '\0') ||
                n == 0 || kind != BL_Q_TERM) {
                fail(p, p->i, "'*' is allowed only at the end of a word");
                return NULL;
            }
            p->i++;
            prefix = true;
            break;
        }
        copy_char(p, buf, &n);
    }
    if (n == 0) {
        fail(p, start, "expected a term");
        return NULL;
    }
    if (peek(p) == '~') {
        fail(p, p->i, "expected a phrase before '~' (fuzzy words are not "
                      "supported)");
        return NULL;
    }
    buf[n] = '\0';
    node = new_node(p, prefix ? BL_Q_PREFIX : kind, start, field);
    if (node != NULL)
        node->text = buf;
    return node;
}

/* One bound of a date range, up to whitespace or ']'. */
static bool parse_bound(parser *p, bool upper, int64_t *out)
{
    size_t start = p->i;
    int64_t lo, hi;

    while (p->i < p->len && !is_ws(p->s[p->i]) && p->s[p->i] != ']')
        p->i++;
    if (p->i - start == 1 && p->s[start] == '*') {
        *out = BL_NO_DATE;
        return true;
    }
    if (!parse_date(p->s + start, p->i - start, &lo, &hi)) {
        fail(p, start, "expected a date (YYYY[-MM[-DD[THH:MM[:SS]]]] or *)");
        return false;
    }
    *out = upper ? hi : lo;
    return true;
}

/* After "date:": [from TO to] or a single date. */
static bl_qnode *parse_date_clause(parser *p, size_t field_off)
{
    bl_qnode *node = new_node(p, BL_Q_DATE, field_off, BL_QF_TEXT);

    if (node == NULL)
        return NULL;
    if (peek(p) == '[') {
        p->i++;
        skip_ws(p);
        if (!parse_bound(p, false, &node->from))
            return NULL;
        skip_ws(p);
        if (!at_op(p, "TO") && !(p->len - p->i >= 2 &&
                                 memcmp(p->s + p->i, "TO", 2) == 0 &&
                                 p->i + 2 < p->len && p->s[p->i + 2] == '*')) {
            fail(p, p->i, "expected 'TO'");
            return NULL;
        }
        p->i += 2;
        skip_ws(p);
        if (!parse_bound(p, true, &node->to))
            return NULL;
        skip_ws(p);
        if (peek(p) != ']') {
            fail(p, p->i, "expected ']'");
            return NULL;
        }
        p->i++;
        return node;
    }
    {
        size_t start = p->i;
        int64_t lo, hi;

        while (p->i < p->len && !is_stop(p->s[p->i]))
            p->i++;
        if (!parse_date(p->s + start, p->i - start, &lo, &hi)) {
            fail(p, start, "expected a date or '['");
            return NULL;
        }
        node->from = lo;
        node->to = hi;
    }
    return node;
}

/* A field name followed by ':' at p->i: its id (BL_FIELD_* or 4 for date),
** or -2 when there is none. */
#define FIELD_DATE 4
static int field_prefix(const parser *p, size_t *name_len)
{
    static const struct { const char *name; int id; } names[] = {
        {"title", BL_FIELD_TITLE}, {"body", BL_FIELD_BODY},
        {"source", BL_FIELD_SOURCE}, {"id", BL_FIELD_ID},
        {"date", FIELD_DATE},
    };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        size_t n = strlen(names[k].name);

        if (p->len - p->i > n && memcmp(p->s + p->i, names[k].name, n) == 0 &&
            p->s[p->i + n] == ':') {
            *name_len = n;
            return names[k].id;
        }
    }
    return -2;
}

static bl_qnode *parse_primary(parser *p, int field)
{
    char c = peek(p);
    size_t start = p->i, name_len = 0;
    int f;

    if (c == '(') {
        bl_qnode *node;

        if (p->depth >= BL_QUERY_MAX_DEPTH) {
            fail(p, p->i, "expected fewer nested parentheses (at most %d)",
                 BL_QUERY_MAX_DEPTH);
            return NULL;
        }
        p->i++;
        p->depth++;
        node = parse_or(p, field);
        p->depth--;
        if (node == NULL)
            return NULL;
        skip_ws(p);
        if (peek(p) != ')') {
            fail(p, p->i, "expected ')'");
            return NULL;
        }
        p->i++;
        return node;
    }
    if (c == '"')
        return parse_phrase(p, field, BL_Q_PHRASE);
    if (c == '\0' || is_stop(c) || c == ':') {
        fail(p, p->i, "expected a term");
        return NULL;
    }
    f = field_prefix(p, &name_len);
    if (f == -2)
        return parse_word(p, field, BL_Q_TERM);
    p->i += name_len + 1;
    c = peek(p);
    if (f == FIELD_DATE)
        return parse_date_clause(p, start);
    if (f == BL_FIELD_SOURCE || f == BL_FIELD_ID) {
        bl_qnode *node;

        if (c == '"')
            node = parse_phrase(p, f, BL_Q_KEYWORD);
        else if (c == '\0' || is_stop(c)) {
            fail(p, p->i, "expected a value");
            return NULL;
        } else
            node = parse_word(p, f, BL_Q_KEYWORD);
        if (node != NULL)
            node->pos = char_pos(p->s, start);
        return node;
    }
    if (c == '\0' || is_ws(c)) {
        fail(p, p->i, "expected a term");
        return NULL;
    }
    {
        bl_qnode *node = parse_primary(p, f);

        if (node != NULL && node->kind != BL_Q_BOOL)
            node->pos = char_pos(p->s, start);
        return node;
    }
}

static bl_qnode *parse_clause(parser *p, int field, mod *m)
{
    bl_qnode *node;

    skip_ws(p);
    *m = MOD_NONE;
    if (peek(p) == '+' || peek(p) == '-' || peek(p) == '!') {
        *m = peek(p) == '+' ? MOD_PLUS : MOD_MINUS;
        p->i++;
    } else if (at_op(p, "NOT")) {
        *m = MOD_MINUS;
        p->i += 3;
        skip_ws(p);
    }
    if (at_op(p, "AND") || at_op(p, "OR") || at_op(p, "&&") ||
        at_op(p, "||") ||
        (*m != MOD_NONE && (at_op(p, "NOT") || peek(p) == '+' ||
                            peek(p) == '-' || peek(p) == '!'))) {
        fail(p, p->i, "expected a term");
        return NULL;
    }
    node = parse_primary(p, field);
    if (node == NULL)
        return NULL;
    if (peek(p) == '^') {
        double boost;
        size_t at;

        p->i++;
        at = p->i;
        if (!read_number(p, &boost))
            return NULL;
        node->boost *= boost;
        /* Bounded so that the canonical form prints it in plain digits
        ** that read back (no "7.8e+18", no "inf"). */
        if (!(node->boost <= BL_QUERY_MAX_BOOST)) {
            fail(p, at, "expected a boost of at most %.0f",
                 BL_QUERY_MAX_BOOST);
            return NULL;
        }
    }
    if (p->i < p->len && !is_ws(p->s[p->i]) && p->s[p->i] != ')') {
        fail(p, p->i, "expected a space or an operator");
        return NULL;
    }
    return node;
}

static bool is_filter(const bl_qnode *n)
{
    return n->kind == BL_Q_DATE || n->kind == BL_Q_KEYWORD;
}

static bl_occur occur_of(mod m)
{
    return m == MOD_MINUS ? BL_OCCUR_MUST_NOT : BL_OCCUR_MUST;
}

static bl_qnode *make_bool(parser *p, size_t off, int field, size_t n)
{
    bl_qnode *b = new_node(p, BL_Q_BOOL, off, field);

    if (b == NULL)
        return NULL;
    b->clauses = alloc(p, n * sizeof *b->clauses);
    if (b->clauses == NULL)
        return NULL;
    return b;
}

/* One AND group as a node: a single plain clause stands for itself. */
static bl_qnode *group_node(parser *p, const plist *g, size_t off, int field)
{
    bl_qnode *b;

    b = make_bool(p, off, field, g->n);
    if (b == NULL)
        return NULL;
    for (size_t k = 0; k < g->n; k++) {
        b->clauses[k].occur = occur_of(g->v[k].m);
        b->clauses[k].node = g->v[k].node;
    }
    b->n_clauses = g->n;
    return b;
}

static bl_qnode *parse_or(parser *p, int field)
{
    plist *groups = NULL;      /* one plist per AND group */
    bool *explicit_or = NULL;  /* the group touches an explicit OR */
    size_t n_groups = 0, cap = 0, start;
    bl_qnode *out;

    skip_ws(p);
    start = p->i;
    for (;;) {
        mod m;
        bl_qnode *node;
        bool new_group = true, was_or = false;

        skip_ws(p);
        if (p->i >= p->len || peek(p) == ')') {
            if (n_groups == 0) {
                fail(p, p->i, "expected a term");
                return NULL;
            }
            break;
        }
        if (n_groups > 0) {
            if (at_op(p, "OR") || at_op(p, "||")) {
                p->i += 2;
                was_or = true;
            } else if (at_op(p, "AND") || at_op(p, "&&")) {
                p->i += at_op(p, "AND") ? 3 : 2;
                new_group = false;
            } else if (p->and_default) {
                new_group = false;
            }
        } else if (at_op(p, "OR") || at_op(p, "||") || at_op(p, "AND") ||
                   at_op(p, "&&")) {
            fail(p, p->i, "expected a term");
            return NULL;
        }
        node = parse_clause(p, field, &m);
        if (node == NULL)
            return NULL;
        if (new_group) {
            if (n_groups == cap) {
                size_t nc = cap ? cap * 2 : 4;
                plist *ng = alloc(p, nc * sizeof *ng);
                bool *ne = alloc(p, nc * sizeof *ne);

                if (ng == NULL || ne == NULL)
                    return NULL;
                if (n_groups) {
                    memcpy(ng, groups, n_groups * sizeof *ng);
                    memcpy(ne, explicit_or, n_groups * sizeof *ne);
                }
                groups = ng;
                explicit_or = ne;
                cap = nc;
            }
            if (was_or)
                explicit_or[n_groups - 1] = true;
            explicit_or[n_groups] = was_or;
            n_groups++;
        }
        if (!plist_push(p, &groups[n_groups - 1], m, node))
            return NULL;
    }
    if (n_groups == 1 && groups[0].n == 1 && groups[0].v[0].m != MOD_MINUS)
        return groups[0].v[0].node;
    if (n_groups == 1)
        return group_node(p, &groups[0], start, field);
    out = make_bool(p, start, field, n_groups);
    if (out == NULL)
        return NULL;
    for (size_t g = 0; g < n_groups; g++) {
        bl_qclause *c = &out->clauses[out->n_clauses++];

        if (groups[g].n > 1) {
            c->occur = BL_OCCUR_SHOULD;
            c->node = group_node(p, &groups[g], start, field);
            if (c->node == NULL)
                return NULL;
            continue;
        }
        c->node = groups[g].v[0].node;
        if (groups[g].v[0].m != MOD_NONE)
            c->occur = occur_of(groups[g].v[0].m);
        else if (is_filter(c->node) && !explicit_or[g])
            c->occur = BL_OCCUR_MUST;
        else
            c->occur = BL_OCCUR_SHOULD;
    }
    return out;
}

int bl_query_parse(const char *text, bool and_default, bl_arena *arena,
                   bl_qnode **out, char *err, size_t cap)
{
    parser p;
    bl_qnode *root;

    *out = NULL;
    if (err != NULL && cap > 0)
        err[0] = '\0';
    memset(&p, 0, sizeof p);
    p.s = text != NULL ? text : "";
    p.len = strlen(p.s);
    p.and_default = and_default;
    p.arena = arena;
    p.err = err;
    p.cap = cap;
    root = parse_or(&p, BL_QF_TEXT);
    if (root != NULL && p.rc == BL_OK) {
        skip_ws(&p);
        if (p.i < p.len)
            fail(&p, p.i, "unexpected ')' (expected a term or the end)");
    }
    if (p.rc != BL_OK)
        return p.rc;
    *out = root;
    return BL_OK;
}

/* ---- canonical form ------------------------------------------------ */

typedef struct out {
    char *buf;
    size_t cap, n;
} outbuf;

static void put(outbuf *o, const char *s, size_t len)
{
    for (size_t k = 0; k < len; k++) {
        if (o->n + 1 < o->cap)
            o->buf[o->n] = s[k];
        o->n++;
    }
    if (o->cap > 0)
        o->buf[o->n < o->cap ? o->n : o->cap - 1] = '\0';
}

static void puts_(outbuf *o, const char *s)
{
    put(o, s, strlen(s));
}

/* Is s a word the parser reads as an operator when it stands alone? */
static bool is_op_word(const char *s)
{
    return strcmp(s, "AND") == 0 || strcmp(s, "OR") == 0 ||
           strcmp(s, "NOT") == 0 || strcmp(s, "&&") == 0 ||
           strcmp(s, "||") == 0;
}

/* A word, with the characters the parser treats specially escaped (and
** the first one of a word that would read as an operator: "\NOT"). */
static void put_word(outbuf *o, const char *s, bool quoted)
{
    bool op = !quoted && is_op_word(s);

    for (const char *s0 = s; *s; s++) {
        bool special = quoted ? (*s == '"' || *s == '\\')
                              : (is_stop(*s) || strchr("\\:*", *s) ||
                                 (s == s0 && (op || strchr("+-!", *s))));

        if (special)
            put(o, "\\", 1);
        put(o, s, 1);
    }
}

static void put_date(outbuf *o, int64_t t, bool upper)
{
    char tmp[48];
    int64_t days, sec, y;
    unsigned m, d;

    if (t == BL_NO_DATE) {     /* INT64_MIN: -t below would overflow */
        puts_(o, "*");
        return;
    }
    days = t / 86400 - (t % 86400 < 0);          /* floor */
    sec = t - days * 86400;
    bl_civil_from_days(days, &y, &m, &d);
    if ((!upper && sec == 0) || (upper && sec == 86399))
        snprintf(tmp, sizeof tmp, "%04lld-%02u-%02u", (long long)y, m, d);
    else
        snprintf(tmp, sizeof tmp, "%04lld-%02u-%02uT%02d:%02d:%02dZ",
                 (long long)y, m, d, (int)(sec / 3600),
                 (int)(sec / 60 % 60), (int)(sec % 60));
    puts_(o, tmp);
}

static void put_field(outbuf *o, int field)
{
    static const char *const names[] = {"title:", "body:", "id:", "source:"};

    if (field >= 0 && field < BL_N_FIELDS)
        puts_(o, names[field]);
}

static bool should_filter(const bl_qclause *c)
{
    return c->occur == BL_OCCUR_SHOULD && is_filter(c->node);
}

static void format_node(outbuf *o, const bl_qnode *n, bool root)
{
    char tmp[64];

    switch (n->kind) {
    case BL_Q_TERM:
        put_field(o, n->field);
        if (n->n_terms == 1)
            put_word(o, n->terms[0], false);
        else
            put_word(o, n->text, false);
        break;
    case BL_Q_PREFIX:
        put_field(o, n->field);
        put_word(o, n->n_terms == 1 ? n->terms[0] : n->text, false);
        puts_(o, "*");
        break;
    case BL_Q_PHRASE:
        put_field(o, n->field);
        puts_(o, "\"");
        if (n->n_terms > 0) {
            for (size_t k = 0; k < n->n_terms; k++) {
                if (k > 0)
                    puts_(o, " ");
                /* a gap left by stopwords shows as '?' per position */
                for (uint32_t g = k ? n->offsets[k - 1] + 1 : 0;
                     k > 0 && g < n->offsets[k]; g++)
                    puts_(o, "? ");
                put_word(o, n->terms[k], true);
            }
        } else {
            put_word(o, n->text, true);
        }
        puts_(o, "\"");
        if (n->slop > 0) {
            snprintf(tmp, sizeof tmp, "~%u", n->slop);
            puts_(o, tmp);
        }
        break;
    case BL_Q_KEYWORD: {
        const char *v = n->n_terms ? n->terms[0] : n->text;

        put_field(o, n->field);
        /* Quoted when it holds a space, unless it is only spaces: a
        ** phrase needs a word, so those are escaped one by one. */
        if (strpbrk(v, " \t") != NULL && v[strspn(v, " \t")] != '\0') {
            puts_(o, "\"");
            put_word(o, v, true);
            puts_(o, "\"");
        } else {
            put_word(o, v, false);
        }
        break;
    }
    case BL_Q_DATE:
        puts_(o, "date:[");
        put_date(o, n->from, false);
        puts_(o, " TO ");
        put_date(o, n->to, true);
        puts_(o, "]");
        break;
    case BL_Q_ALL:
        puts_(o, "*");
        break;
    case BL_Q_BOOL:
        if (!root || n->boost != 1.0)
            puts_(o, "(");
        for (size_t k = 0; k < n->n_clauses; k++) {
            /* A SHOULD filter comes only from an explicit OR (joined
            ** implicitly a filter is MUST): print the OR to keep it. */
            if (k > 0)
                puts_(o, should_filter(&n->clauses[k - 1]) ||
                         should_filter(&n->clauses[k]) ? " OR " : " ");
            if (n->clauses[k].occur == BL_OCCUR_MUST)
                puts_(o, "+");
            else if (n->clauses[k].occur == BL_OCCUR_MUST_NOT)
                puts_(o, "-");
            format_node(o, n->clauses[k].node, false);
        }
        if (!root || n->boost != 1.0)
            puts_(o, ")");
        break;
    }
    if (n->boost != 1.0) {
        /* Plain digits, as read_number reads them (%g could write an
        ** exponent); six decimals, trailing zeros dropped. */
        size_t len = (size_t)snprintf(tmp, sizeof tmp, "^%.6f", n->boost);

        while (len > 2 && tmp[len - 1] == '0')
            tmp[--len] = '\0';
        if (tmp[len - 1] == '.')
            tmp[--len] = '\0';
        puts_(o, tmp);
    }
}

size_t bl_query_format(const bl_qnode *root, char *buf, size_t cap)
{
    outbuf o = {buf, cap, 0};

    if (cap > 0)
        buf[0] = '\0';
    if (root != NULL)
        format_node(&o, root, true);
    return o.n;
}
