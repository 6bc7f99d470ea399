/* align.c - rigid alignment of a predicted cloud onto a ground-truth cloud.
 *
 * Pieces: least-squares rigid fit (Horn's quaternion method, Jacobi eigensolver),
 * point-to-point ICP with Open3D's semantics, voxel downsampling, normals, FPFH
 * features, RANSAC on mutual feature matches with edge-length and distance checks,
 * principal-axis frames, and "Chamfer-ICP": ICP whose correspondences run both ways
 * (gt -> pred and pred -> gt, weighted 1/n each), so every step lowers exactly the
 * bidirectional squared Chamfer distance it is judged by.
 *
 * METRICS_ALIGN_FULL keeps several starts (identity, principal-axis frames with sign
 * flips -- all 24 axis rotations when two principal extents are close --, and
 * FPFH + RANSAC), refines each with Chamfer-ICP on a small subsample, refines the
 * best few on the full clouds and keeps the lowest Chamfer distance; the plain
 * centroid alignment is always a candidate, so FULL never does worse than it.
 * Internally both clouds are centred; the transform returned maps the caller's
 * pred coordinates onto the caller's gt coordinates. */
#include "steplm/metrics.h"
#include "metrics/chamfer_internal.h"
#include "metrics/kdtree_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define FPFH_DIM 33
#define MEDIUM_POINTS 4096  /* race level between the coarse subsample and the full clouds */

void metrics_align_params_default(metrics_align_params *p) {
    memset(p, 0, sizeof *p);
    p->mode = METRICS_ALIGN_FULL;
    p->scale_ref = METRICS_SCALE_DIAG;
    p->voxel_frac = 0.05;
    p->fpfh_full = 0;
    p->normal_mult = 2.0;
    p->normal_max_nn = 30;
    p->fpfh_mult = 5.0;
    p->fpfh_max_nn = 100;
    p->ransac_mult = 1.5;
    p->mutual = 1;
    p->edge_len = 0.9;
    p->ransac_max_iter = 100000;
    p->ransac_conf = 0.999;
    p->icp_frac = 0.1;
    p->icp_thresh_abs = 0;
    p->icp_shrink = 0.5;
    p->icp_stages = 3;
    p->icp_max_iter = 30;
    p->coarse_points = 512;
    p->n_refine = 16;
    p->refine_max_iter = 60;
    p->refine_tol = 1e-4;
    p->polish_restarts = 0;
    p->seed = 0;
    p->n_threads = 0;
}

void metrics_align_params_stepllm(metrics_align_params *p) {
    metrics_align_params_default(p);
    p->mode = METRICS_ALIGN_CHAIN;
    p->scale_ref = METRICS_SCALE_MEAN_EXTENT;
    p->fpfh_full = 1;
    p->icp_thresh_abs = 10.0;
}

/* ---- small linear algebra ---------------------------------------------------------- */
/* Jacobi eigen-decomposition of a symmetric n x n matrix (n <= 4), row-major a (destroyed).
 * Eigenvalues in w (descending), eigenvectors in the columns of v. */
