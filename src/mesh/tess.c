/* tess.c - B-rep face tessellation (see steplm/tess.h for the method).
 *
 * Per solid: brep vertices and edges get mesh vertices once (vmap, edge point
 * lists), then each face maps its loops to (u, v), builds a constrained Delaunay
 * triangulation (tess_cdt.c) in a scaled parameter plane and refines it until the
 * chordal deflection and angular tolerance hold. Failures are per face. */
#include "steplm/tess.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tess_internal.h"

void tess_opts_default(tess_opts *o) {
    o->deflection_mm = 0.1;
    o->angle_rad = 0.5;
    o->max_points_per_face = 200000;
}

typedef struct ivec { uint32_t *v; size_t n, cap; } ivec;
static int ivec_push(ivec *a, uint32_t x) {
    if (sl_grow((void **)&a->v, &a->cap, a->n, sizeof *a->v, 256)) return -1;
    a->v[a->n++] = x;
    return 0;
}

typedef struct solid_ctx {
    const brep *b;
    const tess_opts *o;
    mesh *m;
    int64_t *vmap;          /* brep vertex -> mesh vertex, -1 */
    int64_t *efirst;        /* brep edge -> first index in ids, -1 = not yet */
    uint32_t *ecount;
    ivec ids;               /* mesh ids along discretized edges */
    struct corr *corr;      /* exact-minus-flat area and volume per emitted triangle */
    size_t n_corr, cap_corr;
} solid_ctx;

/* A triangle's key: its vertices sorted, and the orientation it was emitted in. */
typedef struct corr { uint32_t v[3]; int8_t sign; uint32_t tri; double da, dv; } corr;

static void tri_key(uint32_t a, uint32_t b, uint32_t c, uint32_t v[3], int8_t *sign) {
    if (b < a && b < c) { uint32_t x = a; a = b; b = c; c = x; }
    else if (c < a && c < b) { uint32_t x = c; c = b; b = a; a = x; }
    v[0] = a;
    v[1] = b < c ? b : c;
    v[2] = b < c ? c : b;
    *sign = (int8_t)(b < c ? 1 : -1);
}

static int cmp_corr(const void *x, const void *y) {
    const corr *a = x, *b = y;
    for (int k = 0; k < 3; k++) if (a->v[k] != b->v[k]) return a->v[k] < b->v[k] ? -1 : 1;
    return 0;
}

static long vertex_id(solid_ctx *c, uint32_t v) {
    if (c->vmap[v] < 0) {
        vec3 p = c->b->verts[v].p;
        long id = mesh_add_vert(c->m, p.x, p.y, p.z);
        if (id < 0) return -1;
        c->vmap[v] = id;
    }
    return (long)c->vmap[v];
}

/* Parameters along an edge's curve, subdivided until deflection and angle hold. */
typedef struct dvec { double *v; size_t n, cap; } dvec;
static int dvec_push(dvec *a, double x) {
    if (sl_grow((void **)&a->v, &a->cap, a->n, sizeof *a->v, 64)) return -1;
    a->v[a->n++] = x;
    return 0;
}

static int subdivide(const geom_curve *cv, double ta, double tb, vec3 pa, vec3 pb, vec3 da, vec3 db,
                     double defl, double cos_ang, int depth, dvec *out) {
    if (out->n > 20000) return 0;
    double tm = 0.5 * (ta + tb);
    vec3 pm, dm;
    geom_curve_eval(cv, tm, &pm, &dm, NULL);
    vec3 mid = v3_scale(v3_add(pa, pb), 0.5);
    double dev = v3_dist(pm, mid);
    double la = v3_len(da), lb = v3_len(db);
    int bad_angle = la > 0 && lb > 0 && v3_dot(da, db) < cos_ang * la * lb && v3_dist(pa, pb) > 2 * defl;
    if (depth < 18 && (dev > defl || bad_angle) && v3_dist(pa, pb) > 1e-9) {
        if (subdivide(cv, ta, tm, pa, pm, da, dm, defl, cos_ang, depth + 1, out)) return -1;
        if (dvec_push(out, tm)) return -1;
        return subdivide(cv, tm, tb, pm, pb, dm, db, defl, cos_ang, depth + 1, out);
    }
    return 0;
}

static int edge_params(const brep *b, const brep_edge *e, const tess_opts *o, dvec *ts) {
    ts->n = 0;
    if (dvec_push(ts, e->t0)) return -1;
    if (e->curve >= 0 && b->curves[e->curve]->kind != GEOM_CURVE_LINE && e->t1 != e->t0) {
        const geom_curve *cv = b->curves[e->curve];
        double t0 = e->t0, t1 = e->t1;
        int n0 = 2;
        if (cv->kind == GEOM_CURVE_CIRCLE || cv->kind == GEOM_CURVE_ELLIPSE) {
            double r = fmax(cv->r1, cv->kind == GEOM_CURVE_ELLIPSE ? cv->r2 : 0);
            double step = o->angle_rad;
            if (o->deflection_mm < r) step = fmin(step, 2 * acos(1 - o->deflection_mm / r));
            n0 = (int)ceil(fabs(t1 - t0) / step);
            if (cv->kind == GEOM_CURVE_CIRCLE) {
                if (n0 < 2) n0 = 2;
                if (n0 > 20000) n0 = 20000;
                for (int i = 1; i < n0; i++)
                    if (dvec_push(ts, t0 + (t1 - t0) * i / n0)) return -1;
                return dvec_push(ts, t1);
            }
        } else if (cv->kind == GEOM_CURVE_BSPLINE || (cv->kind == GEOM_CURVE_OFFSET && cv->basis &&
                                                      cv->basis->kind == GEOM_CURVE_BSPLINE)) {
            /* spans inside the range (an offset takes its basis' parameters) */
            const geom_bspline *bs = cv->kind == GEOM_CURVE_BSPLINE ? &cv->bs : &cv->basis->bs;
            int spans = 0;
            double lo = fmin(t0, t1), hi = fmax(t0, t1);
            for (int i = bs->degree; i < bs->n_ctrl; i++)
                if (bs->knots[i + 1] > lo && bs->knots[i] < hi && bs->knots[i + 1] > bs->knots[i]) spans++;
            n0 = 2 * spans * (bs->degree > 1 ? 2 : 1);
            if (n0 < 4) n0 = 4;
            if (n0 > 2000) n0 = 2000;
        } else {
            /* hyperbola, parabola, other offsets: no inflection inside a conic, so a few
             * starting pieces and subdivision by deflection and angle suffice; offsets of
             * circles start from the circle's angular step */
            n0 = 8;
            if (cv->kind == GEOM_CURVE_OFFSET && geom_curve_is_angular(cv))
                n0 = (int)ceil(fabs(t1 - t0) / fmin(o->angle_rad, M_PI / 8));
        }
        if (n0 < 2) n0 = 2;
        double cos_ang = cos(o->angle_rad);
        vec3 pa, da;
        geom_curve_eval(cv, t0, &pa, &da, NULL);
        for (int i = 1; i <= n0; i++) {
            double tb = t0 + (t1 - t0) * i / n0;
            vec3 pb, db;
            geom_curve_eval(cv, tb, &pb, &db, NULL);
            if (subdivide(cv, t0 + (t1 - t0) * (i - 1) / n0, tb, pa, pb, da, db, o->deflection_mm, cos_ang, 0, ts))
                return -1;
            if (i < n0 && dvec_push(ts, tb)) return -1;
            pa = pb; da = db;
        }
    }
    return dvec_push(ts, e->t1);
}

/* Discretize edge e once: mesh ids from v0 to v1. */
static int ensure_edge(solid_ctx *c, uint32_t ei, dvec *ts) {
    if (c->efirst[ei] >= 0) return 0;
    const brep *b = c->b;
    const brep_edge *e = &b->edges[ei];
    if (edge_params(b, e, c->o, ts)) return -1;
    long a = vertex_id(c, e->v0), z = vertex_id(c, e->v1);
    if (a < 0 || z < 0) return -1;
    c->efirst[ei] = (int64_t)c->ids.n;
    if (ivec_push(&c->ids, (uint32_t)a)) return -1;
    for (size_t i = 1; i + 1 < ts->n; i++) {
        vec3 p;
        geom_curve_eval(b->curves[e->curve], ts->v[i], &p, NULL, NULL);
        if (!isfinite(p.x) || !isfinite(p.y) || !isfinite(p.z)) continue;
        long id = mesh_add_vert(c->m, p.x, p.y, p.z);
        if (id < 0 || ivec_push(&c->ids, (uint32_t)id)) return -1;
    }
    if (ivec_push(&c->ids, (uint32_t)z)) return -1;
    c->ecount[ei] = (uint32_t)(c->ids.n - (size_t)c->efirst[ei]);
    return 0;
}

