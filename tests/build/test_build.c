/* test_build.c - every builder against hand-derived volumes and areas:
 *   1. the exact B-rep values (quadrature over the faces) within 1e-9 relative;
 *   2. the written STEP file re-read (p21 parse + reference check + brep reader),
 *      tessellated, and its mesh volume/area within the deflection's bound,
 *      watertight with the expected genus.
 * Expected values are closed-form formulas written out below (not from the code). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "steplm/brep_write.h"
#include "steplm/build.h"
#include "steplm/mesh.h"
#include "steplm/p21.h"
#include "steplm/tess.h"
#include "test.h"

/* scratch files go to $TMPDIR (default /tmp), not into a build tree */
static const char *tmpdir(void) {
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}
#include "build/golden.h"


static brep *read_back(const char *path, sl_err *err) {
    p21_doc *doc = NULL;
    if (p21_doc_read_file(path, NULL, &doc, err) != SL_OK) { p21_doc_free(doc); return NULL; }
    size_t n_ref_errors = p21_doc_check_refs(doc);
    CHECK_MSG(n_ref_errors == 0, "%s: %zu reference errors", path, n_ref_errors);
    brep *b = NULL;
    brep_from_p21(doc, &b, err);
    p21_doc_free(doc);
    return b;
}

static void check_golden(const expect *g) {
    char spec[256], out[256];
    snprintf(spec, sizeof spec, "tests/build/specs/%s.json", g->spec);
    snprintf(out, sizeof out, "%s/steplm-tb-%s-%d.step", tmpdir(), g->spec, (int)getpid());
    char *text;
    size_t n;
    sl_err err = {0};
    CHECK(sl_file_read(spec, &text, &n, 0, &err) == SL_OK);
    build_model m;
    sl_status st = build_model_from_json(text, n, &m, &err);
    free(text);
    CHECK_MSG(st == SL_OK, "%s: %s", g->spec, err.msg);
    if (st) return;
    double V = 0, A = 0;
    long genus = 0;
    brep_write_part parts[8] = {{0}};
    for (size_t i = 0; i < m.n_parts && i < 8; i++) {
        build_check_report r;
        CHECK(build_check_solid(m.b, m.parts[i].solid, &r, &err) == SL_OK);
        V += r.volume_mm3;
        A += r.area_mm2;
        genus += r.genus;
        parts[i].solid = m.parts[i].solid;
        parts[i].name = m.parts[i].name;
        parts[i].has_placement = m.parts[i].has_placement;
        parts[i].placement = m.parts[i].placement;
    }
    CHECK_REL(V, g->volume, 1e-9);
    if (g->area > 0) CHECK_REL(A, g->area, 1e-9);
    CHECK_EQ_INT(genus, g->genus);
    brep_write_opts wo = {0};
    wo.assembly = m.assembly[0] ? m.assembly : NULL;
    CHECK(brep_write_step_file(m.b, parts, m.n_parts, &wo, out, &err) == SL_OK);
    build_model_release(&m);
    /* re-read and tessellate */
    brep *b = read_back(out, &err);
    CHECK_MSG(b != NULL, "%s: re-read failed: %s", g->spec, err.msg);
    if (b) {
        /* deflection as `steplm props` picks it: 0.001 x the bounding-box diagonal
         * (from a coarse first pass) */
        tess_opts to;
        tess_opts_default(&to);
        to.deflection_mm = 0.1;
        mesh me;
        mesh_init(&me);
        tess_report rep = {0};
        CHECK(tess_brep(b, &to, &me, NULL, &rep) == SL_OK);
        mesh_props p0;
        mesh_compute_props(&me, &p0);
        double dx = p0.bbox_mm[3] - p0.bbox_mm[0], dy = p0.bbox_mm[4] - p0.bbox_mm[1], dz = p0.bbox_mm[5] - p0.bbox_mm[2];
        double defl = 0.001 * sqrt(dx * dx + dy * dy + dz * dz);
        mesh_release(&me);
        mesh_init(&me);
        to.deflection_mm = defl;
        memset(&rep, 0, sizeof rep);
        CHECK(tess_brep(b, &to, &me, NULL, &rep) == SL_OK);
        CHECK_MSG(rep.n_faces_failed == 0, "%s: %zu faces not meshed: %s", g->spec, rep.n_faces_failed, rep.first_failure);
        mesh_props p;
        mesh_compute_props(&me, &p);
        /* chords lie inside convex and outside concave curved surfaces by at most the
         * deflection: |dV| <= defl * area; area changes by at most ~2 defl / r_min */
        CHECK_NEAR(p.volume_mm3, g->volume, defl * A);
        if (g->area > 0) CHECK_NEAR(p.area_mm2, g->area, g->r_min > 0 ? 2 * defl / g->r_min * A : 1e-6 * A);
        CHECK_MSG(p.watertight, "%s: mesh not watertight (%zu boundary edges)", g->spec, p.n_boundary_edges);
        CHECK_EQ_INT(p.genus, g->genus);
        mesh_release(&me);
        brep_free(b);
    }
    unlink(out);
}