static void jacobi_eigen(double *a, int n, double *w, double *v) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) v[i * n + j] = i == j;
    for (int sweep = 0; sweep < 60; sweep++) {
        double off = 0, diag = 0;
        for (int i = 0; i < n; i++) {
            diag += a[i * n + i] * a[i * n + i];
            for (int j = i + 1; j < n; j++) off += a[i * n + j] * a[i * n + j];
        }
        if (off <= 1e-30 * diag || off == 0) break;
        for (int p = 0; p < n; p++)
            for (int q = p + 1; q < n; q++) {
                double apq = a[p * n + q];
                if (apq == 0) continue;
                double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < n; k++) {  /* columns p, q */
                    double akp = a[k * n + p], akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for (int k = 0; k < n; k++) {  /* rows p, q */
                    double apk = a[p * n + k], aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for (int k = 0; k < n; k++) {
                    double vkp = v[k * n + p], vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
    }
    for (int i = 0; i < n; i++) w[i] = a[i * n + i];
    /* sort descending (selection sort, swapping eigenvector columns) */
    for (int i = 0; i < n; i++) {
        int m = i;
        for (int j = i + 1; j < n; j++)
            if (w[j] > w[m]) m = j;
        if (m != i) {
            double t = w[i]; w[i] = w[m]; w[m] = t;
            for (int k = 0; k < n; k++) { t = v[k * n + i]; v[k * n + i] = v[k * n + m]; v[k * n + m] = t; }
        }
    }
}

/* Rigid fit from centred cross-covariance S (sum w (s - cs)(d - cd)^T) and centroids. */
static void fit_from_cov(const double S[9], const double cs[3], const double cd[3], double T[16]) {
    double Sxx = S[0], Sxy = S[1], Sxz = S[2], Syx = S[3], Syy = S[4], Syz = S[5], Szx = S[6], Szy = S[7],
           Szz = S[8];
    double N[16] = {Sxx + Syy + Szz, Syz - Szy, Szx - Sxz, Sxy - Syx,
                    Syz - Szy, Sxx - Syy - Szz, Sxy + Syx, Szx + Sxz,
                    Szx - Sxz, Sxy + Syx, -Sxx + Syy - Szz, Syz + Szy,
                    Sxy - Syx, Szx + Sxz, Syz + Szy, -Sxx - Syy + Szz};
    double w[4], v[16];
    jacobi_eigen(N, 4, w, v);
    double q0 = v[0], qx = v[4], qy = v[8], qz = v[12];
    double nq = sqrt(q0 * q0 + qx * qx + qy * qy + qz * qz);
    if (!(nq > 0)) { rigid_identity(T); return; }
    q0 /= nq; qx /= nq; qy /= nq; qz /= nq;
    double R[9] = {q0 * q0 + qx * qx - qy * qy - qz * qz, 2 * (qx * qy - q0 * qz), 2 * (qx * qz + q0 * qy),
                   2 * (qy * qx + q0 * qz), q0 * q0 - qx * qx + qy * qy - qz * qz, 2 * (qy * qz - q0 * qx),
                   2 * (qz * qx - q0 * qy), 2 * (qz * qy + q0 * qx), q0 * q0 - qx * qx - qy * qy + qz * qz};
    rigid_identity(T);
    for (int r = 0; r < 3; r++) {
        for (int c = 0; c < 3; c++) T[4 * r + c] = R[3 * r + c];
        T[4 * r + 3] = cd[r] - (R[3 * r] * cs[0] + R[3 * r + 1] * cs[1] + R[3 * r + 2] * cs[2]);
    }
}

/* Weighted rigid fit over pairs given by index arrays into two point arrays. */
typedef struct pair_set {
    const double *src, *dst;     /* point arrays (n, 3) */
    const uint32_t *is, *id;     /* pair k: src[is[k]] -> dst[id[k]] (NULL = k) */
    size_t n;
    double w;                    /* weight of every pair in this set */
} pair_set;

static void fit_pairs(const pair_set *sets, int n_sets, double T[16]) {
    double W = 0, cs[3] = {0, 0, 0}, cd[3] = {0, 0, 0};
    for (int s = 0; s < n_sets; s++) {
        const pair_set *ps = &sets[s];
        double a[3] = {0, 0, 0}, b[3] = {0, 0, 0};
        for (size_t k = 0; k < ps->n; k++) {
            const double *x = ps->src + 3 * (ps->is ? ps->is[k] : k), *y = ps->dst + 3 * (ps->id ? ps->id[k] : k);
            for (int j = 0; j < 3; j++) { a[j] += x[j]; b[j] += y[j]; }
        }
        for (int j = 0; j < 3; j++) { cs[j] += ps->w * a[j]; cd[j] += ps->w * b[j]; }
        W += ps->w * (double)ps->n;
    }
    if (!(W > 0)) { rigid_identity(T); return; }
    for (int j = 0; j < 3; j++) { cs[j] /= W; cd[j] /= W; }
    double S[9] = {0};
    for (int s = 0; s < n_sets; s++) {
        const pair_set *ps = &sets[s];
        double Sl[9] = {0};
        for (size_t k = 0; k < ps->n; k++) {
            const double *x = ps->src + 3 * (ps->is ? ps->is[k] : k), *y = ps->dst + 3 * (ps->id ? ps->id[k] : k);
            double u[3] = {x[0] - cs[0], x[1] - cs[1], x[2] - cs[2]};
            double v[3] = {y[0] - cd[0], y[1] - cd[1], y[2] - cd[2]};
            for (int r = 0; r < 3; r++)
                for (int c = 0; c < 3; c++) Sl[3 * r + c] += u[r] * v[c];
        }
        for (int j = 0; j < 9; j++) S[j] += ps->w * Sl[j];
    }
    fit_from_cov(S, cs, cd, T);
}

void metrics_rigid_fit(const double *src, const double *dst, const double *w, size_t n, double T[16]) {
    if (!w) {
        pair_set ps = {src, dst, NULL, NULL, n, 1.0};
        fit_pairs(&ps, 1, T);
        return;
    }
    double W = 0, cs[3] = {0, 0, 0}, cd[3] = {0, 0, 0};
    for (size_t k = 0; k < n; k++) {
        W += w[k];
        for (int j = 0; j < 3; j++) { cs[j] += w[k] * src[3 * k + j]; cd[j] += w[k] * dst[3 * k + j]; }
    }
    if (!(W > 0)) { rigid_identity(T); return; }
    for (int j = 0; j < 3; j++) { cs[j] /= W; cd[j] /= W; }
    double S[9] = {0};
    for (size_t k = 0; k < n; k++)
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++) S[3 * r + c] += w[k] * (src[3 * k + r] - cs[r]) * (dst[3 * k + c] - cd[c]);
    fit_from_cov(S, cs, cd, T);
}

/* ---- point-to-point ICP (Open3D semantics) ----------------------------------------- */
static void icp_eval(const kdtree *t_gt, const kdtree *t_pred, const double T[16], double max_dist, int n_threads,
                     double *d2, uint32_t *nn, uint32_t *is, uint32_t *id, size_t *n_corr, double *fitness,
                     double *rmse, int warm) {
    size_t n = kdtree_size(t_pred);
    nn_pass(t_pred, T, t_gt, n_threads, d2, nn, warm ? nn : NULL);
    double m2 = max_dist * max_dist, s = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (d2[i] <= m2) {
            is[k] = (uint32_t)i;
            id[k] = nn[i];
            s += d2[i];
            k++;
        }
    *n_corr = k;
    *fitness = (double)k / (double)n;
    *rmse = k ? sqrt(s / (double)k) : 0;
}

/* ICP on trees: pred tree points (tree order) -> gt tree points. */
static sl_status icp_trees(const kdtree *t_gt, const kdtree *t_pred, double max_dist, int max_iter, int n_threads,
                           double T[16], double *fitness_out, double *rmse_out, sl_err *err) {
    size_t n = kdtree_size(t_pred);
    double *d2 = malloc(n * sizeof *d2);
    uint32_t *nn = malloc(n * sizeof *nn), *is = malloc(n * sizeof *is), *id = malloc(n * sizeof *id);
    if (!d2 || !nn || !is || !id) {
        free(d2); free(nn); free(is); free(id);
        return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    }
    size_t k;
    double fit, rmse;
    icp_eval(t_gt, t_pred, T, max_dist, n_threads, d2, nn, is, id, &k, &fit, &rmse, 0);
    const double *ps = kdtree_tree_points(t_pred), *pg = kdtree_tree_points(t_gt);
    for (int it = 0; it < max_iter && k >= 3; it++) {
        /* fit the correspondences (original pred point -> gt point): the fit is the new
         * absolute transform, the same as composing Open3D's incremental updates */
        pair_set set = {ps, pg, is, id, k, 1.0};
        fit_pairs(&set, 1, T);
        double fit0 = fit, rmse0 = rmse;
        icp_eval(t_gt, t_pred, T, max_dist, n_threads, d2, nn, is, id, &k, &fit, &rmse, 1);
        if (fabs(fit0 - fit) < 1e-6 && fabs(rmse0 - rmse) < 1e-6) break;
    }
    if (fitness_out) *fitness_out = fit;
    if (rmse_out) *rmse_out = rmse;
    free(d2); free(nn); free(is); free(id);
    return SL_OK;
}

sl_status metrics_icp_point_to_point(const kdtree *t_gt, const double *gt, const double *pred, size_t n_pred,
                                     double max_dist, int max_iter, int n_threads, double T[16], double *fitness,
                                     double *rmse, sl_err *err) {
    (void)gt;
    if (!t_gt || !pred || !n_pred) return sl_err_set(err, SL_ERR_ARG, "metrics_icp_point_to_point: empty input");
    kdtree *tp = kdtree_new(pred, n_pred);
    if (!tp) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    sl_status st = icp_trees(t_gt, tp, max_dist, max_iter, n_threads, T, fitness, rmse, err);
    kdtree_free(tp);
    return st;
}

/* ---- Chamfer-ICP -------------------------------------------------------------------- */
typedef struct cicp_buf {
    double *dg, *dp;
    uint32_t *ng, *np;   /* last correspondences (tree positions); hints for the next pass */
    int warm;
} cicp_buf;

static int cicp_alloc(cicp_buf *b, size_t n_g, size_t n_p) {
    b->dg = malloc(n_g * sizeof *b->dg);
    b->dp = malloc(n_p * sizeof *b->dp);
    b->ng = malloc(n_g * sizeof *b->ng);
    b->np = malloc(n_p * sizeof *b->np);
    b->warm = 0;
    return b->dg && b->dp && b->ng && b->np ? 0 : -1;
}
static void cicp_free(cicp_buf *b) { free(b->dg); free(b->dp); free(b->ng); free(b->np); }

/* bidirectional squared Chamfer at T (pred -> gt); fills correspondences in b */
static double cicp_eval(const kdtree *tg, const kdtree *tp, const double T[16], int n_threads, cicp_buf *b) {
    double Ti[16];
    rigid_inverse(T, Ti);
    size_t n_g = kdtree_size(tg), n_p = kdtree_size(tp);
    nn_pass(tg, Ti, tp, n_threads, b->dg, b->ng, b->warm ? b->ng : NULL);
    nn_pass(tp, T, tg, n_threads, b->dp, b->np, b->warm ? b->np : NULL);
    b->warm = 1;
    double sg = 0, sp = 0;
    for (size_t i = 0; i < n_g; i++) sg += b->dg[i];
    for (size_t i = 0; i < n_p; i++) sp += b->dp[i];
    return sg / (double)n_g + sp / (double)n_p;
}

/* Refine T by Chamfer-ICP; returns the lowest Chamfer seen, T set to where it was seen. */
static double chamfer_icp(const kdtree *tg, const kdtree *tp, double T[16], int max_iter, double tol, int n_threads,
                          cicp_buf *b) {
    const double *pg = kdtree_tree_points(tg), *pp = kdtree_tree_points(tp);
    size_t n_g = kdtree_size(tg), n_p = kdtree_size(tp);
    double best = cicp_eval(tg, tp, T, n_threads, b);
    double Tb[16];
    memcpy(Tb, T, sizeof Tb);
    /* Point-to-point ICP creeps along flat directions with steps that barely change from
     * one iteration to the next. So each step is first tried extrapolated: the motion D of
     * the plain step applied m more times (m doubles while this works, back to 1 when it
     * does not); only when that is no better is the plain step evaluated. Every accepted
     * transform lowers the Chamfer distance, as in plain ICP. */
    int m = 1;
    for (int it = 0; it < max_iter; it++) {
        /* gt point i <-> pred point ng[i]; pred point j <-> gt point np[j]; src = pred */
        pair_set sets[2] = {{pp, pg, b->ng, NULL, n_g, 1.0 / (double)n_g},
                            {pp, pg, NULL, b->np, n_p, 1.0 / (double)n_p}};
        double Tn[16], Ti[16], D[16], Tx[16];
        fit_pairs(sets, 2, Tn);
        rigid_inverse(Tb, Ti);
        rigid_mul(Tn, Ti, D);
        memcpy(Tx, Tn, sizeof Tx);
        for (int k = 0; k < m; k++) rigid_mul(D, Tx, Tx);
        double cd = cicp_eval(tg, tp, Tx, n_threads, b);
        if (cd < best) {
            m = m < 16 ? 2 * m : 16;
        } else {
            m = 1;
            memcpy(Tx, Tn, sizeof Tx);
            cd = cicp_eval(tg, tp, Tx, n_threads, b);
        }
        if (!(cd < best)) break;
        double gain = best - cd;
        best = cd;
        memcpy(Tb, Tx, sizeof Tb);
        if (gain <= tol * best) break;
    }
    memcpy(T, Tb, sizeof Tb);
    return best;
}

/* ---- voxel downsampling, normals, FPFH ---------------------------------------------- */
typedef struct vkey { int64_t k[3]; uint32_t i; } vkey;
static int cmp_vkey(const void *a, const void *b) {
    const vkey *x = a, *y = b;
    for (int j = 0; j < 3; j++)
        if (x->k[j] != y->k[j]) return x->k[j] < y->k[j] ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Average of the points in each occupied voxel, in voxel order. *out malloc'd. */
static int voxel_down(const double *pts, size_t n, double voxel, double **out, size_t *n_out) {
    double mn[3] = {INFINITY, INFINITY, INFINITY};
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            if (pts[3 * i + k] < mn[k]) mn[k] = pts[3 * i + k];
    vkey *keys = malloc(n * sizeof *keys);
    double *o = malloc(n * 3 * sizeof *o);
    if (!keys || !o) { free(keys); free(o); return -1; }
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 3; k++) keys[i].k[k] = (int64_t)floor((pts[3 * i + k] - mn[k]) / voxel + 0.5);
        keys[i].i = (uint32_t)i;
    }
    qsort(keys, n, sizeof *keys, cmp_vkey);
    size_t m = 0;
    for (size_t a = 0; a < n;) {
        size_t b = a;
        double s[3] = {0, 0, 0};
        while (b < n && !memcmp(keys[b].k, keys[a].k, sizeof keys[a].k)) {
            for (int k = 0; k < 3; k++) s[k] += pts[3 * keys[b].i + k];
            b++;
        }
        for (int k = 0; k < 3; k++) o[3 * m + k] = s[k] / (double)(b - a);
        m++;
        a = b;
    }
    free(keys);
    *out = o;
    *n_out = m;
    return 0;
}

