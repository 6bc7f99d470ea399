/* test_synth_round.c - diameters and radii that captions state, checked against the
 * round faces of the built part (synth_measure_round, claim keys hole_d, cyl_d,
 * fillet_r, bend_r). Every expected value comes from the hand-written programs below:
 *  - a 40 x 30 x 10 block with corners rounded to 2.5 mm, a 6 mm through hole and an
 *    8 mm boss: one concave full cylinder of radius 3, one convex full cylinder of
 *    radius 4, four convex quarter cylinders of radius 2.5 - and nothing else round;
 *    captions stating those hold, a wrong hole diameter fails with a message that
 *    names the caption, the key and the diameters the part does have, the boss's
 *    diameter is no hole, the hole's radius is no fillet, unknown keys fail;
 *  - the sense comes from the face's orientation: flipping ADVANCED_FACE same_sense of
 *    the hole and of the boss in the STEP text swaps hole and boss;
 *  - a 90-degree pipe bend (annulus of radii 5 and 3 at 20 mm from the axis, revolved):
 *    two toroidal faces, the inner one concave (a bent bore of 6 mm), bend radius 20;
 *  - a family that states its parameter d but drills d - 1 fails in synth_make, at
 *    the caption, without a redraw (the gap this check closes). */
#include "test.h"

#include <stdlib.h>

#include "steplm/brep.h"
#include "steplm/brep_write.h"
#include "steplm/cadprog.h"
#include "steplm/p21.h"
#include "steplm/synth.h"

/* run a one-part program, build it and write STEP into step */
static int make_step(const char *prog, sl_buf *step) {
    sl_err err;
    sl_buf json;
    sl_buf_init(&json);
    sl_status st = cadprog_run("t.lua", prog, strlen(prog), NULL, NULL, &json, NULL, &err);
    build_model m;
    int have = 0;
    if (!st) { st = cadprog_build("t.lua", json.data, json.len, &m, &err); have = !st; }
    if (!st && m.n_parts != 1) st = SL_ERR_INVALID;
    if (!st) {
        brep_write_part wp;
        memset(&wp, 0, sizeof wp);
        wp.solid = m.parts[0].solid;
        wp.name = m.parts[0].name;
        brep_write_opts wo;
        memset(&wo, 0, sizeof wo);
        wo.file_name = "t.step";
        st = brep_write_step(m.b, &wp, 1, &wo, step, &err);
    }
    CHECK_MSG(st == SL_OK, "building '%s': %s (line %u)", prog, err.msg, err.line);
    if (have) build_model_release(&m);
    sl_buf_release(&json);
    return st == SL_OK;
}

/* build a program and measure its STEP text as synth does; 1 when both worked */
static int measure_prog(const char *prog, sl_buf *step, synth_measure *m) {
    sl_err err;
    if (!make_step(prog, step)) return 0;
    sl_status st = synth_measure_step("t.step", step->data, step->len, 0.02, m, &err);
    CHECK_MSG(st == SL_OK, "%s", err.msg);
    return st == SL_OK;
}

static const synth_round *find_round(const synth_measure *m, int kind, double r, int concave) {
    for (size_t i = 0; i < m->n_round; i++)
        if (m->round[i].kind == kind && fabs(m->round[i].r_mm - r) < 1e-9 && m->round[i].concave == concave)
            return &m->round[i];
    return NULL;
}

/* one caption with one claim: text, key, mm, num, unit */
static sl_status check1(const synth_measure *m, const char *text, const char *key, double mm, const char *num,
                        const char *unit, sl_err *err) {
    char js[1024];
    snprintf(js, sizeof js,
             "[{\"level\":\"precise\",\"text\":\"%s\",\"claims\":[{\"key\":\"%s\",\"mm\":%.10g,\"num\":\"%s\",\"unit\":\"%s\"}]}]",
             text, key, mm, num, unit);
    size_t n = 0;
    memset(err, 0, sizeof *err);
    sl_status st = synth_check_claims(js, strlen(js), m, 0.1, &n, err);
    if (!st) CHECK_EQ_INT(n, 1);
    return st;
}

