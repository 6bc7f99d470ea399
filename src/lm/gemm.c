/* gemm.c - the one place lm/ calls BLAS.
 *
 * OpenBLAS runs single-threaded (set once when a model is made) and steplm
 * splits large products across its own OpenMP threads instead: two thread
 * pools (OpenMP for the elementwise work, OpenBLAS pthreads for the matmuls)
 * spin against each other on a small shared machine and were measured to
 * make training 10-20x slower under load. A product is split along its
 * longer output dimension into contiguous slices, one per thread; every
 * output element is computed by the same kernel over the same K, so the
 * result does not depend on the thread count. Small products, and calls made
 * from inside a parallel region, run directly. */
#include <cblas.h>
#include <omp.h>

#include "lm/internal.h"

#define SPLIT_MIN_FLOP 2e7   /* below ~0.1 ms of work a parallel region costs more than it saves on a busy machine */

void lm_blas_single_thread(void) { openblas_set_num_threads(1); }

void lm_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb,
             float beta, float *C, int ldc) {
    enum CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans, TB = tb ? CblasTrans : CblasNoTrans;
    if (M <= 0 || N <= 0) return;
    if (omp_in_parallel() || omp_get_max_threads() < 2 || 2.0 * M * N * K < SPLIT_MIN_FLOP || (M < 32 && N < 32)) {
        if (N == 1 && !tb && ldc == 1 && !ta)   /* matrix-vector */
            cblas_sgemv(CblasRowMajor, CblasNoTrans, M, K, alpha, A, lda, B, ldb, beta, C, 1);
        else
            cblas_sgemm(CblasRowMajor, TA, TB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    int split_rows = M >= N;
#pragma omp parallel
    {
        int nt = omp_get_num_threads(), t = omp_get_thread_num();
        int len = split_rows ? M : N;
        /* slices aligned to 16 so that kernels see the same blocking */
        int per = (len + nt - 1) / nt;
        per = (per + 15) / 16 * 16;
        int s0 = t * per, s1 = s0 + per < len ? s0 + per : len;
        if (s0 < s1) {
            if (split_rows) {
                const float *As = ta ? A + s0 : A + (size_t)s0 * lda;
                cblas_sgemm(CblasRowMajor, TA, TB, s1 - s0, N, K, alpha, As, lda, B, ldb, beta, C + (size_t)s0 * ldc, ldc);
            } else {
                const float *Bs = tb ? B + (size_t)s0 * ldb : B + s0;
                cblas_sgemm(CblasRowMajor, TA, TB, M, s1 - s0, K, alpha, A, lda, Bs, ldb, beta, C + s0, ldc);
            }
        }
    }
}

/* y[out] (+)= W[out, in] x[in], rows of W split across threads */
void lm_gemv(const float *W, const float *x, float *y, int out, int in, float beta) {
    if (omp_in_parallel() || omp_get_max_threads() < 2 || 2.0 * out * in < SPLIT_MIN_FLOP / 16) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, out, in, 1.0f, W, in, x, 1, beta, y, 1);
        return;
    }
#pragma omp parallel
    {
        int nt = omp_get_num_threads(), t = omp_get_thread_num();
        int per = ((out + nt - 1) / nt + 15) / 16 * 16;
        int s0 = t * per, s1 = s0 + per < out ? s0 + per : out;
        if (s0 < s1) cblas_sgemv(CblasRowMajor, CblasNoTrans, s1 - s0, in, 1.0f, W + (size_t)s0 * in, in, x, 1, beta, y + s0, 1);
    }
}
