/* steplm/metrics.h - how good a generated part is: surface sampling, k-d tree,
 * Chamfer distances (every variant named), scaled Chamfer, Hausdorff, rigid
 * alignment (centroid, FPFH + RANSAC, ICP, multi-hypothesis), IoU of closed
 * solids, set metrics (JSD, MMD, COV, CR, AEC) and the RL rewards.
 *
 * Data model: a point cloud is `const double *pts` holding (n, 3) xyz in the
 * mesh's units, row-major. A rigid transform is a row-major 4x4 double[16] that
 * maps a point x to R x + t. "gt" (ground truth, A) is the reference: scaled
 * Chamfer divides by the squared RMS radius of the gt cloud, one-directional
 * Chamfer runs gt -> pred (what STEP-LLM's released code computes).
 *
 * Determinism: everything random takes a seed; results do not depend on the
 * thread count (per-point results are written to slots and reduced in index
 * order; RANSAC runs on one thread). n_threads = 0 means "all cores".
 * Nothing here prints; errors come back as sl_status + sl_err. */
#ifndef STEPLM_METRICS_H
#define STEPLM_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "steplm/mesh.h"
#include "steplm/util.h"

/* ---- sampling (src/metrics/sample.c) ------------------------------------------ */
/* n_points points uniformly by area on the triangles of m: triangle by inverse CDF of
 * the cumulative areas, then p = (1-sqrt(r1)) v0 + sqrt(r1)(1-r2) v1 + sqrt(r1) r2 v2.
 * out holds (n_points, 3). Same seed -> same points. Errors: SL_ERR_INVALID when m has
 * no triangle of positive area. */
sl_status metrics_sample_surface(const mesh *m, size_t n_points, uint64_t seed, double *out, sl_err *err);
/* n_out distinct points of pts (n_out <= n), chosen without replacement by seed. */
void metrics_subsample(const double *pts, size_t n, size_t n_out, uint64_t seed, double *out);
/* Turn a mesh or point cloud into exactly-what-the-metric-uses points: a mesh with
 * triangles is sampled (n_points); a point cloud is used as given, or subsampled to
 * n_points when resample != 0 and it has more. *out is malloc'd, caller frees. */
sl_status metrics_points_from_mesh(const mesh *m, size_t n_points, int resample, uint64_t seed,
                                   double **out, size_t *n_out, sl_err *err);
void metrics_centroid(const double *pts, size_t n, double c[3]);
/* sqrt(mean ||p - centroid||^2) */
double metrics_rms_radius(const double *pts, size_t n);
/* Apply a 4x4 rigid transform in place. */
void metrics_transform_points(double *pts, size_t n, const double T[16]);

/* ---- k-d tree (src/metrics/kdtree.c) ------------------------------------------- */
typedef struct kdtree kdtree;
/* Copies the points (n >= 1, n < 2^32). NULL when out of memory or n == 0. */
kdtree *kdtree_new(const double *pts, size_t n);
void kdtree_free(kdtree *t);
size_t kdtree_size(const kdtree *t);
/* Index (into the points given to kdtree_new) of the nearest point to q, its squared
 * distance in *d2. Exact; ties go to one of the tied points, always the same one. */
size_t kdtree_query_nn(const kdtree *t, const double q[3], double *d2);
/* Up to k nearest points with squared distance <= r2_max (INFINITY = no limit),
 * nearest first. Returns how many were written to idx / d2 (either may be NULL). */
size_t kdtree_query_knn(const kdtree *t, const double q[3], size_t k, double r2_max, size_t *idx, double *d2);
/* All points within radius r (squared distance <= r*r), in no particular order.
 * Written from the start of *idx / *d2 (d2 may be NULL; both malloc'd and grown with
 * realloc, *cap their capacity, start with NULL / 0); returns the number found, or -1
 * when out of memory. */
long kdtree_query_radius(const kdtree *t, const double q[3], double r, size_t **idx, double **d2, size_t *cap);