/* How far the patch S(T) over the (u, v) triangle T departs from the flat mesh
 * triangle id[]: h_k, the heights of the surface at the (u, v) midpoints of T's
 * edges above the chords' midpoints, along the flat triangle's outward normal.
 * With the height quadratic over the triangle (zero at the corners) the volume
 * between patch and triangle is A (h_0 + h_1 + h_2) / 3 (the edge-midpoint rule
 * is exact for quadratics), and the area excess is 4/3 of that of the four flat
 * triangles through the corners and the raised midpoints (one subdivision takes
 * away three quarters of an error of order h^2). A flat surface gets zero
 * whatever its parametrisation. A patch far from its triangle (a pole, a folded
 * mapping, an edge curve off its surface) gets none. Stored under the triangle's key. */
static int add_corr(solid_ctx *c, const geom_surf *S, int reversed, const cdt_tri *T, const double *puv,
                    const uint32_t id[3]) {
    const double *m = c->m->verts;
    vec3 P[3];
    for (int k = 0; k < 3; k++) P[k] = v3(m[3 * id[k]], m[3 * id[k] + 1], m[3 * id[k] + 2]);
    vec3 n = v3_cross(v3_sub(P[1], P[0]), v3_sub(P[2], P[0]));
    double ln = v3_len(n);
    if (!(ln > 0)) return 0;
    n = v3_scale(n, (reversed ? -1 : 1) / ln);   /* the emitted triangle's normal */
    double flat_a = 0.5 * ln, hsum = 0;
    vec3 M[3];
    for (int k = 0; k < 3; k++) {
        const double *p = puv + 2 * T->v[k], *q = puv + 2 * T->v[(k + 1) % 3];
        vec3 sm;
        geom_surf_eval(S, 0.5 * (p[0] + q[0]), 0.5 * (p[1] + q[1]), 0, &sm);
        vec3 mid = v3_scale(v3_add(P[k], P[(k + 1) % 3]), 0.5);
        double h = v3_dot(v3_sub(sm, mid), n);
        /* refinement keeps the surface within the deflection of the triangles: a
         * larger gap is not the chord's (an edge curve off its surface) */
        if (!(fabs(h) <= 4 * c->o->deflection_mm)) return 0;
        hsum += h;
        M[k] = v3_add(mid, v3_scale(n, h));
    }
    double sub = 0;
    const vec3 *tri[4][3] = {{&P[0], &M[0], &M[2]}, {&M[0], &P[1], &M[1]}, {&M[2], &M[1], &P[2]}, {&M[0], &M[1], &M[2]}};
    for (int k = 0; k < 4; k++)
        sub += 0.5 * v3_len(v3_cross(v3_sub(*tri[k][1], *tri[k][0]), v3_sub(*tri[k][2], *tri[k][0])));
    double da = (4.0 / 3.0) * (sub - flat_a), dv = flat_a * hsum / 3;
    double edge = fmax(fmax(v3_dist(P[0], P[1]), v3_dist(P[1], P[2])), v3_dist(P[2], P[0]));
    if (!isfinite(da) || !isfinite(dv) || fabs(da) > 0.25 * flat_a || fabs(dv) > flat_a * edge) return 0;
    if (sl_grow((void **)&c->corr, &c->cap_corr, c->n_corr, sizeof *c->corr, 1024)) return -1;
    corr *e = &c->corr[c->n_corr++];
    if (reversed) tri_key(id[0], id[2], id[1], e->v, &e->sign);
    else tri_key(id[0], id[1], id[2], e->v, &e->sign);
    e->tri = (uint32_t)(c->m->n_tris - 1);
    e->da = da;
    e->dv = dv;
    return 0;
}

/* Sum the corrections of the triangles [first, n_tris) that are still as emitted
 * (triangles that crack closing rewrote get none); a flipped one counts negated.
 * Most triangles keep their index: looked up there first, by key otherwise. */
static int sum_corr(solid_ctx *c, size_t first, double *da, double *dv) {
    *da = *dv = 0;
    size_t n = c->m->n_tris - first;
    if (!c->n_corr || !n) return 0;
    uint32_t *slot = malloc(n * sizeof *slot);
    if (!slot) return -1;
    for (size_t t = 0; t < n; t++) slot[t] = UINT32_MAX;
    for (size_t i = 0; i < c->n_corr; i++)
        if (c->corr[i].tri >= first && c->corr[i].tri - first < n) slot[c->corr[i].tri - first] = (uint32_t)i;
    corr *sorted = NULL;
    for (size_t t = first; t < c->m->n_tris; t++) {
        const uint32_t *tr = c->m->tris + 3 * t;
        corr key;
        tri_key(tr[0], tr[1], tr[2], key.v, &key.sign);
        const corr *hit = NULL;
        uint32_t i = slot[t - first];
        if (i != UINT32_MAX && !cmp_corr(&c->corr[i], &key)) hit = &c->corr[i];
        else {
            if (!sorted) {
                sorted = malloc(c->n_corr * sizeof *sorted);
                if (!sorted) { free(slot); return -1; }
                memcpy(sorted, c->corr, c->n_corr * sizeof *sorted);
                qsort(sorted, c->n_corr, sizeof *sorted, cmp_corr);
            }
            size_t lo = 0, hi = c->n_corr;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (cmp_corr(&sorted[mid], &key) < 0) lo = mid + 1;
                else hi = mid;
            }
            if (lo < c->n_corr && !cmp_corr(&sorted[lo], &key)) hit = &sorted[lo];
        }
        if (!hit) continue;
        *da += hit->da;
        *dv += key.sign == hit->sign ? hit->dv : -hit->dv;
    }
    free(sorted);
    free(slot);
    return 0;
}

/* ---- one face ------------------------------------------------------------------ */
typedef struct bpt { uint32_t id; double u, v; vec3 p; int ce; uint32_t edge; } bpt;
typedef struct bloop { bpt *pts; size_t n, cap; double umin, umax, vmin, vmax; } bloop;

static int bloop_push(bloop *l, bpt p) {
    if (sl_grow((void **)&l->pts, &l->cap, l->n, sizeof *l->pts, 64)) return -1;
    l->pts[l->n++] = p;
    return 0;
}


static double co(const bpt *p, int d) { return d ? p->v : p->u; }
static void co_add(bpt *p, int d, double x) { if (d) p->v += x; else p->u += x; }

static double loop_area(const bloop *l) {
    double a = 0;
    for (size_t i = 0; i < l->n; i++) {
        const bpt *p = &l->pts[i], *q = &l->pts[(i + 1) % l->n];
        a += p->u * q->v - q->u * p->v;
    }
    return 0.5 * a;
}

/* A seam edge used twice in one loop: if both uses landed on the same side of the
 * period (continuity cannot tell), move the second use and what follows it by one
 * period, to the side that gives the loop the orientation the face expects. */
static void fix_seams(const geom_surf *S, bloop *bl, int sense) {
    double Pd[2] = {S->period_u, S->period_v};
    if (!Pd[0] && !Pd[1]) return;
    for (size_t i = 0; i < bl->n; i++) {
        /* first point of a coedge whose edge occurred earlier in the loop */
        if (i && bl->pts[i - 1].ce == bl->pts[i].ce) continue;
        size_t j0 = SIZE_MAX;
        for (size_t j = 0; j < i; j++)
            if (bl->pts[j].edge == bl->pts[i].edge && bl->pts[j].ce != bl->pts[i].ce) { j0 = j; break; }
        if (j0 == SIZE_MAX) continue;
        double m1[2] = {0, 0}, m2[2] = {0, 0};
        size_t n1 = 0, n2 = 0;
        for (size_t j = j0; j < bl->n && bl->pts[j].ce == bl->pts[j0].ce; j++) {
            m1[0] += bl->pts[j].u; m1[1] += bl->pts[j].v; n1++;
        }
        for (size_t j = i; j < bl->n && bl->pts[j].ce == bl->pts[i].ce; j++) {
            m2[0] += bl->pts[j].u; m2[1] += bl->pts[j].v; n2++;
        }
        int apart = 0;
        for (int d = 0; d < 2; d++) {
            m1[d] /= (double)n1; m2[d] /= (double)n2;
            if (Pd[d] && fabs(m1[d] - m2[d]) > 0.5 * Pd[d]) apart = 1;
        }
        if (apart) continue;     /* continuity already put the two uses a period apart */
        int d = Pd[0] ? 0 : 1;
        double P = Pd[d];
        for (size_t j = i; j < bl->n; j++) co_add(&bl->pts[j], d, P);
        if (loop_area(bl) * sense < 0)
            for (size_t j = i; j < bl->n; j++) co_add(&bl->pts[j], d, -2 * P);
    }
}

/* Points strictly between uv a and uv b along the straight (u, v) segment, subdivided
 * until the chord deflection holds; appended to *out with new mesh vertices. */