/* the STEP text with same_sense flipped on the face(s) lying on a cylinder of radius r */
static char *flip_cylinder_faces(const char *step, const char *radius_text) {
    char *out = strdup(step);
    char pat[64];
    snprintf(pat, sizeof pat, ",%s);", radius_text);            /* CYLINDRICAL_SURFACE('',#a,3.); */
    for (char *p = strstr(out, "CYLINDRICAL_SURFACE("); p; p = strstr(p + 1, "CYLINDRICAL_SURFACE(")) {
        char *eol = strchr(p, '\n');
        char *hit = strstr(p, pat);
        if (!hit || (eol && hit > eol)) continue;
        char *hash = p;                                          /* "#270=" before it */
        while (hash > out && hash[-1] != '\n') hash--;
        char ref[32];
        snprintf(ref, sizeof ref, ",#%ld,.", strtol(hash + 1, NULL, 10));   /* ...,#270,.F.); */
        for (char *f = strstr(out, "ADVANCED_FACE("); f; f = strstr(f + 1, "ADVANCED_FACE(")) {
            char *fe = strchr(f, '\n');
            char *r = strstr(f, ref);
            if (!r || (fe && r > fe)) continue;
            char *sense = r + strlen(ref);
            *sense = *sense == 'T' ? 'F' : 'T';
        }
    }
    return out;
}