/* Normals by PCA of up to max_nn neighbours within radius; oriented away from the
 * centroid of the cloud (both clouds are centred, so the convention agrees). */
static void estimate_normals(const kdtree *t, const double *pts, size_t n, double radius, int max_nn, double *nrm) {
    size_t idx[128];
    if (max_nn > 128) max_nn = 128;
    for (size_t i = 0; i < n; i++) {
        const double *p = pts + 3 * i;
        size_t k = kdtree_query_knn(t, p, (size_t)max_nn, radius * radius, idx, NULL);
        double *nv = nrm + 3 * i;
        if (k < 3) { nv[0] = 0; nv[1] = 0; nv[2] = 1; continue; }
        double c[3] = {0, 0, 0};
        for (size_t j = 0; j < k; j++)
            for (int d = 0; d < 3; d++) c[d] += pts[3 * idx[j] + d];
        for (int d = 0; d < 3; d++) c[d] /= (double)k;
        double C[9] = {0};
        for (size_t j = 0; j < k; j++) {
            double u[3] = {pts[3 * idx[j]] - c[0], pts[3 * idx[j] + 1] - c[1], pts[3 * idx[j] + 2] - c[2]};
            for (int r = 0; r < 3; r++)
                for (int s = 0; s < 3; s++) C[3 * r + s] += u[r] * u[s];
        }
        double w[3], v[9];
        jacobi_eigen(C, 3, w, v);
        nv[0] = v[2]; nv[1] = v[5]; nv[2] = v[8];  /* smallest eigenvalue: last column */
        if (nv[0] * p[0] + nv[1] * p[1] + nv[2] * p[2] < 0) { nv[0] = -nv[0]; nv[1] = -nv[1]; nv[2] = -nv[2]; }
    }
}

