/* brep_read.c - B-rep from a Part 21 document (AP203 / AP214 / AP242 subset).
 *
 * Stage two of reading STEP (stage one is p21/): entity tables into the index-based
 * B-rep. Geometry and topology are read on demand from the solids down, memoised by
 * #id, so shared edges and vertices stay shared. Lengths are converted to mm with the
 * unit of the representation context that holds the solid.
 *
 * Placement: representations joined by SHAPE_REPRESENTATION_RELATIONSHIP (without a
 * transformation) are one shape; REPRESENTATION_RELATIONSHIP_WITH_TRANSFORMATION
 * (ITEM_DEFINED_TRANSFORMATION: rep_1 placed into rep_2) and MAPPED_ITEM place one
 * shape into another. Every path from a root shape down to a solid is one instance.
 * An edge's PCURVE on the face's surface is kept on the coedge (read_face_pcurve)
 * for the mesher; edges themselves are always 3D.
 * What it does not do: tessellated (AP242) faces, COMPOSITE_CURVE edges (reported,
 * the edge becomes a segment). */
#include "steplm/brep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steplm/p21.h"

/* ---- id map: (id, kind) -> index ------------------------------------------- */
typedef struct idmap { uint64_t *keys; int64_t *vals; size_t cap, n; } idmap;

static uint64_t mix(uint64_t x) {
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL; x ^= x >> 33;
    return x;
}
static int64_t map_get(const idmap *m, uint64_t k) {
    if (!m->cap) return -1;
    size_t i = mix(k) & (m->cap - 1);
    while (m->keys[i]) {
        if (m->keys[i] == k) return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return -1;
}
static int map_put(idmap *m, uint64_t k, int64_t v) {
    if (2 * (m->n + 1) > m->cap) {
        size_t nc = m->cap ? 2 * m->cap : 1024;
        uint64_t *nk = calloc(nc, sizeof *nk);
        int64_t *nv = malloc(nc * sizeof *nv);
        if (!nk || !nv) { free(nk); free(nv); return -1; }
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) {
                size_t j = mix(m->keys[i]) & (nc - 1);
                while (nk[j]) j = (j + 1) & (nc - 1);
                nk[j] = m->keys[i];
                nv[j] = m->vals[i];
            }
        free(m->keys); free(m->vals);
        m->keys = nk; m->vals = nv; m->cap = nc;
    }
    size_t i = mix(k) & (m->cap - 1);
    while (m->keys[i] && m->keys[i] != k) i = (i + 1) & (m->cap - 1);
    if (!m->keys[i]) m->n++;
    m->keys[i] = k;
    m->vals[i] = v;
    return 0;
}
enum { K_VERT = 1, K_EDGE, K_CURVE, K_SURF, K_SOLID, K_PVERT };
#define KEY(id, kind) (((uint64_t)(id) << 3) | (kind))

typedef struct rd {
    const p21_doc *doc;
    brep *b;
    idmap map;
    double scale;       /* mm per length unit of the current representation */
    double ascale;      /* radians per plane angle unit */
    int depth;
    int oom;
} rd;

/* ---- value access ---------------------------------------------------------- */
static const p21_entity *ent(const rd *r, uint64_t id) { return p21_doc_find(r->doc, id); }

static const p21_part *part_of(const rd *r, const p21_entity *e, const char *type) {
    return e ? p21_entity_part(r->doc, e, type) : NULL;
}
static const char *tname(const rd *r, const p21_entity *e) { return p21_entity_type_name(r->doc, e); }

static const p21_value *arg(const p21_part *p, uint32_t i) {
    if (!p || p->args.kind != P21_LIST || i >= p->args.len) return NULL;
    return &p->args.u.items[i];
}
static const p21_value *untyped(const p21_value *v) {
    while (v && v->kind == P21_TYPED) v = p21_typed_arg(v);
    return v;
}
static double areal(const p21_part *p, uint32_t i) {
    const p21_value *v = untyped(arg(p, i));
    return v ? p21_value_real(v) : NAN;
}
static uint64_t aref(const p21_part *p, uint32_t i) {
    const p21_value *v = arg(p, i);
    return v && v->kind == P21_REF ? v->u.ref : 0;
}
static const p21_value *alist(const p21_part *p, uint32_t i) {
    const p21_value *v = arg(p, i);
    return v && v->kind == P21_LIST ? v : NULL;
}
static int abool(const p21_part *p, uint32_t i, int dflt) {
    const p21_value *v = arg(p, i);
    if (!v || v->kind != P21_ENUM || v->len < 1) return dflt;
    return v->u.text[0] == 'T' ? 1 : v->u.text[0] == 'F' ? 0 : dflt;
}
static int aint(const p21_part *p, uint32_t i, int64_t *out) {
    const p21_value *v = untyped(arg(p, i));
    if (!v) return -1;
    if (p21_value_int(v, out) == 0) return 0;
    double d = p21_value_real(v);
    if (isfinite(d) && d == floor(d) && fabs(d) < 1e9) { *out = (int64_t)d; return 0; }
    return -1;
}
/* the part that carries the entity's own attributes: the first (simple) part */
static const p21_part *simple(const rd *r, const p21_entity *e, const char *type) {
    if (!e) return NULL;
    const p21_part *p = part_of(r, e, type);
    return p;
}

/* ---- points, directions, placements ------------------------------------------ */
static int read_point(rd *r, uint64_t id, vec3 *out, int scaled) {
    const p21_entity *e = ent(r, id);
    const p21_part *p = simple(r, e, "CARTESIAN_POINT");
    if (!p) return -1;
    const p21_value *l = alist(p, 1);
    if (!l || l->len < 1) return -1;
    double c[3] = {0, 0, 0};
    for (uint32_t i = 0; i < l->len && i < 3; i++) c[i] = p21_value_real(untyped(&l->u.items[i]));
    if (!isfinite(c[0]) || !isfinite(c[1]) || !isfinite(c[2])) return -1;
    double s = scaled ? r->scale : 1;
    *out = v3(c[0] * s, c[1] * s, c[2] * s);
    return 0;
}

static int read_dir(rd *r, uint64_t id, vec3 *out) {
    const p21_part *p = simple(r, ent(r, id), "DIRECTION");
    if (!p) return -1;
    const p21_value *l = alist(p, 1);
    if (!l || l->len < 1) return -1;
    double c[3] = {0, 0, 0};
    for (uint32_t i = 0; i < l->len && i < 3; i++) c[i] = p21_value_real(untyped(&l->u.items[i]));
    if (!isfinite(c[0]) || !isfinite(c[1]) || !isfinite(c[2])) return -1;
    *out = v3(c[0], c[1], c[2]);
    return v3_len(*out) > 0 ? 0 : -1;
}

static int read_vector(rd *r, uint64_t id, vec3 *out) {
    const p21_part *p = simple(r, ent(r, id), "VECTOR");
    if (!p) {
        if (read_dir(r, id, out) == 0) { *out = v3_norm(*out); return 0; }
        return -1;
    }
    vec3 d;
    if (read_dir(r, aref(p, 1), &d)) return -1;
    double mag = areal(p, 2);
    if (!isfinite(mag)) return -1;
    *out = v3_scale(v3_norm(d), mag * r->scale);
    return 0;
}

static int read_placement(rd *r, uint64_t id, geom_frame *f) {
    const p21_entity *e = ent(r, id);
    const p21_part *p = simple(r, e, "AXIS2_PLACEMENT_3D");
    vec3 o, z = v3(0, 0, 1), x = v3(0, 0, 0);
    if (p) {
        if (read_point(r, aref(p, 1), &o, 1)) return -1;
        if (aref(p, 2) && read_dir(r, aref(p, 2), &z)) return -1;
        if (aref(p, 3) && read_dir(r, aref(p, 3), &x)) return -1;
        if (!aref(p, 3)) {
            /* default ref direction: global x, unless parallel to z */
            x = fabs(v3_norm(z).x) > 1 - 1e-9 ? v3(0, 0, 1) : v3(1, 0, 0);
            if (fabs(v3_norm(z).x) > 1 - 1e-9) x = v3(0, 1, 0);
        }
        *f = geom_frame_make(o, z, x);
        return 0;
    }
    p = simple(r, e, "AXIS1_PLACEMENT");
    if (p) {
        if (read_point(r, aref(p, 1), &o, 1)) return -1;
        if (aref(p, 2) && read_dir(r, aref(p, 2), &z)) return -1;
        *f = geom_frame_make(o, z, v3(0, 0, 0));
        return 0;
    }
    p = simple(r, e, "AXIS2_PLACEMENT_2D");
    if (p) {
        if (read_point(r, aref(p, 1), &o, 1)) return -1;
        if (aref(p, 2) && read_dir(r, aref(p, 2), &x)) return -1;
        *f = geom_frame_make(o, v3(0, 0, 1), aref(p, 2) ? x : v3(1, 0, 0));
        return 0;
    }
    return -1;
}

/* CARTESIAN_TRANSFORMATION_OPERATOR_3D(name, axis1, axis2, origin, scale, axis3) */
static int read_cto(rd *r, uint64_t id, geom_xform *x) {
    const p21_entity *e = ent(r, id);
    const p21_part *p = simple(r, e, "CARTESIAN_TRANSFORMATION_OPERATOR_3D");
    if (!p) p = simple(r, e, "CARTESIAN_TRANSFORMATION_OPERATOR");
    if (!p) return -1;
    uint32_t off = p->args.len >= 6 ? 1 : 0;   /* complex parts carry no name */
    vec3 a1 = v3(1, 0, 0), a2 = v3(0, 1, 0), a3 = v3(0, 0, 1), o;
    if (aref(p, off) && read_dir(r, aref(p, off), &a1)) return -1;
    if (aref(p, off + 1) && read_dir(r, aref(p, off + 1), &a2)) return -1;
    if (read_point(r, aref(p, off + 2), &o, 1)) return -1;
    double s = areal(p, off + 3);
    if (!isfinite(s)) s = 1;
    if (aref(p, off + 4) && read_dir(r, aref(p, off + 4), &a3)) return -1;
    geom_frame f = geom_frame_make(o, a3, a1);
    (void)a2;
    geom_frame id0 = geom_frame_make(v3(0, 0, 0), v3(0, 0, 1), v3(1, 0, 0));
    geom_xform_from_frames(&id0, &f, x);
    for (int i = 0; i < 9; i++) x->r[i] *= s;
    return 0;
}

/* ---- curves ------------------------------------------------------------------- */
static long read_curve(rd *r, uint64_t id);

/* expand multiplicities; returns count or -1 */
static int expand_knots(rd *r, const p21_value *mults, const p21_value *knots, double **out) {
    if (!mults || !knots || mults->len != knots->len || mults->len == 0) return -1;
    int64_t total = 0;
    for (uint32_t i = 0; i < mults->len; i++) {
        int64_t m;
        if (p21_value_int(untyped(&mults->u.items[i]), &m) || m < 1 || m > 64) return -1;
        total += m;
    }
    if (total > 1000000) return -1;
    double *k = brep_alloc(r->b, (size_t)total * sizeof *k);
    if (!k) { r->oom = 1; return -1; }
    int n = 0;
    for (uint32_t i = 0; i < mults->len; i++) {
        int64_t m;
        p21_value_int(untyped(&mults->u.items[i]), &m);
        double kv = p21_value_real(untyped(&knots->u.items[i]));
        for (int64_t j = 0; j < m; j++) k[n++] = kv;
    }
    *out = k;
    return n;
}