/* ---- distances (src/metrics/chamfer.c) ------------------------------------------ */
/* Every Chamfer variant people report, all mean-reduced, named explicitly:
 *   sq  = squared Euclidean NN distance,   l2 = plain (unsquared) NN distance
 *   fwd = gt -> pred only (mean over gt points),  bwd = pred -> gt only
 *   bidir = fwd + bwd (STEP-LLM paper eq. 1),  mean = (fwd + bwd) / 2 */
typedef struct metrics_dist {
    double cd_sq_fwd, cd_sq_bwd, cd_sq_bidir, cd_sq_mean;
    double cd_l2_fwd, cd_l2_bwd, cd_l2_bidir, cd_l2_mean;
    double hd_fwd, hd_bwd, hd;   /* Hausdorff (unsquared): directed and symmetric max */
} metrics_dist;
typedef enum metrics_cd_kind {
    METRICS_CD_SQ_BIDIR, METRICS_CD_SQ_FWD, METRICS_CD_SQ_BWD, METRICS_CD_SQ_MEAN,
    METRICS_CD_L2_BIDIR, METRICS_CD_L2_FWD, METRICS_CD_L2_BWD, METRICS_CD_L2_MEAN
} metrics_cd_kind;
double metrics_dist_get(const metrics_dist *d, metrics_cd_kind kind);
/* Distances between gt and pred (exact nearest neighbours). Builds the trees itself.
 * SL_ERR_ARG when a cloud is empty, SL_ERR_NOMEM. */
sl_status metrics_distances(const double *gt, size_t n_gt, const double *pred, size_t n_pred, int n_threads,
                            metrics_dist *out, sl_err *err);
/* Same with prebuilt trees; pred is taken as T_pred(pred points) (T_pred NULL = identity).
 * Queries go from gt points into t_pred (through T_pred^-1) and from T_pred(pred) into t_gt. */
sl_status metrics_distances_trees(const kdtree *t_gt, const double *gt, size_t n_gt, const kdtree *t_pred,
                                  const double *pred, size_t n_pred, const double T_pred[16], int n_threads,
                                  metrics_dist *out, sl_err *err);

/* ---- alignment (src/metrics/align.c) --------------------------------------------- */
typedef enum metrics_align_mode {
    METRICS_ALIGN_NONE = 0,     /* clouds used as they are */
    METRICS_ALIGN_CENTROID,     /* translate pred's centroid onto gt's */
    METRICS_ALIGN_ICP,          /* centroid, then point-to-point ICP stages */
    METRICS_ALIGN_CHAIN,        /* centroid, FPFH + RANSAC, ICP stages: one chain, as Open3D / STEP-LLM */
    METRICS_ALIGN_FULL          /* multi-hypothesis: identity, principal-axis frames with sign flips,
                                   FPFH + RANSAC; each refined; lowest bidirectional Chamfer wins */
} metrics_align_mode;
typedef enum metrics_scale_ref { METRICS_SCALE_DIAG = 0, METRICS_SCALE_MEAN_EXTENT, METRICS_SCALE_RMS } metrics_scale_ref;

