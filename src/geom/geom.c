/* geom.c - frames, transforms, curve and surface evaluation with derivatives, and
 * point inversion. Pure math on caller-owned structs; no allocation, no I/O.
 * NURBS use the Cox-de Boor recurrence for basis functions and their derivatives
 * and the quotient rule for rational curves and surfaces. */
#include "steplm/geom.h"

#include <float.h>
#include <stdio.h>
#include <string.h>

#define GEOM_MAX_DEGREE 25

/* ---- frames and transforms -------------------------------------------------- */
geom_frame geom_frame_make(vec3 o, vec3 axis, vec3 ref) {
    geom_frame f;
    f.o = o;
    f.z = v3_norm(axis);
    if (v3_len(f.z) == 0) f.z = v3(0, 0, 1);
    vec3 x = v3_sub(ref, v3_scale(f.z, v3_dot(ref, f.z)));
    if (v3_len(x) < 1e-12) {
        /* STEP default: the global x axis projected, else y */
        vec3 g = fabs(f.z.x) < 0.9 ? v3(1, 0, 0) : v3(0, 1, 0);
        if (fabs(f.z.x) >= 0.9 && fabs(f.z.z) < 0.9) g = v3(0, 0, 1);
        x = v3_sub(g, v3_scale(f.z, v3_dot(g, f.z)));
        if (fabs(v3_dot(f.z, v3(0, 0, 1))) > 1 - 1e-12) x = v3(1, 0, 0);
    }
    f.x = v3_norm(x);
    f.y = v3_cross(f.z, f.x);
    return f;
}

vec3 geom_frame_to_world(const geom_frame *f, vec3 l) {
    vec3 p = f->o;
    p = v3_axpy(p, l.x, f->x);
    p = v3_axpy(p, l.y, f->y);
    return v3_axpy(p, l.z, f->z);
}

vec3 geom_frame_to_local(const geom_frame *f, vec3 w) {
    vec3 d = v3_sub(w, f->o);
    return v3(v3_dot(d, f->x), v3_dot(d, f->y), v3_dot(d, f->z));
}

void geom_xform_identity(geom_xform *x) {
    memset(x, 0, sizeof *x);
    x->r[0] = x->r[4] = x->r[8] = 1;
}

vec3 geom_xform_dir(const geom_xform *x, vec3 d) {
    const double *r = x->r;
    return v3(r[0] * d.x + r[1] * d.y + r[2] * d.z, r[3] * d.x + r[4] * d.y + r[5] * d.z,
              r[6] * d.x + r[7] * d.y + r[8] * d.z);
}

vec3 geom_xform_point(const geom_xform *x, vec3 p) { return v3_add(geom_xform_dir(x, p), x->t); }

void geom_xform_mul(const geom_xform *a, const geom_xform *b, geom_xform *c) {
    geom_xform r;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int k = 0; k < 3; k++) s += a->r[3 * i + k] * b->r[3 * k + j];
            r.r[3 * i + j] = s;
        }
    r.t = geom_xform_point(a, b->t);
    *c = r;
}

void geom_xform_from_frames(const geom_frame *from, const geom_frame *to, geom_xform *x) {
    /* p_world = to.o + sum_k (from_local_k) to.axis_k, from_local = (p - from.o) . from.axis */
    const vec3 fa[3] = {from->x, from->y, from->z}, ta[3] = {to->x, to->y, to->z};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int k = 0; k < 3; k++) {
                double ti = i == 0 ? ta[k].x : i == 1 ? ta[k].y : ta[k].z;
                double fj = j == 0 ? fa[k].x : j == 1 ? fa[k].y : fa[k].z;
                s += ti * fj;
            }
            x->r[3 * i + j] = s;
        }
    x->t = v3_sub(to->o, geom_xform_dir(x, from->o));
}

/* ---- B-spline basis ---------------------------------------------------------- */
int geom_bspline_span(int n_ctrl, int p, const double *U, double t) {
    int n = n_ctrl - 1;
    if (t >= U[n + 1]) {
        /* last non-empty span */
        int k = n;
        while (k > p && U[k] >= U[n + 1]) k--;
        return k;
    }
    if (t <= U[p]) {
        int k = p;
        while (k < n && U[k + 1] <= U[p]) k++;
        return k;
    }
    int lo = p, hi = n + 1;
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (t < U[mid]) hi = mid; else lo = mid;
    }
    return lo;
}

void geom_bspline_basis_ders(int i, double t, int p, const double *U, int n_der, double *ders) {
    double ndu[GEOM_MAX_DEGREE + 1][GEOM_MAX_DEGREE + 1];
    double left[GEOM_MAX_DEGREE + 1], right[GEOM_MAX_DEGREE + 1];
    double a[2][GEOM_MAX_DEGREE + 1];
    ndu[0][0] = 1.0;
    for (int j = 1; j <= p; j++) {
        left[j] = t - U[i + 1 - j];
        right[j] = U[i + j] - t;
        double saved = 0.0;
        for (int r = 0; r < j; r++) {
            ndu[j][r] = right[r + 1] + left[j - r];
            double temp = ndu[j][r] != 0 ? ndu[r][j - 1] / ndu[j][r] : 0;
            ndu[r][j] = saved + right[r + 1] * temp;
            saved = left[j - r] * temp;
        }
        ndu[j][j] = saved;
    }
    for (int j = 0; j <= p; j++) ders[j] = ndu[j][p];
    for (int r = 0; r <= p; r++) {
        int s1 = 0, s2 = 1;
        a[0][0] = 1.0;
        for (int k = 1; k <= n_der; k++) {
            double d = 0.0;
            int rk = r - k, pk = p - k;
            if (r >= k) {
                a[s2][0] = ndu[pk + 1][rk] != 0 ? a[s1][0] / ndu[pk + 1][rk] : 0;
                d = a[s2][0] * ndu[rk][pk];
            }
            int j1 = rk >= -1 ? 1 : -rk;
            int j2 = (r - 1 <= pk) ? k - 1 : p - r;
            for (int j = j1; j <= j2; j++) {
                a[s2][j] = ndu[pk + 1][rk + j] != 0 ? (a[s1][j] - a[s1][j - 1]) / ndu[pk + 1][rk + j] : 0;
                d += a[s2][j] * ndu[rk + j][pk];
            }
            if (r <= pk) {
                a[s2][k] = ndu[pk + 1][r] != 0 ? -a[s1][k - 1] / ndu[pk + 1][r] : 0;
                d += a[s2][k] * ndu[r][pk];
            }
            ders[k * (p + 1) + r] = d;
            int tmp = s1; s1 = s2; s2 = tmp;
        }
    }
    double f = p;
    for (int k = 1; k <= n_der; k++) {
        for (int j = 0; j <= p; j++) ders[k * (p + 1) + j] *= f;
        f *= p - k;
    }
    for (int k = p + 1; k <= n_der; k++)
        for (int j = 0; j <= p; j++) ders[k * (p + 1) + j] = 0;
}

