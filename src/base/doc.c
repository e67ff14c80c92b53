/* doc.c - library-owned articles: one malloc block holding the bl_doc, its
** extra-field array and every string, so that one free releases it and a
** copy is one allocation.
*/
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "byline.h"

static size_t str_size(const char *s)
{
    return (s != NULL ? strlen(s) : 0) + 1;
}

/* Copy s (NULL as "") to *at and advance it. */
static const char *put_str(char **at, const char *s)
{
    char *p = *at;
    size_t n = str_size(s);

    if (s != NULL)
        memcpy(p, s, n);
    else
        p[0] = '\0';
    *at += n;
    return p;
}

bl_doc *bl_doc_clone(const bl_doc *doc)
{
    size_t size = sizeof(bl_doc) + doc->n_extra * sizeof(bl_field);
    bl_doc *out;
    bl_field *extra;
    char *at;

    size += str_size(doc->id) + str_size(doc->title) + str_size(doc->body) +
            str_size(doc->source) + str_size(doc->url) + str_size(doc->lang);
    for (size_t i = 0; i < doc->n_extra; i++)
        size += str_size(doc->extra[i].name) + str_size(doc->extra[i].value);
    out = malloc(size);
    if (out == NULL)
        return NULL;
    extra = (bl_field *)(out + 1);
    at = (char *)(extra + doc->n_extra);
    out->id = put_str(&at, doc->id);
    out->title = put_str(&at, doc->title);
    out->body = put_str(&at, doc->body);
    out->source = put_str(&at, doc->source);
    out->url = put_str(&at, doc->url);
    out->lang = put_str(&at, doc->lang);
    out->date = doc->date;
    for (size_t i = 0; i < doc->n_extra; i++) {
        extra[i].name = put_str(&at, doc->extra[i].name);
        extra[i].value = put_str(&at, doc->extra[i].value);
    }
    out->extra = doc->n_extra ? extra : NULL;
    out->n_extra = doc->n_extra;
    return out;
}

void bl_doc_free(bl_doc *doc)
{
    free(doc);
}
