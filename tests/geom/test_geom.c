/* test_geom.c - curve and surface evaluation against hand-derived values:
 * exact circle / sphere / torus points, the rational quadratic quarter circle
 * against the analytic arc (points, arc length pi/2, sector area pi/4 by Green),
 * derivatives against central differences, and point inversion round trips
 * including seams and poles. */
#include "steplm/geom.h"
#include "test.h"
#include "curve_fd.h"

static void check_surf_fd(const geom_surf *s, double u, double v) {
    double h = 1e-5;
    vec3 d[6], a[6], b[6], c[6], e[6];
    geom_surf_eval(s, u, v, 2, d);
    geom_surf_eval(s, u + h, v, 2, a);
    geom_surf_eval(s, u - h, v, 2, b);
    geom_surf_eval(s, u, v + h, 2, c);
    geom_surf_eval(s, u, v - h, 2, e);
    double sc = 1 + v3_len(d[1]) + v3_len(d[2]);
    CHECK_NEAR(v3_dist(v3_scale(v3_sub(a[0], b[0]), 0.5 / h), d[1]), 0, 1e-6 * sc);
    CHECK_NEAR(v3_dist(v3_scale(v3_sub(c[0], e[0]), 0.5 / h), d[2]), 0, 1e-6 * sc);
    CHECK_NEAR(v3_dist(v3_scale(v3_sub(a[1], b[1]), 0.5 / h), d[3]), 0, 1e-5 * sc);
    CHECK_NEAR(v3_dist(v3_scale(v3_sub(c[1], e[1]), 0.5 / h), d[4]), 0, 1e-5 * sc);
    CHECK_NEAR(v3_dist(v3_scale(v3_sub(c[2], e[2]), 0.5 / h), d[5]), 0, 1e-5 * sc);
}

static void check_roundtrip(const geom_surf *s, double u, double v) {
    vec3 p;
    geom_surf_eval(s, u, v, 0, &p);
    double hint[2] = {u + 0.01, v - 0.01};
    double uu, vv;
    double d = geom_surf_project(s, p, hint, &uu, &vv);
    CHECK_NEAR(d, 0, 1e-7);
    vec3 q;
    geom_surf_eval(s, uu, vv, 0, &q);
    CHECK_NEAR(v3_dist(p, q), 0, 1e-7);
}

