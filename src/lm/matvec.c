/* matvec.c - products of a few activation rows with a weight matrix, for
 * decoding (n = 1 to a few rows), where sgemm's packing and OpenBLAS's
 * dispatch cost more than the arithmetic and the work is a single stream of
 * the weights through memory.
 *
 * Y[n, out] = X[n, in] W[out, in]^T. Weights are fp32 or bf16 (the upper 16
 * bits of an fp32, rounded to nearest even; widened back to fp32 before the
 * multiply, so activations and sums stay fp32: "weight-only" bf16), or int8
 * with one fp32 scale per row (symmetric, scale = max |w| / 127; widened to
 * fp32, the row's sum multiplied by its scale).
 *
 * Every output element is one dot product over k in the same order (16-lane
 * partial sums, one accumulator, then a fixed-order horizontal sum), whatever
 * the block it falls in, the number of rows n, or how rows are split across
 * threads: results do not depend on the thread count or on n. Blocks of 8
 * weight rows are read once and reused from L1 for all n activation rows;
 * while a block is multiplied, the next block is prefetched line by line (the
 * hardware prefetchers alone left a batch-1 cfg1 step 5-17 % slower: eight
 * rows read side by side are eight short streams). */
#include <math.h>
#include <string.h>
#include <omp.h>

#include "lm/internal.h"

#if defined(__AVX512F__) && defined(__AVX512BW__)
#include <immintrin.h>
#define MV_AVX512 1
#endif

uint16_t lm_f32_to_bf16(float f) {
    union { float f; uint32_t u; } v = {f};
    if ((v.u & 0x7f800000u) == 0x7f800000u && (v.u & 0x007fffffu)) return (uint16_t)((v.u >> 16) | 0x40); /* NaN stays NaN */
    v.u += 0x7fffu + ((v.u >> 16) & 1u);
    return (uint16_t)(v.u >> 16);
}

void lm_bf16_from_f32(uint16_t *dst, const float *src, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = lm_f32_to_bf16(src[i]);
}

static inline float bf16_to_f32(uint16_t h) {
    union { uint32_t u; float f; } v = {(uint32_t)h << 16};
    return v.f;
}

#ifdef MV_AVX512
/* 16 weights as fp32 */
static inline __m512 ld_f32(const float *p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
static inline __m512 ld_int8_t(const int8_t *p, __mmask16 m) {
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, p)));
}
static inline __m512 ld_bf16(const uint16_t *p, __mmask16 m) {
    __m256i h = _mm256_maskz_loadu_epi16(m, p);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

/* the eight rows' sums, each reduced in the same fixed order */
static inline void mv_store8(float *y, __m512 a0, __m512 a1, __m512 a2, __m512 a3, __m512 a4, __m512 a5, __m512 a6,
                             __m512 a7) {
    y[0] = _mm512_reduce_add_ps(a0); y[1] = _mm512_reduce_add_ps(a1);
    y[2] = _mm512_reduce_add_ps(a2); y[3] = _mm512_reduce_add_ps(a3);
    y[4] = _mm512_reduce_add_ps(a4); y[5] = _mm512_reduce_add_ps(a5);
    y[6] = _mm512_reduce_add_ps(a6); y[7] = _mm512_reduce_add_ps(a7);
}

#define MV_BLOCK(LOAD, WT)                                                                                   \
    static void mv_block_##WT(const WT *W, const float *X, float *Y, int n, int in, int out, int r0, int r1) { \
        int nfull = in / 16, rem = in % 16;                                                                  \
        __mmask16 mt = (__mmask16)((1u << rem) - 1u);                                                        \
        int r = r0;                                                                                          \
        for (; r + 8 <= r1; r += 8) {                                                                        \
            const WT *w = W + (size_t)r * in;                                                                \
            for (int i = 0; i < n; i++) {                                                                    \
                const float *x = X + (size_t)i * in;                                                         \
                __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0; \
                for (int b = 0; b <= nfull; b++) {                                                           \
                    __mmask16 m = b < nfull ? (__mmask16)0xffff : mt;                                        \
                    if (!m) break;                                                                           \
                    int k = b * 16;                                                                          \
                    __m512 xv = _mm512_maskz_loadu_ps(m, x + k);                                             \
                    if (i == 0 && !((k * sizeof(WT)) & 63))                                                  \
                        for (int q = 8; q < 16; q++) _mm_prefetch((const char *)(w + (size_t)q * in + k), _MM_HINT_T0); \
                    a0 = _mm512_fmadd_ps(LOAD(w + k, m), xv, a0);                                            \
                    a1 = _mm512_fmadd_ps(LOAD(w + (size_t)in + k, m), xv, a1);                               \
                    a2 = _mm512_fmadd_ps(LOAD(w + (size_t)2 * in + k, m), xv, a2);                           \
                    a3 = _mm512_fmadd_ps(LOAD(w + (size_t)3 * in + k, m), xv, a3);                           \
                    a4 = _mm512_fmadd_ps(LOAD(w + (size_t)4 * in + k, m), xv, a4);                           \
                    a5 = _mm512_fmadd_ps(LOAD(w + (size_t)5 * in + k, m), xv, a5);                           \
                    a6 = _mm512_fmadd_ps(LOAD(w + (size_t)6 * in + k, m), xv, a6);                           \
                    a7 = _mm512_fmadd_ps(LOAD(w + (size_t)7 * in + k, m), xv, a7);                           \
                }                                                                                            \
                mv_store8(Y + (size_t)i * out + r, a0, a1, a2, a3, a4, a5, a6, a7);                          \
            }                                                                                                \
        }                                                                                                    \
        for (; r < r1; r++) {                                                                                \
            const WT *w = W + (size_t)r * in;                                                                \
            for (int i = 0; i < n; i++) {                                                                    \
                const float *x = X + (size_t)i * in;                                                         \
                __m512 a0 = _mm512_setzero_ps();                                                             \
                for (int b = 0; b <= nfull; b++) {                                                           \
                    __mmask16 m = b < nfull ? (__mmask16)0xffff : mt;                                        \
                    if (!m) break;                                                                           \
                    int k = b * 16;                                                                          \
                    a0 = _mm512_fmadd_ps(LOAD(w + k, m), _mm512_maskz_loadu_ps(m, x + k), a0);               \
                }                                                                                            \
                Y[(size_t)i * out + r] = _mm512_reduce_add_ps(a0);                                           \
            }                                                                                                \
        }                                                                                                    \
    }
