/* bench_lmtok.c - the BPE tokenizer on real STEP text: compression (bytes
 * per token) of a byte tokenizer, BPE with generic pre-tokenization and BPE
 * with the STEP-aware pre-tokenization, on held-out files; training time and
 * encoding speed (MB/s, cold cache and warm). Usage:
 *     bench_lmtok [--vocab N] [--train-mb M] [--test-mb M] FILE...
 * Files alternate: even positions train, odd positions test (in the order
 * given; bench/lm.sh passes a sorted list). Prints JSON on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "steplm/lm.h"

int main(int argc, char **argv) {
    int vocab = 4096;
    double train_mb = 4, test_mb = 8;
    char **files = calloc((size_t)argc, sizeof(char *));
    int nf = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--vocab") && i + 1 < argc) vocab = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--train-mb") && i + 1 < argc) train_mb = atof(argv[++i]);
        else if (!strcmp(argv[i], "--test-mb") && i + 1 < argc) test_mb = atof(argv[++i]);
        else files[nf++] = argv[i];
    }
    char **tr = calloc((size_t)nf + 1, sizeof(char *)), **te = calloc((size_t)nf + 1, sizeof(char *));
    size_t *trn = calloc((size_t)nf + 1, sizeof(size_t)), *ten = calloc((size_t)nf + 1, sizeof(size_t));
    int ntr = 0, nte = 0;
    size_t btr = 0, bte = 0;
    for (int i = 0; i < nf; i++) {
        char *d;
        size_t n;
        if (sl_file_read(files[i], &d, &n, 0, NULL)) continue;
        if (i % 2 == 0 && btr < train_mb * 1e6) { tr[ntr] = d; trn[ntr++] = n; btr += n; }
        else if (i % 2 == 1 && bte < test_mb * 1e6) { te[nte] = d; ten[nte++] = n; bte += n; }
        else free(d);
    }
    if (!ntr || !nte) { fprintf(stderr, "bench_lmtok: need STEP files\n"); return 2; }
    printf("{\"train_files\": %d, \"train_bytes\": %zu, \"test_files\": %d, \"test_bytes\": %zu, \"vocab\": %d", ntr, btr, nte, bte, vocab);
    const char *names[2] = {"generic", "step"};
    for (int k = 0; k < 2; k++) {
        lm_tokenizer *t;
        double t0 = sl_time_sec();
        sl_err err;
        if (lm_tokenizer_train((const char *const *)tr, trn, (size_t)ntr, vocab, k ? LM_PRETOK_STEP : LM_PRETOK_GENERIC, &t, &err)) {
            fprintf(stderr, "bench_lmtok: %s\n", err.msg);
            return 1;
        }
        double t_train = sl_time_sec() - t0;
        size_t ntok = 0;
        double t_cold = 0, t_warm = 0, c_cold = 0, c_warm = 0;
        int rt_ok = 1;
        for (int pass = 0; pass < 2; pass++) {
            t0 = sl_time_sec();
            clock_t c0 = clock();
            double c_skip = 0;
            for (int i = 0; i < nte; i++) {
                int32_t *ids;
                size_t n;
                lm_tokenizer_encode(t, te[i], ten[i], 0, &ids, &n, NULL);
                if (pass == 0) {
                    ntok += n;
                    sl_buf b;
                    sl_buf_init(&b);
                    double td = sl_time_sec();
                    clock_t cd = clock();
                    lm_tokenizer_decode(t, ids, n, &b, NULL);
                    t0 += sl_time_sec() - td;   /* decode check not timed */
                    c_skip += (double)(clock() - cd) / CLOCKS_PER_SEC;
                    rt_ok &= b.len == ten[i] && !memcmp(b.data, te[i], b.len);
                    sl_buf_release(&b);
                }
                free(ids);
            }
            double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC - c_skip;
            if (pass == 0) { t_cold = sl_time_sec() - t0; c_cold = cpu; } else { t_warm = sl_time_sec() - t0; c_warm = cpu; }
        }
        printf(", \"%s\": {\"vocab\": %d, \"train_s\": %.2f, \"bytes_per_token\": %.3f, \"tokens\": %zu, \"encode_mb_s_cold\": %.1f, \"encode_mb_s_warm\": %.1f, \"encode_mb_per_cpu_s_cold\": %.1f, \"encode_mb_per_cpu_s_warm\": %.1f, \"roundtrip\": %s}",
               names[k], lm_tokenizer_vocab_size(t), t_train, (double)bte / ntok, ntok, bte / t_cold / 1e6, bte / t_warm / 1e6,
               bte / c_cold / 1e6, bte / c_warm / 1e6,
               rt_ok ? "true" : "false");
        lm_tokenizer_free(t);
    }
    printf(", \"bytes\": {\"bytes_per_token\": 1.000}}\n");
    for (int i = 0; i < ntr; i++) free(tr[i]);
    for (int i = 0; i < nte; i++) free(te[i]);
    free(tr); free(te); free(trn); free(ten); free(files);
    return 0;
}
