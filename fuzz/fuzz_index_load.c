/* fuzz_index_load.c - index files with arbitrary bytes: loading (without the
 * checksum, so that the structural checks are what stands between a damaged
 * file and the queries) must fail cleanly or give an index that queries
 * safely. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "steplm/retrieval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[] = "/tmp/steplm_fuzz_index_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    close(fd);
    retrieval_index *idx = NULL;
    sl_err err;
    memset(&err, 0, sizeof err);
    if (retrieval_index_load(path, 0, &idx, &err) == SL_OK) {
        retrieval_query_opts o;
        retrieval_query_opts_init(&o);
        o.k = 3;
        o.geo_rerank = 1;
        o.n_threads = 1;
        retrieval_hit h[3];
        int n = 0;
        unsigned kinds = retrieval_index_kinds(idx);
        if (kinds & RETRIEVAL_KIND_BM25) {
            o.kind = RETRIEVAL_KIND_BM25;
            retrieval_query(idx, "a flat plate 40 mm with 4 holes", NULL, NULL, &o, h, &n, &err);
        }
        if (kinds & (RETRIEVAL_KIND_DENSE | RETRIEVAL_KIND_DENSE_Q8)) {
            o.kind = (kinds & RETRIEVAL_KIND_DENSE) ? RETRIEVAL_KIND_DENSE : RETRIEVAL_KIND_DENSE_Q8;
            retrieval_query(idx, "a rod", retrieval_embed_hash_ngram, NULL, &o, h, &n, &err);
        }
        /* without the checksum a damaged but well-formed file may answer
         * wrongly (an id its hash slot does not lead to); it must never read out of bounds */
        for (int i = 0; i < n; i++) {
            const char *s = retrieval_index_id(idx, (size_t)h[i].index);
            if (!s || strlen(s) == (size_t)-1 || h[i].index < 0 || (size_t)h[i].index >= retrieval_index_count(idx)) abort();
            (void)strlen(retrieval_index_caption(idx, (size_t)h[i].index));
        }
        retrieval_index_find(idx, "00010001");
        retrieval_index_free(idx);
    }
    unlink(path);
    return 0;
}
