/* fuzz_date.c - libFuzzer target: bl_date_parse on arbitrary text (cut at
** the first NUL). A date it accepts must format (bl_date_format) to valid
** ISO 8601 text that parses back to the same instant. Independently, the
** first 8 bytes read as a time stamp must format without crashing, and a
** year within 1..9999 must round trip.
*/
#include "byline.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    char out[64];
    int64_t t, back;
    int rc;

    FUZZ_CHECK(s != NULL, "malloc");
    memcpy(s, data, size);
    s[size] = '\0';
    rc = bl_date_parse(s, &t);
    if (rc == BL_OK) {
        FUZZ_CHECK(t != BL_NO_DATE, "parsed to BL_NO_DATE");
        bl_date_format(t, out, sizeof out);
        FUZZ_CHECK(fuzz_str_ok(out) && strlen(out) >= 20, "format '%s'",
                   out);
        rc = bl_date_parse(out, &back);
        FUZZ_CHECK(rc == BL_OK && back == t,
                   "'%s' -> %lld -> '%s' -> %lld (%d)", s, (long long)t,
                   out, (long long)back, rc);
    } else {
        FUZZ_CHECK(rc == BL_EFORMAT && t == BL_NO_DATE, "rc %d", rc);
    }
    free(s);

    if (size >= 8) {
        memcpy(&t, data, sizeof t);
        bl_date_format(t, out, sizeof out);
        FUZZ_CHECK(fuzz_str_ok(out), "format of %lld", (long long)t);
        /* 0001-01-01 .. 9999-12-31 */
        if (t >= -62135596800LL && t <= 253402300799LL) {
            rc = bl_date_parse(out, &back);
            FUZZ_CHECK(rc == BL_OK && back == t, "%lld -> '%s' -> %lld",
                       (long long)t, out, (long long)back);
        }
    }
    return 0;
}
