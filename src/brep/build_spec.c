/* build_spec.c - JSON feature trees -> solids (the format is documented in
 * docs/build.md and in `steplm build --help`). Parsing uses cJSON; every error is
 * prefixed with the JSON path of the offending node. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "brep/build_int.h"

typedef struct sctx {
    brep *b;
    sl_err *err;
    char path[256];
    long budget;      /* solids still allowed to be built (patterns multiply work) */
} sctx;

/* Input-driven limits: lengths within +-1e6 mm, at most this many solids built. */
#define SPEC_MAX_ABS 1e6
#define SPEC_MAX_SOLIDS 2000

/* JSON path of the node being read, without a leading dot ("spec" at the root). */
static const char *where(const sctx *c) {
    const char *p = c->path[0] == '.' ? c->path + 1 : c->path;
    return *p ? p : "spec";
}

static sl_status fail(sctx *c, sl_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static sl_status fail(sctx *c, sl_status st, const char *fmt, ...) {
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sl_err_set(c->err, st, "%s: %s", where(c), msg);
}

/* Prefix an error that a builder set with the current path. */
static sl_status located(sctx *c, sl_status st) {
    if (!st) return st;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", c->err ? c->err->msg : "");
    return sl_err_set(c->err, st, "%s: %s", where(c), msg);
}

static size_t push(sctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t push(sctx *c, const char *fmt, ...) {
    size_t n = strlen(c->path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->path + n, sizeof c->path - n, fmt, ap);
    va_end(ap);
    return n;
}
static void pop(sctx *c, size_t n) { c->path[n] = 0; }

static int num(const cJSON *o, const char *k, double *v) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble) || fabs(x->valuedouble) > SPEC_MAX_ABS) return 0;
    *v = x->valuedouble;
    return 1;
}

static sl_status need(sctx *c, const cJSON *o, const char *k, double *v) {
    if (num(o, k, v)) return SL_OK;
    return fail(c, SL_ERR_INVALID, "missing number \"%s\"", k);
}

static int vecn(const cJSON *x, double *v, int n) {
    if (!cJSON_IsArray(x) || cJSON_GetArraySize(x) != n) return 0;
    for (int i = 0; i < n; i++) {
        const cJSON *e = cJSON_GetArrayItem(x, i);
        if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble) || fabs(e->valuedouble) > SPEC_MAX_ABS) return 0;
        v[i] = e->valuedouble;
    }
    return 1;
}

static sl_status need_vec(sctx *c, const cJSON *o, const char *k, double *v, int n) {
    if (vecn(cJSON_GetObjectItemCaseSensitive(o, k), v, n)) return SL_OK;
    return fail(c, SL_ERR_INVALID, "\"%s\" must be an array of %d numbers", k, n);
}

static geom_frame world(void) { return geom_frame_make(v3(0, 0, 0), v3(0, 0, 1), v3(1, 0, 0)); }

/* FRAME: {"origin":[x,y,z], "z":[..], "x":[..]} or "XY" / "XZ" / "YZ" (with
 * "offset" along the normal when given as {"plane":"XY","offset":d}). */
