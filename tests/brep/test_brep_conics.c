/* test_brep_conics.c - solids whose edges are HYPERBOLAs, PARABOLAs and
 * OFFSET_CURVE_3Ds, read from STEP text written here, meshed and measured.
 *
 * The solid is a cone frustum (radius R0 = 10 at z = 0, semi-angle 30 degrees, height
 * H = 8, so radius rho(z) = R0 - z tan a) with the part on one side of a plane cut off:
 *  - the plane y = c = 3, parallel to the axis: it meets the cone in a hyperbola,
 *    centre (0, c, z_apex), semi axis c / tan a along -z, semi imaginary axis c along
 *    -x: P(t) = (-c sinh t, c, z_apex - (c / tan a) cosh t), since then
 *    x^2 + c^2 = c^2 cosh^2 t = rho^2 with rho = (z_apex - z) tan a;
 *  - the plane y + z tan a = k = 7, parallel to the generator at u = 90 degrees: it
 *    meets the cone in a parabola x^2 = (R0 - k)(R0 + k - 2 z tan a); along the plane
 *    from the vertex s = distance, x^2 = 2 (R0 - k) sin a s, so the focal distance is
 *    f = (R0 - k) sin a / 2 and P(t) = V + f t^2 (0, sin a, -cos a) - 2 f t (1, 0, 0).
 * Both edges on each side of the cut lie on one branch. At height z the removed part
 * is the circular segment of the disc of radius rho cut by the chord at distance
 * c(z) from the axis (c(z) = c, resp. k - z tan a): area rho^2 acos(c/rho) -
 * c sqrt(rho^2 - c^2), on the cone the arc 2 rho acos(c/rho), on the plane the chord
 * 2 sqrt(rho^2 - c^2). Volume and area are those integrals (Simpson, 4000 panels,
 * checked first on the uncut frustum against pi H (R0^2 + R0 R1 + R1^2) / 3 and its
 * lateral area pi (R0 + R1) H / cos a), independent of the code under test.
 * The cylinder r 5 h 12 of tests/brep/data/cylinder.step with both circles rewritten
 * as OFFSET_CURVE_3Ds of circles of radius 4 (offset +1, V = -z: outwards) and 6
 * (offset +1, V = +z: inwards) must keep its volume and area.
 * (Cross-check, not part of the test: OCCT 7.6 DRAW `vprops` / `sprops` with a 1e-9
 * error bound on these two files gives 1124.79 / 685.398 and 1328 / 783.578, and on
 * the offset cylinder (fuzz/corpus/brep/offset_cylinder.step) 942.478 / 534.071 with
 * both offset circles 31.4159 long: OCCT reads OFFSET_CURVE_3D on the same side.)
 * Each solid is also written back with brep_write_step (HYPERBOLA, PARABOLA,
 * OFFSET_CURVE_3D entities) and re-read: the same volume and area; the offset
 * cylinder is also copied by build_transform (a quarter turn about x and a shift):
 * the copy's offset circles are the moved circles of radius 5 and its volume stays. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "steplm/brep.h"
#include "steplm/brep_write.h"
#include "steplm/build.h"
#include "steplm/p21.h"
#include "steplm/tess.h"
#include "test.h"
#include "brep_testutil.h"

#define R0 10.0
#define HGT 8.0
#define ALPHA (M_PI / 6)

typedef struct cut { int parabola; double c, k; } cut;

static double cut_c(const cut *q, double z) { return q->parabola ? q->k - z * tan(ALPHA) : q->c; }
static double rho(double z) { return R0 - z * tan(ALPHA); }
static double seg_area(double r, double c) { return r * r * acos(c / r) - c * sqrt(r * r - c * c); }

/* Simpson over [0, H] of g(z) for one of the integrands */
enum { I_VOL, I_CONE, I_PLANE, I_FULL_VOL, I_FULL_CONE };
static double integrand(const cut *q, int which, double z) {
    double r = rho(z), c = cut_c(q, z);
    switch (which) {
    case I_VOL: return M_PI * r * r - seg_area(r, c);
    case I_CONE: return r * (2 * M_PI - 2 * acos(c / r)) / cos(ALPHA);
    case I_PLANE: return 2 * sqrt(r * r - c * c) * (q->parabola ? 1 / cos(ALPHA) : 1);
    case I_FULL_VOL: return M_PI * r * r;
    default: return 2 * M_PI * r / cos(ALPHA);
    }
}
static double simpson(const cut *q, int which) {
    int n = 4000;
    double h = HGT / n, s = integrand(q, which, 0) + integrand(q, which, HGT);
    for (int i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * integrand(q, which, i * h);
    return s * h / 3;
}

static void emit(char **p, size_t *left, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void emit(char **p, size_t *left, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(*p, *left, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < *left) { *p += n; *left -= (size_t)n; }
}

/* STEP text of the cut frustum; topology: bottom disc segment, top disc segment,
 * cone face, cut face; edges E1 / E2 (bottom / top arcs, B -> A and D -> C counter-
 * clockwise about +z), E3 / E4 (chords A -> B, C -> D), E5 (A -> C) and E6 (D -> B)
 * on the conic. */
static void write_step(const cut *q, char *buf, size_t n) {
    double ta = tan(ALPHA), c0 = cut_c(q, 0), c1 = cut_c(q, HGT), R1 = rho(HGT);
    double x0 = sqrt(R0 * R0 - c0 * c0), x1 = sqrt(R1 * R1 - c1 * c1);
    char *p = buf;
    size_t left = n;
    emit(&p, &left, "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\n"
         "FILE_NAME('cut','2026-01-01T00:00:00',(''),(''),'','','');\n"
         "FILE_SCHEMA(('AUTOMOTIVE_DESIGN { 1 0 10303 214 1 1 1 1 }'));\nENDSEC;\nDATA;\n");
    /* vertices A, B (bottom), C, D (top) */
    emit(&p, &left, "#1=CARTESIAN_POINT('',(%.17g,%.17g,0.));\n#2=VERTEX_POINT('',#1);\n", x0, c0);
    emit(&p, &left, "#3=CARTESIAN_POINT('',(%.17g,%.17g,0.));\n#4=VERTEX_POINT('',#3);\n", -x0, c0);
    emit(&p, &left, "#5=CARTESIAN_POINT('',(%.17g,%.17g,%.17g));\n#6=VERTEX_POINT('',#5);\n", x1, c1, HGT);
    emit(&p, &left, "#7=CARTESIAN_POINT('',(%.17g,%.17g,%.17g));\n#8=VERTEX_POINT('',#7);\n", -x1, c1, HGT);
    emit(&p, &left, "#10=DIRECTION('',(0.,0.,1.));\n#11=DIRECTION('',(1.,0.,0.));\n"
         "#12=DIRECTION('',(0.,0.,-1.));\n#13=DIRECTION('',(-1.,0.,0.));\n");
    /* E1, E2: circles */
    emit(&p, &left, "#20=CARTESIAN_POINT('',(0.,0.,0.));\n#21=AXIS2_PLACEMENT_3D('',#20,#10,#11);\n"
         "#22=CIRCLE('',#21,%.17g);\n#23=EDGE_CURVE('',#4,#2,#22,.T.);\n", R0);
    emit(&p, &left, "#24=CARTESIAN_POINT('',(0.,0.,%.17g));\n#25=AXIS2_PLACEMENT_3D('',#24,#10,#11);\n"
         "#26=CIRCLE('',#25,%.17g);\n#27=EDGE_CURVE('',#8,#6,#26,.T.);\n", HGT, R1);
    /* E3, E4: chords along -x */
    emit(&p, &left, "#30=VECTOR('',#13,1.);\n#31=LINE('',#1,#30);\n#32=EDGE_CURVE('',#2,#4,#31,.T.);\n"
         "#33=LINE('',#5,#30);\n#34=EDGE_CURVE('',#6,#8,#33,.T.);\n");
    /* the conic and the cut plane */
    if (!q->parabola) {
        double za = R0 / ta;
        emit(&p, &left, "#40=CARTESIAN_POINT('',(0.,%.17g,%.17g));\n#41=DIRECTION('',(0.,1.,0.));\n"
             "#42=AXIS2_PLACEMENT_3D('',#40,#41,#12);\n#43=HYPERBOLA('',#42,%.17g,%.17g);\n",
             q->c, za, q->c / ta, q->c);
        emit(&p, &left, "#44=CARTESIAN_POINT('',(0.,%.17g,0.));\n#45=AXIS2_PLACEMENT_3D('',#44,#41,#10);\n"
             "#46=PLANE('',#45);\n", q->c);
    } else {
        double zv = (R0 + q->k) / (2 * ta), f = (R0 - q->k) * sin(ALPHA) / 2;
        emit(&p, &left, "#40=CARTESIAN_POINT('',(0.,%.17g,%.17g));\n#41=DIRECTION('',(0.,%.17g,%.17g));\n"
             "#47=DIRECTION('',(0.,%.17g,%.17g));\n#42=AXIS2_PLACEMENT_3D('',#40,#41,#47);\n"
             "#43=PARABOLA('',#42,%.17g);\n",
             q->k - zv * ta, zv, cos(ALPHA), sin(ALPHA), sin(ALPHA), -cos(ALPHA), f);
        emit(&p, &left, "#44=CARTESIAN_POINT('',(0.,%.17g,0.));\n#45=AXIS2_PLACEMENT_3D('',#44,#41,#11);\n"
             "#46=PLANE('',#45);\n", q->k);
    }
    /* the same conic in the (u, v) of the cut plane, as the PCURVE of a SURFACE_CURVE:
     * hyperbola plane u = z, v = x: centre (z_apex, 0), axis (-1, 0), so that
     * v = -c sinh t; parabola plane u = x, v along (0, sin a, -cos a): vertex
     * (0, -z_v / cos a), axis (0, 1), so that u = -2 f t */
    if (!q->parabola)
        emit(&p, &left, "#52=CARTESIAN_POINT('',(%.17g,0.));\n#53=DIRECTION('',(-1.,0.));\n"
             "#54=AXIS2_PLACEMENT_2D('',#52,#53);\n#55=HYPERBOLA('',#54,%.17g,%.17g);\n",
             R0 / ta, q->c / ta, q->c);
    else
        emit(&p, &left, "#52=CARTESIAN_POINT('',(0.,%.17g));\n#53=DIRECTION('',(0.,1.));\n"
             "#54=AXIS2_PLACEMENT_2D('',#52,#53);\n#55=PARABOLA('',#54,%.17g);\n",
             -(R0 + q->k) / (2 * ta) / cos(ALPHA), (R0 - q->k) * sin(ALPHA) / 2);
    emit(&p, &left, "#56=(GEOMETRIC_REPRESENTATION_CONTEXT(2)PARAMETRIC_REPRESENTATION_CONTEXT()"
         "REPRESENTATION_CONTEXT('2D SPACE',''));\n#57=DEFINITIONAL_REPRESENTATION('',(#55),#56);\n"
         "#58=PCURVE('',#46,#57);\n");
    /* E5, E6 on the conic: one through a SURFACE_CURVE, one directly */
    emit(&p, &left, "#48=SURFACE_CURVE('',#43,(#58),.PCURVE_S1.);\n#50=EDGE_CURVE('',#2,#6,#48,.T.);\n"
         "#51=EDGE_CURVE('',#8,#4,#43,.T.);\n");
    /* cone: axis -z so that the radius shrinks upwards */
    emit(&p, &left, "#60=AXIS2_PLACEMENT_3D('',#20,#12,#11);\n#61=CONICAL_SURFACE('',#60,%.17g,%.17g);\n",
         R0, ALPHA);
    emit(&p, &left, "#62=PLANE('',#21);\n#63=PLANE('',#25);\n");
    /* faces: bottom (outward -z: the loop clockwise about +z), top, cut, cone */
    emit(&p, &left,
         "#70=ORIENTED_EDGE('',*,*,#23,.F.);\n#71=ORIENTED_EDGE('',*,*,#32,.F.);\n"
         "#72=EDGE_LOOP('',(#70,#71));\n#73=FACE_OUTER_BOUND('',#72,.T.);\n#74=ADVANCED_FACE('',(#73),#62,.F.);\n"
         "#75=ORIENTED_EDGE('',*,*,#27,.T.);\n#76=ORIENTED_EDGE('',*,*,#34,.T.);\n"
         "#77=EDGE_LOOP('',(#75,#76));\n#78=FACE_OUTER_BOUND('',#77,.T.);\n#79=ADVANCED_FACE('',(#78),#63,.T.);\n"
         "#80=ORIENTED_EDGE('',*,*,#34,.F.);\n#81=ORIENTED_EDGE('',*,*,#50,.F.);\n"
         "#82=ORIENTED_EDGE('',*,*,#32,.T.);\n#83=ORIENTED_EDGE('',*,*,#51,.F.);\n"
         "#84=EDGE_LOOP('',(#80,#81,#82,#83));\n#85=FACE_OUTER_BOUND('',#84,.T.);\n"
         "#86=ADVANCED_FACE('',(#85),#46,.T.);\n"
         "#87=ORIENTED_EDGE('',*,*,#23,.T.);\n#88=ORIENTED_EDGE('',*,*,#50,.T.);\n"
         "#89=ORIENTED_EDGE('',*,*,#27,.F.);\n#90=ORIENTED_EDGE('',*,*,#51,.T.);\n"
         "#91=EDGE_LOOP('',(#87,#88,#89,#90));\n#92=FACE_OUTER_BOUND('',#91,.T.);\n"
         "#93=ADVANCED_FACE('',(#92),#61,.T.);\n"
         "#94=CLOSED_SHELL('',(#74,#79,#86,#93));\n#95=MANIFOLD_SOLID_BREP('',#94);\n");
    emit(&p, &left,
         "#96=(LENGTH_UNIT()NAMED_UNIT(*)SI_UNIT(.MILLI.,.METRE.));\n"
         "#97=(NAMED_UNIT(*)PLANE_ANGLE_UNIT()SI_UNIT($,.RADIAN.));\n"
         "#98=(GEOMETRIC_REPRESENTATION_CONTEXT(3)GLOBAL_UNIT_ASSIGNED_CONTEXT((#96,#97))"
         "REPRESENTATION_CONTEXT('',''));\n"
         "#99=ADVANCED_BREP_SHAPE_REPRESENTATION('',(#95),#98);\n"
         "#100=APPLICATION_CONTEXT('automotive design');\n#101=PRODUCT_CONTEXT('',#100,'mechanical');\n"
         "#102=PRODUCT('cut','cut','',(#101));\n#103=PRODUCT_DEFINITION_CONTEXT('part definition',#100,'design');\n"
         "#104=PRODUCT_DEFINITION_FORMATION('','',#102);\n#105=PRODUCT_DEFINITION('design','',#104,#103);\n"
         "#106=PRODUCT_DEFINITION_SHAPE('','',#105);\n#107=SHAPE_DEFINITION_REPRESENTATION(#106,#99);\n"
         "ENDSEC;\nEND-ISO-10303-21;\n");
}

typedef struct measured { double area, volume, area_corr, volume_corr, defl; int watertight, failed; size_t n_diags; } measured;

static brep *read_text(const char *name, const char *text) {
    p21_doc *doc = NULL;
    sl_err err = {0};
    p21_doc_read_mem(name, text, strlen(text), NULL, &doc, &err);
    CHECK_MSG(doc != NULL, "%s: %s", name, err.msg);
    if (!doc) return NULL;
    brep *b = NULL;
    sl_status st = brep_from_p21(doc, &b, &err);
    p21_doc_free(doc);
    CHECK_MSG(st == SL_OK && b, "%s: %s", name, err.msg);
    return b;
}

/* mesh solid `solid` of b (all instances when solid < 0) at defl_mm */
static void mesh_measure(const brep *b, long solid, double defl_mm, measured *out) {
    mesh_props p;
    tess_report rep;
    CHECK(tess_measure(b, solid, defl_mm, &p, &rep) == SL_OK);
    out->area = p.area_mm2;
    out->volume = p.volume_mm3;
    out->area_corr = p.area_mm2 + rep.area_corr_mm2;
    out->volume_corr = p.volume_mm3 + rep.volume_corr_mm3;
    out->defl = defl_mm;
    out->watertight = p.watertight;
    out->failed = (int)rep.n_faces_failed;
    out->n_diags = b->n_diags;
}

/* read the text and mesh it at rel_defl x the bounding-box diagonal */
static int measure(const char *name, const char *text, double rel_defl, measured *out) {
    brep *b = read_text(name, text);
    if (!b) return -1;
    for (size_t i = 0; i < b->n_diags; i++) fprintf(stderr, "%s: #%llu: %s\n", name, (unsigned long long)b->diags[i].id, b->diags[i].msg);
    double bb[6];
    CHECK(brep_bbox_estimate(b, bb) == 0);
    double diag = sqrt((bb[3] - bb[0]) * (bb[3] - bb[0]) + (bb[4] - bb[1]) * (bb[4] - bb[1]) + (bb[5] - bb[2]) * (bb[5] - bb[2]));
    mesh_measure(b, -1, rel_defl * diag, out);
    brep_free(b);
    return 0;
}

/* fine mesh: within area x deflection; props default (1e-3 x diagonal) with the
 * corrections: volume to 1e-5, area to 1e-3 (the planar faces keep the polygon of
 * their curved boundary) */
static void check_solid(const char *name, const char *text, double area, double volume) {
    measured m;
    if (measure(name, text, 2e-4, &m)) return;
    CHECK_MSG(m.n_diags == 0, "%s: %zu diagnostics", name, m.n_diags);
    CHECK_MSG(m.failed == 0 && m.watertight, "%s: failed faces %d, watertight %d", name, m.failed, m.watertight);
    CHECK_MSG(fabs(m.volume - volume) <= area * m.defl, "%s: volume %.9g expected %.9g (tol %.3g)", name, m.volume,
              volume, area * m.defl);
    CHECK_MSG(fabs(m.area - area) <= 1e-3 * area, "%s: area %.9g expected %.9g", name, m.area, area);
    fprintf(stderr, "%s: fine mesh volume %.9g (exact %.9g), area %.9g (exact %.9g)\n", name, m.volume, volume, m.area, area);
    if (measure(name, text, 1e-3, &m)) return;
    CHECK_MSG(m.failed == 0 && m.watertight, "%s: failed faces %d, watertight %d", name, m.failed, m.watertight);
    CHECK_MSG(fabs(m.volume_corr - volume) <= 1e-5 * volume, "%s: corrected volume %.9g expected %.9g", name,
              m.volume_corr, volume);
    CHECK_MSG(fabs(m.area_corr - area) <= 1e-3 * area, "%s: corrected area %.9g expected %.9g", name, m.area_corr,
              area);
    fprintf(stderr, "%s: corrected volume %.9g, area %.9g\n", name, m.volume_corr, m.area_corr);
}

/* read, write solid 0 back as STEP text (malloc'd) */
static char *write_back(const char *name, const char *text) {
    brep *b = read_text(name, text);
    if (!b) return NULL;
    sl_buf out;
    sl_buf_init(&out);
    brep_write_part part = {0};
    brep_write_opts wo = {0};
    sl_err err = {0};
    sl_status st = brep_write_step(b, &part, 1, &wo, &out, &err);
    CHECK_MSG(st == SL_OK, "%s: write failed: %s", name, err.msg);
    brep_free(b);
    char *r = st == SL_OK && !out.failed ? strdup(out.data) : NULL;
    sl_buf_release(&out);
    return r;
}

static void check_written(const char *name, const char *text, const char *kind, double area, double volume) {
    char *w = write_back(name, text);
    CHECK_MSG(w != NULL, "%s: nothing written", name);
    if (!w) return;
    CHECK_MSG(strstr(w, kind) != NULL, "%s: written file has no %s", name, kind);
    measured m;
    if (measure(name, w, 1e-3, &m) == 0) {
        CHECK_MSG(m.n_diags == 0 && m.failed == 0 && m.watertight, "%s (written): diags %zu, failed %d, watertight %d",
                  name, m.n_diags, m.failed, m.watertight);
        CHECK_MSG(fabs(m.volume_corr - volume) <= 1e-5 * volume, "%s (written): volume %.9g expected %.9g", name,
                  m.volume_corr, volume);
        CHECK_MSG(fabs(m.area_corr - area) <= 1e-3 * area, "%s (written): area %.9g expected %.9g", name, m.area_corr,
                  area);
    }
    free(w);
}

/* build_transform of the offset cylinder: rotate 90 degrees about x through the
 * origin, shift by (1, 2, 3); the bottom circle (z = 0, r 5) goes to y = 0 ... */
static void check_transformed(const char *text) {
    brep *b = read_text("offset_xf", text);
    if (!b) return;
    geom_xform rot, sh, x;
    build_xform_rotate(&rot, v3(0, 0, 0), v3(1, 0, 0), M_PI / 2);
    build_xform_translate(&sh, v3(1, 2, 3));
    geom_xform_mul(&sh, &rot, &x);
    size_t nc0 = b->n_curves;
    uint32_t copy = 0;
    sl_err err = {0};
    CHECK(build_transform(b, 0, &x, &copy, &err) == SL_OK);
    int n_off = 0;
    for (size_t i = nc0; i < b->n_curves; i++) {
        const geom_curve *c = b->curves[i];
        if (c->kind != GEOM_CURVE_OFFSET) continue;
        n_off++;
        /* (x, y, z) -> (x, -z, y) + (1, 2, 3): the circles lie in planes y = 2 - z0, centred
         * on (1, 2 - z0, 3), radius 5 */
        for (int k = 0; k < 8; k++) {
            vec3 p;
            geom_curve_eval(c, k * M_PI / 4, &p, NULL, NULL);
            double r = sqrt((p.x - 1) * (p.x - 1) + (p.z - 3) * (p.z - 3));
            CHECK_MSG(fabs(r - 5) < 1e-9 && (fabs(p.y - 2) < 1e-9 || fabs(p.y + 10) < 1e-9),
                      "moved offset circle point (%g, %g, %g), radius %g", p.x, p.y, p.z, r);
        }
    }
    CHECK_EQ_INT(n_off, 2);
    measured m;
    mesh_measure(b, copy, 0.01, &m);
    double vol = M_PI * 25 * 12;
    CHECK_MSG(m.watertight && fabs(m.volume_corr - vol) <= 1e-5 * vol, "moved offset cylinder: volume %.9g expected %.9g, watertight %d",
              m.volume_corr, vol, m.watertight);
    brep_free(b);
}

int main(void) {
    /* the integrator on the uncut frustum */
    cut none = {0, -1e9, 0};
    double R1 = rho(HGT);
    CHECK_REL(simpson(&none, I_FULL_VOL), M_PI * HGT * (R0 * R0 + R0 * R1 + R1 * R1) / 3, 1e-12);
    CHECK_REL(simpson(&none, I_FULL_CONE), M_PI * (R0 + R1) * HGT / cos(ALPHA), 1e-12);

    static char buf[16384];
    cut cuts[2] = {{0, 3.0, 0}, {1, 0, 7.0}};
    for (int i = 0; i < 2; i++) {
        const cut *q = &cuts[i];
        double c0 = cut_c(q, 0), c1 = cut_c(q, HGT);
        double vol = simpson(q, I_VOL);
        double area = M_PI * R0 * R0 - seg_area(R0, c0) + M_PI * R1 * R1 - seg_area(R1, c1) + simpson(q, I_CONE) +
                      simpson(q, I_PLANE);
        write_step(q, buf, sizeof buf);
        const char *name = q->parabola ? "frustum_cut_parabola" : "frustum_cut_hyperbola";
        check_solid(name, buf, area, vol);
        check_written(name, buf, q->parabola ? "PARABOLA(" : "HYPERBOLA(", area, vol);
    }

    char *cyl = NULL;
    size_t n;
    if (sl_file_read("tests/brep/data/cylinder.step", &cyl, &n, 0, NULL)) TEST_SKIP("tests/brep/data missing");
    char *t1 = step_patch(cyl, "#9=", "#9=OFFSET_CURVE_3D('',#72,1.,.F.,#38);#72=CIRCLE('',#8,4.)");
    char *t2 = t1 ? step_patch(t1, "#15=", "#15=OFFSET_CURVE_3D('',#73,1.,.U.,#12);#73=CIRCLE('',#14,6.)") : NULL;
    CHECK(t2 != NULL);
    if (t2) {
        double r = 5, h = 12;
        check_solid("cylinder_offset_circles", t2, 2 * M_PI * r * r + 2 * M_PI * r * h, M_PI * r * r * h);
        check_written("cylinder_offset_circles", t2, "OFFSET_CURVE_3D(", 2 * M_PI * r * r + 2 * M_PI * r * h,
                      M_PI * r * r * h);
        check_transformed(t2);
    }
    free(t1);
    free(t2);
    free(cyl);
    return test_finish("brep_conics");
}
