/* steplm/geom.h - geometry: vectors, frames, curves and surfaces of STEP (ISO 10303-42)
 * with evaluation (point, 1st and 2nd derivatives) and point inversion.
 *
 * Pure math: nothing here knows about files or topology. Curves and surfaces are plain
 * structs whose arrays (control points, knots, basis curves) live in memory the caller
 * owns (the B-rep's arena); geom never allocates except in the *_arena helpers.
 *
 * Parameterisations follow ISO 10303-42 (all angles in radians):
 *   LINE       C(t) = o + t*d                          (d = direction * magnitude)
 *   CIRCLE     C(t) = o + r(cos t x + sin t y)
 *   ELLIPSE    C(t) = o + a cos t x + b sin t y
 *   HYPERBOLA  C(t) = o + a cosh t x + b sinh t y       (a = semi_axis, b = semi_imag_axis)
 *   PARABOLA   C(t) = o + f t^2 x + 2 f t y            (f = focal_dist, non-zero)
 *   OFFSET     C(t) = B(t) + d (V x B'(t)) / |V x B'(t)|  (OFFSET_CURVE_3D: basis B, distance
 *              d, ref_direction V; ISO 10303-42 offsets along V x T)
 *   BSPLINE    C(t) = sum N_i,p(t) w_i P_i / sum N_i,p(t) w_i,  t in [knot_p, knot_n]
 *   PLANE      S(u,v) = o + u x + v y
 *   CYLINDER   S(u,v) = o + r(cos u x + sin u y) + v z
 *   CONE       S(u,v) = o + (r + v tan a)(cos u x + sin u y) + v z
 *   SPHERE     S(u,v) = o + r cos v (cos u x + sin u y) + r sin v z,  v in [-pi/2, pi/2]
 *   TORUS      S(u,v) = o + (R + r cos v)(cos u x + sin u y) + r sin v z
 *   REVOLUTION S(u,v) = rotation of C(v) by angle u about the axis (o, z)
 *   EXTRUSION  S(u,v) = C(u) + v d
 *   OFFSET     S(u,v) = B(u,v) + dist * N_B(u,v)
 *   BSPLINE    tensor product, control net (n_u, n_v), u index major.
 * 2D curves (PCURVE) are the same curve types with z = 0 and are read as (u, v). */
#ifndef STEPLM_GEOM_H
#define STEPLM_GEOM_H

#include <math.h>
#include <stddef.h>
#include "steplm/util.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

typedef struct vec3 { double x, y, z; } vec3;

static inline vec3 v3(double x, double y, double z) { vec3 r = {x, y, z}; return r; }
static inline vec3 v3_add(vec3 a, vec3 b) { return v3(a.x + b.x, a.y + b.y, a.z + b.z); }
static inline vec3 v3_sub(vec3 a, vec3 b) { return v3(a.x - b.x, a.y - b.y, a.z - b.z); }
static inline vec3 v3_scale(vec3 a, double s) { return v3(a.x * s, a.y * s, a.z * s); }
static inline vec3 v3_axpy(vec3 y, double a, vec3 x) { return v3(y.x + a * x.x, y.y + a * x.y, y.z + a * x.z); }
static inline double v3_dot(vec3 a, vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
static inline vec3 v3_cross(vec3 a, vec3 b) {
    return v3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x);
}
static inline double v3_len(vec3 a) { return sqrt(v3_dot(a, a)); }
static inline double v3_dist(vec3 a, vec3 b) { return v3_len(v3_sub(a, b)); }
/* Unit vector; the zero vector stays zero. */
static inline vec3 v3_norm(vec3 a) { double l = v3_len(a); return l > 0 ? v3_scale(a, 1 / l) : a; }

/* Right-handed orthonormal frame: origin o, axes x, y, z. */
typedef struct geom_frame { vec3 o, x, y, z; } geom_frame;
/* Frame from STEP's AXIS2_PLACEMENT_3D (axis, ref_direction may be zero = default):
 * z = axis, x = ref projected perpendicular to z (any perpendicular if missing). */
geom_frame geom_frame_make(vec3 o, vec3 axis, vec3 ref);
vec3 geom_frame_to_world(const geom_frame *f, vec3 local);
vec3 geom_frame_to_local(const geom_frame *f, vec3 world);

/* Rigid (or similarity) transform: p' = R p + t (R 3x3 row-major, may include scale). */
typedef struct geom_xform { double r[9]; vec3 t; } geom_xform;
void geom_xform_identity(geom_xform *x);
vec3 geom_xform_point(const geom_xform *x, vec3 p);
vec3 geom_xform_dir(const geom_xform *x, vec3 d);
/* c = a * b (apply b first). */
void geom_xform_mul(const geom_xform *a, const geom_xform *b, geom_xform *c);
/* Transform that maps frame `from` onto frame `to` (ITEM_DEFINED_TRANSFORMATION). */
void geom_xform_from_frames(const geom_frame *from, const geom_frame *to, geom_xform *x);

/* ---- curves ----------------------------------------------------------------- */
typedef enum geom_curve_kind {
    GEOM_CURVE_LINE = 1, GEOM_CURVE_CIRCLE, GEOM_CURVE_ELLIPSE, GEOM_CURVE_BSPLINE,
    GEOM_CURVE_HYPERBOLA, GEOM_CURVE_PARABOLA, GEOM_CURVE_OFFSET
} geom_curve_kind;

typedef struct geom_bspline {
    int degree;
    int n_ctrl;            /* number of control points */
    int rational;          /* weights used when non-zero */
    vec3 *ctrl;            /* (n_ctrl) */
    double *weights;       /* (n_ctrl), NULL when not rational */
    int n_knots;           /* = n_ctrl + degree + 1, multiplicities expanded */
    double *knots;
} geom_bspline;

