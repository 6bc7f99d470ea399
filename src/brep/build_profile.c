/* build_profile.c - planar profiles: drawing, fillets/chamfers on corners, and the
 * checks (closure, self-intersection, crossing loops, holes inside the outer loop).
 * Intersection checks run on a fine polyline of each segment (arcs every 2 degrees,
 * B-splines 64 points per span); that is what "near (x, y)" in errors refers to. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "brep/build_int.h"

#define TOL 1e-7
/* intersection checks are quadratic in the polyline size: cap it */
#define BUILD_MAX_SAMPLES 40000

build_profile *build_profile_new(const geom_frame *plane) {
    build_profile *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    if (plane) p->plane = *plane;
    else p->plane = geom_frame_make(v3(0, 0, 0), v3(0, 0, 1), v3(1, 0, 0));
    return p;
}

static void seg_release(build_seg *s) {
    free(s->ctrl);
    free(s->weights);
    free(s->knots);
    s->ctrl = s->weights = s->knots = NULL;
}

void build_profile_free(build_profile *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n_loops; i++) {
        for (size_t j = 0; j < p->loops[i].n_segs; j++) seg_release(&p->loops[i].segs[j]);
        free(p->loops[i].segs);
    }
    free(p->loops);
    free(p);
}

static build_loop *new_loop(build_profile *p, sl_err *err) {
    if (sl_grow((void **)&p->loops, &p->cap, p->n_loops, sizeof *p->loops, 4)) {
        sl_err_set(err, SL_ERR_NOMEM, "out of memory");
        return NULL;
    }
    build_loop *l = &p->loops[p->n_loops++];
    memset(l, 0, sizeof *l);
    return l;
}

static build_seg *push_seg(build_loop *l, sl_err *err) {
    if (sl_grow((void **)&l->segs, &l->cap, l->n_segs, sizeof *l->segs, 8)) {
        sl_err_set(err, SL_ERR_NOMEM, "out of memory");
        return NULL;
    }
    build_seg *s = &l->segs[l->n_segs++];
    memset(s, 0, sizeof *s);
    return s;
}

static build_loop *cur_loop(build_profile *p, sl_err *err) {
    if (!p->open || !p->n_loops) {
        sl_err_set(err, SL_ERR_ARG, "profile: a path segment needs a start point (move_to) first");
        return NULL;
    }
    return &p->loops[p->n_loops - 1];
}

sl_status build_profile_move_to(build_profile *p, double x, double y, sl_err *err) {
    if (!isfinite(x) || !isfinite(y)) return sl_err_set(err, SL_ERR_ARG, "profile: non-finite point");
    if (p->open) {
        sl_status st = build_profile_close(p, err);
        if (st) return st;
    }
    if (!new_loop(p, err)) return SL_ERR_NOMEM;
    p->pen[0] = x;
    p->pen[1] = y;
    p->open = 1;
    return SL_OK;
}

sl_status build_profile_line_to(build_profile *p, double x, double y, sl_err *err) {
    build_loop *l = cur_loop(p, err);
    if (!l) return SL_ERR_ARG;
    if (!isfinite(x) || !isfinite(y)) return sl_err_set(err, SL_ERR_ARG, "profile: non-finite point");
    if (hypot(x - p->pen[0], y - p->pen[1]) < TOL)
        return sl_err_set(err, SL_ERR_INVALID, "profile loop %zu: zero-length line at (%g, %g)",
                          p->n_loops - 1, x, y);
    build_seg *s = push_seg(l, err);
    if (!s) return SL_ERR_NOMEM;
    s->kind = BUILD_SEG_LINE;
    s->p0[0] = p->pen[0]; s->p0[1] = p->pen[1];
    s->p1[0] = x; s->p1[1] = y;
    p->pen[0] = x; p->pen[1] = y;
    return SL_OK;
}

sl_status build_profile_arc_to(build_profile *p, double x, double y, double cx, double cy, int ccw,
                               sl_err *err) {
    build_loop *l = cur_loop(p, err);
    if (!l) return SL_ERR_ARG;
    double r0 = hypot(p->pen[0] - cx, p->pen[1] - cy), r1 = hypot(x - cx, y - cy);
    if (!(r0 > TOL) || fabs(r0 - r1) > 1e-6 * (1 + r0))
        return sl_err_set(err, SL_ERR_INVALID,
                          "profile loop %zu: arc to (%g, %g): radius %g at the start and %g at the end differ",
                          p->n_loops - 1, x, y, r0, r1);
    if (hypot(x - p->pen[0], y - p->pen[1]) < TOL)
        return sl_err_set(err, SL_ERR_INVALID, "profile loop %zu: arc ends where it starts (use a circle)",
                          p->n_loops - 1);
    build_seg *s = push_seg(l, err);
    if (!s) return SL_ERR_NOMEM;
    s->kind = BUILD_SEG_ARC;
    s->p0[0] = p->pen[0]; s->p0[1] = p->pen[1];
    s->p1[0] = x; s->p1[1] = y;
    s->c[0] = cx; s->c[1] = cy;
    s->r = 0.5 * (r0 + r1);
    s->ccw = ccw ? 1 : 0;
    p->pen[0] = x; p->pen[1] = y;
    return SL_OK;
}

