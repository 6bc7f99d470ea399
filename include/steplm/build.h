/* steplm/build.h - building solids: planar profiles, primitives, extrude, revolve,
 * stacking, cuts and pockets, transforms and patterns, profile fillets/chamfers,
 * checks and exact mass properties.
 *
 * Everything is built into a brep (brep.h) with the brep_add_* functions, in
 * millimetres, with exact analytic geometry: lines, circles, ellipses and B-splines
 * for edges; planes, cylinders, cones, spheres, tori for faces (surfaces of linear
 * extrusion / revolution only where a profile has an ellipse or a B-spline).
 * A builder returns the index of a new solid (one closed outer shell) whose faces
 * are oriented so that their loops run counter-clockwise seen from outside, every
 * edge is used by exactly two coedges of opposite sense, and periodic faces carry a
 * seam edge (the way CAD systems write them to STEP).
 *
 * Boolean-like operations (stack, cut, pocket) do not intersect surfaces: they work
 * when a planar face of the tool lies on a planar face of the base with its whole
 * loop strictly inside that face (the common case of bosses, holes, slots and
 * pockets); anything else is an error that says why. The old solid stays in the
 * brep (unreferenced); only the solids the caller keeps are written.
 *
 * Errors: every function returns sl_status and fills sl_err with a message that
 * names the problem (e.g. "profile loop 0 intersects itself near (3, 4)"). */
#ifndef STEPLM_BUILD_H
#define STEPLM_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include "steplm/brep.h"
#include "steplm/geom.h"
#include "steplm/util.h"

/* ---- profiles: closed planar loops in a sketch frame ------------------------
 * 2D coordinates (x, y) are in the sketch frame: world = o + x*X + y*Y; the sketch
 * normal is Z. Loop 0 is the outer loop, the others are holes. Orientation is
 * normalised by build_profile_check (outer counter-clockwise around Z, holes
 * clockwise), so loops may be given either way. */
typedef enum build_seg_kind {
    BUILD_SEG_LINE = 1,  /* p0 -> p1 */
    BUILD_SEG_ARC,       /* p0 -> p1 around c, ccw = 1 counter-clockwise */
    BUILD_SEG_CIRCLE,    /* full circle: c, r (a loop by itself), ccw */
    BUILD_SEG_ELLIPSE,   /* full ellipse: c, a (along rot_rad), b (a loop by itself), ccw */
    BUILD_SEG_BSPLINE    /* p0 = ctrl[0] -> p1 = ctrl[n-1] (clamped knots) */
} build_seg_kind;

typedef struct build_seg {
    int kind;                 /* build_seg_kind */
    double p0[2], p1[2];
    double c[2], r;           /* arc / circle centre and radius */
    double a, b, rot_rad;     /* ellipse semi axes and rotation of a */
    int ccw;
    int degree, n_ctrl;       /* B-spline (control points 2D, weights optional) */
    double *ctrl;             /* (n_ctrl, 2) malloc'd, owned by the profile */
    double *weights;          /* (n_ctrl) or NULL */
    double *knots;            /* (n_ctrl + degree + 1) expanded */
} build_seg;

typedef struct build_loop { build_seg *segs; size_t n_segs, cap; } build_loop;

typedef struct build_profile {
    geom_frame plane;         /* sketch frame (o, X, Y, Z) */
    build_loop *loops;
    size_t n_loops, cap;
    double pen[2];            /* current point of the path being drawn */
    int open;                 /* a path is being drawn (move_to called) */
} build_profile;

build_profile *build_profile_new(const geom_frame *plane);
void build_profile_free(build_profile *p);
/* Path drawing: move_to starts a new loop; line_to / arc_to / bspline_to continue it;
 * close adds the closing line when the pen is not back at the start. */
sl_status build_profile_move_to(build_profile *p, double x, double y, sl_err *err);
sl_status build_profile_line_to(build_profile *p, double x, double y, sl_err *err);
/* Arc from the pen to (x, y) around centre (cx, cy); the radius must agree at both ends. */
sl_status build_profile_arc_to(build_profile *p, double x, double y, double cx, double cy, int ccw,
                               sl_err *err);
