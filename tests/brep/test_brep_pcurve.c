/* test_brep_pcurve.c - trimming by an edge's PCURVE where its 3D curve is off the face.
 *
 * One face on the bilinear B-spline patch S(u, v) = (10 u, 10 v, 0), u, v in [0, 1],
 * bounded by the square (0,0,0) (10,0,0) (10,10,0) (0,10,0). The edge from (10,0,0)
 * to (10,10,0) is a SURFACE_CURVE whose 3D curve is the quadratic Bezier with
 * control points (10,0,0) (6,5,3) (10,10,0): C(t) = (10 - 8 t (1 - t), 10 t,
 * 6 t (1 - t)), up to 1.5 mm above the patch and up to 2 mm inside the square, while
 * its PCURVE is the line u = 1 from v = 0 to v = 1, exactly the patch's border (the
 * situation of a face whose 3D edge lies off its surface, where OpenCASCADE trims
 * by the PCURVE).
 * Trimmed by the PCURVE the face is the flat 10 x 10 square: area 100 mm^2, box
 * (0,0,0)-(10,10,0). Trimmed by inverting the 3D edge (the file without the PCURVE)
 * the patch loses the region between x = 10 and the curve's shadow x = 10 - 8 t (1 - t)
 * (projected area 8/6 x 10 = 13.33 mm^2) and the mesh rises to the edge: its box
 * reaches z = C(1/2).z = 1.5, its area lies between 100 - 13.33 and 100 minus a
 * clear margin. PCURVEs that do not apply (another surface, two of them: a seam, an
 * unsupported 2D curve kind, one that misses the edge) must give exactly the
 * inversion result; unusable ones (a single point, outside the patch's domain, no
 * 2D curve) the same plus a diagnostic at the PCURVE (#39). The same square comes
 * out with the face on a RECTANGULAR_TRIMMED_SURFACE of the patch (the PCURVE on the
 * patch itself) and with the face on the PLANE z = 0 and the PCURVE u = 10 (planar
 * parameters are lengths). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steplm/brep.h"
#include "steplm/p21.h"
#include "steplm/tess.h"
#include "test.h"
#include "brep_testutil.h"

static const char FACE[] =
    "ISO-10303-21;\n"
    "HEADER;\n"
    "FILE_DESCRIPTION(('pcurve face'),'2;1');\n"
    "FILE_NAME('pcurve_face.step','2026-01-01T00:00:00',(''),(''),'','','');\n"
    "FILE_SCHEMA(('AUTOMOTIVE_DESIGN { 1 0 10303 214 1 1 1 1 }'));\n"
    "ENDSEC;\n"
    "DATA;\n"
    "#1=CARTESIAN_POINT('',(0.,0.,0.));\n"
    "#2=VERTEX_POINT('',#1);\n"
    "#3=CARTESIAN_POINT('',(10.,0.,0.));\n"
    "#4=VERTEX_POINT('',#3);\n"
    "#5=CARTESIAN_POINT('',(10.,10.,0.));\n"
    "#6=VERTEX_POINT('',#5);\n"
    "#7=CARTESIAN_POINT('',(0.,10.,0.));\n"
    "#8=VERTEX_POINT('',#7);\n"
    "#10=CARTESIAN_POINT('',(0.,0.,0.));\n"
    "#11=CARTESIAN_POINT('',(0.,10.,0.));\n"
    "#12=CARTESIAN_POINT('',(10.,0.,0.));\n"
    "#13=CARTESIAN_POINT('',(10.,10.,0.));\n"
    "#14=B_SPLINE_SURFACE_WITH_KNOTS('',1,1,((#10,#11),(#12,#13)),.UNSPECIFIED.,.F.,.F.,.F.,(2,2),(2,2),(0.,1.),(0.,1.),.UNSPECIFIED.);\n"
    "#20=DIRECTION('',(1.,0.,0.));\n"
    "#21=VECTOR('',#20,10.);\n"
    "#22=LINE('',#1,#21);\n"
    "#23=EDGE_CURVE('',#2,#4,#22,.T.);\n"
    "#30=CARTESIAN_POINT('',(10.,0.,0.));\n"
    "#31=CARTESIAN_POINT('',(6.,5.,3.));\n"
    "#32=CARTESIAN_POINT('',(10.,10.,0.));\n"
    "#33=B_SPLINE_CURVE_WITH_KNOTS('',2,(#30,#31,#32),.UNSPECIFIED.,.F.,.F.,(3,3),(0.,1.),.UNSPECIFIED.);\n"
    "#34=CARTESIAN_POINT('',(1.,0.));\n"
    "#35=CARTESIAN_POINT('',(1.,1.));\n"
    "#36=B_SPLINE_CURVE_WITH_KNOTS('',1,(#34,#35),.UNSPECIFIED.,.F.,.F.,(2,2),(0.,1.),.UNSPECIFIED.);\n"
    "#37=DEFINITIONAL_REPRESENTATION('',(#36),#38);\n"
    "#38=(GEOMETRIC_REPRESENTATION_CONTEXT(2)PARAMETRIC_REPRESENTATION_CONTEXT()REPRESENTATION_CONTEXT('2D SPACE',''));\n"
    "#39=PCURVE('',#14,#37);\n"
    "#40=SURFACE_CURVE('',#33,(#39),.CURVE_3D.);\n"
    "#41=EDGE_CURVE('',#4,#6,#40,.T.);\n"
    "#50=DIRECTION('',(-1.,0.,0.));\n"
    "#51=VECTOR('',#50,10.);\n"
    "#52=LINE('',#5,#51);\n"
    "#53=EDGE_CURVE('',#6,#8,#52,.T.);\n"
    "#60=DIRECTION('',(0.,-1.,0.));\n"
    "#61=VECTOR('',#60,10.);\n"
    "#62=LINE('',#7,#61);\n"
    "#63=EDGE_CURVE('',#8,#2,#62,.T.);\n"
    "#70=ORIENTED_EDGE('',*,*,#23,.T.);\n"
    "#71=ORIENTED_EDGE('',*,*,#41,.T.);\n"
    "#72=ORIENTED_EDGE('',*,*,#53,.T.);\n"
    "#73=ORIENTED_EDGE('',*,*,#63,.T.);\n"
    "#74=EDGE_LOOP('',(#70,#71,#72,#73));\n"
    "#75=FACE_OUTER_BOUND('',#74,.T.);\n"
    "#76=ADVANCED_FACE('',(#75),#14,.T.);\n"
    "#77=OPEN_SHELL('',(#76));\n"
    "#78=SHELL_BASED_SURFACE_MODEL('',(#77));\n"
    "#90=AXIS2_PLACEMENT_3D('',#1,$,$);\n"
    "#91=PLANE('',#90);\n"
    "ENDSEC;\n"
    "END-ISO-10303-21;\n"
    ;

typedef struct result { double area, bbox[6]; size_t n_tris; int failed; int diag39; } result;

/* read text (NULL: a failed patch), mesh at 0.05 mm; diag39: a diagnostic at #39
 * containing `want` (NULL: any) */