/* knots for QUASI_UNIFORM / UNIFORM / BEZIER forms */
static int make_knots(rd *r, const p21_entity *e, int degree, int n_ctrl, double **out) {
    int nk = n_ctrl + degree + 1;
    double *k = brep_alloc(r->b, (size_t)nk * sizeof *k);
    if (!k) { r->oom = 1; return -1; }
    if (part_of(r, e, "UNIFORM_CURVE") || part_of(r, e, "UNIFORM_SURFACE")) {
        for (int i = 0; i < nk; i++) k[i] = i - degree;
    } else if (part_of(r, e, "BEZIER_CURVE") || part_of(r, e, "BEZIER_SURFACE")) {
        int segs = (n_ctrl - 1) / (degree > 0 ? degree : 1);
        int n = 0;
        for (int s = 0; s <= segs && n < nk; s++) {
            int m = (s == 0 || s == segs) ? degree + 1 : degree;
            for (int j = 0; j < m && n < nk; j++) k[n++] = s;
        }
        while (n < nk) k[n++] = segs;
    } else {
        /* quasi-uniform: clamped, uniform inside */
        int inner = n_ctrl - degree;
        for (int i = 0; i < nk; i++) {
            int v = i - degree;
            k[i] = v < 0 ? 0 : v > inner ? inner : v;
        }
    }
    *out = k;
    return nk;
}

static long add_curve(rd *r, uint64_t id, const geom_curve *c) {
    long ci = brep_add_curve(r->b, c);
    if (ci < 0) { r->oom = 1; return -1; }
    if (map_put(&r->map, KEY(id, K_CURVE), ci)) { r->oom = 1; return -1; }
    return ci;
}

static long read_bspline_curve(rd *r, uint64_t id, const p21_entity *e) {
    const p21_part *bc = part_of(r, e, "B_SPLINE_CURVE");
    const p21_part *bk = part_of(r, e, "B_SPLINE_CURVE_WITH_KNOTS");
    const p21_part *base = bc;
    uint32_t off = 0;
    if (!bc) {
        /* simple instance: name, degree, points, form, closed, self, [mults, knots, spec] */
        base = bk ? bk : part_of(r, e, "QUASI_UNIFORM_CURVE");
        if (!base) base = part_of(r, e, "UNIFORM_CURVE");
        if (!base) base = part_of(r, e, "BEZIER_CURVE");
        if (!base) return -1;
        off = 1;
    }
    int64_t deg;
    if (aint(base, off, &deg) || deg < 1 || deg > 25) {
        brep_add_diag(r->b, id, "B-spline curve degree invalid");
        return -1;
    }
    const p21_value *pts = alist(base, off + 1);
    if (!pts || pts->len < 2 || pts->len > 1000000) return -1;
    geom_curve c;
    memset(&c, 0, sizeof c);
    c.kind = GEOM_CURVE_BSPLINE;
    c.bs.degree = (int)deg;
    c.bs.n_ctrl = (int)pts->len;
    c.bs.ctrl = malloc(pts->len * sizeof(vec3));
    if (!c.bs.ctrl) { r->oom = 1; return -1; }
    for (uint32_t i = 0; i < pts->len; i++) {
        const p21_value *v = &pts->u.items[i];
        if (v->kind != P21_REF || read_point(r, v->u.ref, &c.bs.ctrl[i], 1)) {
            brep_add_diag(r->b, id, "B-spline curve control point %u unreadable", i);
            free(c.bs.ctrl);
            return -1;
        }
    }
    int nk;
    if (bk) {
        uint32_t ko = bc ? 0 : 6;
        nk = expand_knots(r, alist(bk, ko), alist(bk, ko + 1), &c.bs.knots);
    } else {
        nk = make_knots(r, e, c.bs.degree, c.bs.n_ctrl, &c.bs.knots);
    }
    if (nk < 0) { free(c.bs.ctrl); brep_add_diag(r->b, id, "B-spline curve knots unreadable"); return -1; }
    c.bs.n_knots = nk;
    const p21_part *rp = part_of(r, e, "RATIONAL_B_SPLINE_CURVE");
    double *w = NULL;
    if (rp) {
        const p21_value *wl = alist(rp, rp->args.len == 1 ? 0 : rp->args.len - 1);
        if (!wl || wl->len != pts->len) { free(c.bs.ctrl); brep_add_diag(r->b, id, "bad weights"); return -1; }
        w = malloc(wl->len * sizeof *w);
        if (!w) { free(c.bs.ctrl); r->oom = 1; return -1; }
        for (uint32_t i = 0; i < wl->len; i++) w[i] = p21_value_real(untyped(&wl->u.items[i]));
        c.bs.weights = w;
        c.bs.rational = 1;
    }
    char why[128];
    long ci = -1;
    if (geom_bspline_check(&c.bs, why, sizeof why)) brep_add_diag(r->b, id, "%s", why);
    else ci = add_curve(r, id, &c);
    free(c.bs.ctrl);
    free(w);
    return ci;
}

static long read_curve(rd *r, uint64_t id) {
    int64_t m = map_get(&r->map, KEY(id, K_CURVE));
    if (m >= 0) return m;
    if (m == -2) return -1;
    const p21_entity *e = ent(r, id);
    if (!e || r->depth > 32) return -1;
    const p21_part *p;
    geom_curve c;
    memset(&c, 0, sizeof c);
    long res = -1;
    r->depth++;
    if ((p = simple(r, e, "LINE"))) {
        vec3 o, d;
        if (!read_point(r, aref(p, 1), &o, 1) && !read_vector(r, aref(p, 2), &d)) {
            c.kind = GEOM_CURVE_LINE;
            c.f.o = o;
            c.f.x = d;
            res = v3_len(d) > 0 ? add_curve(r, id, &c) : -1;
        }
    } else if ((p = simple(r, e, "CIRCLE")) || (p = simple(r, e, "ELLIPSE"))) {
        int ell = !strcmp(tname(r, e), "ELLIPSE") || part_of(r, e, "ELLIPSE");
        geom_frame f;
        double r1 = areal(p, 2) * r->scale, r2 = ell ? areal(p, 3) * r->scale : r1;
        if (!read_placement(r, aref(p, 1), &f) && r1 > 0 && r2 > 0 && isfinite(r1) && isfinite(r2)) {
            c.kind = ell ? GEOM_CURVE_ELLIPSE : GEOM_CURVE_CIRCLE;
            c.f = f; c.r1 = r1; c.r2 = r2;
            res = add_curve(r, id, &c);
        }
    } else if ((p = simple(r, e, "HYPERBOLA")) || (p = simple(r, e, "PARABOLA"))) {
        /* HYPERBOLA(name, position, semi_axis, semi_imag_axis), PARABOLA(name, position,
         * focal_dist); the parameter is dimensionless (no angle unit) */
        int hyp = !strcmp(tname(r, e), "HYPERBOLA") || part_of(r, e, "HYPERBOLA");
        c.kind = hyp ? GEOM_CURVE_HYPERBOLA : GEOM_CURVE_PARABOLA;
        c.r1 = areal(p, 2) * r->scale;
        c.r2 = hyp ? areal(p, 3) * r->scale : 0;
        char why[128];
        if (read_placement(r, aref(p, 1), &c.f)) brep_add_diag(r->b, id, "%s placement unreadable", tname(r, e));
        else if (geom_curve_check(&c, 0, 0, why, sizeof why)) brep_add_diag(r->b, id, "%s", why);
        else res = add_curve(r, id, &c);
    } else if ((p = simple(r, e, "OFFSET_CURVE_3D"))) {
        /* OFFSET_CURVE_3D(name, basis_curve, distance, self_intersect, ref_direction);
         * marked unreadable while its basis is read, so that a cycle ends at once */
        if (map_put(&r->map, KEY(id, K_CURVE), -2)) r->oom = 1;
        long bi = read_curve(r, aref(p, 1));
        vec3 v;
        char why[128];
        if (bi >= 0) {
            c.kind = GEOM_CURVE_OFFSET;
            c.basis = r->b->curves[bi];
            c.offset = areal(p, 2) * r->scale;
            double t0, t1;
            int per;
            geom_curve_range(c.basis, &t0, &t1, &per);
            int ok = !read_dir(r, aref(p, 4), &v);
            if (!ok) brep_add_diag(r->b, id, "offset curve ref_direction missing or zero");
            c.ref = v3_norm(v);
            if (ok && geom_curve_check(&c, t0, t1, why, sizeof why)) { brep_add_diag(r->b, id, "%s", why); ok = 0; }
            if (ok) res = add_curve(r, id, &c);
        }
    } else if (part_of(r, e, "B_SPLINE_CURVE_WITH_KNOTS") || part_of(r, e, "B_SPLINE_CURVE") ||
               part_of(r, e, "QUASI_UNIFORM_CURVE") || part_of(r, e, "BEZIER_CURVE") ||
               part_of(r, e, "UNIFORM_CURVE")) {
        res = read_bspline_curve(r, id, e);
    } else if ((p = simple(r, e, "TRIMMED_CURVE"))) {
        res = read_curve(r, aref(p, 1));
    } else if ((p = simple(r, e, "SURFACE_CURVE")) || (p = simple(r, e, "SEAM_CURVE")) ||
               (p = simple(r, e, "INTERSECTION_CURVE")) || (p = simple(r, e, "BOUNDED_SURFACE_CURVE"))) {
        /* complex instances carry the name in REPRESENTATION_ITEM: 3 arguments */
        res = read_curve(r, aref(p, p->args.len == 3 ? 0 : 1));
    } else if ((p = simple(r, e, "POLYLINE"))) {
        const p21_value *pts = alist(p, 1);
        if (pts && pts->len >= 2 && pts->len < 1000000) {
            c.kind = GEOM_CURVE_BSPLINE;
            c.bs.degree = 1;
            c.bs.n_ctrl = (int)pts->len;
            c.bs.n_knots = c.bs.n_ctrl + 2;
            c.bs.ctrl = malloc(pts->len * sizeof(vec3));
            c.bs.knots = malloc((size_t)c.bs.n_knots * sizeof(double));
            int ok = c.bs.ctrl && c.bs.knots;
            for (uint32_t i = 0; ok && i < pts->len; i++)
                ok = pts->u.items[i].kind == P21_REF && !read_point(r, pts->u.items[i].u.ref, &c.bs.ctrl[i], 1);
            if (ok) {
                c.bs.knots[0] = 0;
                for (int i = 0; i < c.bs.n_ctrl; i++) c.bs.knots[i + 1] = i;
                c.bs.knots[c.bs.n_knots - 1] = c.bs.n_ctrl - 1;
                res = add_curve(r, id, &c);
            }
            free(c.bs.ctrl); free(c.bs.knots);
        }
    } else {
        brep_add_diag(r->b, id, "unsupported curve %s", tname(r, e));
    }
    r->depth--;
    if (res < 0) {
        if (!r->oom) brep_add_diag(r->b, id, "curve %s unreadable (edge becomes a straight segment)", tname(r, e));
        map_put(&r->map, KEY(id, K_CURVE), -2);
    }
    return res;
}

/* ---- surfaces ----------------------------------------------------------------- */
static long add_surf(rd *r, uint64_t id, const geom_surf *s) {
    long si = brep_add_surf(r->b, s);
    if (si < 0) { r->oom = 1; return -1; }
    if (map_put(&r->map, KEY(id, K_SURF), si)) { r->oom = 1; return -1; }
    return si;
}