static int seam_points(solid_ctx *c, const geom_surf *S, const double a[2], const double z[2], double defl,
                       bloop *out, int depth) {
    if (depth > 12) return 0;
    double m[2] = {0.5 * (a[0] + z[0]), 0.5 * (a[1] + z[1])};
    vec3 pa, pz, pm;
    geom_surf_eval(S, a[0], a[1], 0, &pa);
    geom_surf_eval(S, z[0], z[1], 0, &pz);
    geom_surf_eval(S, m[0], m[1], 0, &pm);
    double dev = v3_dist(pm, v3_scale(v3_add(pa, pz), 0.5));
    if (dev <= defl && depth >= 1) return 0;
    if (dev <= defl * 0.25 && depth == 0) return 0;
    if (seam_points(c, S, a, m, defl, out, depth + 1)) return -1;
    long id = mesh_add_vert(c->m, pm.x, pm.y, pm.z);
    if (id < 0) return -1;
    bpt p = {(uint32_t)id, m[0], m[1], pm, -1, UINT32_MAX};
    if (bloop_push(out, p)) return -1;
    return seam_points(c, S, m, z, defl, out, depth + 1);
}

/* Join two loops that wrap around direction d (travel Ta, Tb) into one polygon:
 * A, A0 shifted by Ta, seam, B from the point nearest that end, seam back. */
static int join_band(solid_ctx *c, const geom_surf *S, bloop *loops, size_t n_loops_all, size_t ia, size_t ib,
                     int d, double Ta, double Tb, double defl, int sense) {
    bloop *A = &loops[ia], *B = &loops[ib];
    double P = fabs(Ta);
    /* when the other direction is periodic too (torus), B can sit on either side of
     * A: the face lies left of A's travel, which picks the side */
    double Po = d ? S->period_u : S->period_v;
    if (Po) {
        int o = 1 - d;
        double side = (d == 0 ? 1.0 : -1.0) * (Ta > 0 ? 1.0 : -1.0) * sense;
        double ma = 0, mb = 0;
        for (size_t i = 0; i < A->n; i++) ma += co(&A->pts[i], o);
        for (size_t i = 0; i < B->n; i++) mb += co(&B->pts[i], o);
        ma /= (double)A->n; mb /= (double)B->n;
        double x = (mb - ma) * side;             /* wanted in (0, Po) */
        double k = floor(x / Po);
        if (k != 0)
            for (size_t i = 0; i < B->n; i++) co_add(&B->pts[i], o, -k * Po * side);
    }
    if (Ta * Tb > 0) {
        /* same direction: walk B backwards */
        for (size_t i = 0; i < B->n / 2; i++) { bpt t = B->pts[i]; B->pts[i] = B->pts[B->n - 1 - i]; B->pts[B->n - 1 - i] = t; }
        Tb = -Tb;
    }
    /* start A (and so the synthetic seam) where no other loop of the face is, so
     * that holes do not straddle the seam */
    {
        size_t best_i = 0;
        double best_gap = -1;
        for (size_t i = 0; i < A->n; i += 1 + A->n / 64) {
            double ui = co(&A->pts[i], d), gap = INFINITY;
            for (size_t l = 0; l < n_loops_all; l++) {
                if (l == ia || l == ib || loops[l].n == 0) continue;
                double lo = d ? loops[l].vmin : loops[l].umin, hi = d ? loops[l].vmax : loops[l].umax;
                double mid = 0.5 * (lo + hi), half = 0.5 * (hi - lo);
                double x = ui - mid;
                x -= P * round(x / P);
                gap = fmin(gap, fabs(x) - half);
            }
            if (gap > best_gap) { best_gap = gap; best_i = i; }
        }
        if (best_i) {
            bloop rot = {0};
            for (size_t j = 0; j < A->n; j++) {
                bpt q = A->pts[(best_i + j) % A->n];
                if (best_i + j >= A->n) co_add(&q, d, Ta);
                if (bloop_push(&rot, q)) { free(rot.pts); return -1; }
            }
            free(A->pts);
            *A = rot;
        }
    }
    double target = co(&A->pts[0], d) + Ta;
    size_t k = 0;
    double best = INFINITY;
    for (size_t i = 0; i < B->n; i++) {
        double x = co(&B->pts[i], d) - target;
        x -= P * round(x / P);
        if (fabs(x) < best) { best = fabs(x); k = i; }
    }
    bloop out = {0};
    for (size_t i = 0; i < A->n; i++) if (bloop_push(&out, A->pts[i])) goto oom;
    bpt a0s = A->pts[0];
    co_add(&a0s, d, Ta);
    if (bloop_push(&out, a0s)) goto oom;
    /* B from k, unwrapped by continuity, starting next to the shifted A0 */
    bpt bk = B->pts[k];
    double x = co(&bk, d) - target;
    co_add(&bk, d, -P * round(x / P));
    /* seam from a0s to bk: shared points (computed on the unshifted copy) */
    bloop seam = {0};
    double sa[2] = {A->pts[0].u, A->pts[0].v}, sz[2] = {bk.u, bk.v};
    if (d == 0) sz[0] -= Ta; else sz[1] -= Ta;
    if (seam_points(c, S, sa, sz, defl, &seam, 0)) { free(seam.pts); goto oom; }
    for (size_t i = 0; i < seam.n; i++) {
        bpt p = seam.pts[i];
        co_add(&p, d, Ta);
        if (bloop_push(&out, p)) { free(seam.pts); goto oom; }
    }
    bpt prev = bk;
    if (bloop_push(&out, bk)) { free(seam.pts); goto oom; }
    for (size_t j = 1; j <= B->n; j++) {
        bpt p = B->pts[(k + j) % B->n];
        double y = co(&p, d) - co(&prev, d);
        co_add(&p, d, -P * round(y / P));
        if (bloop_push(&out, p)) { free(seam.pts); goto oom; }
        prev = p;
    }
    /* the last pushed is bk shifted by Tb (~ A0); seam back down to A0 */
    for (size_t i = seam.n; i-- > 0;)
        if (bloop_push(&out, seam.pts[i])) { free(seam.pts); goto oom; }
    free(seam.pts);
    free(A->pts);
    *A = out;
    B->n = 0;
    (void)Tb;
    return 0;
oom:
    free(out.pts);
    return -1;
}

/* v (d = 0) or u (d = 1) of a pole of S beyond `from` in direction `side`; 0 found. */
static int find_pole(const geom_surf *S, int d, int side, double from, double *pole) {
    double cand = NAN;
    if (d == 0 && S->kind == GEOM_SURF_SPHERE) cand = side > 0 ? M_PI / 2 : -M_PI / 2;
    else if (d == 0 && S->kind == GEOM_SURF_CONE) cand = -S->r1 / tan(S->r2);
    else {
        /* a degenerate boundary of the parameter rectangle (B-spline or revolved
         * profile meeting the axis) */
        double u0, u1, v0, v1;
        geom_surf_range(S, &u0, &u1, &v0, &v1);
        cand = d == 0 ? (side > 0 ? v1 : v0) : (side > 0 ? u1 : u0);
        if (!(fabs(cand) < 1e299)) return -1;
        vec3 dd[3];
        if (d == 0) geom_surf_eval(S, 0.5 * (u0 + u1), cand, 1, dd);
        else geom_surf_eval(S, cand, 0.5 * (v0 + v1), 1, dd);
        double lz = v3_len(dd[d == 0 ? 1 : 2]), lo = v3_len(dd[d == 0 ? 2 : 1]);
        if (!(lz <= 1e-7 * (lo + 1e-300))) return -1;
    }
    if (!isfinite(cand) || (side > 0 ? cand <= from : cand >= from)) return -1;
    *pole = cand;
    return 0;
}

/* Close a single loop that wraps around direction d with the pole on the face's side. */
static int close_cap(solid_ctx *c, const geom_surf *S, bloop *A, int d, double T, int sense, double defl) {
    int side = (T > 0 ? 1 : -1) * sense;     /* the face lies left of the travel direction */
    if (d == 1) side = -side;
    double mean = 0;
    for (size_t i = 0; i < A->n; i++) mean += co(&A->pts[i], 1 - d);
    mean /= (double)A->n;
    double pole;
    if (find_pole(S, d, side, mean, &pole)) return 1;
    bpt a0 = A->pts[0];
    double pu = d == 0 ? a0.u : pole, pv = d == 0 ? pole : a0.v;
    vec3 pp;
    geom_surf_eval(S, pu, pv, 0, &pp);
    long pid = mesh_add_vert(c->m, pp.x, pp.y, pp.z);
    if (pid < 0) return -1;
    bloop seam = {0};
    double sa[2] = {a0.u, a0.v}, sz[2] = {pu, pv};
    if (seam_points(c, S, sa, sz, defl, &seam, 0)) { free(seam.pts); return -1; }
    bpt a0s = a0;
    co_add(&a0s, d, T);
    int rc = 0;
    rc |= bloop_push(A, a0s);
    for (size_t i = 0; i < seam.n && !rc; i++) {
        bpt p = seam.pts[i];
        co_add(&p, d, T);
        rc |= bloop_push(A, p);
    }
    size_t K = A->n < 16 ? 16 : A->n;
    if (K > 4096) K = 4096;
    for (size_t i = 0; i <= K && !rc; i++) {
        double x = co(&a0, d) + T * (1.0 - (double)i / (double)K);
        bpt p = {(uint32_t)pid, d == 0 ? x : pole, d == 0 ? pole : x, pp, -1, UINT32_MAX};
        rc |= bloop_push(A, p);
    }
    for (size_t i = seam.n; i-- > 0 && !rc;) rc |= bloop_push(A, seam.pts[i]);
    free(seam.pts);
    return rc ? -1 : 0;
}