/* Primitives directly through the API: exact values and checks. */
static void check_primitives(void) {
    brep *b = brep_new();
    sl_err err = {0};
    uint32_t s;
    build_check_report r;
    struct { const char *name; sl_status st; double V, A; long genus; } c[9];
    int k = 0;
    c[k].name = "box"; c[k].st = build_box(b, NULL, 10, 20, 30, &s, &err);
    c[k].V = 6000; c[k].A = 2 * (200 + 300 + 600); c[k].genus = 0;
    if (!c[k].st) { CHECK(build_check_solid(b, s, &r, &err) == SL_OK); CHECK_REL(r.volume_mm3, c[k].V, 1e-9); CHECK_REL(r.area_mm2, c[k].A, 1e-9); CHECK_EQ_INT(r.n_faces, 6); } k++;
    c[k].st = build_cylinder(b, NULL, 5, 10, &s, &err);
    CHECK(!c[k].st && build_check_solid(b, s, &r, &err) == SL_OK);
    CHECK_REL(r.volume_mm3, PI * 25 * 10, 1e-9); CHECK_REL(r.area_mm2, 2 * PI * 25 + 2 * PI * 5 * 10, 1e-9);
    CHECK_EQ_INT(r.n_faces, 3); CHECK_EQ_INT(r.n_edges, 3); CHECK_EQ_INT(r.n_verts, 2);
    c[k].st = build_sphere(b, NULL, 5, &s, &err);
    CHECK(!c[k].st && build_check_solid(b, s, &r, &err) == SL_OK);
    CHECK_REL(r.volume_mm3, 4.0 / 3 * PI * 125, 1e-9); CHECK_REL(r.area_mm2, 4 * PI * 25, 1e-9);
    CHECK_EQ_INT(r.genus, 0);
    c[k].st = build_torus(b, NULL, 10, 3, &s, &err);
    CHECK(!c[k].st && build_check_solid(b, s, &r, &err) == SL_OK);
    CHECK_REL(r.volume_mm3, 2 * PI * PI * 10 * 9, 1e-9); CHECK_REL(r.area_mm2, 4 * PI * PI * 10 * 3, 1e-9);
    CHECK_EQ_INT(r.genus, 1);
    c[k].st = build_cone(b, NULL, 5, 0, 10, &s, &err);
    CHECK(!c[k].st && build_check_solid(b, s, &r, &err) == SL_OK);
    CHECK_REL(r.volume_mm3, PI * 25 * 10 / 3, 1e-9); CHECK_REL(r.area_mm2, PI * 25 + PI * 5 * sqrt(125), 1e-9);
    c[k].st = build_cone(b, NULL, 5, 3, 10, &s, &err);
    CHECK(!c[k].st && build_check_solid(b, s, &r, &err) == SL_OK);
    CHECK_REL(r.volume_mm3, PI * 10 / 3 * (25 + 15 + 9), 1e-9);
    CHECK_REL(r.area_mm2, PI * 25 + PI * 9 + PI * 8 * sqrt(104), 1e-9);
    c[k].st = build_wedge(b, NULL, 10, 5, 4, 0, &s, &err);
    CHECK(!c[k].st && build_check_solid(b, s, &r, &err) == SL_OK);
    CHECK_REL(r.volume_mm3, 100, 1e-9); CHECK_REL(r.area_mm2, 2 * 20 + 10 * 5 + 4 * 5 + sqrt(116) * 5, 1e-9);
    c[k].st = build_prism(b, NULL, 6, 5, 10, &s, &err);
    CHECK(!c[k].st && build_check_solid(b, s, &r, &err) == SL_OK);
    CHECK_REL(r.volume_mm3, 1.5 * sqrt(3) * 25 * 10, 1e-9);
    /* placed primitive: a rigid transform keeps volume and area */
    geom_frame f = geom_frame_make(v3(3, -4, 7), v3(1, 1, 1), v3(1, -1, 0));
    c[k].st = build_cylinder(b, &f, 5, 10, &s, &err);
    uint32_t t;
    geom_xform x;
    build_xform_rotate(&x, v3(1, 2, 3), v3(0.3, -1, 2), 1.234);
    CHECK(!c[k].st && build_transform(b, s, &x, &t, &err) == SL_OK);
    CHECK(build_check_solid(b, t, &r, &err) == SL_OK);
    CHECK_REL(r.volume_mm3, PI * 25 * 10, 1e-9);
    brep_free(b);
}

