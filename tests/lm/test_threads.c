/* test_threads.c - results do not depend on the thread count: logits, loss
 * and every gradient of one training step, and greedy tokens, with 1 and
 * with 2 OpenMP threads, compared bit for bit. The shapes are chosen so that
 * the split matmuls, the parallel attention items and the parallel
 * elementwise loops all engage. */
#include <math.h>
#include <omp.h>
#include "test.h"
#include "steplm/lm.h"

static void run(int threads, float *logits, float *grads, float *loss, int32_t *gen) {
    omp_set_num_threads(threads);
    lm_config c = {512, 192, 2, 6, 3, 512, 256, 0, 10000.0f, 1e-5f};
    lm_model *m;
    sl_err err;
    if (lm_model_new(&c, &m, &err)) return;
    lm_model_init_random(m, 0.05f, 9);
    lm_model_train_init(m, 4, &err);
    int32_t *ids = malloc(sizeof(int32_t) * 4 * 257);
    for (int i = 0; i < 4 * 257; i++) ids[i] = (i * 7919 + 13) % 512;
    lm_model_forward(m, ids, ids + 1, 4, 256, loss, NULL, &err);
    memcpy(logits, lm_model_logits(m), sizeof(float) * 4 * 256 * 512);
    lm_model_zero_grad(m);
    lm_model_backward(m, 1.0f);
    size_t n = lm_model_n_params(m);
    memcpy(grads, lm_model_grad_data(m, NULL), sizeof(float) * n);
    lm_sample_opts o;
    lm_sample_opts_default(&o);
    o.temperature = 0; o.max_new = 16; o.n_samples = 2;
    lm_generation g;
    if (lm_generate(m, ids, 200, &o, &g, &err) == SL_OK) {
        memcpy(gen, g.tokens[1], sizeof(int32_t) * 16);
        lm_generation_release(&g);
    }
    free(ids);
    lm_model_free(m);
}

/* decode logits (every step, via the hook) of a model whose lm_head is
 * large enough for the matvec kernel to split its rows across threads */
typedef struct cap { float *buf; int n; } cap;
static int hook(void *ctx, int g, const int32_t *gen, int n_gen, float *logits, int V) {
    (void)g; (void)gen; (void)n_gen;
    cap *c = ctx;
    if (c->n < 8) memcpy(c->buf + (size_t)c->n * V, logits, sizeof(float) * V);
    c->n++;
    return 0;
}

/* lora: 0 none, 1 rank-4 adapters with non-zero B, 2 the same merged into the base */
static void run_decode(int threads, int wt, float *out, int lora) {
    omp_set_num_threads(threads);
    lm_config c = {16384, 256, 1, 4, 4, 64, 32, 0, 10000.0f, 1e-5f};   /* lm_head: 4.2 M multiply-adds */
    lm_model *m;
    sl_err err;
    if (lm_model_new(&c, &m, &err)) return;
    lm_model_init_random(m, 0.05f, 3);
    if (lora) {
        if (lm_lora_attach(m, 4, 8.0f, 5, &err)) { lm_model_free(m); return; }
        size_t n;
        float *ad = lm_lora_data(m, &n);   /* B starts at zero: give every adapter weight a value */
        for (size_t i = 0; i < n; i++) ad[i] = 0.02f * (float)((int)((i * 2654435761u) % 201) - 100) / 100.0f;
        if (lora == 2) lm_lora_merge(m);
    }
    int32_t ids[5] = {1, 2, 3, 4, 5};
    lm_sample_opts o;
    lm_sample_opts_default(&o);
    o.temperature = 0; o.max_new = 8; o.weights = (lm_weights)wt;
    cap cp = {out, 0};
    o.hook = hook; o.hook_ctx = &cp;
    lm_generation g;
    if (lm_generate(m, ids, 5, &o, &g, &err) == SL_OK) lm_generation_release(&g);
    lm_model_free(m);
}

/* shapes the packed layout does not take (ffn 500, vocab 1000: rows not a multiple of 8) with
 * grouped-query attention (6 heads, 2 kv heads): the decoding team on row-major weights, rows
 * split at multiples of 8 with a ragged end */
static void run_odd(int threads, float *out) {
    omp_set_num_threads(threads);
    lm_config c = {1000, 192, 2, 6, 2, 500, 64, 0, 10000.0f, 1e-5f};
    lm_model *m;
    sl_err err;
    if (lm_model_new(&c, &m, &err)) return;
    lm_model_init_random(m, 0.05f, 4);
    int32_t ids[7] = {3, 1, 4, 1, 5, 9, 2};
    lm_sample_opts o;
    lm_sample_opts_default(&o);
    o.temperature = 0; o.max_new = 8;
    cap cp = {out, 0};
    o.hook = hook; o.hook_ctx = &cp;
    lm_generation g;
    if (lm_generate(m, ids, 7, &o, &g, &err) == SL_OK) lm_generation_release(&g);
    lm_model_free(m);
}

int main(void) {
    {
        size_t n = (size_t)8 * 1000;
        float *a = calloc(n, 4), *b = calloc(n, 4);
        run_odd(1, a);
        run_odd(2, b);
        CHECK(a[0] != 0.0f || a[1] != 0.0f);
        CHECK(!memcmp(a, b, n * 4));
        free(a); free(b);
    }
    for (int wt = 0; wt < 3; wt++) {   /* fp32, bf16, int8 weights */
        size_t n = (size_t)8 * 16384;
        float *a = calloc(n, 4), *b = calloc(n, 4);
        run_decode(1, wt, a, 0);
        run_decode(2, wt, b, 0);
        CHECK(a[0] != 0.0f || a[1] != 0.0f);
        CHECK(!memcmp(a, b, n * 4));
        free(a); free(b);
    }
    {   /* adapters on the decoding team: thread-independent, and equal to the merged model */
        size_t n = (size_t)8 * 16384;
        float *a = calloc(n, 4), *b = calloc(n, 4), *mg = calloc(n, 4), *base = calloc(n, 4);
        run_decode(1, 0, a, 1);
        run_decode(2, 0, b, 1);
        run_decode(2, 0, mg, 2);
        run_decode(2, 0, base, 0);
        CHECK(!memcmp(a, b, n * 4));
        double md = 0, mx = 0, dbase = 0;
        for (size_t i = 0; i < n; i++) {
            md = fmax(md, fabs((double)a[i] - mg[i]));
            mx = fmax(mx, fabs((double)mg[i]));
            dbase = fmax(dbase, fabs((double)a[i] - base[i]));
        }
        printf("lora decode: max |unmerged - merged| %.3g (max |logit| %.3g), adapters move logits by %.3g\n", md, mx, dbase);
        CHECK(mx > 0 && md <= 1e-5 * mx);
        CHECK(dbase > 1e3 * md);   /* the adapters matter, so the comparison above means something */
        free(a); free(b); free(mg); free(base);
    }
    size_t nl = (size_t)4 * 256 * 512, ng = 2000000;
    float *l1 = malloc(nl * 4), *l2 = malloc(nl * 4), *g1 = calloc(ng, 4), *g2 = calloc(ng, 4), s1 = 0, s2 = 1;
    int32_t t1[16] = {0}, t2[16] = {1};
    run(1, l1, g1, &s1, t1);
    run(2, l2, g2, &s2, t2);
    CHECK(s1 == s2);
    CHECK(!memcmp(l1, l2, nl * 4));
    CHECK(!memcmp(g1, g2, ng * 4));
    CHECK(!memcmp(t1, t2, sizeof t1));
    free(l1); free(l2); free(g1); free(g2);
    return test_finish("lm/threads");
}