/* A face bounded only by vertex loops on a closed surface (a whole sphere or torus):
 * the loop is the boundary of the full parameter rectangle, with the seam points
 * shared by both copies of a seam and a pole collapsed to one vertex. 0 ok, 1 not
 * such a surface, -1 out of memory. */
static int full_domain(solid_ctx *c, const geom_surf *S, bloop *out, double defl, double u_start) {
    double u0, u1, v0, v1;
    geom_surf_range(S, &u0, &u1, &v0, &v1);
    if (!S->period_u) return 1;
    if (isfinite(u_start)) u0 = u_start;   /* where the seam of the domain runs */
    u1 = u0 + S->period_u;
    if (S->period_v) v1 = v0 + S->period_v;
    else if (S->kind == GEOM_SURF_SPHERE) { v0 = -M_PI / 2; v1 = M_PI / 2; }
    else return 1;
    /* seam along v at u0 (shared by u1), and for a torus seam along u at v0 */
    bloop sv = {0}, su = {0};
    double a[2] = {u0, v0}, z[2] = {u0, v1};
    if (seam_points(c, S, a, z, defl, &sv, 0)) goto oom;
    if (S->period_v) {
        double a2[2] = {u0, v0}, z2[2] = {u1, v0};
        if (seam_points(c, S, a2, z2, defl, &su, 0)) goto oom;
    }
    vec3 p00, p01;
    geom_surf_eval(S, u0, v0, 0, &p00);
    geom_surf_eval(S, u0, v1, 0, &p01);
    long c00 = mesh_add_vert(c->m, p00.x, p00.y, p00.z);
    long c01 = S->period_v ? c00 : mesh_add_vert(c->m, p01.x, p01.y, p01.z);
    if (c00 < 0 || c01 < 0) goto oom;
    const int K = 64;
    /* bottom: v0 from u0 to u1 */
    bpt q = {(uint32_t)c00, u0, v0, p00, -1, UINT32_MAX};
    if (bloop_push(out, q)) goto oom;
    if (S->period_v) {
        for (size_t i = 0; i < su.n; i++) if (bloop_push(out, su.pts[i])) goto oom;
    } else {
        for (int i = 1; i < K; i++) {
            bpt r = q;
            r.u = u0 + (u1 - u0) * i / K;
            if (bloop_push(out, r)) goto oom;
        }
    }
    /* right: u1 from v0 to v1 (copy of the left seam) */
    q.u = u1;
    if (bloop_push(out, q)) goto oom;
    for (size_t i = 0; i < sv.n; i++) {
        bpt r = sv.pts[i];
        r.u += u1 - u0;
        if (bloop_push(out, r)) goto oom;
    }
    /* top: v1 from u1 to u0 */
    bpt t = {(uint32_t)c01, u1, v1, p01, -1, UINT32_MAX};
    if (bloop_push(out, t)) goto oom;
    if (S->period_v) {
        for (size_t i = su.n; i-- > 0;) {
            bpt r = su.pts[i];
            r.v += v1 - v0;
            if (bloop_push(out, r)) goto oom;
        }
    } else {
        for (int i = 1; i < K; i++) {
            bpt r = t;
            r.u = u1 - (u1 - u0) * i / K;
            if (bloop_push(out, r)) goto oom;
        }
    }
    t.u = u0;
    if (bloop_push(out, t)) goto oom;
    /* left: u0 from v1 down to v0 */
    for (size_t i = sv.n; i-- > 0;) if (bloop_push(out, sv.pts[i])) goto oom;
    free(sv.pts); free(su.pts);
    return 0;
oom:
    free(sv.pts); free(su.pts);
    return -1;
}

typedef struct face_fail { char msg[160]; } face_fail;

#define FAIL(...) do { snprintf(ff->msg, sizeof ff->msg, __VA_ARGS__); rc = 1; goto done; } while (0)

/* point-in-polygon on (u, v) of a loop */
/* Squared distance from p to the surface point at pcurve parameter t; uv out. */
static double pc_dist2(const geom_surf *S, const geom_curve *C, double t, vec3 p, double uv[2]) {
    vec3 q, x;
    geom_curve_eval(C, t, &q, NULL, NULL);
    geom_surf_eval(S, q.x, q.y, 0, &x);
    uv[0] = q.x;
    uv[1] = q.y;
    double d = v3_dist(x, p);
    return isfinite(d) ? d * d : INFINITY;
}

/* PCURVEs where inverting the 3D edge is unreliable. A coedge with a PCURVE on the
 * face's surface (brep_coedge.pcurve) some of whose samples lie more than the
 * deflection from the surface point that inversion found (res[i]), i.e. an edge
 * off its face: each sample is matched with the nearest point of S(pcurve) (a
 * search along the 2D curve: one parameter, well conditioned where the surface
 * inversion is not). Where those surface points and the inverted ones agree within
 * the deflection, nothing changes. Where they do not (inversion found another part
 * of the surface than the file trims by), the samples take the PCURVE's (u, v),
 * and an interior sample off the surface by more than the deflection moves onto it
 * (the mesh vertex is the edge's, shared with the neighbouring face, so the mesh
 * stays closed; the edge's end vertices never move). The inverted (u, v) stay where
 * the PCURVE does not fit the edge: its parameters not monotone along it, or its
 * surface points further from the samples than twice the inversion's worst
 * residual plus the deflection. On a periodic surface the PCURVE's values move by
 * whole periods to the inverted ones. */
/* The parameter in [ta, tb] of 2D curve C whose point on S lies nearest p: the best
 * of 65 grid points, refined by golden section over the grid steps around it. uv and
 * *dist get that point's surface parameters and its distance to p. */
static double pcurve_nearest(const geom_surf *S, const geom_curve *C, double ta, double tb, vec3 p, double uv[2],
                             double *dist) {
    enum { NG = 64 };
    double best = INFINITY;
    int jb = 0;
    for (int j = 0; j <= NG; j++) {
        double d = pc_dist2(S, C, ta + (tb - ta) * j / NG, p, uv);
        if (d < best) { best = d; jb = j; }
    }
    double lo = ta + (tb - ta) * (jb > 0 ? jb - 1 : 0) / NG, hi = ta + (tb - ta) * (jb < NG ? jb + 1 : NG) / NG;
    const double g = 0.6180339887498949;
    double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
    double f1 = pc_dist2(S, C, x1, p, uv), f2 = pc_dist2(S, C, x2, p, uv);
    for (int it = 0; it < 48 && hi - lo > 1e-13 * (tb - ta); it++) {
        if (f1 < f2) { hi = x2; x2 = x1; f2 = f1; x1 = hi - g * (hi - lo); f1 = pc_dist2(S, C, x1, p, uv); }
        else { lo = x1; x1 = x2; f1 = f2; x2 = lo + g * (hi - lo); f2 = pc_dist2(S, C, x2, p, uv); }
    }
    double t = 0.5 * (lo + hi);
    *dist = sqrt(pc_dist2(S, C, t, p, uv));
    return t;
}