static long read_bspline_surf(rd *r, uint64_t id, const p21_entity *e) {
    const p21_part *bs = part_of(r, e, "B_SPLINE_SURFACE");
    const p21_part *bk = part_of(r, e, "B_SPLINE_SURFACE_WITH_KNOTS");
    const p21_part *base = bs;
    uint32_t off = 0;
    if (!bs) {
        base = bk ? bk : part_of(r, e, "QUASI_UNIFORM_SURFACE");
        if (!base) base = part_of(r, e, "UNIFORM_SURFACE");
        if (!base) base = part_of(r, e, "BEZIER_SURFACE");
        if (!base) return -1;
        off = 1;
    }
    int64_t du, dv;
    if (aint(base, off, &du) || aint(base, off + 1, &dv) || du < 1 || dv < 1 || du > 25 || dv > 25) {
        brep_add_diag(r->b, id, "B-spline surface degree invalid");
        return -1;
    }
    const p21_value *rows = alist(base, off + 2);
    if (!rows || rows->len < 2 || rows->len > 100000) return -1;
    uint32_t nv = 0;
    for (uint32_t i = 0; i < rows->len; i++) {
        const p21_value *row = &rows->u.items[i];
        if (row->kind != P21_LIST || (i && row->len != nv) || row->len < 2) {
            brep_add_diag(r->b, id, "B-spline surface control net is not rectangular");
            return -1;
        }
        nv = row->len;
    }
    size_t nc = (size_t)rows->len * nv;
    if (nc > 4000000) return -1;
    geom_surf s;
    memset(&s, 0, sizeof s);
    s.kind = GEOM_SURF_BSPLINE;
    s.bs.deg_u = (int)du; s.bs.deg_v = (int)dv;
    s.bs.n_u = (int)rows->len; s.bs.n_v = (int)nv;
    s.bs.ctrl = malloc(nc * sizeof(vec3));
    double *w = NULL;
    long res = -1;
    if (!s.bs.ctrl) { r->oom = 1; return -1; }
    for (uint32_t i = 0; i < rows->len; i++)
        for (uint32_t j = 0; j < nv; j++) {
            const p21_value *v = &rows->u.items[i].u.items[j];
            if (v->kind != P21_REF || read_point(r, v->u.ref, &s.bs.ctrl[(size_t)i * nv + j], 1)) {
                brep_add_diag(r->b, id, "B-spline surface control point unreadable");
                goto out;
            }
        }
    int nku, nkv;
    if (bk) {
        uint32_t ko = bs ? 0 : 8;
        nku = expand_knots(r, alist(bk, ko), alist(bk, ko + 2), &s.bs.knots_u);
        nkv = expand_knots(r, alist(bk, ko + 1), alist(bk, ko + 3), &s.bs.knots_v);
    } else {
        nku = make_knots(r, e, s.bs.deg_u, s.bs.n_u, &s.bs.knots_u);
        nkv = make_knots(r, e, s.bs.deg_v, s.bs.n_v, &s.bs.knots_v);
    }
    if (nku < 0 || nkv < 0) { brep_add_diag(r->b, id, "B-spline surface knots unreadable"); goto out; }
    s.bs.n_knots_u = nku; s.bs.n_knots_v = nkv;
    const p21_part *rp = part_of(r, e, "RATIONAL_B_SPLINE_SURFACE");
    if (rp) {
        const p21_value *wl = alist(rp, rp->args.len == 1 ? 0 : rp->args.len - 1);
        if (!wl || wl->len != rows->len) { brep_add_diag(r->b, id, "bad surface weights"); goto out; }
        w = malloc(nc * sizeof *w);
        if (!w) { r->oom = 1; goto out; }
        for (uint32_t i = 0; i < wl->len; i++) {
            const p21_value *row = &wl->u.items[i];
            if (row->kind != P21_LIST || row->len != nv) { brep_add_diag(r->b, id, "bad surface weights"); goto out; }
            for (uint32_t j = 0; j < nv; j++) w[(size_t)i * nv + j] = p21_value_real(untyped(&row->u.items[j]));
        }
        s.bs.weights = w;
        s.bs.rational = 1;
    }
    /* check both directions with the curve validator on a row / column view */
    {
        char why[128];
        geom_bspline cu = {s.bs.deg_u, s.bs.n_u, 0, s.bs.ctrl, NULL, s.bs.n_knots_u, s.bs.knots_u};
        geom_bspline cv = {s.bs.deg_v, s.bs.n_v, 0, s.bs.ctrl, NULL, s.bs.n_knots_v, s.bs.knots_v};
        int bad = geom_bspline_check(&cu, why, sizeof why) || geom_bspline_check(&cv, why, sizeof why);
        for (size_t i = 0; !bad && i < nc; i++) {
            vec3 q = s.bs.ctrl[i];
            if (!isfinite(q.x) || !isfinite(q.y) || !isfinite(q.z)) { bad = 1; snprintf(why, sizeof why, "control point not finite"); }
            if (w && !(w[i] > 0 && isfinite(w[i]))) { bad = 1; snprintf(why, sizeof why, "weight not positive"); }
        }
        if (bad) { brep_add_diag(r->b, id, "B-spline surface: %s", why); goto out; }
    }
    res = add_surf(r, id, &s);
out:
    free(s.bs.ctrl);
    free(w);
    return res;
}

static long read_surf(rd *r, uint64_t id) {
    int64_t m = map_get(&r->map, KEY(id, K_SURF));
    if (m >= 0) return m;
    if (m == -2) return -1;
    const p21_entity *e = ent(r, id);
    if (!e || r->depth > 32) return -1;
    const p21_part *p;
    geom_surf s;
    memset(&s, 0, sizeof s);
    long res = -1;
    r->depth++;
    if ((p = simple(r, e, "PLANE"))) {
        if (!read_placement(r, aref(p, 1), &s.f)) { s.kind = GEOM_SURF_PLANE; res = add_surf(r, id, &s); }
    } else if ((p = simple(r, e, "CYLINDRICAL_SURFACE"))) {
        s.r1 = areal(p, 2) * r->scale;
        if (!read_placement(r, aref(p, 1), &s.f) && s.r1 > 0 && isfinite(s.r1)) {
            s.kind = GEOM_SURF_CYLINDER; res = add_surf(r, id, &s);
        }
    } else if ((p = simple(r, e, "CONICAL_SURFACE"))) {
        s.r1 = areal(p, 2) * r->scale;
        s.r2 = areal(p, 3) * r->ascale;
        if (!read_placement(r, aref(p, 1), &s.f) && s.r1 >= 0 && isfinite(s.r1) && s.r2 > 0 && s.r2 < M_PI / 2) {
            s.kind = GEOM_SURF_CONE; res = add_surf(r, id, &s);
        }
    } else if ((p = simple(r, e, "SPHERICAL_SURFACE"))) {
        s.r1 = areal(p, 2) * r->scale;
        if (!read_placement(r, aref(p, 1), &s.f) && s.r1 > 0 && isfinite(s.r1)) {
            s.kind = GEOM_SURF_SPHERE; res = add_surf(r, id, &s);
        }
    } else if ((p = simple(r, e, "TOROIDAL_SURFACE")) || (p = simple(r, e, "DEGENERATE_TOROIDAL_SURFACE"))) {
        s.r1 = areal(p, 2) * r->scale;
        s.r2 = areal(p, 3) * r->scale;
        if (!read_placement(r, aref(p, 1), &s.f) && s.r2 > 0 && isfinite(s.r1) && isfinite(s.r2)) {
            s.kind = GEOM_SURF_TORUS; res = add_surf(r, id, &s);
        }
    } else if (part_of(r, e, "B_SPLINE_SURFACE_WITH_KNOTS") || part_of(r, e, "B_SPLINE_SURFACE") ||
               part_of(r, e, "QUASI_UNIFORM_SURFACE") || part_of(r, e, "BEZIER_SURFACE") ||
               part_of(r, e, "UNIFORM_SURFACE")) {
        res = read_bspline_surf(r, id, e);
    } else if ((p = simple(r, e, "SURFACE_OF_REVOLUTION"))) {
        long ci = read_curve(r, aref(p, 1));
        geom_frame f;
        if (ci >= 0 && !read_placement(r, aref(p, 2), &f)) {
            s.kind = GEOM_SURF_REVOLUTION;
            s.f = f;
            s.curve = r->b->curves[ci];
            res = add_surf(r, id, &s);
        }
    } else if ((p = simple(r, e, "SURFACE_OF_LINEAR_EXTRUSION"))) {
        long ci = read_curve(r, aref(p, 1));
        vec3 d;
        if (ci >= 0 && !read_vector(r, aref(p, 2), &d) && v3_len(d) > 0) {
            s.kind = GEOM_SURF_EXTRUSION;
            s.f.x = d;
            s.curve = r->b->curves[ci];
            res = add_surf(r, id, &s);
        }
    } else if ((p = simple(r, e, "OFFSET_SURFACE"))) {
        long bi = read_surf(r, aref(p, 1));
        double d = areal(p, 2) * r->scale;
        if (bi >= 0 && isfinite(d)) {
            s.kind = GEOM_SURF_OFFSET;
            s.basis = r->b->surfs[bi];
            s.offset = d;
            res = add_surf(r, id, &s);
        }
    } else if ((p = simple(r, e, "RECTANGULAR_TRIMMED_SURFACE"))) {
        res = read_surf(r, aref(p, 1));
    } else {
        brep_add_diag(r->b, id, "unsupported surface %s", tname(r, e));
    }
    r->depth--;
    if (res < 0) {
        if (!r->oom) brep_add_diag(r->b, id, "surface %s unreadable", tname(r, e));
        map_put(&r->map, KEY(id, K_SURF), -2);
    }
    return res;
}

/* ---- topology ----------------------------------------------------------------- */
static long read_vertex(rd *r, uint64_t id) {
    int64_t m = map_get(&r->map, KEY(id, K_VERT));
    if (m >= 0) return m;
    const p21_part *p = simple(r, ent(r, id), "VERTEX_POINT");
    vec3 pt;
    if (!p || read_point(r, aref(p, 1), &pt, 1)) {
        brep_add_diag(r->b, id, "vertex unreadable");
        return -1;
    }
    long vi = brep_add_vertex(r->b, pt);
    if (vi < 0 || map_put(&r->map, KEY(id, K_VERT), vi)) { r->oom = 1; return -1; }
    return vi;
}

