/* test_brep_corrupt.c - corrupt geometry gives a located error or a skipped face,
 * never a crash or a hang: a zero-length edge, B-spline knots out of order, a NaN /
 * infinite coordinate, a loop that does not close, a face with no bounds, a
 * dangling reference, negative / zero semi axes of a HYPERBOLA, a zero PARABOLA focal
 * distance, an OFFSET_CURVE_3D whose ref_direction is zero or along the tangent, or
 * that is its own basis. Each variant is the hand-made box or cylinder with one
 * entity rewritten. */
#include <stdlib.h>
#include <string.h>

#include "steplm/brep.h"
#include "steplm/p21.h"
#include "steplm/tess.h"
#include "test.h"
#include "brep_testutil.h"

static char *slurp(const char *path) {
    char *d = NULL;
    size_t n;
    if (sl_file_read(path, &d, &n, 0, NULL)) return NULL;
    return d;
}

/* read + mesh; returns 1 when something was reported with a location */
/* want: a text one of the diagnostics must contain (NULL: any) */
static int reported(const char *name, const char *text, const char *want) {
    p21_doc *doc = NULL;
    sl_err err = {0};
    p21_doc_read_mem(name, text, strlen(text), NULL, &doc, &err);
    if (!doc) return err.msg[0] != 0;
    brep *b = NULL;
    sl_status st = brep_from_p21(doc, &b, &err);
    p21_doc_free(doc);
    if (!b) return st != SL_OK && err.msg[0];
    int located = (st != SL_OK && err.msg[0]) || (b->n_diags > 0 && b->diags[0].id != 0);
    if (want) {
        int found = 0;
        for (size_t i = 0; i < b->n_diags; i++) found |= b->diags[i].id != 0 && strstr(b->diags[i].msg, want) != NULL;
        CHECK_MSG(found, "%s: no diagnostic says '%s'", name, want);
    }
    tess_opts o;
    tess_opts_default(&o);
    mesh m;
    mesh_init(&m);
    tess_report rep = {0};
    CHECK(tess_brep(b, &o, &m, NULL, &rep) == SL_OK);
    if (rep.n_faces_failed && rep.first_failed_id != 0 && rep.first_failure[0]) located = 1;
    mesh_props p;
    mesh_compute_props(&m, &p);
    if (!p.watertight) located |= rep.n_faces_failed > 0 || b->n_diags > 0;
    fprintf(stderr, "%s: diags %zu%s%s, failed faces %zu%s%s, tris %zu\n", name, b->n_diags,
            b->n_diags ? ": " : "", b->n_diags ? b->diags[0].msg : "", rep.n_faces_failed,
            rep.n_faces_failed ? ": " : "", rep.first_failure, m.n_tris);
    mesh_release(&m);
    brep_free(b);
    return located;
}

int main(void) {
    char *box = slurp("tests/brep/data/box.step"), *cyl = slurp("tests/brep/data/cylinder.step");
    if (!box || !cyl) TEST_SKIP("tests/brep/data missing");
    struct { const char *name, *base, *prefix, *line, *want; } v[] = {
        /* vertex #9 moved onto #1: the edge between them has zero length */
        {"zero_length_edge", box, "#9=", "#9=CARTESIAN_POINT('',(0,0,0))", NULL},
        /* the bottom circle becomes a B-spline with knots out of order */
        {"knots_out_of_order", cyl, "#9=",
         "#9=B_SPLINE_CURVE_WITH_KNOTS('',2,(#1,#3,#1),.UNSPECIFIED.,.F.,.F.,(3,3),(1.,0.),.UNSPECIFIED.)", NULL},
        {"nan_coordinate", box, "#1=", "#1=CARTESIAN_POINT('',(1.E400,0,0))", NULL},
        /* a face loop with three of its four edges */
        {"unclosed_loop", cyl, "#31=", "#31=EDGE_LOOP('',(#27,#28,#29))", NULL},
        {"face_without_bounds", cyl, "#33=", "#33=ADVANCED_FACE('',(),#26,.T.)", NULL},
        {"dangling_surface", cyl, "#33=", "#33=ADVANCED_FACE('',(#32),#99999,.T.)", NULL},
        {"negative_radius", cyl, "#9=", "#9=CIRCLE('',#8,-5)", NULL},
        /* conics with impossible numbers, offsets with a ref_direction that is zero
         * or along the basis tangent (a direction in the circle's plane is the
         * tangent somewhere) */
        {"hyperbola_negative_axis", cyl, "#9=", "#9=HYPERBOLA('',#8,-5.,2.)", "semi axes"},
        {"hyperbola_zero_imag_axis", cyl, "#9=", "#9=HYPERBOLA('',#8,5.,0.)", "semi axes"},
        {"parabola_zero_focal", cyl, "#9=", "#9=PARABOLA('',#8,0.)", "focal distance"},
        {"offset_ref_in_plane", cyl, "#9=", "#9=OFFSET_CURVE_3D('',#9072,1.,.F.,#7);#9072=CIRCLE('',#8,4.)",
         "along the basis tangent"},
        {"offset_ref_zero", cyl, "#9=",
         "#9=OFFSET_CURVE_3D('',#9072,1.,.F.,#9073);#9072=CIRCLE('',#8,4.);#9073=DIRECTION('',(0.,0.,0.))",
         "ref_direction missing or zero"},
        {"offset_of_itself", cyl, "#9=", "#9=OFFSET_CURVE_3D('',#9,1.,.F.,#38)", "OFFSET_CURVE_3D unreadable"},
        {"offset_of_line_along_ref", box, "#20=", "#20=OFFSET_CURVE_3D('',#9074,0.,.F.,#17);#9074=LINE('',#19,#18)",
         "along the basis tangent"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char *t = step_patch(v[i].base, v[i].prefix, v[i].line);
        CHECK_MSG(t != NULL, "%s: patch target missing", v[i].name);
        if (!t) continue;
        CHECK_MSG(reported(v[i].name, t, v[i].want), "%s: nothing reported", v[i].name);
        free(t);
    }
    free(box);
    free(cyl);
    return test_finish("brep_corrupt");
}