static sl_status frame_of(sctx *c, const cJSON *f, const geom_xform *xf, geom_frame *out) {
    geom_frame fr = world();
    if (f) {
        const cJSON *nm = cJSON_IsString(f) ? f : cJSON_GetObjectItemCaseSensitive(f, "plane");
        if (cJSON_IsString(nm)) {
            const char *s = nm->valuestring;
            if (!strcmp(s, "XY")) fr = geom_frame_make(v3(0, 0, 0), v3(0, 0, 1), v3(1, 0, 0));
            else if (!strcmp(s, "XZ")) fr = geom_frame_make(v3(0, 0, 0), v3(0, -1, 0), v3(1, 0, 0));
            else if (!strcmp(s, "YZ")) fr = geom_frame_make(v3(0, 0, 0), v3(1, 0, 0), v3(0, 1, 0));
            else return fail(c, SL_ERR_INVALID, "unknown plane \"%s\" (XY, XZ, YZ or a frame object)", s);
            double off;
            if (cJSON_IsObject(f) && num(f, "offset", &off)) fr.o = v3_scale(fr.z, off);
        } else if (cJSON_IsObject(f)) {
            double o[3] = {0, 0, 0}, z[3] = {0, 0, 1}, x[3] = {0, 0, 0};
            const cJSON *k;
            if ((k = cJSON_GetObjectItemCaseSensitive(f, "origin")) && !vecn(k, o, 3)) return fail(c, SL_ERR_INVALID, "\"origin\" must be [x, y, z]");
            if ((k = cJSON_GetObjectItemCaseSensitive(f, "z")) && !vecn(k, z, 3)) return fail(c, SL_ERR_INVALID, "\"z\" must be [x, y, z]");
            if ((k = cJSON_GetObjectItemCaseSensitive(f, "x")) && !vecn(k, x, 3)) return fail(c, SL_ERR_INVALID, "\"x\" must be [x, y, z]");
            vec3 Z = v3(z[0], z[1], z[2]), X = v3(x[0], x[1], x[2]);
            if (v3_len(Z) < 1e-12) return fail(c, SL_ERR_INVALID, "frame \"z\" is zero");
            if (v3_len(X) > 0 && v3_len(v3_cross(v3_norm(X), v3_norm(Z))) < 1e-9)
                return fail(c, SL_ERR_INVALID, "frame \"x\" is parallel to \"z\"");
            fr = geom_frame_make(v3(o[0], o[1], o[2]), Z, X);
        } else return fail(c, SL_ERR_INVALID, "a frame must be an object or \"XY\"/\"XZ\"/\"YZ\"");
    }
    *out = xf ? build_frame_apply(xf, &fr) : fr;
    return SL_OK;
}

