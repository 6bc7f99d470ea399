/* compare.c - the whole comparison of a predicted cloud with a ground-truth cloud:
 * alignment, then Chamfer (all variants), Hausdorff and the scaled Chamfer distance
 * (divided by the squared RMS radius of the gt cloud, STEP-LLM eq. 2). */
#include "steplm/metrics.h"

#include <math.h>
#include <string.h>

sl_status metrics_compare_points(const double *gt, size_t n_gt, const double *pred, size_t n_pred,
                                 const metrics_align_params *p, metrics_compare_result *out, sl_err *err) {
    if (!gt || !pred || !n_gt || !n_pred || !p || !out) return sl_err_set(err, SL_ERR_ARG, "empty point cloud");
    memset(out, 0, sizeof *out);
    double t0 = sl_time_sec();
    sl_status st = metrics_align(gt, n_gt, pred, n_pred, p, &out->align, err);
    if (st) return st;
    double t1 = sl_time_sec();
    kdtree *tg = kdtree_new(gt, n_gt), *tp = kdtree_new(pred, n_pred);
    if (!tg || !tp) st = sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    else st = metrics_distances_trees(tg, gt, n_gt, tp, pred, n_pred, out->align.T, p->n_threads, &out->d, err);
    kdtree_free(tg);
    kdtree_free(tp);
    if (st) return st;
    out->r_gt = metrics_rms_radius(gt, n_gt);
    double s2 = out->r_gt * out->r_gt;
    out->scd = s2 > 0 ? out->d.cd_sq_bidir / s2 : out->d.cd_sq_bidir;
    out->scd_fwd = s2 > 0 ? out->d.cd_sq_fwd / s2 : out->d.cd_sq_fwd;
    out->t_align_s = t1 - t0;
    out->t_dist_s = sl_time_sec() - t1;
    return SL_OK;
}
