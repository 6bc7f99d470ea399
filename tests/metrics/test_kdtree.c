/* test_kdtree.c - the k-d tree agrees with brute force (nn, knn, radius) on random
 * clouds, including duplicated points and flat (2-D) clouds. */
#include "test.h"
#include "steplm/metrics.h"

#include <math.h>

static double d2of(const double *a, const double *b) {
    double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
    return dx * dx + dy * dy + dz * dz;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void check_cloud(const double *pts, size_t n, sl_rng *rng, double scale) {
    kdtree *t = kdtree_new(pts, n);
    CHECK(t != NULL);
    if (!t) return;
    CHECK_EQ_INT(kdtree_size(t), n);
    double *all = malloc(n * sizeof *all);
    size_t *idx = NULL;
    double *dd = NULL;
    size_t cap = 0;
    int bad_nn = 0, bad_knn = 0, bad_rad = 0;
    for (int qi = 0; qi < 200; qi++) {
        double q[3];
        for (int k = 0; k < 3; k++) q[k] = (sl_rng_uniform(rng) * 1.4 - 0.2) * scale;
        if (qi % 5 == 0) for (int k = 0; k < 3; k++) q[k] = pts[3 * (qi % n) + k];  /* on a point */
        double best = INFINITY;
        for (size_t i = 0; i < n; i++) {
            all[i] = d2of(q, pts + 3 * i);
            if (all[i] < best) best = all[i];
        }
        double d;
        size_t j = kdtree_query_nn(t, q, &d);
        if (d != best || all[j] != best) bad_nn++;
        /* knn with k = 7 and unbounded radius */
        qsort(all, n, sizeof *all, cmp_d);
        size_t kidx[7];
        double kd[7];
        size_t got = kdtree_query_knn(t, q, 7, INFINITY, kidx, kd);
        if (got != (n < 7 ? n : 7)) bad_knn++;
        for (size_t m = 0; m < got; m++)
            if (kd[m] != all[m] || d2of(q, pts + 3 * kidx[m]) != kd[m]) bad_knn++;
        /* radius: count must equal brute force */
        double r = 0.15 * scale;
        size_t want = 0;
        while (want < n && all[want] <= r * r) want++;
        long nr = kdtree_query_radius(t, q, r, &idx, &dd, &cap);
        if (nr != (long)want) bad_rad++;
        for (long m = 0; m < nr; m++)
            if (d2of(q, pts + 3 * idx[m]) > r * r) bad_rad++;
        /* knn with a radius bound */
        got = kdtree_query_knn(t, q, 7, r * r, kidx, kd);
        if (got != (want < 7 ? want : 7)) bad_knn++;
    }
    CHECK_EQ_INT(bad_nn, 0);
    CHECK_EQ_INT(bad_knn, 0);
    CHECK_EQ_INT(bad_rad, 0);
    free(idx);
    free(dd);
    free(all);
    kdtree_free(t);
}

int main(void) {
    sl_rng rng;
    sl_rng_seed(&rng, 12345);
    size_t sizes[] = {1, 2, 9, 11, 100, 3000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        size_t n = sizes[s];
        double *p = malloc(n * 3 * sizeof *p);
        for (size_t i = 0; i < 3 * n; i++) p[i] = sl_rng_uniform(&rng) * 10.0;
        check_cloud(p, n, &rng, 10.0);
        /* flat cloud with many duplicates: z = 0, coordinates on a coarse lattice */
        for (size_t i = 0; i < n; i++) {
            p[3 * i] = floor(sl_rng_uniform(&rng) * 8);
            p[3 * i + 1] = floor(sl_rng_uniform(&rng) * 8);
            p[3 * i + 2] = 0;
        }
        check_cloud(p, n, &rng, 8.0);
        free(p);
    }
    CHECK(kdtree_new(NULL, 0) == NULL);
    return test_finish("kdtree");
}