/* Arc from the pen through (mx, my) to (x, y). */
sl_status build_profile_arc3_to(build_profile *p, double mx, double my, double x, double y, sl_err *err);
/* B-spline from the pen: ctrl (n, 2) with ctrl[0] = pen; knots NULL = clamped uniform;
 * weights NULL = non-rational. */
sl_status build_profile_bspline_to(build_profile *p, int degree, int n, const double *ctrl,
                                   const double *weights, const double *knots, sl_err *err);
sl_status build_profile_close(build_profile *p, sl_err *err);
/* Whole loops. */
sl_status build_profile_circle(build_profile *p, double cx, double cy, double r, sl_err *err);
sl_status build_profile_ellipse(build_profile *p, double cx, double cy, double a, double b,
                                double rot_rad, sl_err *err);
sl_status build_profile_rect(build_profile *p, double x0, double y0, double x1, double y1, sl_err *err);
sl_status build_profile_polygon(build_profile *p, const double *xy, size_t n, sl_err *err);
/* Stadium (slot) of radius r around the segment a-b. */
sl_status build_profile_slot(build_profile *p, double ax, double ay, double bx, double by, double r,
                             sl_err *err);
/* Round (fillet, radius r) or bevel (chamfer, distance d along both lines) every
 * corner between two line segments of loop `loop` (-1 = all loops) whose turn is
 * not tangent. Errors when a radius/distance does not fit on the adjacent lines. */
sl_status build_profile_fillet(build_profile *p, long loop, double r, sl_err *err);
sl_status build_profile_chamfer(build_profile *p, long loop, double d, sl_err *err);
/* Closure, non-zero size, self-intersection, loops crossing each other, holes
 * inside the outer loop and not nested; normalises orientation. */
sl_status build_profile_check(build_profile *p, sl_err *err);
/* Signed area enclosed (outer minus holes), after build_profile_check. */
double build_profile_area(const build_profile *p);

/* ---- builders: each appends one solid, index in *solid ----------------------- */
/* Extrude along the sketch normal from -d_back to +d_front (d_back = 0: one side). */
sl_status build_extrude(brep *b, build_profile *p, double d_front, double d_back, uint32_t *solid,
                        sl_err *err);
/* The same with the edges where the side faces meet the +Z cap (front) and the -Z
 * cap (back) rounded or bevelled by size_mm (a 45-degree chamfer of that distance).
 * Profiles of lines, arcs and circles whose joins are tangent or line-line corners. */
typedef enum build_edge_kind { BUILD_EDGE_SHARP = 0, BUILD_EDGE_FILLET, BUILD_EDGE_CHAMFER } build_edge_kind;
sl_status build_extrude_ex(brep *b, build_profile *p, double d_front, double d_back, int front_kind,
                           double front_mm, int back_kind, double back_mm, uint32_t *solid, sl_err *err);
/* Extrude by height along the sketch normal with the side faces tapered by draft_rad
 * (> 0: the profile shrinks towards the top cap by height * tan(draft); < 0 grows):
 * planes and cones, straight corner edges. Same profile restrictions as above. */
sl_status build_extrude_draft(brep *b, build_profile *p, double height, double draft_rad, uint32_t *solid,
                              sl_err *err);
/* Revolve about the axis through sketch point (ax, ay) with sketch direction (dx, dy)
 * by angle_rad in (0, 2 pi] (right-hand rule about the axis direction). The profile
 * must lie on one side of the axis; it may touch it. */
sl_status build_revolve(brep *b, build_profile *p, double ax, double ay, double dx, double dy,
                        double angle_rad, uint32_t *solid, sl_err *err);

/* Primitives, placed by frame f (NULL = world): */
sl_status build_box(brep *b, const geom_frame *f, double dx, double dy, double dz, uint32_t *solid,
                    sl_err *err);                            /* [0,dx]x[0,dy]x[0,dz] */
sl_status build_cylinder(brep *b, const geom_frame *f, double r, double h, uint32_t *solid,
                         sl_err *err);                       /* axis z, base at z = 0 */
sl_status build_cone(brep *b, const geom_frame *f, double r_bottom, double r_top, double h,
                     uint32_t *solid, sl_err *err);          /* one radius may be 0 */