static void pair_features(const double *p1, const double *n1, const double *p2, const double *n2, double f[3]) {
    double d[3] = {p2[0] - p1[0], p2[1] - p1[1], p2[2] - p1[2]};
    double len = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    f[0] = f[1] = f[2] = 0;
    if (len == 0) return;
    const double *na = n1, *nb = n2;
    double a1 = (n1[0] * d[0] + n1[1] * d[1] + n1[2] * d[2]) / len;
    double a2 = (n2[0] * d[0] + n2[1] * d[1] + n2[2] * d[2]) / len;
    if (acos(fabs(a1)) > acos(fabs(a2))) {  /* use the point whose normal is closer to the line as source */
        na = n2; nb = n1;
        d[0] = -d[0]; d[1] = -d[1]; d[2] = -d[2];
        f[2] = -a2;
    } else {
        f[2] = a1;
    }
    double v[3] = {d[1] * na[2] - d[2] * na[1], d[2] * na[0] - d[0] * na[2], d[0] * na[1] - d[1] * na[0]};
    double vn = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    if (vn == 0) { f[0] = f[1] = f[2] = 0; return; }
    for (int k = 0; k < 3; k++) v[k] /= vn;
    double w[3] = {na[1] * v[2] - na[2] * v[1], na[2] * v[0] - na[0] * v[2], na[0] * v[1] - na[1] * v[0]};
    f[1] = v[0] * nb[0] + v[1] * nb[1] + v[2] * nb[2];
    f[0] = atan2(w[0] * nb[0] + w[1] * nb[1] + w[2] * nb[2], na[0] * nb[0] + na[1] * nb[1] + na[2] * nb[2]);
}

static int bin11(double x, double lo, double hi) {
    int b = (int)floor(11.0 * (x - lo) / (hi - lo));
    return b < 0 ? 0 : b > 10 ? 10 : b;
}

/* FPFH (n, 33) for the points of t (caller order). */
static int compute_fpfh(const kdtree *t, const double *pts, size_t n, const double *nrm, double radius, int max_nn,
                        int n_threads, double *feat) {
    if (max_nn > 256) max_nn = 256;
    double *spfh = calloc(n * FPFH_DIM, sizeof *spfh);
    size_t *nbr = malloc(n * (size_t)max_nn * sizeof *nbr);
    double *nd2 = malloc(n * (size_t)max_nn * sizeof *nd2);
    int *cnt = malloc(n * sizeof *cnt);
    if (!spfh || !nbr || !nd2 || !cnt) { free(spfh); free(nbr); free(nd2); free(cnt); return -1; }
    int nt = metrics_threads(n_threads);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (size_t i = 0; i < n; i++) {
        size_t *ix = nbr + i * (size_t)max_nn;
        double *dd = nd2 + i * (size_t)max_nn;
        int k = (int)kdtree_query_knn(t, pts + 3 * i, (size_t)max_nn, radius * radius, ix, dd);
        cnt[i] = k;
        double *h = spfh + i * FPFH_DIM;
        if (k <= 1) continue;
        double inc = 100.0 / (double)(k - 1);
        for (int j = 1; j < k; j++) {
            double f[3];
            pair_features(pts + 3 * i, nrm + 3 * i, pts + 3 * ix[j], nrm + 3 * ix[j], f);
            h[bin11(f[0], -M_PI, M_PI)] += inc;
            h[11 + bin11(f[1], -1, 1)] += inc;
            h[22 + bin11(f[2], -1, 1)] += inc;
        }
    }
#pragma omp parallel for num_threads(nt) schedule(static)
    for (size_t i = 0; i < n; i++) {
        double *f = feat + i * FPFH_DIM;
        memset(f, 0, FPFH_DIM * sizeof *f);
        int k = cnt[i];
        const size_t *ix = nbr + i * (size_t)max_nn;
        const double *dd = nd2 + i * (size_t)max_nn;
        if (k > 1) {
            double sum[3] = {0, 0, 0};
            for (int j = 1; j < k; j++) {
                if (dd[j] == 0) continue;
                const double *h = spfh + ix[j] * FPFH_DIM;
                double wj = 1.0 / dd[j];   /* neighbours weighted by 1 / squared distance */
                for (int b = 0; b < FPFH_DIM; b++) {
                    double v = h[b] * wj;
                    sum[b / 11] += v;
                    f[b] += v;
                }
            }
            for (int b = 0; b < 3; b++) sum[b] = sum[b] != 0 ? 100.0 / sum[b] : 0;
            for (int b = 0; b < FPFH_DIM; b++) f[b] *= sum[b / 11];
        }
        for (int b = 0; b < FPFH_DIM; b++) f[b] += spfh[i * FPFH_DIM + b];
    }
    free(spfh); free(nbr); free(nd2); free(cnt);
    return 0;
}