typedef struct metrics_align_params {
    metrics_align_mode mode;
    metrics_scale_ref scale_ref;  /* reference length L of the gt cloud for relative parameters */
    double voxel_frac;            /* voxel = voxel_frac * L                               [0.05] */
    int fpfh_full;                /* 1: FPFH on all points (STEP-LLM), 0: voxel-downsampled [0] */
    double normal_mult;           /* normals: radius normal_mult * voxel, <= normal_max_nn   [2, 30] */
    int normal_max_nn;
    double fpfh_mult;             /* FPFH: radius fpfh_mult * voxel, <= fpfh_max_nn          [5, 100] */
    int fpfh_max_nn;
    double ransac_mult;           /* max correspondence distance = ransac_mult * voxel      [1.5] */
    int mutual;                   /* mutual filter on feature matches                        [1] */
    double edge_len;              /* edge-length checker similarity                          [0.9] */
    int ransac_max_iter;          /* [100000] */
    double ransac_conf;           /* [0.999] */
    double icp_frac;              /* first ICP threshold = icp_frac * L                      [0.1] */
    double icp_thresh_abs;        /* > 0: absolute first threshold instead (STEP-LLM: 10)    [0] */
    double icp_shrink;            /* threshold factor per stage                              [0.5] */
    int icp_stages, icp_max_iter; /* [3, 30]; stage stops on |d fitness|, |d rmse| < 1e-6   */
    /* multi-hypothesis (METRICS_ALIGN_FULL) */
    size_t coarse_points;         /* race levels use coarse_points/2, *2, 4096 points       [512] */
    int n_refine;                 /* most starts raced on the full clouds: n_refine * 2048 / N,
                                     at least 2                                             [16] */
    int refine_max_iter;          /* Chamfer-ICP iterations per refinement                  [60] */
    double refine_tol;            /* stop when relative Chamfer decrease < refine_tol       [1e-4] */
    int polish_restarts;          /* random nearby restarts of the winner (basin hopping)   [0] */
    uint64_t seed;
    int n_threads;                /* 0 = all cores */
} metrics_align_params;

/* Relative parameters (fractions of the gt bbox diagonal), METRICS_ALIGN_FULL. */
void metrics_align_params_default(metrics_align_params *p);
/* STEP-LLM's released code: L = mean bbox extent, FPFH on all points, absolute ICP
 * thresholds 10 / 5 / 2.5, one chain (METRICS_ALIGN_CHAIN). */
void metrics_align_params_stepllm(metrics_align_params *p);

typedef struct metrics_align_result {
    double T[16];          /* maps pred (in the coordinates given) onto gt */
    char hypothesis[24];   /* which start won: "none", "centroid", "identity", "pca3", "ransac", ... */
    int n_hypotheses;      /* how many starts were scored */
    double ransac_fitness; /* share of feature correspondences that are inliers, -1 if not run */
    double icp_fitness, icp_rmse;  /* last ICP stage (Open3D meaning), -1 if not run */
    double ref_len, voxel;
} metrics_align_result;
/* Align pred onto gt. Clouds are not modified. */
sl_status metrics_align(const double *gt, size_t n_gt, const double *pred, size_t n_pred,
                        const metrics_align_params *p, metrics_align_result *out, sl_err *err);
/* Point-to-point ICP (Open3D semantics: correspondences = nearest gt point within
 * max_dist, Kabsch on them, stop when fitness and rmse change < 1e-6 or after max_iter).
 * T is the start and receives the result. */
sl_status metrics_icp_point_to_point(const kdtree *t_gt, const double *gt, const double *pred, size_t n_pred,
                                     double max_dist, int max_iter, int n_threads, double T[16],
                                     double *fitness, double *rmse, sl_err *err);
/* Least-squares rigid motion (no scaling) taking src[i] to dst[i] with weights w (NULL =
 * equal). Horn's quaternion method. */
void metrics_rigid_fit(const double *src, const double *dst, const double *w, size_t n, double T[16]);

/* ---- the whole comparison (src/metrics/compare.c) ------------------------------- */
typedef struct metrics_compare_result {
    metrics_dist d;        /* on the aligned clouds */
    double scd;            /* cd_sq_bidir / r_gt^2 (STEP-LLM paper eq. 2) */
    double scd_fwd;        /* cd_sq_fwd / r_gt^2 (STEP-LLM released code) */
    double r_gt;           /* RMS radius of the gt cloud */
    metrics_align_result align;
    double t_align_s, t_dist_s;
} metrics_compare_result;
sl_status metrics_compare_points(const double *gt, size_t n_gt, const double *pred, size_t n_pred,
                                 const metrics_align_params *p, metrics_compare_result *out, sl_err *err);

/* ---- IoU of closed solids (src/metrics/iou.c) ----------------------------------- */
/* Edge check: every edge used by exactly two triangles (orientation not checked). */
int metrics_mesh_is_closed(const mesh *m);
/* Voxel IoU of the solids bounded by a and T_b(b) (T_b NULL = identity): a grid of
 * cubic voxels over the union of both bounding boxes, res cells along the longest side;
 * a voxel is inside when its centre is (ray parity along z with a consistent
 * tie-break, so shared edges and vertices count once). SL_ERR_INVALID when a mesh
 * is not closed. */