sl_status build_profile_arc3_to(build_profile *p, double mx, double my, double x, double y, sl_err *err) {
    if (!p->open) return cur_loop(p, err) ? SL_OK : SL_ERR_ARG;
    double ax = p->pen[0], ay = p->pen[1];
    /* circumcentre of a, m, e */
    double bx = mx - ax, by = my - ay, cx = x - ax, cy = y - ay;
    double d = 2 * (bx * cy - by * cx);
    if (fabs(d) < 1e-12 * (bx * bx + by * by + cx * cx + cy * cy))
        return sl_err_set(err, SL_ERR_INVALID, "profile loop %zu: arc through collinear points", p->n_loops - 1);
    double ux = (cy * (bx * bx + by * by) - by * (cx * cx + cy * cy)) / d;
    double uy = (bx * (cx * cx + cy * cy) - cx * (bx * bx + by * by)) / d;
    /* the arc runs counter-clockwise when, going ccw from a, it meets m before e */
    double t0 = atan2(-uy, -ux);
    double tm = atan2(my - (ay + uy), mx - (ax + ux));
    double t1 = atan2(y - (ay + uy), x - (ax + ux));
    double dm = fmod(tm - t0 + 4 * M_PI, 2 * M_PI), de = fmod(t1 - t0 + 4 * M_PI, 2 * M_PI);
    int ccw = dm < de;
    return build_profile_arc_to(p, x, y, ax + ux, ay + uy, ccw, err);
}

sl_status build_profile_bspline_to(build_profile *p, int degree, int n, const double *ctrl,
                                   const double *weights, const double *knots, sl_err *err) {
    build_loop *l = cur_loop(p, err);
    if (!l) return SL_ERR_ARG;
    if (degree < 1 || degree > 10 || n < degree + 1 || n > 100000)
        return sl_err_set(err, SL_ERR_INVALID, "profile: B-spline needs degree 1..10 and at least degree+1 points");
    if (hypot(ctrl[0] - p->pen[0], ctrl[1] - p->pen[1]) > 1e-6)
        return sl_err_set(err, SL_ERR_INVALID, "profile: B-spline's first control point (%g, %g) is not the pen (%g, %g)",
                          ctrl[0], ctrl[1], p->pen[0], p->pen[1]);
    build_seg *s = push_seg(l, err);
    if (!s) return SL_ERR_NOMEM;
    s->kind = BUILD_SEG_BSPLINE;
    s->degree = degree;
    s->n_ctrl = n;
    size_t nk = (size_t)n + (size_t)degree + 1;
    s->ctrl = malloc((size_t)n * 2 * sizeof(double));
    s->knots = malloc(nk * sizeof(double));
    if (weights) s->weights = malloc((size_t)n * sizeof(double));
    if (!s->ctrl || !s->knots || (weights && !s->weights)) { l->n_segs--; seg_release(s); return sl_err_set(err, SL_ERR_NOMEM, "out of memory"); }
    memcpy(s->ctrl, ctrl, (size_t)n * 2 * sizeof(double));
    if (weights) memcpy(s->weights, weights, (size_t)n * sizeof(double));
    if (knots) memcpy(s->knots, knots, nk * sizeof(double));
    else {
        int n_inner = n - degree - 1;
        for (size_t i = 0; i < nk; i++) {
            long k = (long)i - degree;
            s->knots[i] = k <= 0 ? 0.0 : k > n_inner ? 1.0 : (double)k / (n_inner + 1);
        }
    }
    for (size_t i = 1; i < nk; i++)
        if (!(s->knots[i] >= s->knots[i - 1])) { l->n_segs--; seg_release(s); return sl_err_set(err, SL_ERR_INVALID, "profile: B-spline knots decrease"); }
    for (int i = 0; i < n && weights; i++)
        if (!(weights[i] > 0)) { l->n_segs--; seg_release(s); return sl_err_set(err, SL_ERR_INVALID, "profile: B-spline weights must be > 0"); }
    /* clamped ends: the curve must start and end at the end control points */
    for (int i = 1; i <= degree; i++)
        if (s->knots[i] != s->knots[0] || s->knots[nk - 1 - i] != s->knots[nk - 1]) {
            l->n_segs--; seg_release(s);
            return sl_err_set(err, SL_ERR_INVALID, "profile: B-spline knots must be clamped (end knots repeated degree+1 times)");
        }
    s->p0[0] = ctrl[0]; s->p0[1] = ctrl[1];
    s->p1[0] = ctrl[2 * (n - 1)]; s->p1[1] = ctrl[2 * (n - 1) + 1];
    p->pen[0] = s->p1[0]; p->pen[1] = s->p1[1];
    return SL_OK;
}