static sl_status path_loop(sctx *c, build_profile *p, const cJSON *arr) {
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 2) return fail(c, SL_ERR_INVALID, "\"path\" needs a start and segments");
    int i = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, arr) {
        size_t m = push(c, ".path[%d]", i);
        double a[2], b2[2];
        const cJSON *k;
        sl_status st = SL_OK;
        if (i == 0) {
            if (!vecn(cJSON_GetObjectItemCaseSensitive(s, "start"), a, 2)) return fail(c, SL_ERR_INVALID, "the first element must be {\"start\": [x, y]}");
            st = build_profile_move_to(p, a[0], a[1], c->err);
        } else if ((k = cJSON_GetObjectItemCaseSensitive(s, "line"))) {
            if (!vecn(k, a, 2)) return fail(c, SL_ERR_INVALID, "\"line\" must be [x, y] (the end point)");
            st = build_profile_line_to(p, a[0], a[1], c->err);
        } else if ((k = cJSON_GetObjectItemCaseSensitive(s, "arc"))) {
            const cJSON *mid = cJSON_GetObjectItemCaseSensitive(k, "mid");
            if ((st = need_vec(c, k, "to", a, 2))) return st;
            if (mid) {
                if (!vecn(mid, b2, 2)) return fail(c, SL_ERR_INVALID, "\"mid\" must be [x, y]");
                st = build_profile_arc3_to(p, b2[0], b2[1], a[0], a[1], c->err);
            } else {
                if ((st = need_vec(c, k, "center", b2, 2))) return st;
                const cJSON *ccw = cJSON_GetObjectItemCaseSensitive(k, "ccw");
                st = build_profile_arc_to(p, a[0], a[1], b2[0], b2[1], ccw ? cJSON_IsTrue(ccw) : 1, c->err);
            }
        } else if ((k = cJSON_GetObjectItemCaseSensitive(s, "bspline"))) {
            double deg = 3;
            num(k, "degree", &deg);
            const cJSON *pts = cJSON_GetObjectItemCaseSensitive(k, "points");
            const cJSON *kn = cJSON_GetObjectItemCaseSensitive(k, "knots"), *wt = cJSON_GetObjectItemCaseSensitive(k, "weights");
            int n = cJSON_IsArray(pts) ? cJSON_GetArraySize(pts) : 0;
            if (n < 1 || n > 10000) return fail(c, SL_ERR_INVALID, "\"bspline.points\" must hold 1..10000 points [x, y] after the pen");
            double *ctrl = malloc(2 * ((size_t)n + 1) * sizeof *ctrl), *w = NULL, *kv = NULL;
            if (!ctrl) return fail(c, SL_ERR_NOMEM, "out of memory");
            ctrl[0] = p->pen[0]; ctrl[1] = p->pen[1];
            int bad = 0;
            for (int j = 0; j < n; j++) bad |= !vecn(cJSON_GetArrayItem(pts, j), ctrl + 2 * (j + 1), 2);
            int d = (int)deg, nc = n + 1;
            if (wt) {
                w = malloc((size_t)nc * sizeof *w);
                if (!w || cJSON_GetArraySize(wt) != nc) bad = 1;
                for (int j = 0; w && j < nc && !bad; j++) {
                    const cJSON *e = cJSON_GetArrayItem(wt, j);
                    if (!cJSON_IsNumber(e)) bad = 1; else w[j] = e->valuedouble;
                }
            }
            if (kn) {
                kv = malloc((size_t)(nc + d + 1) * sizeof *kv);
                if (!kv || cJSON_GetArraySize(kn) != nc + d + 1) bad = 1;
                for (int j = 0; kv && j < nc + d + 1 && !bad; j++) {
                    const cJSON *e = cJSON_GetArrayItem(kn, j);
                    if (!cJSON_IsNumber(e)) bad = 1; else kv[j] = e->valuedouble;
                }
            }
            if (bad) { free(ctrl); free(w); free(kv); return fail(c, SL_ERR_INVALID, "bad \"bspline\": points [[x,y],...] (the pen is the first control point), optional weights (one per control point incl. the pen) and knots (n_ctrl + degree + 1)"); }
            st = build_profile_bspline_to(p, d, nc, ctrl, w, kv, c->err);
            free(ctrl); free(w); free(kv);
        } else return fail(c, SL_ERR_INVALID, "unknown path element (start, line, arc, bspline)");
        if (st) return located(c, st);
        pop(c, m);
        i++;
    }
    return located(c, build_profile_close(p, c->err));
}