static long read_edge(rd *r, uint64_t id) {
    int64_t m = map_get(&r->map, KEY(id, K_EDGE));
    if (m >= 0) return m;
    if (m == -2) return -1;
    const p21_entity *e = ent(r, id);
    const p21_part *p = simple(r, e, "EDGE_CURVE");
    long res = -1;
    if (!p) { brep_add_diag(r->b, id, "expected EDGE_CURVE"); goto out; }
    long v0 = read_vertex(r, aref(p, 1)), v1 = read_vertex(r, aref(p, 2));
    if (v0 < 0 || v1 < 0) goto out;
    int same = abool(p, 4, 1);
    long ci = read_curve(r, aref(p, 3));
    vec3 a = r->b->verts[v0].p, z = r->b->verts[v1].p;
    double t0 = 0, t1 = 1;
    if (v0 != v1 && v3_dist(a, z) <= 1e-9 * (1 + v3_len(a)) &&
        (ci < 0 || r->b->curves[ci]->kind == GEOM_CURVE_LINE))
        brep_add_diag(r->b, id, "zero-length edge (its two vertices coincide)");
    if (ci >= 0) {
        const geom_curve *c = r->b->curves[ci];
        double lo, hi;
        int per;
        geom_curve_range(c, &lo, &hi, &per);
        if (c->kind == GEOM_CURVE_LINE) {
            geom_curve_project(c, a, lo, hi, &t0);
            geom_curve_project(c, z, lo, hi, &t1);
        } else if (per) {
            geom_curve_project(c, a, -1e300, 1e300, &t0);
            geom_curve_project(c, z, -1e300, 1e300, &t1);
            double P = 2 * M_PI, eps = 1e-9;
            t0 = fmod(t0, P); if (t0 < 0) t0 += P;
            t1 = fmod(t1, P); if (t1 < 0) t1 += P;
            if (same) { while (t1 <= t0 + eps) t1 += P; }
            else { while (t1 >= t0 - eps) t1 -= P; }
            if (fabs(t1 - t0) > P + eps) t1 = same ? t1 - P : t1 + P;
        } else {
            double d0 = geom_curve_project(c, a, lo, hi, &t0);
            double d1 = geom_curve_project(c, z, lo, hi, &t1);
            if (v0 == v1 || v3_dist(a, z) < 1e-9) {
                /* closed edge on a closed curve: the whole range */
                vec3 ps, pe;
                geom_curve_eval(c, lo, &ps, NULL, NULL);
                geom_curve_eval(c, hi, &pe, NULL, NULL);
                if (v3_dist(ps, pe) < 1e-6 * (1 + v3_len(ps))) { t0 = same ? lo : hi; t1 = same ? hi : lo; }
            } else if (same ? t1 < t0 : t1 > t0) {
                /* projection picked the wrong end of a closed curve */
                vec3 ps, pe;
                geom_curve_eval(c, lo, &ps, NULL, NULL);
                geom_curve_eval(c, hi, &pe, NULL, NULL);
                if (v3_dist(ps, pe) < 1e-6 * (1 + v3_len(ps))) {
                    if (same) { if (fabs(t0 - hi) < 1e-9 * (1 + fabs(hi))) t0 = lo; else if (fabs(t1 - lo) < 1e-9 * (1 + fabs(lo))) t1 = hi; }
                    else { if (fabs(t0 - lo) < 1e-9 * (1 + fabs(lo))) t0 = hi; else if (fabs(t1 - hi) < 1e-9 * (1 + fabs(hi))) t1 = lo; }
                }
            }
            double tol = 1e-3 + 1e-4 * v3_dist(a, z);
            if (d0 > tol || d1 > tol)
                brep_add_diag(r->b, id, "edge vertices are %.3g / %.3g mm off the curve", d0, d1);
        }
    }
    res = brep_add_edge(r->b, (uint32_t)v0, (uint32_t)v1, (int32_t)ci, t0, t1);
    if (res < 0) { r->oom = 1; return -1; }
    r->b->edges[res].step_id = id;
out:
    if (map_put(&r->map, KEY(id, K_EDGE), res < 0 ? -2 : res)) r->oom = 1;
    return res;
}

/* Vertex for a POLY_LOOP point (keyed by the point's id). */
static long read_poly_vertex(rd *r, uint64_t pid) {
    int64_t m = map_get(&r->map, KEY(pid, K_PVERT));
    if (m >= 0) return m;
    vec3 p;
    if (read_point(r, pid, &p, 1)) return -1;
    long vi = brep_add_vertex(r->b, p);
    if (vi < 0 || map_put(&r->map, KEY(pid, K_PVERT), vi)) { r->oom = 1; return -1; }
    return vi;
}

typedef struct cevec { brep_coedge *v; size_t n, cap; } cevec;
static int ce_push(cevec *c, uint32_t edge, int rev, int32_t pcurve) {
    if (sl_grow((void **)&c->v, &c->cap, c->n, sizeof *c->v, 32)) return -1;
    c->v[c->n].edge = edge;
    c->v[c->n].reversed = (uint8_t)rev;
    c->v[c->n].pcurve = pcurve;
    c->n++;
    return 0;
}

/* The 2D curve of the PCURVE that edge `eid`'s SURFACE_CURVE / SEAM_CURVE gives on
 * the face surface `sid` (read as surface si), in that surface's own parameters.
 * Taken only on B-spline surfaces and planes (whose (u, v) are the mesher's; planar
 * ones are lengths, scaled to mm here) and for B-spline or polyline 2D curves. A seam
 * (two PCURVEs on the surface: which belongs to which use is not recorded) is left
 * to the 3D path, which puts its two uses a period apart. Returns the curve index or
 * -1: none, or unusable (a diagnostic located at the PCURVE then). */
static int32_t read_face_pcurve(rd *r, uint64_t eid, uint64_t sid, long si) {
    if (si < 0) return -1;
    const geom_surf *S = r->b->surfs[si];
    if (S->kind != GEOM_SURF_BSPLINE && S->kind != GEOM_SURF_PLANE) return -1;
    const p21_entity *ge = ent(r, aref(simple(r, ent(r, eid), "EDGE_CURVE"), 3));
    const p21_part *sc = simple(r, ge, "SURFACE_CURVE");
    if (!sc) sc = simple(r, ge, "SEAM_CURVE");
    if (!sc) return -1;
    const p21_value *ag = alist(sc, sc->args.len == 3 ? 1 : 2);
    const p21_part *hit = NULL;
    uint64_t hit_id = 0;
    int n_hit = 0;
    for (uint32_t i = 0; ag && i < ag->len; i++) {
        if (ag->u.items[i].kind != P21_REF) continue;
        const p21_part *pc = simple(r, ent(r, ag->u.items[i].u.ref), "PCURVE");
        if (!pc) continue;
        /* the face's surface itself, or one of the two seen through a
         * RECTANGULAR_TRIMMED_SURFACE */
        uint64_t ps = aref(pc, 1);
        const p21_part *tp = simple(r, ent(r, ps), "RECTANGULAR_TRIMMED_SURFACE");
        const p21_part *ts = simple(r, ent(r, sid), "RECTANGULAR_TRIMMED_SURFACE");
        if (ps == sid || (tp && aref(tp, 1) == sid) || (ts && aref(ts, 1) == ps) || (tp && ts && aref(tp, 1) == aref(ts, 1))) {
            n_hit++;
            hit = pc;
            hit_id = ag->u.items[i].u.ref;
        }
    }
    if (n_hit != 1) return -1;
    const p21_part *dr = part_of(r, ent(r, aref(hit, 2)), "DEFINITIONAL_REPRESENTATION");
    if (!dr) dr = part_of(r, ent(r, aref(hit, 2)), "REPRESENTATION");
    const p21_value *items = alist(dr, 1);
    if (!items || !items->len || items->u.items[0].kind != P21_REF) {
        brep_add_diag(r->b, hit_id, "PCURVE has no 2D curve; the 3D edge is used");
        return -1;
    }
    uint64_t cid = items->u.items[0].u.ref;
    const p21_entity *ce = ent(r, cid);
    if (!part_of(r, ce, "B_SPLINE_CURVE_WITH_KNOTS") && !part_of(r, ce, "B_SPLINE_CURVE") &&
        !part_of(r, ce, "QUASI_UNIFORM_CURVE") && !part_of(r, ce, "BEZIER_CURVE") &&
        !part_of(r, ce, "UNIFORM_CURVE") && !simple(r, ce, "POLYLINE"))
        return -1;   /* lines, conics, ...: the 3D path */
    double keep = r->scale;
    r->scale = 1;
    long ci = read_curve(r, cid);
    r->scale = keep;
    if (ci < 0 || r->b->curves[ci]->kind != GEOM_CURVE_BSPLINE) return -1;
    const geom_curve *c = r->b->curves[ci];
    double s = S->kind == GEOM_SURF_PLANE ? r->scale : 1;
    /* samples of the 2D curve: finite, not a single point, inside the surface's
     * parameter domain (1 % of its span of slack) */
    double t0, t1, lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    int per;
    geom_curve_range(c, &t0, &t1, &per);
    for (int i = 0; i <= 32; i++) {
        vec3 q;
        geom_curve_eval(c, t0 + (t1 - t0) * i / 32, &q, NULL, NULL);
        if (!isfinite(q.x) || !isfinite(q.y)) {
            brep_add_diag(r->b, hit_id, "PCURVE 2D curve is not finite; the 3D edge is used");
            return -1;
        }
        lo[0] = fmin(lo[0], q.x * s); hi[0] = fmax(hi[0], q.x * s);
        lo[1] = fmin(lo[1], q.y * s); hi[1] = fmax(hi[1], q.y * s);
    }
    if (!(t1 > t0) || hi[0] - lo[0] + hi[1] - lo[1] <= 1e-12 * (1 + fabs(lo[0]) + fabs(lo[1]))) {
        brep_add_diag(r->b, hit_id, "PCURVE 2D curve is degenerate (a single point); the 3D edge is used");
        return -1;
    }
    if (S->kind == GEOM_SURF_BSPLINE) {
        const geom_bspline_surf *B = &S->bs;
        double d0[2] = {B->knots_u[B->deg_u], B->knots_v[B->deg_v]};
        double d1[2] = {B->knots_u[B->n_u], B->knots_v[B->n_v]};
        for (int k = 0; k < 2; k++) {
            double m = 0.01 * (d1[k] - d0[k]);
            if (lo[k] < d0[k] - m || hi[k] > d1[k] + m) {
                brep_add_diag(r->b, hit_id, "PCURVE runs outside its surface's parameter domain (%c in [%.6g, %.6g], "
                              "domain [%.6g, %.6g]); the 3D edge is used", k ? 'v' : 'u', lo[k], hi[k], d0[k], d1[k]);
                return -1;
            }
        }
    }
    if (s == 1) return (int32_t)ci;
    /* a planar PCURVE in file units: a copy in mm */
    geom_curve cc = *c;
    cc.bs.ctrl = malloc((size_t)c->bs.n_ctrl * sizeof *cc.bs.ctrl);
    if (!cc.bs.ctrl) { r->oom = 1; return -1; }
    for (int i = 0; i < c->bs.n_ctrl; i++) cc.bs.ctrl[i] = v3(c->bs.ctrl[i].x * s, c->bs.ctrl[i].y * s, 0);
    long k = brep_add_curve(r->b, &cc);
    free(cc.bs.ctrl);
    if (k < 0) { r->oom = 1; return -1; }
    return (int32_t)k;
}

