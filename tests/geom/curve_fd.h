/* curve_fd.h - shared by the geom tests: a curve's first and second derivatives
 * against central differences of its points and first derivatives. */
#ifndef TESTS_GEOM_CURVE_FD_H
#define TESTS_GEOM_CURVE_FD_H

#include "steplm/geom.h"
#include "test.h"

static inline void check_curve_fd(const geom_curve *c, double t) {
    double h = 1e-5;
    vec3 p, d1, d2, a, b, da, db;
    geom_curve_eval(c, t, &p, &d1, &d2);
    geom_curve_eval(c, t + h, &a, &da, NULL);
    geom_curve_eval(c, t - h, &b, &db, NULL);
    vec3 fd1 = v3_scale(v3_sub(a, b), 0.5 / h), fd2 = v3_scale(v3_sub(da, db), 0.5 / h);
    CHECK_MSG(v3_dist(fd1, d1) <= 1e-6 * (1 + v3_len(d1)), "kind %d t %g: d1 off by %g", c->kind, t, v3_dist(fd1, d1));
    CHECK_MSG(v3_dist(fd2, d2) <= 1e-5 * (1 + v3_len(d2)), "kind %d t %g: d2 off by %g", c->kind, t, v3_dist(fd2, d2));
}

#endif