static sl_status sketch_of(sctx *c, const cJSON *sk, const geom_xform *xf, build_profile **out) {
    *out = NULL;
    if (!cJSON_IsObject(sk)) return fail(c, SL_ERR_INVALID, "\"sketch\" must be an object");
    geom_frame fr;
    size_t m = push(c, ".plane");
    sl_status st = frame_of(c, cJSON_GetObjectItemCaseSensitive(sk, "plane"), xf, &fr);
    pop(c, m);
    if (st) return st;
    build_profile *p = build_profile_new(&fr);
    if (!p) return fail(c, SL_ERR_NOMEM, "out of memory");
    const cJSON *loops = cJSON_GetObjectItemCaseSensitive(sk, "loops");
    if (!cJSON_IsArray(loops) || !cJSON_GetArraySize(loops)) { build_profile_free(p); return fail(c, SL_ERR_INVALID, "\"loops\" must be a non-empty array (the first is the outer loop)"); }
    int li = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, loops) {
        size_t m2 = push(c, ".loops[%d]", li);
        const cJSON *k;
        double a[2], b2[2], r;
        if ((k = cJSON_GetObjectItemCaseSensitive(l, "circle"))) {
            if (!(st = need_vec(c, k, "center", a, 2)) && !(st = need(c, k, "r", &r)))
                st = located(c, build_profile_circle(p, a[0], a[1], r, c->err));
        } else if ((k = cJSON_GetObjectItemCaseSensitive(l, "rect"))) {
            if (!(st = need_vec(c, k, "min", a, 2)) && !(st = need_vec(c, k, "max", b2, 2))) {
                if (!(b2[0] > a[0]) || !(b2[1] > a[1])) st = fail(c, SL_ERR_INVALID, "rect: max must exceed min");
                else st = located(c, build_profile_rect(p, a[0], a[1], b2[0], b2[1], c->err));
            }
        } else if ((k = cJSON_GetObjectItemCaseSensitive(l, "polygon"))) {
            int n = cJSON_IsArray(k) ? cJSON_GetArraySize(k) : 0;
            double *xy = n >= 3 && n <= 100000 ? malloc(2 * (size_t)n * sizeof *xy) : NULL;
            if (!xy) st = fail(c, SL_ERR_INVALID, "\"polygon\" must hold 3 or more points [x, y]");
            else {
                int bad = 0;
                for (int j = 0; j < n; j++) bad |= !vecn(cJSON_GetArrayItem(k, j), xy + 2 * j, 2);
                st = bad ? fail(c, SL_ERR_INVALID, "\"polygon\" points must be [x, y]")
                         : located(c, build_profile_polygon(p, xy, (size_t)n, c->err));
            }
            free(xy);
        } else if ((k = cJSON_GetObjectItemCaseSensitive(l, "slot"))) {
            if (!(st = need_vec(c, k, "a", a, 2)) && !(st = need_vec(c, k, "b", b2, 2)) && !(st = need(c, k, "r", &r)))
                st = located(c, build_profile_slot(p, a[0], a[1], b2[0], b2[1], r, c->err));
        } else if ((k = cJSON_GetObjectItemCaseSensitive(l, "ellipse"))) {
            double ea, eb, rot = 0;
            num(k, "rot_deg", &rot);
            if (!(st = need_vec(c, k, "center", a, 2)) && !(st = need(c, k, "a", &ea)) && !(st = need(c, k, "b", &eb)))
                st = located(c, build_profile_ellipse(p, a[0], a[1], ea, eb, rot * M_PI / 180, c->err));
        } else if ((k = cJSON_GetObjectItemCaseSensitive(l, "path"))) {
            st = path_loop(c, p, k);
        } else st = fail(c, SL_ERR_INVALID, "a loop is one of circle, rect, polygon, slot, ellipse, path");
        double fr2;
        if (!st && num(l, "fillet", &fr2)) st = located(c, build_profile_fillet(p, (long)p->n_loops - 1, fr2, c->err));
        if (!st && num(l, "chamfer", &fr2)) st = located(c, build_profile_chamfer(p, (long)p->n_loops - 1, fr2, c->err));
        if (st) { build_profile_free(p); return st; }
        pop(c, m2);
        li++;
    }
    double fr2;
    if (num(sk, "fillet", &fr2)) st = located(c, build_profile_fillet(p, -1, fr2, c->err));
    if (!st && num(sk, "chamfer", &fr2)) st = located(c, build_profile_chamfer(p, -1, fr2, c->err));
    if (!st) st = located(c, build_profile_check(p, c->err));
    if (st) { build_profile_free(p); return st; }
    *out = p;
    return SL_OK;
}

static sl_status body_shape(sctx *c, const cJSON *o, const geom_xform *xf, uint32_t *solid);

/* A body, then its optional "transform": {"translate": [x,y,z]} and/or
 * {"rotate": {"axis": [..], "angle_deg": a, "point": [..]}} (rotation first). */