/* nearest feature (brute force, exact) for each row of a among rows of b */
static void feature_nn(const double *a, size_t na, const double *b, size_t nb, int n_threads, uint32_t *out) {
    int nt = metrics_threads(n_threads);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (size_t i = 0; i < na; i++) {
        const double *x = a + i * FPFH_DIM;
        double best = INFINITY;
        uint32_t bi = 0;
        for (size_t j = 0; j < nb; j++) {
            const double *y = b + j * FPFH_DIM;
            double s = 0;
            for (int k = 0; k < FPFH_DIM && s < best; k += 11)  /* partial sums: stop early */
                for (int l = k; l < k + 11; l++) {
                    double d = x[l] - y[l];
                    s += d * d;
                }
            if (s < best) { best = s; bi = (uint32_t)j; }
        }
        out[i] = bi;
    }
}

/* ---- RANSAC on feature correspondences ----------------------------------------------- */
static double dist3(const double *a, const double *b) {
    double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
    return sqrt(dx * dx + dy * dy + dz * dz);
}

/* pred cloud ps (src) -> gt cloud pg (dst); T receives the result; returns fitness or -1 */
static double ransac_features(const double *ps, const double *fs, size_t ns, const double *pg, const double *fg,
                              size_t ng, const metrics_align_params *p, double max_corr, double T[16]) {
    rigid_identity(T);
    if (ns < 3 || ng < 3) return -1;
    uint32_t *s2g = malloc(ns * sizeof *s2g), *g2s = malloc(ng * sizeof *g2s);
    uint32_t *ci = malloc(ns * sizeof *ci), *cj = malloc(ns * sizeof *cj);
    if (!s2g || !g2s || !ci || !cj) { free(s2g); free(g2s); free(ci); free(cj); return -1; }
    feature_nn(fs, ns, fg, ng, p->n_threads, s2g);
    size_t nc = 0;
    if (p->mutual) {
        feature_nn(fg, ng, fs, ns, p->n_threads, g2s);
        for (size_t i = 0; i < ns; i++)
            if (g2s[s2g[i]] == i) { ci[nc] = (uint32_t)i; cj[nc] = s2g[i]; nc++; }
    }
    if (nc < 10) {  /* too few mutual matches: fall back to one-way matches (as Open3D does) */
        nc = 0;
        for (size_t i = 0; i < ns; i++) { ci[nc] = (uint32_t)i; cj[nc] = s2g[i]; nc++; }
    }
    sl_rng rng;
    sl_rng_seed(&rng, p->seed ^ 0x5eedULL);
    double best_fit = -1, best_rmse = INFINITY, Tb[16];
    rigid_identity(Tb);
    double est = (double)p->ransac_max_iter;
    double src3[9], dst3[9];
    for (long it = 0; it < p->ransac_max_iter && (double)it < est; it++) {
        uint32_t k[3];
        k[0] = (uint32_t)(sl_rng_next(&rng) % nc);
        do k[1] = (uint32_t)(sl_rng_next(&rng) % nc); while (k[1] == k[0]);
        do k[2] = (uint32_t)(sl_rng_next(&rng) % nc); while (k[2] == k[0] || k[2] == k[1]);
        for (int a = 0; a < 3; a++) {
            memcpy(src3 + 3 * a, ps + 3 * ci[k[a]], 3 * sizeof(double));
            memcpy(dst3 + 3 * a, pg + 3 * cj[k[a]], 3 * sizeof(double));
        }
        int ok = 1;
        for (int a = 0; a < 3 && ok; a++)
            for (int b = a + 1; b < 3 && ok; b++) {
                double ls = dist3(src3 + 3 * a, src3 + 3 * b), lt = dist3(dst3 + 3 * a, dst3 + 3 * b);
                if (!(ls >= p->edge_len * lt && lt >= p->edge_len * ls)) ok = 0;
            }
        if (!ok) continue;
        double Tc[16];
        metrics_rigid_fit(src3, dst3, NULL, 3, Tc);
        for (int a = 0; a < 3 && ok; a++) {
            double q[3];
            for (int r = 0; r < 3; r++)
                q[r] = Tc[4 * r] * src3[3 * a] + Tc[4 * r + 1] * src3[3 * a + 1] + Tc[4 * r + 2] * src3[3 * a + 2] +
                       Tc[4 * r + 3];
            if (dist3(q, dst3 + 3 * a) > max_corr) ok = 0;
        }
        if (!ok) continue;
        size_t inl = 0;
        double s = 0;
        for (size_t c = 0; c < nc; c++) {
            const double *x = ps + 3 * ci[c], *y = pg + 3 * cj[c];
            double q[3];
            for (int r = 0; r < 3; r++) q[r] = Tc[4 * r] * x[0] + Tc[4 * r + 1] * x[1] + Tc[4 * r + 2] * x[2] + Tc[4 * r + 3];
            double d = dist3(q, y);
            if (d < max_corr) { inl++; s += d * d; }
        }
        double fit = (double)inl / (double)nc, rmse = inl ? sqrt(s / (double)inl) : INFINITY;
        if (fit > best_fit || (fit == best_fit && rmse < best_rmse)) {
            best_fit = fit;
            best_rmse = rmse;
            memcpy(Tb, Tc, sizeof Tb);
            double f3 = fit * fit * fit;
            if (f3 >= 1) est = 0;
            else if (f3 > 0) est = log(1 - p->ransac_conf) / log(1 - f3);
        }
    }
    /* refine on the inliers of the best model */
    if (best_fit > 0) {
        size_t m = 0;
        double *sa = malloc(nc * 3 * sizeof *sa), *da = malloc(nc * 3 * sizeof *da);
        if (sa && da) {
            for (size_t c = 0; c < nc; c++) {
                const double *x = ps + 3 * ci[c], *y = pg + 3 * cj[c];
                double q[3];
                for (int r = 0; r < 3; r++) q[r] = Tb[4 * r] * x[0] + Tb[4 * r + 1] * x[1] + Tb[4 * r + 2] * x[2] + Tb[4 * r + 3];
                if (dist3(q, y) < max_corr) {
                    memcpy(sa + 3 * m, x, 3 * sizeof *x);
                    memcpy(da + 3 * m, y, 3 * sizeof *y);
                    m++;
                }
            }
            if (m >= 3) metrics_rigid_fit(sa, da, NULL, m, Tb);
        }
        free(sa);
        free(da);
    }
    memcpy(T, Tb, sizeof Tb);
    free(s2g); free(g2s); free(ci); free(cj);
    return best_fit;
}