static void use_pcurves(solid_ctx *c, const geom_surf *S, const brep_loop *L, bloop *bl, const double *res) {
    const brep *b = c->b;
    double defl = c->o->deflection_mm;
    for (uint32_t k = 0; k < L->n_coedges; k++) {
        const brep_coedge *ce = &b->coedges[L->first_coedge + k];
        if (ce->pcurve < 0 || (size_t)ce->pcurve >= b->n_curves) continue;
        size_t i0 = 0;
        while (i0 < bl->n && bl->pts[i0].ce != (int)k) i0++;
        size_t i1 = i0;
        while (i1 < bl->n && bl->pts[i1].ce == (int)k) i1++;
        if (i1 - i0 < 3) continue;
        double worst = 0;
        for (size_t i = i0; i < i1; i++) worst = fmax(worst, res[i]);
        if (!(worst > defl)) continue;
        const geom_curve *C = b->curves[ce->pcurve];
        double ta, tb;
        int per;
        geom_curve_range(C, &ta, &tb, &per);
        if (!(tb > ta)) continue;
        size_t n = i1 - i0;
        double *sp = malloc(n * 3 * sizeof *sp);   /* parameter, u, v per sample */
        if (!sp) continue;
        double worst_pc = 0;
        for (size_t i = i0; i < i1; i++) {
            double uv[2], d, t = pcurve_nearest(S, C, ta, tb, bl->pts[i].p, uv, &d);
            size_t q = i - i0;
            sp[3 * q] = t; sp[3 * q + 1] = uv[0]; sp[3 * q + 2] = uv[1];
            worst_pc = fmax(worst_pc, d);
        }
        int ok = worst_pc <= 2 * worst + defl;
        double dir = sp[3 * (n - 1)] - sp[0];
        for (size_t q = 0; ok && q + 1 < n; q++)
            if ((sp[3 * (q + 1)] - sp[3 * q]) * (dir < 0 ? -1 : 1) < -1e-9 * (tb - ta)) ok = 0;
        /* both give the same surface points: inversion was reliable after all */
        double apart = 0;
        for (size_t i = i0; ok && i < i1; i++) {
            vec3 x, y;
            geom_surf_eval(S, bl->pts[i].u, bl->pts[i].v, 0, &x);
            geom_surf_eval(S, sp[3 * (i - i0) + 1], sp[3 * (i - i0) + 2], 0, &y);
            apart = fmax(apart, v3_dist(x, y));
        }
        if (!(apart > defl)) ok = 0;
        if (ok) {
            double sh[2] = {0, 0};
            for (int d = 0; d < 2; d++) {
                double P = d ? S->period_v : S->period_u;
                if (!P) continue;
                double m_inv = 0, m_pc = 0;
                for (size_t i = i0; i < i1; i++) {
                    m_inv += d ? bl->pts[i].v : bl->pts[i].u;
                    m_pc += sp[3 * (i - i0) + 1 + d];
                }
                sh[d] = P * round((m_inv - m_pc) / ((double)n * P));
            }
            for (size_t i = i0; i < i1; i++) {
                bpt *pt = &bl->pts[i];
                pt->u = sp[3 * (i - i0) + 1] + sh[0];
                pt->v = sp[3 * (i - i0) + 2] + sh[1];
                vec3 x;
                geom_surf_eval(S, pt->u, pt->v, 0, &x);
                if (i == i0 || !(v3_dist(x, pt->p) > defl) || !isfinite(x.x + x.y + x.z)) continue;
                double *m = c->m->verts + 3 * (size_t)pt->id;
                m[0] = x.x; m[1] = x.y; m[2] = x.z;
                pt->p = x;
            }
        }
        free(sp);
    }
}

static void loop_bbox(bloop *l) {
    l->umin = l->vmin = DBL_MAX;
    l->umax = l->vmax = -DBL_MAX;
    for (size_t i = 0; i < l->n; i++) {
        l->umin = fmin(l->umin, l->pts[i].u); l->umax = fmax(l->umax, l->pts[i].u);
        l->vmin = fmin(l->vmin, l->pts[i].v); l->vmax = fmax(l->vmax, l->pts[i].v);
    }
}