sl_status build_profile_close(build_profile *p, sl_err *err) {
    build_loop *l = cur_loop(p, err);
    if (!l) return SL_ERR_ARG;
    if (!l->n_segs) return sl_err_set(err, SL_ERR_INVALID, "profile loop %zu is empty", p->n_loops - 1);
    const double *s0 = l->segs[0].p0;
    sl_status st = SL_OK;
    if (hypot(s0[0] - p->pen[0], s0[1] - p->pen[1]) > TOL) st = build_profile_line_to(p, s0[0], s0[1], err);
    else {  /* snap the end exactly onto the start */
        l->segs[l->n_segs - 1].p1[0] = s0[0];
        l->segs[l->n_segs - 1].p1[1] = s0[1];
    }
    p->open = 0;
    return st;
}

static sl_status whole_loop(build_profile *p, build_seg *proto, sl_err *err) {
    if (p->open) {
        sl_status st = build_profile_close(p, err);
        if (st) return st;
    }
    build_loop *l = new_loop(p, err);
    if (!l) return SL_ERR_NOMEM;
    build_seg *s = push_seg(l, err);
    if (!s) return SL_ERR_NOMEM;
    *s = *proto;
    return SL_OK;
}

sl_status build_profile_circle(build_profile *p, double cx, double cy, double r, sl_err *err) {
    if (!(r > TOL) || !isfinite(r) || !isfinite(cx) || !isfinite(cy))
        return sl_err_set(err, SL_ERR_INVALID, "profile: circle radius must be > 0 (got %g)", r);
    build_seg s = {0};
    s.kind = BUILD_SEG_CIRCLE;
    s.c[0] = cx; s.c[1] = cy; s.r = r; s.ccw = 1;
    s.p0[0] = s.p1[0] = cx + r; s.p0[1] = s.p1[1] = cy;
    return whole_loop(p, &s, err);
}

sl_status build_profile_ellipse(build_profile *p, double cx, double cy, double a, double b,
                                double rot_rad, sl_err *err) {
    if (!(a > TOL) || !(b > TOL) || !isfinite(a) || !isfinite(b))
        return sl_err_set(err, SL_ERR_INVALID, "profile: ellipse semi-axes must be > 0");
    build_seg s = {0};
    s.kind = BUILD_SEG_ELLIPSE;
    s.c[0] = cx; s.c[1] = cy; s.a = a; s.b = b; s.rot_rad = rot_rad; s.ccw = 1;
    s.p0[0] = s.p1[0] = cx + a * cos(rot_rad); s.p0[1] = s.p1[1] = cy + a * sin(rot_rad);
    return whole_loop(p, &s, err);
}

sl_status build_profile_polygon(build_profile *p, const double *xy, size_t n, sl_err *err) {
    if (n < 3) return sl_err_set(err, SL_ERR_INVALID, "profile: a polygon needs at least 3 points");
    sl_status st = build_profile_move_to(p, xy[0], xy[1], err);
    for (size_t i = 1; i < n && !st; i++) st = build_profile_line_to(p, xy[2 * i], xy[2 * i + 1], err);
    if (!st) st = build_profile_close(p, err);
    return st;
}

sl_status build_profile_rect(build_profile *p, double x0, double y0, double x1, double y1, sl_err *err) {
    double xy[8] = {x0, y0, x1, y0, x1, y1, x0, y1};
    return build_profile_polygon(p, xy, 4, err);
}