static void test_block(void) {
    const char *prog =
        "part('p', extrude(sketch(XY, rect(40, 30, 20, 15):fillet(2.5)), 10), {\n"
        "  hole(6, 10, 15, plane(XY, 10)),\n"
        "  stack(cyl(4, 5, at(28, 15, 10))),\n"
        "})\n";
    sl_buf step;
    sl_buf_init(&step);
    synth_measure m;
    if (!measure_prog(prog, &step, &m)) { sl_buf_release(&step); return; }
    sl_err err;
    CHECK_EQ_INT(m.genus, 1);
    /* the round faces: exactly the hole, the boss and four rounded corners */
    CHECK_EQ_INT(m.n_round_faces, 6);
    CHECK_EQ_INT(m.n_round, 3);
    CHECK(!m.round_overflow);
    const synth_round *hole = find_round(&m, SYNTH_ROUND_CYL, 3, 1);
    const synth_round *boss = find_round(&m, SYNTH_ROUND_CYL, 4, 0);
    const synth_round *corner = find_round(&m, SYNTH_ROUND_CYL, 2.5, 0);
    CHECK(hole && hole->full && hole->n_faces == 1);
    CHECK(boss && boss->full && boss->n_faces == 1);
    CHECK(corner && !corner->full && corner->n_faces == 4);

    /* hole_d: the hole, in mm and in inches (0.236 in = 5.9944 mm) */
    CHECK(check1(&m, "A block with a 6 mm hole.", "hole_d", 6, "6", "mm", &err) == SL_OK);
    CHECK(check1(&m, "A block with a 0.236 in hole.", "hole_d", 6, "0.236", "in", &err) == SL_OK);
    /* a wrong diameter fails, saying which caption, which key, and what the part has */
    CHECK(check1(&m, "A block with a 7 mm hole.", "hole_d", 7, "7", "mm", &err) != SL_OK);
    CHECK_MSG(strstr(err.msg, "caption 0") && strstr(err.msg, "hole_d = 7 mm") &&
              strstr(err.msg, "no concave cylindrical face") && strstr(err.msg, "(6 mm)") &&
              strstr(err.msg, "A block with a 7 mm hole."), "%s", err.msg);
    /* 0.15 mm off is outside the 0.1 mm tolerance; 0.05 mm is inside */
    CHECK(check1(&m, "A 6.15 mm hole.", "hole_d", 6.15, "6.15", "mm", &err) != SL_OK);
    CHECK(check1(&m, "A 6.05 mm hole.", "hole_d", 6.05, "6.05", "mm", &err) == SL_OK);
    /* the boss is a cylinder of 8 mm, but not a hole */
    CHECK(check1(&m, "A block with an 8 mm hole.", "hole_d", 8, "8", "mm", &err) != SL_OK);
    CHECK_MSG(strstr(err.msg, "(6 mm)") != NULL, "%s", err.msg);
    /* cyl_d: either sense */
    CHECK(check1(&m, "An 8 mm boss.", "cyl_d", 8, "8", "mm", &err) == SL_OK);
    CHECK(check1(&m, "A 6 mm bore.", "cyl_d", 6, "6", "mm", &err) == SL_OK);
    CHECK(check1(&m, "A 9 mm boss.", "cyl_d", 9, "9", "mm", &err) != SL_OK);
    {
        /* the list of what the part has: 5 (the corners), 6 (the hole), 8 (the boss) */
        const char *l = strstr(err.msg, "no cylindrical face of that diameter (");
        char list[64] = "";
        if (l) snprintf(list, sizeof list, "%.*s", (int)strcspn(l, ")"), l);
        CHECK_MSG(strstr(list, "5") && strstr(list, "6") && strstr(list, "8 mm") && !strstr(list, "9"), "%s", err.msg);
    }
    /* fillet_r: the rounded corners; the hole's and the boss's radii are no fillets */
    CHECK(check1(&m, "Corners rounded to 2.5 mm.", "fillet_r", 2.5, "2.5", "mm", &err) == SL_OK);
    CHECK(check1(&m, "Corners rounded to 3 mm.", "fillet_r", 3, "3", "mm", &err) != SL_OK);
    CHECK(check1(&m, "Corners rounded to 4 mm.", "fillet_r", 4, "4", "mm", &err) != SL_OK);
    CHECK_MSG(strstr(err.msg, "(2.5 mm)") != NULL, "%s", err.msg);
    /* bend_r: no torus here */
    CHECK(check1(&m, "Bent to 20 mm.", "bend_r", 20, "20", "mm", &err) != SL_OK);
    CHECK_MSG(strstr(err.msg, "(none)") != NULL, "%s", err.msg);
    /* unknown keys stay errors; a length key with a count unit too */
    CHECK(check1(&m, "A 6 mm hole.", "hole_diameter", 6, "6", "mm", &err) != SL_OK);
    CHECK(strstr(err.msg, "unknown claim key 'hole_diameter'") != NULL);
    CHECK(check1(&m, "A 6 mm hole.", "hole_d", 6, "6", "count", &err) != SL_OK);

    /* counted by key */
    const char *two = "[{\"level\":\"precise\",\"text\":\"A 40 mm block with a 6 mm hole.\",\"claims\":["
                      "{\"key\":\"x\",\"mm\":40,\"num\":\"40\",\"unit\":\"mm\"},"
                      "{\"key\":\"hole_d\",\"mm\":6,\"num\":\"6\",\"unit\":\"mm\"}]}]";
    size_t by_key[SYNTH_N_KEYS] = {0}, n = 0;
    CHECK(synth_check_claims_by_key(two, strlen(two), &m, 0.1, &n, by_key, &err) == SL_OK);
    CHECK_EQ_INT(n, 2);
    int k_hole = -1;
    for (int k = 0; k < SYNTH_N_KEYS; k++)
        if (!strcmp(synth_claim_key(k), "hole_d")) k_hole = k;
    CHECK(k_hole >= 0 && by_key[k_hole] == 1 && by_key[0] == 1);
    CHECK(synth_claim_key(SYNTH_N_KEYS) == NULL);

    /* the sense is the face orientation's: flip same_sense of the hole (radius 3) and of
     * the boss (radius 4) and they swap. Read with the public reader, measured directly
     * (the flipped solid is inside-out there, so it is not meshed). */
    char *flipped = flip_cylinder_faces(step.data, "3.");
    char *both = flip_cylinder_faces(flipped, "4.");
    CHECK(strcmp(flipped, step.data) != 0 && strcmp(both, flipped) != 0);
    p21_doc *doc = NULL;
    brep *b = NULL;
    CHECK(p21_doc_read_mem("flipped.step", both, strlen(both), NULL, &doc, &err) == SL_OK);
    if (doc) CHECK_MSG(brep_from_p21(doc, &b, &err) == SL_OK, "%s", err.msg);
    if (b) {
        synth_measure f;
        memset(&f, 0, sizeof f);
        synth_measure_round(b, &f);
        CHECK_EQ_INT(f.n_round_faces, 6);
        CHECK(find_round(&f, SYNTH_ROUND_CYL, 3, 0) != NULL);       /* the hole now reads as a boss */
        CHECK(find_round(&f, SYNTH_ROUND_CYL, 4, 1) != NULL);       /* the boss as a hole */
        CHECK(find_round(&f, SYNTH_ROUND_CYL, 3, 1) == NULL);
        CHECK(check1(&f, "An 8 mm hole.", "hole_d", 8, "8", "mm", &err) == SL_OK);
        CHECK(check1(&f, "A 6 mm hole.", "hole_d", 6, "6", "mm", &err) != SL_OK);
        brep_free(b);
    }
    if (doc) p21_doc_free(doc);
    free(flipped);
    free(both);
    sl_buf_release(&step);
}