/* Returns face index or -1 (diag added). */
static long read_face(rd *r, uint64_t id, int flip) {
    const p21_entity *e = ent(r, id);
    const p21_part *p = simple(r, e, "ADVANCED_FACE");
    if (!p) p = simple(r, e, "FACE_SURFACE");
    if (!p) {
        brep_add_diag(r->b, id, "unsupported face %s", e ? tname(r, e) : "(undefined)");
        return -1;
    }
    const p21_value *bounds = alist(p, 1);
    long si = read_surf(r, aref(p, 2));
    int same = abool(p, 3, 1);
    if (r->oom) return -1;
    /* loops: read all edges first so coedges and loops stay contiguous */
    uint32_t first_loop = (uint32_t)r->b->n_loops, n_loops = 0;
    cevec ce = {0};
    for (uint32_t i = 0; bounds && i < bounds->len; i++) {
        const p21_value *bv = &bounds->u.items[i];
        const p21_entity *be = bv->kind == P21_REF ? ent(r, bv->u.ref) : NULL;
        const p21_part *bp = simple(r, be, "FACE_OUTER_BOUND");
        int outer = bp != NULL;
        if (!bp) bp = simple(r, be, "FACE_BOUND");
        if (!bp) { brep_add_diag(r->b, id, "face bound unreadable"); continue; }
        int orient = abool(bp, 2, 1);
        uint64_t lid = aref(bp, 1);
        const p21_entity *le = ent(r, lid);
        const p21_part *lp;
        ce.n = 0;
        if ((lp = simple(r, le, "EDGE_LOOP"))) {
            const p21_value *oes = alist(lp, 1);
            int bad = 0;
            for (uint32_t k = 0; oes && k < oes->len && !bad; k++) {
                const p21_value *ov = &oes->u.items[k];
                const p21_part *op = ov->kind == P21_REF ? simple(r, ent(r, ov->u.ref), "ORIENTED_EDGE") : NULL;
                if (!op) { bad = 1; break; }
                long ei = read_edge(r, aref(op, 3));
                if (ei < 0) { bad = 1; break; }
                int32_t pc = read_face_pcurve(r, aref(op, 3), aref(p, 2), si);
                if (ce_push(&ce, (uint32_t)ei, !abool(op, 4, 1), pc)) { r->oom = 1; bad = 1; }
            }
            if (bad || ce.n == 0) { brep_add_diag(r->b, id, "edge loop #%llu unreadable", (unsigned long long)lid); continue; }
        } else if ((lp = simple(r, le, "POLY_LOOP"))) {
            const p21_value *pts = alist(lp, 1);
            int bad = !pts || pts->len < 3;
            for (uint32_t k = 0; !bad && k < pts->len; k++) {
                const p21_value *a = &pts->u.items[k], *b2 = &pts->u.items[(k + 1) % pts->len];
                if (a->kind != P21_REF || b2->kind != P21_REF) { bad = 1; break; }
                long va = read_poly_vertex(r, a->u.ref), vb = read_poly_vertex(r, b2->u.ref);
                if (va < 0 || vb < 0) { bad = 1; break; }
                /* share the segment with the neighbouring face: key by the ordered pair */
                uint64_t lo = va < vb ? (uint64_t)va : (uint64_t)vb, hi = va < vb ? (uint64_t)vb : (uint64_t)va;
                uint64_t key = ((lo * 0x9E3779B97F4A7C15ULL) ^ (hi + 0x632BE59BD9B4E019ULL)) | 1;
                int64_t ei = map_get(&r->map, key << 3 | 7);
                if (ei < 0 || r->b->edges[ei].v0 != lo || r->b->edges[ei].v1 != hi) {
                    ei = brep_add_edge(r->b, (uint32_t)lo, (uint32_t)hi, -1, 0, 1);
                    if (ei < 0 || map_put(&r->map, key << 3 | 7, ei)) { r->oom = 1; bad = 1; break; }
                }
                if (ce_push(&ce, (uint32_t)ei, va != (long)lo, -1)) { r->oom = 1; bad = 1; }
            }
            if (bad) { brep_add_diag(r->b, id, "poly loop unreadable"); continue; }
        } else if ((lp = simple(r, le, "VERTEX_LOOP"))) {
            long vi = read_vertex(r, aref(lp, 1));
            if (vi < 0) continue;
            if (brep_add_loop(r->b, (uint32_t)r->b->n_coedges, 0, (int32_t)vi, outer) < 0) { r->oom = 1; break; }
            n_loops++;
            continue;
        } else {
            brep_add_diag(r->b, id, "unsupported loop %s", le ? tname(r, le) : "(undefined)");
            continue;
        }
        uint32_t first_ce = (uint32_t)r->b->n_coedges;
        for (size_t k = 0; k < ce.n; k++) {
            size_t j = orient ? k : ce.n - 1 - k;
            int rev = orient ? ce.v[j].reversed : !ce.v[j].reversed;
            long k2 = brep_add_coedge(r->b, ce.v[j].edge, rev);
            if (k2 < 0) { r->oom = 1; break; }
            r->b->coedges[k2].pcurve = ce.v[j].pcurve;
        }
        if (brep_add_loop(r->b, first_ce, (uint32_t)ce.n, -1, outer) < 0) { r->oom = 1; break; }
        n_loops++;
    }
    free(ce.v);
    if (r->oom) return -1;
    if (si < 0 && !simple(r, ent(r, aref(p, 2)), "PLANE"))
        brep_add_diag(r->b, id, "face surface unreadable");
    long fi = brep_add_face(r->b, (int32_t)si, (!same) ^ (flip != 0), first_loop, n_loops);
    if (fi < 0) { r->oom = 1; return -1; }
    r->b->faces[fi].step_id = id;
    return fi;
}

/* Shell: faces appended contiguously. Returns shell index or -1. */
static long read_shell(rd *r, uint64_t id, int flip) {
    const p21_entity *e = ent(r, id);
    const p21_part *p;
    if ((p = simple(r, e, "ORIENTED_CLOSED_SHELL")) || (p = simple(r, e, "ORIENTED_OPEN_SHELL"))) {
        if (r->depth > 8) return -1;
        r->depth++;
        long s = read_shell(r, aref(p, 2), flip ^ !abool(p, 3, 1));
        r->depth--;
        return s;
    }
    int closed = 1;
    if (!(p = simple(r, e, "CLOSED_SHELL"))) {
        p = simple(r, e, "OPEN_SHELL");
        if (!p) p = simple(r, e, "CONNECTED_FACE_SET");
        closed = 0;
    }
    if (!p) { brep_add_diag(r->b, id, "unsupported shell %s", e ? tname(r, e) : "(undefined)"); return -1; }
    const p21_value *fl = alist(p, 1);
    uint32_t first = (uint32_t)r->b->n_faces, n = 0;
    for (uint32_t i = 0; fl && i < fl->len; i++) {
        const p21_value *fv = &fl->u.items[i];
        if (fv->kind != P21_REF) continue;
        /* faces must be contiguous: reading a face never adds another face */
        long fi = read_face(r, fv->u.ref, flip);
        if (r->oom) return -1;
        if (fi >= 0) n++;
    }
    long si = brep_add_shell(r->b, first, n, closed);
    if (si < 0) { r->oom = 1; return -1; }
    return si;
}

static int is_solid_item(const rd *r, const p21_entity *e) {
    return part_of(r, e, "MANIFOLD_SOLID_BREP") || part_of(r, e, "BREP_WITH_VOIDS") ||
           part_of(r, e, "FACETED_BREP") || part_of(r, e, "SHELL_BASED_SURFACE_MODEL") ||
           part_of(r, e, "GEOMETRIC_SET");
}

/* ---- surfaces in geometric sets (no topology) -----------------------------------
 * A CURVE_BOUNDED_SURFACE or a bare bounded surface becomes a face whose loops are
 * polygons sampled from the boundary curves (straight edges between samples). */
typedef struct pvec { vec3 *v; size_t n, cap; } pvec;
static int pv_push(pvec *a, vec3 p) {
    if (sl_grow((void **)&a->v, &a->cap, a->n, sizeof *a->v, 64)) return -1;
    a->v[a->n++] = p;
    return 0;
}

#define SEG_SAMPLES 48

/* 2D curve of a PCURVE evaluated on its surface; lengths of planar parameters are in
 * file units (scaled here), angles and B-spline parameters are not. */
static int sample_pcurve(rd *r, const p21_part *pc, int sense, pvec *out) {
    long si = read_surf(r, aref(pc, 1));
    const p21_part *dr = part_of(r, ent(r, aref(pc, 2)), "DEFINITIONAL_REPRESENTATION");
    if (!dr) dr = part_of(r, ent(r, aref(pc, 2)), "REPRESENTATION");
    const p21_value *items = alist(dr, 1);
    if (si < 0 || !items || !items->len || items->u.items[0].kind != P21_REF) return -1;
    double keep = r->scale;
    r->scale = 1;
    long ci = read_curve(r, items->u.items[0].u.ref);
    r->scale = keep;
    if (ci < 0) return -1;
    const geom_curve *c = r->b->curves[ci];
    const geom_surf *S = r->b->surfs[si];
    double t0, t1;
    int per;
    if (c->kind == GEOM_CURVE_LINE) return 0;
    geom_curve_range(c, &t0, &t1, &per);
    if (!(t1 - t0 < 1e100)) return -1;
    double su = 1, sv = 1;
    if (S->kind == GEOM_SURF_PLANE) su = sv = r->scale;
    else if (S->kind == GEOM_SURF_CYLINDER || S->kind == GEOM_SURF_CONE) sv = r->scale;
    for (int i = 0; i <= SEG_SAMPLES; i++) {
        double t = sense ? t0 + (t1 - t0) * i / SEG_SAMPLES : t1 - (t1 - t0) * i / SEG_SAMPLES;
        vec3 uv, p;
        geom_curve_eval(c, t, &uv, NULL, NULL);
        geom_surf_eval(S, uv.x * su, uv.y * sv, 0, &p);
        if (pv_push(out, p)) return -2;
    }
    return 0;
}

/* parameter of a trimming select (PARAMETER_VALUE or a point) on curve c */
static int trim_param(rd *r, const p21_value *sel, const geom_curve *c, double *t) {
    if (!sel || sel->kind != P21_LIST) return -1;
    for (uint32_t i = 0; i < sel->len; i++) {
        const p21_value *v = &sel->u.items[i];
        /* the keyword of a typed parameter is not NUL-terminated: compare by length */
        const p21_value *kw = v->kind == P21_TYPED && v->len >= 1 ? &v->u.items[0] : NULL;
        /* a bare number (not wrapped in PARAMETER_VALUE, as some writers do) is a
         * parameter too */
        if ((kw && kw->len == 15 && !memcmp(kw->u.text, "PARAMETER_VALUE", 15)) || v->kind == P21_REAL ||
            v->kind == P21_INT) {
            double x = p21_value_real(kw ? untyped(v) : v);
            if (!isfinite(x)) continue;
            if (geom_curve_is_angular(c)) x *= r->ascale;
            *t = x;
            return 0;
        }
    }
    for (uint32_t i = 0; i < sel->len; i++) {
        const p21_value *v = &sel->u.items[i];
        vec3 p;
        if (v->kind == P21_REF && !read_point(r, v->u.ref, &p, 1)) {
            double lo, hi;
            int per;
            geom_curve_range(c, &lo, &hi, &per);
            geom_curve_project(c, p, per ? -1e300 : lo, per ? 1e300 : hi, t);
            return 0;
        }
    }
    return -1;
}

static int sample_curve3(rd *r, uint64_t cid, int sense, pvec *out, int depth) {
    const p21_entity *e = ent(r, cid);
    const p21_part *p;
    if (!e || depth > 8) return -1;
    if ((p = simple(r, e, "PCURVE"))) return sample_pcurve(r, p, sense, out);
    if ((p = simple(r, e, "SURFACE_CURVE")) || (p = simple(r, e, "SEAM_CURVE")) || (p = simple(r, e, "BOUNDED_SURFACE_CURVE"))) {
        /* prefer the 3D curve; fall back to the first pcurve */
        uint32_t off = p->args.len == 3 ? 0 : 1;
        size_t n0 = out->n;
        if (sample_curve3(r, aref(p, off), sense, out, depth + 1) == 0) return 0;
        out->n = n0;
        const p21_value *pl = alist(p, off + 1);
        for (uint32_t i = 0; pl && i < pl->len; i++)
            if (pl->u.items[i].kind == P21_REF && sample_curve3(r, pl->u.items[i].u.ref, sense, out, depth + 1) == 0) return 0;
        return -1;
    }
    double t0, t1;
    long ci;
    if ((p = simple(r, e, "TRIMMED_CURVE"))) {
        ci = read_curve(r, aref(p, 1));
        if (ci < 0) return -1;
        const geom_curve *c = r->b->curves[ci];
        if (trim_param(r, alist(p, 2), c, &t0) || trim_param(r, alist(p, 3), c, &t1)) return -1;
        int agree = abool(p, 4, 1);
        if (geom_curve_is_angular(c)) {
            if (agree) { while (t1 <= t0) t1 += 2 * M_PI; }
            else { while (t1 >= t0) t1 -= 2 * M_PI; }
        }
    } else {
        ci = read_curve(r, cid);
        if (ci < 0) return -1;
        /* an unbounded line between two other segments: the straight join of the
         * polygon is that line */
        if (r->b->curves[ci]->kind == GEOM_CURVE_LINE) return 0;
        int per;
        geom_curve_range(r->b->curves[ci], &t0, &t1, &per);
        if (!(t1 - t0 < 1e100)) return -1;
    }
    const geom_curve *c = r->b->curves[ci];
    int n = c->kind == GEOM_CURVE_LINE ? 1 : SEG_SAMPLES;
    for (int i = 0; i <= n; i++) {
        double t = sense ? t0 + (t1 - t0) * i / n : t1 - (t1 - t0) * i / n;
        vec3 q;
        geom_curve_eval(c, t, &q, NULL, NULL);
        if (pv_push(out, q)) return -2;
    }
    return 0;
}