/* Profiles with arcs through the API: 3-point arcs, revolves of off-axis arcs (torus
 * faces, full and partial), a cone band from a cap chamfer. Pappus for the solids of
 * revolution: V = 2 pi * (first moment of the section about the axis). */
static void check_arcs(void) {
    brep *b = brep_new();
    sl_err err = {0};
    uint32_t s;
    build_check_report r;
    /* D: line (0,0)-(20,0), arc through (10,10) back to (0,0): half disk r 10, h 5 */
    build_profile *p = build_profile_new(NULL);
    build_profile_move_to(p, 0, 0, &err);
    build_profile_line_to(p, 20, 0, &err);
    CHECK(build_profile_arc3_to(p, 10, 10, 0, 0, &err) == SL_OK);
    CHECK(build_extrude(b, p, 5, 0, &s, &err) == SL_OK);
    CHECK(build_check_solid(b, s, &r, &err) == SL_OK);
    CHECK_REL(r.volume_mm3, 50 * PI * 5, 1e-9);
    CHECK_REL(r.area_mm2, 2 * 50 * PI + 5 * (20 + 10 * PI), 1e-9);
    build_profile_free(p);
    /* disk of radius 20, thickness 10, outer corners rounded r 3, revolved about x = 0:
     * section 20x10 minus two spandrels ((1 - pi/4) 9 each, centroid at
     * x = 17 + 3 / (6 (1 - pi/4)), i.e. first moment (1 - pi/4) 9 * 17 + 27 / 6) */
    double moment = 10 * 20 * 20 / 2.0 - 2 * ((1 - PI / 4) * 9 * 17 + 27.0 / 6);
    for (int part = 0; part < 2; part++) {
        geom_frame xz = geom_frame_make(v3(0, 0, 0), v3(0, -1, 0), v3(1, 0, 0));
        p = build_profile_new(&xz);
        build_profile_move_to(p, 0, 0, &err);
        build_profile_line_to(p, 17, 0, &err);
        build_profile_arc_to(p, 20, 3, 17, 3, 1, &err);
        build_profile_line_to(p, 20, 7, &err);
        build_profile_arc_to(p, 17, 10, 17, 7, 1, &err);
        build_profile_line_to(p, 0, 10, &err);
        build_profile_close(p, &err);
        double ang = part ? PI / 2 : 2 * PI;
        CHECK(build_revolve(b, p, 0, 0, 0, 1, ang, &s, &err) == SL_OK);
        CHECK(build_check_solid(b, s, &r, &err) == SL_OK);
        CHECK_REL(r.volume_mm3, ang * moment, 1e-9);
        CHECK_EQ_INT(r.genus, 0);
        build_profile_free(p);
    }
    /* cylinder r 10 h 10, top rim chamfered 2: removes a triangle (area 2) whose
     * centroid is at radius 10 - 2/3 */
    p = build_profile_new(NULL);
    build_profile_circle(p, 0, 0, 10, &err);
    CHECK(build_extrude_ex(b, p, 10, 0, BUILD_EDGE_CHAMFER, 2, BUILD_EDGE_SHARP, 0, &s, &err) == SL_OK);
    CHECK(build_check_solid(b, s, &r, &err) == SL_OK);
    CHECK_REL(r.volume_mm3, PI * 1000 - 2 * PI * (10 - 2.0 / 3) * 2, 1e-9);
    CHECK_REL(r.area_mm2, PI * 64 + PI * 100 + 2 * PI * 10 * 8 + PI * (10 + 8) * sqrt(8), 1e-9);
    /* too large: chamfer eats the height; fillet on an arc of radius < 2 r */
    CHECK(build_extrude_ex(b, p, 10, 0, BUILD_EDGE_CHAMFER, 6, BUILD_EDGE_CHAMFER, 6, &s, &err) == SL_ERR_INVALID);
    CHECK(build_extrude_ex(b, p, 10, 0, BUILD_EDGE_FILLET, 6, BUILD_EDGE_SHARP, 0, &s, &err) == SL_ERR_INVALID);
    build_profile_free(p);
    /* ellipse 4 x 2 centred 20 from the axis, revolved: a surface of revolution of a
     * closed curve (Pappus: V = 2 pi 20 pi a b). Exact values here; its mesh (v periodic
     * along the profile) is checked in tests/brep/test_brep_apex.c; OpenCASCADE reads it
     * as a valid solid with V = 3158.2734 (checked by hand). */
    geom_frame xz = geom_frame_make(v3(0, 0, 0), v3(0, -1, 0), v3(1, 0, 0));
    p = build_profile_new(&xz);
    build_profile_ellipse(p, 20, 0, 4, 2, 0, &err);
    CHECK(build_revolve(b, p, 0, 0, 0, 1, 2 * PI, &s, &err) == SL_OK);
    CHECK(build_check_solid(b, s, &r, &err) == SL_OK);
    CHECK_REL(r.volume_mm3, 2 * PI * 20 * PI * 8, 1e-9);
    CHECK_EQ_INT(r.genus, 1);
    build_profile_free(p);
    brep_free(b);
}