sl_status build_profile_slot(build_profile *p, double ax, double ay, double bx, double by, double r,
                             sl_err *err) {
    double dx = bx - ax, dy = by - ay, l = hypot(dx, dy);
    if (!(l > TOL) || !(r > TOL)) return sl_err_set(err, SL_ERR_INVALID, "profile: slot needs length > 0 and radius > 0");
    double nx = -dy / l * r, ny = dx / l * r;     /* left normal */
    sl_status st = build_profile_move_to(p, ax - nx, ay - ny, err);
    if (!st) st = build_profile_line_to(p, bx - nx, by - ny, err);
    if (!st) st = build_profile_arc_to(p, bx + nx, by + ny, bx, by, 1, err);
    if (!st) st = build_profile_line_to(p, ax + nx, ay + ny, err);
    if (!st) st = build_profile_arc_to(p, ax - nx, ay - ny, ax, ay, 1, err);
    if (!st) st = build_profile_close(p, err);
    return st;
}

/* ---- evaluation and polylines ------------------------------------------------ */

/* Point of segment s at fraction f in [0, 1] along its direction. */
void build_seg_point(const build_seg *s, double f, double out[2]) {
    switch (s->kind) {
    case BUILD_SEG_LINE:
        out[0] = s->p0[0] + f * (s->p1[0] - s->p0[0]);
        out[1] = s->p0[1] + f * (s->p1[1] - s->p0[1]);
        return;
    case BUILD_SEG_ARC: {
        double t0, t1;
        build_seg_arc_angles(s, &t0, &t1);
        double t = t0 + f * (t1 - t0);
        out[0] = s->c[0] + s->r * cos(t);
        out[1] = s->c[1] + s->r * sin(t);
        return;
    }
    case BUILD_SEG_CIRCLE: {
        double t = (s->ccw ? 1 : -1) * 2 * M_PI * f;
        out[0] = s->c[0] + s->r * cos(t);
        out[1] = s->c[1] + s->r * sin(t);
        return;
    }
    case BUILD_SEG_ELLIPSE: {
        double t = (s->ccw ? 1 : -1) * 2 * M_PI * f;
        double ex = s->a * cos(t), ey = s->b * sin(t), cr = cos(s->rot_rad), sr = sin(s->rot_rad);
        out[0] = s->c[0] + cr * ex - sr * ey;
        out[1] = s->c[1] + sr * ex + cr * ey;
        return;
    }
    case BUILD_SEG_BSPLINE: {
        int nk = s->n_ctrl + s->degree + 1;
        double t = s->knots[s->degree] + f * (s->knots[nk - 1 - s->degree] - s->knots[s->degree]);
        int span = geom_bspline_span(s->n_ctrl, s->degree, s->knots, t);
        double N[32];
        geom_bspline_basis_ders(span, t, s->degree, s->knots, 0, N);
        double x = 0, y = 0, w = 0;
        for (int j = 0; j <= s->degree; j++) {
            int i = span - s->degree + j;
            double wi = s->weights ? s->weights[i] : 1;
            x += N[j] * wi * s->ctrl[2 * i];
            y += N[j] * wi * s->ctrl[2 * i + 1];
            w += N[j] * wi;
        }
        out[0] = x / w;
        out[1] = y / w;
        return;
    }
    default: out[0] = out[1] = 0;
    }
}

/* Start and end angles of an arc, t1 - t0 in (0, 2pi) for ccw, (-2pi, 0) for cw. */
void build_seg_arc_angles(const build_seg *s, double *t0, double *t1) {
    double a0 = atan2(s->p0[1] - s->c[1], s->p0[0] - s->c[0]);
    double a1 = atan2(s->p1[1] - s->c[1], s->p1[0] - s->c[0]);
    double d = a1 - a0;
    if (s->ccw) { while (d <= 0) d += 2 * M_PI; while (d > 2 * M_PI) d -= 2 * M_PI; }
    else { while (d >= 0) d -= 2 * M_PI; while (d < -2 * M_PI) d += 2 * M_PI; }
    *t0 = a0;
    *t1 = a0 + d;
}

int build_seg_n_samples(const build_seg *s) {
    switch (s->kind) {
    case BUILD_SEG_LINE: return 1;
    case BUILD_SEG_ARC: {
        double t0, t1;
        build_seg_arc_angles(s, &t0, &t1);
        int n = (int)ceil(fabs(t1 - t0) / (2 * M_PI / 180));
        return n < 4 ? 4 : n;
    }
    case BUILD_SEG_CIRCLE: case BUILD_SEG_ELLIPSE: return 180;
    case BUILD_SEG_BSPLINE: return 64 * (s->n_ctrl - s->degree);
    default: return 1;
    }
}

/* Polyline of a loop: points (n, 2), each segment's samples except its last point;
 * seg_of[i] = segment index of edge i (point i -> i+1). Caller frees. */
