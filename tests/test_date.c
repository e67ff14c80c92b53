/* test_date.c - bl_date_parse and bl_date_format: a table of the forms the
** corpora use (ISO 8601, RFC 2822, Reuters, TREC, TIME) against values
** computed independently (Python's datetime), a table of inputs that must
** be refused, a day-by-day walk over two centuries, and round trips.
*/
#include "fixture.h"

#include <stdio.h>
#include <string.h>

#include "byline.h"

typedef struct good_case {
    const char *text;
    int64_t want;
} good_case;

/* Every accepted form gives the instant Python's datetime gives. */
static void parses_every_form(void **state)
{
    static const good_case cases[] = {
        {"1987-02-26", 541296000},
        {"1987-02-26T15:01:01Z", 541350061},
        {"1987-02-26T15:01:01.79Z", 541350061},
        {"1987-02-26 15:01:01", 541350061},
        {"1987-02-26T15:01:01", 541350061},
        {"1987-02-26t15:01:01z", 541350061},
        {"2017-03-14T09:30:00+01:00", 1489480200},
        {"2017-03-14T09:30:00+0100", 1489480200},
        {"2017-03-14T09:30:00.123456+01", 1489480200},
        {"2017-03-14T01:30:00-07:00", 1489480200},
        {"2000-01-01T12:00:00-05:00", 946746000},
        {"19870226", 541296000},
        {"1987-02-26 15:01:01 UTC", 541350061},
        {"1987-02-26 10:01:01 EST", 541350061},
        {"Thu, 26 Feb 1987 15:01:01 +0000 (UTC)", 541350061},
        {"Thu, 26 Feb 87 15:01:01 GMT", 541350061},
        {"Tue, 14 Mar 2017 09:30:00 +0100", 1489480200},
        {"14 Mar 2017 09:30:00 +0100", 1489480200},
        {"Tue, 14 Mar 2017 09:30 +0100", 1489480200},
        {"Tue, 14 Mar 2017 08:30:00 GMT", 1489480200},
        {"Tue, 14 Mar 2017 00:30:00 PST", 1489480200},
        {"Tue, 14 Mar 2017 01:30:00 PDT", 1489480200},
        {"Tue, 14 Mar 2017 09:30:00 -0700", 1489509000},
        {"26-FEB-1987 15:01:01.79", 541350061},
        {"26-Feb-1987 15:01:01", 541350061},
        {" 2-JUN-1987 09:14:36.00", 549623676},
        {"January 1, 1989, Sunday, Home Edition", 599616000},
        {"January 1, 1989", 599616000},
        {"March 14, 1963", -214704000},
        {"March 14 1963", -214704000},
        {"Mar. 14, 1963", -214704000},
        {"Sept 14, 1963", -214704000 + 184 * 86400},
        {"March 14th, 1963", -214704000},
        {"Thursday, March 14, 1963", -214704000},
        {"Thurs., March 14, 1963", -214704000},
        {"910514", 674179200},
        {"1 January 1994", 757382400},
        {"  1 January 1994 ", 757382400},
        {"01/04/63", -220665600},
        {"1/4/1963", -220665600},
        {"2024-02-29T23:59:59Z", 1709251199},
        {"0001-01-01", -62135596800LL},
        {"9999-12-31T23:59:59Z", 253402300799LL},
        {"1969-12-31T23:59:59Z", -1},
        {"1970-01-01T00:00:00Z", 0},
        {"2016-12-31T23:59:60Z", 1483228799},
    };
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t t = 0;
        int rc = bl_date_parse(cases[i].text, &t);

        if (rc != BL_OK || t != cases[i].want)
            fail_msg("\"%s\": rc %d, got %lld, want %lld", cases[i].text,
                     rc, (long long)t, (long long)cases[i].want);
    }
}

/* Inputs that are not dates, or name a day that does not exist, are
** refused and leave BL_NO_DATE. */
static void refuses_bad_dates(void **state)
{
    static const char *const bad[] = {
        "", "   ", "hello", "sometime soon", "2017", "2017-13-01",
        "2017-00-10", "2017-02-29", "2016-02-30", "2017-04-31",
        "2017-03-14T24:00:00Z", "2017-03-14T09:60:00Z",
        "2017-03-14T09:30:00+25:00", "2017-03-14T09:30:00 junk",
        "2017-03-14X", "17-03-14", "31-MAR-1987 605:12:19.12",
        "32-JAN-1987", "26-FOO-1987", "Smarch 14, 1963", "March 32, 1963",
        "13/45/63", "01/04/6", "0000-01-01", "10000-01-01", "9105140",
        "Tue, 14 Mar 2017 09:30:00 +1", "14 Mar", "-1987-02-26",
        "Thu, 26 Feb 1987 15:01:01 +0000 (UTC", "1987-02-26 15:01:01 XYZ",
    };
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 12345;
        int rc = bl_date_parse(bad[i], &t);

        if (rc != BL_EFORMAT || t != BL_NO_DATE)
            fail_msg("\"%s\": rc %d, t %lld: should be refused", bad[i], rc,
                     (long long)t);
    }
}

