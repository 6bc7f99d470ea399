/* setmetrics.c - metrics over a whole test set: JSD of voxel occupancy, MMD and COV
 * with Chamfer as the distance (NURBGen, point-cloud generation literature), and the
 * text-level STEP-LLM metrics: completion (CR) and entity count (AEC) with its bins. */
#include "steplm/metrics.h"
#include "metrics/chamfer_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const metrics_entity_bin_names[METRICS_N_ENTITY_BINS] = {"<100", "100-200", "200-300",
                                                                      "300-400", "400-500", ">=500"};

void metrics_normalize_unit_cube(double *pts, size_t n) {
    if (!n) return;
    double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++) {
            if (pts[3 * i + k] < lo[k]) lo[k] = pts[3 * i + k];
            if (pts[3 * i + k] > hi[k]) hi[k] = pts[3 * i + k];
        }
    double ext = fmax(hi[0] - lo[0], fmax(hi[1] - lo[1], hi[2] - lo[2]));
    double s = ext > 0 ? 1 / ext : 1;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++) pts[3 * i + k] = (pts[3 * i + k] - 0.5 * (lo[k] + hi[k])) * s;
}

/* add 1 to every cell occupied by the cloud */
static void occupancy_add(const double *pts, size_t n, int res, double *hist, uint8_t *mark) {
    size_t nc = (size_t)res * (size_t)res * (size_t)res;
    memset(mark, 0, nc);
    for (size_t i = 0; i < n; i++) {
        long c[3];
        for (int k = 0; k < 3; k++) {
            c[k] = (long)floor((pts[3 * i + k] + 0.5) * res);
            if (c[k] < 0) c[k] = 0;
            if (c[k] >= res) c[k] = res - 1;
        }
        size_t id = ((size_t)c[2] * (size_t)res + (size_t)c[1]) * (size_t)res + (size_t)c[0];
        if (!mark[id]) { mark[id] = 1; hist[id] += 1; }
    }
}

double metrics_jsd(const double *const *set_a, const size_t *n_a, size_t n_sets_a, const double *const *set_b,
                   const size_t *n_b, size_t n_sets_b, int res) {
    if (res < 1 || res > 256) return NAN;
    size_t nc = (size_t)res * (size_t)res * (size_t)res;
    double *ha = calloc(nc, sizeof *ha), *hb = calloc(nc, sizeof *hb);
    uint8_t *mark = malloc(nc);
    double out = NAN;
    if (ha && hb && mark) {
        for (size_t s = 0; s < n_sets_a; s++) occupancy_add(set_a[s], n_a[s], res, ha, mark);
        for (size_t s = 0; s < n_sets_b; s++) occupancy_add(set_b[s], n_b[s], res, hb, mark);
        double sa = 0, sb = 0;
        for (size_t i = 0; i < nc; i++) { sa += ha[i]; sb += hb[i]; }
        if (sa > 0 && sb > 0) {
            double kl_a = 0, kl_b = 0;
            for (size_t i = 0; i < nc; i++) {
                double p = ha[i] / sa, q = hb[i] / sb, m = 0.5 * (p + q);
                if (p > 0) kl_a += p * log(p / m);
                if (q > 0) kl_b += q * log(q / m);
            }
            out = 0.5 * (kl_a + kl_b);
        }
    }
    free(ha);
    free(hb);
    free(mark);
    return out;
}

