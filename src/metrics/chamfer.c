/* chamfer.c - Chamfer distances (all variants) and Hausdorff distance between two
 * point clouds, by exact nearest neighbours in k-d trees.
 *
 * Queries walk each cloud in its own tree order (consecutive queries are close, so
 * the previous answer bounds the next search) and write one squared distance per
 * point; the sums run serially afterwards, so the value is the same on any thread
 * count. Helpers for the alignment code (nearest-neighbour passes under a rigid
 * transform) live here too: chamfer_internal.h. */
#include "steplm/metrics.h"
#include "metrics/chamfer_internal.h"
#include "metrics/kdtree_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

double metrics_dist_get(const metrics_dist *d, metrics_cd_kind kind) {
    switch (kind) {
    case METRICS_CD_SQ_BIDIR: return d->cd_sq_bidir;
    case METRICS_CD_SQ_FWD: return d->cd_sq_fwd;
    case METRICS_CD_SQ_BWD: return d->cd_sq_bwd;
    case METRICS_CD_SQ_MEAN: return d->cd_sq_mean;
    case METRICS_CD_L2_BIDIR: return d->cd_l2_bidir;
    case METRICS_CD_L2_FWD: return d->cd_l2_fwd;
    case METRICS_CD_L2_BWD: return d->cd_l2_bwd;
    case METRICS_CD_L2_MEAN: return d->cd_l2_mean;
    }
    return NAN;
}

int metrics_threads(int n_threads) {
#ifdef _OPENMP
    return n_threads > 0 ? n_threads : omp_get_max_threads();
#else
    (void)n_threads;
    return 1;
#endif
}

void rigid_inverse(const double T[16], double Ti[16]) {
    memset(Ti, 0, 16 * sizeof *Ti);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) Ti[4 * r + c] = T[4 * c + r];
    for (int r = 0; r < 3; r++)
        Ti[4 * r + 3] = -(Ti[4 * r] * T[3] + Ti[4 * r + 1] * T[7] + Ti[4 * r + 2] * T[11]);
    Ti[15] = 1;
}

void rigid_mul(const double A[16], const double B[16], double C[16]) {
    double R[16];
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++) {
            double s = 0;
            for (int k = 0; k < 4; k++) s += A[4 * r + k] * B[4 * k + c];
            R[4 * r + c] = s;
        }
    memcpy(C, R, sizeof R);
}

void rigid_identity(double T[16]) {
    memset(T, 0, 16 * sizeof *T);
    T[0] = T[5] = T[10] = T[15] = 1;
}

static inline void xform(const double *T, const double *p, double *q) {
    for (int r = 0; r < 3; r++) q[r] = T[4 * r] * p[0] + T[4 * r + 1] * p[1] + T[4 * r + 2] * p[2] + T[4 * r + 3];
}

void nn_pass(const kdtree *t_src, const double T[16], const kdtree *t_dst, int n_threads, double *d2,
             uint32_t *nn_pos, const uint32_t *hints) {
    size_t n = kdtree_size(t_src);
    const double *sp = kdtree_tree_points(t_src);
    int nt = metrics_threads(n_threads);
    if (n < 2048) nt = 1;
#pragma omp parallel num_threads(nt)
    {
        int ti = 0, tn = 1;
#ifdef _OPENMP
        ti = omp_get_thread_num();
        tn = omp_get_num_threads();
#endif
        size_t lo = n * (size_t)ti / (size_t)tn, hi = n * (size_t)(ti + 1) / (size_t)tn;
        for (size_t i = lo; i < hi; i++) {
            double q[3];
            if (T) xform(T, sp + 3 * i, q);
            else memcpy(q, sp + 3 * i, sizeof q);
            double d;
            /* with per-point hints: bottom-up from the hint; without: a plain top-down
             * search (a hint from the neighbouring query would make the choice among
             * equidistant points depend on where the thread's chunk starts) */
            uint32_t pos = hints ? kdtree_query_nn_hint(t_dst, q, hints[i], &d) : kdtree_query_nn_pos(t_dst, q, &d);
            d2[i] = d;
            if (nn_pos) nn_pos[i] = pos;
        }
    }
}

