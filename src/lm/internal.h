/* lm/internal.h - the model struct and helpers shared by the lm/ sources.
 * Not a public header. */
#ifndef STEPLM_LM_INTERNAL_H
#define STEPLM_LM_INTERNAL_H

#include <stdio.h>
#include "steplm/lm.h"

struct lm_model {
    lm_config c;
    int hd, kvd;                    /* head_dim, n_kv_head * head_dim */
    float *params; size_t n_params; lm_params p;   /* one allocation, named views */
    float *grads; lm_params g;      /* same layout as params */
    float *adam_m, *adam_v; size_t n_adam;          /* moments of the trainable set */
    float *acts, *scratch;          /* activations and backward scratch, see model.c */
    int max_B, B, T, n_valid;       /* prepared batch, last forward's shape */
    int32_t *ids, *targets;         /* copies of the last forward's batch */
    float *rope_cos, *rope_sin;     /* (seq, head_dim/2) */
    int n_thr;                      /* OpenMP threads the scratch was sized for */
    /* LoRA (lora.c) */
    int lora_r; float lora_alpha;
    float *lora; size_t n_lora; lm_lora_params lp;        /* adapters, one allocation */
    float *lora_grad; lm_lora_params lg;
    float *lora_xa; size_t lora_xa_rows;                   /* (L, 7, BT, r) x A^T per projection */
    float *lora_tmp;                                       /* (BT, r) backward scratch */
};

void *lm_calloc(size_t n_floats);

/* exp for softmax: Cody-Waite reduction and a degree-6 polynomial (Cephes),
 * within 2 ulp of expf over [-87, 88]; branch-free so that loops over it
 * vectorise (`#pragma omp simd`) where expf would stay a scalar call. */
static inline float lm_expf(float x) {
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    /* round to nearest by the 1.5 * 2^23 trick: no libm call, so it vectorises */
    float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    union { int32_t i; float f; } u;
    u.i = ((int32_t)n + 127) << 23;
    return p * u.f;
}
void lm_params_point(lm_params *p, float *base, const lm_config *c);
size_t lm_params_count(const lm_config *c);
float lm_randn(sl_rng *r);
void lm_blas_single_thread(void);
/* row-major C = alpha op(A) op(B) + beta C, ta/tb: 1 = transposed */
void lm_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb,
             float beta, float *C, int ldc);
void lm_gemv(const float *W, const float *x, float *y, int out, int in, float beta);
void lm_mm_xwt(const float *x, const float *W, float *y, int N, int in, int out, float beta);
void lm_rmsnorm_fwd(const float *x, const float *w, float *out, float *rstd, int N, int d, float eps);
void lm_rope(float *x, int N, int stride, int n_heads, int hd, const int *pos, int T, const float *cosT,
             const float *sinT, float sign);

/* decode products (matvec.c): a weight matrix [out, in] held as fp32, bf16 or int8 */
typedef struct lm_wref {
    const float *f32; const uint16_t *bf16;
    const int8_t *q8; const float *scale;     /* int8 rows, one scale per row */
    int packed;                               /* laid out by lm_mv_pack */
} lm_wref;
/* Packed layout for decoding: per block of 8 rows, the rows' first 16
 * elements side by side, then their next 16, ...: element k of row r at
 * block(r) + ((k / 16) * 8 + r % 8) * 16 + k % 16, so a block is one
 * sequential stream. Needs rows % 8 == 0 and in % 16 == 0 (lm_mv_packable);
 * a packed matrix gives bit-identical products, and the row ranges passed
 * to lm_mv_rows must then start and end on multiples of 8. elem: bytes. */
int lm_mv_packable(int rows, int in);
void lm_mv_pack(void *dst, const void *src, size_t elem, int rows, int in);
void lm_q8_from_f32(int8_t *dst, float *scale, const float *src, int rows, int in);
uint16_t lm_f32_to_bf16(float f);
void lm_bf16_from_f32(uint16_t *dst, const float *src, size_t n);
/* Y[n, out] = X[n, in] W^T for output rows [r0, r1) (one thread) */
void lm_mv_rows(const lm_wref *w, const float *X, float *Y, int n, int in, int out, int r0, int r1);
/* the same for all rows, split across up to n_thr threads when large */
void lm_mv(const lm_wref *w, const float *X, float *Y, int n, int in, int out, int n_thr);

/* LoRA helpers (lora.c) */
sl_status lm_lora_train_init(lm_model *m, sl_err *err);
void lm_lora_zero_grad(lm_model *m);
float *lm_lora_xa(lm_model *m, int kind, int l, int N);
/* in/out widths of projection kind (0 q, 1 k, 2 v, 3 o, 4 w1, 5 w3, 6 w2) */
void lm_lora_dims(const lm_model *m, int kind, int *in, int *out);
float *lm_base_weight(lm_model *m, int kind, int l);

/* safetensors (ckpt.c) */
typedef struct lm_st_entry { const char *name; float *data; int shape[2]; int n_dim; } lm_st_entry;
sl_status lm_st_write(const char *path, const lm_st_entry *e, int n, const char *meta_json, sl_err *err);
/* Read into the named destinations; every entry must be present with its
 * shape. *meta gets the __metadata__ object as JSON text (malloc'd) if non-NULL. */
sl_status lm_st_read(const char *path, const lm_st_entry *e, int n, char **meta, sl_err *err);
/* the same on a buffer already in memory (path only names it in errors) */
sl_status lm_st_parse(const char *raw, size_t n_raw, const char *path, const lm_st_entry *e, int n, char **meta,
                      sl_err *err);

#endif