static int run(const char *name, const char *text, const char *want, result *out) {
    memset(out, 0, sizeof *out);
    CHECK_MSG(text != NULL, "%s: patch failed", name);
    if (!text) return -1;
    p21_doc *doc = NULL;
    sl_err err = {0};
    p21_doc_read_mem(name, text, strlen(text), NULL, &doc, &err);
    CHECK_MSG(doc != NULL, "%s: %s", name, err.msg);
    if (!doc) return -1;
    brep *b = NULL;
    sl_status st = brep_from_p21(doc, &b, &err);
    p21_doc_free(doc);
    CHECK_MSG(st == SL_OK && b, "%s: %s", name, err.msg);
    if (!b) return -1;
    for (size_t i = 0; i < b->n_diags; i++) {
        fprintf(stderr, "%s: #%llu: %s\n", name, (unsigned long long)b->diags[i].id, b->diags[i].msg);
        if (b->diags[i].id == 39 && (!want || strstr(b->diags[i].msg, want))) out->diag39 = 1;
    }
    tess_opts o;
    tess_opts_default(&o);
    o.deflection_mm = 0.05;
    mesh m;
    mesh_init(&m);
    tess_report rep;
    memset(&rep, 0, sizeof rep);
    CHECK(tess_brep(b, &o, &m, NULL, &rep) == SL_OK);
    mesh_props p;
    mesh_compute_props(&m, &p);
    out->area = p.area_mm2;
    memcpy(out->bbox, p.bbox_mm, sizeof out->bbox);
    out->n_tris = m.n_tris;
    out->failed = (int)rep.n_faces_failed;
    mesh_release(&m);
    brep_free(b);
    return 0;
}

/* a fallback must give the inversion result bit for bit */
static void check_same(const char *name, const result *a, const result *ref) {
    CHECK_MSG(a->area == ref->area && a->n_tris == ref->n_tris && !memcmp(a->bbox, ref->bbox, sizeof a->bbox),
              "%s: area %.9g (%zu triangles), expected the 3D-edge result %.9g (%zu)", name, a->area, a->n_tris,
              ref->area, ref->n_tris);
}

