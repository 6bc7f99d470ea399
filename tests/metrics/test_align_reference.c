/* test_align_reference.c - with full alignment (METRICS_ALIGN_FULL, default relative
 * parameters), the scaled Chamfer distance is at most 1.02 x scd_best_known of
 * ../shared/data/metrics/reference.csv for every (pair, N) row. scd_best_known is the
 * lowest SCD Open3D reached on those samples over four recipes (see the README there).
 *
 * Inputs: the exact sampled clouds from points/ where they were exported (all pairs at
 * N = 2048, five at 8192); elsewhere our own samples of the shapes/ STL files (seeds 0 and 1),
 * whose sampling noise differs from numpy's by well under the 2% margin at N >= 8192.
 * Slow under ASan: registered with label nosan (tests.cmake). Set STEPLM_ALIGN_NS
 * (e.g. "2048") to restrict the point counts. */
#include "test.h"
#include "metrics_test_util.h"
#include "steplm/metrics.h"

static const char *slug(const char *pair, char *out, size_t n) {
    size_t k = 0;
    for (const char *p = pair; *p && k + 3 < n; p++) {
        if (*p == '~') { out[k++] = '_'; out[k++] = '_'; }
        else if (*p == '(' || *p == ' ') out[k++] = '_';
        else if (*p == ')' || *p == ',') continue;
        else out[k++] = *p;
    }
    out[k] = 0;
    return out;
}

static double *sample_shape(const char *name, size_t n, uint64_t seed) {
    char path[256];
    snprintf(path, sizeof path, REF_DIR "/shapes/%s.stl", name);
    mesh m;
    if (mesh_read_file(path, MESH_FMT_AUTO, &m, NULL) != SL_OK) return NULL;
    double *p = malloc(n * 3 * sizeof *p);
    if (p && metrics_sample_surface(&m, n, seed, p, NULL) != SL_OK) { free(p); p = NULL; }
    mesh_release(&m);
    return p;
}

/* split one CSV line (quoted fields allowed) into at most max fields, in place */
static int csv_split(char *line, char **f, int max) {
    int n = 0;
    char *p = line;
    while (*p && n < max) {
        if (*p == '"') {
            f[n++] = ++p;
            while (*p && *p != '"') p++;
            if (*p) *p++ = 0;
            if (*p == ',') p++;
        } else {
            f[n++] = p;
            while (*p && *p != ',' && *p != '\n' && *p != '\r') p++;
            if (*p) *p++ = 0;
        }
    }
    return n;
}

int main(void) {
    if (!ref_available()) TEST_SKIP("reference data not found under " REF_DIR);
    const char *ns = getenv("STEPLM_ALIGN_NS");
    cJSON *man = ref_read_json("points/manifest.json");
    const cJSON *sets = cJSON_GetObjectItemCaseSensitive(man, "sets");
    char *csv = NULL;
    size_t len = 0;
    CHECK(sl_file_read(REF_DIR "/reference.csv", &csv, &len, 0, NULL) == SL_OK);
    if (!csv) return test_finish("align_reference");
    char done[64][96];
    int n_done = 0, n_rows = 0, worst_i = -1;
    double worst = 0;
    char *save = NULL;
    char *line = strtok_r(csv, "\n", &save);  /* header */
    int c_pair = 0, c_gt = 1, c_pred = 2, c_n = 4, c_best = -1;
    {
        char *f[64];
        char hdr[1024];
        snprintf(hdr, sizeof hdr, "%s", line);
        int nf = csv_split(hdr, f, 64);
        for (int i = 0; i < nf; i++)
            if (!strcmp(f[i], "scd_best_known")) c_best = i;
    }
    CHECK(c_best > 0);
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *f[64];
        int nf = csv_split(line, f, 64);
        if (nf <= c_best) continue;
        size_t n = (size_t)atol(f[c_n]);
        char key[96];
        snprintf(key, sizeof key, "%s|%zu", f[c_pair], n);
        int seen = 0;
        for (int i = 0; i < n_done; i++) seen |= !strcmp(done[i], key);
        if (seen || n_done == 64) continue;
        snprintf(done[n_done++], sizeof done[0], "%s", key);
        if (ns) {
            char nb[16];
            snprintf(nb, sizeof nb, "%zu", n);
            if (!strstr(ns, nb)) continue;
        }
        double best = atof(f[c_best]);
        char sl[128], stem[160];
        snprintf(stem, sizeof stem, "%s_N%zu", slug(f[c_pair], sl, sizeof sl), n);
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(sets, stem);
        double *g = NULL, *p = NULL;
        size_t ng = n, np = n;
        const char *src = "points/";
        if (s) {
            const cJSON *files = cJSON_GetObjectItemCaseSensitive(s, "files");
            g = ref_read_f64(json_str(files, "gt_raw"), &ng);
            p = ref_read_f64(json_str(files, "pred_raw"), &np);
        } else {
            src = "resampled";
            int same = strstr(f[c_pair], "identical") != NULL;
            g = sample_shape(f[c_gt], n, 0);
            p = sample_shape(f[c_pred], n, same ? 0 : 1);
        }
        CHECK_MSG(g && p, "%s: inputs", stem);
        if (!g || !p) { free(g); free(p); continue; }
        metrics_align_params ap;
        metrics_align_params_default(&ap);
        metrics_compare_result r;
        double t0 = sl_time_sec();
        CHECK(metrics_compare_points(g, ng, p, np, &ap, &r, NULL) == SL_OK);
        double ratio = best > 0 ? r.scd / best : (r.scd <= 1e-20 ? 0 : INFINITY);
        fprintf(stderr, "%-52s %-9s scd %.6g best %.6g ratio %.4f (%s, %.0f ms)\n", stem, src, r.scd, best, ratio,
                r.align.hypothesis, (sl_time_sec() - t0) * 1e3);
        CHECK_MSG(ratio <= 1.02, "%s: SCD %.6g > 1.02 x best known %.6g", stem, r.scd, best);
        if (ratio > worst) { worst = ratio; worst_i = n_rows; }
        n_rows++;
        free(g);
        free(p);
    }
    fprintf(stderr, "rows: %d, worst ratio %.4f (row %d)\n", n_rows, worst, worst_i);
    CHECK(n_rows >= (ns ? 1 : 51));
    free(csv);
    cJSON_Delete(man);
    return test_finish("align_reference");
}
