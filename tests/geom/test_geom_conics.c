/* test_geom_conics.c - HYPERBOLA, PARABOLA and OFFSET_CURVE_3D against values derived
 * by hand:
 *  - hyperbola x = a cosh t, y = b sinh t in a tilted frame: points from the frame
 *    axes, x^2/a^2 - y^2/b^2 = 1 with x > 0 (one branch), the asymptote slope b/a, the
 *    foci property |PF1 - PF2| = 2a with c^2 = a^2 + b^2;
 *  - parabola x = f t^2, y = 2 f t: y^2 = 4 f x, distance to the focus (f, 0) equal to
 *    the distance to the directrix x = -f, and the arc length from 0 to T,
 *    int_0^T 2 f sqrt(1 + t^2) dt = f (T sqrt(1 + T^2) + asinh T), against chords of
 *    the evaluated points and against a Gauss sum of |C'|;
 *  - offsets (ISO 10303-42: along V x T): of a line by d (a parallel line at distance
 *    d on the side V x T) and of a circle of radius r (radius r + d where V x T points
 *    outwards, r - d where inwards);
 *  - derivatives against central differences, point inversion round trips and the
 *    orthogonality of the residual for points off the curves;
 *  - geom_curve_check on corrupt numbers (non-positive semi axes, zero focal
 *    distance, ref_direction along the tangent or zero). */
#include <string.h>

#include "steplm/geom.h"
#include "test.h"
#include "curve_fd.h"

/* C(t) projected back gives t; a point pushed off along a normal of the curve's
 * plane and sideways gives a residual orthogonal to the tangent. */
static void check_inversion(const geom_curve *c, double t, vec3 side) {
    double t0, t1, tt;
    int per;
    geom_curve_range(c, &t0, &t1, &per);
    vec3 p, d1;
    geom_curve_eval(c, t, &p, &d1, NULL);
    double d = geom_curve_project(c, p, t0, t1, &tt);
    CHECK_MSG(d < 1e-9 * (1 + v3_len(p)), "kind %d t %g: round trip distance %g", c->kind, t, d);
    CHECK_MSG(fabs(tt - t) < 1e-7 * (1 + fabs(t)), "kind %d t %g: round trip gave %.12g", c->kind, t, tt);
    vec3 q = v3_add(p, side);
    geom_curve_project(c, q, t0, t1, &tt);
    vec3 P, D;
    geom_curve_eval(c, tt, &P, &D, NULL);
    double ortho = v3_dot(v3_sub(q, P), v3_norm(D));
    CHECK_MSG(fabs(ortho) < 1e-7 * (1 + v3_len(side)), "kind %d t %g: residual not normal (%g)", c->kind, t, ortho);
    /* and no sampled point of the curve nearby is closer */
    double best = v3_dist(q, P);
    for (int i = -200; i <= 200; i++) {
        vec3 S;
        geom_curve_eval(c, tt + 0.01 * i, &S, NULL, NULL);
        CHECK_MSG(v3_dist(S, q) >= best - 1e-9, "kind %d: sample %d closer than the projection", c->kind, i);
        if (v3_dist(S, q) < best - 1e-9) break;
    }
}