static int loop_polyline(const build_loop *l, double **pts, int **seg_of, size_t *n) {
    size_t cnt = 0;
    for (size_t i = 0; i < l->n_segs; i++) cnt += (size_t)build_seg_n_samples(&l->segs[i]);
    *pts = malloc(2 * cnt * sizeof(double));
    *seg_of = malloc(cnt * sizeof(int));
    if (!*pts || !*seg_of) { free(*pts); free(*seg_of); *pts = NULL; *seg_of = NULL; return -1; }
    size_t k = 0;
    for (size_t i = 0; i < l->n_segs; i++) {
        int m = build_seg_n_samples(&l->segs[i]);
        for (int j = 0; j < m; j++) {
            build_seg_point(&l->segs[i], (double)j / m, *pts + 2 * k);
            (*seg_of)[k++] = (int)i;
        }
    }
    *n = cnt;
    return 0;
}

static double poly_area(const double *p, size_t n) {
    double a = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = (i + 1) % n;
        a += p[2 * i] * p[2 * j + 1] - p[2 * j] * p[2 * i + 1];
    }
    return 0.5 * a;
}

int build_point_in_poly(const double *p, size_t n, double x, double y) {
    int in = 0;
    for (size_t i = 0, j = n - 1; i < n; j = i++) {
        double xi = p[2 * i], yi = p[2 * i + 1], xj = p[2 * j], yj = p[2 * j + 1];
        if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) in = !in;
    }
    return in;
}

/* Proper or touching intersection of segments ab and cd (2D). */
static int seg_cross(const double *a, const double *b, const double *c, const double *d, double eps) {
    double d1x = b[0] - a[0], d1y = b[1] - a[1], d2x = d[0] - c[0], d2y = d[1] - c[1];
    double den = d1x * d2y - d1y * d2x;
    double ex = c[0] - a[0], ey = c[1] - a[1];
    double l1 = hypot(d1x, d1y), l2 = hypot(d2x, d2y);
    if (fabs(den) < 1e-14 * l1 * l2) {   /* parallel: overlap when collinear */
        if (fabs(ex * d1y - ey * d1x) > eps * l1) return 0;
        double t0 = (ex * d1x + ey * d1y) / (l1 * l1);
        double t1 = ((d[0] - a[0]) * d1x + (d[1] - a[1]) * d1y) / (l1 * l1);
        if (t0 > t1) { double t = t0; t0 = t1; t1 = t; }
        return t1 >= -eps / l1 && t0 <= 1 + eps / l1;
    }
    double t = (ex * d2y - ey * d2x) / den, u = (ex * d1y - ey * d1x) / den;
    return t >= -eps / l1 && t <= 1 + eps / l1 && u >= -eps / l2 && u <= 1 + eps / l2;
}

/* Reverse a loop's direction in place. */
void build_loop_reverse(build_loop *l) {
    for (size_t i = 0; i < l->n_segs / 2; i++) {
        build_seg t = l->segs[i];
        l->segs[i] = l->segs[l->n_segs - 1 - i];
        l->segs[l->n_segs - 1 - i] = t;
    }
    for (size_t i = 0; i < l->n_segs; i++) {
        build_seg *s = &l->segs[i];
        double t[2] = {s->p0[0], s->p0[1]};
        s->p0[0] = s->p1[0]; s->p0[1] = s->p1[1];
        s->p1[0] = t[0]; s->p1[1] = t[1];
        s->ccw = !s->ccw;
        if (s->kind == BUILD_SEG_BSPLINE) {
            int n = s->n_ctrl, nk = n + s->degree + 1;
            for (int a = 0; a < n / 2; a++) {
                int z = n - 1 - a;
                double x = s->ctrl[2 * a], y = s->ctrl[2 * a + 1];
                s->ctrl[2 * a] = s->ctrl[2 * z]; s->ctrl[2 * a + 1] = s->ctrl[2 * z + 1];
                s->ctrl[2 * z] = x; s->ctrl[2 * z + 1] = y;
                if (s->weights) { double w = s->weights[a]; s->weights[a] = s->weights[z]; s->weights[z] = w; }
            }
            double k0 = s->knots[0], k1 = s->knots[nk - 1];
            for (int a = 0; a < nk / 2; a++) {
                double x = s->knots[a];
                s->knots[a] = k0 + k1 - s->knots[nk - 1 - a];
                s->knots[nk - 1 - a] = k0 + k1 - x;
            }
            if (nk % 2) s->knots[nk / 2] = k0 + k1 - s->knots[nk / 2];
        }
    }
}