/* FPFH + RANSAC between centred clouds; T maps pred -> gt. Returns fitness, -1 on failure. */
static double global_registration(const double *g, size_t ng, const double *pp, size_t np,
                                  const metrics_align_params *p, double voxel, double T[16]) {
    rigid_identity(T);
    const double *cl[2] = {g, pp};
    size_t cn[2] = {ng, np};
    double *dp[2] = {NULL, NULL}, *nrm[2] = {NULL, NULL}, *ft[2] = {NULL, NULL};
    size_t dn[2] = {0, 0};
    double fit = -1;
    int ok = 1;
    for (int c = 0; c < 2 && ok; c++) {
        if (p->fpfh_full) {
            dp[c] = malloc(cn[c] * 3 * sizeof(double));
            if (!dp[c]) { ok = 0; break; }
            memcpy(dp[c], cl[c], cn[c] * 3 * sizeof(double));
            dn[c] = cn[c];
        } else if (voxel_down(cl[c], cn[c], voxel, &dp[c], &dn[c])) {
            ok = 0;
            break;
        }
        kdtree *t = kdtree_new(dp[c], dn[c]);
        nrm[c] = malloc(dn[c] * 3 * sizeof(double));
        ft[c] = malloc(dn[c] * FPFH_DIM * sizeof(double));
        if (!t || !nrm[c] || !ft[c]) { kdtree_free(t); ok = 0; break; }
        estimate_normals(t, dp[c], dn[c], p->normal_mult * voxel, p->normal_max_nn, nrm[c]);
        if (compute_fpfh(t, dp[c], dn[c], nrm[c], p->fpfh_mult * voxel, p->fpfh_max_nn, p->n_threads, ft[c])) ok = 0;
        kdtree_free(t);
    }
    if (ok) fit = ransac_features(dp[1], ft[1], dn[1], dp[0], ft[0], dn[0], p, p->ransac_mult * voxel, T);
    for (int c = 0; c < 2; c++) { free(dp[c]); free(nrm[c]); free(ft[c]); }
    return fit;
}

/* ---- principal-axis frames ------------------------------------------------------------ */
static void principal_axes(const double *pts, size_t n, double E[9], double w[3]) {
    double C[9] = {0};
    for (size_t i = 0; i < n; i++)
        for (int r = 0; r < 3; r++)
            for (int s = 0; s < 3; s++) C[3 * r + s] += pts[3 * i + r] * pts[3 * i + s];
    for (int j = 0; j < 9; j++) C[j] /= (double)n;
    jacobi_eigen(C, 3, w, E);
}

/* The 24 rotations of the cube (signed permutation matrices with det +1). */
static int cube_rotations(double out[24][9]) {
    static const int perm[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    static const int psign[6] = {1, -1, -1, 1, 1, -1};
    int m = 0;
    for (int a = 0; a < 6; a++)
        for (int s = 0; s < 8; s++) {
            int sg[3] = {s & 1 ? -1 : 1, s & 2 ? -1 : 1, s & 4 ? -1 : 1};
            if (psign[a] * sg[0] * sg[1] * sg[2] != 1) continue;
            memset(out[m], 0, sizeof out[m]);
            for (int r = 0; r < 3; r++) out[m][3 * r + perm[a][r]] = sg[r];
            m++;
        }
    return m;
}

static double det3(const double *M) {
    return M[0] * (M[4] * M[8] - M[5] * M[7]) - M[1] * (M[3] * M[8] - M[5] * M[6]) + M[2] * (M[3] * M[7] - M[4] * M[6]);
}

/* a rotation by angle_rad about a random axis and a translation of length dist in a
 * random direction */
static void random_motion(sl_rng *rng, double angle_rad, double dist, double T[16]) {
    double a[3], b[3];
    for (;;) {
        double s = 0;
        for (int k = 0; k < 3; k++) { a[k] = 2 * sl_rng_uniform(rng) - 1; s += a[k] * a[k]; }
        if (s > 1e-6 && s <= 1) { s = sqrt(s); for (int k = 0; k < 3; k++) a[k] /= s; break; }
    }
    for (;;) {
        double s = 0;
        for (int k = 0; k < 3; k++) { b[k] = 2 * sl_rng_uniform(rng) - 1; s += b[k] * b[k]; }
        if (s > 1e-6 && s <= 1) { s = sqrt(s); for (int k = 0; k < 3; k++) b[k] /= s; break; }
    }
    double c = cos(angle_rad), sn = sin(angle_rad), t = 1 - c, x = a[0], y = a[1], z = a[2];
    double R[9] = {t * x * x + c, t * x * y - sn * z, t * x * z + sn * y,
                   t * x * y + sn * z, t * y * y + c, t * y * z - sn * x,
                   t * x * z - sn * y, t * y * z + sn * x, t * z * z + c};
    rigid_identity(T);
    for (int r = 0; r < 3; r++) {
        for (int k = 0; k < 3; k++) T[4 * r + k] = R[3 * r + k];
        T[4 * r + 3] = dist * b[r];
    }
}

/* mean squared distance from each point to its nearest other point */
static double self_nn2(const kdtree *t, const double *pts, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double d2[2];
        size_t k = kdtree_query_knn(t, pts + 3 * i, 2, INFINITY, NULL, d2);
        s += k == 2 ? d2[1] : 0;
    }
    return n ? s / (double)n : 0;
}

/* ---- the driver ------------------------------------------------------------------------- */
typedef struct hyp { double T[16]; double cd; char name[24]; } hyp;

static int cmp_hyp(const void *a, const void *b) {
    double x = ((const hyp *)a)->cd, y = ((const hyp *)b)->cd;
    return x < y ? -1 : x > y;
}

static double ref_length(const double *g, size_t n, metrics_scale_ref ref) {
    double mn[3] = {INFINITY, INFINITY, INFINITY}, mx[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++) {
            if (g[3 * i + k] < mn[k]) mn[k] = g[3 * i + k];
            if (g[3 * i + k] > mx[k]) mx[k] = g[3 * i + k];
        }
    double e[3] = {mx[0] - mn[0], mx[1] - mn[1], mx[2] - mn[2]};
    switch (ref) {
    case METRICS_SCALE_MEAN_EXTENT: return (e[0] + e[1] + e[2]) / 3;
    case METRICS_SCALE_RMS: return metrics_rms_radius(g, n);
    default: return sqrt(e[0] * e[0] + e[1] * e[1] + e[2] * e[2]);
    }
}