static void test_hyperbola(void) {
    /* frame: origin (1, 2, 3), axis (0, 0, 1) tilted about x by 30 degrees, x axis (1, 1, 0)/sqrt 2 */
    vec3 o = v3(1, 2, 3), z = v3(0, -0.5, sqrt(3) / 2), ref = v3(1, 1, 0);
    geom_curve c;
    memset(&c, 0, sizeof c);
    c.kind = GEOM_CURVE_HYPERBOLA;
    c.f = geom_frame_make(o, z, ref);
    c.r1 = 3; c.r2 = 2;
    /* the frame by hand: x = ref minus its z part, normalised; y = z cross x */
    vec3 X = v3_norm(v3_sub(ref, v3_scale(z, v3_dot(ref, z))));
    vec3 Y = v3_cross(z, X);
    double a = 3, b = 2, cf = sqrt(a * a + b * b);
    vec3 F1 = v3_axpy(o, cf, X), F2 = v3_axpy(o, -cf, X);
    for (int i = -12; i <= 12; i++) {
        double t = 0.25 * i;
        vec3 p;
        geom_curve_eval(&c, t, &p, NULL, NULL);
        vec3 want = v3_axpy(v3_axpy(o, a * cosh(t), X), b * sinh(t), Y);
        CHECK_NEAR(v3_dist(p, want), 0, 1e-12 * (1 + v3_len(want)));
        vec3 l = v3_sub(p, o);
        double x = v3_dot(l, X), y = v3_dot(l, Y);
        CHECK_NEAR(v3_dot(l, z), 0, 1e-12 * (1 + v3_len(l)));
        CHECK_NEAR(x * x / (a * a) - y * y / (b * b), 1, 1e-10 * (1 + x * x));
        CHECK(x >= a - 1e-12);   /* one branch: the one on the +x side */
        /* |PF2| - |PF1| = 2a on the +x branch */
        CHECK_NEAR(v3_dist(p, F2) - v3_dist(p, F1), 2 * a, 1e-9 * (1 + x));
        check_curve_fd(&c, t);
        check_inversion(&c, t, v3_add(v3_scale(z, 0.7), v3_scale(X, 0.2)));
    }
    /* far out the branch follows the asymptote y = (b / a) x */
    vec3 p;
    geom_curve_eval(&c, 12, &p, NULL, NULL);
    vec3 l = v3_sub(p, o);
    CHECK_NEAR(v3_dot(l, Y) / v3_dot(l, X), b / a, 1e-9);
    CHECK(geom_curve_is_angular(&c) == 0);
    double t0, t1;
    int per;
    geom_curve_range(&c, &t0, &t1, &per);
    CHECK(per == 0 && t0 < -1e99 && t1 > 1e99);
}

static void test_parabola(void) {
    double f = 1.5;
    geom_curve c;
    memset(&c, 0, sizeof c);
    c.kind = GEOM_CURVE_PARABOLA;
    c.f = geom_frame_make(v3(-2, 0, 5), v3(0, 1, 0), v3(0, 0, 1));
    c.r1 = f;
    vec3 X = v3(0, 0, 1), Z = v3(0, 1, 0), Y = v3_cross(Z, X);   /* Y = (1, 0, 0) */
    CHECK_NEAR(Y.x, 1, 1e-15);
    vec3 o = v3(-2, 0, 5), F = v3_axpy(o, f, X);
    for (int i = -10; i <= 10; i++) {
        double t = 0.4 * i;
        vec3 p;
        geom_curve_eval(&c, t, &p, NULL, NULL);
        vec3 want = v3_axpy(v3_axpy(o, f * t * t, X), 2 * f * t, Y);
        CHECK_NEAR(v3_dist(p, want), 0, 1e-12 * (1 + v3_len(want)));
        double x = v3_dot(v3_sub(p, o), X), y = v3_dot(v3_sub(p, o), Y);
        CHECK_NEAR(y * y, 4 * f * x, 1e-10 * (1 + x));
        CHECK_NEAR(v3_dist(p, F), x + f, 1e-10 * (1 + x));   /* focus vs directrix */
        check_curve_fd(&c, t);
        check_inversion(&c, t, v3_add(v3_scale(Z, -0.4), v3_scale(X, -0.3)));
    }
    /* arc length from 0 to T: f (T sqrt(1 + T^2) + asinh T) */
    double T = 2.5, L = f * (T * sqrt(1 + T * T) + asinh(T));
    int n = 20000;
    double chords = 0;
    vec3 prev;
    geom_curve_eval(&c, 0, &prev, NULL, NULL);
    for (int i = 1; i <= n; i++) {
        vec3 p;
        geom_curve_eval(&c, T * i / n, &p, NULL, NULL);
        chords += v3_dist(p, prev);
        prev = p;
    }
    /* chords fall short by about L h^2 kappa^2 / 24: well under 1e-7 here */
    CHECK_MSG(fabs(chords - L) < 1e-7 * L && chords <= L, "parabola arc length %.12g expected %.12g", chords, L);
    /* 3-point Gauss-Legendre on 200 panels of |C'| */
    const double gx[3] = {-sqrt(0.6), 0, sqrt(0.6)}, gw[3] = {5.0 / 9, 8.0 / 9, 5.0 / 9};
    double gs = 0, hpan = T / 200;
    for (int k = 0; k < 200; k++)
        for (int j = 0; j < 3; j++) {
            vec3 d1;
            geom_curve_eval(&c, hpan * (k + 0.5 + 0.5 * gx[j]), NULL, &d1, NULL);
            gs += 0.5 * hpan * gw[j] * v3_len(d1);
        }
    CHECK_REL(gs, L, 1e-12);
    /* a negative focal distance opens the other way: y^2 = 4 f x with x <= 0 */
    c.r1 = -f;
    vec3 p;
    geom_curve_eval(&c, 1.3, &p, NULL, NULL);
    CHECK_NEAR(v3_dot(v3_sub(p, o), X), -f * 1.69, 1e-12);
    check_inversion(&c, 1.3, v3_scale(Z, 0.5));
}

