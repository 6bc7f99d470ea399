/* fuzz_lm_tokenizer.c - tokenizer files and text: parse the input as a
 * tokenizer file; encode the input with it (or with the byte tokenizer) and
 * check that decoding gives the input back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "steplm/lm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    lm_tokenizer *t = NULL;
    if (lm_tokenizer_from_text((const char *)data, size, "fuzz", &t, NULL) != SL_OK)
        t = lm_tokenizer_new_bytes(size % 2 ? LM_PRETOK_STEP : LM_PRETOK_GENERIC);
    if (!t) return 0;
    int32_t *ids = NULL;
    size_t n = 0;
    if (lm_tokenizer_encode(t, (const char *)data, size, (int)(size % 3 == 0), &ids, &n, NULL) == SL_OK) {
        sl_buf b;
        sl_buf_init(&b);
        if (lm_tokenizer_decode(t, ids, n, &b, NULL) != SL_OK || b.len != size || (size && memcmp(b.data, data, size)))
            abort();   /* round trip broken */
        sl_buf_release(&b);
    }
    free(ids);
    lm_tokenizer_free(t);
    return 0;
}
