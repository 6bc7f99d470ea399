/* cmd_eval.c - `steplm eval --pred DIR --gt DIR`: per-sample metrics for every ground
 * truth file and its prediction (paired by file stem), and a summary with CR, RR, IR,
 * MSCD (failures excluded, and counted as +inf), mean/median CD, HD, IoU, JSD, MMD, COV,
 * AEC and the entity-count histogram. Samples run in parallel on all cores, one thread
 * each; the rows are written in stem order whatever the thread count. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli.h"
#include "metrics_util.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: steplm eval --pred DIR --gt DIR [--json OUT] [--csv OUT] [--points N] [--align MODE]\n"
            "                   [--seed S] [--threads T] [--set-points M] [--set-max K] [--iou-res R]\n\n"
            "Pairs every file of --gt with the --pred file of the same stem (extensions .stl .obj\n"
            ".ply .xyz .step .stp, searched recursively) and compares them as `steplm compare`\n"
            "does (N points, default 8192; --align as in compare, default full). A missing or\n"
            "unreadable prediction is a failure: excluded from the means and from MSCD, and\n"
            "counted as +inf in MSCD_inf. STEP predictions also get the completion test (CR) and\n"
            "entity counts (AEC); their geometry needs the tessellator (not built yet).\n"
            "Set metrics (JSD on a 28^3 occupancy grid, MMD and COV with Chamfer) use the\n"
            "successful pairs, each cloud normalised to the unit cube and subsampled to M points\n"
            "(default 1024), at most K samples (default 500, first in stem order).\n"
            "  --json OUT / --csv OUT   write the report (atomically); the summary is printed.\n");
}

typedef struct sample {
    char *stem, *gt_path, *pred_path;
    int status;              /* 0 ok, 1 missing prediction, 2 error */
    char msg[1100];
    double cd, cd_fwd, scd, scd_fwd, hd, iou;
    int is_step, complete;   /* prediction is STEP text; it passes the completion test */
    long ent_pred, ent_gt;   /* STEP entity counts, -1 if not STEP */
    double *set_gt, *set_pred;  /* normalised subsamples for set metrics */
    size_t n_set_gt, n_set_pred;
} sample;

static const char *const exts[] = {".stl", ".obj", ".ply", ".xyz", ".step", ".stp", NULL};

static char *stem_of(const char *path) {
    const char *s = strrchr(path, '/');
    s = s ? s + 1 : path;
    const char *d = strrchr(s, '.');
    size_t n = d ? (size_t)(d - s) : strlen(s);
    char *r = malloc(n + 1);
    if (r) { memcpy(r, s, n); r[n] = 0; }
    return r;
}

static long step_entities(const char *path, int *complete) {
    char *t = NULL;
    size_t n = 0;
    if (sl_file_read(path, &t, &n, (size_t)1 << 30, NULL)) { *complete = 0; return -1; }
    *complete = n > 0 && metrics_step_is_complete(t, n);
    long c = metrics_step_entity_count(t, n);
    free(t);
    return c;
}

