/* build_ops.c - rigid transforms, and stacking / subtracting bodies that meet on
 * planar faces (bosses, holes, slots, pockets, counterbores).
 *
 * No surface-surface intersection happens here: a tool's planar face that lies on
 * a planar face of the base (opposite outward normals) with its single loop strictly
 * inside that face is removed, and its loop becomes a hole of the base face; all
 * other faces of both bodies form the result's shell. What this cannot represent
 * (a footprint crossing the face boundary, a tool touching no face) is an error. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "brep/build_int.h"

void build_xform_translate(geom_xform *x, vec3 t) {
    geom_xform_identity(x);
    x->t = t;
}

void build_xform_rotate(geom_xform *x, vec3 o, vec3 axis, double a) {
    vec3 k = v3_norm(axis);
    double c = cos(a), s = sin(a), t = 1 - c;
    double r[9] = {t * k.x * k.x + c, t * k.x * k.y - s * k.z, t * k.x * k.z + s * k.y,
                   t * k.x * k.y + s * k.z, t * k.y * k.y + c, t * k.y * k.z - s * k.x,
                   t * k.x * k.z - s * k.y, t * k.y * k.z + s * k.x, t * k.z * k.z + c};
    memcpy(x->r, r, sizeof r);
    x->t = v3(0, 0, 0);
    x->t = v3_sub(o, geom_xform_dir(x, o));
}

geom_frame build_frame_apply(const geom_xform *x, const geom_frame *f) {
    geom_frame r;
    r.o = geom_xform_point(x, f->o);
    r.x = v3_norm(geom_xform_dir(x, f->x));
    r.y = v3_norm(geom_xform_dir(x, f->y));
    r.z = v3_norm(geom_xform_dir(x, f->z));
    return r;
}

static long find_curve(const brep *b, const geom_curve *c) {
    for (size_t i = 0; i < b->n_curves; i++)
        if (b->curves[i] == c) return (long)i;
    return -1;
}

sl_status build_transform(brep *b, uint32_t solid, const geom_xform *x, uint32_t *out, sl_err *err) {
    if (solid >= b->n_solids) return sl_err_set(err, SL_ERR_ARG, "transform: no solid %u", solid);
    sl_status st = SL_OK;
    size_t nv = b->n_verts, ne = b->n_edges, nc = b->n_curves, ns = b->n_surfs;
    long *mv = malloc((nv + 1) * sizeof *mv), *me = malloc((ne + 1) * sizeof *me);
    long *mc = malloc((nc + 1) * sizeof *mc), *ms = malloc((ns + 1) * sizeof *ms);
    if (!mv || !me || !mc || !ms) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
    for (size_t i = 0; i < nv; i++) mv[i] = -1;
    for (size_t i = 0; i < ne; i++) me[i] = -1;
    for (size_t i = 0; i < nc; i++) mc[i] = -1;
    for (size_t i = 0; i < ns; i++) ms[i] = -1;
    brep_solid so = b->solids[solid];
    uint32_t first_shell = (uint32_t)b->n_shells;
    for (uint32_t sh = 0; sh < so.n_shells; sh++) {
        brep_shell shell = b->shells[so.first_shell + sh];
        uint32_t first_face = (uint32_t)b->n_faces;
        /* geometry and edges first, then faces contiguously */
        for (uint32_t fi = 0; fi < shell.n_faces; fi++) {
            brep_face F = b->faces[shell.first_face + fi];
            for (uint32_t li = 0; li < F.n_loops; li++) {
                brep_loop L = b->loops[F.first_loop + li];
                for (uint32_t ci = 0; ci < L.n_coedges; ci++) {
                    uint32_t e = b->coedges[L.first_coedge + ci].edge;
                    if (me[e] >= 0) continue;
                    brep_edge E = b->edges[e];
                    uint32_t vv[2] = {E.v0, E.v1};
                    for (int j = 0; j < 2; j++)
                        if (mv[vv[j]] < 0) {
                            mv[vv[j]] = brep_add_vertex(b, geom_xform_point(x, b->verts[vv[j]].p));
                            if (mv[vv[j]] < 0) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
                        }
                    if (E.curve >= 0 && mc[E.curve] < 0) {
                        mc[E.curve] = build_add_curve_xf(b, b->curves[E.curve], x);
                        if (mc[E.curve] < 0) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
                    }
                    me[e] = brep_add_edge(b, (uint32_t)mv[E.v0], (uint32_t)mv[E.v1],
                                          E.curve >= 0 ? (int32_t)mc[E.curve] : -1, E.t0, E.t1);
                    if (me[e] < 0) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
                }
            }
            if (F.surf >= 0 && ms[F.surf] < 0) {
                const geom_surf *s0 = b->surfs[F.surf];
                geom_surf s = *s0;
                s.f.o = geom_xform_point(x, s0->f.o);
                s.f.x = geom_xform_dir(x, s0->f.x);
                s.f.y = geom_xform_dir(x, s0->f.y);
                s.f.z = geom_xform_dir(x, s0->f.z);
                vec3 *ctrl = NULL;
                if (s0->kind == GEOM_SURF_REVOLUTION || s0->kind == GEOM_SURF_EXTRUSION) {
                    long ci = find_curve(b, s0->curve);
                    if (ci < 0) { st = sl_err_set(err, SL_ERR_UNSUPPORTED, "transform: surface curve not in the brep"); goto done; }
                    if ((size_t)ci >= nc || mc[ci] < 0) {
                        long n = build_add_curve_xf(b, b->curves[ci], x);
                        if (n < 0) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
                        if ((size_t)ci < nc) mc[ci] = n;
                        s.curve = b->curves[n];
                    } else s.curve = b->curves[mc[ci]];
                } else if (s0->kind == GEOM_SURF_BSPLINE) {
                    size_t n = (size_t)s0->bs.n_u * (size_t)s0->bs.n_v;
                    ctrl = malloc(n * sizeof *ctrl);
                    if (!ctrl) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
                    for (size_t i = 0; i < n; i++) ctrl[i] = geom_xform_point(x, s0->bs.ctrl[i]);
                    s.bs.ctrl = ctrl;
                } else if (s0->kind == GEOM_SURF_OFFSET) {
                    st = sl_err_set(err, SL_ERR_UNSUPPORTED, "transform: offset surfaces are not supported");
                    goto done;
                }
                ms[F.surf] = brep_add_surf(b, &s);
                free(ctrl);
                if (ms[F.surf] < 0) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
            }
        }
        /* loops: must be added per face, right before the face */
        for (uint32_t fi = 0; fi < shell.n_faces; fi++) {
            brep_face F = b->faces[shell.first_face + fi];
            bface f;
            bface_begin(&f, b);
            for (uint32_t li = 0; li < F.n_loops; li++) {
                brep_loop L = b->loops[F.first_loop + li];
                uint32_t fc = (uint32_t)b->n_coedges;
                for (uint32_t ci = 0; ci < L.n_coedges; ci++) {
                    brep_coedge c = b->coedges[L.first_coedge + ci];
                    if (brep_add_coedge(b, (uint32_t)me[c.edge], c.reversed) < 0) f.failed = 1;
                }
                if (brep_add_loop(b, fc, L.n_coedges, L.vertex >= 0 ? (int32_t)mv[L.vertex] : -1, L.outer) < 0) f.failed = 1;
                f.n_loops++;
            }
            if (bface_end(&f, F.surf >= 0 ? (int32_t)ms[F.surf] : -1, F.reversed) < 0) {
                st = sl_err_set(err, SL_ERR_NOMEM, "out of memory");
                goto done;
            }
        }
        if (brep_add_shell(b, first_face, shell.n_faces, shell.closed) < 0) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
    }
    long r = brep_add_solid(b, first_shell, so.n_shells, so.kind);
    if (r < 0) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
    *out = (uint32_t)r;
