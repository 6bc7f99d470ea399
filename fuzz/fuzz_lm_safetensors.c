/* fuzz_lm_safetensors.c - the safetensors reader on arbitrary bytes: it must
 * return an error or fill the two expected tensors, never read out of bounds. */
#include <stdint.h>
#include <stdlib.h>

#include "../src/lm/internal.h"   /* lm_st_parse: internal, not in the public header */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    float a[4], b[6];
    lm_st_entry e[2] = {{"a", a, {4, 0}, 1}, {"b", b, {2, 3}, 2}};
    char *meta = NULL;
    sl_err err;
    lm_st_parse((const char *)data, size, "fuzz", e, 2, &meta, &err);
    free(meta);
    return 0;
}
