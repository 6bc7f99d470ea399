/* test_overfit.c - a small model trained by the SFT trainer learns to
 * reproduce its training STEP snippets exactly: greedy decoding of every
 * prompt gives the target back byte for byte. A fast variant of the 50-file
 * run documented in docs/lm.md (12 short snippets, each with its own numbers,
 * so the model must tie each prompt to its own target). */
#include "test.h"
#include "steplm/lm.h"

int main(void) {
    sl_err err = {0};
    const char *jl = "build/test_lm_overfit.jsonl";
    sl_buf b;
    sl_buf_init(&b);
    sl_rng r;
    sl_rng_seed(&r, 2026);
    int n_rec = 12;
    for (int i = 0; i < n_rec; i++) {
        int x = (int)(sl_rng_next(&r) % 90), y = (int)(sl_rng_next(&r) % 40), z = (int)(sl_rng_next(&r) % 9);
        sl_buf_printf(&b, "{\"prompt\": \"### caption:\\npart %d\\n\\n### output:\\n\", \"step\": \""
                      "#1 = CARTESIAN_POINT('',(%d.5,%d.,%d.));\\n#2 = DIRECTION('',(0.,0.,1.));\\n"
                      "#3 = AXIS2_PLACEMENT_3D('',#1,#2,$);\\n#4 = PLANE('',#3);\\n\"}\n", i, x, y, z);
    }
    CHECK(sl_file_write_atomic(jl, b.data, b.len, &err) == SL_OK);
    sl_buf_release(&b);
    lm_train_cfg c;
    lm_train_cfg_default(&c);
    const char *js = "{\"train\": \"build/test_lm_overfit.jsonl\", \"out\": \"build/test_lm_overfit\", \"tok_vocab\": 320,"
                     " \"d\": 64, \"n_layer\": 2, \"n_head\": 4, \"ffn\": 128, \"seq\": 64, \"batch\": 12, \"steps\": 100,"
                     " \"lr\": 1e-2, \"min_lr\": 1e-3, \"warmup\": 10, \"weight_decay\": 0, \"save_every\": 0, \"seed\": 3}";
    CHECK(lm_train_cfg_from_json(js, &c, &err) == SL_OK);
    double t0 = sl_time_sec();
    CHECK(lm_train_run(&c, NULL, NULL, &err) == SL_OK);
    double t1 = sl_time_sec();
    lm_model *m;
    lm_tokenizer *tok;
    CHECK(lm_checkpoint_load("build/test_lm_overfit", &m, &tok, &err) == SL_OK);
    lm_sft_data d;
    CHECK(lm_sft_load_jsonl(jl, tok, "prompt", "step", 64, &d, &err) == SL_OK);
    int n_ok = -1;
    CHECK(lm_sft_exact_match(m, tok, &d, LM_WEIGHTS_F32, &n_ok, NULL, &err) == SL_OK);
    fprintf(stderr, "overfit: %d / %d snippets reproduced exactly (train %.1f s)\n", n_ok, n_rec, t1 - t0);
    CHECK_EQ_INT(n_ok, n_rec);
    /* decoding with bf16 or int8 weights gives the same greedy tokens on this trained model */
    for (int wt = LM_WEIGHTS_BF16; wt <= LM_WEIGHTS_Q8; wt++) {
        int n_same = 0;
        for (size_t i = 0; i < d.n; i++) {
            lm_sample_opts o;
            lm_sample_opts_default(&o);
            o.temperature = 0;
            o.max_new = d.n_ids[i] - d.n_prompt[i] + 8;
            o.stop_token = LM_TOK_EOT;
            lm_generation g32, glo;
            CHECK(lm_generate(m, d.ids[i], d.n_prompt[i], &o, &g32, &err) == SL_OK);
            o.weights = (lm_weights)wt;
            CHECK(lm_generate(m, d.ids[i], d.n_prompt[i], &o, &glo, &err) == SL_OK);
            n_same += g32.n_tokens[0] == glo.n_tokens[0] &&
                      !memcmp(g32.tokens[0], glo.tokens[0], sizeof(int32_t) * g32.n_tokens[0]);
            lm_generation_release(&g32);
            lm_generation_release(&glo);
        }
        fprintf(stderr, "overfit: %s weights give the fp32 greedy tokens on %d / %zu snippets\n",
                wt == LM_WEIGHTS_BF16 ? "bf16" : "int8", n_same, d.n);
        CHECK_EQ_INT(n_same, (int)d.n);
    }
    lm_sft_data_release(&d);
    lm_model_free(m);
    lm_tokenizer_free(tok);
    return test_finish("lm/overfit");
}
