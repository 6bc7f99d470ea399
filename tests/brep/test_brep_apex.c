/* test_brep_apex.c - pointed apexes and revolved closed curves, meshed over a sweep
 * of deflections (0.005 .. 0.2 mm) and tip angles; every mesh must be watertight
 * with the right genus and a volume within area x deflection of the closed form:
 *  - a right circular cone r, h written as STEP text here, in four spellings: the
 *    conical surface's origin at the base with the apex up or down, the origin at the
 *    apex, and the apex as a VERTEX_LOOP instead of a seam (V = pi r^2 h / 3, area
 *    pi r^2 + pi r sqrt(r^2 + h^2));
 *  - a stepped shaft revolved from a profile whose last segment ends on the axis
 *    (a cone tip of several lengths; V = sum of the cylinders + pi r^2 tip / 3);
 *  - circles and ellipses revolved about an axis they do not touch (tori of
 *    revolution: Pappus V = 2 pi R A with A = pi a b, genus 1). */
#include <stdio.h>

#include "steplm/brep.h"
#include "steplm/build.h"
#include "steplm/p21.h"
#include "steplm/tess.h"
#include "test.h"
#include "brep_testutil.h"

static const double defls[] = {0.005, 0.01, 0.02, 0.037, 0.05, 0.1, 0.2};
#define N_DEFL (sizeof defls / sizeof defls[0])

/* mesh solid `s` of b (or every instance when s < 0) at deflection d and check it */
static void check_mesh(const brep *b, long s, double d, double volume, double area, long genus, const char *what) {
    mesh_props p;
    tess_report rep;
    CHECK(tess_measure(b, s, d, &p, &rep) == SL_OK);
    CHECK_MSG(rep.n_faces_failed == 0, "%s d %g: %s", what, d, rep.first_failure);
    CHECK_MSG(p.watertight, "%s d %g: not watertight (%zu boundary, %zu non-manifold edges)", what, d,
              p.n_boundary_edges, p.n_nonmanifold_edges);
    CHECK_MSG(p.genus == genus, "%s d %g: genus %ld expected %ld", what, d, p.genus, genus);
    CHECK_MSG(fabs(p.volume_mm3 - volume) <= area * d, "%s d %g: volume %.9g expected %.9g (tol %.3g)", what, d,
              p.volume_mm3, volume, area * d);
}

/* A cone with base circle r at z = 0 and apex on the z axis, as AP214 text.
 * spelling 0: surface origin at the base, axis -z, apex at z = h;
 *          1: origin at the base, axis +z, apex at z = -h (loops reversed);
 *          2: origin at the apex (radius 0), axis -z, apex at z = h;
 *          3: as 0 with the apex as a VERTEX_LOOP and no seam edge. */