/* Boundary curves of a CURVE_BOUNDED_SURFACE carry no reliable orientation. On a
 * closed surface (sphere, torus, a full cylinder) the side matters: the outer
 * polygon is made to run counter-clockwise about the surface normal at the point of
 * the surface nearest to its centroid (the smaller of the two regions it bounds),
 * and every polygon is reversed with it. */
static void orient_polygons(rd *r, long si, pvec *loops, size_t n_loops) {
    pvec *pl = &loops[0];
    if (pl->n < 3) return;
    vec3 cen = v3(0, 0, 0), area = v3(0, 0, 0);
    for (size_t i = 0; i < pl->n; i++) cen = v3_add(cen, pl->v[i]);
    cen = v3_scale(cen, 1.0 / (double)pl->n);
    for (size_t i = 0; i < pl->n; i++)
        area = v3_add(area, v3_cross(v3_sub(pl->v[i], cen), v3_sub(pl->v[(i + 1) % pl->n], cen)));
    const geom_surf *S = r->b->surfs[si];
    double u, v;
    geom_surf_project(S, cen, NULL, &u, &v);
    if (!isfinite(u) || !isfinite(v)) return;
    vec3 d[3];
    geom_surf_eval(S, u, v, 1, d);
    vec3 n = v3_cross(d[1], d[2]);
    double an = v3_len(area) * v3_len(n), dot = v3_dot(area, n);
    if (!(an > 0) || dot > -0.1 * an) return;
    for (size_t k = 0; k < n_loops; k++)
        for (size_t i = 0, j = loops[k].n ? loops[k].n - 1 : 0; i < j; i++, j--) {
            vec3 t = loops[k].v[i];
            loops[k].v[i] = loops[k].v[j];
            loops[k].v[j] = t;
        }
}

/* a face from closed polygons on surface si; returns face index or -1 */
static long polygon_face(rd *r, long si, pvec *loops, size_t n_loops, uint64_t id) {
    uint32_t first_loop = (uint32_t)r->b->n_loops, nl = 0;
    for (size_t k = 0; k < n_loops; k++) {
        pvec *pl = &loops[k];
        /* drop consecutive duplicates and the closing repeat */
        size_t w = 0;
        for (size_t i = 0; i < pl->n; i++)
            if (!w || v3_dist(pl->v[i], pl->v[w - 1]) > 1e-9 * (1 + v3_len(pl->v[i]))) pl->v[w++] = pl->v[i];
        while (w > 1 && v3_dist(pl->v[0], pl->v[w - 1]) <= 1e-6 * (1 + v3_len(pl->v[0]))) w--;
        pl->n = w;
    }
    orient_polygons(r, si, loops, n_loops);
    for (size_t k = 0; k < n_loops; k++) {
        pvec *pl = &loops[k];
        size_t w = pl->n;
        if (w < 3) continue;
        uint32_t v0 = (uint32_t)r->b->n_verts;
        for (size_t i = 0; i < w; i++) if (brep_add_vertex(r->b, pl->v[i]) < 0) { r->oom = 1; return -1; }
        uint32_t e0 = (uint32_t)r->b->n_edges;
        for (size_t i = 0; i < w; i++)
            if (brep_add_edge(r->b, v0 + (uint32_t)i, v0 + (uint32_t)((i + 1) % w), -1, 0, 1) < 0) { r->oom = 1; return -1; }
        uint32_t c0 = (uint32_t)r->b->n_coedges;
        for (size_t i = 0; i < w; i++) if (brep_add_coedge(r->b, e0 + (uint32_t)i, 0) < 0) { r->oom = 1; return -1; }
        if (brep_add_loop(r->b, c0, (uint32_t)w, -1, k == 0) < 0) { r->oom = 1; return -1; }
        nl++;
    }
    if (!nl) return -1;
    long fi = brep_add_face(r->b, (int32_t)si, 0, first_loop, nl);
    if (fi < 0) { r->oom = 1; return -1; }
    r->b->faces[fi].step_id = id;
    return fi;
}

/* boundary polygon of a composite curve (BOUNDARY_CURVE / OUTER_BOUNDARY_CURVE) */
static int sample_composite(rd *r, uint64_t id, pvec *out) {
    const p21_entity *e = ent(r, id);
    const p21_part *p = simple(r, e, "OUTER_BOUNDARY_CURVE");
    if (!p) p = simple(r, e, "BOUNDARY_CURVE");
    if (!p) p = simple(r, e, "COMPOSITE_CURVE");
    const p21_value *segs = alist(p, 1);
    if (!segs) return sample_curve3(r, id, 1, out, 0);
    for (uint32_t i = 0; i < segs->len; i++) {
        const p21_part *sp = segs->u.items[i].kind == P21_REF ? simple(r, ent(r, segs->u.items[i].u.ref), "COMPOSITE_CURVE_SEGMENT") : NULL;
        if (!sp) return -1;
        int rc = sample_curve3(r, aref(sp, 2), abool(sp, 1, 1), out, 0);
        if (rc) return rc;
    }
    return 0;
}

static long read_geom_set(rd *r, const p21_entity *e) {
    const p21_part *p = simple(r, e, "GEOMETRIC_SET");
    const p21_value *els = alist(p, 1);
    uint32_t first_face = (uint32_t)r->b->n_faces, nf = 0;
    for (uint32_t i = 0; els && i < els->len; i++) {
        if (els->u.items[i].kind != P21_REF) continue;
        uint64_t id = els->u.items[i].u.ref;
        const p21_entity *ee = ent(r, id);
        const p21_part *cb = simple(r, ee, "CURVE_BOUNDED_SURFACE");
        pvec loops[64];
        size_t nl = 0;
        memset(loops, 0, sizeof loops);
        long si = -1;
        if (cb) {
            si = read_surf(r, aref(cb, 1));
            const p21_value *bl = alist(cb, 2);
            for (uint32_t k = 0; si >= 0 && bl && k < bl->len && nl < 64; k++) {
                if (bl->u.items[k].kind != P21_REF) continue;
                int rc = sample_composite(r, bl->u.items[k].u.ref, &loops[nl]);
                if (rc == -2) { r->oom = 1; break; }
                if (rc == 0) {
                    /* the outer boundary first */
                    if (simple(r, ent(r, bl->u.items[k].u.ref), "OUTER_BOUNDARY_CURVE") && nl) {
                        pvec t = loops[0]; loops[0] = loops[nl]; loops[nl] = t;
                    }
                    nl++;
                } else {
                    free(loops[nl].v);
                    memset(&loops[nl], 0, sizeof loops[nl]);
                    brep_add_diag(r->b, id, "boundary curve unreadable");
                }
            }
        } else if (part_of(r, ee, "B_SPLINE_SURFACE") || part_of(r, ee, "B_SPLINE_SURFACE_WITH_KNOTS") ||
                   simple(r, ee, "RECTANGULAR_TRIMMED_SURFACE")) {
            /* the natural (or trimmed) parameter rectangle */
            const p21_part *rt = simple(r, ee, "RECTANGULAR_TRIMMED_SURFACE");
            si = read_surf(r, id);
            if (si >= 0) {
                const geom_surf *S = r->b->surfs[si];
                double u0, u1, v0, v1;
                geom_surf_range(S, &u0, &u1, &v0, &v1);
                if (rt) {
                    double a = areal(rt, 2), b2 = areal(rt, 3), c = areal(rt, 4), d = areal(rt, 5);
                    if (isfinite(a) && isfinite(b2) && isfinite(c) && isfinite(d)) { u0 = a; u1 = b2; v0 = c; v1 = d; }
                    if (S->kind == GEOM_SURF_PLANE) { u0 *= r->scale; u1 *= r->scale; v0 *= r->scale; v1 *= r->scale; }
                }
                if (u1 - u0 < 1e100 && v1 - v0 < 1e100) {
                    for (int side = 0; side < 4; side++)
                        for (int k = 0; k < SEG_SAMPLES; k++) {
                            double t = (double)k / SEG_SAMPLES, u, v;
                            if (side == 0) { u = u0 + t * (u1 - u0); v = v0; }
                            else if (side == 1) { u = u1; v = v0 + t * (v1 - v0); }
                            else if (side == 2) { u = u1 - t * (u1 - u0); v = v1; }
                            else { u = u0; v = v1 - t * (v1 - v0); }
                            vec3 q;
                            geom_surf_eval(S, u, v, 0, &q);
                            if (pv_push(&loops[0], q)) r->oom = 1;
                        }
                    nl = 1;
                }
            }
        }
        if (si >= 0 && nl && !r->oom && polygon_face(r, si, loops, nl, id) >= 0) nf++;
        for (size_t k = 0; k < 64; k++) free(loops[k].v);
        if (r->oom) return -1;
    }
    if (!nf) return -1;
    long sh = brep_add_shell(r->b, first_face, nf, 0);
    if (sh < 0) { r->oom = 1; return -1; }
    long so = brep_add_solid(r->b, (uint32_t)sh, 1, BREP_SHEET);
    if (so < 0) { r->oom = 1; return -1; }
    r->b->solids[so].step_id = e->id;
    return so;
}

static long read_solid(rd *r, uint64_t id) {
    int64_t m = map_get(&r->map, KEY(id, K_SOLID));
    if (m >= 0) return m;
    if (m == -2) return -1;
    const p21_entity *e = ent(r, id);
    const p21_part *p;
    uint32_t first_shell = (uint32_t)r->b->n_shells, n_shells = 0;
    int kind = BREP_SOLID;
    long res = -1;
    if ((p = simple(r, e, "BREP_WITH_VOIDS"))) {
        if (read_shell(r, aref(p, 1), 0) >= 0) n_shells++;
        const p21_value *vl = alist(p, 2);
        for (uint32_t i = 0; vl && i < vl->len && n_shells; i++)
            if (vl->u.items[i].kind == P21_REF && read_shell(r, vl->u.items[i].u.ref, 0) >= 0) n_shells++;
    } else if ((p = simple(r, e, "MANIFOLD_SOLID_BREP")) || (p = simple(r, e, "FACETED_BREP"))) {
        if (read_shell(r, aref(p, 1), 0) >= 0) n_shells++;
    } else if (simple(r, e, "GEOMETRIC_SET")) {
        res = read_geom_set(r, e);
        if (map_put(&r->map, KEY(id, K_SOLID), res < 0 ? -2 : res)) r->oom = 1;
        return res;
    } else if ((p = simple(r, e, "SHELL_BASED_SURFACE_MODEL"))) {
        kind = BREP_SHEET;
        const p21_value *sl = alist(p, 1);
        for (uint32_t i = 0; sl && i < sl->len; i++)
            if (sl->u.items[i].kind == P21_REF && read_shell(r, sl->u.items[i].u.ref, 0) >= 0) n_shells++;
    }
    if (r->oom) return -1;
    if (n_shells) {
        res = brep_add_solid(r->b, first_shell, n_shells, kind);
        if (res < 0) { r->oom = 1; return -1; }
        r->b->solids[res].step_id = id;
    } else {
        brep_add_diag(r->b, id, "solid has no readable shell");
    }
    if (map_put(&r->map, KEY(id, K_SOLID), res < 0 ? -2 : res)) r->oom = 1;
    return res;
}

