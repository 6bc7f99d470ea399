/* test_cadapi.c - every function of the Lua CAD API (src/repr/cadapi.lua) builds the
 * solid it should: volumes and areas are derived by hand (closed forms below), and
 * errors name the program line that caused them, also when the kernel finds them. */
#include "test.h"
#include "steplm/cadprog.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

typedef struct built {
    sl_status st;
    sl_err err;
    size_t n_parts;
    double vol, area;
    long genus;
    char assembly[128];
} built;

static built make(const char *src) {
    built r;
    memset(&r, 0, sizeof r);
    sl_buf json;
    sl_buf_init(&json);
    sandbox_limits lim;
    sandbox_limits_default(&lim);
    sandbox_result res;
    r.st = cadprog_run("prog.lua", src, strlen(src), NULL, &lim, &json, &res, &r.err);
    sl_buf_release(&res.output);
    if (!r.st) {
        build_model m;
        r.st = cadprog_build("prog.lua", json.data, json.len, &m, &r.err);
        if (!r.st) {
            r.n_parts = m.n_parts;
            snprintf(r.assembly, sizeof r.assembly, "%s", m.assembly);
            build_check_report rep;
            sl_err e2;
            if (build_check_solid(m.b, m.parts[0].solid, &rep, &e2) == SL_OK) {
                r.genus = rep.genus;
                double mn;
                build_solid_props(m.b, m.parts[0].solid, &r.area, &r.vol, &mn, &e2);
            } else {
                r.st = e2.status ? e2.status : SL_ERR_INVALID;
                r.err = e2;
            }
            build_model_release(&m);
        }
    }
    sl_buf_release(&json);
    return r;
}

/* volume (and area when area >= 0) of the first part, relative tolerance 1e-6 */
static void expect_solid(const char *src, double vol, double area, long genus) {
    built r = make(src);
    CHECK_MSG(r.st == SL_OK, "%s\n -> %s (line %u)", src, r.err.msg, r.err.line);
    if (r.st) return;
    CHECK_REL(r.vol, vol, 1e-6);
    if (area >= 0) CHECK_REL(r.area, area, 1e-6);
    if (genus >= 0) CHECK_EQ_INT(r.genus, genus);
}

/* fails with an error on `line` whose message holds msg */
static void expect_error(const char *src, unsigned line, const char *msg) {
    built r = make(src);
    CHECK_MSG(r.st != SL_OK, "%s\n -> built, expected an error", src);
    CHECK_MSG(r.err.line == line, "%s\n -> line %u, expected %u (%s)", src, r.err.line, line, r.err.msg);
    CHECK_MSG(strstr(r.err.msg, msg) != NULL, "%s\n -> message '%s' lacks '%s'", src, r.err.msg, msg);
}