static int cone_step(char *buf, size_t n, double r, double h, int spelling) {
    double L = sqrt(r * r + h * h), a = atan(r / h), zs = spelling == 1 ? -1 : 1;
    double oz = spelling == 2 ? h : 0, rad = spelling == 2 ? 0 : r, ax = spelling == 1 ? 1 : -1;
    const char *circ_cone = spelling == 1 ? ".F." : ".T.", *circ_plane = spelling == 1 ? ".T." : ".F.";
    char loop[160];
    if (spelling == 3)
        snprintf(loop, sizeof loop,
                 "#31=EDGE_LOOP('',(#27));\n#29=VERTEX_LOOP('',#4);\n#90=FACE_BOUND('',#29,.T.);\n");
    else
        snprintf(loop, sizeof loop, "#31=EDGE_LOOP('',(#27,#28,#30));\n");
    return snprintf(buf, n,
        "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('cone'),'2;1');\n"
        "FILE_NAME('cone.step','2026-01-01T00:00:00',(''),(''),'','','');\n"
        "FILE_SCHEMA(('AUTOMOTIVE_DESIGN { 1 0 10303 214 1 1 1 1 }'));\nENDSEC;\nDATA;\n"
        "#1=CARTESIAN_POINT('',(%.17g,0.,0.));\n#2=VERTEX_POINT('',#1);\n"
        "#3=CARTESIAN_POINT('',(0.,0.,%.17g));\n#4=VERTEX_POINT('',#3);\n"
        "#5=CARTESIAN_POINT('',(0.,0.,0.));\n#6=DIRECTION('',(0.,0.,1.));\n#7=DIRECTION('',(1.,0.,0.));\n"
        "#8=AXIS2_PLACEMENT_3D('',#5,#6,#7);\n#9=CIRCLE('',#8,%.17g);\n#10=EDGE_CURVE('',#2,#2,#9,.T.);\n"
        "#17=DIRECTION('',(%.17g,0.,%.17g));\n#18=VECTOR('',#17,%.17g);\n"
        "#19=CARTESIAN_POINT('',(%.17g,0.,0.));\n#20=LINE('',#19,#18);\n#21=EDGE_CURVE('',#2,#4,#20,.T.);\n"
        "#22=CARTESIAN_POINT('',(0.,0.,%.17g));\n#23=DIRECTION('',(0.,0.,%g));\n#24=DIRECTION('',(1.,0.,0.));\n"
        "#25=AXIS2_PLACEMENT_3D('',#22,#23,#24);\n#26=CONICAL_SURFACE('',#25,%.17g,%.17g);\n"
        "#27=ORIENTED_EDGE('',*,*,#10,%s);\n#28=ORIENTED_EDGE('',*,*,#21,.T.);\n#30=ORIENTED_EDGE('',*,*,#21,.F.);\n"
        "%s#32=FACE_OUTER_BOUND('',#31,.T.);\n#33=ADVANCED_FACE('',(#32%s),#26,.T.);\n"
        "#34=ORIENTED_EDGE('',*,*,#10,%s);\n#35=EDGE_LOOP('',(#34));\n#36=FACE_OUTER_BOUND('',#35,.T.);\n"
        "#37=CARTESIAN_POINT('',(0.,0.,0.));\n#38=DIRECTION('',(0.,0.,%g));\n#39=DIRECTION('',(1.,0.,0.));\n"
        "#40=AXIS2_PLACEMENT_3D('',#37,#38,#39);\n#41=PLANE('',#40);\n#42=ADVANCED_FACE('',(#36),#41,.T.);\n"
        "#52=CLOSED_SHELL('',(#33,#42));\n#53=MANIFOLD_SOLID_BREP('',#52);\n"
        "#54=(LENGTH_UNIT()NAMED_UNIT(*)SI_UNIT(.MILLI.,.METRE.));\n"
        "#55=(NAMED_UNIT(*)PLANE_ANGLE_UNIT()SI_UNIT($,.RADIAN.));\n"
        "#56=(NAMED_UNIT(*)SI_UNIT($,.STERADIAN.)SOLID_ANGLE_UNIT());\n"
        "#57=UNCERTAINTY_MEASURE_WITH_UNIT(LENGTH_MEASURE(1.E-07),#54,'','');\n"
        "#58=(GEOMETRIC_REPRESENTATION_CONTEXT(3)GLOBAL_UNCERTAINTY_ASSIGNED_CONTEXT((#57))"
        "GLOBAL_UNIT_ASSIGNED_CONTEXT((#54,#55,#56))REPRESENTATION_CONTEXT('',''));\n"
        "#59=CARTESIAN_POINT('',(0.,0.,0.));\n#60=DIRECTION('',(0.,0.,1.));\n#61=DIRECTION('',(1.,0.,0.));\n"
        "#62=AXIS2_PLACEMENT_3D('',#59,#60,#61);\n#63=ADVANCED_BREP_SHAPE_REPRESENTATION('',(#53,#62),#58);\n"
        "#64=APPLICATION_CONTEXT('automotive design');\n#65=PRODUCT_CONTEXT('',#64,'mechanical');\n"
        "#66=PRODUCT('cone','cone','',(#65));\n#67=PRODUCT_DEFINITION_CONTEXT('part definition',#64,'design');\n"
        "#68=PRODUCT_DEFINITION_FORMATION('','',#66);\n#69=PRODUCT_DEFINITION('design','',#68,#67);\n"
        "#70=PRODUCT_DEFINITION_SHAPE('','',#69);\n#71=SHAPE_DEFINITION_REPRESENTATION(#70,#63);\n"
        "ENDSEC;\nEND-ISO-10303-21;\n",
        r, zs * h, r, -r / L, zs * h / L, L, r, oz, ax, rad, a, circ_cone, loop, spelling == 3 ? ",#90" : "",
        circ_plane, zs);
}

static void check_cones(void) {
    static const double rh[][2] = {{5, 10}, {5, 1}, {1, 30}, {20, 3}};
    char buf[8192], what[64];
    for (size_t k = 0; k < sizeof rh / sizeof rh[0]; k++)
        for (int sp = 0; sp < 4; sp++) {
            double r = rh[k][0], h = rh[k][1];
            int len = cone_step(buf, sizeof buf, r, h, sp);
            CHECK(len > 0 && (size_t)len < sizeof buf);
            p21_doc *doc = NULL;
            sl_err err = {0};
            CHECK(p21_doc_read_mem("cone.step", buf, (size_t)len, NULL, &doc, &err) == SL_OK);
            brep *b = NULL;
            sl_status st = doc ? brep_from_p21(doc, &b, &err) : SL_ERR_INVALID;
            p21_doc_free(doc);
            CHECK_MSG(st == SL_OK && b, "cone r %g h %g spelling %d: %s", r, h, sp, err.msg);
            if (!b) continue;
            snprintf(what, sizeof what, "cone r %g h %g spelling %d", r, h, sp);
            double V = M_PI * r * r * h / 3, A = M_PI * r * r + M_PI * r * sqrt(r * r + h * h);
            for (size_t i = 0; i < N_DEFL; i++) check_mesh(b, -1, defls[i], V, A, 0, what);
            brep_free(b);
        }
}