/* Returns 0 ok, 1 face failed (ff->msg), -1 out of memory. */
static int tess_face(solid_ctx *c, const brep_face *f, dvec *ts, face_fail *ff) {
    const brep *b = c->b;
    const tess_opts *o = c->o;
    int rc = 0;
    bloop *loops = NULL;
    size_t n_loops = 0;
    cdt D;
    memset(&D, 0, sizeof D);
    uint32_t *pid = NULL;   /* cdt point -> mesh id (UINT32_MAX: interior, not yet) */
    double *puv = NULL;     /* raw (u, v) per cdt point */
    vec3 *pxyz = NULL, *pnrm = NULL;
    size_t cap_pts = 0;

    if (f->surf < 0) { snprintf(ff->msg, sizeof ff->msg, "face has no usable surface"); return 1; }
    const geom_surf *S = b->surfs[f->surf];
    if (f->n_loops == 0) { snprintf(ff->msg, sizeof ff->msg, "face has no bounds"); return 1; }
    loops = calloc(f->n_loops, sizeof *loops);
    if (!loops) return -1;
    size_t loops_cap = f->n_loops;

    /* 1. loops as point lists with (u, v) */
    for (uint32_t li = 0; li < f->n_loops; li++) {
        const brep_loop *L = &b->loops[f->first_loop + li];
        if (L->n_coedges == 0) continue;   /* vertex loop: a pole or apex, no constraint */
        bloop *bl = &loops[n_loops++];
        uint32_t prev_end = UINT32_MAX, first_start = UINT32_MAX;
        for (uint32_t k = 0; k < L->n_coedges; k++) {
            const brep_coedge *ce = &b->coedges[L->first_coedge + k];
            if (ce->edge >= b->n_edges) FAIL("bad edge index");
            const brep_edge *e = &b->edges[ce->edge];
            if (ensure_edge(c, ce->edge, ts)) { rc = -1; goto done; }
            uint32_t s0 = ce->reversed ? e->v1 : e->v0, s1 = ce->reversed ? e->v0 : e->v1;
            if (k == 0) first_start = s0;
            if (prev_end != UINT32_MAX && prev_end != s0 &&
                v3_dist(b->verts[prev_end].p, b->verts[s0].p) > 10 * o->deflection_mm)
                FAIL("edge loop does not close (edge %u)", k);
            prev_end = s1;
            size_t first = (size_t)c->efirst[ce->edge], n = c->ecount[ce->edge];
            for (size_t i = 0; i + 1 < n; i++) {
                size_t j = ce->reversed ? first + n - 1 - i : first + i;
                bpt p;
                p.id = c->ids.v[j];
                const double *xyz = c->m->verts + 3 * (size_t)p.id;
                p.p = v3(xyz[0], xyz[1], xyz[2]);
                p.u = p.v = 0;
                p.ce = (int)k;
                p.edge = ce->edge;
                if (bloop_push(bl, p)) { rc = -1; goto done; }
            }
        }
        if (prev_end != first_start && v3_dist(b->verts[prev_end].p, b->verts[first_start].p) > 10 * o->deflection_mm)
            FAIL("edge loop does not close");
        if (bl->n < 2) { n_loops--; bl->n = 0; continue; }
        /* (u, v) by inversion, hinted by the previous point; PCURVEs where that
         * leaves samples off the surface */
        double hint[2] = {0, 0};
        int have = 0;
        double *res = malloc(bl->n * sizeof *res);
        if (!res) { rc = -1; goto done; }
        for (size_t i = 0; i < bl->n; i++) {
            double u, v;
            res[i] = geom_surf_project(S, bl->pts[i].p, have ? hint : NULL, &u, &v);
            if (!isfinite(u) || !isfinite(v)) { free(res); FAIL("point inversion failed"); }
            bl->pts[i].u = u; bl->pts[i].v = v;
            hint[0] = u; hint[1] = v;
            have = 1;
        }
        use_pcurves(c, S, L, bl, res);
        free(res);
        /* a seam edge used twice must lie one period apart */
        fix_seams(S, bl, f->reversed ? -1 : 1);
        /* after a pole, u is ambiguous by a period (a half sphere between two
         * meridians): a face with one loop must be on the loop's left */
        if (S->period_u && f->n_loops == 1 && loop_area(bl) * (f->reversed ? -1 : 1) < 0) {
            for (size_t i = 0; i + 1 < bl->n; i++) {
                vec3 d[3];
                geom_surf_eval(S, bl->pts[i].u, bl->pts[i].v, 1, d);
                if (!(v3_len(d[1]) <= 1e-7 * v3_len(d[2]))) continue;
                int fixed = 0;
                for (int sg = -1; sg <= 1 && !fixed; sg += 2) {
                    for (size_t j = i + 1; j < bl->n; j++) bl->pts[j].u += sg * S->period_u;
                    if (loop_area(bl) * (f->reversed ? -1 : 1) > 0) fixed = 1;
                    else for (size_t j = i + 1; j < bl->n; j++) bl->pts[j].u -= sg * S->period_u;
                }
                if (fixed) break;
            }
            if (loop_area(bl) * (f->reversed ? -1 : 1) < 0 && (S->kind == GEOM_SURF_SPHERE || S->kind == GEOM_SURF_CONE)) {
                /* still on the wrong side: the face is the other part, around the
                 * far pole. Pass through the pole the other way round (the points
                 * after it move by a period), so the loop wraps and is closed by the
                 * far pole below */
                double mv = 0;
                for (size_t i = 0; i < bl->n; i++) mv += bl->pts[i].v;
                mv /= (double)bl->n;
                for (size_t i = 0; i < bl->n; i++) {
                    vec3 d[3];
                    geom_surf_eval(S, bl->pts[i].u, bl->pts[i].v, 1, d);
                    if (!(v3_len(d[1]) <= 1e-7 * v3_len(d[2]))) continue;
                    /* rotate so that the pole is the second point */
                    size_t sh = (i + bl->n - 1) % bl->n;
                    if (sh) {
                        bpt *tmp = malloc(bl->n * sizeof *tmp);
                        if (!tmp) { rc = -1; goto done; }
                        for (size_t j = 0; j < bl->n; j++) tmp[j] = bl->pts[(sh + j) % bl->n];
                        /* re-unwrap by continuity after the rotation */
                        for (size_t j = 1; j < bl->n; j++)
                            tmp[j].u += S->period_u * round((tmp[j - 1].u - tmp[j].u) / S->period_u) *
                                        (j == 1 ? 0 : 1);
                        memcpy(bl->pts, tmp, bl->n * sizeof *tmp);
                        free(tmp);
                    }
                    int want_side = bl->pts[1].v > mv ? -1 : 1;
                    double sg = want_side * (f->reversed ? -1 : 1);
                    for (size_t j = 2; j < bl->n; j++) bl->pts[j].u += sg * S->period_u;
                    break;
                }
            }
        }
        /* poles: a point where Su (or Sv) vanishes takes its u (v) from both neighbours */
        for (size_t i = 0; i < bl->n; i++) {
            vec3 d[3];
            geom_surf_eval(S, bl->pts[i].u, bl->pts[i].v, 1, d);
            double lu = v3_len(d[1]), lv = v3_len(d[2]);
            int du = lu <= 1e-7 * lv, dv = lv <= 1e-7 * lu;
            if (!du && !dv) continue;
            bpt *pp = &bl->pts[(i + bl->n - 1) % bl->n], *pn = &bl->pts[(i + 1) % bl->n];
            bpt cur = bl->pts[i], dup = cur;
            if (du) { cur.u = pp->u; dup.u = pn->u; }
            else { cur.v = pp->v; dup.v = pn->v; }
            bl->pts[i] = cur;
            double gap = du ? dup.u - cur.u : dup.v - cur.v;
            if (fabs(gap) > 1e-12) {
                /* the pole as a line of points in (u, v), all one mesh vertex, so the
                 * triangles next to it fan out evenly */
                int k_n = (int)ceil(fabs(gap) / (M_PI / 32));
                if (k_n < 1) k_n = 1;
                if (k_n > 256) k_n = 256;
                for (int k = 0; k < k_n; k++)
                    if (bloop_push(bl, dup)) { rc = -1; goto done; }
                memmove(bl->pts + i + 1 + k_n, bl->pts + i + 1, (bl->n - i - 1 - (size_t)k_n) * sizeof(bpt));
                for (int k = 1; k <= k_n; k++) {
                    bpt q = dup;
                    if (du) q.u = cur.u + gap * k / k_n; else q.v = cur.v + gap * k / k_n;
                    bl->pts[i + (size_t)k] = q;
                }
                i += (size_t)k_n;
            }
        }
        loop_bbox(bl);
    }
    if (n_loops == 0) {
        int r = full_domain(c, S, &loops[0], o->deflection_mm, NAN);
        if (r < 0) { rc = -1; goto done; }
        if (r > 0) FAIL("face has no edge loops");
        n_loops = 1;
        loop_bbox(&loops[0]);
    }
    /* loops that wrap around a periodic direction without a seam: two of them bound a
     * band (joined by a seam), one of them and a pole bound a cap */
    for (int d = 0; d < 2; d++) {
        double P = d ? S->period_v : S->period_u;
        if (!P) continue;
        size_t w[2], nw = 0;
        double T[2] = {0, 0};
        for (size_t i = 0; i < n_loops; i++) {
            bloop *bl = &loops[i];
            if (bl->n == 0) continue;
            double J = co(&bl->pts[0], d) - co(&bl->pts[bl->n - 1], d);
            if (fabs(J) <= 0.5 * P) continue;
            if (nw == 2) FAIL("more than two loops wrap around the surface");
            T[nw] = -P * round(J / P);
            w[nw++] = i;
        }
        if (nw == 2) {
            int r = join_band(c, S, loops, n_loops, w[0], w[1], d, T[0], T[1], o->deflection_mm, f->reversed ? -1 : 1);
            if (r < 0) { rc = -1; goto done; }
            if (r > 0) FAIL("cannot join the two loops around the surface");
        } else if (nw == 1) {
            int r = close_cap(c, S, &loops[w[0]], d, T[0], f->reversed ? -1 : 1, o->deflection_mm);
            if (r < 0) { rc = -1; goto done; }
            if (r > 0) FAIL("loop wraps around a periodic surface without a seam or pole");
        }
    }
    /* one loop on a sphere, clear of the poles, with the face on its other side:
     * the face is the rest of the sphere (both poles in it), i.e. the whole domain
     * with the loop as a hole; the domain's seam runs through the middle of the
     * gap the loop leaves in u */
    if (S->kind == GEOM_SURF_SPHERE && n_loops == 1 && loops[0].n >= 3 && S->period_u &&
        loop_area(&loops[0]) * (f->reversed ? -1 : 1) < 0) {
        bloop *L = &loops[0];
        int clear = fabs(L->pts[0].u - L->pts[L->n - 1].u) <= 0.5 * S->period_u;
        for (size_t i = 0; i < L->n && clear; i++)
            if (fabs(fabs(L->pts[i].v) - 0.5 * M_PI) < 1e-6) clear = 0;
        loop_bbox(L);
        if (clear && L->umax - L->umin < S->period_u) {
            double u_seam = L->umin - 0.5 * (S->period_u - (L->umax - L->umin));
            bloop *nl = realloc(loops, 2 * sizeof *loops);
            if (!nl) { rc = -1; goto done; }
            loops = nl;
            loops_cap = 2;
            memset(&loops[1], 0, sizeof loops[1]);
            int r = full_domain(c, S, &loops[1], o->deflection_mm, u_seam);
            if (r < 0) { rc = -1; goto done; }
            if (r == 0) n_loops = 2;
        }
    }
    {   /* drop emptied loops */
        size_t k = 0;
        for (size_t i = 0; i < n_loops; i++) {
            if (loops[i].n == 0) { free(loops[i].pts); continue; }
            loop_bbox(&loops[i]);
            loops[k++] = loops[i];
        }
        for (size_t i = k; i < n_loops; i++) memset(&loops[i], 0, sizeof loops[i]);
        n_loops = k;
    }
    /* a single loop enclosing no area in (u, v): its edges run back over each other
     * (a sliver face on a folded, badly conditioned patch); what lies between them
     * in (u, v) is not the face */
    if (n_loops == 1 && loops[0].n >= 3) {
        double box = (loops[0].umax - loops[0].umin) * (loops[0].vmax - loops[0].vmin);
        if (box > 0 && fabs(loop_area(&loops[0])) < 1e-5 * box) FAIL("loop encloses no area in the parameter plane");
    }

    /* 2. align loops to the largest one across periods */
    size_t big = 0;
    double best = -1;
    for (size_t i = 0; i < n_loops; i++) {
        double a = (loops[i].umax - loops[i].umin) * (loops[i].vmax - loops[i].vmin);
        if (a > best) { best = a; big = i; }
    }
    for (size_t i = 0; i < n_loops; i++) {
        if (i == big) continue;
        double sh[2] = {0, 0};
        for (int dir = 0; dir < 2; dir++) {
            double per = dir ? S->period_v : S->period_u;
            if (!per) continue;
            double cb = dir ? 0.5 * (loops[big].vmin + loops[big].vmax) : 0.5 * (loops[big].umin + loops[big].umax);
            double ci = dir ? 0.5 * (loops[i].vmin + loops[i].vmax) : 0.5 * (loops[i].umin + loops[i].umax);
            sh[dir] = per * round((cb - ci) / per);
        }
        if (sh[0] || sh[1]) {
            for (size_t k = 0; k < loops[i].n; k++) { loops[i].pts[k].u += sh[0]; loops[i].pts[k].v += sh[1]; }
            loop_bbox(&loops[i]);
        }
    }

    /* 3. scale (u, v) to lengths */
    double su = 0, sv = 0;
    size_t ns = 0;
    for (size_t i = 0; i < n_loops; i++)
        for (size_t k = 0; k < loops[i].n; k += 1 + loops[i].n / 64) {
            vec3 d[3];
            geom_surf_eval(S, loops[i].pts[k].u, loops[i].pts[k].v, 1, d);
            su += v3_len(d[1]); sv += v3_len(d[2]); ns++;
        }
    su = ns && su > 0 ? su / (double)ns : 1;
    sv = ns && sv > 0 ? sv / (double)ns : 1;
    if (!isfinite(su) || !isfinite(sv)) FAIL("surface derivatives are not finite");
    /* ruled surfaces are straight along v: compressing v makes the Delaunay
     * triangulation prefer long triangles along the rulings, which is what the
     * chordal tolerance allows (isotropic refinement would fill the face densely) */
    if (S->kind == GEOM_SURF_CYLINDER || S->kind == GEOM_SURF_CONE || S->kind == GEOM_SURF_EXTRUSION) sv *= 0.1;

    /* 4. triangulate the loops */
    double x0 = DBL_MAX, y0 = DBL_MAX, x1 = -DBL_MAX, y1 = -DBL_MAX;
    size_t n_bpts = 0;
    for (size_t i = 0; i < n_loops; i++) {
        x0 = fmin(x0, loops[i].umin * su); x1 = fmax(x1, loops[i].umax * su);
        y0 = fmin(y0, loops[i].vmin * sv); y1 = fmax(y1, loops[i].vmax * sv);
        n_bpts += loops[i].n;
    }
    if (!(x1 > x0) || !(y1 > y0)) FAIL("face is degenerate in its parameter domain");
    double diag = hypot(x1 - x0, y1 - y0);
    if (cdt_init(&D, x0, y0, x1, y1)) { rc = -1; goto done; }
    cap_pts = n_bpts + 3 + 1024;
    pid = malloc(cap_pts * sizeof *pid);
    puv = malloc(cap_pts * 2 * sizeof *puv);
    pxyz = malloc(cap_pts * sizeof *pxyz);
    pnrm = malloc(cap_pts * sizeof *pnrm);
    if (!pid || !puv || !pxyz || !pnrm) { rc = -1; goto done; }
    for (int i = 0; i < 3; i++) pid[i] = UINT32_MAX;
    int **lidx = calloc(n_loops, sizeof *lidx);
    if (!lidx) { rc = -1; goto done; }
    for (size_t i = 0; i < n_loops && rc == 0; i++) {
        lidx[i] = malloc(loops[i].n * sizeof(int));
        if (!lidx[i]) { rc = -1; break; }
        for (size_t k = 0; k < loops[i].n; k++) {
            bpt *p = &loops[i].pts[k];
            int np_before = D.np;
            int idx = cdt_insert(&D, p->u * su, p->v * sv, 1e-12 * diag);
            if (idx < 0) { snprintf(ff->msg, sizeof ff->msg, "triangulation failed"); rc = 1; break; }
            lidx[i][k] = idx;
            if (D.np > np_before) {
                pid[idx] = p->id;
                puv[2 * idx] = p->u; puv[2 * idx + 1] = p->v;
                /* refinement compares against the surface itself, so boundary points
                 * sit at S(u, v) here (edge curves may be off the surface by the
                 * file tolerance; measuring that gap would refine forever) */
                geom_surf_eval(S, p->u, p->v, 0, &pxyz[idx]);
                pnrm[idx] = geom_surf_normal(S, p->u, p->v);
            }
        }
    }
    int np_ins = D.np;
    for (size_t i = 0; i < n_loops && rc == 0; i++)
        for (size_t k = 0; k < loops[i].n; k++) {
            int a = lidx[i][k], z = lidx[i][(k + 1) % loops[i].n];
            if (cdt_add_constraint(&D, a, z, 0)) {
                snprintf(ff->msg, sizeof ff->msg, "cannot recover boundary segment (self-intersecting loop?)");
                rc = 1;
                break;
            }
        }
    for (size_t i = 0; i < n_loops; i++) free(lidx[i]);
    free(lidx);
    if (rc) goto done;
    /* points the constraint recovery created at self-crossings of the loops */
    if (D.np > np_ins) {
        int first_new = np_ins;
        if ((size_t)D.np + 1 >= cap_pts) {
            size_t nc = (size_t)D.np * 2 + 16;
            uint32_t *a1 = realloc(pid, nc * sizeof *pid);
            if (a1) pid = a1;
            double *a2 = realloc(puv, nc * 2 * sizeof *puv);
            if (a2) puv = a2;
            vec3 *a3 = realloc(pxyz, nc * sizeof *pxyz);
            if (a3) pxyz = a3;
            vec3 *a4 = realloc(pnrm, nc * sizeof *pnrm);
            if (a4) pnrm = a4;
            if (!a1 || !a2 || !a3 || !a4) { rc = -1; goto done; }
            cap_pts = nc;
        }
        for (int q = first_new; q >= 0 && q < D.np; q++) {
            pid[q] = UINT32_MAX;
            puv[2 * q] = D.p[2 * q] / su; puv[2 * q + 1] = D.p[2 * q + 1] / sv;
            geom_surf_eval(S, puv[2 * q], puv[2 * q + 1], 0, &pxyz[q]);
            pnrm[q] = geom_surf_normal(S, puv[2 * q], puv[2 * q + 1]);
        }
    }
    if (cdt_classify(&D)) { rc = -1; goto done; }

    /* 5. refine */
    double defl = o->deflection_mm, cos_ang = cos(o->angle_rad);
    double min_area = 1e-14 * (x1 - x0) * (y1 - y0);
    size_t max_pts = (size_t)D.np + o->max_points_per_face;
    int changed = 1;
    for (int pass = 0; pass < 60 && changed; pass++) {
        changed = 0;
        int nt = D.nt;
        for (int t = 0; t < nt; t++) {
            cdt_tri *T = &D.t[t];
            if (!T->in || T->ok) continue;
            if ((size_t)D.np >= max_pts) break;
            int a = T->v[0], bb = T->v[1], cc = T->v[2];
            const double *A = D.p + 2 * a, *B = D.p + 2 * bb, *C = D.p + 2 * cc;
            double ar = 0.5 * ((B[0] - A[0]) * (C[1] - A[1]) - (B[1] - A[1]) * (C[0] - A[0]));
            if (ar <= min_area) { T->ok = 1; continue; }
            vec3 PA = pxyz[a], PB = pxyz[bb], PC = pxyz[cc];
            vec3 n = v3_cross(v3_sub(PB, PA), v3_sub(PC, PA));
            double ln = v3_len(n);
            vec3 nh = ln > 0 ? v3_scale(n, 1 / ln) : n;
            /* worst interior edge midpoint */
            int worst_k = -1;
            double worst = defl, worst_len = 0;
            for (int k = 0; k < 3; k++) {
                if (T->c[k]) continue;
                int p = T->v[k], q = T->v[(k + 1) % 3];
                double mu = 0.5 * (puv[2 * p] + puv[2 * q]), mv = 0.5 * (puv[2 * p + 1] + puv[2 * q + 1]);
                vec3 sm;
                geom_surf_eval(S, mu, mv, 0, &sm);
                double dev = v3_dist(sm, v3_scale(v3_add(pxyz[p], pxyz[q]), 0.5));
                double len = v3_dist(pxyz[p], pxyz[q]);
                if (dev > worst || (dev > defl && len > worst_len)) { worst = dev; worst_k = k; worst_len = len; }
            }
            double cu = (puv[2 * a] + puv[2 * bb] + puv[2 * cc]) / 3, cv = (puv[2 * a + 1] + puv[2 * bb + 1] + puv[2 * cc + 1]) / 3;
            int split_center = 0;
            if (worst_k < 0) {
                vec3 sc;
                geom_surf_eval(S, cu, cv, 0, &sc);
                double dev = ln > 0 ? fabs(v3_dot(v3_sub(sc, PA), nh))
                                    : v3_dist(sc, v3_scale(v3_add(v3_add(PA, PB), PC), 1.0 / 3));
                if (dev > defl) split_center = 1;
                else if (ln > 0 && fmax(fmax(v3_dist(PA, PB), v3_dist(PB, PC)), v3_dist(PC, PA)) > 2 * defl) {
                    /* angular tolerance only above the deflection's scale: a feature
                     * smaller than that is already within the chordal tolerance */
                    const vec3 *nr[3] = {&pnrm[a], &pnrm[bb], &pnrm[cc]};
                    for (int k = 0; k < 3; k++)
                        if (v3_len(*nr[k]) > 0.5 && fabs(v3_dot(*nr[k], nh)) < cos_ang) split_center = 1;
                }
            }
            if (worst_k < 0 && !split_center) { T->ok = 1; continue; }
            /* refine by splitting the longest interior edge (longest-edge bisection
             * keeps triangles well shaped); the centroid only when every edge is a
             * boundary segment */
            {
                int lk = -1;
                double ll = 0;
                for (int k = 0; k < 3; k++) {
                    if (T->c[k]) continue;
                    double len = v3_dist(pxyz[T->v[k]], pxyz[T->v[(k + 1) % 3]]);
                    if (len > ll) { ll = len; lk = k; }
                }
                if (lk >= 0) {
                    double longest = fmax(fmax(v3_dist(PA, PB), v3_dist(PB, PC)), v3_dist(PC, PA));
                    /* a boundary edge much longer than the interior ones: the centroid
                     * is the better point */
                    if (ll >= 0.5 * longest) { worst_k = lk; split_center = 0; }
                }
            }
            if ((size_t)D.np + 1 >= cap_pts) {
                size_t nc = cap_pts * 2;
                uint32_t *a1 = realloc(pid, nc * sizeof *pid);
                if (a1) pid = a1;
                double *a2 = realloc(puv, nc * 2 * sizeof *puv);
                if (a2) puv = a2;
                vec3 *a3 = realloc(pxyz, nc * sizeof *pxyz);
                if (a3) pxyz = a3;
                vec3 *a4 = realloc(pnrm, nc * sizeof *pnrm);
                if (a4) pnrm = a4;
                if (!a1 || !a2 || !a3 || !a4) { rc = -1; goto done; }
                cap_pts = nc;
            }
            double nu, nv;
            int idx;
            if (worst_k >= 0) {
                int p = T->v[worst_k], q = T->v[(worst_k + 1) % 3];
                nu = 0.5 * (puv[2 * p] + puv[2 * q]); nv = 0.5 * (puv[2 * p + 1] + puv[2 * q + 1]);
                idx = cdt_split_edge(&D, t, worst_k, nu * su, nv * sv);
            } else {
                nu = cu; nv = cv;
                idx = cdt_insert_in(&D, t, nu * su, nv * sv);
            }
            if (idx < 0) { rc = -1; goto done; }
            pid[idx] = UINT32_MAX;
            puv[2 * idx] = nu; puv[2 * idx + 1] = nv;
            geom_surf_eval(S, nu, nv, 0, &pxyz[idx]);
            pnrm[idx] = geom_surf_normal(S, nu, nv);
            if (!isfinite(pxyz[idx].x) || !isfinite(pxyz[idx].y) || !isfinite(pxyz[idx].z))
                FAIL("surface evaluation is not finite");
            changed = 1;
        }
    }

    /* 6. emit triangles */
    {
        size_t first_tri = c->m->n_tris, first_vert = c->m->n_verts;
        for (int t = 0; t < D.nt; t++) {
            cdt_tri *T = &D.t[t];
            if (!T->in) continue;
            uint32_t id[3];
            for (int k = 0; k < 3; k++) {
                int p = T->v[k];
                if (pid[p] == UINT32_MAX) {
                    long nid = mesh_add_vert(c->m, pxyz[p].x, pxyz[p].y, pxyz[p].z);
                    if (nid < 0) { rc = -1; goto done; }
                    pid[p] = (uint32_t)nid;
                }
                id[k] = pid[p];
            }
            if (id[0] == id[1] || id[1] == id[2] || id[0] == id[2]) continue;
            int r = f->reversed ? mesh_add_tri(c->m, id[0], id[2], id[1]) : mesh_add_tri(c->m, id[0], id[1], id[2]);
            if (r) { rc = -1; goto done; }
            if (S->kind != GEOM_SURF_PLANE && add_corr(c, S, f->reversed, T, puv, id)) { rc = -1; goto done; }
        }
        if (c->m->n_tris == first_tri) {
            c->m->n_verts = first_vert;
            FAIL("face produced no triangles");
        }
    }

done:
    for (size_t i = 0; i < loops_cap && loops; i++) free(loops[i].pts);
    free(loops);
    cdt_release(&D);
    free(pid); free(puv); free(pxyz); free(pnrm);
    return rc;
}


