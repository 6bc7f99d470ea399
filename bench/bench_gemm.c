/* bench_gemm.c - which matrix library should lm/ use? Times the products of
 * one cfg1 training step and of one cfg1 decode step with each BLAS library
 * given on the command line (loaded with dlopen, so that OpenBLAS and BLIS
 * can be compared in one process without their symbols colliding), and the
 * decode products with steplm's own AVX-512 matvec kernels.
 *
 *   bench_gemm [--reps N] LIB.so [LIB.so ...]
 *
 * Training: every projection product of one step of cfg1 (B*T = 4096 rows,
 * d 256, ffn 688, vocab 4096, 6 layers): forward x W^T, backward dy W and
 * dy^T x, split across OMP_NUM_THREADS threads the way src/lm/gemm.c splits
 * them (the library itself single-threaded). Decode: one pass over all 43
 * weight matrices of cfg1 at batch 1 (23.2 MB of fp32): sgemv of each library,
 * steplm's kernel on row-major weights and on packed weights (lm_mv_pack),
 * one thread. Median of --reps runs; one JSON object per line on stdout. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lm/internal.h"

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *,
                         int);
typedef void (*sgemv_fn)(int, int, int, int, float, const float *, int, const float *, int, float, float *, int);

typedef struct shape { const char *what; int ta, tb, M, N, K, count; } shape;

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* C = op(A) op(B), split along the longer output dimension in slices of 16 */
static void split_gemm(sgemm_fn f, const shape *s, const float *A, const float *B, float *C) {
    int lda = s->ta ? s->M : s->K, ldb = s->tb ? s->K : s->N, ldc = s->N;
    int split_rows = s->M >= s->N;
#pragma omp parallel
    {
        int nt = omp_get_num_threads(), t = omp_get_thread_num(), len = split_rows ? s->M : s->N;
        int per = ((len + nt - 1) / nt + 15) / 16 * 16, s0 = t * per, s1 = s0 + per < len ? s0 + per : len;
        if (s0 < s1) {
            if (split_rows)
                f(ROW_MAJOR, s->ta ? TRANS : NO_TRANS, s->tb ? TRANS : NO_TRANS, s1 - s0, s->N, s->K, 1.0f,
                  s->ta ? A + s0 : A + (size_t)s0 * lda, lda, B, ldb, 0.0f, C + (size_t)s0 * ldc, ldc);
            else
                f(ROW_MAJOR, s->ta ? TRANS : NO_TRANS, s->tb ? TRANS : NO_TRANS, s->M, s1 - s0, s->K, 1.0f, A, lda,
                  s->tb ? B + (size_t)s0 * ldb : B + s0, ldb, 0.0f, C + s0, ldc);
        }
    }
}

#define L 6
#define BT 4096
#define D 256
#define F 688
#define V 4096

