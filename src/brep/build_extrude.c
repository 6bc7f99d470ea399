/* build_extrude.c - extrusion of a profile, optionally with the edges where the side
 * faces meet a cap rounded (fillet) or bevelled (chamfer).
 *
 * With an edge treatment of size r on a cap, the side walls stop r short of the cap,
 * the cap is the profile offset r into the material, and a band joins them: per
 * profile segment a quarter cylinder (line) or torus (arc) for fillets, a 45-degree
 * plane (line) or cone (arc) for chamfers. Neighbouring bands meet along the curve
 * where their surfaces intersect: at a tangent join a quarter circle (fillet) or a
 * line (chamfer) in the plane normal to the profile; at a sharp line-line corner the
 * two equal-radius cylinders meet in the bisector plane along a quarter ellipse with
 * semi-axes |V - V'| (V the corner, V' the offset corner) and r, and two chamfer
 * planes along the line V -> V'. Everything stays exact. Supported profiles: lines,
 * arcs and circles whose joins are tangent or line-line corners. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "brep/build_int.h"

/* Copy of p with every loop offset by r into the material (left of travel). sharp[k]
 * (flat segment index) = 1 when the start vertex of segment k is a sharp corner. */
static sl_status offset_profile(const build_profile *p, double r, const char *what, build_profile **out,
                                int *sharp, sl_err *err) {
    *out = NULL;
    build_profile *q = build_profile_new(&p->plane);
    if (!q) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    q->loops = calloc(p->n_loops, sizeof *q->loops);
    if (!q->loops) { build_profile_free(q); return sl_err_set(err, SL_ERR_NOMEM, "out of memory"); }
    q->cap = q->n_loops = p->n_loops;
    size_t k0 = 0;
    for (size_t li = 0; li < p->n_loops; li++) {
        const build_loop *L = &p->loops[li];
        size_t n = L->n_segs;
        build_loop *Q = &q->loops[li];
        Q->segs = calloc(n, sizeof *Q->segs);
        if (!Q->segs) { build_profile_free(q); return sl_err_set(err, SL_ERR_NOMEM, "out of memory"); }
        Q->n_segs = Q->cap = n;
        for (size_t i = 0; i < n; i++) {
            const build_seg *s = &L->segs[i];
            build_seg *o = &Q->segs[i];
            *o = *s;
            o->ctrl = o->weights = o->knots = NULL;
            if (s->kind == BUILD_SEG_LINE) {
                double t[2];
                build_seg_tangent(s, 0.5, t);
                double nx = -t[1] * r, ny = t[0] * r;
                o->p0[0] = s->p0[0] + nx; o->p0[1] = s->p0[1] + ny;
                o->p1[0] = s->p1[0] + nx; o->p1[1] = s->p1[1] + ny;
            } else if (s->kind == BUILD_SEG_ARC || s->kind == BUILD_SEG_CIRCLE) {
                double R = s->ccw ? s->r - r : s->r + r;
                if (!(R > 1e-9)) {
                    build_profile_free(q);
                    return sl_err_set(err, SL_ERR_INVALID, "%s %g too large for the arc of radius %g in profile loop %zu",
                                      what, r, s->r, li);
                }
                o->r = R;
                double f = R / s->r;
                o->p0[0] = s->c[0] + (s->p0[0] - s->c[0]) * f; o->p0[1] = s->c[1] + (s->p0[1] - s->c[1]) * f;
                o->p1[0] = s->c[0] + (s->p1[0] - s->c[0]) * f; o->p1[1] = s->c[1] + (s->p1[1] - s->c[1]) * f;
            } else {
                build_profile_free(q);
                return sl_err_set(err, SL_ERR_UNSUPPORTED, "%s of cap edges: profile loop %zu has an ellipse or B-spline (only lines, arcs, circles)",
                                  what, li);
            }
        }
        for (size_t i = 0; i < n; i++) {
            size_t j = (i + 1) % n;
            const build_seg *a = &L->segs[i], *c = &L->segs[j];
            double ta[2], tc[2];
            build_seg_tangent(a, 1, ta);
            build_seg_tangent(c, 0, tc);
            double cr = ta[0] * tc[1] - ta[1] * tc[0], dt = ta[0] * tc[0] + ta[1] * tc[1];
            build_seg *oa = &Q->segs[i], *oc = &Q->segs[j];
            sharp[k0 + j] = 0;
            if (fabs(cr) < 1e-7 && dt > 0) {   /* tangent: offsets meet already */
                double mx = 0.5 * (oa->p1[0] + oc->p0[0]), my = 0.5 * (oa->p1[1] + oc->p0[1]);
                oa->p1[0] = oc->p0[0] = mx; oa->p1[1] = oc->p0[1] = my;
                continue;
            }
            if (a->kind != BUILD_SEG_LINE || c->kind != BUILD_SEG_LINE) {
                build_profile_free(q);
                return sl_err_set(err, SL_ERR_UNSUPPORTED, "%s of cap edges: the corner at (%g, %g) of profile loop %zu joins an arc without tangency (round it in the profile first)",
                                  what, a->p1[0], a->p1[1], li);
            }
            /* intersect the offset lines oa (dir ta) and oc (dir tc) */
            double ex = oc->p0[0] - oa->p0[0], ey = oc->p0[1] - oa->p0[1];
            double s = (ex * tc[1] - ey * tc[0]) / cr;
            double X = oa->p0[0] + s * ta[0], Y = oa->p0[1] + s * ta[1];
            oa->p1[0] = oc->p0[0] = X;
            oa->p1[1] = oc->p0[1] = Y;
            sharp[k0 + j] = 1;
        }
        for (size_t i = 0; i < n; i++) {
            const build_seg *s = &L->segs[i], *o = &Q->segs[i];
            if (s->kind != BUILD_SEG_LINE) continue;
            double dx = o->p1[0] - o->p0[0], dy = o->p1[1] - o->p0[1];
            double ix = s->p1[0] - s->p0[0], iy = s->p1[1] - s->p0[1];
            if (dx * ix + dy * iy <= 1e-9 * (ix * ix + iy * iy)) {
                build_profile_free(q);
                return sl_err_set(err, SL_ERR_INVALID, "%s %g too large: the edge from (%g, %g) to (%g, %g) of profile loop %zu vanishes",
                                  what, r, s->p0[0], s->p0[1], s->p1[0], s->p1[1], li);
            }
        }
        k0 += n;
    }
    sl_err e2 = {0};
    if (build_profile_check(q, &e2)) {
        build_profile_free(q);
        return sl_err_set(err, SL_ERR_INVALID, "%s %g too large: the inset cap outline is invalid (%s)", what, r, e2.msg);
    }
    *out = q;
    return SL_OK;
}