done:
    free(mv); free(me); free(mc); free(ms);
    return st;
}

/* ---- planar face regions -------------------------------------------------------- */
typedef struct region {
    vec3 o, x, y, n;         /* plane frame; n = outward normal */
    size_t n_loops;
    double **pts;            /* per loop (m, 2) in plane coordinates */
    size_t *m;
    double (*bb)[4];         /* per loop bounding box xmin ymin xmax ymax */
} region;

static void region_free(region *r) {
    for (size_t i = 0; i < r->n_loops && r->pts; i++) free(r->pts[i]);
    free(r->pts);
    free(r->m);
    free(r->bb);
    memset(r, 0, sizeof *r);
}

static int face_planar(const brep *b, uint32_t face, int flip, vec3 *o, vec3 *n) {
    const brep_face *F = &b->faces[face];
    if (F->surf < 0 || b->surfs[F->surf]->kind != GEOM_SURF_PLANE) return 0;
    const geom_surf *s = b->surfs[F->surf];
    *o = s->f.o;
    *n = (F->reversed != 0) != (flip != 0) ? v3_scale(s->f.z, -1) : s->f.z;
    return 1;
}

static int region_make(const brep *b, uint32_t face, int flip, region *r) {
    memset(r, 0, sizeof *r);
    if (!face_planar(b, face, flip, &r->o, &r->n)) return -1;
    const geom_surf *s = b->surfs[b->faces[face].surf];
    r->x = s->f.x;
    r->y = v3_cross(r->n, r->x);
    const brep_face *F = &b->faces[face];
    r->n_loops = F->n_loops;
    r->pts = calloc(F->n_loops, sizeof *r->pts);
    r->m = calloc(F->n_loops, sizeof *r->m);
    r->bb = calloc(F->n_loops, sizeof *r->bb);
    if (!r->pts || !r->m || !r->bb) return -1;
    for (uint32_t li = 0; li < F->n_loops; li++) {
        size_t m;
        vec3 *q = build_loop_samples(b, F->first_loop + li, 64, &m);
        if (!q) return -1;
        r->pts[li] = malloc(2 * m * sizeof(double));
        if (!r->pts[li]) { free(q); return -1; }
        for (size_t i = 0; i < m; i++) {
            vec3 d = v3_sub(q[i], r->o);
            r->pts[li][2 * i] = v3_dot(d, r->x);
            r->pts[li][2 * i + 1] = v3_dot(d, r->y);
        }
        r->m[li] = m;
        double *bb = r->bb[li];
        bb[0] = bb[1] = INFINITY;
        bb[2] = bb[3] = -INFINITY;
        for (size_t i = 0; i < m; i++) {
            bb[0] = fmin(bb[0], r->pts[li][2 * i]); bb[1] = fmin(bb[1], r->pts[li][2 * i + 1]);
            bb[2] = fmax(bb[2], r->pts[li][2 * i]); bb[3] = fmax(bb[3], r->pts[li][2 * i + 1]);
        }
        free(q);
    }
    return 0;
}