static void run_sample(sample *s, size_t points, const metrics_align_params *ap0, int iou_res, size_t set_points) {
    s->cd = s->cd_fwd = s->scd = s->scd_fwd = s->hd = s->iou = NAN;
    s->ent_pred = s->ent_gt = -1;
    if (metrics_cli_is_step(s->gt_path)) s->ent_gt = step_entities(s->gt_path, &s->complete);
    if (!s->pred_path) { s->status = 1; snprintf(s->msg, sizeof s->msg, "no prediction"); return; }
    s->is_step = metrics_cli_is_step(s->pred_path);
    if (s->is_step) s->ent_pred = step_entities(s->pred_path, &s->complete);
    mesh m[2];
    mesh_init(&m[0]);
    mesh_init(&m[1]);   /* both, so that the cleanup below is safe when the first load fails */
    double *pts[2] = {NULL, NULL};
    size_t np[2] = {0, 0};
    sl_err err;
    memset(&err, 0, sizeof err);
    const char *paths[2] = {s->gt_path, s->pred_path};
    s->status = 0;
    for (int k = 0; k < 2 && !s->status; k++) {
        if (metrics_cli_load(paths[k], &m[k], &err) ||
            metrics_points_from_mesh(&m[k], points, 0, ap0->seed + (uint64_t)k, &pts[k], &np[k], &err)) {
            char line[1024];
            if (!err.file[0]) snprintf(err.file, sizeof err.file, "%s", paths[k]);
            sl_err_format(&err, line, sizeof line);
            snprintf(s->msg, sizeof s->msg, "%s%s", k == 0 ? "ground truth: " : "", line);
            s->status = 2;
        }
    }
    if (!s->status) {
        metrics_align_params ap = *ap0;
        ap.n_threads = 1;
        metrics_compare_result r;
        if (metrics_compare_points(pts[0], np[0], pts[1], np[1], &ap, &r, &err)) {
            s->status = 2;
            snprintf(s->msg, sizeof s->msg, "%s", err.msg);
        } else {
            s->cd = r.d.cd_sq_bidir;
            s->cd_fwd = r.d.cd_sq_fwd;
            s->scd = r.scd;
            s->scd_fwd = r.scd_fwd;
            s->hd = r.d.hd;
            if (m[0].n_tris && m[1].n_tris && metrics_mesh_is_closed(&m[0]) && metrics_mesh_is_closed(&m[1]) &&
                metrics_iou_voxel(&m[0], &m[1], r.align.T, iou_res, &s->iou, NULL))
                s->iou = NAN;
            /* set-metric clouds: pred aligned onto gt, both normalised together into the unit cube */
            for (int k = 0; k < 2; k++) {
                size_t ns = np[k] < set_points ? np[k] : set_points;
                double *c = malloc(ns * 3 * sizeof *c);
                if (!c) continue;
                metrics_subsample(pts[k], np[k], ns, ap0->seed + 100 + (uint64_t)k, c);
                if (k == 1) metrics_transform_points(c, ns, r.align.T);
                metrics_normalize_unit_cube(c, ns);
                if (k == 0) { s->set_gt = c; s->n_set_gt = ns; }
                else { s->set_pred = c; s->n_set_pred = ns; }
            }
        }
    }
    for (int k = 0; k < 2; k++) {
        free(pts[k]);
        if (k == 0 || s->pred_path) mesh_release(&m[k]);
    }
}

static int cmp_sample(const void *a, const void *b) {
    return strcmp(((const sample *)a)->stem, ((const sample *)b)->stem);
}

static double mean_of(const sample *s, size_t n, size_t off) {
    double sum = 0;
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        double v = *(const double *)((const char *)&s[i] + off);
        if (s[i].status == 0 && isfinite(v)) { sum += v; c++; }
    }
    return c ? sum / (double)c : NAN;
}

