/* fuzz_captions.c - the caption readers (CSV and JSONL) and caption
 * normalisation on arbitrary bytes: no crash, no leak, errors carry a position. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "steplm/data.h"
#include "steplm/retrieval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    data_captions c;
    sl_err err;
    for (int mode = 0; mode < 2; mode++) {
        data_captions_init(&c);
        memset(&err, 0, sizeof err);
        sl_status st = mode ? data_captions_read_jsonl(text, size, "f", &c, &err)
                            : data_captions_read_csv(text, size, "f", &c, &err);
        if (st != SL_OK && err.line == 0 && st != SL_ERR_NOMEM) abort();
        for (size_t i = 0; i < c.n; i++) {
            char norm[256];
            retrieval_normalize_caption(c.v[i].caption, norm, sizeof norm);
            double l[RETRIEVAL_MAX_DIMS];
            retrieval_caption_lengths_mm(c.v[i].caption, l, RETRIEVAL_MAX_DIMS);
            retrieval_caption_hole_count(c.v[i].caption);
        }
        data_captions_release(&c);
    }
    /* the raw text as one caption (NUL bytes end it early) */
    char norm[64];
    retrieval_normalize_caption(text, norm, sizeof norm);
    free(text);
    return 0;
}
