/* cmd_get.c - `byline get`: print one stored article as a JSON object. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byline.h"
#include "cli.h"

static const char usage[] =
    "usage: byline get INDEX ID\n"
    "\n"
    "Print the stored article with this id as one JSON object: id, title,\n"
    "body, date (ISO 8601 UTC, null when it has none), source, url, lang,\n"
    "then its other stored fields (Reuters TOPICS, extra JSON keys) under\n"
    "their own names.\n"
    "\n"
    "exit status: 0 printed, 1 no such article or the index cannot be read,\n"
    "2 bad usage.\n";

static json_t *to_json(const bl_doc *d)
{
    json_t *o = json_object();
    char date[32];

    if (o == NULL)
        return NULL;
    json_object_set_new(o, "id", json_string(d->id));
    json_object_set_new(o, "title", json_string(d->title));
    json_object_set_new(o, "body", json_string(d->body));
    if (d->date == BL_NO_DATE)
        json_object_set_new(o, "date", json_null());
    else
        json_object_set_new(o, "date",
                            json_string(bl_date_format(d->date, date,
                                                       sizeof date)));
    json_object_set_new(o, "source", json_string(d->source));
    json_object_set_new(o, "url", json_string(d->url));
    json_object_set_new(o, "lang", json_string(d->lang));
    for (size_t i = 0; i < d->n_extra; i++)
        if (json_object_get(o, d->extra[i].name) == NULL)
            json_object_set_new(o, d->extra[i].name,
                                json_string(d->extra[i].value));
    return o;
}

static int run(int argc, char **argv)
{
    bl_index *ix;
    bl_doc *doc;
    json_t *o;
    char *text;
    int rc;

    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--") != 0 && argv[i][0] == '-' &&
            argv[i][1] != '\0')
            return cli_bad_usage("get", "unknown option '%s'", argv[i]);
    if (argc != 3)
        return cli_bad_usage("get", "wants INDEX and ID");
    rc = bl_index_open(argv[1], &ix);
    if (rc != BL_OK)
        return cli_fail("get", "%s: %s", argv[1], bl_strerror(rc));
    rc = bl_index_get(ix, argv[2], &doc);
    bl_index_close(ix);
    if (rc == BL_ENOTFOUND)
        return cli_fail("get", "no article with id '%s'", argv[2]);
    if (rc != BL_OK)
        return cli_fail("get", "%s: %s", argv[2], bl_strerror(rc));
    o = to_json(doc);
    bl_doc_free(doc);
    text = o != NULL ? json_dumps(o, JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (text == NULL)
        return cli_fail("get", "out of memory");
    puts(text);
    free(text);
    return 0;
}

const cli_command cli_cmd_get = {
    "get", run, "print a stored article as JSON", usage};