static void num_or_empty(sl_buf *b, double v) {
    if (isfinite(v)) sl_buf_printf(b, "%.10g", v);
}

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) { usage(stdout); return CLI_OK; }
    const char *pred_dir = NULL, *gt_dir = NULL, *json_out = NULL, *csv_out = NULL, *align = "full";
    long points = 8192, set_points = 1024, set_max = 500;
    int threads = 0, iou_res = 64;
    unsigned long long seed = 0;
    for (int i = 1; i < argc; i += 2) {  /* every option takes a value */
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (!v) return cli_usage_error("eval", "option '%s' needs a value", a);
        if (!strcmp(a, "--pred")) pred_dir = v;
        else if (!strcmp(a, "--gt")) gt_dir = v;
        else if (!strcmp(a, "--json")) json_out = v;
        else if (!strcmp(a, "--csv")) csv_out = v;
        else if (!strcmp(a, "--align")) align = v;
        else if (!strcmp(a, "--points")) { points = strtol(v, &end, 10); if (*end || points < 1) return cli_usage_error("eval", "bad --points"); }
        else if (!strcmp(a, "--set-points")) { set_points = strtol(v, &end, 10); if (*end || set_points < 1) return cli_usage_error("eval", "bad --set-points"); }
        else if (!strcmp(a, "--set-max")) { set_max = strtol(v, &end, 10); if (*end || set_max < 0) return cli_usage_error("eval", "bad --set-max"); }
        else if (!strcmp(a, "--threads")) { threads = (int)strtol(v, &end, 10); if (*end || threads < 0) return cli_usage_error("eval", "bad --threads"); }
        else if (!strcmp(a, "--iou-res")) { iou_res = (int)strtol(v, &end, 10); if (*end || iou_res < 1 || iou_res > 1024) return cli_usage_error("eval", "bad --iou-res"); }
        else if (!strcmp(a, "--seed")) { seed = strtoull(v, &end, 10); if (*end) return cli_usage_error("eval", "bad --seed"); }
        else return cli_usage_error("eval", "unknown option '%s'", a);
    }
    if (!pred_dir || !gt_dir) return cli_usage_error("eval", "--pred DIR and --gt DIR are required");
    metrics_align_params ap;
    if (metrics_cli_align_params(align, &ap)) return cli_usage_error("eval", "unknown --align '%s'", align);
    ap.seed = seed;
    struct stat dst;
    if (stat(gt_dir, &dst) != 0 || !S_ISDIR(dst.st_mode)) {
        fprintf(stderr, "steplm eval: error: '%s' is not a directory\n", gt_dir);
        return CLI_FAIL;
    }
    if (stat(pred_dir, &dst) != 0 || !S_ISDIR(dst.st_mode)) {
        fprintf(stderr, "steplm eval: error: '%s' is not a directory\n", pred_dir);
        return CLI_FAIL;
    }
    char **gtf = NULL, **prf = NULL;
    char *dirs[1];
    dirs[0] = (char *)gt_dir;
    long n_gt = cli_collect_files(dirs, 1, exts, &gtf);
    dirs[0] = (char *)pred_dir;
    long n_pr = cli_collect_files(dirs, 1, exts, &prf);
    if (n_gt < 0 || n_pr < 0) {
        fprintf(stderr, "steplm eval: error: cannot list '%s' or '%s'\n", gt_dir, pred_dir);
        cli_free_files(gtf, n_gt > 0 ? n_gt : 0);
        cli_free_files(prf, n_pr > 0 ? n_pr : 0);
        return CLI_FAIL;
    }
    if (n_gt == 0) {
        fprintf(stderr, "steplm eval: error: no ground-truth shapes under '%s'\n", gt_dir);
        cli_free_files(gtf, 0);
        cli_free_files(prf, n_pr);
        return CLI_FAIL;
    }
    sample *S = calloc((size_t)n_gt, sizeof *S);
    char **pstem = calloc((size_t)(n_pr ? n_pr : 1), sizeof *pstem);
    if (!S || !pstem) { fprintf(stderr, "steplm eval: error: out of memory\n"); return CLI_FAIL; }
    for (long j = 0; j < n_pr; j++) pstem[j] = stem_of(prf[j]);
    size_t n = 0;
    for (long i = 0; i < n_gt; i++) {
        char *st = stem_of(gtf[i]);
        int dup = 0;
        for (size_t k = 0; k < n && !dup; k++) dup = !strcmp(S[k].stem, st);
        if (dup) {
            fprintf(stderr, "steplm eval: warning: two ground truths with stem '%s'; using the first\n", st);
            free(st);
            continue;
        }
        S[n].stem = st;
        S[n].gt_path = gtf[i];
        for (long j = 0; j < n_pr; j++)
            if (pstem[j] && !strcmp(pstem[j], st)) { S[n].pred_path = prf[j]; break; }
        n++;
    }
    qsort(S, n, sizeof *S, cmp_sample);
    double t0 = sl_time_sec();
    size_t done = 0;
    int nt = threads > 0 ? threads : 0;