static sl_status body_of(sctx *c, const cJSON *o, const geom_xform *xf, uint32_t *solid) {
    const cJSON *t = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, "transform") : NULL;
    if (!t) return body_shape(c, o, xf, solid);
    geom_xform x, r;
    geom_xform_identity(&x);
    size_t m = push(c, ".transform");
    const cJSON *rot = cJSON_GetObjectItemCaseSensitive(t, "rotate"), *tr = cJSON_GetObjectItemCaseSensitive(t, "translate");
    double v[3], pnt[3] = {0, 0, 0}, ang = 0;
    if (rot) {
        sl_status st = need_vec(c, rot, "axis", v, 3);
        if (!st) st = need(c, rot, "angle_deg", &ang);
        if (st) return st;
        const cJSON *pp = cJSON_GetObjectItemCaseSensitive(rot, "point");
        if (pp && !vecn(pp, pnt, 3)) return fail(c, SL_ERR_INVALID, "rotate.point must be [x, y, z]");
        if (v3_len(v3(v[0], v[1], v[2])) < 1e-12) return fail(c, SL_ERR_INVALID, "rotate.axis is zero");
        build_xform_rotate(&x, v3(pnt[0], pnt[1], pnt[2]), v3(v[0], v[1], v[2]), ang * M_PI / 180);
    }
    if (tr) {
        if (!vecn(tr, v, 3)) return fail(c, SL_ERR_INVALID, "\"translate\" must be [x, y, z]");
        build_xform_translate(&r, v3(v[0], v[1], v[2]));
        geom_xform y = x;
        geom_xform_mul(&r, &y, &x);
    }
    if (!rot && !tr) return fail(c, SL_ERR_INVALID, "\"transform\" needs \"translate\" and/or \"rotate\"");
    pop(c, m);
    /* local transform first, then the pattern's */
    geom_xform tot;
    if (xf) geom_xform_mul(xf, &x, &tot); else tot = x;
    uint32_t raw;
    sl_status st = body_shape(c, o, NULL, &raw);
    if (st) return st;
    return located(c, build_transform(c->b, raw, &tot, solid, c->err));
}