int main(void) {
    result pc, inv, r;
    /* trimmed by the PCURVE: the square */
    if (run("pcurve", FACE, NULL, &pc) == 0) {
        CHECK_EQ_INT(pc.failed, 0);
        CHECK_NEAR(pc.area, 100.0, 1e-9);
        const double box[6] = {0, 0, 0, 10, 10, 0};
        for (int k = 0; k < 6; k++) CHECK_NEAR(pc.bbox[k], box[k], 1e-12);
        CHECK(!pc.diag39);
    }
    /* the same PCURVE the other way round (v from 1 to 0): the same square */
    char *t1 = step_patch(FACE, "#34=", "#34=CARTESIAN_POINT('',(1.,1.))");
    char *t2 = t1 ? step_patch(t1, "#35=", "#35=CARTESIAN_POINT('',(1.,0.))") : NULL;
    if (run("pcurve reversed", t2, NULL, &r) == 0) {
        CHECK_NEAR(r.area, 100.0, 1e-9);
        CHECK_NEAR(r.bbox[5], 0.0, 1e-12);
    }
    free(t1); free(t2);
    /* the face on a RECTANGULAR_TRIMMED_SURFACE of the patch, the PCURVE on the patch
     * itself: the same surface, the same square */
    t1 = step_patch(FACE, "#76=", "#76=ADVANCED_FACE('',(#75),#92,.T.);\n#92=RECTANGULAR_TRIMMED_SURFACE('',#14,0.,1.,0.,1.,.T.,.T.)");
    if (run("pcurve through a trimmed surface", t1, NULL, &r) == 0) {
        CHECK_NEAR(r.area, 100.0, 1e-9);
        CHECK_NEAR(r.bbox[5], 0.0, 1e-12);
    }
    free(t1);
    /* the face on the PLANE z = 0 (#91: S(u, v) = (u, v, 0)) with the PCURVE u = 10 */
    t1 = step_patch(FACE, "#76=", "#76=ADVANCED_FACE('',(#75),#91,.T.)");
    t2 = t1 ? step_patch(t1, "#39=", "#39=PCURVE('',#91,#37)") : NULL;
    free(t1);
    t1 = t2 ? step_patch(t2, "#34=", "#34=CARTESIAN_POINT('',(10.,0.))") : NULL;
    free(t2);
    t2 = t1 ? step_patch(t1, "#35=", "#35=CARTESIAN_POINT('',(10.,10.))") : NULL;
    if (run("pcurve on a plane", t2, NULL, &r) == 0) {
        CHECK_EQ_INT(r.failed, 0);
        CHECK_NEAR(r.area, 100.0, 1e-9);
        CHECK_NEAR(r.bbox[5], 0.0, 1e-12);
        CHECK_NEAR(r.bbox[3], 10.0, 1e-12);
    }
    free(t1); free(t2);
    /* without the PCURVE: trimmed by the inverted 3D edge */
    char *t = step_patch(FACE, "#41=", "#41=EDGE_CURVE('',#4,#6,#33,.T.)");
    if (run("no pcurve", t, NULL, &inv) == 0) {
        CHECK_EQ_INT(inv.failed, 0);
        CHECK_NEAR(inv.bbox[5], 1.5, 1e-9);
        CHECK_NEAR(inv.bbox[3], 10.0, 1e-12);
        CHECK_MSG(inv.area > 100 - 80.0 / 6 && inv.area < 96, "no pcurve: area %.6g", inv.area);
        CHECK(!inv.diag39);
    }
    free(t);
    /* PCURVEs that do not apply: silently the 3D path */
    static const struct { const char *name, *prefix, *line; } skip[] = {
        {"pcurve on another surface", "#39=", "#39=PCURVE('',#91,#37)"},
        {"two pcurves (a seam)", "#40=", "#40=SEAM_CURVE('',#33,(#39,#39),.PCURVE_S1.)"},
        {"pcurve of an unsupported kind", "#36=", "#36=CARTESIAN_POINT('',(1.,0.))"},
        {"pcurve missing the edge", "#34=", "#34=CARTESIAN_POINT('',(0.,0.));\n#35=CARTESIAN_POINT('',(0.,1.))"},
    };
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++) {
        char *s = step_patch(FACE, skip[i].prefix, skip[i].line);
        if (s && !strcmp(skip[i].prefix, "#34=")) {   /* drop the original #35 */
            char *s2 = step_patch(s, "#35=CARTESIAN_POINT('',(1.,1.))", "#999=CARTESIAN_POINT('',(0.,0.))");
            free(s);
            s = s2;
        }
        if (run(skip[i].name, s, NULL, &r) == 0) {
            check_same(skip[i].name, &r, &inv);
            CHECK_MSG(!r.diag39, "%s: unexpected diagnostic", skip[i].name);
        }
        free(s);
    }
    /* unusable PCURVEs: the 3D path and a diagnostic at #39 */
    static const struct { const char *name, *prefix, *line, *want; } bad[] = {
        {"degenerate pcurve", "#35=", "#35=CARTESIAN_POINT('',(1.,0.))", "degenerate"},
        {"pcurve outside the domain", "#34=", "#34=CARTESIAN_POINT('',(3.,0.));\n#35=CARTESIAN_POINT('',(3.,1.))", "outside"},
        {"pcurve without a 2D curve", "#37=", "#37=DEFINITIONAL_REPRESENTATION('',(),#38)", "no 2D curve"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *s = step_patch(FACE, bad[i].prefix, bad[i].line);
        if (s && !strcmp(bad[i].prefix, "#34=")) {
            char *s2 = step_patch(s, "#35=CARTESIAN_POINT('',(1.,1.))", "#999=CARTESIAN_POINT('',(0.,0.))");
            free(s);
            s = s2;
        }
        if (run(bad[i].name, s, bad[i].want, &r) == 0) {
            check_same(bad[i].name, &r, &inv);
            CHECK_MSG(r.diag39, "%s: no diagnostic at #39 saying '%s'", bad[i].name, bad[i].want);
        }
        free(s);
    }
    return test_finish("brep_pcurve");
}