sl_status tess_solid(const brep *b, uint32_t solid, const tess_opts *o, mesh *out, tess_report *rep) {
    if (solid >= b->n_solids) return SL_ERR_ARG;
    /* aim at half the requested deflection: the chord checks sample a few points
     * per segment / triangle, and the margin keeps the whole mesh within the bound
     * (it also brings areas close to the exact ones: see docs/brep.md) */
    tess_opts oh = *o;
    oh.deflection_mm = 0.5 * o->deflection_mm;
    solid_ctx c;
    memset(&c, 0, sizeof c);
    c.b = b; c.o = &oh; c.m = out;
    c.vmap = malloc((b->n_verts + 1) * sizeof *c.vmap);
    c.efirst = malloc((b->n_edges + 1) * sizeof *c.efirst);
    c.ecount = calloc(b->n_edges + 1, sizeof *c.ecount);
    dvec ts = {0};
    sl_status st = SL_OK;
    if (!c.vmap || !c.efirst || !c.ecount) { st = SL_ERR_NOMEM; goto out; }
    for (size_t i = 0; i < b->n_verts; i++) c.vmap[i] = -1;
    for (size_t i = 0; i < b->n_edges; i++) c.efirst[i] = -1;
    const brep_solid *so = &b->solids[solid];
    size_t solid_first_tri = out->n_tris;
    for (uint32_t si = 0; si < so->n_shells; si++) {
        const brep_shell *sh = &b->shells[so->first_shell + si];
        size_t shell_first_tri = out->n_tris;
        for (uint32_t fi = 0; fi < sh->n_faces; fi++) {
            const brep_face *f = &b->faces[sh->first_face + fi];
            face_fail ff;
            ff.msg[0] = 0;
            int r = tess_face(&c, f, &ts, &ff);
            if (r < 0) { st = SL_ERR_NOMEM; goto out; }
            if (rep) {
                rep->n_faces++;
                if (r > 0) {
                    if (!rep->n_faces_failed) {
                        rep->first_failed_id = f->step_id;
                        snprintf(rep->first_failure, sizeof rep->first_failure, "%s", ff.msg);
                    }
                    rep->n_faces_failed++;
                }
            }
        }
        /* faces that do not share their edges in the file leave cracks: close them
         * within the requested deflection (each side is within it of the edge) */
        if (so->kind == BREP_SOLID && out->n_tris > shell_first_tri &&
            mesh_close_cracks(out, shell_first_tri, o->deflection_mm) < 0) {
            st = SL_ERR_NOMEM;
            goto out;
        }
        /* A solid's outer shell encloses positive volume and its voids negative
         * volume. Writers do not always orient void shells (or even the outer
         * one, or single faces) that way: the triangles are oriented consistently
         * across shared edges, and each piece of the shell is turned over when its
         * signed volume disagrees. */
        if (so->kind == BREP_SOLID && out->n_tris > shell_first_tri &&
            mesh_orient_range(out, shell_first_tri, si == 0 ? 1 : -1) < 0) {
            st = SL_ERR_NOMEM;
            goto out;
        }
    }
    if (rep) {
        double da, dv;
        if (sum_corr(&c, solid_first_tri, &da, &dv)) { st = SL_ERR_NOMEM; goto out; }
        rep->area_corr_mm2 += da;
        if (so->kind == BREP_SOLID) rep->volume_corr_mm3 += dv;
    }
out:
    free(c.vmap); free(c.efirst); free(c.ecount); free(c.ids.v); free(ts.v); free(c.corr);
    return st;
}