MV_BLOCK(ld_f32, float)
MV_BLOCK(ld_bf16, uint16_t)
MV_BLOCK(ld_int8_t, int8_t)

/* The packed layout (lm_mv_pack): the same multiply-adds as MV_BLOCK, reading
 * the weights as one sequential stream. */
#define MV_PACKED(LOAD, WT)                                                                                  \
    static void mv_packed_##WT(const WT *W, const float *X, float *Y, int n, int in, int out, int r0, int r1) { \
        int nc = in / 16;                                                                                    \
        for (int r = r0; r < r1; r += 8) {                                                                   \
            const WT *w = W + (size_t)r * in;                                                                \
            for (int i = 0; i < n; i++) {                                                                    \
                const float *x = X + (size_t)i * in;                                                         \
                __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0; \
                for (int c = 0; c < nc; c++) {                                                               \
                    const WT *q = w + (size_t)c * 128;                                                       \
                    __m512 xv = _mm512_loadu_ps(x + (size_t)c * 16);                                         \
                    a0 = _mm512_fmadd_ps(LOAD(q, 0xffff), xv, a0);                                           \
                    a1 = _mm512_fmadd_ps(LOAD(q + 16, 0xffff), xv, a1);                                      \
                    a2 = _mm512_fmadd_ps(LOAD(q + 32, 0xffff), xv, a2);                                      \
                    a3 = _mm512_fmadd_ps(LOAD(q + 48, 0xffff), xv, a3);                                      \
                    a4 = _mm512_fmadd_ps(LOAD(q + 64, 0xffff), xv, a4);                                      \
                    a5 = _mm512_fmadd_ps(LOAD(q + 80, 0xffff), xv, a5);                                      \
                    a6 = _mm512_fmadd_ps(LOAD(q + 96, 0xffff), xv, a6);                                      \
                    a7 = _mm512_fmadd_ps(LOAD(q + 112, 0xffff), xv, a7);                                     \
                }                                                                                            \
                mv_store8(Y + (size_t)i * out + r, a0, a1, a2, a3, a4, a5, a6, a7);                          \
            }                                                                                                \
        }                                                                                                    \
    }
MV_PACKED(ld_f32, float)
MV_PACKED(ld_bf16, uint16_t)
MV_PACKED(ld_int8_t, int8_t)
#else
/* portable: 16 partial sums per row, summed in a fixed order */
#define MV_BLOCK(CONV, WT)                                                                                   \
    static void mv_block_##WT(const WT *W, const float *X, float *Y, int n, int in, int out, int r0, int r1) { \
        for (int r = r0; r < r1; r++) {                                                                      \
            const WT *w = W + (size_t)r * in;                                                                \
            for (int i = 0; i < n; i++) {                                                                    \
                const float *x = X + (size_t)i * in;                                                         \
                float acc[16] = {0};                                                                         \
                for (int k = 0; k < in; k++) acc[k % 16] += CONV(w[k]) * x[k];                               \
                float s = 0;                                                                                 \
                for (int j = 0; j < 16; j++) s += acc[j];                                                    \
                Y[(size_t)i * out + r] = s;                                                                  \
            }                                                                                                \
        }                                                                                                    \
    }