static void set_name(char *dst, const char *src) {
    snprintf(dst, 24, "%s", src);
}

sl_status metrics_align(const double *gt, size_t n_gt, const double *pred, size_t n_pred,
                        const metrics_align_params *p, metrics_align_result *out, sl_err *err) {
    if (!gt || !pred || !n_gt || !n_pred || !p || !out) return sl_err_set(err, SL_ERR_ARG, "metrics_align: empty input");
    memset(out, 0, sizeof *out);
    rigid_identity(out->T);
    out->ransac_fitness = out->icp_fitness = out->icp_rmse = -1;
    if (p->mode == METRICS_ALIGN_NONE) {
        set_name(out->hypothesis, "none");
        return SL_OK;
    }
    double cg[3], cp[3];
    metrics_centroid(gt, n_gt, cg);
    metrics_centroid(pred, n_pred, cp);
    double *g = malloc(n_gt * 3 * sizeof *g), *q = malloc(n_pred * 3 * sizeof *q);
    if (!g || !q) { free(g); free(q); return sl_err_set(err, SL_ERR_NOMEM, "out of memory"); }
    for (size_t i = 0; i < n_gt; i++)
        for (int k = 0; k < 3; k++) g[3 * i + k] = gt[3 * i + k] - cg[k];
    for (size_t i = 0; i < n_pred; i++)
        for (int k = 0; k < 3; k++) q[3 * i + k] = pred[3 * i + k] - cp[k];
    double L = ref_length(g, n_gt, p->scale_ref);
    double voxel = p->voxel_frac * L;
    out->ref_len = L;
    out->voxel = voxel;
    double T[16];
    rigid_identity(T);
    sl_status st = SL_OK;
    kdtree *tg = NULL, *tp = NULL;
    hyp *hy = NULL;
    cicp_buf buf = {0};
    if (p->mode == METRICS_ALIGN_CENTROID || !(L > 0)) {
        set_name(out->hypothesis, "centroid");
        goto done;
    }
    tg = kdtree_new(g, n_gt);
    tp = kdtree_new(q, n_pred);
    if (!tg || !tp) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
    if (p->mode == METRICS_ALIGN_ICP || p->mode == METRICS_ALIGN_CHAIN) {
        set_name(out->hypothesis, "identity");
        if (p->mode == METRICS_ALIGN_CHAIN) {
            out->ransac_fitness = global_registration(g, n_gt, q, n_pred, p, voxel, T);
            if (out->ransac_fitness < 0) rigid_identity(T);
            else set_name(out->hypothesis, "ransac");
        }
        double thr = p->icp_thresh_abs > 0 ? p->icp_thresh_abs : p->icp_frac * L;
        for (int s = 0; s < p->icp_stages && !st; s++, thr *= p->icp_shrink)
            st = icp_trees(tg, tp, thr, p->icp_max_iter, p->n_threads, T, &out->icp_fitness, &out->icp_rmse, err);
        goto done;
    }
    /* METRICS_ALIGN_FULL */
    {
        if (cicp_alloc(&buf, n_gt, n_pred)) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
        hy = malloc(40 * sizeof *hy);
        if (!hy) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
        int nh = 0;
        rigid_identity(hy[nh].T);
        set_name(hy[nh++].name, "identity");
        /* principal-axis frames: R = Eg S Ep^T */
        double Eg[9], Ep[9], wg[3], wp[3];
        principal_axes(g, n_gt, Eg, wg);
        principal_axes(q, n_pred, Ep, wp);
        int degenerate = 0;
        /* two principal extents within 10% of each other: the frame is not defined by the
         * data (a symmetry axis, or nearly so) */
        for (int k = 0; k < 2; k++)
            if (wg[k] - wg[k + 1] < 0.1 * wg[k] || wp[k] - wp[k + 1] < 0.1 * wp[k]) degenerate = 1;
        double rots[24][9];
        int nr = cube_rotations(rots);
        double dflip = det3(Eg) * det3(Ep);  /* keep R proper: S must have det = dflip */
        for (int r = 0; r < nr; r++) {
            double S[9];
            memcpy(S, rots[r], sizeof S);
            /* without degeneracy only the diagonal sign flips (axis order fixed) */
            if (!degenerate && (S[0] == 0 || S[4] == 0 || S[8] == 0)) continue;
            if (dflip < 0)
                for (int j = 0; j < 3; j++) S[6 + j] = -S[6 + j];
            double M[9], R[9];
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) {
                    double s = 0;
                    for (int k = 0; k < 3; k++) s += Eg[3 * a + k] * S[3 * k + b];
                    M[3 * a + b] = s;
                }
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) {
                    double s = 0;
                    for (int k = 0; k < 3; k++) s += M[3 * a + k] * Ep[3 * b + k];
                    R[3 * a + b] = s;
                }
            rigid_identity(hy[nh].T);
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) hy[nh].T[4 * a + b] = R[3 * a + b];
            snprintf(hy[nh].name, sizeof hy[nh].name, "pca%d", r);
            nh++;
        }
        /* FPFH + RANSAC is the most expensive start. With a well-defined principal frame it
         * is added after the first race level, and only when no cheap start came close to
         * the sampling-noise floor there; for (nearly) symmetric parts, whose frames are
         * arbitrary, it always races. */
        int ransac_pending = 1;
        if (degenerate) {
            ransac_pending = 0;
            out->ransac_fitness = global_registration(g, n_gt, q, n_pred, p, voxel, hy[nh].T);
            if (out->ransac_fitness >= 0) set_name(hy[nh++].name, "ransac");
        }
        out->n_hypotheses = nh;
        /* The race: every start is refined by Chamfer-ICP on small subsamples, the
         * better ones go on to larger subsamples, and the last few race on the full
         * clouds (successive halving), so most of the work goes to the starts that can
         * win. Starts that converge to the same rotation as a better one are dropped;
         * starts much worse than the best are dropped. How many reach the full clouds
         * grows as the clouds shrink: with few points, equivalent poses of a symmetric
         * part differ only by sampling noise, and only the full clouds can tell. */
        size_t nmin = n_gt < n_pred ? n_gt : n_pred;
        int keep_full = (int)((double)(p->n_refine < 1 ? 1 : p->n_refine) * 2048.0 / (double)nmin);
        if (keep_full > p->n_refine) keep_full = p->n_refine;
        if (keep_full < 2) keep_full = 2;
        size_t lv_size[3] = {p->coarse_points / 2, p->coarse_points * 2, MEDIUM_POINTS};
        int lv_iters[3] = {6, 6, 6};
        int nc = nh, levels_ran = 0;
        for (int lv = 0; lv < 3; lv++) {  /* a lone survivor still converges cheaply on the larger subsamples */
            size_t m1 = lv_size[lv];
            if (m1 < 16 || m1 * 2 > nmin) continue;   /* not much smaller than the clouds: skip */
            double *gl = malloc(m1 * 3 * sizeof *gl), *ql = malloc(m1 * 3 * sizeof *ql);
            kdtree *tgl = NULL, *tpl = NULL;
            cicp_buf bl = {0};
            if (gl && ql) {
                metrics_subsample(g, n_gt, m1, p->seed * 2 + 11 + 2 * (uint64_t)lv, gl);
                metrics_subsample(q, n_pred, m1, p->seed * 2 + 12 + 2 * (uint64_t)lv, ql);
                tgl = kdtree_new(gl, m1);
                tpl = kdtree_new(ql, m1);
            }
            if (tgl && tpl && !cicp_alloc(&bl, m1, m1)) {
                levels_ran = 1;
                for (int h = 0; h < nc; h++)
                    hy[h].cd = chamfer_icp(tgl, tpl, hy[h].T, lv_iters[lv], 1e-4, lv == 2 ? p->n_threads : 1, &bl);
                qsort(hy, (size_t)nc, sizeof *hy, cmp_hyp);
                if (ransac_pending) {
                    /* noise floor: two independent samples of one surface have a Chamfer
                     * distance of about the mean squared nearest-neighbour distance within
                     * each cloud (2-D Poisson: A / (pi n) both ways) */
                    ransac_pending = 0;
                    double noise = self_nn2(tgl, gl, m1) + self_nn2(tpl, ql, m1);
                    if (!(hy[0].cd <= 2 * noise)) {
                        out->ransac_fitness = global_registration(g, n_gt, q, n_pred, p, voxel, hy[nc].T);
                        if (out->ransac_fitness >= 0) {
                            set_name(hy[nc].name, "ransac");
                            hy[nc].cd = chamfer_icp(tgl, tpl, hy[nc].T, lv_iters[lv], 1e-4, 1, &bl);
                            nc++;
                            out->n_hypotheses++;
                            qsort(hy, (size_t)nc, sizeof *hy, cmp_hyp);
                        }
                    }
                }
                int nk = 0;
                for (int h = 0; h < nc; h++) {
                    int dup = hy[h].cd > 1.5 * hy[0].cd;
                    for (int j = 0; j < nk && !dup; j++) {
                        double tr = 0;
                        for (int r = 0; r < 3; r++)
                            for (int c = 0; c < 3; c++) tr += hy[h].T[4 * r + c] * hy[j].T[4 * r + c];
                        if ((tr - 1) / 2 > cos(3.0 * M_PI / 180)) dup = 1;
                    }
                    if (!dup) hy[nk++] = hy[h];
                }
                int keep = keep_full > 4 ? keep_full : 4;
                if (lv == 0 && keep < 8) keep = 8;
                nc = nk < keep ? nk : keep;
            }
            cicp_free(&bl);
            kdtree_free(tgl);
            kdtree_free(tpl);
            free(gl);
            free(ql);
        }
        if (ransac_pending && !levels_ran) {
            /* clouds too small for the subsample levels: every start races on the full
             * clouds, RANSAC's too */
            out->ransac_fitness = global_registration(g, n_gt, q, n_pred, p, voxel, hy[nc].T);
            if (out->ransac_fitness >= 0) {
                set_name(hy[nc].name, "ransac");
                nc++;
                out->n_hypotheses++;
            }
        }
        if (levels_ran && nc > keep_full) nc = keep_full;
        int iters = 2;
        while (nc > 1) {
            for (int h = 0; h < nc; h++)
                hy[h].cd = chamfer_icp(tg, tp, hy[h].T, iters, p->refine_tol, p->n_threads, &buf);
            qsort(hy, (size_t)nc, sizeof *hy, cmp_hyp);
            nc = (nc + 1) / 2;
            iters *= 2;
        }
        hy[0].cd = chamfer_icp(tg, tp, hy[0].T, p->refine_max_iter, p->refine_tol, p->n_threads, &buf);
        /* centroid-only is always a candidate */
        double best = cicp_eval(tg, tp, T, p->n_threads, &buf);
        set_name(out->hypothesis, "centroid");
        if (hy[0].cd < best) {
            best = hy[0].cd;
            memcpy(T, hy[0].T, sizeof T);
            set_name(out->hypothesis, hy[0].name);
        }
        /* polish: at the noise floor the Chamfer landscape is rugged on the scale of the
         * sample spacing; hop to nearby starts (a random motion of about half the mean
         * nearest-neighbour distance) and keep any lower minimum */
        double r_p = metrics_rms_radius(q, n_pred);
        sl_rng rng;
        sl_rng_seed(&rng, p->seed * 7 + 3);
        for (int k = 0; k < p->polish_restarts && r_p > 0; k++) {
            double step = 0.5 * sqrt(best / 2);
            double Tk[16], P[16];
            random_motion(&rng, step / r_p, step, P);
            rigid_mul(P, T, Tk);
            double cd = chamfer_icp(tg, tp, Tk, p->refine_max_iter, p->refine_tol, p->n_threads, &buf);
            if (cd < best) {
                best = cd;
                memcpy(T, Tk, sizeof Tk);
            }
        }
    }
done:
    if (!st) {
        /* T maps centred pred to centred gt: full = Tr(cg) T Tr(-cp) */
        double A[16], B[16];
        rigid_identity(A);
        rigid_identity(B);
        for (int k = 0; k < 3; k++) { A[4 * k + 3] = cg[k]; B[4 * k + 3] = -cp[k]; }
        rigid_mul(A, T, T);
        rigid_mul(T, B, out->T);
    }
    cicp_free(&buf);
    kdtree_free(tg); kdtree_free(tp);
    free(hy); free(g); free(q);
    return st;
}