#ifdef _OPENMP
    if (!nt) nt = omp_get_max_threads();
#else
    nt = 1;
#endif
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (size_t i = 0; i < n; i++) {
        run_sample(&S[i], (size_t)points, &ap, iou_res, (size_t)set_points);
#pragma omp critical
        {
            done++;
            cli_progress("eval", done, n, t0);
        }
    }
    /* ---- summary ---- */
    size_t n_ok = 0, n_missing = 0, n_step = 0, n_complete = 0, n_pred = 0;
    size_t hist_p[METRICS_N_ENTITY_BINS] = {0}, hist_g[METRICS_N_ENTITY_BINS] = {0};
    double ent_p = 0, ent_g = 0;
    size_t n_ent_p = 0, n_ent_g = 0;
    double *scd_ok = malloc(n * sizeof *scd_ok), *scd_inf = malloc(n * sizeof *scd_inf), *cd_ok = malloc(n * sizeof *cd_ok);
    for (size_t i = 0; i < n; i++) {
        n_ok += S[i].status == 0;
        n_missing += S[i].status == 1;
        n_pred += S[i].status != 1;
        if (S[i].is_step) { n_step++; n_complete += S[i].complete; }
        if (S[i].ent_pred >= 0) { ent_p += (double)S[i].ent_pred; n_ent_p++; hist_p[metrics_entity_bin(S[i].ent_pred)]++; }
        if (S[i].ent_gt >= 0) { ent_g += (double)S[i].ent_gt; n_ent_g++; hist_g[metrics_entity_bin(S[i].ent_gt)]++; }
        scd_ok[i] = S[i].status == 0 ? S[i].scd : NAN;
        cd_ok[i] = S[i].status == 0 ? S[i].cd : NAN;
        scd_inf[i] = S[i].status == 0 ? S[i].scd : INFINITY;
    }
    /* set metrics over the successful pairs (first set_max in stem order) */
    double jsd = NAN, mmd = NAN, cov = NAN;
    {
        size_t k = 0;
        const double **sg = malloc((n ? n : 1) * sizeof *sg), **sp = malloc((n ? n : 1) * sizeof *sp);
        size_t *ng = malloc((n ? n : 1) * sizeof *ng), *npp = malloc((n ? n : 1) * sizeof *npp);
        for (size_t i = 0; sg && sp && ng && npp && i < n && k < (size_t)set_max; i++)
            if (S[i].status == 0 && S[i].set_gt && S[i].set_pred) {
                sg[k] = S[i].set_gt; ng[k] = S[i].n_set_gt;
                sp[k] = S[i].set_pred; npp[k] = S[i].n_set_pred;
                k++;
            }
        if (k > 0) {
            jsd = metrics_jsd(sp, npp, k, sg, ng, k, 28);
            if (metrics_mmd_cov(sp, npp, k, sg, ng, k, threads, &mmd, &cov, NULL)) mmd = cov = NAN;
        }
        free(sg); free(sp); free(ng); free(npp);
    }
    double cr = n_step ? (double)n_complete / (double)n_step : NAN;
    double rr = n_pred ? (double)n_ok / (double)n_pred : NAN;
    double ir = n ? 1.0 - (double)n_ok / (double)n : NAN;
    double mscd = metrics_median(scd_ok, n), mscd_inf = metrics_median(scd_inf, n);
    double med_cd = metrics_median(cd_ok, n);
    double mean_cd = mean_of(S, n, offsetof(sample, cd)), mean_scd = mean_of(S, n, offsetof(sample, scd));
    double mean_hd = mean_of(S, n, offsetof(sample, hd)), mean_iou = mean_of(S, n, offsetof(sample, iou));
    double aec_p = n_ent_p ? ent_p / (double)n_ent_p : NAN, aec_g = n_ent_g ? ent_g / (double)n_ent_g : NAN;
    int rc = CLI_OK;
    /* text summary */
    printf("samples %zu (predictions found %zu, missing %zu, ok %zu, failed %zu)\n", n, n_pred, n_missing, n_ok,
           n - n_ok);
    if (isfinite(cr)) printf("CR        %.4f  (%zu/%zu STEP predictions end with END-ISO-10303-21;)\n", cr, n_complete, n_step);
    else printf("CR        n/a (no STEP predictions)\n");
    printf("RR        %.4f  (valid geometry / predictions present)\n", rr);
    printf("IR        %.4f  (failed or missing / all samples)\n", ir);
    printf("MSCD      %.6g  (failures excluded)\nMSCD_inf  %.6g  (failures as +inf)\n", mscd, mscd_inf);
    printf("CD        mean %.6g  median %.6g   SCD mean %.6g\n", mean_cd, med_cd, mean_scd);
    printf("HD        mean %.6g\nIoU       mean %.6g  (closed meshes only)\n", mean_hd, mean_iou);
    printf("JSD       %.6g   MMD %.6g   COV %.4f  (unit cube, %ld points)\n", jsd, mmd, cov, set_points);
    printf("AEC       pred %.2f  gt %.2f\n", aec_p, aec_g);
    printf("entities  ");
    for (int b = 0; b < METRICS_N_ENTITY_BINS; b++) printf("%s:%zu/%zu ", metrics_entity_bin_names[b], hist_p[b], hist_g[b]);
    printf(" (pred/gt)\n");
    for (size_t i = 0; i < n; i++)
        if (S[i].status) fprintf(stderr, "%s: %s\n", S[i].stem, S[i].msg);
    if (json_out) {
        sl_buf b;
        sl_buf_init(&b);
        sl_buf_puts(&b, "{\n \"summary\": {");
        const struct { const char *k; double v; } f[] = {
            {"cr", cr}, {"rr", rr}, {"ir", ir}, {"mscd", mscd}, {"mscd_inf", mscd_inf}, {"cd_mean", mean_cd},
            {"cd_median", med_cd}, {"scd_mean", mean_scd}, {"hd_mean", mean_hd}, {"iou_mean", mean_iou},
            {"jsd", jsd}, {"mmd", mmd}, {"cov", cov}, {"aec_pred", aec_p}, {"aec_gt", aec_g}};
        sl_buf_printf(&b, "\"samples\": %zu, \"predictions\": %zu, \"missing\": %zu, \"ok\": %zu, \"points\": %ld, \"align\": ",
                      n, n_pred, n_missing, n_ok, points);
        sl_buf_json_str(&b, align, strlen(align));
        for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
            sl_buf_printf(&b, ", \"%s\": ", f[i].k);
            metrics_cli_json_num(&b, f[i].v);
        }
        sl_buf_puts(&b, ", \"entity_bins\": [");
        for (int k = 0; k < METRICS_N_ENTITY_BINS; k++) {
            sl_buf_printf(&b, "%s{\"bin\": \"%s\", \"pred\": %zu, \"gt\": %zu}", k ? ", " : "", metrics_entity_bin_names[k],
                          hist_p[k], hist_g[k]);
        }
        sl_buf_puts(&b, "]},\n \"samples\": [");
        for (size_t i = 0; i < n; i++) {
            sl_buf_puts(&b, i ? ",\n  {\"stem\": " : "\n  {\"stem\": ");
            sl_buf_json_str(&b, S[i].stem, strlen(S[i].stem));
            sl_buf_printf(&b, ", \"status\": \"%s\"", S[i].status == 0 ? "ok" : S[i].status == 1 ? "missing" : "error");
            if (S[i].status) {
                sl_buf_puts(&b, ", \"error\": ");
                sl_buf_json_str(&b, S[i].msg, strlen(S[i].msg));
            }
            const struct { const char *k; double v; } g[] = {{"cd", S[i].cd}, {"cd_fwd", S[i].cd_fwd}, {"scd", S[i].scd},
                                                            {"scd_fwd", S[i].scd_fwd}, {"hd", S[i].hd}, {"iou", S[i].iou}};
            for (size_t k = 0; k < sizeof g / sizeof *g; k++) {
                sl_buf_printf(&b, ", \"%s\": ", g[k].k);
                metrics_cli_json_num(&b, g[k].v);
            }
            if (S[i].is_step) sl_buf_printf(&b, ", \"complete\": %s", S[i].complete ? "true" : "false");
            if (S[i].ent_pred >= 0) sl_buf_printf(&b, ", \"entities_pred\": %ld", S[i].ent_pred);
            if (S[i].ent_gt >= 0) sl_buf_printf(&b, ", \"entities_gt\": %ld", S[i].ent_gt);
            sl_buf_putc(&b, '}');
        }
        sl_buf_puts(&b, "\n ]\n}\n");
        sl_err err;
        if (b.failed || sl_file_write_atomic(json_out, b.data, b.len, &err)) {
            fprintf(stderr, "steplm eval: error: cannot write %s\n", json_out);
            rc = CLI_FAIL;
        }
        sl_buf_release(&b);
    }
    if (csv_out) {
        sl_buf b;
        sl_buf_init(&b);
        sl_buf_puts(&b, "stem,status,cd,cd_fwd,scd,scd_fwd,hd,iou,complete,entities_pred,entities_gt,error\n");
        for (size_t i = 0; i < n; i++) {
            sl_buf_printf(&b, "%s,%s,", S[i].stem, S[i].status == 0 ? "ok" : S[i].status == 1 ? "missing" : "error");
            const double g[6] = {S[i].cd, S[i].cd_fwd, S[i].scd, S[i].scd_fwd, S[i].hd, S[i].iou};
            for (int k = 0; k < 6; k++) { num_or_empty(&b, g[k]); sl_buf_putc(&b, ','); }
            if (S[i].is_step) sl_buf_puts(&b, S[i].complete ? "1" : "0");
            sl_buf_putc(&b, ',');
            if (S[i].ent_pred >= 0) sl_buf_printf(&b, "%ld", S[i].ent_pred);
            sl_buf_putc(&b, ',');
            if (S[i].ent_gt >= 0) sl_buf_printf(&b, "%ld", S[i].ent_gt);
            sl_buf_putc(&b, ',');
            if (S[i].status) {  /* quoted, quotes doubled */
                sl_buf_putc(&b, '"');
                for (const char *c = S[i].msg; *c; c++) {
                    if (*c == '"') sl_buf_putc(&b, '"');
                    sl_buf_putc(&b, *c);
                }
                sl_buf_putc(&b, '"');
            }
            sl_buf_putc(&b, '\n');
        }
        sl_err err;
        if (b.failed || sl_file_write_atomic(csv_out, b.data, b.len, &err)) {
            fprintf(stderr, "steplm eval: error: cannot write %s\n", csv_out);
            rc = CLI_FAIL;
        }
        sl_buf_release(&b);
    }
    for (size_t i = 0; i < n; i++) {
        free(S[i].stem);
        free(S[i].set_gt);
        free(S[i].set_pred);
    }
    for (long j = 0; j < n_pr; j++) free(pstem[j]);
    free(pstem);
    free(S);
    free(scd_ok);
    free(scd_inf);
    free(cd_ok);
    cli_free_files(gtf, n_gt);
    cli_free_files(prf, n_pr);
    return rc;
}

const struct cli_cmd steplm_cmd_eval = {"eval", "metrics report over a directory of predictions vs ground truth", run};