sl_status tess_brep(const brep *b, const tess_opts *o, mesh *out, size_t *inst_first_tri, tess_report *rep) {
    mesh *cache = calloc(b->n_solids + 1, sizeof *cache);
    if (!cache) return SL_ERR_NOMEM;
    uint8_t *done = calloc(b->n_solids + 1, 1);
    double *corr_a = calloc(2 * (b->n_solids + 1), sizeof *corr_a);
    if (!done || !corr_a) { free(cache); free(done); free(corr_a); return SL_ERR_NOMEM; }
    double *corr_v = corr_a + b->n_solids + 1;
    sl_status st = SL_OK;
    for (size_t i = 0; i < b->n_instances && st == SL_OK; i++) {
        if (inst_first_tri) inst_first_tri[i] = out->n_tris;
        uint32_t s = b->instances[i].solid;
        if (s >= b->n_solids) continue;
        if (!done[s]) {
            mesh_init(&cache[s]);
            double a0 = rep ? rep->area_corr_mm2 : 0, v0 = rep ? rep->volume_corr_mm3 : 0;
            st = tess_solid(b, s, o, &cache[s], rep);
            if (rep) { corr_a[s] = rep->area_corr_mm2 - a0; corr_v[s] = rep->volume_corr_mm3 - v0; }
            done[s] = 1;
            if (st) break;
        } else if (rep) {
            rep->area_corr_mm2 += corr_a[s];
            rep->volume_corr_mm3 += corr_v[s];
            /* count faces of repeated instances too */
            const brep_solid *so = &b->solids[s];
            for (uint32_t k = 0; k < so->n_shells; k++) rep->n_faces += b->shells[so->first_shell + k].n_faces;
        }
        const mesh *src = &cache[s];
        size_t base = out->n_verts;
        const geom_xform *x = &b->instances[i].x;
        for (size_t v = 0; v < src->n_verts && st == SL_OK; v++) {
            vec3 p = geom_xform_point(x, v3(src->verts[3 * v], src->verts[3 * v + 1], src->verts[3 * v + 2]));
            if (mesh_add_vert(out, p.x, p.y, p.z) < 0) st = SL_ERR_NOMEM;
        }
        for (size_t t = 0; t < src->n_tris && st == SL_OK; t++) {
            const uint32_t *tr = src->tris + 3 * t;
            if (mesh_add_tri(out, (uint32_t)(base + tr[0]), (uint32_t)(base + tr[1]), (uint32_t)(base + tr[2])))
                st = SL_ERR_NOMEM;
        }
    }
    if (inst_first_tri) inst_first_tri[b->n_instances] = out->n_tris;
    for (size_t s = 0; s < b->n_solids; s++) if (done[s]) mesh_release(&cache[s]);
    free(cache);
    free(done);
    free(corr_a);
    return st;
}