sl_status metrics_mmd_cov(const double *const *gen, const size_t *n_gen, size_t n_sets_gen, const double *const *ref,
                          const size_t *n_ref, size_t n_sets_ref, int n_threads, double *mmd, double *cov,
                          sl_err *err) {
    if (!n_sets_gen || !n_sets_ref) return sl_err_set(err, SL_ERR_ARG, "MMD/COV need non-empty sets");
    kdtree **tg = calloc(n_sets_gen, sizeof *tg), **tr = calloc(n_sets_ref, sizeof *tr);
    double *D = malloc(n_sets_gen * n_sets_ref * sizeof *D);  /* (gen, ref) */
    sl_status st = SL_OK;
    if (!tg || !tr || !D) st = sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n_sets_gen && !st; i++)
        if (!(tg[i] = kdtree_new(gen[i], n_gen[i]))) st = sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    for (size_t j = 0; j < n_sets_ref && !st; j++)
        if (!(tr[j] = kdtree_new(ref[j], n_ref[j]))) st = sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    if (!st) {
        size_t np = n_sets_gen * n_sets_ref;
        int fail = 0;
        int nt = metrics_threads(n_threads);
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) reduction(| : fail)
        for (size_t k = 0; k < np; k++) {
            size_t i = k / n_sets_ref, j = k % n_sets_ref;
            metrics_dist d;
            if (metrics_distances_trees(tr[j], ref[j], n_ref[j], tg[i], gen[i], n_gen[i], NULL, 1, &d, NULL)) fail = 1;
            else D[k] = d.cd_sq_bidir;
        }
        if (fail) st = sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    }
    if (!st) {
        double s = 0;
        for (size_t j = 0; j < n_sets_ref; j++) {
            double m = INFINITY;
            for (size_t i = 0; i < n_sets_gen; i++) m = fmin(m, D[i * n_sets_ref + j]);
            s += m;
        }
        *mmd = s / (double)n_sets_ref;
        uint8_t *hit = calloc(n_sets_ref, 1);
        if (!hit) st = sl_err_set(err, SL_ERR_NOMEM, "out of memory");
        else {
            for (size_t i = 0; i < n_sets_gen; i++) {
                size_t bj = 0;
                for (size_t j = 1; j < n_sets_ref; j++)
                    if (D[i * n_sets_ref + j] < D[i * n_sets_ref + bj]) bj = j;
                hit[bj] = 1;
            }
            size_t c = 0;
            for (size_t j = 0; j < n_sets_ref; j++) c += hit[j];
            *cov = (double)c / (double)n_sets_ref;
            free(hit);
        }
    }
    for (size_t i = 0; tg && i < n_sets_gen; i++) kdtree_free(tg[i]);
    for (size_t j = 0; tr && j < n_sets_ref; j++) kdtree_free(tr[j]);
    free(tg);
    free(tr);
    free(D);
    return st;
}

int metrics_step_is_complete(const char *text, size_t n) {
    if (!text || !n) return 0;
    /* last line as Python's readlines() gives it: the text after the last '\n' that is
     * not the final character; a file ending in "\n\n" has an empty last line */
    size_t end = n;
    if (text[end - 1] == '\n') end--;
    size_t start = end;
    while (start > 0 && text[start - 1] != '\n') start--;
    /* strip() removes whitespace on both sides */
    while (start < end && (text[start] == ' ' || text[start] == '\t' || text[start] == '\r' || text[start] == '\f' ||
                           text[start] == '\v'))
        start++;
    while (end > start && (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '\r' ||
                           text[end - 1] == '\f' || text[end - 1] == '\v'))
        end--;
    static const char want[] = "END-ISO-10303-21;";
    return end - start == sizeof want - 1 && !memcmp(text + start, want, sizeof want - 1);
}

long metrics_step_entity_count(const char *text, size_t n) {
    long best = 0;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r')) j++;
        if (j < n && text[j] == '#') {
            j++;
            long v = 0;
            int digits = 0;
            while (j < n && text[j] >= '0' && text[j] <= '9' && digits < 18) { v = v * 10 + (text[j] - '0'); j++; digits++; }
            while (j < n && (text[j] == ' ' || text[j] == '\t')) j++;
            if (digits && j < n && text[j] == '=' && v > best) best = v;
        }
        while (i < n && text[i] != '\n') i++;
        i++;
    }
    return best;
}

int metrics_entity_bin(long count) {
    if (count < 100) return 0;
    if (count >= 500) return 5;
    return (int)(count / 100);
}

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double metrics_median(const double *v, size_t n) {
    double *c = malloc((n ? n : 1) * sizeof *c);
    if (!c) return NAN;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i])) c[m++] = v[i];
    double r = NAN;
    if (m) {
        qsort(c, m, sizeof *c, cmp_dbl);
        r = m % 2 ? c[m / 2] : (isinf(c[m / 2]) ? c[m / 2] : 0.5 * (c[m / 2 - 1] + c[m / 2]));
    }
    free(c);
    return r;
}
