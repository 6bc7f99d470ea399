/* test_props.c - properties of the metrics that need no reference file:
 * sampling is seeded, on the surface and area-weighted; results do not depend on the
 * thread count; the rigid fit is exact; ICP and the full alignment recover a random
 * rigid motion of a CAD-like part (L-bracket) to < 0.1 deg and < 1e-4 of the diagonal;
 * rewards, JSD, MMD/COV, completion, entity counts and medians on hand-made cases. */
#include "test.h"
#include "steplm/metrics.h"

static void lbracket_mesh(mesh *m) {
    /* L profile 30 x 20, wall 4, extruded 12: the same part as the reference shapes */
    static const double P[6][2] = {{0, 0}, {30, 0}, {30, 4}, {4, 4}, {4, 20}, {0, 20}};
    mesh_init(m);
    for (int z = 0; z < 2; z++)
        for (int i = 0; i < 6; i++) mesh_add_vert(m, P[i][0], P[i][1], z ? 12 : 0);
    static const uint32_t cap[4][3] = {{0, 1, 2}, {0, 2, 3}, {0, 3, 4}, {0, 4, 5}};
    for (int t = 0; t < 4; t++) {
        mesh_add_tri(m, cap[t][0], cap[t][2], cap[t][1]);
        mesh_add_tri(m, cap[t][0] + 6, cap[t][1] + 6, cap[t][2] + 6);
    }
    for (uint32_t i = 0; i < 6; i++) {
        uint32_t j = (i + 1) % 6;
        mesh_add_tri(m, i, j, j + 6);
        mesh_add_tri(m, i, j + 6, i + 6);
    }
}

static void random_rigid(sl_rng *r, double T[16], double tmax) {
    double q[4], n = 0;
    for (int k = 0; k < 4; k++) {  /* Box-Muller normals -> uniform random rotation */
        double u1 = sl_rng_uniform(r) + 1e-12, u2 = sl_rng_uniform(r);
        q[k] = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
        n += q[k] * q[k];
    }
    n = sqrt(n);
    double w = q[0] / n, x = q[1] / n, y = q[2] / n, z = q[3] / n;
    double R[9] = {1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
                   2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
                   2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)};
    memset(T, 0, 16 * sizeof *T);
    for (int a = 0; a < 3; a++) {
        for (int b = 0; b < 3; b++) T[4 * a + b] = R[3 * a + b];
        T[4 * a + 3] = (2 * sl_rng_uniform(r) - 1) * tmax;
    }
    T[15] = 1;
}

/* rotation angle (deg) of A * B and length of its translation, for B = inverse of A */
static void compose_err(const double A[16], const double B[16], double *deg, double *dist) {
    double C[16] = {0};
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            for (int k = 0; k < 4; k++) C[4 * r + c] += A[4 * r + k] * B[4 * k + c];
    double tr = C[0] + C[5] + C[10], cs = (tr - 1) / 2;
    if (cs > 1) cs = 1;
    if (cs < -1) cs = -1;
    *deg = acos(cs) * 180 / M_PI;
    *dist = sqrt(C[3] * C[3] + C[7] * C[7] + C[11] * C[11]);
}

