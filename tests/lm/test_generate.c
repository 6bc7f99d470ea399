/* test_generate.c - inference and the sampler: KV-cache logits against the
 * training forward, grouped-query attention against its MHA equivalent
 * (duplicated key/value heads), finite-difference gradients of a tied GQA
 * model, sampler statistics, repetition penalty, the logits hook, stop
 * tokens and strings, seeded reproducibility and batched samples. */
#include "test.h"
#include "steplm/lm.h"

typedef struct rec { float *logits; int V, n, g; } rec;   /* records sample g's logits */

static int record_hook(void *ctx, int g, const int32_t *gen, int n_gen, float *logits, int V) {
    rec *r = ctx;
    if (g == r->g && n_gen == r->n) { memcpy(r->logits + (size_t)n_gen * V, logits, sizeof(float) * V); r->n++; }
    return 0;
}

static int force_hook(void *ctx, int g, const int32_t *gen, int n_gen, float *logits, int V) {
    const char *s = ctx;     /* force the bytes of s, then EOT */
    int want = n_gen < (int)strlen(s) ? (unsigned char)s[n_gen] : LM_TOK_EOT;
    for (int j = 0; j < V; j++) logits[j] = j == want ? 0.0f : -INFINITY;
    return 0;
}

static int stop_hook(void *ctx, int g, const int32_t *gen, int n_gen, float *logits, int V) { return n_gen >= 2; }

static lm_model *make(int V, int H, int KV, int tie, uint64_t seed) {
    lm_config c = {V, 32, 2, H, KV, 48, 64, tie, 10000.0f, 1e-5f};
    lm_model *m;
    if (lm_model_new(&c, &m, NULL)) return NULL;
    lm_model_init_random(m, 0.3f, seed);
    return m;
}