sl_status metrics_iou_voxel(const mesh *a, const mesh *b, const double T_b[16], int res, double *iou,
                            sl_err *err);

/* ---- set metrics (src/metrics/setmetrics.c) ------------------------------------- */
/* Scale and translate a cloud into the unit cube [-0.5, 0.5]^3 (longest side 1). */
void metrics_normalize_unit_cube(double *pts, size_t n);
/* Jensen-Shannon divergence (natural log) between the voxel-occupancy distributions
 * of two sets of clouds on a res^3 grid over [-0.5, 0.5]^3 (clouds already normalized):
 * each cloud adds 1 to every cell it occupies, counts are normalised to sum 1. */
double metrics_jsd(const double *const *set_a, const size_t *n_a, size_t n_sets_a,
                   const double *const *set_b, const size_t *n_b, size_t n_sets_b, int res);
/* MMD and COV with bidirectional squared Chamfer as the distance: MMD = mean over
 * reference clouds of the min distance to any generated cloud; COV = share of reference
 * clouds that are the nearest reference of at least one generated cloud. */
sl_status metrics_mmd_cov(const double *const *gen, const size_t *n_gen, size_t n_sets_gen,
                          const double *const *ref, const size_t *n_ref, size_t n_sets_ref, int n_threads,
                          double *mmd, double *cov, sl_err *err);
/* STEP-LLM's completion test: the last line of the text (as readlines gives it),
 * stripped, is exactly "END-ISO-10303-21;". */
int metrics_step_is_complete(const char *text, size_t n);
/* STEP-LLM's entity count: the largest N such that a line starts (after leading blanks)
 * with "#N" followed by optional blanks and '='. 0 if none. */
long metrics_step_entity_count(const char *text, size_t n);
/* Entity-count bins of the STEP-LLM paper: <100, [100,200), [200,300), [300,400),
 * [400,500), >=500. */
#define METRICS_N_ENTITY_BINS 6
int metrics_entity_bin(long count);
extern const char *const metrics_entity_bin_names[METRICS_N_ENTITY_BINS];
/* Median of values (NaN entries dropped; +INFINITY entries kept). NaN if none. */
double metrics_median(const double *v, size_t n);

/* ---- rewards (src/metrics/reward.c) ---------------------------------------------- */
/* STEP-LLM eq. 3: 1 when scd <= lo, 0 when scd >= hi, linear between; 0 when scd is NaN,
 * negative or infinite (a failed sample). */
double metrics_reward_stepllm(double scd, double delta_low, double delta_high);
/* ReCAD: lambda1 * min(iou_best, phi(sim, tau)) + lambda2 * format_ok, with
 * phi(s, tau) = 0 below tau, (s - tau) / (1 - tau) above; sim = NaN means "no image
 * term" (phi = 1). ReCAD uses lambda1 = 0.1, lambda2 = 0.9, tau = 0.55. */
double metrics_reward_recad(double iou_best, double sim, double tau, int format_ok, double lambda1,
                            double lambda2);
/* One call for an RL loop: sample both meshes (n_points, seed), align (FULL, relative),
 * return STEP-LLM's reward on the scaled Chamfer distance; *scd_out (may be NULL) gets
 * the SCD. A mesh that cannot be sampled gives reward 0 and SCD = INFINITY. */
double metrics_reward_stepllm_meshes(const mesh *gt, const mesh *pred, size_t n_points, uint64_t seed,
                                     double delta_low, double delta_high, double *scd_out);
/* IoU under the best alignment (ReCAD's IOU_best): align sampled surfaces (FULL), then
 * voxel IoU at res. */
sl_status metrics_iou_best(const mesh *gt, const mesh *pred, size_t n_points, uint64_t seed, int res,
                           double *iou, double T_out[16], sl_err *err);

#endif
