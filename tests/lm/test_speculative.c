/* test_speculative.c - speculative greedy decoding gives exactly the greedy
 * output: for draft copies in fp32, bf16 and int8, draft lengths 1..15,
 * short prompts (prefilled by the decoding team) and long ones (sgemm
 * prefill), the generated tokens and every logits vector the hook sees are
 * bit-identical to step-by-step decoding; the hook is called the same number
 * of times; max_new, a stop token, a stop string (through a hook that forces
 * text) and a full cache end both the same way; bad options are refused. */
#include "test.h"
#include "steplm/lm.h"

typedef struct rec { float *logits; int V, n, cap; } rec;

static int record_hook(void *ctx, int g, const int32_t *gen, int n_gen, float *logits, int V) {
    (void)g; (void)gen;
    rec *r = ctx;
    if (r->n < r->cap && n_gen == r->n) memcpy(r->logits + (size_t)r->n * V, logits, sizeof(float) * V);
    r->n++;
    return 0;
}

static lm_model *make(int V, int d, int L, int H, int KV, int ffn, int seq, float sd, uint64_t seed) {
    lm_config c = {V, d, L, H, KV, ffn, seq, 0, 10000.0f, 1e-5f};
    lm_model *m;
    if (lm_model_new(&c, &m, NULL)) return NULL;
    lm_model_init_random(m, sd, seed);
    return m;
}

static lm_sample_opts greedy(int max_new) {
    lm_sample_opts o;
    lm_sample_opts_default(&o);
    o.temperature = 0;
    o.max_new = max_new;
    return o;
}

/* generate with the options, recording logits; returns the generation (caller releases) */
static int run(lm_model *m, const int32_t *prompt, int np, lm_sample_opts *o, rec *r, lm_generation *g) {
    sl_err err;
    o->hook = record_hook;
    o->hook_ctx = r;
    r->n = 0;
    return lm_generate(m, prompt, np, o, g, &err) == SL_OK;
}

static void compare(lm_model *m, int V, const int32_t *prompt, int np, int max_new, int stop_token, const char *what) {
    lm_sample_opts o = greedy(max_new);
    o.stop_token = stop_token;
    rec r0 = {calloc((size_t)(max_new + 1) * V, sizeof(float)), V, 0, max_new + 1};
    lm_generation g0;
    CHECK(run(m, prompt, np, &o, &r0, &g0));
    const int ks[] = {1, 2, 4, 7, 15};
    const lm_weights dws[] = {LM_WEIGHTS_F32, LM_WEIGHTS_BF16, LM_WEIGHTS_Q8};
    for (size_t wi = 0; wi < 3; wi++)
        for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
            lm_sample_opts so = o;
            so.draft_k = ks[ki];
            so.draft_weights = dws[wi];
            rec r1 = {calloc((size_t)(max_new + 1) * V, sizeof(float)), V, 0, max_new + 1};
            lm_generation g1;
            CHECK(run(m, prompt, np, &so, &r1, &g1));
            int same = g1.n_tokens[0] == g0.n_tokens[0] && g1.stop_reason[0] == g0.stop_reason[0] &&
                       !memcmp(g1.tokens[0], g0.tokens[0], sizeof(int32_t) * (size_t)g0.n_tokens[0]);
            CHECK_MSG(same, "%s, draft %zu, k %d: %d tokens (stop %d) vs %d (stop %d)", what, wi, ks[ki], g1.n_tokens[0],
                      g1.stop_reason[0], g0.n_tokens[0], g0.stop_reason[0]);
            CHECK_MSG(r1.n == r0.n, "%s, draft %zu, k %d: hook called %d times vs %d", what, wi, ks[ki], r1.n, r0.n);
            int n = r0.n < r0.cap ? r0.n : r0.cap;
            CHECK_MSG(!memcmp(r1.logits, r0.logits, sizeof(float) * (size_t)n * V), "%s, draft %zu, k %d: logits differ",
                      what, wi, ks[ki]);
            CHECK(g1.n_drafted >= g1.n_accepted && g1.n_accepted >= 0);
            if (dws[wi] == LM_WEIGHTS_F32 && g0.stop_reason[0] == 0)   /* an exact draft is always right */
                CHECK_MSG(g1.n_accepted == g1.n_drafted, "%s, k %d: fp32 draft accepted %ld of %ld", what, ks[ki],
                          g1.n_accepted, g1.n_drafted);
            lm_generation_release(&g1);
            free(r1.logits);
        }
    lm_generation_release(&g0);
    free(r0.logits);
}

int main(void) {
    int32_t prompt[40];
    for (int i = 0; i < 40; i++) prompt[i] = (i * 37 + 11) % 300;
    /* small model (one thread), GQA */
    lm_model *a = make(300, 64, 2, 4, 2, 96, 128, 0.3f, 5);
    CHECK(a != NULL);
    compare(a, 300, prompt, 5, 37, -1, "small, short prompt");
    compare(a, 300, prompt, 40, 30, -1, "small, 40-token prompt");
    compare(a, 300, prompt, 5, 200, -1, "small, up to the context length");   /* seq 128: the cache fills */
    {
        lm_sample_opts o = greedy(200);
        lm_generation g;
        sl_err err;
        CHECK(lm_generate(a, prompt, 5, &o, &g, &err) == SL_OK);
        CHECK_EQ_INT(g.stop_reason[0], 4);   /* so the comparison above covered a full cache */
        lm_generation_release(&g);
    }
    /* a stop token the greedy path reaches */
    {
        lm_sample_opts o = greedy(30);
        lm_generation g;
        sl_err err;
        CHECK(lm_generate(a, prompt, 5, &o, &g, &err) == SL_OK);
        int stop = g.n_tokens[0] > 12 ? g.tokens[0][12] : -1;
        lm_generation_release(&g);
        compare(a, 300, prompt, 5, 30, stop, "small, stop token");
    }
    /* a model large enough for the decoding team and the packed weights */
    lm_model *b = make(1024, 192, 2, 6, 3, 512, 256, 0.05f, 8);
    CHECK(b != NULL);
    compare(b, 1024, prompt, 7, 40, -1, "team, short prompt");
    compare(b, 1024, prompt, 33, 25, -1, "team, 33-token prompt");
    /* refused */
    {
        lm_sample_opts o = greedy(4);
        o.draft_k = 4;
        lm_generation g;
        sl_err err;
        o.temperature = 0.7f;
        CHECK(lm_generate(a, prompt, 5, &o, &g, &err) == SL_ERR_ARG);
        o.temperature = 0;
        o.n_samples = 2;
        CHECK(lm_generate(a, prompt, 5, &o, &g, &err) == SL_ERR_ARG);
        o.n_samples = 1;
        o.draft_k = 16;
        CHECK(lm_generate(a, prompt, 5, &o, &g, &err) == SL_ERR_ARG);
        o.draft_k = -1;
        CHECK(lm_generate(a, prompt, 5, &o, &g, &err) == SL_ERR_ARG);
    }
    lm_model_free(a);
    lm_model_free(b);
    return test_finish("lm/speculative");
}