/* Walking day by day from 1899 to 2101, each date parses to the previous
** one plus 86400 seconds, and formats back to itself: the calendar
** arithmetic has no gap or overlap at any month, leap year or century. */
static void walks_the_calendar(void **state)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
    int64_t prev = 0;
    bool first = true;
    (void)state;

    for (int y = 1899; y <= 2101; y++) {
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

        for (int m = 1; m <= 12; m++) {
            int n = days[m - 1] + (m == 2 && leap);

            for (int d = 1; d <= n; d++) {
                char text[32], back[32];
                int64_t t;

                snprintf(text, sizeof text, "%04d-%02d-%02d", y, m, d);
                assert_int_equal(bl_date_parse(text, &t), BL_OK);
                if (!first && t != prev + 86400)
                    fail_msg("%s is not the day after the last", text);
                bl_date_format(t, back, sizeof back);
                assert_memory_equal(back, text, 10);
                assert_string_equal(back + 10, "T00:00:00Z");
                prev = t;
                first = false;
            }
        }
    }
}

/* Formatting then parsing any second from year 1 to 9999 gives it back. */
static void format_round_trips(void **state)
{
    const int64_t lo = -62135596800LL, hi = 253402300799LL;
    fx_rng rng;
    char out[32];
    int64_t t;
    (void)state;

    fx_rng_seed(&rng, 7);
    for (int i = 0; i < 20000; i++) {
        int64_t want = lo + (int64_t)fx_rng_below(&rng, (uint64_t)(hi - lo));

        bl_date_format(want, out, sizeof out);
        assert_int_equal(strlen(out), 20);
        assert_int_equal(bl_date_parse(out, &t), BL_OK);
        if (t != want)
            fail_msg("%lld -> %s -> %lld", (long long)want, out,
                     (long long)t);
    }
    assert_string_equal(bl_date_format(541350061, out, sizeof out),
                        "1987-02-26T15:01:01Z");
    assert_string_equal(bl_date_format(-1, out, sizeof out),
                        "1969-12-31T23:59:59Z");
    assert_string_equal(bl_date_format(BL_NO_DATE, out, sizeof out), "");
    /* A buffer of exactly 21 bytes is enough. */
    assert_string_equal(bl_date_format(0, out, 21), "1970-01-01T00:00:00Z");
}

/* Random strings made of date pieces: every answer is either a refusal
** with BL_NO_DATE or an instant inside years 1..9999 (give or take a zone
** offset), and the parser never reads past the string. */
static void survives_random_text(void **state)
{
    static const char *const pieces[] = {
        "1987", "02", "26", "-", ":", "T", "Z", " ", ",", ".", "/", "+",
        "01", "Feb", "FEB", "March", "Tue", "Sunday", "GMT", "PST", "(",
        ")", "15", "99", "0", "x", "st", "\xff", "-05:00", "12345678"};
    fx_rng rng;
    (void)state;

    fx_rng_seed(&rng, 5);
    for (int i = 0; i < 50000; i++) {
        char text[96] = "";
        int n = 1 + (int)fx_rng_below(&rng, 9);
        int64_t t;
        int rc;

        for (int k = 0; k < n; k++)
            strcat(text, pieces[fx_rng_below(&rng, sizeof pieces /
                                                   sizeof pieces[0])]);
        rc = bl_date_parse(text, &t);
        if (rc == BL_OK) {
            assert_true(t >= -62135596800LL - 86400 &&
                        t <= 253402300799LL + 86400);
        } else {
            assert_int_equal(rc, BL_EFORMAT);
            assert_true(t == BL_NO_DATE);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_every_form),
        cmocka_unit_test(refuses_bad_dates),
        cmocka_unit_test(walks_the_calendar),
        cmocka_unit_test(format_round_trips),
        cmocka_unit_test(survives_random_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
