/* jsonl.c - JSON Lines: one article per line, a JSON object parsed with
** jansson. The keys id, title, body, date, source, url and lang fill the
** standard fields; every other key is kept as an extra stored field, in
** input order. Values that are not strings become text: numbers and
** booleans as JSON writes them, an array of strings as its items joined
** by ", ", other arrays and objects as compact JSON; null is left out.
** A date is a string bl_date_parse reads or an integer of Unix seconds.
** A line with bytes that are not UTF-8 is read as Windows-1252 (with a
** warning) instead of being refused.
** Invariant: a line that is not a JSON object (truncated, binary, too
** long) is reported with its line number and skipped; the next line is
** read as if nothing happened.
*/
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"

/* Are all items of array a strings? */
static bool all_strings(json_t *a)
{
    size_t i;
    json_t *v;

    json_array_foreach(a, i, v) {
        if (!json_is_string(v))
            return false;
    }
    return true;
}

/* The text of value v into *field (or as an extra field named key when
** field is NULL). */
static int put_value(bl_ingest *in, const char *key, json_t *v,
                     const char **field)
{
    char num[64];
    const char *s = NULL;
    char *dumped = NULL;
    size_t len = 0;
    bl_buf joined = BL_BUF_INIT;
    bool dump = false;
    int rc;

    switch (json_typeof(v)) {
    case JSON_STRING:
        s = json_string_value(v);
        len = json_string_length(v);
        break;
    case JSON_INTEGER:
        len = (size_t)snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
                               json_integer_value(v));
        s = num;
        break;
    case JSON_TRUE:
    case JSON_FALSE:
    case JSON_REAL:
        dump = true;
        dumped = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        break;
    case JSON_ARRAY:
        if (all_strings(v)) {
            size_t i;
            json_t *item;

            json_array_foreach(v, i, item) {
                if (i > 0)
                    bl_buf_append(&joined, ", ", 2);
                bl_buf_append(&joined, json_string_value(item),
                              json_string_length(item));
            }
            if (joined.rc != BL_OK)
                return joined.rc;
            s = (const char *)joined.p;
            len = joined.len;
            break;
        }
        dump = true;
        dumped = json_dumps(v, JSON_COMPACT);
        break;
    case JSON_OBJECT:
        dump = true;
        dumped = json_dumps(v, JSON_COMPACT);
        break;
    default:
        return BL_OK;          /* null: no value */
    }
    if (dump && dumped == NULL)
        return BL_ENOMEM;
    if (dumped != NULL) {
        s = dumped;
        len = strlen(dumped);
    }
    if (s == NULL) {
        s = "";
        len = 0;
    }
    if (field != NULL)
        rc = ing_doc_set(in, field, s, len, 0);
    else
        rc = ing_doc_extra(in, key, s, len, 0);
    free(dumped);
    bl_buf_free(&joined);
    return rc;
}

/* Fill the document from object o (read at line). */
static int from_object(bl_ingest *in, json_t *o, uint64_t line)
{
    const char *key;
    json_t *v;
    int rc = BL_OK;

    json_object_foreach(o, key, v) {
        const char **field = NULL;

        if (strcmp(key, "id") == 0)
            field = &in->doc.id;
        else if (strcmp(key, "title") == 0)
            field = &in->doc.title;
        else if (strcmp(key, "body") == 0)
            field = &in->doc.body;
        else if (strcmp(key, "source") == 0)
            field = &in->doc.source;
        else if (strcmp(key, "url") == 0)
            field = &in->doc.url;
        else if (strcmp(key, "lang") == 0)
            field = &in->doc.lang;
        if (strcmp(key, "date") == 0) {
            if (json_is_integer(v))
                in->doc.date = (int64_t)json_integer_value(v);
            else if (json_is_string(v))
                rc = ing_doc_date(in, json_string_value(v),
                                  json_string_length(v), 0, line);
            else if (!json_is_null(v))
                ing_warn(in, line, "unreadable date (not a string or an "
                         "integer)");
        } else {
            rc = put_value(in, key, v, field);
        }
        if (rc != BL_OK)
            break;
    }
    return rc;
}

int ing_jsonl_next(bl_ingest *in)
{
    for (;;) {
        const uint8_t *p;
        size_t len, i = 0;
        json_error_t jerr;
        json_t *root;
        int rc = ing_reader_line(&in->rd, &p, &len);

        if (rc == BL_ELIMIT)
            return ing_fail(in, BL_EFORMAT, in->rd.line,
                            "line longer than %u MiB skipped",
                            BL_INGEST_MAX_RECORD >> 20);
        if (rc != BL_OK)
            return rc;
        if (in->rd.line == 1 && len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
            i = 3;
        while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
            i++;
        if (i == len)
            continue;          /* a blank line */
        in->n_rec++;
        ing_doc_reset(in);
        root = json_loadb((const char *)p + i, len - i, 0, &jerr);
        if (root == NULL && json_error_code(&jerr) == json_error_invalid_utf8 &&
            !ing_utf8_valid(p + i, len - i)) {
            /* Bytes that are not UTF-8 (a Latin-1 dump), which jansson
            ** refuses: read them as Windows-1252 rather than lose the
            ** article. (jansson checks UTF-8 as it reads: a line that is
            ** valid is not scanned twice.) */
            const char *fixed = ing_clean(&in->arena, p + i, len - i, 0);

            if (fixed == NULL)
                return BL_ENOMEM;
            p = (const uint8_t *)fixed;
            len = strlen(fixed);
            i = 0;
            ing_warn(in, in->rd.line, "bytes that are not UTF-8 read as "
                     "Windows-1252");
            root = json_loadb((const char *)p, len, 0, &jerr);
        }
        if (root == NULL) {
            in->warn[0] = '\0';
            return ing_fail(in, BL_EFORMAT, in->rd.line,
                            "invalid JSON at column %d: %s",
                            jerr.column + (int)i, jerr.text);
        }
        if (!json_is_object(root)) {
            json_decref(root);
            in->warn[0] = '\0';
            return ing_fail(in, BL_EFORMAT, in->rd.line,
                            "not a JSON object");
        }
        rc = from_object(in, root, in->rd.line);
        json_decref(root);
        if (rc == BL_OK)
            rc = ing_doc_finish(in);
        return rc;
    }
}