#define NOMEM() do { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; } while (0)

static vec3 hdir(const geom_frame *pl, double x, double y) {
    return v3_add(v3_scale(pl->x, x), v3_scale(pl->y, y));
}

/* draft_inset != 0: a drafted extrusion, the whole height is one "chamfer" band whose
 * cap is the profile inset by draft_inset (no straight side walls). */
static sl_status extrude_core(brep *b, build_profile *p, double d_front, double d_back, int front_kind,
                              double front_mm, int back_kind, double back_mm, double draft_inset,
                              uint32_t *solid, sl_err *err) {
    sl_status st = build_profile_check(p, err);
    if (st) return st;
    int draft = draft_inset != 0;
    if (!isfinite(d_front) || !isfinite(d_back) || !(d_front + d_back > 1e-9))
        return sl_err_set(err, SL_ERR_INVALID, "extrude: total distance must be > 0 (got %g + %g)", d_front, d_back);
    int kind[2] = {back_kind, front_kind};     /* [0] = bottom (-Z cap), [1] = top */
    double size[2] = {back_mm, front_mm};
    for (int e = 0; e < 2; e++) {
        if (kind[e] == BUILD_EDGE_SHARP) { size[e] = 0; continue; }
        if ((kind[e] != BUILD_EDGE_FILLET && kind[e] != BUILD_EDGE_CHAMFER) || !(size[e] > 0) || !isfinite(size[e]))
            return sl_err_set(err, SL_ERR_INVALID, "extrude: edge %s size must be > 0", kind[e] == BUILD_EDGE_FILLET ? "fillet" : "chamfer");
    }
    double z0 = -d_back, z1 = d_front;
    double inset[2] = {size[0], size[1]};
    if (draft) { inset[1] = draft_inset; size[1] = z1 - z0; }
    else if (size[0] + size[1] > z1 - z0 - 1e-9)
        return sl_err_set(err, SL_ERR_INVALID, "%s %g too large for an extrusion of height %g",
                          kind[1] == BUILD_EDGE_FILLET || kind[0] == BUILD_EDGE_FILLET ? "fillet radius" : "chamfer distance",
                          fmax(size[0], size[1]), z1 - z0);
    double zb = z0 + size[0], zt = draft ? z0 : z1 - size[1];
    const geom_frame *pl = &p->plane;
    size_t n_all = 0;
    for (size_t li = 0; li < p->n_loops; li++) n_all += p->loops[li].n_segs;
    build_profile *off[2] = {NULL, NULL};
    int *sharp[2] = {NULL, NULL};
    uint32_t *vzb = malloc(n_all * sizeof *vzb), *vzt = malloc(n_all * sizeof *vzt);
    uint32_t *vcap[2] = {malloc(n_all * sizeof(uint32_t)), malloc(n_all * sizeof(uint32_t))};
    uint32_t *hb = malloc(n_all * sizeof *hb), *ht = malloc(n_all * sizeof *ht), *ev = malloc(n_all * sizeof *ev);
    uint32_t *ocap[2] = {malloc(n_all * sizeof(uint32_t)), malloc(n_all * sizeof(uint32_t))};
    uint32_t *corner[2] = {malloc(n_all * sizeof(uint32_t)), malloc(n_all * sizeof(uint32_t))};
    uint32_t *ce = malloc((n_all + 4) * sizeof *ce);
    uint8_t *cr = malloc((n_all + 4) * sizeof *cr);
    sharp[0] = calloc(n_all, sizeof(int));
    sharp[1] = calloc(n_all, sizeof(int));
    if (!vzb || !vzt || !vcap[0] || !vcap[1] || !hb || !ht || !ev || !ocap[0] || !ocap[1] || !corner[0] ||
        !corner[1] || !ce || !cr || !sharp[0] || !sharp[1])
        NOMEM();
    for (int e = 0; e < 2; e++)
        if (kind[e] != BUILD_EDGE_SHARP &&
            (st = offset_profile(p, inset[e], draft ? "draft" : kind[e] == BUILD_EDGE_FILLET ? "fillet radius" : "chamfer distance",
                                 &off[e], sharp[e], err)))
            goto done;
    /* vertices */
    size_t k = 0;
    for (size_t li = 0; li < p->n_loops; li++)
        for (size_t i = 0; i < p->loops[li].n_segs; i++, k++) {
            const build_seg *s = &p->loops[li].segs[i];
            long a = brep_add_vertex(b, build_sk_point(pl, s->p0[0], s->p0[1], zb));
            long c = draft ? a : brep_add_vertex(b, build_sk_point(pl, s->p0[0], s->p0[1], zt));
            if (a < 0 || c < 0) NOMEM();
            vzb[k] = (uint32_t)a; vzt[k] = (uint32_t)c;
            for (int e = 0; e < 2; e++) {
                if (!off[e]) { vcap[e][k] = e ? vzt[k] : vzb[k]; continue; }
                const build_seg *o = &off[e]->loops[li].segs[i];
                long v = brep_add_vertex(b, build_sk_point(pl, o->p0[0], o->p0[1], e ? z1 : z0));
                if (v < 0) NOMEM();
                vcap[e][k] = (uint32_t)v;
            }
        }
    /* edges */
    k = 0;
    for (size_t li = 0; li < p->n_loops; li++) {
        size_t n = p->loops[li].n_segs, base = k;
        for (size_t i = 0; i < n; i++, k++) {
            const build_seg *s = &p->loops[li].segs[i];
            size_t nx = base + (i + 1) % n;
            double t0, t1;
            long cb = build_seg_curve(b, pl, s, zb, &t0, &t1);
            long ct = draft ? cb : build_seg_curve(b, pl, s, zt, &t0, &t1);
            if (cb == -2 || ct == -2) NOMEM();
            long e1 = brep_add_edge(b, vzb[k], vzb[nx], (int32_t)cb, t0, t1);
            long e2 = draft ? e1 : brep_add_edge(b, vzt[k], vzt[nx], (int32_t)ct, t0, t1);
            long e3 = draft ? 0 : brep_add_edge(b, vzb[k], vzt[k], -1, 0, 1);
            if (e1 < 0 || e2 < 0 || e3 < 0) NOMEM();
            hb[k] = (uint32_t)e1; ht[k] = (uint32_t)e2; ev[k] = (uint32_t)e3;
            for (int e = 0; e < 2; e++) {
                if (!off[e]) { ocap[e][k] = e ? ht[k] : hb[k]; continue; }
                const build_seg *o = &off[e]->loops[li].segs[i];
                long co = build_seg_curve(b, pl, o, e ? z1 : z0, &t0, &t1);
                if (co == -2) NOMEM();
                long eo = brep_add_edge(b, vcap[e][k], vcap[e][nx], (int32_t)co, t0, t1);
                if (eo < 0) NOMEM();
                ocap[e][k] = (uint32_t)eo;
                /* corner edge at the start vertex of segment k: side level -> cap level */
                double zc = e ? zt : zb, sz = e ? 1 : -1;
                vec3 S = build_sk_point(pl, s->p0[0], s->p0[1], zc), C = build_sk_point(pl, o->p0[0], o->p0[1], zc);
                long ec;
                if (kind[e] == BUILD_EDGE_CHAMFER) {
                    ec = e ? brep_add_edge(b, vzt[k], vcap[1][k], -1, 0, 1) : brep_add_edge(b, vcap[0][k], vzb[k], -1, 0, 1);
                } else {
                    vec3 D = v3_sub(S, C);
                    geom_curve g;
                    memset(&g, 0, sizeof g);
                    g.kind = sharp[e][k] ? GEOM_CURVE_ELLIPSE : GEOM_CURVE_CIRCLE;
                    g.f.o = C;
                    g.f.x = v3_norm(D);
                    g.f.y = v3_scale(pl->z, sz);
                    g.f.z = v3_cross(g.f.x, g.f.y);
                    g.r1 = sharp[e][k] ? v3_len(D) : size[e];
                    g.r2 = sharp[e][k] ? size[e] : 0;
                    long gi = brep_add_curve(b, &g);
                    if (gi < 0) NOMEM();
                    ec = e ? brep_add_edge(b, vzt[k], vcap[1][k], (int32_t)gi, 0, M_PI / 2)
                           : brep_add_edge(b, vcap[0][k], vzb[k], (int32_t)gi, M_PI / 2, 0);
                }
                if (ec < 0) NOMEM();
                corner[e][k] = (uint32_t)ec;
            }
        }
    }
    uint32_t first_face = (uint32_t)b->n_faces;
    /* caps */
    for (int top = 0; top < 2; top++) {
        geom_surf s;
        memset(&s, 0, sizeof s);
        s.kind = GEOM_SURF_PLANE;
        s.f.o = build_sk_point(pl, 0, 0, top ? z1 : z0);
        s.f.x = pl->x;
        s.f.z = top ? pl->z : v3_scale(pl->z, -1);
        s.f.y = v3_cross(s.f.z, s.f.x);
        long si = brep_add_surf(b, &s);
        if (si < 0) NOMEM();
        bface f;
        bface_begin(&f, b);
        k = 0;
        for (size_t li = 0; li < p->n_loops; li++) {
            size_t n = p->loops[li].n_segs;
            for (size_t i = 0; i < n; i++) {
                if (top) { ce[i] = ocap[1][k + i]; cr[i] = 0; }
                else { ce[i] = ocap[0][k + n - 1 - i]; cr[i] = 1; }
            }
            bface_loop(&f, ce, cr, n, li == 0);
            k += n;
        }
        if (bface_end(&f, (int32_t)si, 0) < 0) NOMEM();
    }
    /* sides and bands */
    k = 0;
    for (size_t li = 0; li < p->n_loops; li++) {
        size_t n = p->loops[li].n_segs, base = k;
        for (size_t i = 0; i < n; i++, k++) {
            const build_seg *sg = &p->loops[li].segs[i];
            size_t nx = base + (i + 1) % n;
            double m[2], t[2];
            build_seg_point(sg, 0.5, m);
            build_seg_tangent(sg, 0.5, t);
            vec3 out = hdir(pl, t[1], -t[0]);
            geom_surf s;
            memset(&s, 0, sizeof s);
            if (sg->kind == BUILD_SEG_LINE) {
                s.kind = GEOM_SURF_PLANE;
                s.f.o = build_sk_point(pl, sg->p0[0], sg->p0[1], zb);
                s.f.x = hdir(pl, t[0], t[1]);
                s.f.z = v3_cross(s.f.x, pl->z);
                s.f.y = v3_cross(s.f.z, s.f.x);
            } else if (sg->kind == BUILD_SEG_ARC || sg->kind == BUILD_SEG_CIRCLE) {
                s.kind = GEOM_SURF_CYLINDER;
                s.f.o = build_sk_point(pl, sg->c[0], sg->c[1], zb);
                s.f.x = pl->x; s.f.y = pl->y; s.f.z = pl->z;
                s.r1 = sg->r;
            } else {
                s.kind = GEOM_SURF_EXTRUSION;
                s.curve = b->curves[b->edges[hb[k]].curve];
                s.f.x = pl->z;
                s.f.z = pl->z;
            }
            long si;
            int rev;
            bface f;
            uint8_t r4[4] = {0, 0, 1, 1};
            if (!draft) {
                si = brep_add_surf(b, &s);
                if (si < 0) NOMEM();
                rev = build_orient(b, (int32_t)si, build_sk_point(pl, m[0], m[1], 0.5 * (zb + zt)), out);
                bface_begin(&f, b);
                uint32_t e4[4] = {hb[k], ev[nx], ht[k], ev[k]};
                bface_loop(&f, e4, r4, 4, 1);
                if (bface_end(&f, (int32_t)si, rev) < 0) NOMEM();
            }
            for (int e = 0; e < 2; e++) {
                if (!off[e]) continue;
                const build_seg *o = &off[e]->loops[li].segs[i];
                double zc = e ? zt : zb, zcap = e ? z1 : z0, sz = e ? 1 : -1, r = size[e];
                memset(&s, 0, sizeof s);
                if (sg->kind == BUILD_SEG_LINE) {
                    vec3 P0 = build_sk_point(pl, sg->p0[0], sg->p0[1], zc), P1 = build_sk_point(pl, sg->p1[0], sg->p1[1], zc);
                    vec3 dir = v3_norm(v3_sub(P1, P0));
                    if (kind[e] == BUILD_EDGE_FILLET) {
                        s.kind = GEOM_SURF_CYLINDER;
                        s.f.o = build_sk_point(pl, o->p0[0], o->p0[1], zc);
                        s.f.z = dir;
                        s.f.x = pl->z;
                        s.f.y = v3_cross(s.f.z, s.f.x);
                        s.r1 = r;
                    } else {
                        vec3 Q0 = build_sk_point(pl, o->p0[0], o->p0[1], zcap);
                        s.kind = GEOM_SURF_PLANE;
                        s.f.o = P0;
                        s.f.x = dir;
                        s.f.z = v3_norm(v3_cross(dir, v3_sub(Q0, P0)));
                        s.f.y = v3_cross(s.f.z, s.f.x);
                    }
                } else {
                    s.f.o = build_sk_point(pl, sg->c[0], sg->c[1], zc);
                    s.f.x = pl->x; s.f.y = pl->y; s.f.z = pl->z;
                    if (kind[e] == BUILD_EDGE_FILLET) {
                        if (!(o->r > r)) {
                            st = sl_err_set(err, SL_ERR_INVALID, "fillet radius %g too large: the arc of radius %g needs a radius below %g",
                                            r, sg->r, sg->ccw ? 0.5 * sg->r : sg->r);
                            goto done;
                        }
                        s.kind = GEOM_SURF_TORUS;
                        s.r1 = o->r;
                        s.r2 = r;
                    } else {
                        s.kind = GEOM_SURF_CONE;
                        s.r1 = sg->r;
                        s.r2 = atan(fabs(o->r - sg->r) / r);
                        double up = (o->r > sg->r) ? sz : -sz;
                        s.f.z = v3_scale(pl->z, up);
                        s.f.y = v3_cross(s.f.z, s.f.x);
                    }
                }
                si = brep_add_surf(b, &s);
                if (si < 0) NOMEM();
                double mo[2];
                build_seg_point(o, 0.5, mo);
                vec3 Pm, nrm;
                if (kind[e] == BUILD_EDGE_FILLET) {
                    vec3 h = v3_norm(hdir(pl, m[0] - mo[0], m[1] - mo[1]));
                    nrm = v3_add(v3_scale(h, M_SQRT1_2), v3_scale(pl->z, sz * M_SQRT1_2));
                    Pm = v3_add(build_sk_point(pl, mo[0], mo[1], zc), v3_scale(nrm, r));
                } else {
                    Pm = v3_scale(v3_add(build_sk_point(pl, m[0], m[1], zc), build_sk_point(pl, mo[0], mo[1], zcap)), 0.5);
                    nrm = out;   /* the band leans by less than 90 degrees from the wall */
                }
                rev = build_orient(b, (int32_t)si, Pm, nrm);
                bface_begin(&f, b);
                if (e) {
                    uint32_t eb4[4] = {ht[k], corner[1][nx], ocap[1][k], corner[1][k]};
                    bface_loop(&f, eb4, r4, 4, 1);
                } else {
                    uint32_t eb4[4] = {ocap[0][k], corner[0][nx], hb[k], corner[0][k]};
                    bface_loop(&f, eb4, r4, 4, 1);
                }
                if (bface_end(&f, (int32_t)si, rev) < 0) NOMEM();
            }
        }
    }
    st = build_finish_solid(b, first_face, (uint32_t)(b->n_faces - first_face), solid, err);
done:
    build_profile_free(off[0]); build_profile_free(off[1]);
    free(sharp[0]); free(sharp[1]);
    free(vzb); free(vzt); free(vcap[0]); free(vcap[1]); free(hb); free(ht); free(ev);
    free(ocap[0]); free(ocap[1]); free(corner[0]); free(corner[1]); free(ce); free(cr);
    return st;
}

