/* fuzz_ingest_jsonl.c - libFuzzer target: the input is one jsonl file, read
** with the format forced; every document must meet byline.h's contract
** (see fuzz_ingest_util.h).
*/
#include "fuzz_ingest_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_ingest("articles.jsonl", BL_FORMAT_JSONL, data, size);
    return 0;
}