sl_status build_profile_check(build_profile *p, sl_err *err) {
    if (p->open) {
        sl_status st = build_profile_close(p, err);
        if (st) return st;
    }
    if (!p->n_loops) return sl_err_set(err, SL_ERR_INVALID, "profile has no loop");
    if (fabs(v3_len(p->plane.z) - 1) > 1e-9 || fabs(v3_dot(p->plane.x, p->plane.z)) > 1e-9)
        return sl_err_set(err, SL_ERR_INVALID, "profile: sketch frame is not orthonormal");
    double **pts = calloc(p->n_loops, sizeof *pts);
    int **sego = calloc(p->n_loops, sizeof *sego);
    size_t *np = calloc(p->n_loops, sizeof *np);
    sl_status st = SL_OK;
    if (!pts || !sego || !np) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
    double scale = 0;
    size_t n_samples = 0;
    for (size_t li = 0; li < p->n_loops; li++) {
        build_loop *l = &p->loops[li];
        for (size_t i = 0; i < l->n_segs; i++) n_samples += (size_t)build_seg_n_samples(&l->segs[i]);
        if (n_samples > BUILD_MAX_SAMPLES) {
            st = sl_err_set(err, SL_ERR_LIMIT, "profile too complex: more than %d check points (loops of many arcs or B-spline spans)",
                            BUILD_MAX_SAMPLES);
            goto done;
        }
        if (!l->n_segs) { st = sl_err_set(err, SL_ERR_INVALID, "profile loop %zu is empty", li); goto done; }
        /* closure */
        for (size_t i = 0; i < l->n_segs; i++) {
            const build_seg *a = &l->segs[i], *b = &l->segs[(i + 1) % l->n_segs];
            double gap = hypot(a->p1[0] - b->p0[0], a->p1[1] - b->p0[1]);
            if (gap > 1e-6) {
                st = sl_err_set(err, SL_ERR_INVALID, "profile loop %zu is not closed: segment %zu ends at (%g, %g) but segment %zu starts at (%g, %g)",
                                li, i, a->p1[0], a->p1[1], (i + 1) % l->n_segs, b->p0[0], b->p0[1]);
                goto done;
            }
            if ((a->kind == BUILD_SEG_CIRCLE || a->kind == BUILD_SEG_ELLIPSE) && l->n_segs != 1) {
                st = sl_err_set(err, SL_ERR_INVALID, "profile loop %zu: a full circle/ellipse must be a loop by itself", li);
                goto done;
            }
        }
        if (loop_polyline(l, &pts[li], &sego[li], &np[li])) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
        for (size_t i = 0; i < np[li]; i++) scale = fmax(scale, fmax(fabs(pts[li][2 * i]), fabs(pts[li][2 * i + 1])));
    }
    double eps = 1e-9 * (1 + scale);
    for (size_t li = 0; li < p->n_loops; li++) {
        double a = poly_area(pts[li], np[li]);
        if (np[li] < 3 || fabs(a) < 1e-12 * (1 + scale * scale)) {
            st = sl_err_set(err, SL_ERR_INVALID, "profile loop %zu encloses no area", li);
            goto done;
        }
        /* self-intersection: non-adjacent polyline edges must not touch */
        size_t n = np[li];
        const double *q = pts[li];
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 2; j < n; j++) {
                if (i == 0 && j == n - 1) continue;
                if (seg_cross(q + 2 * i, q + 2 * ((i + 1) % n), q + 2 * j, q + 2 * ((j + 1) % n), eps)) {
                    st = sl_err_set(err, SL_ERR_INVALID, "profile loop %zu intersects itself near (%g, %g) (segments %d and %d)",
                                    li, q[2 * j], q[2 * j + 1], sego[li][i], sego[li][j]);
                    goto done;
                }
            }
        /* adjacent edges folding back onto each other */
        for (size_t i = 0; i < n && n > 2; i++) {
            const double *a0 = q + 2 * i, *a1 = q + 2 * ((i + 1) % n), *a2 = q + 2 * ((i + 2) % n);
            double ux = a1[0] - a0[0], uy = a1[1] - a0[1], vx = a2[0] - a1[0], vy = a2[1] - a1[1];
            if (fabs(ux * vy - uy * vx) < 1e-12 * hypot(ux, uy) * hypot(vx, vy) && ux * vx + uy * vy < 0) {
                st = sl_err_set(err, SL_ERR_INVALID, "profile loop %zu folds back on itself at (%g, %g)", li, a1[0], a1[1]);
                goto done;
            }
        }
        /* orientation: outer ccw, holes cw */
        if ((li == 0) != (a > 0)) {
            build_loop_reverse(&p->loops[li]);
            free(pts[li]); free(sego[li]);
            if (loop_polyline(&p->loops[li], &pts[li], &sego[li], &np[li])) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
        }
    }
    for (size_t li = 1; li < p->n_loops; li++) {
        for (size_t lj = 0; lj < li; lj++) {
            for (size_t i = 0; i < np[li]; i++)
                for (size_t j = 0; j < np[lj]; j++)
                    if (seg_cross(pts[li] + 2 * i, pts[li] + 2 * ((i + 1) % np[li]), pts[lj] + 2 * j,
                                  pts[lj] + 2 * ((j + 1) % np[lj]), eps)) {
                        st = sl_err_set(err, SL_ERR_INVALID, "profile loops %zu and %zu cross or touch near (%g, %g)",
                                        lj, li, pts[li][2 * i], pts[li][2 * i + 1]);
                        goto done;
                    }
            int inside = build_point_in_poly(pts[lj], np[lj], pts[li][0], pts[li][1]);
            if (lj == 0 && !inside) {
                st = sl_err_set(err, SL_ERR_INVALID, "profile: hole (loop %zu) at (%g, %g) lies outside the outer loop",
                                li, pts[li][0], pts[li][1]);
                goto done;
            }
            if (lj > 0 && (inside || build_point_in_poly(pts[li], np[li], pts[lj][0], pts[lj][1]))) {
                st = sl_err_set(err, SL_ERR_INVALID, "profile: holes (loops %zu and %zu) are nested", lj, li);
                goto done;
            }
        }
    }
