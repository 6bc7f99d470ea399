/* test_parity.c - the engine against the PyTorch reference state in
 * ../shared/data/lm (made by tools/torch/export_reference.py): logits and
 * loss, every gradient, the weights after one AdamW step, and a greedy
 * KV-cache continuation. Tolerances from the issue: logits and loss 1e-5
 * relative, gradients 1e-4, updated weights 1e-6, tokens identical. */
#include "test.h"
#include "lm_ref.h"

int main(void) {
    lm_ref r;
    if (lm_ref_load(&r)) TEST_SKIP("reference files not found under " LM_REF_DIR);
    lm_model *m;
    sl_err err;
    CHECK(lm_model_new(&r.cfg, &m, &err) == SL_OK);
    CHECK(lm_ref_set_params(&r, m) == 0);
    CHECK(lm_model_train_init(m, r.batch, &err) == SL_OK);
    int B = r.batch, T = r.cfg.seq, V = r.cfg.vocab;
    const int32_t *ids = lm_ref_tensor(&r, "input_ids", NULL), *tg = lm_ref_tensor(&r, "targets", NULL);
    float loss;
    int nv;
    CHECK(lm_model_forward(m, ids, tg, B, T, &loss, &nv, &err) == SL_OK);
    CHECK_EQ_INT(nv, B * T);
    double ref_loss = cJSON_GetObjectItem(r.json, "loss")->valuedouble;
    CHECK_REL(loss, ref_loss, 1e-5);
    const float *ref_logits = lm_ref_tensor(&r, "logits", NULL);
    double e = lm_ref_relerr(lm_model_logits(m), ref_logits, (size_t)B * T * V);
    fprintf(stderr, "logits max rel err %.3g, loss %.8f vs %.8f\n", e, loss, ref_loss);
    CHECK(e <= 1e-5);

    lm_model_zero_grad(m);
    lm_model_backward(m, 1.0f);
    cJSON *it;
    double worst = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(r.json, "param_order")) {
        char nm[128];
        size_t n, nr;
        snprintf(nm, sizeof nm, "grad.%s", it->valuestring);
        float *g = lm_ref_param(lm_model_grads(m), &r.cfg, it->valuestring, &n);
        const float *rg = lm_ref_tensor(&r, nm, &nr);
        CHECK(g && rg && n == nr);
        if (!g || !rg) continue;
        double ge = lm_ref_relerr(g, rg, n);
        if (ge > worst) worst = ge;
        CHECK_MSG(ge <= 1e-4, "%s rel err %g", nm, ge);
    }
    fprintf(stderr, "gradients: worst max rel err %.3g\n", worst);

    /* One AdamW step as the reference took it. (a) From the reference
     * gradients: checks the optimizer alone, to 1e-6. (b) From our own
     * gradients: the first Adam step moves each weight by about lr * sign(g),
     * so where |g| is near eps (1e-8) a gradient difference at the 1e-7 level
     * can shift that weight by up to lr. So (b) compares, to 1e-6, the
     * weights whose reference gradient is at least 1e-6 (100 eps) and counts
     * the rest. */
    lm_adamw opt = {1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 0.0f};
    size_t n_all = lm_model_n_params(m);
    float *own = malloc(sizeof(float) * n_all);
    memcpy(own, lm_model_grad_data(m, NULL), sizeof(float) * n_all);
    const double gmin = 1e-6;
    for (int pass = 0; pass < 2; pass++) {
        CHECK(lm_ref_set_params(&r, m) == 0);
        float *gd = lm_model_grad_data(m, NULL);
        if (pass == 0) {
            cJSON_ArrayForEach(it, cJSON_GetObjectItem(r.json, "param_order")) {
                char nm[128];
                size_t n, nr;
                snprintf(nm, sizeof nm, "grad.%s", it->valuestring);
                float *g = lm_ref_param(lm_model_grads(m), &r.cfg, it->valuestring, &n);
                const float *rg = lm_ref_tensor(&r, nm, &nr);
                if (g && rg && n == nr) memcpy(g, rg, n * 4);
            }
        } else {
            memcpy(gd, own, sizeof(float) * n_all);
        }
        lm_model_adamw_step(m, &opt, opt.lr, 1);
        worst = 0;
        double worst_abs = 0;
        long n_ill = 0;
        cJSON_ArrayForEach(it, cJSON_GetObjectItem(r.json, "param_order")) {
            char nm[128];
            size_t n, nr;
            snprintf(nm, sizeof nm, "step1.%s", it->valuestring);
            float *w = lm_ref_param(lm_model_params(m), &r.cfg, it->valuestring, &n);
            const float *rw = lm_ref_tensor(&r, nm, &nr);
            CHECK(w && rw && n == nr);
            if (!w || !rw) continue;
            char gn[128];
            snprintf(gn, sizeof gn, "grad.%s", it->valuestring);
            const float *rg = lm_ref_tensor(&r, gn, NULL);
            double md = 0, mw = 0;
            for (size_t i = 0; i < n; i++) {
                if (fabs(rw[i]) > mw) mw = fabs(rw[i]);
                if (pass == 1 && rg[i] != 0 && fabs(rg[i]) < gmin) { n_ill++; continue; }
                if (fabs(w[i] - rw[i]) > md) md = fabs(w[i] - rw[i]);
            }
            double we = md / mw;
            if (md > worst_abs) worst_abs = md;
            if (we > worst) worst = we;
            CHECK_MSG(we <= 1e-6, "%s rel err %g", nm, we);
        }
        fprintf(stderr, "updated weights (%s grads): worst max rel err %.3g, max abs %.3g (%ld of %zu with 0 < |g| < 1e-6 not compared)\n",
                pass ? "own" : "reference", worst, worst_abs, n_ill, n_all);
        /* the moments must restart for the second pass */
        lm_model_free(m);
        CHECK(lm_model_new(&r.cfg, &m, &err) == SL_OK);
        CHECK(lm_model_train_init(m, r.batch, &err) == SL_OK);
    }
    free(own);

    /* greedy KV-cache generation from the initial weights */
    CHECK(lm_ref_set_params(&r, m) == 0);
    size_t np, ng;
    const int32_t *prompt = lm_ref_tensor(&r, "gen.prompt", &np), *gen = lm_ref_tensor(&r, "gen.tokens", &ng);
    lm_sample_opts o;
    lm_sample_opts_default(&o);
    o.temperature = 0;
    o.max_new = (int)ng;
    lm_generation g;
    CHECK(lm_generate(m, prompt, (int)np, &o, &g, &err) == SL_OK);
    CHECK_EQ_INT(g.n_tokens[0], (int)ng);
    int same = 1;
    for (size_t i = 0; i < ng && (int)i < g.n_tokens[0]; i++) same &= g.tokens[0][i] == gen[i];
    CHECK(same);
    lm_generation_release(&g);
    /* the same with bf16 decode weights (weight-only; activations fp32): on
     * this untrained model the top logits are close, so rounding the weights
     * changes the path after a few tokens; reported, not required (the
     * overfit test checks bf16 on a trained model) */
    for (int wt = LM_WEIGHTS_BF16; wt <= LM_WEIGHTS_Q8; wt++) {
        o.weights = (lm_weights)wt;
        CHECK(lm_generate(m, prompt, (int)np, &o, &g, &err) == SL_OK);
        CHECK_EQ_INT(g.n_tokens[0], (int)ng);
        int same_lo = 0;
        for (size_t i = 0; i < ng && (int)i < g.n_tokens[0]; i++) same_lo += g.tokens[0][i] == gen[i];
        fprintf(stderr, "%s weights: %d of %zu greedy tokens equal the reference\n",
                wt == LM_WEIGHTS_BF16 ? "bf16" : "int8", same_lo, ng);
        CHECK(g.tokens[0][0] == gen[0]);
        if (wt == LM_WEIGHTS_BF16) lm_generation_release(&g);
    }
    lm_generation_release(&g);
    lm_model_free(m);
    lm_ref_free(&r);
    return test_finish("lm/parity");
}
