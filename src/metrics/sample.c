/* sample.c - seeded, area-weighted surface sampling and small point-cloud helpers.
 *
 * Sampling runs on one thread on purpose: it is cheap (a binary search per point)
 * and a serial stream from one seeded generator gives the same points whatever
 * the thread count. Triangle areas are computed here (not via mesh_props) so the
 * metrics need nothing else from the mesh module. */
#include "steplm/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double tri_area(const double *a, const double *b, const double *c) {
    double u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]};
    double v[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
    double x = u[1] * v[2] - u[2] * v[1], y = u[2] * v[0] - u[0] * v[2], z = u[0] * v[1] - u[1] * v[0];
    return 0.5 * sqrt(x * x + y * y + z * z);
}

sl_status metrics_sample_surface(const mesh *m, size_t n_points, uint64_t seed, double *out, sl_err *err) {
    if (!m || !out) return sl_err_set(err, SL_ERR_ARG, "metrics_sample_surface: NULL argument");
    if (m->n_tris == 0) return sl_err_set(err, SL_ERR_INVALID, "mesh has no triangles to sample");
    double *cdf = malloc(m->n_tris * sizeof *cdf);
    if (!cdf) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    double acc = 0;
    for (size_t t = 0; t < m->n_tris; t++) {
        const uint32_t *f = m->tris + 3 * t;
        if (f[0] >= m->n_verts || f[1] >= m->n_verts || f[2] >= m->n_verts) {
            free(cdf);
            return sl_err_set(err, SL_ERR_INVALID, "triangle %zu has a vertex index out of range", t);
        }
        acc += tri_area(m->verts + 3 * f[0], m->verts + 3 * f[1], m->verts + 3 * f[2]);
        cdf[t] = acc;
    }
    if (!(acc > 0) || !isfinite(acc)) {
        free(cdf);
        return sl_err_set(err, SL_ERR_INVALID, "mesh surface area is zero or not finite");
    }
    sl_rng rng;
    sl_rng_seed(&rng, seed);
    for (size_t i = 0; i < n_points; i++) {
        double u = sl_rng_uniform(&rng) * acc;
        /* first t with cdf[t] > u */
        size_t lo = 0, hi = m->n_tris - 1;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cdf[mid] > u) hi = mid;
            else lo = mid + 1;
        }
        const uint32_t *f = m->tris + 3 * lo;
        const double *a = m->verts + 3 * f[0], *b = m->verts + 3 * f[1], *c = m->verts + 3 * f[2];
        double r1 = sqrt(sl_rng_uniform(&rng)), r2 = sl_rng_uniform(&rng);
        double wa = 1 - r1, wb = r1 * (1 - r2), wc = r1 * r2;
        for (int k = 0; k < 3; k++) out[3 * i + (size_t)k] = wa * a[k] + wb * b[k] + wc * c[k];
    }
    free(cdf);
    return SL_OK;
}

void metrics_subsample(const double *pts, size_t n, size_t n_out, uint64_t seed, double *out) {
    if (n_out > n) n_out = n;
    if (n_out == n) {
        memcpy(out, pts, n * 3 * sizeof *pts);
        return;
    }
    /* partial Fisher-Yates over an index permutation */
    size_t *perm = malloc(n * sizeof *perm);
    sl_rng rng;
    sl_rng_seed(&rng, seed);
    if (!perm) {  /* fall back to a seeded stride: still deterministic */
        for (size_t i = 0; i < n_out; i++) memcpy(out + 3 * i, pts + 3 * (i * n / n_out), 3 * sizeof *pts);
        return;
    }
    for (size_t i = 0; i < n; i++) perm[i] = i;
    for (size_t i = 0; i < n_out; i++) {
        size_t j = i + (size_t)(sl_rng_next(&rng) % (uint64_t)(n - i));
        size_t t = perm[i]; perm[i] = perm[j]; perm[j] = t;
        memcpy(out + 3 * i, pts + 3 * perm[i], 3 * sizeof *pts);
    }
    free(perm);
}

sl_status metrics_points_from_mesh(const mesh *m, size_t n_points, int resample, uint64_t seed, double **out,
                                   size_t *n_out, sl_err *err) {
    *out = NULL;
    *n_out = 0;
    if (m->n_tris > 0) {
        if (n_points == 0) return sl_err_set(err, SL_ERR_ARG, "number of sample points is 0");
        double *p = malloc(n_points * 3 * sizeof *p);
        if (!p) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
        sl_status st = metrics_sample_surface(m, n_points, seed, p, err);
        if (st) { free(p); return st; }
        *out = p;
        *n_out = n_points;
        return SL_OK;
    }
    if (m->n_verts == 0) return sl_err_set(err, SL_ERR_INVALID, "empty point cloud");
    size_t n = m->n_verts;
    if (resample && n_points > 0 && n_points < n) n = n_points;
    double *p = malloc(n * 3 * sizeof *p);
    if (!p) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    metrics_subsample(m->verts, m->n_verts, n, seed, p);
    *out = p;
    *n_out = n;
    return SL_OK;
}

void metrics_centroid(const double *pts, size_t n, double c[3]) {
    double s[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++) s[k] += pts[3 * i + (size_t)k];
    for (int k = 0; k < 3; k++) c[k] = n ? s[k] / (double)n : 0;
}

double metrics_rms_radius(const double *pts, size_t n) {
    if (!n) return 0;
    double c[3], s = 0;
    metrics_centroid(pts, n, c);
    for (size_t i = 0; i < n; i++) {
        double dx = pts[3 * i] - c[0], dy = pts[3 * i + 1] - c[1], dz = pts[3 * i + 2] - c[2];
        s += dx * dx + dy * dy + dz * dz;
    }
    return sqrt(s / (double)n);
}

void metrics_transform_points(double *pts, size_t n, const double T[16]) {
    for (size_t i = 0; i < n; i++) {
        double *p = pts + 3 * i, x = p[0], y = p[1], z = p[2];
        for (int r = 0; r < 3; r++) p[r] = T[4 * r] * x + T[4 * r + 1] * y + T[4 * r + 2] * z + T[4 * r + 3];
    }
}