done:
    for (size_t li = 0; pts && li < p->n_loops; li++) { free(pts[li]); free(sego[li]); }
    free(pts); free(sego); free(np);
    return st;
}

/* Exact area enclosed by a loop: 1/2 closed integral of (x dy - y dx). */
static double seg_green(const build_seg *s) {
    switch (s->kind) {
    case BUILD_SEG_LINE: return 0.5 * (s->p0[0] * s->p1[1] - s->p1[0] * s->p0[1]);
    case BUILD_SEG_ARC: case BUILD_SEG_CIRCLE: {
        double t0, t1;
        if (s->kind == BUILD_SEG_ARC) build_seg_arc_angles(s, &t0, &t1);
        else { t0 = 0; t1 = s->ccw ? 2 * M_PI : -2 * M_PI; }
        /* x = cx + r cos t, y = cy + r sin t */
        double r = s->r, cx = s->c[0], cy = s->c[1];
        return 0.5 * (r * r * (t1 - t0) + cx * r * (sin(t1) - sin(t0)) - cy * r * (cos(t1) - cos(t0)));
    }
    case BUILD_SEG_ELLIPSE: return (s->ccw ? 1 : -1) * M_PI * s->a * s->b;
    default: {   /* B-spline: Gauss-Legendre on a fine subdivision */
        int m = 64 * (s->n_ctrl - s->degree);
        double a = 0, q0[2], q1[2], qm[2];
        for (int i = 0; i < m; i++) {
            build_seg_point(s, (double)i / m, q0);
            build_seg_point(s, (i + 0.5) / m, qm);
            build_seg_point(s, (double)(i + 1) / m, q1);
            /* Simpson on x dy - y dx with the chord derivative is only approximate */
            a += 0.5 * ((q0[0] * qm[1] - qm[0] * q0[1]) + (qm[0] * q1[1] - q1[0] * qm[1]));
        }
        return a;
    }
    }
}

double build_profile_area(const build_profile *p) {
    double a = 0;
    for (size_t li = 0; li < p->n_loops; li++)
        for (size_t i = 0; i < p->loops[li].n_segs; i++) a += seg_green(&p->loops[li].segs[i]);
    return a;
}

