/* fuzz_ingest_trec.c - libFuzzer target: the input is one trec file, read
** with the format forced; every document must meet byline.h's contract
** (see fuzz_ingest_util.h).
*/
#include "fuzz_ingest_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_ingest("la010189", BL_FORMAT_TREC, data, size);
    return 0;
}
