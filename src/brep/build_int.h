/* build_int.h - internals shared by the builder files (not a public API). */
#ifndef STEPLM_BUILD_INT_H
#define STEPLM_BUILD_INT_H

#include "steplm/brep.h"
#include "steplm/build.h"

void build_seg_point(const build_seg *s, double f, double out[2]);
void build_seg_arc_angles(const build_seg *s, double *t0, double *t1);
int build_seg_n_samples(const build_seg *s);
int build_point_in_poly(const double *p, size_t n, double x, double y);
void build_loop_reverse(build_loop *l);

/* A face under construction: loops are appended (with their coedges) between
 * bface_begin and bface_end, so that they are contiguous as brep.h requires. */
typedef struct bface { brep *b; uint32_t first_loop, n_loops; int failed; } bface;
void bface_begin(bface *f, brep *b);
/* Loop of n coedges (edge e[i], reversed r[i]). */
void bface_loop(bface *f, const uint32_t *e, const uint8_t *r, size_t n, int outer);
/* Returns the face index or -1. */
long bface_end(bface *f, int32_t surf, int reversed);

/* Face orientation: 1 when the surface normal at the point nearest to p points
 * against `outward` (the face must be written reversed). */
int build_orient(const brep *b, int32_t surf, vec3 p, vec3 outward);
/* Shell + solid over faces [first_face, first_face + n). */
sl_status build_finish_solid(brep *b, uint32_t first_face, uint32_t n, uint32_t *solid, sl_err *err);
/* Transformed copies. */
long build_add_curve_xf(brep *b, const geom_curve *c, const geom_xform *x);
/* Point on an edge at fraction s of the way from its v0 to v1 (curve or straight). */
vec3 build_edge_point(const brep *b, uint32_t edge, double s);
/* Samples of a face's loop in order of travel, n_per_curve per curved coedge,
 * excluding the last point of each coedge; malloc'd (n, 3). */
vec3 *build_loop_samples(const brep *b, uint32_t loop, int n_per_curve, size_t *n);

/* Sketch point (x, y) lifted by z along the normal. */
vec3 build_sk_point(const geom_frame *pl, double x, double y, double z);
/* 3D curve of a segment at height z (runs in the segment's direction): curve index,
 * -1 for a line, -2 out of memory; parameters at its start and end. */
long build_seg_curve(brep *b, const geom_frame *pl, const build_seg *s, double z, double *t0, double *t1);
/* Unit tangent of a segment at fraction f (2D). */
void build_seg_tangent(const build_seg *s, double f, double t[2]);

#endif
