/* cmd_compare.c - `steplm compare A B`: Chamfer (all named variants), scaled Chamfer,
 * Hausdorff, IoU (closed meshes) and the alignment transform between a ground truth A
 * and a prediction B. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "metrics_util.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: steplm compare A B [--json] [--points N] [--align MODE] [--seed S] [--threads T]\n"
            "                          [--iou-res R]\n\n"
            "A is the ground truth, B the prediction: meshes (STL, OBJ, PLY) or point clouds (PLY\n"
            "or XYZ without faces). Meshes are sampled uniformly by area (N points, default 8192;\n"
            "A with seed S, B with S+1); point clouds are used as given unless --points is given,\n"
            "which subsamples larger clouds to N.\n\n"
            "  --align MODE  full (default: identity, principal-axis frames, FPFH+RANSAC, each\n"
            "                refined, lowest Chamfer kept), centroid, icp, chain (centroid +\n"
            "                FPFH+RANSAC + ICP, relative parameters, as Open3D's pipeline),\n"
            "                stepllm (the same chain with STEP-LLM's absolute values), none\n"
            "  --json        print one JSON object instead of text\n"
            "  --iou-res R   voxels along the longest side for IoU (default 64)\n\n"
            "Output: cd = bidirectional mean squared Chamfer (STEP-LLM eq. 1), cd_fwd = A->B only\n"
            "(what STEP-LLM's released code computes), scd / scd_fwd = the same divided by the\n"
            "squared RMS radius of A's points, hd = Hausdorff (not squared), iou = voxel IoU when\n"
            "both are closed meshes, transform = 4x4 mapping B onto A.\n");
}


static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) { usage(stdout); return CLI_OK; }
    const char *files[2] = {NULL, NULL};
    int n_files = 0, json = 0, points_given = 0, iou_res = 64, threads = 0;
    long points = 8192;
    unsigned long long seed = 0;
    const char *align = "full";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end;
        if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--points") && v) {
            points = strtol(v, &end, 10);
            if (*end || points < 1 || points > 100000000) return cli_usage_error("compare", "bad --points '%s'", v);
            points_given = 1;
            i++;
        } else if (!strcmp(a, "--seed") && v) {
            seed = strtoull(v, &end, 10);
            if (*end) return cli_usage_error("compare", "bad --seed '%s'", v);
            i++;
        } else if (!strcmp(a, "--threads") && v) {
            threads = (int)strtol(v, &end, 10);
            if (*end || threads < 0) return cli_usage_error("compare", "bad --threads '%s'", v);
            i++;
        } else if (!strcmp(a, "--iou-res") && v) {
            iou_res = (int)strtol(v, &end, 10);
            if (*end || iou_res < 1 || iou_res > 1024) return cli_usage_error("compare", "bad --iou-res '%s'", v);
            i++;
        } else if (!strcmp(a, "--align") && v) {
            align = v;
            i++;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("compare", "unknown or incomplete option '%s'", a);
        } else if (n_files < 2) {
            files[n_files++] = a;
        } else {
            return cli_usage_error("compare", "expected exactly two files");
        }
    }
    if (n_files != 2) return cli_usage_error("compare", "expected two files: ground truth and prediction");
    metrics_align_params ap;
    if (metrics_cli_align_params(align, &ap)) return cli_usage_error("compare", "unknown --align '%s'", align);
    ap.seed = seed;
    ap.n_threads = threads;

    mesh m[2];
    double *pts[2] = {NULL, NULL};
    size_t np[2] = {0, 0};
    sl_err err;
    memset(&err, 0, sizeof err);
    int rc = CLI_OK;
    mesh_init(&m[0]);
    mesh_init(&m[1]);
    for (int k = 0; k < 2 && rc == CLI_OK; k++) {
        memset(&err, 0, sizeof err);
        if (metrics_cli_load(files[k], &m[k], &err) ||
            metrics_points_from_mesh(&m[k], (size_t)points, points_given, seed + (uint64_t)k, &pts[k], &np[k], &err)) {
            if (!err.file[0]) snprintf(err.file, sizeof err.file, "%s", files[k]);
            cli_print_err(&err);
            rc = CLI_FAIL;
        }
    }
    metrics_compare_result r;
    double iou = NAN;
    const char *iou_note = "not closed meshes";
    if (rc == CLI_OK) {
        if (metrics_compare_points(pts[0], np[0], pts[1], np[1], &ap, &r, &err)) {
            fprintf(stderr, "steplm compare: error: %s\n", err.msg);
            rc = CLI_FAIL;
        } else if (m[0].n_tris && m[1].n_tris && metrics_mesh_is_closed(&m[0]) && metrics_mesh_is_closed(&m[1])) {
            if (metrics_iou_voxel(&m[0], &m[1], r.align.T, iou_res, &iou, &err)) {
                iou = NAN;
                iou_note = err.msg;
            }
        }
    }
    if (rc == CLI_OK) {
        sl_buf b;
        sl_buf_init(&b);
        if (json) {
            sl_buf_puts(&b, "{\"gt\": ");
            sl_buf_json_str(&b, files[0], strlen(files[0]));
            sl_buf_puts(&b, ", \"pred\": ");
            sl_buf_json_str(&b, files[1], strlen(files[1]));
            sl_buf_printf(&b, ", \"n_gt\": %zu, \"n_pred\": %zu, \"seed\": %llu, \"align\": ", np[0], np[1], seed);
            sl_buf_json_str(&b, align, strlen(align));
            sl_buf_puts(&b, ", \"hypothesis\": ");
            sl_buf_json_str(&b, r.align.hypothesis, strlen(r.align.hypothesis));
            const struct { const char *k; double v; } f[] = {
                {"cd", r.d.cd_sq_bidir}, {"cd_fwd", r.d.cd_sq_fwd}, {"cd_bwd", r.d.cd_sq_bwd},
                {"cd_l2", r.d.cd_l2_bidir}, {"cd_l2_fwd", r.d.cd_l2_fwd}, {"scd", r.scd}, {"scd_fwd", r.scd_fwd},
                {"hd", r.d.hd}, {"r_gt", r.r_gt}, {"iou", iou}, {"t_align_s", r.t_align_s}};
            for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
                sl_buf_printf(&b, ", \"%s\": ", f[i].k);
                metrics_cli_json_num(&b, f[i].v);
            }
            sl_buf_puts(&b, ", \"transform\": ");
            metrics_cli_json_transform(&b, r.align.T);
            sl_buf_puts(&b, "}\n");
        } else {
            sl_buf_printf(&b, "gt    %s (%zu points)\npred  %s (%zu points)\n", files[0], np[0], files[1], np[1]);
            sl_buf_printf(&b, "cd       %.9g   bidirectional mean squared Chamfer\n", r.d.cd_sq_bidir);
            sl_buf_printf(&b, "cd_fwd   %.9g   gt -> pred only (STEP-LLM's code)\n", r.d.cd_sq_fwd);
            sl_buf_printf(&b, "scd      %.9g   cd / r_gt^2 (r_gt = %.6g)\n", r.scd, r.r_gt);
            sl_buf_printf(&b, "scd_fwd  %.9g\n", r.scd_fwd);
            sl_buf_printf(&b, "hd       %.9g   Hausdorff\n", r.d.hd);
            if (isfinite(iou)) sl_buf_printf(&b, "iou      %.6f   (%d voxels on the longest side)\n", iou, iou_res);
            else sl_buf_printf(&b, "iou      n/a (%s)\n", iou_note);
            sl_buf_printf(&b, "align    %s, start '%s', %.1f ms\ntransform (pred -> gt):\n", align, r.align.hypothesis,
                          r.t_align_s * 1e3);
            for (int i = 0; i < 4; i++)
                sl_buf_printf(&b, "  %12.8f %12.8f %12.8f %14.8f\n", r.align.T[4 * i], r.align.T[4 * i + 1],
                              r.align.T[4 * i + 2], r.align.T[4 * i + 3]);
        }
        if (b.failed) {
            fprintf(stderr, "steplm compare: error: out of memory\n");
            rc = CLI_FAIL;
        } else {
            fputs(b.data, stdout);
        }
        sl_buf_release(&b);
    }
    for (int k = 0; k < 2; k++) {
        free(pts[k]);
        mesh_release(&m[k]);
    }
    return rc;
}

const struct cli_cmd steplm_cmd_compare = {"compare", "Chamfer, scaled Chamfer, Hausdorff, IoU between two shapes",
                                           run};
