/* kdtree_internal.h - module-private access to a k-d tree's tree-ordered points, for
 * query loops that walk one cloud in tree order (neighbouring queries are close,
 * so the previous answer is a tight starting bound). Not a public API. */
#ifndef STEPLM_METRICS_KDTREE_INTERNAL_H
#define STEPLM_METRICS_KDTREE_INTERNAL_H

#include "steplm/metrics.h"

/* (n, 3) points in tree order, and tree position -> caller index */
const double *kdtree_tree_points(const kdtree *t);
const uint32_t *kdtree_tree_index(const kdtree *t);
/* Exact nearest neighbour of q, searched bottom-up from the leaf of tree position hint
 * (any valid position; pass the previous answer). Returns the tree position. */
uint32_t kdtree_query_nn_hint(const kdtree *t, const double q[3], uint32_t hint, double *d2);

/* Exact nearest neighbour, top-down; returns the tree position. */
uint32_t kdtree_query_nn_pos(const kdtree *t, const double q[3], double *d2);

#endif