static sl_status body_shape(sctx *c, const cJSON *o, const geom_xform *xf, uint32_t *solid) {
    if (!cJSON_IsObject(o)) return fail(c, SL_ERR_INVALID, "a body must be an object with \"op\"");
    if (--c->budget < 0) return fail(c, SL_ERR_LIMIT, "more than %d bodies and cuts in one spec", SPEC_MAX_SOLIDS);
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(o, "op");
    if (!cJSON_IsString(op)) return fail(c, SL_ERR_INVALID, "missing \"op\"");
    const char *k = op->valuestring;
    geom_frame fr;
    size_t m = push(c, ".frame");
    sl_status st = frame_of(c, cJSON_GetObjectItemCaseSensitive(o, "frame"), xf, &fr);
    pop(c, m);
    if (st) return st;
    double a, b2, h, v[3];
    if (!strcmp(k, "box")) {
        if ((st = need_vec(c, o, "size", v, 3))) return st;
        return located(c, build_box(c->b, &fr, v[0], v[1], v[2], solid, c->err));
    }
    if (!strcmp(k, "cylinder")) {
        if ((st = need(c, o, "r", &a)) || (st = need(c, o, "h", &h))) return st;
        return located(c, build_cylinder(c->b, &fr, a, h, solid, c->err));
    }
    if (!strcmp(k, "cone")) {
        if ((st = need(c, o, "r1", &a)) || (st = need(c, o, "r2", &b2)) || (st = need(c, o, "h", &h))) return st;
        return located(c, build_cone(c->b, &fr, a, b2, h, solid, c->err));
    }
    if (!strcmp(k, "sphere")) {
        if ((st = need(c, o, "r", &a))) return st;
        return located(c, build_sphere(c->b, &fr, a, solid, c->err));
    }
    if (!strcmp(k, "torus")) {
        if ((st = need(c, o, "R", &a)) || (st = need(c, o, "r", &b2))) return st;
        return located(c, build_torus(c->b, &fr, a, b2, solid, c->err));
    }
    if (!strcmp(k, "wedge")) {
        double lt = 0;
        num(o, "ltx", &lt);
        if ((st = need_vec(c, o, "size", v, 3))) return st;
        return located(c, build_wedge(c->b, &fr, v[0], v[1], v[2], lt, solid, c->err));
    }
    if (!strcmp(k, "prism")) {
        double n;
        if ((st = need(c, o, "n", &n)) || (st = need(c, o, "r", &a)) || (st = need(c, o, "h", &h))) return st;
        return located(c, build_prism(c->b, &fr, (int)n, a, h, solid, c->err));
    }
    if (!strcmp(k, "extrude") || !strcmp(k, "revolve")) {
        build_profile *p;
        m = push(c, ".sketch");
        st = sketch_of(c, cJSON_GetObjectItemCaseSensitive(o, "sketch"), xf, &p);
        pop(c, m);
        if (st) return st;
        if (!strcmp(k, "extrude")) {
            double d = 0, back = 0;
            if ((st = need(c, o, "distance", &d))) { build_profile_free(p); return st; }
            num(o, "distance_back", &back);
            const cJSON *sym = cJSON_GetObjectItemCaseSensitive(o, "symmetric");
            if (cJSON_IsTrue(sym)) { back = 0.5 * d; d = 0.5 * d; }
            double draft = 0;
            if (num(o, "draft_deg", &draft) && draft != 0) {
                if (back != 0 || cJSON_GetObjectItemCaseSensitive(o, "edges")) {
                    build_profile_free(p);
                    return fail(c, SL_ERR_UNSUPPORTED, "a draft angle works with a one-sided extrude without edge treatments");
                }
                st = located(c, build_extrude_draft(c->b, p, d, draft * M_PI / 180, solid, c->err));
                build_profile_free(p);
                return st;
            }
            int kind[2] = {BUILD_EDGE_SHARP, BUILD_EDGE_SHARP};
            double size[2] = {0, 0};
            const cJSON *edges = cJSON_GetObjectItemCaseSensitive(o, "edges");
            for (int e = 0; e < 2 && edges && !st; e++) {
                const cJSON *t = cJSON_GetObjectItemCaseSensitive(edges, e ? "bottom" : "top");
                if (!t) continue;
                if (num(t, "fillet", &size[e])) kind[e] = BUILD_EDGE_FILLET;
                else if (num(t, "chamfer", &size[e])) kind[e] = BUILD_EDGE_CHAMFER;
                else st = fail(c, SL_ERR_INVALID, "edges.%s must be {\"fillet\": r} or {\"chamfer\": d}", e ? "bottom" : "top");
            }
            if (!st) st = located(c, build_extrude_ex(c->b, p, d, back, kind[0], size[0], kind[1], size[1], solid, c->err));
        } else {
            double ax[2] = {0, 0}, dir[2] = {0, 1}, ang = 360;
            const cJSON *axis = cJSON_GetObjectItemCaseSensitive(o, "axis");
            if (axis) {
                const cJSON *t;
                if ((t = cJSON_GetObjectItemCaseSensitive(axis, "point")) && !vecn(t, ax, 2)) st = fail(c, SL_ERR_INVALID, "axis.point must be [x, y] in the sketch");
                if (!st && (t = cJSON_GetObjectItemCaseSensitive(axis, "dir")) && !vecn(t, dir, 2)) st = fail(c, SL_ERR_INVALID, "axis.dir must be [x, y] in the sketch");
            }
            num(o, "angle_deg", &ang);
            if (!st) st = located(c, build_revolve(c->b, p, ax[0], ax[1], dir[0], dir[1], ang * M_PI / 180, solid, c->err));
        }
        build_profile_free(p);
        return st;
    }
    return fail(c, SL_ERR_INVALID, "unknown body op \"%s\" (box, cylinder, cone, sphere, torus, wedge, prism, extrude, revolve)", k);
}