/* ---- units ------------------------------------------------------------------- */
static double prefix_factor(const p21_value *v) {
    if (!v || v->kind != P21_ENUM) return 1;
    static const struct { const char *n; double f; } pf[] = {
        {"MILLI", 1e-3}, {"CENTI", 1e-2}, {"DECI", 1e-1}, {"KILO", 1e3}, {"MICRO", 1e-6},
        {"NANO", 1e-9}, {"DECA", 1e1}, {"HECTO", 1e2}, {"MEGA", 1e6}};
    for (size_t i = 0; i < sizeof pf / sizeof pf[0]; i++)
        if (v->len == strlen(pf[i].n) && !memcmp(v->u.text, pf[i].n, v->len)) return pf[i].f;
    return 1;
}

/* Factor of a unit entity to mm (length) or radians (angle); NAN when unknown. */
static double unit_factor(rd *r, uint64_t id, int angle, char *name, size_t n_name, int depth) {
    const p21_entity *e = ent(r, id);
    if (!e || depth > 4) return NAN;
    const p21_part *p = part_of(r, e, "SI_UNIT");
    if (p) {
        const p21_value *pre = arg(p, p->args.len >= 3 ? 1 : 0);
        double f = prefix_factor(pre);
        if (!angle) {
            if (name) {
                const char *nm = f == 1e-3 ? "mm" : f == 1 ? "m" : f == 1e-2 ? "cm" : f == 1e-6 ? "um" : "m*";
                snprintf(name, n_name, "%s", nm);
            }
            return f * 1000;
        }
        return f;   /* radian */
    }
    p = part_of(r, e, "CONVERSION_BASED_UNIT");
    if (p) {
        const p21_value *nm = arg(p, 0);
        char uname[32] = "";
        if (nm && nm->kind == P21_STRING) {
            size_t n = nm->len < sizeof uname - 1 ? nm->len : sizeof uname - 1;
            memcpy(uname, nm->u.text, n);
            uname[n] = 0;
            for (char *c = uname; *c; c++) if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
        }
        const p21_entity *me = ent(r, aref(p, 1));
        double f = NAN;
        if (me) {
            const p21_part *mp = part_of(r, me, "LENGTH_MEASURE_WITH_UNIT");
            if (!mp) mp = part_of(r, me, "PLANE_ANGLE_MEASURE_WITH_UNIT");
            if (!mp) mp = part_of(r, me, "MEASURE_WITH_UNIT");
            if (mp) {
                double v = areal(mp, 0);
                double base = unit_factor(r, aref(mp, 1), angle, NULL, 0, depth + 1);
                if (isfinite(v) && isfinite(base)) f = v * base;
            }
        }
        if (!isfinite(f)) {
            if (!strcmp(uname, "inch")) f = 25.4;
            else if (!strcmp(uname, "foot")) f = 304.8;
            else if (!strcmp(uname, "degree")) f = M_PI / 180;
        }
        if (name) snprintf(name, n_name, "%s", uname[0] ? uname : "?");
        return f;
    }
    return NAN;
}

static void context_units(rd *r, uint64_t ctx, double *len_mm, double *ang_rad, char *name, size_t n_name) {
    *len_mm = 1;
    *ang_rad = 1;
    snprintf(name, n_name, "mm");
    const p21_entity *e = ent(r, ctx);
    const p21_part *p = part_of(r, e, "GLOBAL_UNIT_ASSIGNED_CONTEXT");
    const p21_value *ul = p ? alist(p, p->args.len == 1 ? 0 : p->args.len - 1) : NULL;
    for (uint32_t i = 0; ul && i < ul->len; i++) {
        if (ul->u.items[i].kind != P21_REF) continue;
        uint64_t uid = ul->u.items[i].u.ref;
        const p21_entity *ue = ent(r, uid);
        if (part_of(r, ue, "LENGTH_UNIT")) {
            char nm[16];
            double f = unit_factor(r, uid, 0, nm, sizeof nm, 0);
            if (isfinite(f) && f > 0) { *len_mm = f; snprintf(name, n_name, "%s", nm); }
        } else if (part_of(r, ue, "PLANE_ANGLE_UNIT")) {
            double f = unit_factor(r, uid, 1, NULL, 0, 0);
            if (isfinite(f) && f > 0) *ang_rad = f;
        }
    }
}

/* ---- representations and placements ------------------------------------------ */
typedef struct rep { uint64_t id; uint32_t cls; double len_mm, ang_rad; char unit[16]; uint8_t product; } rep;
typedef struct link { uint32_t child, parent; geom_xform x; } link;

typedef struct graph {
    rep *reps; size_t n_reps;
    idmap rmap;          /* rep id -> index */
    uint32_t *uf;
    link *links; size_t n_links, cap_links;
} graph;

static uint32_t uf_find(uint32_t *p, uint32_t x) {
    while (p[x] != x) { p[x] = p[p[x]]; x = p[x]; }
    return x;
}

static int is_rep(const rd *r, const p21_entity *e) {
    for (uint32_t i = 0; i < e->n_parts; i++) {
        const char *n = p21_doc_type_name(r->doc, e->parts[i].type);
        size_t l = strlen(n);
        if (l >= 14 && !strcmp(n + l - 14, "REPRESENTATION") && strcmp(n, "DEFINITIONAL_REPRESENTATION") &&
            !strstr(n, "PRESENTATION_REPRESENTATION") && strcmp(n, "DRAUGHTING_MODEL") && !strstr(n, "_2D_")) {
            if (part_of(r, e, "DEFINITIONAL_REPRESENTATION")) return 0;
            return 1;
        }
    }
    return 0;
}

/* name, items, context of a representation (complex instances: the REPRESENTATION part) */
static const p21_part *rep_part(const rd *r, const p21_entity *e) {
    const p21_part *p = part_of(r, e, "REPRESENTATION");
    if (p && p->args.len >= 3) return p;
    for (uint32_t i = 0; i < e->n_parts; i++)
        if (e->parts[i].args.kind == P21_LIST && e->parts[i].args.len >= 3) return &e->parts[i];
    return NULL;
}

static int add_link(graph *g, uint32_t child, uint32_t parent, const geom_xform *x) {
    if (sl_grow((void **)&g->links, &g->cap_links, g->n_links, sizeof *g->links, 64)) return -1;
    link *l = &g->links[g->n_links++];
    l->child = child; l->parent = parent; l->x = *x;
    return 0;
}

static long rep_index(const graph *g, uint64_t id) { return map_get(&g->rmap, id); }

/* Wireframe elements of a geometric set: sampled into b->wire_pts (transformed). */
static void add_wire(rd *r, const p21_entity *e, const geom_xform *x) {
    const p21_part *p = simple(r, e, "GEOMETRIC_SET");
    if (!p) p = simple(r, e, "GEOMETRIC_CURVE_SET");
    const p21_value *els = alist(p, 1);
    for (uint32_t i = 0; els && i < els->len && r->b->n_wire_pts < 1000000; i++) {
        if (els->u.items[i].kind != P21_REF) continue;
        uint64_t id = els->u.items[i].u.ref;
        const p21_entity *ee = ent(r, id);
        if (!ee) continue;
        pvec pts = {0};
        vec3 q;
        if (simple(r, ee, "CARTESIAN_POINT")) {
            if (!read_point(r, id, &q, 1) && pv_push(&pts, q)) r->oom = 1;
        } else if (simple(r, ee, "COMPOSITE_CURVE") || simple(r, ee, "BOUNDARY_CURVE") || simple(r, ee, "OUTER_BOUNDARY_CURVE")) {
            sample_composite(r, id, &pts);
        } else if (part_of(r, ee, "CURVE") || simple(r, ee, "TRIMMED_CURVE") || simple(r, ee, "CIRCLE") ||
                   simple(r, ee, "ELLIPSE") || simple(r, ee, "POLYLINE") || part_of(r, ee, "B_SPLINE_CURVE") ||
                   part_of(r, ee, "B_SPLINE_CURVE_WITH_KNOTS") || simple(r, ee, "SURFACE_CURVE") ||
                   simple(r, ee, "OFFSET_CURVE_3D")) {
            sample_curve3(r, id, 1, &pts, 0);
        }
        for (size_t k = 0; k < pts.n; k++) {
            vec3 w = geom_xform_point(x, pts.v[k]);
            if (!isfinite(w.x) || !isfinite(w.y) || !isfinite(w.z)) continue;
            brep *b = r->b;
            if (sl_grow((void **)&b->wire_pts, &b->cap_wire_pts, b->n_wire_pts, sizeof *b->wire_pts, 256)) {
                r->oom = 1;
                break;
            }
            b->wire_pts[b->n_wire_pts++] = w;
        }
        free(pts.v);
    }
}

/* Visit class cls with transform x: instances for its solids, recurse into children. */
static int place(rd *r, graph *g, uint32_t cls, const geom_xform *x, int depth, size_t *budget) {
    if (depth > 16 || *budget == 0) return 0;
    size_t first_inst = r->b->n_instances;
    for (size_t i = 0; i < g->n_reps; i++) {
        if (uf_find(g->uf, (uint32_t)i) != cls) continue;
        const p21_entity *e = ent(r, g->reps[i].id);
        const p21_part *rp = rep_part(r, e);
        const p21_value *items = alist(rp, 1);
        r->scale = g->reps[i].len_mm;
        r->ascale = g->reps[i].ang_rad;
        for (uint32_t k = 0; items && k < items->len; k++) {
            if (items->u.items[k].kind != P21_REF) continue;
            const p21_entity *ie = ent(r, items->u.items[k].u.ref);
            if (ie && (simple(r, ie, "GEOMETRIC_SET") || simple(r, ie, "GEOMETRIC_CURVE_SET"))) add_wire(r, ie, x);
            if (r->oom) return -1;
            if (!ie || !is_solid_item(r, ie)) continue;
            long s = read_solid(r, ie->id);
            if (r->oom) return -1;
            if (s < 0) continue;
            /* the same solid listed by two representations of one shape counts once */
            int dup = 0;
            for (size_t q = first_inst; q < r->b->n_instances && !dup; q++) dup = r->b->instances[q].solid == (uint32_t)s;
            if (dup) continue;
            if (!r->b->unit[0] || r->b->n_instances == 0) {
                snprintf(r->b->unit, sizeof r->b->unit, "%s", g->reps[i].unit);
                r->b->unit_mm = g->reps[i].len_mm;
            }
            if (brep_add_instance(r->b, (uint32_t)s, x) < 0) { r->oom = 1; return -1; }
            if (--*budget == 0) return 0;
        }
    }
    for (size_t l = 0; l < g->n_links; l++) {
        if (uf_find(g->uf, g->links[l].parent) != cls) continue;
        geom_xform xx;
        geom_xform_mul(x, &g->links[l].x, &xx);
        if (place(r, g, uf_find(g->uf, g->links[l].child), &xx, depth + 1, budget)) return -1;
    }
    return 0;
}