int geom_bspline_check(const geom_bspline *b, char *why, size_t n_why) {
    if (b->degree < 1 || b->degree > GEOM_MAX_DEGREE) {
        snprintf(why, n_why, "B-spline degree %d out of range 1..%d", b->degree, GEOM_MAX_DEGREE);
        return -1;
    }
    if (b->n_ctrl < b->degree + 1) {
        snprintf(why, n_why, "B-spline has %d control points, degree %d needs at least %d", b->n_ctrl,
                 b->degree, b->degree + 1);
        return -1;
    }
    if (b->n_knots != b->n_ctrl + b->degree + 1) {
        snprintf(why, n_why, "B-spline has %d knots (with multiplicities), expected %d", b->n_knots,
                 b->n_ctrl + b->degree + 1);
        return -1;
    }
    for (int i = 0; i < b->n_knots; i++) {
        if (!isfinite(b->knots[i])) { snprintf(why, n_why, "B-spline knot %d is not finite", i); return -1; }
        if (i && b->knots[i] < b->knots[i - 1]) {
            snprintf(why, n_why, "B-spline knots out of order at %d (%g < %g)", i, b->knots[i], b->knots[i - 1]);
            return -1;
        }
    }
    if (!(b->knots[b->n_ctrl] > b->knots[b->degree])) {
        snprintf(why, n_why, "B-spline has an empty parameter range");
        return -1;
    }
    for (int i = 0; i < b->n_ctrl; i++) {
        vec3 c = b->ctrl[i];
        if (!isfinite(c.x) || !isfinite(c.y) || !isfinite(c.z)) {
            snprintf(why, n_why, "B-spline control point %d is not finite", i);
            return -1;
        }
        if (b->weights && !(b->weights[i] > 0 && isfinite(b->weights[i]))) {
            snprintf(why, n_why, "B-spline weight %d is not positive", i);
            return -1;
        }
    }
    return 0;
}