static sl_status feature(sctx *c, const cJSON *o, const geom_xform *xf, uint32_t *cur) {
    if (!cJSON_IsObject(o)) return fail(c, SL_ERR_INVALID, "a feature must be an object with \"op\"");
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(o, "op");
    if (!cJSON_IsString(op)) return fail(c, SL_ERR_INVALID, "missing \"op\"");
    const char *k = op->valuestring;
    sl_status st;
    if (!strcmp(k, "stack")) {
        uint32_t body, res;
        size_t m = push(c, ".body");
        st = body_of(c, cJSON_GetObjectItemCaseSensitive(o, "body"), xf, &body);
        pop(c, m);
        if (st) return st;
        st = located(c, build_stack(c->b, *cur, body, &res, c->err));
        if (!st) *cur = res;
        return st;
    }
    if (!strcmp(k, "subtract")) {
        uint32_t body, res;
        size_t m = push(c, ".body");
        st = body_of(c, cJSON_GetObjectItemCaseSensitive(o, "body"), xf, &body);
        pop(c, m);
        if (st) return st;
        st = located(c, build_subtract(c->b, *cur, body, &res, c->err));
        if (!st) *cur = res;
        return st;
    }
    if (!strcmp(k, "cut")) {
        if (--c->budget < 0) return fail(c, SL_ERR_LIMIT, "more than %d bodies and cuts in one spec", SPEC_MAX_SOLIDS);
        build_profile *p;
        size_t m = push(c, ".sketch");
        st = sketch_of(c, cJSON_GetObjectItemCaseSensitive(o, "sketch"), xf, &p);
        pop(c, m);
        if (st) return st;
        double depth = 0;
        if (!num(o, "depth", &depth) && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "through"))) {
            build_profile_free(p);
            return fail(c, SL_ERR_INVALID, "cut needs \"depth\" (mm) or \"through\": true");
        }
        if (cJSON_GetObjectItemCaseSensitive(o, "depth") && !(depth > 0)) {
            build_profile_free(p);
            return fail(c, SL_ERR_INVALID, "cut depth must be > 0");
        }
        uint32_t res;
        st = located(c, build_cut(c->b, *cur, p, depth, &res, c->err));
        build_profile_free(p);
        if (!st) *cur = res;
        return st;
    }
    if (!strcmp(k, "pattern")) {
        const cJSON *lin = cJSON_GetObjectItemCaseSensitive(o, "linear"), *pol = cJSON_GetObjectItemCaseSensitive(o, "polar");
        const cJSON *feat = cJSON_GetObjectItemCaseSensitive(o, "feature");
        double n;
        const cJSON *spec = lin ? lin : pol;
        if (!spec || !feat) return fail(c, SL_ERR_INVALID, "pattern needs \"linear\" or \"polar\" and a \"feature\"");
        if ((st = need(c, spec, "count", &n))) return st;
        if (n < 1 || n > 1000) return fail(c, SL_ERR_INVALID, "pattern count must be 1..1000");
        double step[3] = {0, 0, 0}, ctr[3] = {0, 0, 0}, ax[3] = {0, 0, 1}, ang = 360;
        if (lin) { if ((st = need_vec(c, lin, "step", step, 3))) return st; }
        else {
            const cJSON *t;
            if ((t = cJSON_GetObjectItemCaseSensitive(pol, "center")) && !vecn(t, ctr, 3)) return fail(c, SL_ERR_INVALID, "polar.center must be [x, y, z]");
            if ((t = cJSON_GetObjectItemCaseSensitive(pol, "axis")) && !vecn(t, ax, 3)) return fail(c, SL_ERR_INVALID, "polar.axis must be [x, y, z]");
            num(pol, "angle_deg", &ang);
        }
        int cnt = (int)n;
        for (int i = 0; i < cnt; i++) {
            geom_xform x, tot;
            if (lin) build_xform_translate(&x, v3(i * step[0], i * step[1], i * step[2]));
            else {
                double full = fabs(ang) >= 360 - 1e-9;
                double a = (full ? ang / cnt : (cnt > 1 ? ang / (cnt - 1) : 0)) * i * M_PI / 180;
                build_xform_rotate(&x, v3(ctr[0], ctr[1], ctr[2]), v3(ax[0], ax[1], ax[2]), a);
            }
            if (xf) geom_xform_mul(xf, &x, &tot); else tot = x;
            size_t m = push(c, ".feature#%d", i);
            st = feature(c, feat, &tot, cur);
            if (st) return st;
            pop(c, m);
        }
        return SL_OK;
    }
    return fail(c, SL_ERR_INVALID, "unknown feature op \"%s\" (stack, cut, subtract, pattern)", k);
}

