/* test_matvec.c - the decode products (src/lm/matvec.c).
 *
 * - Against a double-precision reference computed here: every output of
 *   Y = X W^T within a bound from the sums' magnitudes, for fp32 weights
 *   and for the bf16 / int8 copies (against their own widened values).
 * - The packed layout gives bit-identical products to the row-major one,
 *   for every weight type, row count n = 1..16 and split of the rows.
 * - The pack itself is the documented permutation, element by element. */
#include <math.h>
#include "test.h"
#include "lm/internal.h"

static float frand(uint64_t *s) {
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((double)(*s >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

/* widened value of weight (r, k) as the kernel sees it */
static double wval(const lm_wref *w, int in, int r, int k) {
    size_t i = (size_t)r * in + k;
    if (w->q8) return (double)w->q8[i] * w->scale[r];
    if (w->bf16) { union { uint32_t u; float f; } v = {(uint32_t)w->bf16[i] << 16}; return v.f; }
    return w->f32[i];
}

int main(void) {
    uint64_t seed = 42;
    const int shapes[][2] = {{64, 256}, {688, 256}, {256, 688}, {40, 48}, {24, 32}};
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        int out = shapes[si][0], in = shapes[si][1];
        size_t nw = (size_t)out * in;
        float *W = malloc(nw * 4), *X = malloc((size_t)16 * in * 4);
        for (size_t i = 0; i < nw; i++) W[i] = 0.05f * frand(&seed);
        for (int i = 0; i < 16 * in; i++) X[i] = frand(&seed);
        uint16_t *wb = malloc(nw * 2);
        int8_t *wq = malloc(nw);
        float *sc = malloc(sizeof(float) * out);
        lm_bf16_from_f32(wb, W, nw);
        lm_q8_from_f32(wq, sc, W, out, in);
        lm_wref rm[3] = {{0}, {0}, {0}};
        rm[0].f32 = W; rm[1].bf16 = wb; rm[2].q8 = wq; rm[2].scale = sc;
        CHECK(lm_mv_packable(out, in));
        float *pf = malloc(nw * 4);
        uint16_t *pb = malloc(nw * 2);
        int8_t *pq = malloc(nw);
        lm_mv_pack(pf, W, 4, out, in);
        lm_mv_pack(pb, wb, 2, out, in);
        lm_mv_pack(pq, wq, 1, out, in);
        /* the permutation, element by element */
        int perm_ok = 1;
        for (int r = 0; r < out; r++)
            for (int k = 0; k < in; k++) {
                size_t at = (size_t)(r / 8 * 8) * in + ((size_t)(k / 16) * 8 + r % 8) * 16 + k % 16;
                perm_ok &= pf[at] == W[(size_t)r * in + k] && pb[at] == wb[(size_t)r * in + k] &&
                           pq[at] == wq[(size_t)r * in + k];
            }
        CHECK(perm_ok);
        lm_wref pk[3] = {{0}, {0}, {0}};
        pk[0].f32 = pf; pk[1].bf16 = pb; pk[2].q8 = pq; pk[2].scale = sc;
        for (int t = 0; t < 3; t++) pk[t].packed = 1;
        float *Y1 = malloc((size_t)16 * out * 4), *Y2 = malloc((size_t)16 * out * 4);
        for (int t = 0; t < 3; t++) {
            for (int n = 1; n <= 16; n += (n < 4 ? 1 : 5)) {
                lm_mv_rows(&rm[t], X, Y1, n, in, out, 0, out);
                /* packed, the rows in two ranges split at a multiple of 8 */
                int mid = out / 16 * 8;
                lm_mv_rows(&pk[t], X, Y2, n, in, out, 0, mid);
                lm_mv_rows(&pk[t], X, Y2, n, in, out, mid, out);
                CHECK(!memcmp(Y1, Y2, sizeof(float) * n * out));
                /* against the double reference of the widened weights */
                int close = 1;
                for (int i = 0; i < n; i++)
                    for (int r = 0; r < out; r++) {
                        double ref = 0, mag = 0;
                        for (int k = 0; k < in; k++) {
                            double p = wval(&rm[t], in, r, k) * X[(size_t)i * in + k];
                            ref += p;
                            mag += fabs(p);
                        }
                        close &= fabs(Y1[(size_t)i * out + r] - ref) <= 4e-7 * in * mag / 16 + 1e-30;
                    }
                CHECK(close);
            }
        }
        free(W); free(X); free(wb); free(wq); free(sc); free(pf); free(pb); free(pq); free(Y1); free(Y2);
    }
    CHECK(!lm_mv_packable(20, 256));
    CHECK(!lm_mv_packable(64, 40));
    return test_finish("lm/matvec");
}
