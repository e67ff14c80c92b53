/* fuzz_ingest_reuters.c - libFuzzer target: the input is one reuters
** file, read with the format forced; every document must meet byline.h's
** contract (see fuzz_ingest_util.h).
*/
#include "fuzz_ingest_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_ingest("reut2-000.sgm", BL_FORMAT_REUTERS, data, size);
    return 0;
}