int main(void) {
    const double pi = M_PI;
    /* primitives */
    expect_solid("part('b', box(10, 20, 30))", 6000, 2200, 0);
    expect_solid("part('c', cyl(5, 10))", 250 * pi, 150 * pi, 0);
    expect_solid("part('k', cone(5, 2, 10))", 130 * pi, pi * 7 * sqrt(109.0) + 29 * pi, 0);
    expect_solid("part('s', sphere(3))", 36 * pi, 36 * pi, 0);
    expect_solid("part('t', torus(10, 2))", 80 * pi * pi, 80 * pi * pi, 1);
    expect_solid("part('w', wedge(10, 20, 30, 4))", 4200, -1, 0);
    expect_solid("part('h', prism(6, 10, 5))", 1.5 * sqrt(3.0) * 100 * 5, -1, 0);
    /* loops: rect, circle, ellipse, slot, poly, ngon, path (line, arc, arc3), fillet, chamfer */
    expect_solid("part('r', extrude(sketch(XY, rect(10, 20, 3, 4)), 5))", 1000, 2 * 200 + 5 * 60, 0);
    expect_solid("part('e', extrude(sketch(XY, ellipse(6, 3, 1, 1, 30)), 2))", 36 * pi, -1, 0);
    expect_solid("part('o', extrude(sketch(XY, slot(0, 0, 10, 0, 2)), 3))", (40 + 4 * pi) * 3, -1, 0);
    expect_solid("part('p', extrude(sketch(XY, poly({{0, 0}, {6, 0}, {0, 4}})), 10))", 120, -1, 0);
    expect_solid("part('n', extrude(sketch(XY, ngon(8, 5)), 1))", 4 * 25 * sin(2 * pi / 8), -1, 0);
    expect_solid("part('hd', extrude(sketch(XY, path(-4, 0):line(4, 0):arc(-4, 0, 0, 0):close()), 2))", 16 * pi, -1, 0);
    expect_solid("part('h3', extrude(sketch(XY, path(-4, 0):line(4, 0):arc3(0, 4, -4, 0):close()), 2))", 16 * pi, -1, 0);
    expect_solid("part('f', extrude(sketch(XY, rect(20, 10):fillet(2)), 1))", 200 - (4 - pi) * 4, -1, 0);
    expect_solid("part('ch', extrude(sketch(XY, rect(20, 10):chamfer(1)), 1))", 200 - 2, -1, 0);
    /* faces with holes, extrude back / symmetric, revolve full and partial */
    expect_solid("part('a', extrude(sketch(XY, circle(5), circle(2), rect(1, 1, 3.5, 0)), 4))", (21 * pi - 1) * 4, -1, 2);
    expect_solid("part('sy', extrude(sketch(XY, rect(2, 2)), 6, 'sym'))", 24, -1, 0);
    expect_solid("part('bk', extrude(sketch(XY, rect(2, 2)), 6, 4))", 40, -1, 0);
    expect_solid("part('rv', revolve(sketch(XZ, rect(2, 10, 6, 5))))", 240 * pi, -1, 1);
    expect_solid("part('rq', revolve(sketch(XZ, rect(2, 10, 6, 5)), 90))", 60 * pi, -1, 0);
    expect_solid("part('sp', extrude(sketch(XY, path(0, 0):line(10, 0):spline({{10, 5}, {0, 5}}, 2):close()), 1))",
                 /* quadratic Bezier (10,0),(10,5),(0,5) closed through (0,0): the triangle under the
                    chord (25) plus the parabolic segment, 2/3 of its control triangle (2/3 x 25) */
                 25 + 50.0 / 3.0, -1, 0);
    /* features: stack, cut (pocket, through), hole (through, blind), subtract, linear, polar */
    expect_solid("part('st', box(20, 20, 10), {stack(cyl(3, 5, at(10, 10, 10)))})", 4000 + 45 * pi, -1, 0);
    expect_solid("part('pk', box(20, 20, 10), {cut(sketch(plane(XY, 10), rect(4, 6, 10, 10)), 3)})", 4000 - 72, -1, 0);
    expect_solid("part('ct', box(20, 20, 10), {cut(sketch(plane(XY, 10), rect(4, 6, 10, 10)))})", 4000 - 240, -1, 1);
    expect_solid("part('ho', box(20, 20, 10), {hole(4, 10, 10, plane(XY, 10))})", 4000 - 40 * pi, -1, 1);
    expect_solid("part('hb', box(20, 20, 10), {hole(4, 10, 10, plane(XY, 10), 5)})", 4000 - 20 * pi, -1, 0);
    expect_solid("part('su', box(20, 20, 10), {subtract(box(4, 4, 2, at(8, 8, 8)))})", 4000 - 32, -1, 0);
    expect_solid("part('li', box(40, 10, 2), {linear(3, {10, 0, 0}, hole(2, 10, 5, plane(XY, 2)))})", 800 - 6 * pi, -1, 3);
    expect_solid("part('po', cyl(20, 2), {polar(6, hole(2, 12, 0, plane(XY, 2)))})", 800 * pi - 12 * pi, -1, 6);
    expect_solid("part('ll', box(40, 30, 2), {linear(2, {0, 10, 0}, linear(3, {10, 0, 0}, hole(2, 10, 10, plane(XY, 2))))})",
                 2400 - 12 * pi, -1, 6);
    /* frames: plane offsets, XZ / YZ sketches, at(), frame() with its own axes */
    expect_solid("part('yz', box(10, 10, 10), {hole(2, 5, 5, plane(YZ, 10))})", 1000 - 10 * pi, -1, 1);
    expect_solid("part('xz', box(10, 10, 10), {hole(2, 5, 5, plane(XZ, 0))})", 1000 - 10 * pi, -1, 1);
    /* frame z = -Z, x = +X: sketch y = z x x = -Y, so sketch (5, -5) is world (5, 5) on the bottom face */
    expect_solid("part('fr', box(10, 10, 10), {hole(2, 5, -5, frame({0, 0, 0}, {0, 0, -1}), 4)})", 1000 - 4 * pi, -1, 0);
    expect_error("part('fr', box(10, 10, 10), {hole(2, 5, 5, frame({0, 0, 0}, {0, 0, -1}), 4)})", 1, "does not lie on");
    expect_solid("part('fc', box(10, 10, 10), {stack(cyl(1, 4, frame({10, 5, 5}, {1, 0, 0}, {0, 1, 0})))})",
                 1000 + 4 * pi, -1, 0);
    expect_error("part('fc', cyl(1, 4, frame({0, 0, 0}, {1, 0, 0})), {})", 1, "parallel");
    /* parts: colour, assembly with placement */
    built r = make("part('a', box(1, 1, 1), {}, {color = {1, 0, 0}})\n"
                   "part('b', box(1, 1, 2), {}, {placement = at(5, 0, 0)})\nassembly('pair')");
    CHECK_MSG(r.st == SL_OK, "assembly: %s", r.err.msg);
    CHECK_EQ_INT(r.n_parts, 2);
    CHECK_STR(r.assembly, "pair");

    /* located errors: from the API (argument checks) ... */
    expect_error("local a = 1\nlocal b = box(-1, 2, 3)\npart('x', b)", 2, "box x must be positive");
    expect_error("part('x', box(1, 1, 1))\nlocal s = sketch(XY, 5)", 2, "must be a loop");
    expect_error("\n\npart('x', 7)", 3, "must be a body");
    expect_error("local c = circle(0)", 1, "circle radius must be positive");
    expect_error("local p = poly({{0, 0}, {1, 1}})", 1, "at least 3 points");
    expect_error("local q = ngon(2.5, 1)", 1, "integer number of sides");
    expect_error("local h = linear(0, {1, 0, 0}, hole(1, 0, 0))", 1, "count must be a positive integer");
    expect_error("local h = polar(3, box(1, 1, 1))", 1, "must be a feature");
    expect_error("local h = cut(rect(1, 1))", 1, "must be a sketch");
    expect_error("local p = plane('AB')", 1, "plane must be XY, XZ or YZ");
    expect_error("local f = frame({0, 0})", 1, "origin must be a list of 3 numbers");
    expect_error("local e = extrude(sketch(XY, rect(1, 1)), 0)", 1, "extrude distance must be positive");
    expect_error("local r = revolve(box(1, 1, 1))", 1, "must be a sketch");
    expect_error("local x = 1", 0, "made no part");
    /* ... and from the kernel, mapped back to the line that made the failing node */
    expect_error("local b = box(20, 20, 10)\nlocal f = {\n  stack(cyl(3, 5, at(19, 10, 10))),\n}\npart('x', b, f)", 3,
                 "strictly inside");
    expect_error("part('x', extrude(sketch(XY,\n  rect(4, 4):fillet(3)), 1))", 2, "fillet");
    /* profile errors name the sketch's line */
    expect_error("local s = 1\npart('x', extrude(sketch(XY, poly({{0, 0}, {10, 0}, {10, 10}, {5, -5}, {0, 10}})), 1))", 2,
                 "intersects itself");
    expect_error("part('x', box(10, 10, 10), {\n  hole(2, 50, 50, plane(XY, 10)),\n})", 2, "");
    /* the three programs of docs/cad-api.md, against their hand-derived volumes and genus */
    static const struct { const char *path; double vol; long genus; } ex[] = {
        {"examples/cad/plate.lua", 80 * 60 * 8 - 4 * pi * 9 * 8 + pi * 144 * 15, 4},
        {"examples/cad/flange.lua", pi * (3600 * 12 + 900 * 18 - 324 * 30 - 8 * 25 * 12), 9},
        {"examples/cad/bracket.lua", (60 * 6 + 39 * 6 + 36 - pi * 9) * 40 - (160 + 16 * pi) * 6 - 2 * pi * 9 * 6, 3},
    };
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        char *src;
        size_t n;
        sl_err e;
        CHECK_MSG(sl_file_read(ex[i].path, &src, &n, 0, &e) == SL_OK, "%s", ex[i].path);
        if (!src) continue;
        expect_solid(src, ex[i].vol, -1, ex[i].genus);
        free(src);
    }
    return test_finish("test_cadapi");
}