/* Point (plane coordinates) strictly inside the face region: inside loop 0 (the outer
 * loop, whichever is marked outer) and outside the others. */
static int region_contains(const region *r, const brep *b, uint32_t face, double x, double y) {
    const brep_face *F = &b->faces[face];
    int in = 0;
    for (uint32_t li = 0; li < r->n_loops; li++) {
        const double *bb = r->bb[li];
        int inside = x >= bb[0] && x <= bb[2] && y >= bb[1] && y <= bb[3] &&
                     build_point_in_poly(r->pts[li], r->m[li], x, y);
        if (b->loops[F->first_loop + li].outer || r->n_loops == 1) { if (!inside) return 0; in = 1; }
        else if (inside) return 0;
    }
    return in;
}

static double seg_dist(const double *p, const double *a, const double *c) {
    double dx = c[0] - a[0], dy = c[1] - a[1], l2 = dx * dx + dy * dy;
    double t = l2 > 0 ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

/* Minimum distance between polyline pa and all loops of rb, or INFINITY when every
 * loop's box is farther than `near` (only closeness below `near` matters). */
static double region_gap(const double *pa, size_t ma, const region *rb, double near) {
    double best = INFINITY, ab[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < ma; i++) {
        ab[0] = fmin(ab[0], pa[2 * i]); ab[1] = fmin(ab[1], pa[2 * i + 1]);
        ab[2] = fmax(ab[2], pa[2 * i]); ab[3] = fmax(ab[3], pa[2 * i + 1]);
    }
    for (size_t l = 0; l < rb->n_loops; l++) {
        const double *bb = rb->bb[l];
        if (bb[0] > ab[2] + near || ab[0] > bb[2] + near || bb[1] > ab[3] + near || ab[1] > bb[3] + near) continue;
        size_t mb = rb->m[l];
        const double *pb = rb->pts[l];
        for (size_t i = 0; i < ma; i++)
            for (size_t j = 0; j < mb; j++) {
                double d = seg_dist(pa + 2 * i, pb + 2 * j, pb + 2 * ((j + 1) % mb));
                if (d < best) best = d;
            }
        for (size_t j = 0; j < mb; j++)
            for (size_t i = 0; i < ma; i++) {
                double d = seg_dist(pb + 2 * j, pa + 2 * i, pa + 2 * ((i + 1) % ma));
                if (d < best) best = d;
            }
    }
    return best;
}

static double solid_scale(const brep *b, uint32_t solid) {
    double s = 1;
    brep_shell sh = b->shells[b->solids[solid].first_shell];
    for (uint32_t fi = 0; fi < sh.n_faces; fi++) {
        brep_face F = b->faces[sh.first_face + fi];
        for (uint32_t li = 0; li < F.n_loops; li++) {
            brep_loop L = b->loops[F.first_loop + li];
            for (uint32_t ci = 0; ci < L.n_coedges; ci++) {
                vec3 p = b->verts[b->edges[b->coedges[L.first_coedge + ci].edge].v0].p;
                s = fmax(s, fmax(fabs(p.x), fmax(fabs(p.y), fabs(p.z))));
            }
        }
    }
    return s;
}

/* Append a loop reusing `loop`'s edges, reversed when flip. */
static int add_loop_copy(brep *b, uint32_t loop, int flip, int outer) {
    brep_loop L = b->loops[loop];
    if (!flip) return brep_add_loop(b, L.first_coedge, L.n_coedges, L.vertex, outer) < 0 ? -1 : 0;
    uint32_t fc = (uint32_t)b->n_coedges;
    for (uint32_t i = 0; i < L.n_coedges; i++) {
        brep_coedge c = b->coedges[L.first_coedge + L.n_coedges - 1 - i];
        if (brep_add_coedge(b, c.edge, !c.reversed) < 0) return -1;
    }
    return brep_add_loop(b, fc, L.n_coedges, L.vertex, outer) < 0 ? -1 : 0;
}

static sl_status combine(brep *b, uint32_t base, uint32_t tool, int invert, const char *what,
                         uint32_t *out, sl_err *err) {
    if (base >= b->n_solids || tool >= b->n_solids || base == tool)
        return sl_err_set(err, SL_ERR_ARG, "%s: bad solid indices", what);
    if (b->solids[base].n_shells != 1 || b->solids[tool].n_shells != 1)
        return sl_err_set(err, SL_ERR_UNSUPPORTED, "%s: solids with voids are not supported", what);
    brep_shell SA = b->shells[b->solids[base].first_shell], SB = b->shells[b->solids[tool].first_shell];
    double tol = 1e-7 * fmax(solid_scale(b, base), solid_scale(b, tool));
    sl_status st = SL_OK;
    /* contact[j] = base face that tool face j lies on, -1 none */
    long *contact = malloc(SB.n_faces * sizeof *contact);
    /* holes of a base face that end up inside a hole of the footprint (a tube on a plate
     * around an existing hole) move to the new face that fills the footprint's hole:
     * mv_face / mv_loop = tool face and its loop, per base loop index */
    size_t n_loops0 = b->n_loops;
    long *mv_face = malloc((n_loops0 + 1) * sizeof *mv_face), *mv_loop = malloc((n_loops0 + 1) * sizeof *mv_loop);
    if (!contact || !mv_face || !mv_loop) { free(contact); free(mv_face); free(mv_loop); return sl_err_set(err, SL_ERR_NOMEM, "out of memory"); }
    for (size_t i = 0; i < n_loops0; i++) mv_face[i] = mv_loop[i] = -1;
    size_t n_contacts = 0;
    for (uint32_t j = 0; j < SB.n_faces; j++) {
        contact[j] = -1;
        uint32_t G = SB.first_face + j;
        vec3 og, ng;
        if (!face_planar(b, G, invert, &og, &ng)) continue;
        region rg;
        int rg_ok = 0;
        for (uint32_t i = 0; i < SA.n_faces && !st; i++) {
            uint32_t F = SA.first_face + i;
            vec3 of, nf;
            if (!face_planar(b, F, 0, &of, &nf)) continue;
            if (v3_dot(nf, ng) > -1 + 1e-9) continue;
            if (fabs(v3_dot(v3_sub(og, of), nf)) > tol) continue;
            region rf;
            if (!rg_ok) {
                if (region_make(b, G, invert, &rg)) { region_free(&rg); st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); break; }
                rg_ok = 1;
            }
            if (region_make(b, F, 0, &rf)) { region_free(&rf); st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); break; }
            /* the tool's outer loop in F's plane coordinates */
            uint32_t go = 0;
            for (uint32_t k = 0; k < rg.n_loops; k++)
                if (b->loops[b->faces[G].first_loop + k].outer) { go = k; break; }
            size_t m = rg.m[go];
            double *q = malloc(2 * m * sizeof *q);
            if (!q) { region_free(&rf); st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); break; }
            int n_in = 0, n_out = 0;
            for (size_t k = 0; k < m; k++) {
                vec3 p = v3_add(rg.o, v3_add(v3_scale(rg.x, rg.pts[go][2 * k]), v3_scale(rg.y, rg.pts[go][2 * k + 1])));
                vec3 d = v3_sub(p, rf.o);
                q[2 * k] = v3_dot(d, rf.x);
                q[2 * k + 1] = v3_dot(d, rf.y);
                if (region_contains(&rf, b, F, q[2 * k], q[2 * k + 1])) n_in++; else n_out++;
            }
            /* does the base face reach into the tool face at all? */
            int f_in_g = 0;
            double qb[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
            for (size_t k = 0; k < m; k++) {
                qb[0] = fmin(qb[0], q[2 * k]); qb[1] = fmin(qb[1], q[2 * k + 1]);
                qb[2] = fmax(qb[2], q[2 * k]); qb[3] = fmax(qb[3], q[2 * k + 1]);
            }
            for (size_t l = 0; l < rf.n_loops && !f_in_g; l++) {
                const double *bb = rf.bb[l];
                if (bb[0] > qb[2] || qb[0] > bb[2] || bb[1] > qb[3] || qb[1] > bb[3]) continue;
                for (size_t k = 0; k < rf.m[l] && !f_in_g; k++)
                    if (build_point_in_poly(q, m, rf.pts[l][2 * k], rf.pts[l][2 * k + 1])) f_in_g = 1;
            }
            if (n_in == 0 && !f_in_g) { free(q); region_free(&rf); continue; }   /* coplanar, apart */
            double gap = region_gap(q, m, &rf, 10 * tol);
            if (n_out > 0 || gap < 10 * tol) {
                vec3 p = v3_add(rf.o, v3_add(v3_scale(rf.x, q[0]), v3_scale(rf.y, q[1])));
                st = sl_err_set(err, SL_ERR_INVALID,
                                "%s: the footprint near (%g, %g, %g) is not strictly inside the face it lies on (it must not cross or touch the face's edges or holes)",
                                what, p.x, p.y, p.z);
            } else {
                if (contact[j] >= 0)
                    st = sl_err_set(err, SL_ERR_INVALID, "%s: a tool face lies on two base faces", what);
                contact[j] = F;
                n_contacts++;
                /* holes of F inside the footprint must lie inside one of its holes */
                const brep_face *FF = &b->faces[F];
                for (uint32_t l = 0; l < rf.n_loops && !st; l++) {
                    if (b->loops[FF->first_loop + l].outer || !rf.m[l]) continue;
                    double hx = rf.pts[l][0], hy = rf.pts[l][1];
                    if (!build_point_in_poly(q, m, hx, hy)) continue;
                    long into = -1;
                    for (uint32_t k = 0; k < rg.n_loops && into < 0; k++) {
                        if (k == go) continue;
                        double *qk = malloc(2 * rg.m[k] * sizeof *qk);
                        if (!qk) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); break; }
                        for (size_t t = 0; t < rg.m[k]; t++) {
                            vec3 p = v3_add(rg.o, v3_add(v3_scale(rg.x, rg.pts[k][2 * t]), v3_scale(rg.y, rg.pts[k][2 * t + 1])));
                            vec3 d = v3_sub(p, rf.o);
                            qk[2 * t] = v3_dot(d, rf.x);
                            qk[2 * t + 1] = v3_dot(d, rf.y);
                        }
                        if (build_point_in_poly(qk, rg.m[k], hx, hy) && region_gap(qk, rg.m[k], &rf, 10 * tol) >= 10 * tol)
                            into = k;
                        free(qk);
                    }
                    if (st) break;
                    if (into < 0) {
                        vec3 p = v3_add(rf.o, v3_add(v3_scale(rf.x, hx), v3_scale(rf.y, hy)));
                        st = sl_err_set(err, SL_ERR_INVALID, "%s: the footprint covers a hole of the face near (%g, %g, %g)",
                                        what, p.x, p.y, p.z);
                        break;
                    }
                    mv_face[FF->first_loop + l] = j;
                    mv_loop[FF->first_loop + l] = into;
                }
            }
            free(q);
            region_free(&rf);
        }
        if (rg_ok) region_free(&rg);
        if (st) goto done;
    }
    if (!n_contacts) {
        st = sl_err_set(err, SL_ERR_INVALID,
                        "%s: the body does not lie on any planar face of the base (a planar face of it must sit on a planar face of the base, inside it)",
                        what);
        goto done;
    }
    uint32_t first_face = (uint32_t)b->n_faces;
    for (uint32_t i = 0; i < SA.n_faces; i++) {
        uint32_t F = SA.first_face + i;
        brep_face FF = b->faces[F];
        bface f;
        bface_begin(&f, b);
        int has = 0;
        for (uint32_t j = 0; j < SB.n_faces; j++) if (contact[j] == (long)F) has = 1;
        if (!has) {
            if (brep_add_face(b, FF.surf, FF.reversed, FF.first_loop, FF.n_loops) < 0) goto nomem;
            continue;
        }
        for (uint32_t li = 0; li < FF.n_loops; li++) {
            if (mv_face[FF.first_loop + li] >= 0) continue;
            if (add_loop_copy(b, FF.first_loop + li, 0, b->loops[FF.first_loop + li].outer)) f.failed = 1;
            f.n_loops++;
        }
        for (uint32_t j = 0; j < SB.n_faces; j++)
            if (contact[j] == (long)F) {
                brep_face G = b->faces[SB.first_face + j];
                for (uint32_t k = 0; k < G.n_loops; k++)
                    if (b->loops[G.first_loop + k].outer || G.n_loops == 1) {
                        if (add_loop_copy(b, G.first_loop + k, invert, 0)) f.failed = 1;
                        f.n_loops++;
                    }
            }
        if (bface_end(&f, FF.surf, FF.reversed) < 0) goto nomem;
        /* the footprint's holes: F's surface shows through them as new faces */
        for (uint32_t j = 0; j < SB.n_faces; j++) {
            if (contact[j] != (long)F) continue;
            brep_face G = b->faces[SB.first_face + j];
            if (G.n_loops < 2) continue;
            for (uint32_t k = 0; k < G.n_loops; k++) {
                if (b->loops[G.first_loop + k].outer) continue;
                bface h;
                bface_begin(&h, b);
                if (add_loop_copy(b, G.first_loop + k, invert, 1)) h.failed = 1;
                h.n_loops = 1;
                for (uint32_t li = 0; li < FF.n_loops; li++)
                    if (mv_face[FF.first_loop + li] == (long)j && mv_loop[FF.first_loop + li] == (long)k) {
                        if (add_loop_copy(b, FF.first_loop + li, 0, 0)) h.failed = 1;
                        h.n_loops++;
                    }
                if (bface_end(&h, FF.surf, FF.reversed) < 0) goto nomem;
            }
        }
    }
    for (uint32_t j = 0; j < SB.n_faces; j++) {
        if (contact[j] >= 0) continue;
        brep_face G = b->faces[SB.first_face + j];
        if (!invert) {
            if (brep_add_face(b, G.surf, G.reversed, G.first_loop, G.n_loops) < 0) goto nomem;
            continue;
        }
        bface f;
        bface_begin(&f, b);
        for (uint32_t li = 0; li < G.n_loops; li++)
            if (add_loop_copy(b, G.first_loop + li, 1, b->loops[G.first_loop + li].outer)) f.failed = 1;
        f.n_loops = G.n_loops;
        if (bface_end(&f, G.surf, !G.reversed) < 0) goto nomem;
    }
    st = build_finish_solid(b, first_face, (uint32_t)(b->n_faces - first_face), out, err);
    goto done;
