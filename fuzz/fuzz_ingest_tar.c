/* fuzz_ingest_tar.c - libFuzzer target: the tar reader. The input's first
** byte chooses the file name: even, "news.tar" (a tar, .gz or .zst archive
** of .txt articles); odd, "bbc/business/001.txt" (an article unpacked).
** The rest is the file. Every document must meet byline.h's contract (see
** fuzz_ingest_util.h).
*/
#include "fuzz_ingest_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    fuzz_ingest(data[0] & 1 ? "bbc/business/001.txt" : "news.tar",
                BL_FORMAT_TAR, data + 1, size - 1);
    return 0;
}