sl_status build_sphere(brep *b, const geom_frame *f, double r, uint32_t *solid, sl_err *err);
sl_status build_torus(brep *b, const geom_frame *f, double r_major, double r_minor, uint32_t *solid,
                      sl_err *err);
/* Right wedge: x in [0, dx], y in [0, dy], z in [0, dz], top edge x in [0, ltx]. */
sl_status build_wedge(brep *b, const geom_frame *f, double dx, double dy, double dz, double ltx,
                      uint32_t *solid, sl_err *err);
/* Regular n-gon prism (circumradius r, a vertex on +x), height h along z. */
sl_status build_prism(brep *b, const geom_frame *f, int n, double r, double h, uint32_t *solid,
                      sl_err *err);

/* ---- combining -------------------------------------------------------------
 * build_stack: union of `body` placed on planar faces of `base`: each planar face of
 * body that lies on a planar face of base (opposite normals) must lie strictly
 * inside it; that base face gets the contact loop as a hole and the contact face
 * disappears. build_subtract: the same with the tool inverted (pockets, holes,
 * counterbores); a tool face lying on a base face opens it. Result in *out. */
sl_status build_stack(brep *b, uint32_t base, uint32_t body, uint32_t *out, sl_err *err);
sl_status build_subtract(brep *b, uint32_t base, uint32_t tool, uint32_t *out, sl_err *err);
/* Cut a profile into base along -Z of its sketch (the sketch lies on a planar face
 * of base): depth_mm > 0 for a blind pocket, or depth_mm <= 0 for straight through
 * the part (to the farthest planar face across the profile). */
sl_status build_cut(brep *b, uint32_t base, build_profile *p, double depth_mm, uint32_t *out,
                    sl_err *err);
/* Rigid copy of a solid. */
sl_status build_transform(brep *b, uint32_t solid, const geom_xform *x, uint32_t *out, sl_err *err);
/* Transforms of a pattern: linear (i * step) and polar (i * angle / n about an axis
 * through point `o` along `axis`; full turn when angle_rad >= 2 pi). */
void build_xform_translate(geom_xform *x, vec3 t);
void build_xform_rotate(geom_xform *x, vec3 o, vec3 axis, double angle_rad);
/* Frame moved by x. */
geom_frame build_frame_apply(const geom_xform *x, const geom_frame *f);

/* ---- checks and exact properties (brep_check.c, build_props.c) ------------- */
typedef struct build_check_report {
    size_t n_verts, n_edges, n_faces, n_loops, n_shells;
    long genus;             /* from Euler-Poincare */
    double area_mm2, volume_mm3;   /* exact (quadrature over the faces) */
} build_check_report;
/* Closed shell (every edge used twice, in opposite senses), loops connected,
 * vertices on their edges and faces, Euler-Poincare with an integer genus >= 0,
 * every face of positive area and the volume positive (outward orientation).
 * SL_ERR_INVALID with the first problem in err. */
sl_status build_check_solid(const brep *b, uint32_t solid, build_check_report *rep, sl_err *err);
/* Area and volume of a solid from its faces: Gauss quadrature of the surface
 * integrals over each face's parameter domain (Green's theorem along its loops).
 * Accurate to ~1e-12 relative for analytic faces. Face areas are signed: a face whose
 * loops run clockwise about its outward normal comes out negative. */
sl_status build_solid_props(const brep *b, uint32_t solid, double *area_mm2, double *volume_mm3,
                            double *min_face_area_mm2, sl_err *err);

/* ---- JSON feature trees (build_spec.c; format in docs/build.md) ------------ */
typedef struct build_model_part {
    uint32_t solid;
    char name[128];
    int has_color;
    double rgb[3];
    int has_placement;
    geom_xform placement;
    build_check_report check;     /* result of build_check_solid */
} build_model_part;

typedef struct build_model {
    brep *b;                      /* owns all geometry */
    build_model_part *parts;
    size_t n_parts;
    char assembly[128];           /* "" = none */
} build_model;

/* Parse and build a JSON spec; every part's solid is checked (build_check_solid).
 * Errors name the JSON path ("parts[0].features[2].sketch.loops[1]: ..."). On
 * failure *m holds nothing (released). */
sl_status build_model_from_json(const char *json, size_t n, build_model *m, sl_err *err);
void build_model_release(build_model *m);

#endif