nomem:
    st = sl_err_set(err, SL_ERR_NOMEM, "out of memory");
done:
    free(contact);
    free(mv_face);
    free(mv_loop);
    return st;
}

sl_status build_stack(brep *b, uint32_t base, uint32_t body, uint32_t *out, sl_err *err) {
    return combine(b, base, body, 0, "stack", out, err);
}

sl_status build_subtract(brep *b, uint32_t base, uint32_t tool, uint32_t *out, sl_err *err) {
    return combine(b, base, tool, 1, "subtract", out, err);
}

static sl_status cut_tool(brep *b, uint32_t base, uint32_t tool, uint32_t *out, sl_err *err) {
    return combine(b, base, tool, 1, "cut", out, err);
}

sl_status build_cut(brep *b, uint32_t base, build_profile *p, double depth_mm, uint32_t *out, sl_err *err) {
    sl_status st = build_profile_check(p, err);
    if (st) return st;
    if (base >= b->n_solids) return sl_err_set(err, SL_ERR_ARG, "cut: no solid %u", base);
    if (!isfinite(depth_mm)) return sl_err_set(err, SL_ERR_INVALID, "cut: depth is not finite");
    const geom_frame *pl = &p->plane;
    double tol = 1e-7 * solid_scale(b, base);
    /* a point of the footprint */
    double q2[2];
    build_seg_point(&p->loops[0].segs[0], 0.5, q2);
    vec3 q = v3_add(pl->o, v3_add(v3_scale(pl->x, q2[0]), v3_scale(pl->y, q2[1])));
    brep_shell SA = b->shells[b->solids[base].first_shell];
    /* planar faces parallel to the sketch that contain the footprint point: the one at
     * the sketch (its outward normal gives the cut direction) and the exit faces
     * (outward normal along the cut direction) behind it; the nearest exit ends the
     * material, so a cut never crosses a gap of a C-shaped part. */
    int found = 0;
    double out_sign = 0;
    double zf[256], cf[256];
    size_t nf = 0;
    for (uint32_t i = 0; i < SA.n_faces; i++) {
        uint32_t F = SA.first_face + i;
        vec3 of, nf3;
        if (!face_planar(b, F, 0, &of, &nf3)) continue;
        double c = v3_dot(nf3, pl->z);
        if (fabs(fabs(c) - 1) > 1e-9) continue;
        double z = v3_dot(v3_sub(of, pl->o), pl->z);
        region rf;
        if (region_make(b, F, 0, &rf)) { region_free(&rf); return sl_err_set(err, SL_ERR_NOMEM, "out of memory"); }
        vec3 d = v3_sub(q, rf.o);
        int in = region_contains(&rf, b, F, v3_dot(d, rf.x), v3_dot(d, rf.y));
        region_free(&rf);
        if (!in) continue;
        if (fabs(z) < tol) { found = 1; out_sign = c > 0 ? 1 : -1; }
        else if (nf < 256) { zf[nf] = z; cf[nf] = c; nf++; }
    }
    if (!found)
        return sl_err_set(err, SL_ERR_INVALID, "cut: the sketch plane does not lie on a planar face of the part around the profile (point (%g, %g, %g))",
                          q.x, q.y, q.z);
    double through = INFINITY;
    for (size_t i = 0; i < nf; i++) {
        double dist = -out_sign * zf[i];            /* distance into the material */
        int exit_face = (cf[i] > 0 ? 1 : -1) == -(int)out_sign;
        if (dist > tol && exit_face && dist < through) through = dist;
    }
    if (!isfinite(through))
        return sl_err_set(err, SL_ERR_INVALID, "cut: no planar face on the far side of the material behind the sketch");
    double depth = depth_mm > 0 ? depth_mm : through;
    if (depth > through + tol)
        return sl_err_set(err, SL_ERR_INVALID, "cut: depth %g exceeds the part's thickness %g there", depth, through);
    if (fabs(depth - through) <= tol) depth = through;
    uint32_t tool;
    st = build_extrude(b, p, out_sign > 0 ? 0 : depth, out_sign > 0 ? depth : 0, &tool, err);
    if (st) return st;
    return cut_tool(b, base, tool, out, err);
}
