/* bench_metrics.c - timings of the metrics pipeline on fixed inputs and seeds:
 * the L-bracket (GT) vs its rigid copy from ../shared/data/metrics/shapes, the pair
 * Open3D's anchors use. For each N and thread count: the full SCD pipeline (sample both
 * meshes, align, distances) with the multi-hypothesis alignment (full) and with the
 * single Open3D-style chain (centroid, FPFH + RANSAC, 3-stage ICP), and Chamfer alone on
 * two aligned samples (tree builds included). Median of --reps runs, milliseconds of
 * wall time (ms) and of process CPU time (cpu_ms: fairer on a shared machine at T=1).
 * Output: one "key=value ..." line per measurement (bench/metrics.sh reads them).
 *
 * usage: bench_metrics [--ns 2048,8192,32768] [--threads T] [--reps R] [--cd-n 131072] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "steplm/metrics.h"

#define SHAPES "../shared/data/metrics/shapes"

static double cpu_sec(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* one full run: sample both meshes, compare; returns ms, *scd */
static double run_pipeline(const mesh *g, const mesh *p, size_t n, metrics_align_params *ap, double *scd) {
    double t0 = sl_time_sec();
    double *a = malloc(n * 3 * sizeof *a), *b = malloc(n * 3 * sizeof *b);
    if (!a || !b || metrics_sample_surface(g, n, 0, a, NULL) || metrics_sample_surface(p, n, 1, b, NULL)) {
        free(a);
        free(b);
        return -1;
    }
    metrics_compare_result r;
    if (metrics_compare_points(a, n, b, n, ap, &r, NULL)) *scd = -1;
    else *scd = r.scd;
    double ms = (sl_time_sec() - t0) * 1e3;
    free(a);
    free(b);
    return ms;
}

int main(int argc, char **argv) {
    const char *ns = "2048,8192,32768";
    int threads = 1, reps = 5;
    long cd_n = 131072;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--ns")) ns = argv[i + 1];
        else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--cd-n")) cd_n = atol(argv[i + 1]);
        else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
    }
    if (reps < 1 || reps > 100) reps = 5;
    mesh g, p;
    sl_err err;
    if (mesh_read_file(SHAPES "/lbracket.stl", MESH_FMT_AUTO, &g, &err) ||
        mesh_read_file(SHAPES "/lbracket_rigid.stl", MESH_FMT_AUTO, &p, &err)) {
        fprintf(stderr, "bench_metrics: cannot read the reference shapes: %s\n", err.msg);
        return 1;
    }
    double t[100];
    for (const char *s = ns; *s;) {
        size_t n = (size_t)strtoul(s, (char **)&s, 10);
        if (*s == ',') s++;
        if (n == 0) break;
        static const char *const modes[2] = {"full", "chain"};
        for (int m = 0; m < 2; m++) {
            metrics_align_params ap;
            metrics_align_params_default(&ap);
            if (m == 1) ap.mode = METRICS_ALIGN_CHAIN;
            ap.n_threads = threads;
            double scd = 0, c[100];
            run_pipeline(&g, &p, n, &ap, &scd);  /* warm-up */
            for (int r = 0; r < reps; r++) {
                double c0 = cpu_sec();
                t[r] = run_pipeline(&g, &p, n, &ap, &scd);
                c[r] = (cpu_sec() - c0) * 1e3;
            }
            printf("steplm mode=%s N=%zu T=%d ms=%.2f cpu_ms=%.2f scd=%.7g\n", modes[m], n, threads, median(t, reps),
                   median(c, reps), scd);
            fflush(stdout);
        }
    }
    /* Chamfer alone, aligned case: two independent samples of the same mesh */
    if (cd_n > 0) {
        size_t n = (size_t)cd_n;
        double *a = malloc(n * 3 * sizeof *a), *b = malloc(n * 3 * sizeof *b);
        if (a && b && !metrics_sample_surface(&g, n, 0, a, NULL) && !metrics_sample_surface(&g, n, 1, b, NULL)) {
            metrics_dist d;
            for (int r = 0; r < reps; r++) {
                double t0 = sl_time_sec();
                metrics_distances(a, n, b, n, threads, &d, NULL);
                t[r] = (sl_time_sec() - t0) * 1e3;
            }
            printf("steplm mode=cd_only N=%zu T=%d ms=%.2f cd=%.7g\n", n, threads, median(t, reps), d.cd_sq_bidir);
        }
        free(a);
        free(b);
    }
    mesh_release(&g);
    mesh_release(&p);
    return 0;
}
