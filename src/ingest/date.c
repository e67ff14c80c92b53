/* date.c - the dates of news articles as seconds since 1970-01-01 UTC.
** bl_date_parse reads ISO 8601, RFC 2822 and the corpora's own forms
** (Reuters' "26-FEB-1987 15:01:01.79", TREC's "January 1, 1989, Sunday",
** "910514", TIME's "01/04/63"); bl_date_format prints ISO 8601 UTC.
** Invariant: all calendar arithmetic is our own proleptic Gregorian
** days-from-civil (base/calendar.h), so results never depend on the process's time zone or on
** timegm; a date that does not exist (Feb 30, hour 25) is refused, never
** normalised into another day.
*/
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/calendar.h"
#include "byline.h"

/* The instants bl_date_parse accepts, 0001-01-01T00:00:00Z to
** 9999-12-31T23:59:59Z. */
#define MIN_TIME (-62135596800LL)
#define MAX_TIME 253402300799LL

char *bl_date_format(int64_t t, char *out, size_t cap)
{
    int64_t days, secs, y;
    unsigned m, d;

    if (cap == 0)
        return out;
    if (t == BL_NO_DATE) {
        out[0] = '\0';
        return out;
    }
    days = t / 86400;
    secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    bl_civil_from_days(days, &y, &m, &d);
    snprintf(out, cap, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m,
             d, (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60),
             (unsigned)(secs % 60));
    return out;
}

/* ---- a cursor over the text ------------------------------------------- */

typedef struct cur {
    const char *p;             /* next character */
} cur;

/* The parts of a date as read; -1 = absent. */
typedef struct parts {
    int64_t year;
    int month, day, hour, min, sec;
    int64_t offset;            /* seconds east of UTC */
} parts;