/* the stepped shaft of the report: diameters 32 / 21 / 12 over 35.5 / 33 / 24.5 mm
 * along z, ending in a cone tip of length tip on the axis */
static void check_shafts(void) {
    static const double tips[] = {2, 5, 17.5, 40, 100};
    const double r1 = 16, l1 = 35.5, r2 = 10.5, l2 = 33, r3 = 6, l3 = 24.5, Lz = l1 + l2 + l3;
    geom_frame xz = geom_frame_make(v3(0, 0, 0), v3(0, -1, 0), v3(1, 0, 0));
    char what[64];
    for (size_t k = 0; k < sizeof tips / sizeof tips[0]; k++) {
        double tip = tips[k];
        sl_err err = {0};
        build_profile *p = build_profile_new(&xz);
        build_profile_move_to(p, 0, 0, &err);
        build_profile_line_to(p, r1, 0, &err);
        build_profile_line_to(p, r1, l1, &err);
        build_profile_line_to(p, r2, l1, &err);
        build_profile_line_to(p, r2, l1 + l2, &err);
        build_profile_line_to(p, r3, l1 + l2, &err);
        build_profile_line_to(p, r3, Lz, &err);
        build_profile_line_to(p, 0, Lz + tip, &err);
        CHECK(build_profile_close(p, &err) == SL_OK);
        brep *b = brep_new();
        uint32_t s = 0;
        CHECK_MSG(build_revolve(b, p, 0, 0, 0, 1, 2 * M_PI, &s, &err) == SL_OK, "shaft tip %g: %s", tip, err.msg);
        double V = M_PI * (r1 * r1 * l1 + r2 * r2 * l2 + r3 * r3 * l3 + r3 * r3 * tip / 3);
        double A = M_PI * r1 * r1 + 2 * M_PI * r1 * l1 + M_PI * (r1 * r1 - r2 * r2) + 2 * M_PI * r2 * l2 +
                   M_PI * (r2 * r2 - r3 * r3) + 2 * M_PI * r3 * l3 + M_PI * r3 * sqrt(r3 * r3 + tip * tip);
        snprintf(what, sizeof what, "shaft tip %g", tip);
        for (size_t i = 0; i < N_DEFL; i++) check_mesh(b, s, defls[i], V, A, 0, what);
        build_profile_free(p);
        brep_free(b);
    }
}

/* closed curves revolved about the sketch y axis: circle or ellipse centred at x = R */
static void check_rings(void) {
    /* R, a, b, rotation (rad); a == b: a circle */
    static const double rings[][4] = {{20, 5, 3, 0}, {12, 4, 4, 0}, {7, 2, 6, 0}, {20, 5, 3, 0.5}};
    geom_frame xz = geom_frame_make(v3(0, 0, 0), v3(0, -1, 0), v3(1, 0, 0));
    char what[80];
    for (size_t k = 0; k < sizeof rings / sizeof rings[0]; k++) {
        double R = rings[k][0], a = rings[k][1], bb = rings[k][2], rot = rings[k][3];
        sl_err err = {0};
        build_profile *p = build_profile_new(&xz);
        if (a == bb) CHECK(build_profile_circle(p, R, 3, a, &err) == SL_OK);
        else CHECK(build_profile_ellipse(p, R, 0, a, bb, rot, &err) == SL_OK);
        brep *b = brep_new();
        uint32_t s = 0;
        CHECK_MSG(build_revolve(b, p, 0, 0, 0, 1, 2 * M_PI, &s, &err) == SL_OK, "ring %zu: %s", k, err.msg);
        /* Pappus; the area bound uses the perimeter <= 2 pi max(a, b) */
        double V = 2 * M_PI * R * M_PI * a * bb, A = 2 * M_PI * R * 2 * M_PI * fmax(a, bb);
        snprintf(what, sizeof what, "ring R %g a %g b %g rot %g", R, a, bb, rot);
        for (size_t i = 0; i < N_DEFL; i++) check_mesh(b, s, defls[i], V, A, 1, what);
        build_profile_free(p);
        brep_free(b);
    }
}

int main(void) {
    check_cones();
    check_shafts();
    check_rings();
    return test_finish("brep_apex");
}