sl_status build_extrude_ex(brep *b, build_profile *p, double d_front, double d_back, int front_kind,
                           double front_mm, int back_kind, double back_mm, uint32_t *solid, sl_err *err) {
    return extrude_core(b, p, d_front, d_back, front_kind, front_mm, back_kind, back_mm, 0, solid, err);
}

sl_status build_extrude(brep *b, build_profile *p, double d_front, double d_back, uint32_t *solid,
                        sl_err *err) {
    return extrude_core(b, p, d_front, d_back, BUILD_EDGE_SHARP, 0, BUILD_EDGE_SHARP, 0, 0, solid, err);
}

sl_status build_extrude_draft(brep *b, build_profile *p, double height, double draft_rad, uint32_t *solid,
                              sl_err *err) {
    if (!(height > 1e-9) || !isfinite(height)) return sl_err_set(err, SL_ERR_INVALID, "extrude: height must be > 0");
    if (!(fabs(draft_rad) < M_PI / 2 - 1e-6))
        return sl_err_set(err, SL_ERR_INVALID, "extrude: draft angle must be between -90 and 90 degrees");
    if (draft_rad == 0) return build_extrude(b, p, height, 0, solid, err);
    return extrude_core(b, p, height, 0, BUILD_EDGE_CHAMFER, height, BUILD_EDGE_SHARP, 0, height * tan(draft_rad),
                        solid, err);
}