static void skip_ws(cur *c)
{
    while (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')
        c->p++;
}

/* Read exactly n digits (n > 0) or, with n == 0, 1 to 9 digits. */
static bool digits(cur *c, int n, int64_t *out)
{
    int64_t v = 0;
    int k = 0;

    while (isdigit((unsigned char)c->p[k]) && (n == 0 ? k < 9 : k < n)) {
        v = v * 10 + (c->p[k] - '0');
        k++;
    }
    if (k == 0 || (n > 0 && k != n) || (n == 0 && isdigit((unsigned char)
                                                          c->p[k])))
        return false;
    c->p += k;
    *out = v;
    return true;
}

static bool lit(cur *c, char ch)
{
    if (*c->p != ch)
        return false;
    c->p++;
    return true;
}

static const char *const months[12] = {
    "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december"};

static const char *const weekdays[7] = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday"};

/* The length of the run of letters at p. */
static size_t word_len(const char *p)
{
    size_t n = 0;

    while (isalpha((unsigned char)p[n]))
        n++;
    return n;
}

/* Match the word at c against names: the full name or a prefix of at
** least three letters ("Mar", "Sept", "Thurs"), case-insensitive, with an
** optional '.' after an abbreviation. Returns the index or -1. */
static int name_of(cur *c, const char *const *names, int n_names)
{
    size_t n = word_len(c->p);

    if (n < 3)
        return -1;
    for (int i = 0; i < n_names; i++) {
        size_t full = strlen(names[i]);

        if (n <= full && strncasecmp(c->p, names[i], n) == 0) {
            c->p += n;
            if (*c->p == '.' && n < full)
                c->p++;
            return i;
        }
    }
    return -1;
}

static int64_t year2(int64_t y)
{
    return y < 50 ? 2000 + y : 1900 + y;
}

/* HH:MM[:SS[.fraction]] */
static bool clock_time(cur *c, parts *pt)
{
    int64_t h, m, s = 0;
    cur save = *c;

    if (!digits(c, 0, &h) || c->p - save.p > 2 || !lit(c, ':') ||
        !digits(c, 2, &m)) {
        *c = save;
        return false;
    }
    if (lit(c, ':')) {
        if (!digits(c, 2, &s)) {
            *c = save;
            return false;
        }
        if ((*c->p == '.' || *c->p == ',') &&
            isdigit((unsigned char)c->p[1])) {
            c->p++;
            while (isdigit((unsigned char)*c->p))
                c->p++;
        }
    }
    pt->hour = (int)h;
    pt->min = (int)m;
    pt->sec = (int)s;
    return true;
}

/* Z, UT, UTC, GMT, +HH, +HHMM, +HH:MM, or a US zone name; absent = UTC. */
static bool zone(cur *c, parts *pt, bool allow_names)
{
    static const struct { const char *name; int hours; } names[] = {
        {"UTC", 0}, {"UT", 0}, {"GMT", 0}, {"Z", 0},
        {"EST", -5}, {"EDT", -4}, {"CST", -6}, {"CDT", -5},
        {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
    int64_t h, m = 0;
    int sign;

    pt->offset = 0;
    if (*c->p == '+' || *c->p == '-') {
        sign = *c->p == '-' ? -1 : 1;
        c->p++;
        if (!digits(c, 2, &h))
            return false;
        if (lit(c, ':')) {
            if (!digits(c, 2, &m))
                return false;
        } else if (isdigit((unsigned char)*c->p) && !digits(c, 2, &m)) {
            return false;
        }
        if (h > 23 || m > 59)
            return false;
        pt->offset = sign * (h * 3600 + m * 60);
        return true;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen(names[i].name);

        if ((allow_names || n == 1) &&
            strncasecmp(c->p, names[i].name, n) == 0 &&
            !isalpha((unsigned char)c->p[n])) {
            c->p += n;
            pt->offset = names[i].hours * 3600;
            return true;
        }
    }
    return true;
}

/* ---- the forms ---------------------------------------------------------- */

/* ISO 8601: YYYY-MM-DD[(T| )HH:MM[:SS[.f]][zone]], or YYYYMMDD. */
static bool iso(cur *c, parts *pt)
{
    int64_t y, m, d;

    if (!digits(c, 4, &y))
        return false;
    if (lit(c, '-')) {
        if (!digits(c, 2, &m) || !lit(c, '-') || !digits(c, 2, &d))
            return false;
    } else if (!digits(c, 2, &m) || !digits(c, 2, &d)) {
        return false;
    }
    pt->year = y;
    pt->month = (int)m;
    pt->day = (int)d;
    if (*c->p == 'T' || *c->p == 't' ||
        (*c->p == ' ' && isdigit((unsigned char)c->p[1]))) {
        c->p++;
        if (!clock_time(c, pt))
            return false;
        skip_ws(c);
        return zone(c, pt, true);
    }
    return true;
}

/* YYMMDD, as the TREC disks write (FT "910514", WSJ "870102"). */
static bool yymmdd(cur *c, parts *pt)
{
    int64_t y, m, d;

    if (!digits(c, 2, &y) || !digits(c, 2, &m) || !digits(c, 2, &d))
        return false;
    pt->year = year2(y);
    pt->month = (int)m;
    pt->day = (int)d;
    return true;
}

/* MM/DD/YY or MM/DD/YYYY (US order, as TIME and AP write). */
static bool slashed(cur *c, parts *pt)
{
    int64_t m, d, y;
    const char *at;

    if (!digits(c, 0, &m) || !lit(c, '/') || !digits(c, 0, &d) ||
        !lit(c, '/'))
        return false;
    at = c->p;
    if (!digits(c, 0, &y) || (c->p - at != 2 && c->p - at != 4))
        return false;
    pt->year = c->p - at == 2 ? year2(y) : y;
    pt->month = (int)m;
    pt->day = (int)d;
    return true;
}

/* Optional "Weekday," or "Weekday" before a date. */
static void weekday(cur *c)
{
    cur save = *c;

    if (name_of(c, weekdays, 7) >= 0) {
        skip_ws(c);
        if (lit(c, ','))
            skip_ws(c);
        return;
    }
    *c = save;
}

/* A year of 4 digits, or 2 (19xx/20xx). */
static bool year(cur *c, int64_t *y)
{
    const char *at = c->p;

    if (!digits(c, 0, y))
        return false;
    if (c->p - at == 2)
        *y = year2(*y);
    else if (c->p - at != 4)
        return false;
    return true;
}

/* Time and zone after a date: [HH:MM[:SS] [zone]] */
static bool tail_time(cur *c, parts *pt)
{
    cur save = *c;

    skip_ws(c);
    if (lit(c, ','))
        skip_ws(c);
    if (!clock_time(c, pt)) {
        *c = save;
        return true;
    }
    skip_ws(c);
    if (!zone(c, pt, true))
        return false;
    skip_ws(c);
    if (*c->p == '(') {
        /* An RFC 2822 comment: "+0000 (UTC)". */
        const char *close = strchr(c->p, ')');

        if (close == NULL)
            return false;
        c->p = close + 1;
    }
    return true;
}

/* [Weekday,] D Mon YYYY [time [zone]] - RFC 2822, FBIS "1 January 1994" -
** and D-MON-YYYY [time] (Reuters). */
static bool day_first(cur *c, parts *pt)
{
    int64_t d, y;
    int m;
    bool dashed;

    weekday(c);
    if (!digits(c, 0, &d) || d > 31)
        return false;
    dashed = lit(c, '-');
    if (!dashed)
        skip_ws(c);
    m = name_of(c, months, 12);
    if (m < 0)
        return false;
    if (dashed && !lit(c, '-'))
        return false;
    if (!dashed)
        skip_ws(c);
    if (!year(c, &y))
        return false;
    pt->year = y;
    pt->month = m + 1;
    pt->day = (int)d;
    return tail_time(c, pt);
}

/* [Weekday,] Month D, YYYY [, anything] or Month D YYYY [time]. */
static bool month_first(cur *c, parts *pt, bool *lenient)
{
    int64_t d, y;
    int m;

    weekday(c);
    m = name_of(c, months, 12);
    if (m < 0)
        return false;
    skip_ws(c);
    if (!digits(c, 0, &d) || d > 31)
        return false;
    if ((c->p[0] == 's' && c->p[1] == 't') ||
        (c->p[0] == 'n' && c->p[1] == 'd') ||
        (c->p[0] == 'r' && c->p[1] == 'd') ||
        (c->p[0] == 't' && c->p[1] == 'h'))
        c->p += 2;
    skip_ws(c);
    if (lit(c, ','))
        skip_ws(c);
    if (!year(c, &y))
        return false;
    pt->year = y;
    pt->month = m + 1;
    pt->day = (int)d;
    skip_ws(c);
    if (*c->p == ',') {
        /* LA Times: "January 1, 1989, Sunday, Home Edition". */
        *lenient = true;
        return true;
    }
    return tail_time(c, pt);
}

static bool valid(const parts *pt)
{
    return pt->year >= 1 && pt->year <= 9999 && pt->month >= 1 &&
           pt->month <= 12 && pt->day >= 1 &&
           (unsigned)pt->day <=
               bl_month_days(pt->year, (unsigned)pt->month) &&
           pt->hour >= 0 && pt->hour <= 23 && pt->min >= 0 &&
           pt->min <= 59 && pt->sec >= 0 && pt->sec <= 60;
}

int bl_date_parse(const char *s, int64_t *out)
{
    parts pt;
    bool ok = false, lenient = false;
    cur c;
    int64_t t;

    *out = BL_NO_DATE;
    if (s == NULL)
        return BL_EINVAL;
    for (int form = 0; form < 5 && !ok; form++) {
        c.p = s;
        skip_ws(&c);
        memset(&pt, 0, sizeof pt);
        lenient = false;
        switch (form) {
        case 0: ok = iso(&c, &pt); break;
        case 1: ok = yymmdd(&c, &pt); break;
        case 2: ok = slashed(&c, &pt) && tail_time(&c, &pt); break;
        case 3: ok = day_first(&c, &pt); break;
        default: ok = month_first(&c, &pt, &lenient); break;
        }
        if (ok && !lenient) {
            skip_ws(&c);
            ok = *c.p == '\0';
        }
    }
    if (!ok || !valid(&pt))
        return BL_EFORMAT;
    if (pt.sec == 60)
        pt.sec = 59;           /* a leap second: keep it in its minute */
    t = bl_days_from_civil(pt.year, (unsigned)pt.month, (unsigned)pt.day) *
            86400 + pt.hour * 3600 + pt.min * 60 + pt.sec - pt.offset;
    /* A zone offset can move year 1 or 9999 out of the years that
    ** bl_date_format writes and we read back; refuse those instants. */
    if (t < MIN_TIME || t > MAX_TIME)
        return BL_EFORMAT;
    *out = t;
    return BL_OK;
}
