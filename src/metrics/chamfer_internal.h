/* chamfer_internal.h - module-private helpers shared by chamfer.c, align.c and the
 * rest of metrics/: rigid 4x4 algebra and nearest-neighbour passes. */
#ifndef STEPLM_METRICS_CHAMFER_INTERNAL_H
#define STEPLM_METRICS_CHAMFER_INTERNAL_H

#include "steplm/metrics.h"

int metrics_threads(int n_threads);
void rigid_inverse(const double T[16], double Ti[16]);
void rigid_mul(const double A[16], const double B[16], double C[16]);  /* C = A B (C may alias) */
void rigid_identity(double T[16]);
/* For every point of t_src in tree order (transformed by T, NULL = identity): squared
 * distance to its nearest point in t_dst (d2[i]) and that point's tree position
 * (nn_pos[i], may be NULL). Deterministic on any thread count. */
void nn_pass(const kdtree *t_src, const double T[16], const kdtree *t_dst, int n_threads, double *d2,
             uint32_t *nn_pos, const uint32_t *hints);
/* hints (may be NULL, may alias nn_pos): a tree position in t_dst per source point whose
 * distance starts the search (e.g. the previous ICP iteration's answer). */

#endif