typedef struct geom_curve geom_curve;
struct geom_curve {
    int kind;              /* geom_curve_kind */
    geom_frame f;          /* conic frame; line: o = point, x = d (not unit) */
    double r1, r2;         /* circle radius; ellipse / hyperbola semi axes; parabola: r1 = f */
    geom_bspline bs;
    const geom_curve *basis;   /* OFFSET: the basis curve (memory owned by the caller) */
    double offset;             /* OFFSET distance */
    vec3 ref;                  /* OFFSET ref_direction (unit) */
};

/* P = C(t), d1 = C'(t), d2 = C''(t); d1/d2 may be NULL. */
void geom_curve_eval(const geom_curve *c, double t, vec3 *p, vec3 *d1, vec3 *d2);
/* Natural parameter range; *periodic set for circles and ellipses (period 2 pi) and
 * offsets of them. Hyperbolas, parabolas and lines are unbounded (+-1e300). */
void geom_curve_range(const geom_curve *c, double *t0, double *t1, int *periodic);
/* Is the parameter an angle (circle, ellipse, or an offset of one)? STEP writes such
 * parameters in the file's plane angle unit. */
int geom_curve_is_angular(const geom_curve *c);
/* Check a curve's defining numbers: positive finite radius / semi axes, non-zero focal
 * distance, an offset with a finite distance, a unit ref_direction and a basis tangent
 * that is never along it (checked at 65 parameters in [t0, t1], clipped to [-10, 10]
 * where unbounded). 0 ok, else -1 and a message in why. */
int geom_curve_check(const geom_curve *c, double t0, double t1, char *why, size_t n_why);
/* Parameter in [t0, t1] of the curve point closest to p (periodic curves: the value
 * nearest to the range, unwrapped). Returns the distance. */
double geom_curve_project(const geom_curve *c, vec3 p, double t0, double t1, double *t);
/* Validate a B-spline (degree >= 1, counts, non-decreasing finite knots, finite points,
 * positive weights). 0 ok, else -1 and a message in why. */
int geom_bspline_check(const geom_bspline *b, char *why, size_t n_why);

/* ---- surfaces --------------------------------------------------------------- */
typedef enum geom_surf_kind {
    GEOM_SURF_PLANE = 1, GEOM_SURF_CYLINDER, GEOM_SURF_CONE, GEOM_SURF_SPHERE, GEOM_SURF_TORUS,
    GEOM_SURF_BSPLINE, GEOM_SURF_REVOLUTION, GEOM_SURF_EXTRUSION, GEOM_SURF_OFFSET
} geom_surf_kind;

typedef struct geom_bspline_surf {
    int deg_u, deg_v;
    int n_u, n_v;          /* control net size */
    int rational;
    vec3 *ctrl;            /* (n_u, n_v): ctrl[i * n_v + j] */
    double *weights;       /* (n_u, n_v) or NULL */
    int n_knots_u, n_knots_v;
    double *knots_u, *knots_v;
} geom_bspline_surf;

typedef struct geom_surf geom_surf;
struct geom_surf {
    int kind;              /* geom_surf_kind */
    geom_frame f;          /* analytic surfaces; REVOLUTION: o, z = axis; EXTRUSION: x = d */
    double r1, r2;         /* radius; cone: r1 = radius at v = 0, r2 = semi-angle; torus: R, r */
    geom_bspline_surf bs;
    const geom_curve *curve;   /* REVOLUTION / EXTRUSION profile */
    const geom_surf *basis;    /* OFFSET */
    double offset;             /* OFFSET distance */
    /* Derived by geom_surf_prepare: periodicity (analytic: 2 pi in u, torus also v;
     * B-splines whose opposite boundaries coincide get the knot span as period). */
    double period_u, period_v; /* 0 = not periodic */
};

/* out[0] = S, out[1] = Su, out[2] = Sv, out[3] = Suu, out[4] = Suv, out[5] = Svv.
 * n_deriv 0, 1 or 2 says how many are filled (1, 3 or 6 entries). */
void geom_surf_eval(const geom_surf *s, double u, double v, int n_deriv, vec3 *out);
/* Unit normal Su x Sv (falls back to nearby samples at singular points). */
vec3 geom_surf_normal(const geom_surf *s, double u, double v);
/* Natural range (infinite directions get +-1e300). */
void geom_surf_range(const geom_surf *s, double *u0, double *u1, double *v0, double *v1);
/* Fill period_u / period_v. */
void geom_surf_prepare(geom_surf *s);
/* Parameters (u, v) of the surface point closest to p. With a hint (non-NULL),
 * periodic parameters are unwrapped to the value nearest the hint and iterative
 * methods start from it. Returns the distance |S(u,v) - p|. */
double geom_surf_project(const geom_surf *s, vec3 p, const double *hint_uv, double *u, double *v);
/* Is parameter v (or u) a pole, i.e. a degenerate iso-line (sphere v = +-pi/2, cone apex)? */
int geom_surf_is_pole_v(const geom_surf *s, double v);

/* NURBS basis functions and derivatives at t (span from geom_bspline_span):
 * ders[k * (p+1) + j] = d^k N_{span-p+j,p}(t) / dt^k, k = 0..n_der (n_der <= 2). */
int geom_bspline_span(int n_ctrl, int degree, const double *knots, double t);
void geom_bspline_basis_ders(int span, double t, int degree, const double *knots, int n_der,
                             double *ders);

#endif
