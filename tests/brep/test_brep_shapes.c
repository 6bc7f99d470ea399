/* test_brep_shapes.c - hand-made STEP solids (tests/brep/data, written by
 * gen_shapes.py) read, meshed and measured against closed-form values derived by
 * hand from their dimensions: box 10 x 20 x 30, the same box in inches, cylinder
 * r 5 h 12, cone frustum r 6 / 2 h 8, sphere r 7 (also less a cap: a spherical face
 * holding both poles, bounded by one circle), torus R 10 r 3, plates with 1 and 3
 * through holes (r 2.5). Genus = number of through holes. */
#include "steplm/brep.h"
#include "steplm/p21.h"
#include "steplm/tess.h"
#include "test.h"

typedef struct expect { const char *file; double area, volume; long genus; double rel_tol; const char *unit; } expect;

static void run(const expect *x) {
    char path[256];
    snprintf(path, sizeof path, "tests/brep/data/%s", x->file);
    p21_doc *doc = NULL;
    sl_err err = {0};
    p21_doc_read_file(path, NULL, &doc, &err);
    CHECK_MSG(doc != NULL, "%s: %s", path, err.msg);
    if (!doc) return;
    brep *b = NULL;
    sl_status st = brep_from_p21(doc, &b, &err);
    p21_doc_free(doc);
    CHECK_MSG(st == SL_OK && b, "%s: %s", path, err.msg);
    if (!b) return;
    CHECK_EQ_INT(b->n_instances, 1);
    CHECK_STR(b->unit, x->unit);
    double bb[6];
    CHECK(brep_bbox_estimate(b, bb) == 0);
    double diag = sqrt((bb[3] - bb[0]) * (bb[3] - bb[0]) + (bb[4] - bb[1]) * (bb[4] - bb[1]) + (bb[5] - bb[2]) * (bb[5] - bb[2]));
    tess_opts o;
    tess_opts_default(&o);
    o.deflection_mm = 2e-4 * diag;
    mesh m;
    mesh_init(&m);
    tess_report rep = {0};
    CHECK(tess_brep(b, &o, &m, NULL, &rep) == SL_OK);
    CHECK_MSG(rep.n_faces_failed == 0, "%s: %s", path, rep.first_failure);
    mesh_props p;
    mesh_compute_props(&m, &p);
    CHECK_MSG(fabs(p.area_mm2 - x->area) <= x->rel_tol * x->area, "%s: area %.9g expected %.9g", path, p.area_mm2, x->area);
    /* every mesh point is within the deflection of the surface, so the enclosed
     * volume differs by at most area x deflection (plus rounding for exact cases) */
    double vtol = x->rel_tol < 1e-9 ? x->rel_tol * x->volume : x->area * o.deflection_mm;
    CHECK_MSG(fabs(p.volume_mm3 - x->volume) <= vtol, "%s: volume %.9g expected %.9g (tol %.3g)", path,
              p.volume_mm3, x->volume, vtol);
    CHECK_MSG(p.watertight, "%s: not watertight (%zu boundary, %zu non-manifold edges)", path, p.n_boundary_edges,
              p.n_nonmanifold_edges);
    CHECK_MSG(p.genus == x->genus, "%s: genus %ld expected %ld", path, p.genus, x->genus);
    mesh_release(&m);
    /* at the props default (0.001 x diagonal) the exact-minus-mesh corrections take
     * the chord error out: volumes to 1e-5, areas to 2e-3 (what is left there is
     * the polygonal trimming boundary of the planar caps), and each curved solid's
     * volume error shrinks at least tenfold from the flat mesh's */
    o.deflection_mm = 1e-3 * diag;
    mesh_init(&m);
    memset(&rep, 0, sizeof rep);
    CHECK(tess_brep(b, &o, &m, NULL, &rep) == SL_OK);
    mesh_compute_props(&m, &p);
    double va = p.area_mm2 + rep.area_corr_mm2, vv = p.volume_mm3 + rep.volume_corr_mm3;
    CHECK_MSG(fabs(vv - x->volume) <= 1e-5 * x->volume + 1e-9, "%s: corrected volume %.9g expected %.9g", path, vv,
              x->volume);
    CHECK_MSG(fabs(va - x->area) <= 2e-3 * x->area, "%s: corrected area %.9g expected %.9g", path, va, x->area);
    if (fabs(p.volume_mm3 - x->volume) > 1e-6 * x->volume)
        CHECK_MSG(fabs(vv - x->volume) <= 0.1 * fabs(p.volume_mm3 - x->volume), "%s: volume error %.3g, flat mesh %.3g",
                  path, vv - x->volume, p.volume_mm3 - x->volume);
    mesh_release(&m);
    brep_free(b);
}

int main(void) {
    const double pi = M_PI;
    double r, h, r1, r2, R, s;
    expect xs[16];
    int n = 0;
    xs[n++] = (expect){"box.step", 2 * (10 * 20 + 20 * 30 + 30 * 10), 10 * 20 * 30, 0, 1e-12, "mm"};
    xs[n++] = (expect){"box_inch.step", 2 * (25.4 * 50.8 + 50.8 * 76.2 + 76.2 * 25.4), 25.4 * 50.8 * 76.2, 0, 1e-12, "inch"};
    r = 5; h = 12;
    xs[n++] = (expect){"cylinder.step", 2 * pi * r * r + 2 * pi * r * h, pi * r * r * h, 0, 1e-3, "mm"};
    r1 = 6; r2 = 2; h = 8; s = sqrt((r1 - r2) * (r1 - r2) + h * h);
    xs[n++] = (expect){"cone.step", pi * (r1 + r2) * s + pi * r1 * r1 + pi * r2 * r2,
                       pi * h * (r1 * r1 + r1 * r2 + r2 * r2) / 3, 0, 1e-3, "mm"};
    r = 7;
    xs[n++] = (expect){"sphere.step", 4 * pi * r * r, 4.0 / 3 * pi * r * r * r, 0, 1e-3, "mm"};
    /* the same sphere less the cap beyond the plane x = 4 (height 3): sphere area
     * - 2 pi r h + pi (r^2 - 16); ball - pi h^2 (3 r - h) / 3 */
    h = 3;
    xs[n++] = (expect){"cut_sphere.step", 4 * pi * r * r - 2 * pi * r * h + pi * (r * r - 16),
                       4.0 / 3 * pi * r * r * r - pi * h * h * (3 * r - h) / 3, 0, 1e-3, "mm"};
    R = 10; r = 3;
    xs[n++] = (expect){"torus.step", 4 * pi * pi * R * r, 2 * pi * pi * R * r * r, 1, 1e-3, "mm"};
    /* plate a x 20 x 4, a = 10 (n + 1), n holes r = 2.5 */
    for (int k = 1; k <= 3; k += 2) {
        double a = 10.0 * (k + 1), b = 20, t = 4, rh = 2.5;
        expect e = {k == 1 ? "plate1.step" : "plate3.step",
                    2 * (a * b - k * pi * rh * rh) + 2 * (a + b) * t + k * 2 * pi * rh * t,
                    a * b * t - k * pi * rh * rh * t, k, 1e-3, "mm"};
        xs[n++] = e;
    }
    for (int i = 0; i < n; i++) run(&xs[i]);
    return test_finish("brep_shapes");
}