/* ---- fillets and chamfers on line-line corners -------------------------------- */
static sl_status corner_op(build_profile *p, long loop, double r, int fillet, sl_err *err) {
    if (!(r > 0) || !isfinite(r))
        return sl_err_set(err, SL_ERR_INVALID, "%s size must be > 0", fillet ? "fillet radius" : "chamfer distance");
    if (p->open) { sl_status st = build_profile_close(p, err); if (st) return st; }
    for (size_t li = 0; li < p->n_loops; li++) {
        if (loop >= 0 && (size_t)loop != li) continue;
        build_loop *l = &p->loops[li];
        size_t n = l->n_segs;
        if (n < 2) continue;
        build_seg *out = calloc(2 * n, sizeof *out);
        if (!out) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
        /* trimmed copies of each segment plus the corner piece after it */
        double (*start)[2] = malloc(n * sizeof *start), (*end)[2] = malloc(n * sizeof *end);
        int *has = calloc(n, sizeof *has);
        build_seg *corner = calloc(n, sizeof *corner);
        if (!start || !end || !has || !corner) { free(out); free(start); free(end); free(has); free(corner); return sl_err_set(err, SL_ERR_NOMEM, "out of memory"); }
        for (size_t i = 0; i < n; i++) {
            start[i][0] = l->segs[i].p0[0]; start[i][1] = l->segs[i].p0[1];
            end[i][0] = l->segs[i].p1[0]; end[i][1] = l->segs[i].p1[1];
        }
        sl_status st = SL_OK;
        for (size_t i = 0; i < n && !st; i++) {
            build_seg *a = &l->segs[i], *b = &l->segs[(i + 1) % n];
            if (a->kind != BUILD_SEG_LINE || b->kind != BUILD_SEG_LINE) continue;
            double ux = a->p1[0] - a->p0[0], uy = a->p1[1] - a->p0[1];
            double vx = b->p1[0] - b->p0[0], vy = b->p1[1] - b->p0[1];
            double lu = hypot(ux, uy), lv = hypot(vx, vy);
            ux /= lu; uy /= lu; vx /= lv; vy /= lv;
            double cr = ux * vy - uy * vx, dt = ux * vx + uy * vy;
            if (fabs(cr) < 1e-9) continue;   /* tangent / straight */
            double turn = atan2(cr, dt);     /* signed exterior angle */
            double set = fillet ? r * tan(0.5 * fabs(turn)) : r;   /* setback along both lines */
            double P[2] = {a->p1[0], a->p1[1]};
            end[i][0] = P[0] - set * ux; end[i][1] = P[1] - set * uy;
            start[(i + 1) % n][0] = P[0] + set * vx; start[(i + 1) % n][1] = P[1] + set * vy;
            build_seg *c = &corner[i];
            has[i] = 1;
            c->p0[0] = end[i][0]; c->p0[1] = end[i][1];
            c->p1[0] = start[(i + 1) % n][0]; c->p1[1] = start[(i + 1) % n][1];
            if (fillet) {
                c->kind = BUILD_SEG_ARC;
                double s = cr > 0 ? 1 : -1;   /* centre on the inside of the turn */
                c->c[0] = c->p0[0] - s * uy * r; c->c[1] = c->p0[1] + s * ux * r;
                c->r = r;
                c->ccw = cr > 0;
            } else c->kind = BUILD_SEG_LINE;
        }
        /* each line must keep a positive length */
        for (size_t i = 0; i < n && !st; i++)
            if (l->segs[i].kind == BUILD_SEG_LINE) {
                double ox = end[i][0] - start[i][0], oy = end[i][1] - start[i][1];
                double ix = l->segs[i].p1[0] - l->segs[i].p0[0], iy = l->segs[i].p1[1] - l->segs[i].p0[1];
                if (ox * ix + oy * iy < -1e-12 * (ix * ix + iy * iy))
                    st = sl_err_set(err, SL_ERR_INVALID, "%s %g too large: the line from (%g, %g) to (%g, %g) of profile loop %zu is used up",
                                    fillet ? "fillet radius" : "chamfer distance", r, l->segs[i].p0[0], l->segs[i].p0[1],
                                    l->segs[i].p1[0], l->segs[i].p1[1], li);
            }
        if (st) { free(out); free(start); free(end); free(has); free(corner); return st; }
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            out[k] = l->segs[i];
            if (out[k].kind == BUILD_SEG_LINE) {
                out[k].p0[0] = start[i][0]; out[k].p0[1] = start[i][1];
                out[k].p1[0] = end[i][0]; out[k].p1[1] = end[i][1];
                if (hypot(end[i][0] - start[i][0], end[i][1] - start[i][1]) < 1e-9) k--;   /* fully consumed */
            }
            k++;
            if (has[i]) out[k++] = corner[i];
        }
        free(l->segs);
        l->segs = out;
        l->n_segs = k;
        l->cap = 2 * n;
        free(start); free(end); free(has); free(corner);
    }
    return SL_OK;
}

sl_status build_profile_fillet(build_profile *p, long loop, double r, sl_err *err) {
    return corner_op(p, loop, r, 1, err);
}
sl_status build_profile_chamfer(build_profile *p, long loop, double d, sl_err *err) {
    return corner_op(p, loop, d, 0, err);
}
