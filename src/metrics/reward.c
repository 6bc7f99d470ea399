/* reward.c - rewards for RL on generated shapes: STEP-LLM's piecewise-linear reward on
 * the scaled Chamfer distance and ReCAD's IoU-plus-format reward, with one-call
 * variants that take meshes (for an RL loop or a ctypes binding). */
#include "steplm/metrics.h"

#include <math.h>
#include <stdlib.h>

double metrics_reward_stepllm(double scd, double delta_low, double delta_high) {
    if (isnan(scd) || scd < 0 || isinf(scd)) return 0;
    if (scd <= delta_low) return 1;
    if (scd >= delta_high || !(delta_high > delta_low)) return 0;
    double r = (delta_high - scd) / (delta_high - delta_low);
    return r < 0 ? 0 : r > 1 ? 1 : r;
}

double metrics_reward_recad(double iou_best, double sim, double tau, int format_ok, double lambda1,
                            double lambda2) {
    double phi = 1;
    if (!isnan(sim)) phi = sim < tau ? 0 : (tau < 1 ? (sim - tau) / (1 - tau) : 1);
    if (phi > 1) phi = 1;
    double g = isnan(iou_best) ? 0 : iou_best;
    if (g < 0) g = 0;
    if (g > 1) g = 1;
    return lambda1 * (g < phi ? g : phi) + lambda2 * (format_ok ? 1 : 0);
}

static sl_status sample_pair(const mesh *gt, const mesh *pred, size_t n, uint64_t seed, double **g, double **p,
                             sl_err *err) {
    *g = malloc(n * 3 * sizeof **g);
    *p = malloc(n * 3 * sizeof **p);
    if (!*g || !*p) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    sl_status st = metrics_sample_surface(gt, n, seed, *g, err);
    if (!st) st = metrics_sample_surface(pred, n, seed + 1, *p, err);
    return st;
}

double metrics_reward_stepllm_meshes(const mesh *gt, const mesh *pred, size_t n_points, uint64_t seed,
                                     double delta_low, double delta_high, double *scd_out) {
    double *g = NULL, *p = NULL, scd = INFINITY;
    if (gt && pred && n_points && !sample_pair(gt, pred, n_points, seed, &g, &p, NULL)) {
        metrics_align_params ap;
        metrics_align_params_default(&ap);
        ap.seed = seed;
        ap.n_threads = 1;  /* RL loops run many rewards in parallel themselves */
        metrics_compare_result r;
        if (!metrics_compare_points(g, n_points, p, n_points, &ap, &r, NULL)) scd = r.scd;
    }
    free(g);
    free(p);
    if (scd_out) *scd_out = scd;
    return metrics_reward_stepllm(scd, delta_low, delta_high);
}

sl_status metrics_iou_best(const mesh *gt, const mesh *pred, size_t n_points, uint64_t seed, int res, double *iou,
                           double T_out[16], sl_err *err) {
    if (!gt || !pred || !iou || !n_points) return sl_err_set(err, SL_ERR_ARG, "metrics_iou_best: bad argument");
    double *g = NULL, *p = NULL;
    sl_status st = sample_pair(gt, pred, n_points, seed, &g, &p, err);
    metrics_align_result ar;
    if (!st) {
        metrics_align_params ap;
        metrics_align_params_default(&ap);
        ap.seed = seed;
        st = metrics_align(g, n_points, p, n_points, &ap, &ar, err);
    }
    if (!st) st = metrics_iou_voxel(gt, pred, ar.T, res, iou, err);
    if (!st && T_out)
        for (int k = 0; k < 16; k++) T_out[k] = ar.T[k];
    free(g);
    free(p);
    return st;
}