int main(void) {
    mesh m;
    lbracket_mesh(&m);
    const double diag = sqrt(30.0 * 30 + 20 * 20 + 12 * 12);
    size_t n = 1024;
    double *a = malloc(n * 3 * sizeof *a), *b = malloc(n * 3 * sizeof *b), *c = malloc(n * 3 * sizeof *c);
    /* seeded: same seed -> same points, other seed -> other points */
    CHECK(metrics_sample_surface(&m, n, 7, a, NULL) == SL_OK);
    CHECK(metrics_sample_surface(&m, n, 7, b, NULL) == SL_OK);
    CHECK(!memcmp(a, b, n * 3 * sizeof *a));
    CHECK(metrics_sample_surface(&m, n, 8, c, NULL) == SL_OK);
    CHECK(memcmp(a, c, n * 3 * sizeof *a) != 0);
    /* on the surface: inside the bbox and on one of the planes x,y in {0,4,30,20}/z in {0,12} */
    int off = 0;
    for (size_t i = 0; i < n; i++) {
        double x = a[3 * i], y = a[3 * i + 1], z = a[3 * i + 2];
        int on = fabs(z) < 1e-9 || fabs(z - 12) < 1e-9 || fabs(x) < 1e-9 || fabs(y) < 1e-9 ||
                 fabs(x - 30) < 1e-9 || fabs(y - 20) < 1e-9 || (fabs(x - 4) < 1e-9 && y >= 4 - 1e-9) ||
                 (fabs(y - 4) < 1e-9 && x >= 4 - 1e-9);
        if (!on || x < -1e-9 || x > 30 + 1e-9 || y < -1e-9 || y > 20 + 1e-9) off++;
    }
    CHECK_EQ_INT(off, 0);
    /* area-weighted: share of points on the two caps = cap area / total area (2*184/1568) */
    {
        size_t big = 20000, caps = 0;
        double *s = malloc(big * 3 * sizeof *s);
        CHECK(metrics_sample_surface(&m, big, 1, s, NULL) == SL_OK);
        for (size_t i = 0; i < big; i++) caps += fabs(s[3 * i + 2]) < 1e-9 || fabs(s[3 * i + 2] - 12) < 1e-9;
        double share = (double)caps / (double)big, want = 368.0 / 1568.0;
        /* binomial sd = sqrt(p(1-p)/n) ~ 0.0032: allow 5 sd */
        CHECK_NEAR(share, want, 0.016);
        free(s);
    }
    /* rigid fit of an exactly moved set is exact */
    sl_rng rng;
    sl_rng_seed(&rng, 99);
    double M[16], F[16], deg, dist;
    random_rigid(&rng, M, 50);
    memcpy(b, a, n * 3 * sizeof *a);
    metrics_transform_points(b, n, M);
    metrics_rigid_fit(a, b, NULL, n, F);
    for (int k = 0; k < 16; k++) CHECK_NEAR(F[k], M[k], 1e-9);
    /* full alignment recovers a random rigid motion (pred = moved copy of gt): the
     * transform found, applied after M, is the identity */
    for (int trial = 0; trial < 3; trial++) {
        random_rigid(&rng, M, 50);
        memcpy(b, a, n * 3 * sizeof *a);
        metrics_transform_points(b, n, M);
        metrics_align_params ap;
        metrics_align_params_default(&ap);
        metrics_align_result ar;
        CHECK(metrics_align(a, n, b, n, &ap, &ar, NULL) == SL_OK);
        compose_err(ar.T, M, &deg, &dist);
        CHECK_MSG(deg < 0.1 && dist < 1e-4 * diag, "trial %d: rotation error %.3g deg, translation %.3g (%s)", trial,
                  deg, dist, ar.hypothesis);
    }
    /* point-to-point ICP alone from a small perturbation (3 deg, 1 mm) */
    {
        double P[16] = {cos(0.05), -sin(0.05), 0, 1, sin(0.05), cos(0.05), 0, 0.5, 0, 0, 1, -0.3, 0, 0, 0, 1};
        memcpy(b, a, n * 3 * sizeof *a);
        metrics_transform_points(b, n, P);
        kdtree *t = kdtree_new(a, n);
        double T[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, fit, rmse;
        CHECK(metrics_icp_point_to_point(t, a, b, n, 5.0, 100, 0, T, &fit, &rmse, NULL) == SL_OK);
        compose_err(T, P, &deg, &dist);
        CHECK_MSG(deg < 0.1 && dist < 1e-4 * diag, "icp: %.3g deg %.3g", deg, dist);
        CHECK(fit == 1.0 && rmse < 1e-9);
        kdtree_free(t);
    }
    /* thread count does not change the answer (alignment included) */
    {
        CHECK(metrics_sample_surface(&m, n, 3, c, NULL) == SL_OK);
        random_rigid(&rng, M, 20);
        metrics_transform_points(c, n, M);
        metrics_align_params ap;
        metrics_align_params_default(&ap);
        metrics_compare_result r1, r2;
        ap.n_threads = 1;
        CHECK(metrics_compare_points(a, n, c, n, &ap, &r1, NULL) == SL_OK);
        ap.n_threads = 2;
        CHECK(metrics_compare_points(a, n, c, n, &ap, &r2, NULL) == SL_OK);
        CHECK(r1.scd == r2.scd && r1.d.hd == r2.d.hd && !memcmp(r1.align.T, r2.align.T, sizeof r1.align.T));
        /* CD(A, A) = 0 through the whole pipeline */
        CHECK(metrics_compare_points(a, n, a, n, &ap, &r1, NULL) == SL_OK);
        CHECK(r1.scd == 0 && r1.d.hd == 0);
    }
    /* STEP-LLM reward (eq. 3) */
    CHECK(metrics_reward_stepllm(0.1, 0.5, 2.0) == 1);
    CHECK(metrics_reward_stepllm(0.5, 0.5, 2.0) == 1);
    CHECK_NEAR(metrics_reward_stepllm(1.25, 0.5, 2.0), 0.5, 1e-15);
    CHECK(metrics_reward_stepllm(2.0, 0.5, 2.0) == 0);
    CHECK(metrics_reward_stepllm(NAN, 0.5, 2.0) == 0 && metrics_reward_stepllm(INFINITY, 0.5, 2.0) == 0);
    /* ReCAD: 0.1 * min(IoU, phi) + 0.9 * format */
    CHECK_NEAR(metrics_reward_recad(0.8, NAN, 0.55, 1, 0.1, 0.9), 0.98, 1e-15);
    CHECK_NEAR(metrics_reward_recad(0.8, 0.775, 0.55, 0, 0.1, 0.9), 0.05, 1e-15);
    CHECK(metrics_reward_recad(0.8, 0.5, 0.55, 0, 0.1, 0.9) == 0);
    {
        double scd;
        double rw = metrics_reward_stepllm_meshes(&m, &m, 512, 1, 0.5, 2.0, &scd);
        CHECK(rw == 1 && scd < 0.05);
        mesh empty;
        mesh_init(&empty);
        CHECK(metrics_reward_stepllm_meshes(&m, &empty, 512, 1, 0.5, 2.0, &scd) == 0 && isinf(scd));
    }
    /* JSD: identical sets 0; disjoint occupancy ln 2 */
    {
        double p1[6] = {-0.4, -0.4, -0.4, 0.4, 0.4, 0.4}, p2[6] = {-0.4, 0.4, -0.4, 0.4, -0.4, 0.4};
        const double *s1[1] = {p1}, *s2[1] = {p2};
        size_t n2[1] = {2};
        CHECK_NEAR(metrics_jsd(s1, n2, 1, s1, n2, 1, 28), 0, 1e-15);
        CHECK_NEAR(metrics_jsd(s1, n2, 1, s2, n2, 1, 28), log(2.0), 1e-12);
        /* MMD / COV: gen = {A, A}, ref = {A, B}: MMD = (0 + CD(A,B)) / 2, COV = 1/2 */
        metrics_dist d;
        CHECK(metrics_distances(p1, 2, p2, 2, 1, &d, NULL) == SL_OK);
        const double *gen[2] = {p1, p1}, *ref[2] = {p1, p2};
        size_t ng[2] = {2, 2};
        double mmd, cov;
        CHECK(metrics_mmd_cov(gen, ng, 2, ref, ng, 2, 0, &mmd, &cov, NULL) == SL_OK);
        CHECK_NEAR(mmd, d.cd_sq_bidir / 2, 1e-15);
        CHECK_NEAR(cov, 0.5, 1e-15);
        double q[6] = {0, 0, 0, 10, 20, 5};
        metrics_normalize_unit_cube(q, 2);
        CHECK_NEAR(q[4], 0.5, 1e-15);
        CHECK_NEAR(q[0], -0.25, 1e-15);
    }
    /* completion and entity count (STEP-LLM's definitions) */
    {
        const char *ok = "ISO-10303-21;\nDATA;\n#1=A();\n  #12 = B(#1);\n#7=C();\nENDSEC;\nEND-ISO-10303-21;\n";
        const char *trail = "DATA;\nENDSEC;\nEND-ISO-10303-21;\n\n";
        const char *cut = "DATA;\n#1=A();\n#2=B(";
        CHECK(metrics_step_is_complete(ok, strlen(ok)));
        CHECK(metrics_step_is_complete("END-ISO-10303-21;  \r", 20));
        CHECK(!metrics_step_is_complete(trail, strlen(trail)));
        CHECK(!metrics_step_is_complete(cut, strlen(cut)));
        CHECK_EQ_INT(metrics_step_entity_count(ok, strlen(ok)), 12);
        CHECK_EQ_INT(metrics_step_entity_count("x #5=A;\n", 8), 0);
        CHECK_EQ_INT(metrics_entity_bin(99), 0);
        CHECK_EQ_INT(metrics_entity_bin(100), 1);
        CHECK_EQ_INT(metrics_entity_bin(499), 4);
        CHECK_EQ_INT(metrics_entity_bin(500), 5);
        double v[5] = {3, NAN, 1, INFINITY, 2};
        CHECK_NEAR(metrics_median(v, 5), 2.5, 0);
        CHECK_NEAR(metrics_median(v, 3), 2, 0);
    }
    free(a);
    free(b);
    free(c);
    mesh_release(&m);
    return test_finish("props");
}