static void bspline_curve_eval(const geom_bspline *b, double t, vec3 *p, vec3 *d1, vec3 *d2) {
    int deg = b->degree, nd = d2 ? 2 : d1 ? 1 : 0;
    double N[3 * (GEOM_MAX_DEGREE + 1)];
    int span = geom_bspline_span(b->n_ctrl, deg, b->knots, t);
    geom_bspline_basis_ders(span, t, deg, b->knots, nd, N);
    vec3 A[3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
    double W[3] = {0, 0, 0};
    for (int j = 0; j <= deg; j++) {
        int idx = span - deg + j;
        double w = b->weights ? b->weights[idx] : 1.0;
        for (int k = 0; k <= nd; k++) {
            double c = N[k * (deg + 1) + j] * w;
            A[k] = v3_axpy(A[k], c, b->ctrl[idx]);
            W[k] += c;
        }
    }
    if (W[0] == 0) W[0] = 1e-300;
    vec3 P = v3_scale(A[0], 1 / W[0]);
    if (p) *p = P;
    if (nd >= 1) {
        vec3 D1 = v3_scale(v3_axpy(A[1], -W[1], P), 1 / W[0]);
        if (d1) *d1 = D1;
        if (nd >= 2) {
            vec3 t2 = v3_axpy(v3_axpy(A[2], -2 * W[1], D1), -W[2], P);
            *d2 = v3_scale(t2, 1 / W[0]);
        }
    }
}

/* ---- curves ---------------------------------------------------------------------- */
/* Unit offset direction N = V x B' / |V x B'| of an offset curve and its derivative
 * dN/dt = (u' - N (N.u')) / |u| with u = V x B', u' = V x B''. Zero where V is
 * along the tangent. */
static void offset_normal(const geom_curve *c, double t, vec3 *n, vec3 *dn) {
    vec3 B1, B2;
    geom_curve_eval(c->basis, t, NULL, &B1, &B2);
    vec3 u = v3_cross(c->ref, B1), du = v3_cross(c->ref, B2);
    double l = v3_len(u);
    if (!(l > 0)) {
        *n = v3(0, 0, 0);
        if (dn) *dn = v3(0, 0, 0);
        return;
    }
    *n = v3_scale(u, 1 / l);
    if (dn) *dn = v3_scale(v3_axpy(du, -v3_dot(*n, du), *n), 1 / l);
}

void geom_curve_eval(const geom_curve *c, double t, vec3 *p, vec3 *d1, vec3 *d2) {
    switch (c->kind) {
    case GEOM_CURVE_LINE:
        if (p) *p = v3_axpy(c->f.o, t, c->f.x);
        if (d1) *d1 = c->f.x;
        if (d2) *d2 = v3(0, 0, 0);
        return;
    case GEOM_CURVE_CIRCLE:
    case GEOM_CURVE_ELLIPSE: {
        double a = c->r1, b = c->kind == GEOM_CURVE_CIRCLE ? c->r1 : c->r2;
        double ct = cos(t), st = sin(t);
        if (p) *p = v3_axpy(v3_axpy(c->f.o, a * ct, c->f.x), b * st, c->f.y);
        if (d1) *d1 = v3_add(v3_scale(c->f.x, -a * st), v3_scale(c->f.y, b * ct));
        if (d2) *d2 = v3_add(v3_scale(c->f.x, -a * ct), v3_scale(c->f.y, -b * st));
        return;
    }
    case GEOM_CURVE_HYPERBOLA: {
        double a = c->r1, b = c->r2, ch = cosh(t), sh = sinh(t);
        if (p) *p = v3_axpy(v3_axpy(c->f.o, a * ch, c->f.x), b * sh, c->f.y);
        if (d1) *d1 = v3_add(v3_scale(c->f.x, a * sh), v3_scale(c->f.y, b * ch));
        if (d2) *d2 = v3_add(v3_scale(c->f.x, a * ch), v3_scale(c->f.y, b * sh));
        return;
    }
    case GEOM_CURVE_PARABOLA: {
        double f = c->r1;
        if (p) *p = v3_axpy(v3_axpy(c->f.o, f * t * t, c->f.x), 2 * f * t, c->f.y);
        if (d1) *d1 = v3_add(v3_scale(c->f.x, 2 * f * t), v3_scale(c->f.y, 2 * f));
        if (d2) *d2 = v3_scale(c->f.x, 2 * f);
        return;
    }
    case GEOM_CURVE_OFFSET: {
        if (!c->basis) break;
        vec3 B, B1, B2, N, dN;
        geom_curve_eval(c->basis, t, &B, &B1, &B2);
        offset_normal(c, t, &N, &dN);
        if (p) *p = v3_axpy(B, c->offset, N);
        if (d1) *d1 = v3_axpy(B1, c->offset, dN);
        if (d2) {
            /* N'' needs the basis' third derivative: central difference of N' */
            double h = 1e-5 * (1 + fabs(t));
            vec3 Na, Nb, dNa, dNb;
            offset_normal(c, t - h, &Na, &dNa);
            offset_normal(c, t + h, &Nb, &dNb);
            *d2 = v3_axpy(B2, c->offset / (2 * h), v3_sub(dNb, dNa));
        }
        return;
    }
    case GEOM_CURVE_BSPLINE:
        bspline_curve_eval(&c->bs, t, p, d1, d2);
        return;
    default:
        break;
    }
    if (p) *p = v3(0, 0, 0);
    if (d1) *d1 = v3(0, 0, 0);
    if (d2) *d2 = v3(0, 0, 0);
}

void geom_curve_range(const geom_curve *c, double *t0, double *t1, int *periodic) {
    *periodic = 0;
    switch (c->kind) {
    case GEOM_CURVE_CIRCLE:
    case GEOM_CURVE_ELLIPSE:
        *t0 = 0; *t1 = 2 * M_PI; *periodic = 1;
        return;
    case GEOM_CURVE_BSPLINE:
        *t0 = c->bs.knots[c->bs.degree];
        *t1 = c->bs.knots[c->bs.n_ctrl];
        return;
    case GEOM_CURVE_OFFSET:
        if (c->basis) { geom_curve_range(c->basis, t0, t1, periodic); return; }
        *t0 = -1e300; *t1 = 1e300;
        return;
    default:
        *t0 = -1e300; *t1 = 1e300;
    }
}

int geom_curve_is_angular(const geom_curve *c) {
    if (c->kind == GEOM_CURVE_OFFSET) return c->basis && geom_curve_is_angular(c->basis);
    return c->kind == GEOM_CURVE_CIRCLE || c->kind == GEOM_CURVE_ELLIPSE;
}

static int finite_pos(double x) { return isfinite(x) && x > 0; }

int geom_curve_check(const geom_curve *c, double t0, double t1, char *why, size_t n_why) {
    switch (c->kind) {
    case GEOM_CURVE_CIRCLE:
        if (!finite_pos(c->r1)) { snprintf(why, n_why, "circle radius %g is not positive", c->r1); return -1; }
        return 0;
    case GEOM_CURVE_ELLIPSE:
    case GEOM_CURVE_HYPERBOLA:
        if (!finite_pos(c->r1) || !finite_pos(c->r2)) {
            snprintf(why, n_why, "%s semi axes %g, %g are not both positive",
                     c->kind == GEOM_CURVE_ELLIPSE ? "ellipse" : "hyperbola", c->r1, c->r2);
            return -1;
        }
        return 0;
    case GEOM_CURVE_PARABOLA:
        if (!isfinite(c->r1) || c->r1 == 0) {
            snprintf(why, n_why, "parabola focal distance %g is not a non-zero number", c->r1);
            return -1;
        }
        return 0;
    case GEOM_CURVE_BSPLINE:
        return geom_bspline_check(&c->bs, why, n_why);
    case GEOM_CURVE_OFFSET: {
        if (!c->basis) { snprintf(why, n_why, "offset curve without a basis curve"); return -1; }
        if (!isfinite(c->offset)) { snprintf(why, n_why, "offset curve distance is not finite"); return -1; }
        double lr = v3_len(c->ref);
        if (!(isfinite(lr) && fabs(lr - 1) < 1e-9)) {
            snprintf(why, n_why, "offset curve ref_direction is zero or not a unit vector");
            return -1;
        }
        double a = t0 < -1e99 ? -10 : t0, b = t1 > 1e99 ? 10 : t1;
        for (int i = 0; i <= 64; i++) {
            double t = a + (b - a) * i / 64;
            vec3 B1;
            geom_curve_eval(c->basis, t, NULL, &B1, NULL);
            double lt = v3_len(B1);
            if (!(v3_len(v3_cross(c->ref, B1)) > 1e-9 * lt) || !(lt > 0)) {
                snprintf(why, n_why, "offset curve ref_direction is along the basis tangent at t = %g", t);
                return -1;
            }
        }
        return 0;
    }
    default:
        return 0;
    }
}

static double clampd(double x, double a, double b) { return x < a ? a : x > b ? b : x; }

/* Newton on |C(t) - p|^2 within [a, b]. */
static double curve_newton(const geom_curve *c, vec3 p, double a, double b, double t) {
    for (int it = 0; it < 30; it++) {
        vec3 P, D1, D2;
        geom_curve_eval(c, t, &P, &D1, &D2);
        vec3 r = v3_sub(P, p);
        double g = v3_dot(D1, r), h = v3_dot(D1, D1) + v3_dot(D2, r);
        if (h <= 0) h = v3_dot(D1, D1);
        if (h <= 0) break;
        double nt = clampd(t - g / h, a, b);
        if (fabs(nt - t) <= 1e-14 * (1 + fabs(t))) { t = nt; break; }
        t = nt;
    }
    return t;
}

/* Newton from each start in g[0..n) (clamped to [a, b]); the closest result. */
static double curve_newton_best(const geom_curve *c, vec3 p, double a, double b, const double *g, int n) {
    double best = clampd(g[0], a, b), bd = DBL_MAX;
    for (int i = 0; i < n; i++) {
        if (!isfinite(g[i])) continue;
        double t = curve_newton(c, p, a, b, clampd(g[i], a, b));
        vec3 P;
        geom_curve_eval(c, t, &P, NULL, NULL);
        double d = v3_dist(P, p);
        if (d < bd) { bd = d; best = t; }
    }
    return best;
}

/* Largest parameter magnitude at which an unbounded curve still evaluates finitely
 * (cosh overflows near 710; f t^2 for the parabola near 1e154). */
static double param_cap(const geom_curve *c) {
    switch (c->kind) {
    case GEOM_CURVE_HYPERBOLA: return 300;
    case GEOM_CURVE_PARABOLA: case GEOM_CURVE_LINE: return 1e100;
    case GEOM_CURVE_OFFSET: return c->basis ? param_cap(c->basis) : 0;
    default: return 1e300;
    }
}

double geom_curve_project(const geom_curve *c, vec3 p, double t0, double t1, double *t) {
    double best = 0;
    switch (c->kind) {
    case GEOM_CURVE_LINE: {
        double l2 = v3_dot(c->f.x, c->f.x);
        best = l2 > 0 ? v3_dot(v3_sub(p, c->f.o), c->f.x) / l2 : 0;
        if (t0 > -1e299) best = clampd(best, t0, t1);
        break;
    }
    case GEOM_CURVE_CIRCLE:
    case GEOM_CURVE_ELLIPSE: {
        vec3 l = geom_frame_to_local(&c->f, p);
        double a = c->r1, b = c->kind == GEOM_CURVE_CIRCLE ? c->r1 : c->r2;
        double th = atan2(l.y * (a > 0 ? a : 1), l.x * (b > 0 ? b : 1));
        if (c->kind == GEOM_CURVE_ELLIPSE) th = curve_newton(c, p, th - 1, th + 1, th);
        /* unwrap to the range: nearest copy to the middle, then clamp */
        double mid = 0.5 * (t0 + t1);
        th += 2 * M_PI * round((mid - th) / (2 * M_PI));
        if (th < t0 - 1e-9 || th > t1 + 1e-9) {
            /* outside the arc: pick the closer end */
            vec3 A, B;
            geom_curve_eval(c, t0, &A, NULL, NULL);
            geom_curve_eval(c, t1, &B, NULL, NULL);
            th = v3_dist(A, p) < v3_dist(B, p) ? t0 : t1;
        }
        best = th;
        break;
    }
    case GEOM_CURVE_HYPERBOLA:
    case GEOM_CURVE_PARABOLA:
    case GEOM_CURVE_OFFSET: {
        double cap = param_cap(c), a = fmax(t0, -cap), b = fmin(t1, cap);
        if (!(a <= b)) { best = t0; break; }
        double g[40];
        int n = 0;
        vec3 l = geom_frame_to_local(&c->f, p);
        if (c->kind == GEOM_CURVE_HYPERBOLA) {
            /* the parameter of the point with the same y, and with the same x */
            g[n++] = c->r2 > 0 ? asinh(l.y / c->r2) : 0;
            double ch = c->r1 > 0 ? fmax(1, l.x / c->r1) : 1;
            g[n++] = (l.y < 0 ? -1 : 1) * acosh(ch);
            g[n++] = 0;
        } else if (c->kind == GEOM_CURVE_PARABOLA) {
            double f = c->r1 != 0 ? c->r1 : 1, s = sqrt(fmax(0, l.x / f));
            g[n++] = l.y / (2 * f);
            g[n++] = s; g[n++] = -s; g[n++] = 0;
        } else if (c->basis) {
            /* the basis' closest point is the offset's for offsets of lines and circles */
            geom_curve_project(c->basis, p, a, b, &g[n]);
            n++;
            if (b - a < 1e99) {
                for (int i = 0; i <= 32; i++) g[n++] = a + (b - a) * i / 32;
            }
        }
        if (b - a < 1e99) { g[n++] = a; g[n++] = b; }
        if (!n) g[n++] = 0;
        best = curve_newton_best(c, p, a, b, g, n);
        break;
    }
    case GEOM_CURVE_BSPLINE: {
        int n = 8 * (c->bs.n_ctrl + 1);
        if (n > 400) n = 400;
        double bd = DBL_MAX;
        best = t0;
        for (int i = 0; i <= n; i++) {
            double s = t0 + (t1 - t0) * i / n;
            vec3 P;
            geom_curve_eval(c, s, &P, NULL, NULL);
            double d = v3_dist(P, p);
            if (d < bd) { bd = d; best = s; }
        }
        best = curve_newton(c, p, t0, t1, best);
        break;
    }
    default: best = t0;
    }
    *t = best;
    vec3 P;
    geom_curve_eval(c, best, &P, NULL, NULL);
    return v3_dist(P, p);
}

/* ---- surfaces ---------------------------------------------------------------------- */
static void bspline_surf_eval(const geom_bspline_surf *b, double u, double v, int nd, vec3 *out) {
    double Nu[3 * (GEOM_MAX_DEGREE + 1)], Nv[3 * (GEOM_MAX_DEGREE + 1)];
    int pu = b->deg_u, pv = b->deg_v;
    int su = geom_bspline_span(b->n_u, pu, b->knots_u, u);
    int sv = geom_bspline_span(b->n_v, pv, b->knots_v, v);
    geom_bspline_basis_ders(su, u, pu, b->knots_u, nd, Nu);
    geom_bspline_basis_ders(sv, v, pv, b->knots_v, nd, Nv);
    /* A[k][l]: d^k/du^k d^l/dv^l of the homogeneous point, W likewise */
    vec3 A[3][3];
    double W[3][3];
    memset(A, 0, sizeof A);
    memset(W, 0, sizeof W);
    for (int i = 0; i <= pu; i++) {
        int ii = su - pu + i;
        for (int j = 0; j <= pv; j++) {
            int jj = sv - pv + j;
            double w = b->weights ? b->weights[ii * b->n_v + jj] : 1.0;
            vec3 P = b->ctrl[ii * b->n_v + jj];
            for (int k = 0; k <= nd; k++)
                for (int l = 0; l + k <= nd; l++) {
                    double c = Nu[k * (pu + 1) + i] * Nv[l * (pv + 1) + j] * w;
                    if (c == 0) continue;
                    A[k][l] = v3_axpy(A[k][l], c, P);
                    W[k][l] += c;
                }
        }
    }
    double w0 = W[0][0] != 0 ? W[0][0] : 1e-300;
    vec3 S = v3_scale(A[0][0], 1 / w0);
    out[0] = S;
    if (nd < 1) return;
    vec3 Su = v3_scale(v3_axpy(A[1][0], -W[1][0], S), 1 / w0);
    vec3 Sv = v3_scale(v3_axpy(A[0][1], -W[0][1], S), 1 / w0);
    out[1] = Su;
    out[2] = Sv;
    if (nd < 2) return;
    vec3 Suu = v3_axpy(v3_axpy(A[2][0], -2 * W[1][0], Su), -W[2][0], S);
    vec3 Svv = v3_axpy(v3_axpy(A[0][2], -2 * W[0][1], Sv), -W[0][2], S);
    vec3 Suv = v3_axpy(v3_axpy(v3_axpy(A[1][1], -W[1][0], Sv), -W[0][1], Su), -W[1][1], S);
    out[3] = v3_scale(Suu, 1 / w0);
    out[4] = v3_scale(Suv, 1 / w0);
    out[5] = v3_scale(Svv, 1 / w0);
}

/* rotate vector w by angle u about unit axis z; k-th derivative in u */
static vec3 rot_der(vec3 z, double u, vec3 w, int k) {
    vec3 par = v3_scale(z, v3_dot(w, z));
    vec3 perp = v3_sub(w, par);
    vec3 zx = v3_cross(z, perp);
    double c = cos(u), s = sin(u);
    switch (k) {
    case 0: return v3_add(par, v3_add(v3_scale(perp, c), v3_scale(zx, s)));
    case 1: return v3_add(v3_scale(perp, -s), v3_scale(zx, c));
    default: return v3_add(v3_scale(perp, -c), v3_scale(zx, -s));
    }
}

void geom_surf_eval(const geom_surf *s, double u, double v, int nd, vec3 *out) {
    const geom_frame *f = &s->f;
    int n_out = nd == 0 ? 1 : nd == 1 ? 3 : 6;
    vec3 zero = {0, 0, 0};
    for (int i = 0; i < n_out; i++) out[i] = zero;
    double cu = cos(u), su = sin(u);
    vec3 radial = v3_add(v3_scale(f->x, cu), v3_scale(f->y, su));   /* d/du = tang */
    vec3 tang = v3_add(v3_scale(f->x, -su), v3_scale(f->y, cu));
    switch (s->kind) {
    case GEOM_SURF_PLANE:
        out[0] = v3_axpy(v3_axpy(f->o, u, f->x), v, f->y);
        if (nd >= 1) { out[1] = f->x; out[2] = f->y; }
        return;
    case GEOM_SURF_CYLINDER:
        out[0] = v3_axpy(v3_axpy(f->o, s->r1, radial), v, f->z);
        if (nd >= 1) { out[1] = v3_scale(tang, s->r1); out[2] = f->z; }
        if (nd >= 2) out[3] = v3_scale(radial, -s->r1);
        return;
    case GEOM_SURF_CONE: {
        double ta = tan(s->r2), r = s->r1 + v * ta;
        out[0] = v3_axpy(v3_axpy(f->o, r, radial), v, f->z);
        if (nd >= 1) { out[1] = v3_scale(tang, r); out[2] = v3_axpy(f->z, ta, radial); }
        if (nd >= 2) { out[3] = v3_scale(radial, -r); out[4] = v3_scale(tang, ta); }
        return;
    }
    case GEOM_SURF_SPHERE: {
        double r = s->r1, cv = cos(v), sv = sin(v);
        out[0] = v3_axpy(v3_axpy(f->o, r * cv, radial), r * sv, f->z);
        if (nd >= 1) {
            out[1] = v3_scale(tang, r * cv);
            out[2] = v3_axpy(v3_scale(radial, -r * sv), r * cv, f->z);
        }
        if (nd >= 2) {
            out[3] = v3_scale(radial, -r * cv);
            out[4] = v3_scale(tang, -r * sv);
            out[5] = v3_axpy(v3_scale(radial, -r * cv), -r * sv, f->z);
        }
        return;
    }
    case GEOM_SURF_TORUS: {
        double R = s->r1, r = s->r2, cv = cos(v), sv = sin(v), rho = R + r * cv;
        out[0] = v3_axpy(v3_axpy(f->o, rho, radial), r * sv, f->z);
        if (nd >= 1) {
            out[1] = v3_scale(tang, rho);
            out[2] = v3_axpy(v3_scale(radial, -r * sv), r * cv, f->z);
        }
        if (nd >= 2) {
            out[3] = v3_scale(radial, -rho);
            out[4] = v3_scale(tang, -r * sv);
            out[5] = v3_axpy(v3_scale(radial, -r * cv), -r * sv, f->z);
        }
        return;
    }
    case GEOM_SURF_BSPLINE:
        /* closed B-spline surfaces are evaluated periodically (the tessellator
         * unwraps parameters across the seam) */
        if (s->period_u) {
            double a = s->bs.knots_u[s->bs.deg_u];
            u = a + fmod(u - a, s->period_u);
            if (u < a) u += s->period_u;
        }
        if (s->period_v) {
            double a = s->bs.knots_v[s->bs.deg_v];
            v = a + fmod(v - a, s->period_v);
            if (v < a) v += s->period_v;
        }
        bspline_surf_eval(&s->bs, u, v, nd, out);
        return;
    case GEOM_SURF_REVOLUTION: {
        if (!s->curve) return;
        vec3 C, D1, D2;
        geom_curve_eval(s->curve, v, &C, nd >= 1 ? &D1 : NULL, nd >= 2 ? &D2 : NULL);
        vec3 q = v3_sub(C, f->o);
        out[0] = v3_add(f->o, rot_der(f->z, u, q, 0));
        if (nd >= 1) { out[1] = rot_der(f->z, u, q, 1); out[2] = rot_der(f->z, u, D1, 0); }
        if (nd >= 2) {
            out[3] = rot_der(f->z, u, q, 2);
            out[4] = rot_der(f->z, u, D1, 1);
            out[5] = rot_der(f->z, u, D2, 0);
        }
        return;
    }
    case GEOM_SURF_EXTRUSION: {
        if (!s->curve) return;
        vec3 C, D1, D2;
        geom_curve_eval(s->curve, u, &C, nd >= 1 ? &D1 : NULL, nd >= 2 ? &D2 : NULL);
        out[0] = v3_axpy(C, v, f->x);
        if (nd >= 1) { out[1] = D1; out[2] = f->x; }
        if (nd >= 2) out[3] = D2;
        return;
    }
    case GEOM_SURF_OFFSET: {
        if (!s->basis) return;
        vec3 B[6];
        geom_surf_eval(s->basis, u, v, nd >= 1 ? 2 : 1, B);
        vec3 N = geom_surf_normal(s->basis, u, v);
        out[0] = v3_axpy(B[0], s->offset, N);
        if (nd >= 1) {
            vec3 n = v3_cross(B[1], B[2]);
            double ln = v3_len(n);
            vec3 nu = v3_add(v3_cross(B[3], B[2]), v3_cross(B[1], B[4]));
            vec3 nv = v3_add(v3_cross(B[4], B[2]), v3_cross(B[1], B[5]));
            vec3 Nu = ln > 0 ? v3_scale(v3_axpy(nu, -v3_dot(N, nu), N), 1 / ln) : zero;
            vec3 Nv = ln > 0 ? v3_scale(v3_axpy(nv, -v3_dot(N, nv), N), 1 / ln) : zero;
            out[1] = v3_axpy(B[1], s->offset, Nu);
            out[2] = v3_axpy(B[2], s->offset, Nv);
        }
        if (nd >= 2) {
            /* second derivatives by central differences of the first */
            double h = 1e-5;
            vec3 a[3], b[3], c[3];
            geom_surf_eval(s, u + h, v, 1, a);
            geom_surf_eval(s, u - h, v, 1, b);
            geom_surf_eval(s, u, v + h, 1, c);
            out[3] = v3_scale(v3_sub(a[1], b[1]), 0.5 / h);
            out[4] = v3_scale(v3_sub(a[2], b[2]), 0.5 / h);
            geom_surf_eval(s, u, v - h, 1, a);
            out[5] = v3_scale(v3_sub(c[2], a[2]), 0.5 / h);
        }
        return;
    }
    default: return;
    }
}

vec3 geom_surf_normal(const geom_surf *s, double u, double v) {
    vec3 d[3];
    geom_surf_eval(s, u, v, 1, d);
    vec3 n = v3_cross(d[1], d[2]);
    double l = v3_len(n), scale = v3_len(d[1]) * v3_len(d[2]);
    if (l > 1e-12 * (scale > 0 ? scale : 1) && l > 0) return v3_scale(n, 1 / l);
    /* singular point (pole, apex): average normals of nearby points */
    double u0, u1, v0, v1;
    geom_surf_range(s, &u0, &u1, &v0, &v1);
    double hu = (u1 - u0 < 1e100 ? u1 - u0 : 1) * 1e-4, hv = (v1 - v0 < 1e100 ? v1 - v0 : 1) * 1e-4;
    vec3 acc = {0, 0, 0};
    for (int k = 0; k < 4; k++) {
        double du = (k & 1 ? 1 : -1) * hu, dv = (k & 2 ? 1 : -1) * hv;
        double uu = u + du, vv = v + dv;
        if (vv < v0) vv = v0 + hv; else if (vv > v1) vv = v1 - hv;
        if (uu < u0) uu = u0 + hu; else if (uu > u1) uu = u1 - hu;
        geom_surf_eval(s, uu, vv, 1, d);
        acc = v3_add(acc, v3_norm(v3_cross(d[1], d[2])));
    }
    return v3_norm(acc);
}

void geom_surf_range(const geom_surf *s, double *u0, double *u1, double *v0, double *v1) {
    *u0 = *v0 = -1e300;
    *u1 = *v1 = 1e300;
    switch (s->kind) {
    case GEOM_SURF_CYLINDER: case GEOM_SURF_CONE: case GEOM_SURF_REVOLUTION:
        *u0 = 0; *u1 = 2 * M_PI;
        if (s->kind == GEOM_SURF_REVOLUTION && s->curve) {
            int per;
            geom_curve_range(s->curve, v0, v1, &per);
        }
        return;
    case GEOM_SURF_SPHERE:
        *u0 = 0; *u1 = 2 * M_PI; *v0 = -M_PI / 2; *v1 = M_PI / 2;
        return;
    case GEOM_SURF_TORUS:
        *u0 = 0; *u1 = 2 * M_PI; *v0 = 0; *v1 = 2 * M_PI;
        return;
    case GEOM_SURF_BSPLINE:
        *u0 = s->bs.knots_u[s->bs.deg_u];
        *u1 = s->bs.knots_u[s->bs.n_u];
        *v0 = s->bs.knots_v[s->bs.deg_v];
        *v1 = s->bs.knots_v[s->bs.n_v];
        return;
    case GEOM_SURF_EXTRUSION:
        if (s->curve) { int per; geom_curve_range(s->curve, u0, u1, &per); }
        return;
    case GEOM_SURF_OFFSET:
        if (s->basis) geom_surf_range(s->basis, u0, u1, v0, v1);
        return;
    default: return;
    }
}

/* Are the two opposite boundaries of a finite range the same curve in space? */
static int closed_dir(const geom_surf *s, int dir, double u0, double u1, double v0, double v1) {
    vec3 a, b, c, d;
    double scale = 0;
    for (int i = 0; i <= 8; i++) {
        double t = i / 8.0;
        if (dir == 0) {
            geom_surf_eval(s, u0, v0 + t * (v1 - v0), 0, &a);
            geom_surf_eval(s, u1, v0 + t * (v1 - v0), 0, &b);
            geom_surf_eval(s, 0.5 * (u0 + u1), v0 + t * (v1 - v0), 0, &c);
        } else {
            geom_surf_eval(s, u0 + t * (u1 - u0), v0, 0, &a);
            geom_surf_eval(s, u0 + t * (u1 - u0), v1, 0, &b);
            geom_surf_eval(s, u0 + t * (u1 - u0), 0.5 * (v0 + v1), 0, &c);
        }
        double e = v3_dist(a, c);
        if (e > scale) scale = e;
        (void)d;
        if (v3_dist(a, b) > 1e-6 * (1 + v3_len(a))) return 0;
    }
    return scale > 1e-9;
}

void geom_surf_prepare(geom_surf *s) {
    s->period_u = s->period_v = 0;
    switch (s->kind) {
    case GEOM_SURF_CYLINDER: case GEOM_SURF_CONE: case GEOM_SURF_SPHERE:
        s->period_u = 2 * M_PI;
        return;
    case GEOM_SURF_REVOLUTION:
        s->period_u = 2 * M_PI;
        /* a revolved circle or ellipse (or an offset of one) is periodic along the
         * profile as well */
        if (s->curve && geom_curve_is_angular(s->curve)) s->period_v = 2 * M_PI;
        return;
    case GEOM_SURF_TORUS:
        s->period_u = s->period_v = 2 * M_PI;
        return;
    case GEOM_SURF_EXTRUSION:
        if (s->curve && geom_curve_is_angular(s->curve)) s->period_u = 2 * M_PI;
        return;
    case GEOM_SURF_BSPLINE: {
        double u0, u1, v0, v1;
        geom_surf_range(s, &u0, &u1, &v0, &v1);
        if (closed_dir(s, 0, u0, u1, v0, v1)) s->period_u = u1 - u0;
        if (closed_dir(s, 1, u0, u1, v0, v1)) s->period_v = v1 - v0;
        return;
    }
    case GEOM_SURF_OFFSET:
        if (s->basis) { s->period_u = s->basis->period_u; s->period_v = s->basis->period_v; }
        return;
    default: return;
    }
}

int geom_surf_is_pole_v(const geom_surf *s, double v) {
    switch (s->kind) {
    case GEOM_SURF_SPHERE: return fabs(fabs(v) - M_PI / 2) < 1e-9;
    case GEOM_SURF_CONE: return fabs(s->r1 + v * tan(s->r2)) < 1e-9 * (1 + fabs(s->r1));
    default: return 0;
    }
}

/* Newton on |S(u,v) - p|^2 from (u, v), clamped to the range for non-periodic dirs. */
static void surf_newton(const geom_surf *s, vec3 p, double *pu, double *pv, double u0, double u1,
                        double v0, double v1) {
    double u = *pu, v = *pv;
    for (int it = 0; it < 40; it++) {
        vec3 d[6];
        geom_surf_eval(s, u, v, 2, d);
        vec3 r = v3_sub(d[0], p);
        double gu = v3_dot(d[1], r), gv = v3_dot(d[2], r);
        double a = v3_dot(d[1], d[1]) + v3_dot(d[3], r);
        double b = v3_dot(d[1], d[2]) + v3_dot(d[4], r);
        double c = v3_dot(d[2], d[2]) + v3_dot(d[5], r);
        double det = a * c - b * b;
        double du, dv;
        if (det <= 1e-300 || a <= 0) {
            /* fall back to Gauss-Newton */
            a = v3_dot(d[1], d[1]); b = v3_dot(d[1], d[2]); c = v3_dot(d[2], d[2]);
            det = a * c - b * b;
            if (det <= 1e-300) {
                if (a > 0) { du = -gu / a; dv = 0; }
                else if (c > 0) { du = 0; dv = -gv / c; }
                else break;
            } else {
                du = -(c * gu - b * gv) / det;
                dv = -(a * gv - b * gu) / det;
            }
        } else {
            du = -(c * gu - b * gv) / det;
            dv = -(a * gv - b * gu) / det;
        }
        /* damping: do not jump more than a quarter of the range */
        double lu = u1 - u0 < 1e100 ? 0.25 * (u1 - u0) : 1e100, lv = v1 - v0 < 1e100 ? 0.25 * (v1 - v0) : 1e100;
        if (fabs(du) > lu) du = du > 0 ? lu : -lu;
        if (fabs(dv) > lv) dv = dv > 0 ? lv : -lv;
        double nu = u + du, nv = v + dv;
        if (!s->period_u) nu = clampd(nu, u0, u1);
        if (!s->period_v) nv = clampd(nv, v0, v1);
        if (!isfinite(nu) || !isfinite(nv)) break;
        double conv = fabs(nu - u) + fabs(nv - v);
        u = nu; v = nv;
        if (conv < 1e-13 * (1 + fabs(u) + fabs(v))) break;
    }
    *pu = u; *pv = v;
}

static double wrap_near(double x, double period, double target) {
    if (period <= 0) return x;
    return x + period * round((target - x) / period);
}

double geom_surf_project(const geom_surf *s, vec3 p, const double *hint, double *pu, double *pv) {
    double u = 0, v = 0;
    double u0, u1, v0, v1;
    geom_surf_range(s, &u0, &u1, &v0, &v1);
    vec3 l = geom_frame_to_local(&s->f, p);
    int iterative = 0;
    switch (s->kind) {
    case GEOM_SURF_PLANE: u = l.x; v = l.y; break;
    case GEOM_SURF_CYLINDER: u = atan2(l.y, l.x); v = l.z; break;
    case GEOM_SURF_CONE: {
        double t = tan(s->r2), rho = hypot(l.x, l.y);
        u = atan2(l.y, l.x);
        v = ((rho - s->r1) * t + l.z) / (1 + t * t);
        if (rho < 1e-12 * (1 + fabs(s->r1)) && hint) u = hint[0];
        break;
    }
    case GEOM_SURF_SPHERE: {
        double rho = hypot(l.x, l.y);
        u = atan2(l.y, l.x);
        v = atan2(l.z, rho);
        if (rho < 1e-9 * (1 + s->r1) && hint) u = hint[0];
        break;
    }
    case GEOM_SURF_TORUS: {
        double rho = hypot(l.x, l.y);
        u = atan2(l.y, l.x);
        v = atan2(l.z, rho - s->r1);
        break;
    }
    default: iterative = 1;
    }
    if (!iterative) {
        if (s->period_u) u = wrap_near(u, s->period_u, hint ? hint[0] : u0 + 0.5 * s->period_u);
        if (s->period_v) v = wrap_near(v, s->period_v, hint ? hint[1] : v0 + 0.5 * s->period_v);
        if (s->kind == GEOM_SURF_SPHERE || s->kind == GEOM_SURF_CONE || s->kind == GEOM_SURF_TORUS) {
            /* exact for points on the surface; refine off-surface points a little */
        }
    } else {
        double best = DBL_MAX;
        double bu = 0.5 * (u0 + u1), bv = 0.5 * (v0 + v1);
        if (hint) {
            bu = hint[0]; bv = hint[1];
            surf_newton(s, p, &bu, &bv, u0, u1, v0, v1);
            vec3 q;
            geom_surf_eval(s, bu, bv, 0, &q);
            best = v3_dist(q, p);
        }
        /* grid search when no hint or the hinted result is not on the surface */
        vec3 q0;
        geom_surf_eval(s, u0 > -1e299 ? u0 : 0, v0 > -1e299 ? v0 : 0, 0, &q0);
        /* a hinted local minimum is kept when it is within the usual modelling
         * tolerance: points of a trimming curve lie off their surface by about that
         * much, and a global search would jump across ill-conditioned regions */
        double scale = 1e-4 * (1 + v3_len(p));
        if (!hint || best > scale) {
            double gu0 = u0 > -1e299 ? u0 : -1, gu1 = u1 < 1e299 ? u1 : 1;
            double gv0 = v0 > -1e299 ? v0 : -1, gv1 = v1 < 1e299 ? v1 : 1;
            if (s->kind == GEOM_SURF_EXTRUSION && v0 < -1e299) {
                /* v is the length along the direction: solve directly */
                double dl = v3_dot(s->f.x, s->f.x);
                gv0 = gv1 = 0;
                (void)dl;
            }
            int nu = 16, nv = 16;
            if (s->kind == GEOM_SURF_BSPLINE) {
                nu = 3 * s->bs.n_u; nv = 3 * s->bs.n_v;
                if (nu > 48) nu = 48;
                if (nv > 48) nv = 48;
            }
            double gbu = bu, gbv = bv, gbest = DBL_MAX;
            enum { N_CAND = 6 };
            double cand_d[N_CAND], cand_u[N_CAND], cand_v[N_CAND];
            for (int k = 0; k < N_CAND; k++) { cand_d[k] = DBL_MAX; cand_u[k] = gbu; cand_v[k] = gbv; }
            for (int i = 0; i <= nu; i++)
                for (int j = 0; j <= nv; j++) {
                    double uu = gu0 + (gu1 - gu0) * i / nu, vv = gv0 + (gv1 - gv0) * j / nv;
                    if (s->kind == GEOM_SURF_EXTRUSION && v0 < -1e299) {
                        vec3 c;
                        geom_curve_eval(s->curve, uu, &c, NULL, NULL);
                        double dl = v3_dot(s->f.x, s->f.x);
                        vv = dl > 0 ? v3_dot(v3_sub(p, c), s->f.x) / dl : 0;
                    }
                    vec3 q;
                    geom_surf_eval(s, uu, vv, 0, &q);
                    double d = v3_dist(q, p);
                    if (d < gbest) { gbest = d; gbu = uu; gbv = vv; }
                    /* the next best grid points, starts for a second try */
                    if (d < cand_d[N_CAND - 1]) {
                        int k = N_CAND - 1;
                        while (k > 0 && cand_d[k - 1] > d) {
                            cand_d[k] = cand_d[k - 1]; cand_u[k] = cand_u[k - 1]; cand_v[k] = cand_v[k - 1];
                            k--;
                        }
                        cand_d[k] = d; cand_u[k] = uu; cand_v[k] = vv;
                    }
                }
            surf_newton(s, p, &gbu, &gbv, u0, u1, v0, v1);
            vec3 q;
            geom_surf_eval(s, gbu, gbv, 0, &q);
            double d = v3_dist(q, p);
            if (d < best - 1e-12) { best = d; bu = gbu; bv = gbv; }
            /* Newton from the best grid point can stall in a narrow valley of a
             * badly parametrised patch: when still off the surface, start again
             * from the other nearest grid points */
            for (int k = 1; k < N_CAND && best > scale && cand_d[k] < DBL_MAX; k++) {
                double cu = cand_u[k], cv = cand_v[k];
                surf_newton(s, p, &cu, &cv, u0, u1, v0, v1);
                geom_surf_eval(s, cu, cv, 0, &q);
                d = v3_dist(q, p);
                if (d < best - 1e-12) { best = d; bu = cu; bv = cv; }
            }
        }
        u = bu; v = bv;
        if (s->period_u) u = wrap_near(u, s->period_u, hint ? hint[0] : u0 + 0.5 * s->period_u);
        if (s->period_v) v = wrap_near(v, s->period_v, hint ? hint[1] : v0 + 0.5 * s->period_v);
    }
    *pu = u; *pv = v;
    vec3 q;
    geom_surf_eval(s, u, v, 0, &q);
    return v3_dist(q, p);
}