static void test_offsets(void) {
    geom_curve line, circ, off;
    memset(&line, 0, sizeof line);
    line.kind = GEOM_CURVE_LINE;
    line.f.o = v3(1, 1, 1);
    line.f.x = v3(2, 0, 0);   /* not unit: parameter t covers 2 mm */
    memset(&off, 0, sizeof off);
    off.kind = GEOM_CURVE_OFFSET;
    off.basis = &line;
    off.offset = 1.5;
    off.ref = v3(0, 0, 1);
    /* V x T = z cross x = y: the line moved by 1.5 along +y, same parameter */
    for (int i = -5; i <= 5; i++) {
        double t = 0.7 * i;
        vec3 p, d1, d2;
        geom_curve_eval(&off, t, &p, &d1, &d2);
        CHECK_NEAR(v3_dist(p, v3(1 + 2 * t, 2.5, 1)), 0, 1e-12);
        CHECK_NEAR(v3_dist(d1, v3(2, 0, 0)), 0, 1e-12);
        CHECK_NEAR(v3_len(d2), 0, 1e-6);
        check_inversion(&off, t, v3(0, 0.3, 0.2));
    }
    char why[160];
    CHECK(geom_curve_check(&off, -1e300, 1e300, why, sizeof why) == 0);

    memset(&circ, 0, sizeof circ);
    circ.kind = GEOM_CURVE_CIRCLE;
    circ.f = geom_frame_make(v3(0, 0, 2), v3(0, 0, 1), v3(1, 0, 0));
    circ.r1 = 3;
    off.basis = &circ;
    off.offset = 0.5;
    for (int side = 0; side < 2; side++) {
        /* ref -z: V x T = -z x (-sin, cos, 0) = (cos, sin, 0), outwards: radius 3.5;
         * ref +z: inwards, radius 2.5 */
        off.ref = side ? v3(0, 0, 1) : v3(0, 0, -1);
        double R = side ? 2.5 : 3.5;
        CHECK(geom_curve_is_angular(&off));
        double t0, t1;
        int per;
        geom_curve_range(&off, &t0, &t1, &per);
        CHECK(per && fabs(t1 - t0 - 2 * M_PI) < 1e-15);
        for (int i = 0; i < 16; i++) {
            double t = 2 * M_PI * i / 16 + 0.1;
            vec3 p, d1, d2;
            geom_curve_eval(&off, t, &p, &d1, &d2);
            CHECK_NEAR(v3_dist(p, v3(R * cos(t), R * sin(t), 2)), 0, 1e-12);
            CHECK_NEAR(v3_dist(d1, v3(-R * sin(t), R * cos(t), 0)), 0, 1e-12);
            CHECK_NEAR(v3_dist(d2, v3(-R * cos(t), -R * sin(t), 0)), 0, 1e-6);
            check_curve_fd(&off, t);
            check_inversion(&off, t, v3(0.1 * cos(t), 0.1 * sin(t), 0.4));
        }
        CHECK(geom_curve_check(&off, t0, t1, why, sizeof why) == 0);
    }
    /* an offset of a parabola: points at distance |d| from the basis, along its normal */
    geom_curve par;
    memset(&par, 0, sizeof par);
    par.kind = GEOM_CURVE_PARABOLA;
    par.f = geom_frame_make(v3(0, 0, 0), v3(0, 0, 1), v3(1, 0, 0));
    par.r1 = 0.8;
    off.basis = &par;
    off.offset = -0.6;
    off.ref = v3(0, 0, 1);
    for (int i = -6; i <= 6; i++) {
        double t = 0.5 * i;
        vec3 p, b, bd;
        geom_curve_eval(&off, t, &p, NULL, NULL);
        geom_curve_eval(&par, t, &b, &bd, NULL);
        CHECK_NEAR(v3_dist(p, b), 0.6, 1e-12);
        CHECK_NEAR(v3_dot(v3_sub(p, b), bd), 0, 1e-12);
        check_curve_fd(&off, t);
        check_inversion(&off, t, v3(0, 0, 0.3));
    }
}

