/* bench_lm.c - training and KV-cache decode throughput of the lm engine on
 * the model shapes of ../shared/tools/torch/tiny_lm.py (the PyTorch peer;
 * bench/lm.sh runs both). Fixed seeds; synthetic tokens from a sparse random
 * bigram chain as the peer uses (the exact chain differs; throughput does not
 * depend on it). Prints one JSON object on stdout.
 *
 * tokens/s (train) = batch*T / median step time over the steps after
 * warm-up; a step is forward + loss + backward + clip + AdamW. Decode:
 * batch 1, a prompt of --prompt tokens, --gen greedy tokens; tokens/s =
 * (gen-1) decode steps / decode time, as the peer counts them (--samples G:
 * G samples decoded together, tokens/s counts all of them; --weights f32|bf16|q8:
 * the precision decoding reads the weights in; --draft f32|bf16|q8 [--draft-k K]:
 * speculative greedy decoding with that draft copy, K proposals per pass, default
 * 4 — the same tokens; "gflops" and "gb_per_s" then count the tokens, not the
 * work done). GFLOP/s uses
 * the peer's FLOP model: train 6 N_mm + 12 L d T per token (full T x T
 * scores; steplm computes only the causal blocks, so this overstates its
 * work the same way it does for the peer), decode 2 N_mm + 4 L d t. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>

#include "steplm/lm.h"

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    lm_config c = {4096, 256, 6, 8, 8, 688, 1024, 0, 10000.0f, 1e-5f};
    int batch = 4, steps = 10, warm = 2, gen = 512, prompt = 16, samples = 1, wt = 0, dk = 0, dwt = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i];
        int v = atoi(argv[i + 1]);
        if (!strcmp(a, "--vocab")) c.vocab = v;
        else if (!strcmp(a, "--d")) c.d = v;
        else if (!strcmp(a, "--layers")) c.n_layer = v;
        else if (!strcmp(a, "--heads")) c.n_head = c.n_kv_head = v;
        else if (!strcmp(a, "--ffn")) c.ffn = v;
        else if (!strcmp(a, "--seq")) c.seq = v;
        else if (!strcmp(a, "--batch")) batch = v;
        else if (!strcmp(a, "--steps")) steps = v;
        else if (!strcmp(a, "--warmup")) warm = v;
        else if (!strcmp(a, "--gen")) gen = v;
        else if (!strcmp(a, "--prompt")) prompt = v;
        else if (!strcmp(a, "--samples")) samples = v;
        else if (!strcmp(a, "--draft-k")) dk = v;
        else if (!strcmp(a, "--draft")) {
            const char *names[3] = {"f32", "bf16", "q8"};
            dwt = -1;
            for (int k = 0; k < 3; k++) if (!strcmp(argv[i + 1], names[k])) dwt = k;
            if (dwt < 0) { fprintf(stderr, "bench_lm: --draft f32|bf16|q8\n"); return 2; }
            if (!dk) dk = 4;
        }
        else if (!strcmp(a, "--weights")) {
            const char *names[3] = {"f32", "bf16", "q8"};
            wt = -1;
            for (int k = 0; k < 3; k++) if (!strcmp(argv[i + 1], names[k])) wt = k;
            if (wt < 0) { fprintf(stderr, "bench_lm: --weights f32|bf16|q8\n"); return 2; }
        }
        else { fprintf(stderr, "bench_lm: unknown option %s\n", a); return 2; }
    }
    sl_err err;
    lm_model *m;
    if (lm_model_new(&c, &m, &err)) { fprintf(stderr, "bench_lm: %s\n", err.msg); return 1; }
    lm_model_init_random(m, 0.02f, 0);
    double n_mm = (double)c.n_layer * (4.0 * c.d * c.d + 3.0 * c.d * c.ffn) + (double)c.vocab * c.d;
    double train_flop_tok = 6 * n_mm + 12.0 * c.n_layer * c.d * c.seq;
    printf("{\"engine\": \"steplm\", \"blas_core\": \"%s\", \"cfg\": {\"vocab\": %d, \"d\": %d, \"layers\": %d, \"heads\": %d, \"ffn\": %d, \"seq\": %d, \"batch\": %d}",
           openblas_get_corename(), c.vocab, c.d, c.n_layer, c.n_head, c.ffn, c.seq, batch);
    if (steps > 0) {
        if (lm_model_train_init(m, batch, &err)) { fprintf(stderr, "bench_lm: %s\n", err.msg); return 1; }
        int BT = batch * c.seq;
        int32_t *ids = malloc(sizeof(int32_t) * (BT + 1));
        /* bigram chain: each token has 4 successors */
        sl_rng r;
        sl_rng_seed(&r, 1234);
        int32_t *succ = malloc(sizeof(int32_t) * 4 * c.vocab);
        for (int i = 0; i < 4 * c.vocab; i++) succ[i] = (int32_t)(sl_rng_next(&r) % c.vocab);
        int32_t cur = 0;
        for (int i = 0; i <= BT; i++) { ids[i] = cur; cur = succ[4 * cur + sl_rng_next(&r) % 4]; }
        lm_adamw opt = {3e-4f, 0.9f, 0.95f, 1e-8f, 0.1f, 1.0f};
        double *dt = malloc(sizeof(double) * steps);
        float first = 0, last = 0;
        for (int s = 0; s < steps; s++) {
            double t0 = sl_time_sec();
            float loss;
            lm_model_forward(m, ids, ids + 1, batch, c.seq, &loss, NULL, &err);
            lm_model_zero_grad(m);
            lm_model_backward(m, 1.0f);
            lm_model_adamw_step(m, &opt, opt.lr, s + 1);
            dt[s] = sl_time_sec() - t0;
            if (s == 0) first = loss;
            last = loss;
            fprintf(stderr, "  step %d loss %.4f %.0f ms\n", s, loss, dt[s] * 1e3);
        }
        int nm = steps - warm > 0 ? steps - warm : steps;
        qsort(dt + (steps - nm), nm, sizeof(double), cmp_d);
        double med = dt[steps - nm + nm / 2];
        double tps = BT / med;
        printf(", \"train\": {\"steps\": %d, \"warmup\": %d, \"median_step_s\": %.4f, \"tokens_per_s\": %.1f, \"gflops\": %.1f, \"loss_first\": %.4f, \"loss_last\": %.4f}",
               steps, warm, med, tps, tps * train_flop_tok / 1e9, first, last);
        free(dt); free(ids); free(succ);
    }
    if (gen > 1) {
        lm_model_init_random(m, 0.02f, 0);
        int32_t *pr = malloc(sizeof(int32_t) * prompt);
        for (int i = 0; i < prompt; i++) pr[i] = (int32_t)((i * 131 + 7) % c.vocab);
        lm_sample_opts o;
        lm_sample_opts_default(&o);
        o.temperature = 0;
        o.max_new = gen;
        o.n_samples = samples;
        o.weights = (lm_weights)wt;
        o.draft_k = dk;
        o.draft_weights = (lm_weights)dwt;
        lm_generation g;
        struct timespec c0, c1;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
        if (lm_generate(m, pr, prompt, &o, &g, &err)) { fprintf(stderr, "bench_lm: %s\n", err.msg); return 1; }
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
        double cpu_s = (double)(c1.tv_sec - c0.tv_sec) + 1e-9 * (double)(c1.tv_nsec - c0.tv_nsec);
        long n_tok = 0;   /* tokens after each sample's first (which comes from the prefill) */
        for (int k = 0; k < g.n_samples; k++) n_tok += g.n_tokens[k] - 1;
        double tps = n_tok / g.decode_s;
        double flop = 0;
        for (int t = prompt; t < prompt + gen - 1; t++) flop += 2 * n_mm + 4.0 * c.n_layer * c.d * (t + 1);
        printf(", \"decode\": {\"weights\": \"%s\", \"prompt\": %d, \"gen\": %d, \"samples\": %d, \"prefill_ms\": %.2f, \"tokens_per_s\": %.1f, \"gflops\": %.2f, \"cpu_s\": %.4f, \"tokens_per_cpu_s\": %.1f, \"gb_per_s\": %.2f",
               wt == 2 ? "q8" : wt ? "bf16" : "f32", prompt, gen, samples, g.prefill_s * 1e3, tps, samples * flop / g.decode_s / 1e9, cpu_s,
               n_tok / cpu_s, (double)(gen - 1) * n_mm * (wt == 2 ? 1 : wt ? 2 : 4) / g.decode_s / 1e9);
        if (dk) printf(", \"draft\": \"%s\", \"draft_k\": %d, \"drafted\": %ld, \"accepted\": %ld", dwt == 2 ? "q8" : dwt ? "bf16" : "f32", dk,
                       g.n_drafted, g.n_accepted);
        printf("}");
        lm_generation_release(&g);
        free(pr);
    }
    printf("}\n");
    lm_model_free(m);
    return 0;
}