/* API errors that must be reported, not built. */
static void check_invalid(void) {
    sl_err err = {0};
    build_profile *p = build_profile_new(NULL);
    double bow[10] = {0, 0, 10, 0, 10, 10, 4, -3, 0, 10};   /* (10,10)-(4,-3) crosses the base */
    build_profile_polygon(p, bow, 5, &err);
    CHECK(build_profile_check(p, &err) == SL_ERR_INVALID);
    CHECK(strstr(err.msg, "intersects itself") != NULL);
    build_profile_free(p);
    p = build_profile_new(NULL);
    build_profile_rect(p, 0, 0, 10, 10, &err);
    build_profile_circle(p, 20, 5, 2, &err);
    CHECK(build_profile_check(p, &err) == SL_ERR_INVALID);
    CHECK(strstr(err.msg, "outside the outer loop") != NULL);
    build_profile_free(p);
    p = build_profile_new(NULL);
    build_profile_rect(p, 0, 0, 10, 4, &err);
    CHECK(build_profile_fillet(p, -1, 2.5, &err) == SL_ERR_INVALID);
    CHECK(strstr(err.msg, "too large") != NULL);
    build_profile_free(p);
    /* revolve across the axis */
    p = build_profile_new(NULL);
    build_profile_rect(p, -1, 0, 5, 5, &err);
    brep *b = brep_new();
    uint32_t s;
    CHECK(build_revolve(b, p, 0, 0, 0, 1, PI, &s, &err) == SL_ERR_INVALID);
    build_profile_free(p);
    /* a flipped face must fail the checks */
    CHECK(build_box(b, NULL, 1, 2, 3, &s, &err) == SL_OK);
    b->faces[b->shells[b->solids[s].first_shell].first_face].reversed ^= 1;
    CHECK(build_check_solid(b, s, NULL, &err) == SL_ERR_INVALID);
    brep_free(b);
}

int main(void) {
    check_primitives();
    check_invalid();
    check_arcs();
    expect golden[N_GOLDEN_MAX];
    size_t n_golden = golden_get(golden);
    CHECK(n_golden == 18);
    for (size_t i = 0; i < n_golden; i++) check_golden(&golden[i]);
    return test_finish("build/test_build");
}