sl_status brep_from_p21(const p21_doc *doc, brep **out, sl_err *err) {
    *out = NULL;
    brep *b = brep_new();
    if (!b) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    b->unit[0] = 0;
    rd r;
    memset(&r, 0, sizeof r);
    r.doc = doc; r.b = b; r.scale = 1; r.ascale = 1;
    graph g;
    memset(&g, 0, sizeof g);
    idmap pd_rep = {0}, rel_parent = {0};
    sl_status st = SL_OK;
    size_t n = p21_doc_n_entities(doc), n_solid_items = 0;
    /* representations */
    for (size_t i = 0; i < n; i++) {
        const p21_entity *e = p21_doc_entity(doc, i);
        if (is_solid_item(&r, e)) n_solid_items++;
        if (!is_rep(&r, e)) continue;
        g.n_reps++;
    }
    g.reps = calloc(g.n_reps + 1, sizeof *g.reps);
    g.uf = malloc((g.n_reps + 1) * sizeof *g.uf);
    if (!g.reps || !g.uf) { st = SL_ERR_NOMEM; goto done; }
    g.n_reps = 0;
    for (size_t i = 0; i < n; i++) {
        const p21_entity *e = p21_doc_entity(doc, i);
        if (!is_rep(&r, e)) continue;
        rep *rp = &g.reps[g.n_reps];
        rp->id = e->id;
        const p21_part *pp = rep_part(&r, e);
        context_units(&r, aref(pp, 2), &rp->len_mm, &rp->ang_rad, rp->unit, sizeof rp->unit);
        g.uf[g.n_reps] = (uint32_t)g.n_reps;
        if (map_put(&g.rmap, e->id, (int64_t)g.n_reps)) { st = SL_ERR_NOMEM; goto done; }
        g.n_reps++;
    }
    /* which representation is the parent of an assembly relationship: the one of
     * the NEXT_ASSEMBLY_USAGE_OCCURRENCE's relating product definition (writers
     * disagree on the order of rep_1 / rep_2) */
    for (size_t i = 0; i < n; i++) {
        const p21_entity *e = p21_doc_entity(doc, i);
        const p21_part *sd = part_of(&r, e, "SHAPE_DEFINITION_REPRESENTATION");
        if (!sd) continue;
        const p21_part *pds = part_of(&r, ent(&r, aref(sd, 0)), "PRODUCT_DEFINITION_SHAPE");
        long ri = rep_index(&g, aref(sd, 1));
        if (pds && ri >= 0 && aref(pds, 2) && map_put(&pd_rep, aref(pds, 2), ri)) { st = SL_ERR_NOMEM; goto done; }
    }
    for (size_t i = 0; i < n; i++) {
        const p21_entity *e = p21_doc_entity(doc, i);
        const p21_part *cd = part_of(&r, e, "CONTEXT_DEPENDENT_SHAPE_REPRESENTATION");
        if (!cd) continue;
        const p21_part *pds = part_of(&r, ent(&r, aref(cd, 1)), "PRODUCT_DEFINITION_SHAPE");
        const p21_entity *ne = pds ? ent(&r, aref(pds, 2)) : NULL;
        const p21_part *nu = ne && ne->n_parts ? &ne->parts[0] : NULL;
        if (!nu || nu->args.len < 5) continue;
        int64_t pr = map_get(&pd_rep, aref(nu, 3));
        if (pr >= 0 && map_put(&rel_parent, aref(cd, 0), pr)) { st = SL_ERR_NOMEM; goto done; }
    }
    /* relationships */
    for (size_t i = 0; i < n; i++) {
        const p21_entity *e = p21_doc_entity(doc, i);
        const p21_part *rr = part_of(&r, e, "REPRESENTATION_RELATIONSHIP");
        const p21_part *rt = part_of(&r, e, "REPRESENTATION_RELATIONSHIP_WITH_TRANSFORMATION");
        if (!rr) rr = part_of(&r, e, "SHAPE_REPRESENTATION_RELATIONSHIP");
        if (rr && rr->args.len >= 4) {
            long a = rep_index(&g, aref(rr, 2)), c = rep_index(&g, aref(rr, 3));
            if (a < 0 || c < 0) continue;
            if (!rt) {
                uint32_t ra = uf_find(g.uf, (uint32_t)a), rc = uf_find(g.uf, (uint32_t)c);
                if (ra != rc) g.uf[ra] = rc;
                continue;
            }
            /* transformation: ITEM_DEFINED_TRANSFORMATION or a transformation operator */
            const p21_value *tv = arg(rt, rt->args.len - 1);
            uint64_t tid = tv && tv->kind == P21_REF ? tv->u.ref : 0;
            const p21_entity *te = ent(&r, tid);
            const p21_part *tp = part_of(&r, te, "ITEM_DEFINED_TRANSFORMATION");
            geom_xform x;
            geom_xform_identity(&x);
            int64_t par = map_get(&rel_parent, e->id);
            int swap = par >= 0 && uf_find(g.uf, (uint32_t)par) == uf_find(g.uf, (uint32_t)a) &&
                       uf_find(g.uf, (uint32_t)par) != uf_find(g.uf, (uint32_t)c);
            if (tp) {
                /* the child's placement is the item listed by the child
                 * representation; writers order transform_item_1/2 either way */
                long child = swap ? c : a, parent = swap ? a : c;
                uint64_t i1 = aref(tp, 2), i2 = aref(tp, 3);
                uint64_t ic = swap ? i2 : i1, ip = swap ? i1 : i2;
                const p21_value *ci = alist(rep_part(&r, ent(&r, g.reps[child].id)), 1);
                int has1 = 0, has2 = 0;
                for (uint32_t q = 0; ci && q < ci->len; q++)
                    if (ci->u.items[q].kind == P21_REF) {
                        has1 |= ci->u.items[q].u.ref == i1;
                        has2 |= ci->u.items[q].u.ref == i2;
                    }
                if (has1 && !has2) { ic = i1; ip = i2; }
                else if (has2 && !has1) { ic = i2; ip = i1; }
                geom_frame fc, fp;
                r.scale = g.reps[child].len_mm;
                int okc = read_placement(&r, ic, &fc) == 0;
                r.scale = g.reps[parent].len_mm;
                int okp = read_placement(&r, ip, &fp) == 0;
                if (okc && okp) geom_xform_from_frames(&fc, &fp, &x);
                else brep_add_diag(b, e->id, "placement unreadable, identity used");
            } else if (te) {
                r.scale = g.reps[c].len_mm;
                if (read_cto(&r, tid, &x)) brep_add_diag(b, e->id, "transformation unreadable, identity used");
            }
            if (swap ? add_link(&g, (uint32_t)c, (uint32_t)a, &x) : add_link(&g, (uint32_t)a, (uint32_t)c, &x)) {
                st = SL_ERR_NOMEM;
                goto done;
            }
        }
    }
    /* mapped items inside representations */
    for (size_t i = 0; i < g.n_reps; i++) {
        const p21_entity *e = ent(&r, g.reps[i].id);
        const p21_value *items = alist(rep_part(&r, e), 1);
        for (uint32_t k = 0; items && k < items->len; k++) {
            if (items->u.items[k].kind != P21_REF) continue;
            const p21_entity *ie = ent(&r, items->u.items[k].u.ref);
            const p21_part *mp = part_of(&r, ie, "MAPPED_ITEM");
            if (!mp) continue;
            uint32_t off = mp->args.len >= 3 ? 1 : 0;
            const p21_part *rm = part_of(&r, ent(&r, aref(mp, off)), "REPRESENTATION_MAP");
            if (!rm) continue;
            long child = rep_index(&g, aref(rm, 1));
            if (child < 0) continue;
            geom_xform x;
            geom_xform_identity(&x);
            geom_frame f1, f2;
            r.scale = g.reps[child].len_mm;
            int ok1 = read_placement(&r, aref(rm, 0), &f1) == 0;
            r.scale = g.reps[i].len_mm;
            int ok2 = read_placement(&r, aref(mp, off + 1), &f2) == 0;
            if (ok1 && ok2) geom_xform_from_frames(&f1, &f2, &x);
            else if (!ok2 && !read_cto(&r, aref(mp, off + 1), &x)) {
                if (ok1) {
                    geom_xform o;
                    geom_frame id0 = geom_frame_make(v3(0, 0, 0), v3(0, 0, 1), v3(1, 0, 0));
                    geom_xform_from_frames(&f1, &id0, &o);
                    geom_xform_mul(&x, &o, &x);
                }
            }
            if (add_link(&g, (uint32_t)child, (uint32_t)i, &x)) { st = SL_ERR_NOMEM; goto done; }
        }
    }
    /* representations that are the shape of a product (SHAPE_DEFINITION_REPRESENTATION
     * of a PRODUCT_DEFINITION_SHAPE); other ones (property containers, ...) are not
     * roots when product shapes exist */
    for (size_t i = 0; i < n; i++) {
        const p21_entity *e = p21_doc_entity(doc, i);
        const p21_part *sd = part_of(&r, e, "SHAPE_DEFINITION_REPRESENTATION");
        if (!sd) continue;
        const p21_entity *de = ent(&r, aref(sd, 0));
        if (!part_of(&r, de, "PRODUCT_DEFINITION_SHAPE")) continue;
        long ri = rep_index(&g, aref(sd, 1));
        if (ri >= 0) g.reps[ri].product = 1;
    }
    /* roots: classes that are nobody's child */
    {
        uint8_t *is_child = calloc(g.n_reps + 1, 1);
        uint8_t *is_prod = calloc(g.n_reps + 1, 1);
        if (!is_child || !is_prod) { free(is_child); free(is_prod); st = SL_ERR_NOMEM; goto done; }
        for (size_t l = 0; l < g.n_links; l++) is_child[uf_find(g.uf, g.links[l].child)] = 1;
        int any_prod_root = 0;
        for (size_t i = 0; i < g.n_reps; i++)
            if (g.reps[i].product) is_prod[uf_find(g.uf, (uint32_t)i)] = 1;
        for (size_t i = 0; i < g.n_reps; i++)
            if (uf_find(g.uf, (uint32_t)i) == i && !is_child[i] && is_prod[i]) any_prod_root = 1;
        size_t budget = 200000;
        geom_xform id;
        geom_xform_identity(&id);
        for (size_t i = 0; i < g.n_reps; i++) {
            if (uf_find(g.uf, (uint32_t)i) != i || is_child[i] || (any_prod_root && !is_prod[i])) continue;
            if (place(&r, &g, (uint32_t)i, &id, 0, &budget)) { st = SL_ERR_NOMEM; break; }
        }
        free(is_child);
        free(is_prod);
        if (st) goto done;
    }
    /* solids in no representation (or only in cyclic ones): place them as they are */
    if (b->n_instances == 0 && n_solid_items) {
        geom_xform id;
        geom_xform_identity(&id);
        r.scale = g.n_reps ? g.reps[0].len_mm : 1;
        r.ascale = g.n_reps ? g.reps[0].ang_rad : 1;
        for (size_t i = 0; i < n; i++) {
            const p21_entity *e = p21_doc_entity(doc, i);
            if (!is_solid_item(&r, e)) continue;
            long s = read_solid(&r, e->id);
            if (r.oom) break;
            if (s >= 0 && brep_add_instance(b, (uint32_t)s, &id) < 0) { r.oom = 1; break; }
        }
    }
    if (r.oom) { st = SL_ERR_NOMEM; goto done; }
    if (!b->unit[0]) {
        snprintf(b->unit, sizeof b->unit, "%s", g.n_reps ? g.reps[0].unit : "mm");
        b->unit_mm = g.n_reps ? g.reps[0].len_mm : 1;
    }
    if (n_solid_items && b->n_solids == 0) {
        st = sl_err_set(err, SL_ERR_INVALID, "%s: none of the %zu B-rep solids could be read%s%s",
                        p21_doc_name(doc), n_solid_items, b->n_diags ? ": " : "", b->n_diags ? b->diags[0].msg : "");
        if (err && b->n_diags) err->id = b->diags[0].id;
    }
done:
    free(pd_rep.keys); free(pd_rep.vals); free(rel_parent.keys); free(rel_parent.vals);
    free(g.reps); free(g.uf); free(g.links);
    free(g.rmap.keys); free(g.rmap.vals);
    free(r.map.keys); free(r.map.vals);
    if (st == SL_ERR_NOMEM) {
        brep_free(b);
        return sl_err_set(err, SL_ERR_NOMEM, "out of memory while reading the B-rep");
    }
    *out = b;
    return st;
}