static void test_bend(void) {
    const char *prog = "part('bend', revolve(sketch(XZ, circle(5, 20, 0), circle(3, 20, 0)), 90, {0, 0}, {0, 1}))\n";
    sl_buf step;
    sl_buf_init(&step);
    synth_measure m;
    if (!measure_prog(prog, &step, &m)) { sl_buf_release(&step); return; }
    sl_err err;
    const synth_round *in = find_round(&m, SYNTH_ROUND_TORUS, 3, 1);
    const synth_round *out = find_round(&m, SYNTH_ROUND_TORUS, 5, 0);
    CHECK(in && out && m.n_round == 2);
    if (in && out) {
        CHECK_NEAR(in->axis_r_mm, 20, 1e-9);
        CHECK_NEAR(out->axis_r_mm, 20, 1e-9);
        CHECK(!in->full && !out->full);                 /* 90 degrees of a turn */
    }
    CHECK(check1(&m, "A 6 mm bore.", "hole_d", 6, "6", "mm", &err) == SL_OK);
    CHECK(check1(&m, "A 10 mm bore.", "hole_d", 10, "10", "mm", &err) != SL_OK);
    CHECK(check1(&m, "A 20 mm bend radius.", "bend_r", 20, "20", "mm", &err) == SL_OK);
    CHECK(check1(&m, "A 25 mm bend radius.", "bend_r", 25, "25", "mm", &err) != SL_OK);
    CHECK(check1(&m, "A 6 mm cylinder.", "cyl_d", 6, "6", "mm", &err) != SL_OK);   /* tori are no cylinders */
    sl_buf_release(&step);
}

/* a family that draws a hole diameter d, states it, and drills d - 1 */
static void test_family_misstates(void) {
    synth_opts o;
    synth_opts_default(&o);
    synth_set set;
    sl_err err;
    sl_status st = synth_set_load(&set, "tests/synth/families", "badhole", &err);
    CHECK_MSG(st == SL_OK && set.n == 1, "%s", err.msg);
    if (st) return;
    synth_instance in;
    synth_instance_init(&in);
    CHECK(synth_make(&set, 0, &o, &in, &err) != SL_OK);
    CHECK_MSG(strstr(err.msg, "hole_d") && strstr(err.msg, "no concave cylindrical face"), "%s", err.msg);
    CHECK_EQ_INT(in.redraws, 0);
    synth_instance_release(&in);
    synth_set_release(&set);
}

int main(void) {
    test_block();
    test_bend();
    test_family_misstates();
    return test_finish("test_synth_round");
}