#define F32_ID(v) (v)
MV_BLOCK(F32_ID, float)
MV_BLOCK(bf16_to_f32, uint16_t)
#define I8_F32(v) ((float)(v))
MV_BLOCK(I8_F32, int8_t)
/* packed: element k of row r (in its block of 8) at ((k / 16) * 8 + r % 8) * 16 + k % 16 */
#define MV_PACKED(CONV, WT)                                                                                  \
    static void mv_packed_##WT(const WT *W, const float *X, float *Y, int n, int in, int out, int r0, int r1) { \
        for (int r = r0; r < r1; r++) {                                                                      \
            const WT *w = W + (size_t)(r / 8 * 8) * in + (size_t)(r % 8) * 16;                               \
            for (int i = 0; i < n; i++) {                                                                    \
                const float *x = X + (size_t)i * in;                                                         \
                float acc[16] = {0};                                                                         \
                for (int k = 0; k < in; k++) acc[k % 16] += CONV(w[(size_t)(k / 16) * 128 + k % 16]) * x[k]; \
                float s = 0;                                                                                 \
                for (int j = 0; j < 16; j++) s += acc[j];                                                    \
                Y[(size_t)i * out + r] = s;                                                                  \
            }                                                                                                \
        }                                                                                                    \
    }
MV_PACKED(F32_ID, float)
MV_PACKED(bf16_to_f32, uint16_t)
MV_PACKED(I8_F32, int8_t)
#endif

int lm_mv_packable(int rows, int in) { return rows > 0 && in > 0 && rows % 8 == 0 && in % 16 == 0; }

void lm_mv_pack(void *dst, const void *src, size_t elem, int rows, int in) {
    char *d = dst;
    const char *s = src;
    for (int r = 0; r < rows; r += 8)
        for (int k = 0; k < in; k += 16)
            for (int j = 0; j < 8; j++) {
                memcpy(d, s + ((size_t)(r + j) * in + k) * elem, 16 * elem);
                d += 16 * elem;
            }
}

void lm_q8_from_f32(int8_t *dst, float *scale, const float *src, int rows, int in) {
    for (int r = 0; r < rows; r++) {
        const float *w = src + (size_t)r * in;
        float mx = 0.0f;
        for (int k = 0; k < in; k++) mx = fabsf(w[k]) > mx ? fabsf(w[k]) : mx;
        float s = mx / 127.0f, inv = mx > 0 ? 127.0f / mx : 0.0f;
        scale[r] = s;
        for (int k = 0; k < in; k++) {
            float q = roundf(w[k] * inv);
            dst[(size_t)r * in + k] = (int8_t)(q > 127.0f ? 127.0f : q < -127.0f ? -127.0f : q);
        }
    }
}

void lm_mv_rows(const lm_wref *w, const float *X, float *Y, int n, int in, int out, int r0, int r1) {
    if (w->q8) {
        if (w->packed) mv_packed_int8_t(w->q8, X, Y, n, in, out, r0, r1);
        else mv_block_int8_t(w->q8, X, Y, n, in, out, r0, r1);
        for (int i = 0; i < n; i++)
            for (int r = r0; r < r1; r++) Y[(size_t)i * out + r] *= w->scale[r];
    } else if (w->bf16) {
        if (w->packed) mv_packed_uint16_t(w->bf16, X, Y, n, in, out, r0, r1);
        else mv_block_uint16_t(w->bf16, X, Y, n, in, out, r0, r1);
    } else if (w->packed) mv_packed_float(w->f32, X, Y, n, in, out, r0, r1);
    else mv_block_float(w->f32, X, Y, n, in, out, r0, r1);
}

/* Rows split across threads in multiples of 8 when the product is big enough
 * to pay for a parallel region (and we are not inside one): ~0.1 ms of work,
 * as in gemm.c. A region's join waits for every thread; on a shared machine a
 * descheduled partner costs milliseconds, so small decode products (all of
 * cfg1's, lm_head included: 1 M multiply-adds) stay on one thread. */
#define MV_SPLIT_MIN 4e6   /* multiply-adds */

void lm_mv(const lm_wref *w, const float *X, float *Y, int n, int in, int out, int n_thr) {
    if (n_thr < 2 || omp_in_parallel() || (double)n * in * out < MV_SPLIT_MIN) {
        lm_mv_rows(w, X, Y, n, in, out, 0, out);
        return;
    }
#pragma omp parallel num_threads(n_thr)
    {
        int nt = omp_get_num_threads(), t = omp_get_thread_num();
        int per = ((out + nt - 1) / nt + 7) / 8 * 8;
        int s0 = t * per, s1 = s0 + per < out ? s0 + per : out;
        if (s0 < s1) lm_mv_rows(w, X, Y, n, in, out, s0, s1);
    }
}
