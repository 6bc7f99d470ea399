/* test_ckpt.c - checkpoints: save/load gives bit-identical weights and the
 * same logits; a safetensors file written by hand from the format spec
 * loads (portability: explicit little-endian, F32/BF16/F16); truncated,
 * bit-flipped and mismatched files give clear errors naming the file. */
#include "test.h"
#include "steplm/lm.h"
#include "lm/internal.h"

static void put32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> 8 * i); }

int main(void) {
    sl_err err;
    lm_config c = {300, 32, 2, 4, 4, 40, 16, 0, 10000.0f, 1e-5f};
    lm_model *m;
    CHECK(lm_model_new(&c, &m, &err) == SL_OK);
    lm_model_init_random(m, 0.1f, 4);
    lm_tokenizer *tok = lm_tokenizer_new_bytes(LM_PRETOK_STEP);
    const char *dir = "build/test_lm_ckpt";
    CHECK(lm_checkpoint_save(m, tok, dir, &err) == SL_OK);
    lm_model *m2;
    lm_tokenizer *tok2;
    CHECK(lm_checkpoint_load(dir, &m2, &tok2, &err) == SL_OK);
    size_t n1, n2;
    float *p1 = lm_model_param_data(m, &n1), *p2 = lm_model_param_data(m2, &n2);
    CHECK(n1 == n2 && !memcmp(p1, p2, n1 * 4));
    CHECK(tok2 && lm_tokenizer_vocab_size(tok2) == LM_TOK_N_BASE);
    CHECK(!memcmp(lm_model_config(m2), &c, sizeof c));
    int32_t ids[16];
    for (int i = 0; i < 16; i++) ids[i] = i * 17 % 300;
    lm_model_train_init(m, 1, &err);
    lm_model_train_init(m2, 1, &err);
    lm_model_forward(m, ids, NULL, 1, 16, NULL, NULL, &err);
    lm_model_forward(m2, ids, NULL, 1, 16, NULL, NULL, &err);
    CHECK(!memcmp(lm_model_logits(m), lm_model_logits(m2), sizeof(float) * 16 * 300));
    lm_model_free(m2);
    lm_tokenizer_free(tok2);

    /* damaged copies of model.safetensors */
    char *raw;
    size_t n;
    CHECK(sl_file_read("build/test_lm_ckpt/model.safetensors", &raw, &n, 0, &err) == SL_OK);
    const char *bad = "build/test_lm_bad.safetensors";
    size_t cuts[5] = {0, 5, 8 + 20, n / 2, n - 1};
    for (int i = 0; i < 5; i++) {
        CHECK(sl_file_write_atomic(bad, raw, cuts[i], &err) == SL_OK);
        sl_status st = lm_model_load_safetensors(m, bad, &err);
        CHECK_MSG(st != SL_OK, "truncated at %zu accepted", cuts[i]);
        CHECK(strstr(err.file, "test_lm_bad") != NULL);
        CHECK_MSG(strstr(err.msg, "truncated") || strstr(err.msg, "corrupt"), "message: %s", err.msg);
    }
    raw[n - 100] ^= 0x10;   /* a flipped bit in the data */
    CHECK(sl_file_write_atomic(bad, raw, n, &err) == SL_OK);
    CHECK(lm_model_load_safetensors(m, bad, &err) == SL_ERR_INVALID);
    CHECK(strstr(err.msg, "hash") != NULL);
    raw[n - 100] ^= 0x10;
    raw[8] = '!';           /* broken JSON header */
    CHECK(sl_file_write_atomic(bad, raw, n, &err) == SL_OK);
    CHECK(lm_model_load_safetensors(m, bad, &err) == SL_ERR_SYNTAX);
    free(raw);
    /* a model of another shape */
    lm_config c2 = c;
    c2.ffn = 48;
    lm_model *m3;
    CHECK(lm_model_new(&c2, &m3, &err) == SL_OK);
    CHECK(lm_model_load_safetensors(m3, "build/test_lm_ckpt/model.safetensors", &err) == SL_ERR_INVALID);
    CHECK(strstr(err.msg, "shape") != NULL);
    lm_model_free(m3);
    /* config errors */
    lm_config cc;
    CHECK(lm_config_from_json("{\"hidden_size\": 32}", &cc, &err) == SL_ERR_INVALID);
    CHECK(lm_config_from_json("not json", &cc, &err) == SL_ERR_SYNTAX);

    /* hand-written file per the safetensors spec: F32 [2], BF16 [2], F16 [1] */
    {
        const char *hdr = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                          "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[8,12]},"
                          "\"c\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[12,14]}}";
        size_t hl = strlen(hdr);
        unsigned char buf[512] = {0};
        put32(buf, (uint32_t)hl);
        memcpy(buf + 8, hdr, hl);
        unsigned char *d = buf + 8 + hl;
        put32(d, 0x3fc00000u);       /* 1.5f */
        put32(d + 4, 0xc0200000u);   /* -2.5f */
        d[8] = 0x80; d[9] = 0x3f;    /* bf16 1.0 */
        d[10] = 0x40; d[11] = 0xc0;  /* bf16 -3.0 */
        d[12] = 0x00; d[13] = 0x3c;  /* f16 1.0 */
        CHECK(sl_file_write_atomic(bad, buf, 8 + hl + 14, &err) == SL_OK);
        float a[2], b[2], cv[1];
        lm_st_entry e[3] = {{"a", a, {2, 0}, 1}, {"b", b, {2, 0}, 1}, {"c", cv, {1, 0}, 1}};
        CHECK(lm_st_read(bad, e, 3, NULL, &err) == SL_OK);
        CHECK(a[0] == 1.5f && a[1] == -2.5f && b[0] == 1.0f && b[1] == -3.0f && cv[0] == 1.0f);
    }
    lm_model_free(m);
    lm_tokenizer_free(tok);
    return test_finish("lm/ckpt");
}