int main(void) {
    sl_err err;
    int V = 300;
    lm_model *m = make(V, 4, 2, 0, 11);
    CHECK(m != NULL);
    int32_t prompt[5] = {1, 7, 42, 250, 3};
    lm_sample_opts o;
    /* 1. KV cache vs full forward (GQA model) */
    {
        rec r = {calloc((size_t)20 * V, sizeof(float)), V, 0, 0};
        lm_sample_opts_default(&o);
        o.temperature = 0; o.max_new = 20; o.hook = record_hook; o.hook_ctx = &r;
        lm_generation g;
        CHECK(lm_generate(m, prompt, 5, &o, &g, &err) == SL_OK);
        CHECK_EQ_INT(g.n_tokens[0], 20);
        int32_t seq[25];
        memcpy(seq, prompt, sizeof prompt);
        memcpy(seq + 5, g.tokens[0], sizeof(int32_t) * 20);
        CHECK(lm_model_train_init(m, 1, &err) == SL_OK);
        CHECK(lm_model_forward(m, seq, NULL, 1, 25, NULL, NULL, &err) == SL_OK);
        const float *full = lm_model_logits(m);
        double md = 0;
        int same = 1;
        for (int t = 0; t < 20; t++) {
            const float *a = full + (size_t)(4 + t) * V, *b = r.logits + (size_t)t * V;
            for (int j = 0; j < V; j++) if (fabs(a[j] - b[j]) > md) md = fabs(a[j] - b[j]);
            int am = 0;
            for (int j = 1; j < V; j++) if (a[j] > a[am]) am = j;
            same &= am == g.tokens[0][t];
        }
        fprintf(stderr, "KV-cache vs full forward: max |logit diff| %.3g\n", md);
        CHECK(md < 1e-4);
        CHECK(same);
        lm_generation_release(&g);
        free(r.logits);
    }
    /* 1b. the same with a 24-token prompt (prefilled through sgemm, not the decoding team) and
     * three samples decoded together: the last sample's logits (its cache holds a copy of the
     * prompt's) against the full forward of its sequence */
    {
        rec r = {calloc((size_t)20 * V, sizeof(float)), V, 0, 2};
        lm_sample_opts_default(&o);
        o.temperature = 0; o.max_new = 20; o.n_samples = 3; o.hook = record_hook; o.hook_ctx = &r;
        int32_t seq[44];
        for (int i = 0; i < 24; i++) seq[i] = (i * 37 + 5) % V;
        lm_generation g;
        CHECK(lm_generate(m, seq, 24, &o, &g, &err) == SL_OK);
        CHECK_EQ_INT(g.n_tokens[2], 20);
        memcpy(seq + 24, g.tokens[2], sizeof(int32_t) * 20);
        CHECK(lm_model_forward(m, seq, NULL, 1, 44, NULL, NULL, &err) == SL_OK);
        const float *full = lm_model_logits(m);
        double md = 0;
        for (int t = 0; t < 20; t++)
            for (int j = 0; j < V; j++) md = fmax(md, fabs(full[(size_t)(23 + t) * V + j] - r.logits[(size_t)t * V + j]));
        fprintf(stderr, "long prompt, 3 samples: KV-cache vs full forward: max |logit diff| %.3g\n", md);
        CHECK(r.n == 20);
        CHECK(md < 1e-4);
        lm_generation_release(&g);
        free(r.logits);
    }
    /* 2. GQA (2 kv heads for 4 heads) == MHA with each kv head duplicated */
    {
        lm_model *mh = make(V, 4, 4, 0, 11);
        lm_params *pg = lm_model_params(m), *ph = lm_model_params(mh);
        size_t n;
        memcpy(lm_model_param_data(mh, &n), lm_model_param_data(m, NULL), 0);
        /* copy everything kind by kind; wk/wv rows per head from kv head h/2 */
        int d = 32, hd = 8, L = 2, f = 48;
        memcpy(ph->tok_emb, pg->tok_emb, sizeof(float) * V * d);
        memcpy(ph->attn_norm, pg->attn_norm, sizeof(float) * L * d);
        memcpy(ph->wq, pg->wq, sizeof(float) * L * d * d);
        memcpy(ph->wo, pg->wo, sizeof(float) * L * d * d);
        memcpy(ph->mlp_norm, pg->mlp_norm, sizeof(float) * L * d);
        memcpy(ph->w1, pg->w1, sizeof(float) * L * f * d);
        memcpy(ph->w3, pg->w3, sizeof(float) * L * f * d);
        memcpy(ph->w2, pg->w2, sizeof(float) * L * d * f);
        memcpy(ph->norm, pg->norm, sizeof(float) * d);
        memcpy(ph->lm_head, pg->lm_head, sizeof(float) * V * d);
        for (int l = 0; l < L; l++)
            for (int h = 0; h < 4; h++) {
                memcpy(ph->wk + ((size_t)l * d + h * hd) * d, pg->wk + ((size_t)l * 16 + (h / 2) * hd) * d, sizeof(float) * hd * d);
                memcpy(ph->wv + ((size_t)l * d + h * hd) * d, pg->wv + ((size_t)l * 16 + (h / 2) * hd) * d, sizeof(float) * hd * d);
            }
        int32_t ids[2 * 16], tg[2 * 16];
        for (int i = 0; i < 32; i++) { ids[i] = (i * 37 + 5) % V; tg[i] = (i * 11 + 3) % V; }
        CHECK(lm_model_train_init(mh, 2, &err) == SL_OK);
        CHECK(lm_model_train_init(m, 2, &err) == SL_OK);
        float l1, l2;
        CHECK(lm_model_forward(m, ids, tg, 2, 16, &l1, NULL, &err) == SL_OK);
        CHECK(lm_model_forward(mh, ids, tg, 2, 16, &l2, NULL, &err) == SL_OK);
        CHECK_REL(l1, l2, 1e-6);
        lm_model_zero_grad(m); lm_model_backward(m, 1.0f);
        lm_model_zero_grad(mh); lm_model_backward(mh, 1.0f);
        /* grad of a shared kv row = sum of the two MHA heads' grads */
        lm_params *gg = lm_model_grads(m), *gh = lm_model_grads(mh);
        double md = 0, mx = 0;
        for (int l = 0; l < L; l++)
            for (int kh = 0; kh < 2; kh++)
                for (int e = 0; e < hd * d; e++) {
                    float a = gg->wk[((size_t)l * 16 + kh * hd) * d + e];
                    float b = gh->wk[((size_t)l * d + (2 * kh) * hd) * d + e] + gh->wk[((size_t)l * d + (2 * kh + 1) * hd) * d + e];
                    if (fabs(a - b) > md) md = fabs(a - b);
                    if (fabs(b) > mx) mx = fabs(b);
                }
        fprintf(stderr, "GQA vs duplicated MHA: loss %.7f vs %.7f, wk grad max diff %.3g (max %.3g)\n", l1, l2, md, mx);
        CHECK(md <= 1e-5 * mx);
        lm_model_free(mh);
    }
    /* 3. finite differences on a tied GQA model (double-sided, eps 1e-2) */
    {
        lm_model *mt = make(V, 4, 1, 1, 5);
        CHECK(lm_model_train_init(mt, 2, &err) == SL_OK);
        int32_t ids[24], tg[24];
        for (int i = 0; i < 24; i++) { ids[i] = (i * 53 + 1) % V; tg[i] = i % 3 == 0 ? -1 : (i * 29 + 7) % V; }
        float loss;
        CHECK(lm_model_forward(mt, ids, tg, 2, 12, &loss, NULL, &err) == SL_OK);
        lm_model_zero_grad(mt);
        lm_model_backward(mt, 1.0f);
        size_t np;
        float *w = lm_model_param_data(mt, &np), *gd = lm_model_grad_data(mt, NULL);
        lm_params *pp = lm_model_params(mt);
        size_t probe[6] = {(size_t)(pp->tok_emb - w) + 32 * ids[3] + 4, (size_t)(pp->tok_emb - w) + 32 * tg[4] + 9,
                           (size_t)(pp->wk - w) + 17, (size_t)(pp->wv - w) + 200, (size_t)(pp->w2 - w) + 77,
                           (size_t)(pp->attn_norm - w) + 40};
        int ok = 1;
        for (int i = 0; i < 6; i++) {
            float keep = w[probe[i]], lp, lmn;
            w[probe[i]] = keep + 1e-2f;
            lm_model_forward(mt, ids, tg, 2, 12, &lp, NULL, &err);
            w[probe[i]] = keep - 1e-2f;
            lm_model_forward(mt, ids, tg, 2, 12, &lmn, NULL, &err);
            w[probe[i]] = keep;
            double fd = (lp - lmn) / 2e-2, an = gd[probe[i]];
            if (fabs(fd - an) > 2e-2 * fabs(an) + 2e-4) { ok = 0; fprintf(stderr, "probe %d: fd %g analytic %g\n", i, fd, an); }
        }
        CHECK(ok);
        lm_model_free(mt);
    }
    /* 4. sampler statistics: T = 1 follows softmax; top-k renormalises */
    {
        float lg[4], scratch[8];
        sl_rng r;
        sl_rng_seed(&r, 3);
        lm_sample_opts_default(&o);
        int cnt[4] = {0};
        for (int it = 0; it < 40000; it++) {
            lg[0] = 0; lg[1] = logf(2); lg[2] = logf(3); lg[3] = logf(4);
            cnt[lm_sample_pick(lg, 4, &o, NULL, 0, &r, scratch)]++;
        }
        for (int j = 0; j < 4; j++) CHECK_NEAR(cnt[j] / 40000.0, (j + 1) / 10.0, 0.01);
        o.top_k = 2;
        memset(cnt, 0, sizeof cnt);
        for (int it = 0; it < 40000; it++) {
            lg[0] = 0; lg[1] = logf(2); lg[2] = logf(3); lg[3] = logf(4);
            cnt[lm_sample_pick(lg, 4, &o, NULL, 0, &r, scratch)]++;
        }
        CHECK(cnt[0] == 0 && cnt[1] == 0);
        CHECK_NEAR(cnt[3] / 40000.0, 4.0 / 7.0, 0.01);
        /* top-p 0.5: {4/10} < 0.5, {4,3}/10 = 0.7 >= 0.5 -> tokens 3 and 2 */
        o.top_k = 0; o.top_p = 0.5f;
        memset(cnt, 0, sizeof cnt);
        for (int it = 0; it < 40000; it++) {
            lg[0] = 0; lg[1] = logf(2); lg[2] = logf(3); lg[3] = logf(4);
            cnt[lm_sample_pick(lg, 4, &o, NULL, 0, &r, scratch)]++;
        }
        CHECK(cnt[0] == 0 && cnt[1] == 0);
        CHECK_NEAR(cnt[2] / 40000.0, 3.0 / 7.0, 0.01);
        /* repetition penalty 1.2: 2.0 -> 1.667 < 1.9 */
        lm_sample_opts_default(&o);
        o.temperature = 0; o.rep_penalty = 1.2f;
        float l2[2] = {2.0f, 1.9f};
        int32_t seen[3] = {0, 0, 0};
        CHECK_EQ_INT(lm_sample_pick(l2, 2, &o, seen, 3, &r, scratch), 1);
        CHECK_NEAR(l2[0], 2.0 / 1.2, 1e-6);   /* applied once, not per occurrence */
    }
    /* 5. hook forcing text; stop token; stop strings; hook stop */
    {
        lm_tokenizer *tok = lm_tokenizer_new_bytes(LM_PRETOK_STEP);
        lm_sample_opts_default(&o);
        o.temperature = 0.7f; o.max_new = 50; o.hook = force_hook; o.hook_ctx = "#12=LINE(;";
        o.stop_token = LM_TOK_EOT;
        lm_generation g;
        CHECK(lm_generate(m, prompt, 5, &o, &g, &err) == SL_OK);
        CHECK_EQ_INT(g.n_tokens[0], 10);
        CHECK_EQ_INT(g.stop_reason[0], 1);
        lm_generation_release(&g);
        const char *stops[1] = {"LINE"};
        o.stop_strings = stops; o.n_stop = 1; o.tok = tok;
        CHECK(lm_generate(m, prompt, 5, &o, &g, &err) == SL_OK);
        CHECK_EQ_INT(g.n_tokens[0], 8);
        CHECK_EQ_INT(g.stop_reason[0], 2);
        lm_generation_release(&g);
        o.hook = stop_hook; o.n_stop = 0;
        CHECK(lm_generate(m, prompt, 5, &o, &g, &err) == SL_OK);
        CHECK_EQ_INT(g.n_tokens[0], 2);
        CHECK_EQ_INT(g.stop_reason[0], 3);
        lm_generation_release(&g);
        lm_tokenizer_free(tok);
    }
    /* 6. seeds: same seed same samples; G samples; sample g does not depend on G;
     * greedy samples agree; the context limit stops generation */
    {
        lm_sample_opts_default(&o);
        o.temperature = 1.0f; o.top_k = 50; o.max_new = 12; o.seed = 99; o.n_samples = 4;
        lm_generation a, b, c;
        CHECK(lm_generate(m, prompt, 5, &o, &a, &err) == SL_OK);
        CHECK(lm_generate(m, prompt, 5, &o, &b, &err) == SL_OK);
        o.n_samples = 1;
        CHECK(lm_generate(m, prompt, 5, &o, &c, &err) == SL_OK);
        int same = 1, differ = 0;
        for (int s = 0; s < 4; s++) same &= a.n_tokens[s] == b.n_tokens[s] && !memcmp(a.tokens[s], b.tokens[s], 4 * a.n_tokens[s]);
        for (int s = 1; s < 4; s++) differ |= memcmp(a.tokens[0], a.tokens[s], 4 * 12) != 0;
        CHECK(same);
        CHECK(differ);
        CHECK(c.n_tokens[0] == a.n_tokens[0] && !memcmp(c.tokens[0], a.tokens[0], 4 * c.n_tokens[0]));
        lm_generation_release(&a); lm_generation_release(&b); lm_generation_release(&c);
        o.temperature = 0; o.n_samples = 3; o.max_new = 100;   /* seq 64: 59 positions left */
        CHECK(lm_generate(m, prompt, 5, &o, &a, &err) == SL_OK);
        CHECK(!memcmp(a.tokens[0], a.tokens[1], 4 * a.n_tokens[0]) && !memcmp(a.tokens[0], a.tokens[2], 4 * a.n_tokens[0]));
        CHECK_EQ_INT(a.stop_reason[0], 4);
        CHECK_EQ_INT(a.n_tokens[0], 60);
        lm_generation_release(&a);
        int32_t badp[1] = {V};
        CHECK(lm_generate(m, badp, 1, &o, &a, &err) == SL_ERR_INVALID);
    }
    lm_model_free(m);
    return test_finish("lm/generate");
}
