/* test_sft.c - SFT data and trainer: the loss mask covers exactly the target
 * tokens and the end token (hand-built example), JSONL errors carry file and
 * line, the progress callback reports, and a run interrupted and resumed
 * from its checkpoint ends with the same weights, bit for bit, as an
 * uninterrupted one. A damaged optimizer file is a clear error. */
#include "test.h"
#include "steplm/lm.h"

static int n_calls, n_val;
static void on_prog(void *ctx, const lm_train_progress *p) {
    (void)ctx;
    if (p->is_val) { n_val++; CHECK(p->val_loss > 0 && p->val_loss < 20); return; }
    n_calls++;
    CHECK(p->tokens_per_s > 0 && p->loss > 0);
}

int main(void) {
    sl_err err = {0};
    /* 1. mask: prompt of 3 tokens, target of 2, then EOT -> positions 2, 3, 4
     * predict target[0], target[1], EOT; the rest are masked; padding too. */
    {
        int32_t e0[6] = {10, 11, 12, 20, 21, LM_TOK_EOT};
        int32_t *ex[1] = {e0};
        int nids[1] = {6}, npr[1] = {3};
        lm_sft_data d = {ex, nids, npr, 1, 0};
        size_t idx[1] = {0};
        int32_t ids[8], tg[8];
        lm_sft_make_batch(&d, idx, 1, 8, ids, tg);
        int32_t want_t[8] = {-1, -1, 20, 21, LM_TOK_EOT, -1, -1, -1};
        int32_t want_i[8] = {10, 11, 12, 20, 21, LM_TOK_EOT, LM_TOK_PAD, LM_TOK_PAD};
        CHECK(!memcmp(tg, want_t, sizeof want_t));
        CHECK(!memcmp(ids, want_i, sizeof want_i));
    }
    /* 2. loading: the prompt's "### output:\n" is one special token, the
     * target follows, EOT ends; a bad line is reported with its number */
    const char *jl = "build/test_lm_sft.jsonl";
    {
        sl_buf b;
        sl_buf_init(&b);
        for (int i = 0; i < 12; i++)
            sl_buf_printf(&b, "{\"prompt\": \"### caption:\\nbox %d\\n\\n### output:\\n\", \"step\": \"#1 = CARTESIAN_POINT('',(%d.,0.,%d.5));\\n\"}\n", i, i, i % 4);
        CHECK(sl_file_write_atomic(jl, b.data, b.len, &err) == SL_OK);
        sl_buf_release(&b);
        lm_tokenizer *tok = lm_tokenizer_new_bytes(LM_PRETOK_STEP);
        lm_sft_data d;
        CHECK(lm_sft_load_jsonl(jl, tok, "prompt", "step", 1000, &d, &err) == SL_OK);
        CHECK_EQ_INT(d.n, 12);
        CHECK_EQ_INT(d.ids[0][d.n_prompt[0] - 1], LM_TOK_OUTPUT);
        CHECK_EQ_INT(d.ids[0][d.n_ids[0] - 1], LM_TOK_EOT);
        CHECK_EQ_INT(d.ids[0][d.n_prompt[0]], '#');
        lm_sft_data_release(&d);
        /* prompts that fill max_len leave nothing to learn: skipped and counted */
        CHECK(lm_sft_load_jsonl(jl, tok, "prompt", "step", 10, &d, &err) == SL_OK);
        CHECK(d.n == 0 && d.n_skipped == 12);
        lm_sft_data_release(&d);
        const char *badl = "build/test_lm_sft_bad.jsonl";
        const char *txt = "{\"prompt\": \"a\", \"step\": \"b\"}\n\n{\"prompt\": \"a\"}\n";
        CHECK(sl_file_write_atomic(badl, txt, strlen(txt), &err) == SL_OK);
        CHECK(lm_sft_load_jsonl(badl, tok, "prompt", "step", 1000, &d, &err) == SL_ERR_INVALID);
        CHECK_EQ_INT(err.line, 3);
        CHECK(strstr(err.file, "sft_bad") != NULL);
        lm_tokenizer_free(tok);
    }
    /* 3. resume: 6 steps straight vs 3 + resume to 6 */
    {
        lm_train_cfg c;
        lm_train_cfg_default(&c);
        const char *js = "{\"train\": \"build/test_lm_sft.jsonl\", \"val\": \"build/test_lm_sft.jsonl\", \"out\": \"build/test_lm_sft_a\","
                         " \"tok_vocab\": 300, \"d\": 32, \"n_layer\": 1, \"n_head\": 2, \"ffn\": 48, \"seq\": 64,"
                         " \"batch\": 4, \"grad_accum\": 2, \"steps\": 6, \"warmup\": 2, \"lr\": 1e-2, \"val_every\": 3,"
                         " \"save_every\": 3, \"seed\": 5, \"schedule\": \"linear\"}";
        CHECK(lm_train_cfg_from_json(js, &c, &err) == SL_OK);
        CHECK_EQ_INT(c.grad_accum, 2);
        CHECK(c.sched == LM_SCHED_LINEAR);
        CHECK(lm_train_run(&c, on_prog, NULL, &err) == SL_OK);
        CHECK_EQ_INT(n_calls, 6);
        CHECK_EQ_INT(n_val, 2);
        lm_train_cfg c2 = c;
        strcpy(c2.out_dir, "build/test_lm_sft_b");
        c2.stop_after = 3;   /* as if killed after the step-3 checkpoint */
        CHECK(lm_train_run(&c2, NULL, NULL, &err) == SL_OK);
        c2.stop_after = 0;
        c2.resume = 1;
        CHECK(lm_train_run(&c2, NULL, NULL, &err) == SL_OK);
        char *a, *b;
        size_t na, nb;
        CHECK(sl_file_read("build/test_lm_sft_a/model.safetensors", &a, &na, 0, &err) == SL_OK);
        CHECK(sl_file_read("build/test_lm_sft_b/model.safetensors", &b, &nb, 0, &err) == SL_OK);
        CHECK(na == nb && !memcmp(a, b, na));
        free(a); free(b);
        /* damaged optimizer state */
        CHECK(sl_file_read("build/test_lm_sft_b/optim.safetensors", &a, &na, 0, &err) == SL_OK);
        CHECK(sl_file_write_atomic("build/test_lm_sft_b/optim.safetensors", a, na / 2, &err) == SL_OK);
        free(a);
        c2.steps = 8;
        CHECK(lm_train_run(&c2, NULL, NULL, &err) == SL_ERR_SYNTAX);
        CHECK(strstr(err.file, "optim.safetensors") != NULL);
        CHECK(strstr(err.msg, "truncated") != NULL);
        /* config errors */
        lm_train_cfg_default(&c);
        CHECK(lm_train_cfg_from_json("{\"train\": 3}", &c, &err) == SL_ERR_INVALID);
        lm_train_cfg_default(&c);
        CHECK(lm_train_cfg_from_json("{\"batch\": 0, \"train\": \"x\"}", &c, &err) == SL_ERR_INVALID);
        lm_train_cfg_default(&c);
        CHECK(lm_train_cfg_from_json("{}", &c, &err) == SL_ERR_INVALID);
    }
    return test_finish("lm/sft");
}