int main(void) {
    /* circle of radius 2 in a tilted frame: exact points */
    geom_curve c = {0};
    c.kind = GEOM_CURVE_CIRCLE;
    c.f = geom_frame_make(v3(1, 2, 3), v3(0, 0, 1), v3(1, 0, 0));
    c.r1 = 2;
    vec3 p;
    geom_curve_eval(&c, M_PI / 2, &p, NULL, NULL);
    CHECK_NEAR(p.x, 1, 1e-15); CHECK_NEAR(p.y, 4, 1e-15); CHECK_NEAR(p.z, 3, 1e-15);
    geom_curve_eval(&c, M_PI, &p, NULL, NULL);
    CHECK_NEAR(p.x, -1, 1e-15); CHECK_NEAR(p.y, 2, 1e-15);
    check_curve_fd(&c, 0.7);
    double t;
    CHECK_NEAR(geom_curve_project(&c, v3(1, 7, 3), 0, 2 * M_PI, &t), 3, 1e-12);
    CHECK_NEAR(t, M_PI / 2, 1e-12);

    /* rational quadratic quarter circle: w = (1, sqrt(2)/2, 1) */
    vec3 ctrl[3] = {{1, 0, 0}, {1, 1, 0}, {0, 1, 0}};
    double w[3] = {1, sqrt(0.5), 1}, kn[6] = {0, 0, 0, 1, 1, 1};
    geom_curve q = {0};
    q.kind = GEOM_CURVE_BSPLINE;
    q.bs = (geom_bspline){2, 3, 1, ctrl, w, 6, kn};
    char why[128];
    CHECK(geom_bspline_check(&q.bs, why, sizeof why) == 0);
    double len = 0, area = 0;
    int n = 20000;
    for (int i = 0; i <= n; i++) {
        double s = (double)i / n;
        vec3 P, D;
        geom_curve_eval(&q, s, &P, &D, NULL);
        CHECK_NEAR(v3_len(P), 1, 1e-14);
        double wt = (i == 0 || i == n) ? 0.5 : 1;
        len += wt * v3_len(D) / n;
        area += wt * 0.5 * (P.x * D.y - P.y * D.x) / n;
    }
    CHECK_NEAR(len, M_PI / 2, 1e-8);
    CHECK_NEAR(area, M_PI / 4, 1e-8);
    geom_curve_eval(&q, 0.5, &p, NULL, NULL);
    CHECK_NEAR(p.x, sqrt(0.5), 1e-15); CHECK_NEAR(p.y, sqrt(0.5), 1e-15);
    check_curve_fd(&q, 0.3);
    CHECK_NEAR(geom_curve_project(&q, v3(2 * sqrt(0.5), 2 * sqrt(0.5), 0), 0, 1, &t), 1, 1e-12);
    CHECK_NEAR(t, 0.5, 1e-9);
    /* knots out of order and a NaN control point are rejected */
    double bad[6] = {0, 0, 1, 0.5, 1, 1};
    geom_bspline bb = {2, 3, 1, ctrl, w, 6, bad};
    CHECK(geom_bspline_check(&bb, why, sizeof why) != 0);
    vec3 nanc[3] = {{1, 0, 0}, {NAN, 1, 0}, {0, 1, 0}};
    geom_bspline bn = {2, 3, 1, nanc, w, 6, kn};
    CHECK(geom_bspline_check(&bn, why, sizeof why) != 0);

    /* analytic surfaces: exact points, derivatives, inversion near seams and poles */
    geom_frame f = geom_frame_make(v3(0.5, -1, 2), v3(1, 1, 1), v3(1, -1, 0));
    geom_surf s = {0};
    s.f = f;
    s.kind = GEOM_SURF_SPHERE; s.r1 = 3;
    geom_surf_prepare(&s);
    vec3 d[6];
    geom_surf_eval(&s, 0, M_PI / 2, 0, d);
    CHECK_NEAR(v3_dist(d[0], v3_axpy(f.o, 3, f.z)), 0, 1e-14);
    check_surf_fd(&s, 0.3, 0.4);
    check_roundtrip(&s, 0.001, 0.2);
    check_roundtrip(&s, 2 * M_PI - 0.001, -0.3);
    check_roundtrip(&s, 1.0, M_PI / 2 - 1e-9);
    s.kind = GEOM_SURF_TORUS; s.r1 = 5; s.r2 = 1.5;
    geom_surf_prepare(&s);
    geom_surf_eval(&s, M_PI, M_PI, 0, d);
    CHECK_NEAR(v3_dist(d[0], v3_axpy(f.o, -3.5, f.x)), 0, 1e-13);
    check_surf_fd(&s, 0.3, 2.4);
    check_roundtrip(&s, 0.2, 6.2);
    s.kind = GEOM_SURF_CYLINDER; s.r1 = 2;
    geom_surf_prepare(&s);
    check_surf_fd(&s, 1.3, 2.4);
    check_roundtrip(&s, 6.28, -4);
    s.kind = GEOM_SURF_CONE; s.r1 = 2; s.r2 = 0.3;
    geom_surf_prepare(&s);
    check_surf_fd(&s, 1.3, 2.4);
    check_roundtrip(&s, 0.5, 1.5);
    s.kind = GEOM_SURF_REVOLUTION; s.curve = &q;
    geom_surf_prepare(&s);
    check_surf_fd(&s, 1.3, 0.4);
    check_roundtrip(&s, 1.3, 0.4);
    s.kind = GEOM_SURF_EXTRUSION; s.f.x = v3(0, 0, 2);
    geom_surf_prepare(&s);
    check_surf_fd(&s, 0.3, 0.4);
    check_roundtrip(&s, 0.3, 0.4);

    /* rational B-spline surface: quarter cylinder r = 1 (quarter circle x [0, 2]) */
    vec3 net[6] = {{1, 0, 0}, {1, 0, 2}, {1, 1, 0}, {1, 1, 2}, {0, 1, 0}, {0, 1, 2}};
    double nw[6] = {1, 1, sqrt(0.5), sqrt(0.5), 1, 1}, kv[4] = {0, 0, 1, 1};
    geom_surf bs = {0};
    bs.kind = GEOM_SURF_BSPLINE;
    bs.bs = (geom_bspline_surf){2, 1, 3, 2, 1, net, nw, 6, 4, kn, kv};
    geom_surf_prepare(&bs);
    CHECK(bs.period_u == 0 && bs.period_v == 0);
    for (int i = 0; i <= 10; i++) {
        geom_surf_eval(&bs, i / 10.0, 0.25, 0, d);
        CHECK_NEAR(hypot(d[0].x, d[0].y), 1, 1e-14);
        CHECK_NEAR(d[0].z, 0.5, 1e-14);
    }
    check_surf_fd(&bs, 0.3, 0.6);
    check_roundtrip(&bs, 0.3, 0.6);
    double uu, vv;
    CHECK_NEAR(geom_surf_project(&bs, v3(2 * sqrt(0.5), 2 * sqrt(0.5), 1), NULL, &uu, &vv), 1, 1e-9);
    CHECK_NEAR(uu, 0.5, 1e-7);
    CHECK_NEAR(vv, 0.5, 1e-9);
    /* offset of a plane is a plane */
    geom_surf pl = {0};
    pl.kind = GEOM_SURF_PLANE; pl.f = f;
    geom_surf off = {0};
    off.kind = GEOM_SURF_OFFSET; off.basis = &pl; off.offset = 2;
    geom_surf_eval(&off, 1, 1, 0, d);
    CHECK_NEAR(v3_dot(v3_sub(d[0], f.o), f.z), 2, 1e-12);

    /* transforms: frame -> frame maps the origin and axes */
    geom_frame g = geom_frame_make(v3(10, 0, 0), v3(0, 1, 0), v3(0, 0, 1));
    geom_frame id = geom_frame_make(v3(0, 0, 0), v3(0, 0, 1), v3(1, 0, 0));
    geom_xform x;
    geom_xform_from_frames(&id, &g, &x);
    vec3 r = geom_xform_point(&x, v3(1, 0, 0));
    CHECK_NEAR(v3_dist(r, v3(10, 0, 1)), 0, 1e-14);
    return test_finish("geom");
}