static void test_check(void) {
    char why[160];
    geom_curve c;
    memset(&c, 0, sizeof c);
    c.f = geom_frame_make(v3(0, 0, 0), v3(0, 0, 1), v3(1, 0, 0));
    c.kind = GEOM_CURVE_HYPERBOLA;
    c.r1 = 2; c.r2 = 1;
    CHECK(geom_curve_check(&c, 0, 0, why, sizeof why) == 0);
    c.r1 = -2;
    CHECK(geom_curve_check(&c, 0, 0, why, sizeof why) == -1 && strstr(why, "hyperbola"));
    c.r1 = 2; c.r2 = 0;
    CHECK(geom_curve_check(&c, 0, 0, why, sizeof why) == -1);
    c.r2 = NAN;
    CHECK(geom_curve_check(&c, 0, 0, why, sizeof why) == -1);
    c.kind = GEOM_CURVE_PARABOLA;
    c.r1 = -0.5;
    CHECK(geom_curve_check(&c, 0, 0, why, sizeof why) == 0);
    c.r1 = 0;
    CHECK(geom_curve_check(&c, 0, 0, why, sizeof why) == -1 && strstr(why, "focal"));
    geom_curve circ = c, off;
    circ.kind = GEOM_CURVE_CIRCLE;
    circ.r1 = 4;
    memset(&off, 0, sizeof off);
    off.kind = GEOM_CURVE_OFFSET;
    off.basis = &circ;
    off.offset = 1;
    off.ref = v3(1, 0, 0);   /* in the circle's plane: along the tangent at t = pi/2 */
    CHECK(geom_curve_check(&off, 0, 2 * M_PI, why, sizeof why) == -1 && strstr(why, "tangent"));
    off.ref = v3(0, 0, 0);
    CHECK(geom_curve_check(&off, 0, 2 * M_PI, why, sizeof why) == -1 && strstr(why, "ref_direction"));
    off.ref = v3(0, 0, 1);
    off.offset = INFINITY;
    CHECK(geom_curve_check(&off, 0, 2 * M_PI, why, sizeof why) == -1);
    off.offset = 1;
    off.basis = NULL;
    CHECK(geom_curve_check(&off, 0, 2 * M_PI, why, sizeof why) == -1);
    /* evaluation of a degenerate offset stays finite (no crash, no NaN) */
    off.basis = &circ;
    off.ref = v3(1, 0, 0);
    vec3 p, d1, d2;
    geom_curve_eval(&off, M_PI / 2, &p, &d1, &d2);
    CHECK(isfinite(p.x + p.y + p.z + d1.x + d1.y + d1.z + d2.x + d2.y + d2.z));
}

int main(void) {
    test_hyperbola();
    test_parabola();
    test_offsets();
    test_check();
    return test_finish("geom_conics");
}
