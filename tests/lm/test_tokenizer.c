/* test_tokenizer.c - byte-level BPE: merges derived by hand on a tiny text,
 * the round-trip property on random bytes, special tokens, save/load, the
 * file parser's errors, and compression on real STEP text (reported). */
#include "test.h"
#include "steplm/lm.h"

static int roundtrip(lm_tokenizer *t, const char *s, size_t n, int allow_special) {
    int32_t *ids; size_t k;
    sl_buf out;
    sl_buf_init(&out);
    int ok = lm_tokenizer_encode(t, s, n, allow_special, &ids, &k, NULL) == SL_OK &&
             lm_tokenizer_decode(t, ids, k, &out, NULL) == SL_OK && out.len == n && (n == 0 || !memcmp(out.data, s, n));
    free(ids);
    sl_buf_release(&out);
    return ok;
}

int main(void) {
    sl_err err;
    /* 1. hand-derived: "abababab ab" (generic chunks "abababab", " ", "ab"):
     * (a,b) occurs 5 times -> 261; then (261,261) 3 times -> 262; then
     * (262,262) once: stop. */
    {
        const char *txt = "abababab ab";
        size_t n = strlen(txt);
        lm_tokenizer *t;
        CHECK(lm_tokenizer_train(&txt, &n, 1, 1000, LM_PRETOK_GENERIC, &t, &err) == SL_OK);
        CHECK_EQ_INT(lm_tokenizer_vocab_size(t), 263);
        int32_t *ids; size_t k;
        CHECK(lm_tokenizer_encode(t, "abababab", 8, 0, &ids, &k, NULL) == SL_OK);
        CHECK_EQ_INT(k, 2);
        CHECK_EQ_INT(ids[0], 262);
        CHECK_EQ_INT(ids[1], 262);
        free(ids);
        CHECK(lm_tokenizer_encode(t, "aba", 3, 0, &ids, &k, NULL) == SL_OK);
        CHECK_EQ_INT(k, 2);
        CHECK_EQ_INT(ids[0], 261);
        CHECK_EQ_INT(ids[1], 'a');
        free(ids);
        lm_tokenizer_free(t);
    }
    /* 2. train on real STEP text; round trips; specials; save/load */
    char *step;
    size_t n_step;
    const char *path = "../shared/data/step/real/brepnet/tests/test_data/simple_solids/sphere.step";
    if (sl_file_read(path, &step, &n_step, 0, NULL) != SL_OK) {
        /* any text works for the properties; the figure needs STEP */
        step = strdup("#1 = CARTESIAN_POINT ( 'NONE', ( 0.000000000, -1.500000E-3, 2.0 ) ) ;\n");
        n_step = strlen(step);
    }
    lm_tokenizer *t;
    const char *tx = step;
    CHECK(lm_tokenizer_train(&tx, &n_step, 1, 600, LM_PRETOK_STEP, &t, &err) == SL_OK);
    CHECK(lm_tokenizer_vocab_size(t) > LM_TOK_N_BASE);
    CHECK(roundtrip(t, step, n_step, 0));
    CHECK(roundtrip(t, step, n_step, 1));
    sl_rng r;
    sl_rng_seed(&r, 7);
    int all = 1;
    for (int it = 0; it < 300; it++) {
        size_t n = sl_rng_next(&r) % 400;
        char buf[400];
        for (size_t i = 0; i < n; i++) {
            /* mix raw bytes with STEP-ish fragments and special-token text */
            uint64_t c = sl_rng_next(&r) % 10;
            buf[i] = c < 6 ? (char)(sl_rng_next(&r) & 0xff) : "#1.E-( ,'<|>"[sl_rng_next(&r) % 12];
        }
        if (n > 20 && it % 3 == 0) memcpy(buf + n / 2, "<|endoftext|>", 13 < n / 2 ? 13 : n / 2);
        all &= roundtrip(t, buf, n, it & 1);
    }
    CHECK(all);
    /* specials: one token each when allowed, bytes otherwise */
    const char *pr = "### caption:\na box\n\n### output:\n";
    int32_t *ids; size_t k;
    CHECK(lm_tokenizer_encode(t, pr, strlen(pr), 1, &ids, &k, NULL) == SL_OK);
    CHECK(k >= 3 && ids[0] == LM_TOK_CAPTION && ids[k - 1] == LM_TOK_OUTPUT);
    free(ids);
    CHECK(lm_tokenizer_encode(t, "<|endoftext|>", 13, 0, &ids, &k, NULL) == SL_OK);
    CHECK(k > 1);
    free(ids);
    /* save / load gives the same encoding */
    const char *tp = "build/test_lm_tok.bpe";
    CHECK(lm_tokenizer_save(t, tp, &err) == SL_OK);
    lm_tokenizer *t2;
    CHECK(lm_tokenizer_load(tp, &t2, &err) == SL_OK);
    int32_t *i1, *i2; size_t k1, k2;
    CHECK(lm_tokenizer_encode(t, step, n_step, 1, &i1, &k1, NULL) == SL_OK);
    CHECK(lm_tokenizer_encode(t2, step, n_step, 1, &i2, &k2, NULL) == SL_OK);
    CHECK(k1 == k2 && !memcmp(i1, i2, k1 * 4));
    fprintf(stderr, "%s: %zu bytes -> %zu tokens (%.2f bytes/token, vocab %d)\n", path, n_step, k1,
            (double)n_step / k1, lm_tokenizer_vocab_size(t));
    free(i1); free(i2);
    lm_tokenizer_free(t2);
    /* malformed files */
    const char *bad[] = {"", "steplm-bpe 2\n", "steplm-bpe 1\npretok step\nmerges 2\n65 66\n",
                         "steplm-bpe 1\npretok step\nmerges 1\n300 66\n", "steplm-bpe 1\npretok xyz\nmerges 0\n",
                         "steplm-bpe 1\npretok step\nmerges 1\n257 66\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        lm_tokenizer *tb = NULL;
        sl_status st = lm_tokenizer_from_text(bad[i], strlen(bad[i]), "bad.bpe", &tb, &err);
        CHECK_MSG(st != SL_OK && tb == NULL, "bad file %zu accepted", i);
        if (st) CHECK(strstr(err.file, "bad.bpe") != NULL);
    }
    int32_t badid = 99999;
    sl_buf ob;
    sl_buf_init(&ob);
    CHECK(lm_tokenizer_decode(t, &badid, 1, &ob, &err) == SL_ERR_INVALID);
    sl_buf_release(&ob);
    lm_tokenizer_free(t);
    free(step);
    return test_finish("lm/tokenizer");
}