int main(int argc, char **argv) {
    int reps = 5, n_lib = 0;
    const char *libs[8];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: bench_gemm [--reps N] LIB.so [LIB.so ...]\n"
                   "Times one cfg1 training step's projection products and one decode step's products\n"
                   "with each BLAS library (dlopen) and steplm's own decode kernels; JSON lines on stdout.\n");
            return 0;
        }
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (n_lib < 8) libs[n_lib++] = argv[i];
    }
    if (n_lib == 0 || reps < 1) { fprintf(stderr, "bench_gemm: usage: bench_gemm [--reps N] LIB.so ...\n"); return 2; }
    const shape sh[] = {
        {"fwd x W^T attn", 0, 1, BT, D, D, 4 * L}, {"fwd x W^T up/gate", 0, 1, BT, F, D, 2 * L},
        {"fwd x W^T down", 0, 1, BT, D, F, L},     {"fwd x W^T head", 0, 1, BT, V, D, 1},
        {"bwd dy W attn", 0, 0, BT, D, D, 4 * L},  {"bwd dy W up/gate", 0, 0, BT, D, F, 2 * L},
        {"bwd dy W down", 0, 0, BT, F, D, L},      {"bwd dy W head", 0, 0, BT, D, V, 1},
        {"bwd dy^T x attn", 1, 0, D, D, BT, 4 * L}, {"bwd dy^T x up/gate", 1, 0, F, D, BT, 2 * L},
        {"bwd dy^T x down", 1, 0, D, F, BT, L},    {"bwd dy^T x head", 1, 0, V, D, BT, 1},
    };
    int n_sh = (int)(sizeof sh / sizeof sh[0]);
    size_t big = (size_t)BT * V;
    float *A = lm_calloc(big), *B = lm_calloc(big), *C = lm_calloc(big);
    if (!A || !B || !C) { fprintf(stderr, "bench_gemm: out of memory\n"); return 1; }
    sl_rng rng;
    sl_rng_seed(&rng, 7);
    for (size_t i = 0; i < big; i++) { A[i] = (float)sl_rng_uniform(&rng) - 0.5f; B[i] = (float)sl_rng_uniform(&rng) - 0.5f; }
    /* decode: the 43 matrices of cfg1, row-major and packed */
    int n_mat = 7 * L + 1, din[64], dout[64];
    float *W[64], *P[64], x[V], y[V];
    for (int l = 0, m = 0; l < L; l++) {
        const int io[7][2] = {{D, D}, {D, D}, {D, D}, {D, D}, {D, F}, {D, F}, {F, D}};
        for (int k = 0; k < 7; k++, m++) { din[m] = io[k][0]; dout[m] = io[k][1]; }
    }
    din[n_mat - 1] = D; dout[n_mat - 1] = V;
    for (int m = 0; m < n_mat; m++) {
        size_t n = (size_t)din[m] * dout[m];
        W[m] = lm_calloc(n); P[m] = lm_calloc(n);
        if (!W[m] || !P[m]) { fprintf(stderr, "bench_gemm: out of memory\n"); return 1; }
        for (size_t i = 0; i < n; i++) W[m][i] = 0.02f * ((float)sl_rng_uniform(&rng) - 0.5f);
        lm_mv_pack(P[m], W[m], sizeof(float), dout[m], din[m]);
    }
    for (int i = 0; i < V; i++) x[i] = (float)sl_rng_uniform(&rng);
    double *t = malloc(sizeof(double) * (size_t)(reps > 50 ? reps : 50));
    int dec_reps = 50;
    for (int li = 0; li <= n_lib; li++) {
        /* li == n_lib: steplm's own decode kernels */
        sgemm_fn gemm = NULL;
        sgemv_fn gemv = NULL;
        if (li < n_lib) {
            void *h = dlopen(libs[li], RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
            if (!h) { fprintf(stderr, "bench_gemm: %s\n", dlerror()); return 1; }
            gemm = (sgemm_fn)dlsym(h, "cblas_sgemm");
            gemv = (sgemv_fn)dlsym(h, "cblas_sgemv");
            void (*set_threads)(int) = (void (*)(int))dlsym(h, "openblas_set_num_threads");
            if (set_threads) set_threads(1);
            if (!gemm || !gemv) { fprintf(stderr, "bench_gemm: %s has no cblas_sgemm/cblas_sgemv\n", libs[li]); return 1; }
            double step = 0, flop = 0;
            printf("{\"lib\": \"%s\", \"threads\": %d, \"train\": [", libs[li], omp_get_max_threads());
            for (int s = 0; s < n_sh; s++) {
                split_gemm(gemm, &sh[s], A, B, C);   /* warm-up */
                for (int r = 0; r < reps; r++) {
                    double t0 = sl_time_sec();
                    split_gemm(gemm, &sh[s], A, B, C);
                    t[r] = sl_time_sec() - t0;
                }
                qsort(t, reps, sizeof(double), cmp_d);
                double f = 2.0 * sh[s].M * sh[s].N * sh[s].K;
                step += t[reps / 2] * sh[s].count;
                flop += f * sh[s].count;
                printf("%s{\"what\": \"%s\", \"M\": %d, \"N\": %d, \"K\": %d, \"gflops\": %.1f}", s ? ", " : "", sh[s].what,
                       sh[s].M, sh[s].N, sh[s].K, f / t[reps / 2] / 1e9);
            }
            printf("], \"train_step_s\": %.4f, \"train_gflops\": %.1f, ", step, flop / step / 1e9);
        } else printf("{\"lib\": \"steplm matvec\", ");
        /* decode, one thread */
        for (int variant = 0; variant < (li < n_lib ? 1 : 2); variant++) {
            for (int r = 0; r < dec_reps; r++) {
                double t0 = sl_time_sec();
                for (int m = 0; m < n_mat; m++) {
                    if (li < n_lib) gemv(ROW_MAJOR, NO_TRANS, dout[m], din[m], 1.0f, W[m], din[m], x, 1, 0.0f, y, 1);
                    else {
                        lm_wref w = {0};
                        w.f32 = variant ? P[m] : W[m];
                        w.packed = variant;
                        lm_mv_rows(&w, x, y, 1, din[m], dout[m], 0, dout[m]);
                    }
                }
                t[r] = sl_time_sec() - t0;
            }
            qsort(t, dec_reps, sizeof(double), cmp_d);
            printf("%s\"decode%s_pass_ms\": %.3f, \"decode%s_gb_s\": %.1f", variant ? ", " : "", variant ? "_packed" : "",
                   t[dec_reps / 2] * 1e3, variant ? "_packed" : "", 4.0 * 5791744 / t[dec_reps / 2] / 1e9);
        }
        printf("}\n");
        fflush(stdout);
    }
    return 0;
}