static sl_status part_of(sctx *c, const cJSON *o, build_model *m) {
    if (!cJSON_IsObject(o)) return fail(c, SL_ERR_INVALID, "a part must be an object");
    uint32_t cur;
    size_t mk = push(c, ".body");
    sl_status st = body_of(c, cJSON_GetObjectItemCaseSensitive(o, "body"), NULL, &cur);
    pop(c, mk);
    if (st) return st;
    const cJSON *fs = cJSON_GetObjectItemCaseSensitive(o, "features");
    if (fs && !cJSON_IsArray(fs)) return fail(c, SL_ERR_INVALID, "\"features\" must be an array");
    int i = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, fs) {
        mk = push(c, ".features[%d]", i++);
        if ((st = feature(c, f, NULL, &cur))) return st;
        pop(c, mk);
    }
    build_check_report rep;
    if ((st = build_check_solid(c->b, cur, &rep, c->err))) return located(c, st);
    build_model_part *np = realloc(m->parts, (m->n_parts + 1) * sizeof *np);
    if (!np) return fail(c, SL_ERR_NOMEM, "out of memory");
    m->parts = np;
    build_model_part *p = &m->parts[m->n_parts++];
    memset(p, 0, sizeof *p);
    p->solid = cur;
    p->check = rep;
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(o, "name");
    snprintf(p->name, sizeof p->name, "%s", cJSON_IsString(nm) ? nm->valuestring : "part");
    const cJSON *col = cJSON_GetObjectItemCaseSensitive(o, "color");
    if (col) {
        if (!vecn(col, p->rgb, 3)) return fail(c, SL_ERR_INVALID, "\"color\" must be [r, g, b] in 0..1");
        p->has_color = 1;
    }
    const cJSON *pl = cJSON_GetObjectItemCaseSensitive(o, "placement");
    if (pl) {
        geom_frame fr;
        mk = push(c, ".placement");
        st = frame_of(c, pl, NULL, &fr);
        pop(c, mk);
        if (st) return st;
        geom_frame w = world();
        geom_xform_from_frames(&w, &fr, &p->placement);
        p->has_placement = 1;
    }
    return SL_OK;
}

void build_model_release(build_model *m) {
    if (!m) return;
    brep_free(m->b);
    free(m->parts);
    memset(m, 0, sizeof *m);
}

sl_status build_model_from_json(const char *json, size_t n, build_model *m, sl_err *err) {
    memset(m, 0, sizeof *m);
    cJSON *root = cJSON_ParseWithLength(json, n);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        size_t off = at && at >= json && at <= json + n ? (size_t)(at - json) : 0;
        size_t line = 1, col = 1;
        for (size_t i = 0; i < off; i++) { if (json[i] == '\n') { line++; col = 1; } else col++; }
        sl_err_set(err, SL_ERR_SYNTAX, "JSON syntax error");
        if (err) { err->line = (uint32_t)line; err->col = (uint32_t)col; }
        return SL_ERR_SYNTAX;
    }
    sctx c = {0};
    c.err = err;
    c.budget = SPEC_MAX_SOLIDS;
    c.b = m->b = brep_new();
    sl_status st = SL_OK;
    if (!c.b) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto out; }
    const cJSON *parts = cJSON_GetObjectItemCaseSensitive(root, "parts");
    if (parts) {
        if (!cJSON_IsArray(parts) || !cJSON_GetArraySize(parts)) { st = fail(&c, SL_ERR_INVALID, "\"parts\" must be a non-empty array"); goto out; }
        int i = 0;
        const cJSON *p;
        cJSON_ArrayForEach(p, parts) {
            snprintf(c.path, sizeof c.path, "parts[%d]", i++);
            if ((st = part_of(&c, p, m))) goto out;
        }
        const cJSON *as = cJSON_GetObjectItemCaseSensitive(root, "assembly");
        snprintf(m->assembly, sizeof m->assembly, "%s", cJSON_IsString(as) ? as->valuestring : (m->n_parts > 1 ? "assembly" : ""));
    } else st = part_of(&c, root, m);
out:
    cJSON_Delete(root);
    if (st) build_model_release(m);
    return st;
}