sl_status metrics_distances_trees(const kdtree *t_gt, const double *gt, size_t n_gt, const kdtree *t_pred,
                                  const double *pred, size_t n_pred, const double T_pred[16], int n_threads,
                                  metrics_dist *out, sl_err *err) {
    (void)gt;
    (void)pred;
    if (!t_gt || !t_pred || !out) return sl_err_set(err, SL_ERR_ARG, "metrics_distances_trees: NULL argument");
    if (kdtree_size(t_gt) != n_gt || kdtree_size(t_pred) != n_pred)
        return sl_err_set(err, SL_ERR_ARG, "metrics_distances_trees: tree sizes do not match the clouds");
    double *dg = malloc(n_gt * sizeof *dg), *dp = malloc(n_pred * sizeof *dp);
    if (!dg || !dp) {
        free(dg);
        free(dp);
        return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    }
    double Ti[16];
    if (T_pred) rigid_inverse(T_pred, Ti);
    nn_pass(t_gt, T_pred ? Ti : NULL, t_pred, n_threads, dg, NULL, NULL);   /* gt -> pred */
    nn_pass(t_pred, T_pred, t_gt, n_threads, dp, NULL, NULL);               /* pred -> gt */
    /* sums in caller index order (tree position -> index), so the result is the
     * plain mean over the caller's points */
    const uint32_t *ig = kdtree_tree_index(t_gt), *ip = kdtree_tree_index(t_pred);
    double *sg = malloc(n_gt * sizeof *sg), *spp = malloc(n_pred * sizeof *spp);
    if (!sg || !spp) {
        free(dg); free(dp); free(sg); free(spp);
        return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n_gt; i++) sg[ig[i]] = dg[i];
    for (size_t i = 0; i < n_pred; i++) spp[ip[i]] = dp[i];
    double s2 = 0, s1 = 0, mx = 0;
    for (size_t i = 0; i < n_gt; i++) {
        s2 += sg[i];
        double d = sqrt(sg[i]);
        s1 += d;
        if (d > mx) mx = d;
    }
    memset(out, 0, sizeof *out);
    out->cd_sq_fwd = s2 / (double)n_gt;
    out->cd_l2_fwd = s1 / (double)n_gt;
    out->hd_fwd = mx;
    s2 = s1 = mx = 0;
    for (size_t i = 0; i < n_pred; i++) {
        s2 += spp[i];
        double d = sqrt(spp[i]);
        s1 += d;
        if (d > mx) mx = d;
    }
    out->cd_sq_bwd = s2 / (double)n_pred;
    out->cd_l2_bwd = s1 / (double)n_pred;
    out->hd_bwd = mx;
    out->cd_sq_bidir = out->cd_sq_fwd + out->cd_sq_bwd;
    out->cd_sq_mean = 0.5 * out->cd_sq_bidir;
    out->cd_l2_bidir = out->cd_l2_fwd + out->cd_l2_bwd;
    out->cd_l2_mean = 0.5 * out->cd_l2_bidir;
    out->hd = out->hd_fwd > out->hd_bwd ? out->hd_fwd : out->hd_bwd;
    free(dg); free(dp); free(sg); free(spp);
    return SL_OK;
}

sl_status metrics_distances(const double *gt, size_t n_gt, const double *pred, size_t n_pred, int n_threads,
                            metrics_dist *out, sl_err *err) {
    if (!gt || !pred || !n_gt || !n_pred) return sl_err_set(err, SL_ERR_ARG, "empty point cloud");
    kdtree *tg = kdtree_new(gt, n_gt), *tp = kdtree_new(pred, n_pred);
    sl_status st;
    if (!tg || !tp) st = sl_err_set(err, SL_ERR_NOMEM, "out of memory building k-d trees");
    else st = metrics_distances_trees(tg, gt, n_gt, tp, pred, n_pred, NULL, n_threads, out, err);
    kdtree_free(tg);
    kdtree_free(tp);
    return st;
}
