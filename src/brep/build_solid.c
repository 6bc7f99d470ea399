/* build_solid.c - extrude and revolve of profiles, and the primitives built from them.
 * Topology follows what CAD systems write: a side face per profile segment, closed
 * edges (full circles) with one vertex, seam edges on full revolutions, poles where
 * the profile touches the axis. Orientation is decided numerically per face (the
 * surface normal against the material's outward side), not by case analysis. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "brep/build_int.h"

/* ---- small helpers ------------------------------------------------------------ */
void bface_begin(bface *f, brep *b) {
    f->b = b;
    f->first_loop = (uint32_t)b->n_loops;
    f->n_loops = 0;
    f->failed = 0;
}

void bface_loop(bface *f, const uint32_t *e, const uint8_t *r, size_t n, int outer) {
    long first = (long)f->b->n_coedges;
    for (size_t i = 0; i < n; i++)
        if (brep_add_coedge(f->b, e[i], r[i]) < 0) f->failed = 1;
    if (brep_add_loop(f->b, (uint32_t)first, (uint32_t)n, -1, outer) < 0) f->failed = 1;
    f->n_loops++;
}

long bface_end(bface *f, int32_t surf, int reversed) {
    if (f->failed || surf < 0) return -1;
    return brep_add_face(f->b, surf, reversed, f->first_loop, f->n_loops);
}

int build_orient(const brep *b, int32_t surf, vec3 p, vec3 outward) {
    double u, v;
    const geom_surf *s = b->surfs[surf];
    geom_surf_project(s, p, NULL, &u, &v);
    vec3 n = geom_surf_normal(s, u, v);
    return v3_dot(n, outward) < 0;
}

sl_status build_finish_solid(brep *b, uint32_t first_face, uint32_t n, uint32_t *solid, sl_err *err) {
    long sh = brep_add_shell(b, first_face, n, 1);
    long so = sh < 0 ? -1 : brep_add_solid(b, (uint32_t)sh, 1, BREP_SOLID);
    if (so < 0) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    *solid = (uint32_t)so;
    return SL_OK;
}

long build_add_curve_xf(brep *b, const geom_curve *c, const geom_xform *x) {
    geom_curve t = *c;
    vec3 *ctrl = NULL;
    if (x) {
        if (c->kind == GEOM_CURVE_LINE) {
            t.f.o = geom_xform_point(x, c->f.o);
            t.f.x = geom_xform_dir(x, c->f.x);
        } else {
            t.f.o = geom_xform_point(x, c->f.o);
            t.f.x = geom_xform_dir(x, c->f.x);
            t.f.y = geom_xform_dir(x, c->f.y);
            t.f.z = geom_xform_dir(x, c->f.z);
        }
        if (c->kind == GEOM_CURVE_OFFSET) {
            /* the basis is placed with the same transform; the offset side follows the
             * transformed ref_direction (a mirror flips V x T, hence the sign) */
            if (!c->basis) return -1;
            long bi = build_add_curve_xf(b, c->basis, x);
            if (bi < 0) return -1;
            t.basis = b->curves[bi];
            vec3 rd = geom_xform_dir(x, c->ref);
            t.ref = v3_norm(rd);
            double det = x->r[0] * (x->r[4] * x->r[8] - x->r[5] * x->r[7]) -
                         x->r[1] * (x->r[3] * x->r[8] - x->r[5] * x->r[6]) +
                         x->r[2] * (x->r[3] * x->r[7] - x->r[4] * x->r[6]);
            double sc = cbrt(fabs(det));
            t.offset = c->offset * (det < 0 ? -sc : sc);
        }
        if (c->kind == GEOM_CURVE_BSPLINE) {
            ctrl = malloc((size_t)c->bs.n_ctrl * sizeof *ctrl);
            if (!ctrl) return -1;
            for (int i = 0; i < c->bs.n_ctrl; i++) ctrl[i] = geom_xform_point(x, c->bs.ctrl[i]);
            t.bs.ctrl = ctrl;
        }
    }
    long r = brep_add_curve(b, &t);
    free(ctrl);
    return r;
}

vec3 build_edge_point(const brep *b, uint32_t edge, double s) {
    const brep_edge *e = &b->edges[edge];
    if (e->curve < 0) {
        vec3 a = b->verts[e->v0].p, c = b->verts[e->v1].p;
        return v3_add(a, v3_scale(v3_sub(c, a), s));
    }
    vec3 p;
    geom_curve_eval(b->curves[e->curve], e->t0 + s * (e->t1 - e->t0), &p, NULL, NULL);
    return p;
}

vec3 *build_loop_samples(const brep *b, uint32_t loop, int n_per_curve, size_t *n) {
    const brep_loop *l = &b->loops[loop];
    size_t cnt = 0;
    for (uint32_t i = 0; i < l->n_coedges; i++) {
        const brep_edge *e = &b->edges[b->coedges[l->first_coedge + i].edge];
        cnt += e->curve < 0 ? 1 : (size_t)n_per_curve;
    }
    vec3 *pts = malloc((cnt ? cnt : 1) * sizeof *pts);
    if (!pts) return NULL;
    size_t k = 0;
    for (uint32_t i = 0; i < l->n_coedges; i++) {
        const brep_coedge *ce = &b->coedges[l->first_coedge + i];
        const brep_edge *e = &b->edges[ce->edge];
        int m = e->curve < 0 ? 1 : n_per_curve;
        for (int j = 0; j < m; j++) {
            double s = (double)j / m;
            pts[k++] = build_edge_point(b, ce->edge, ce->reversed ? 1 - s : s);
        }
    }
    *n = k;
    return pts;
}

vec3 build_sk_point(const geom_frame *pl, double x, double y, double z) {
    return v3_add(pl->o, v3_add(v3_scale(pl->x, x), v3_add(v3_scale(pl->y, y), v3_scale(pl->z, z))));
}

/* 3D curve of a profile segment lifted to height z along the sketch normal; the
 * curve runs in the segment's direction. Returns the curve index (-1 for a line)
 * and the parameters at the segment's start and end; -2 when out of memory. */
long build_seg_curve(brep *b, const geom_frame *pl, const build_seg *s, double z, double *t0, double *t1) {
    geom_curve c;
    memset(&c, 0, sizeof c);
    vec3 *ctrl = NULL;
    switch (s->kind) {
    case BUILD_SEG_LINE: *t0 = 0; *t1 = 1; return -1;
    case BUILD_SEG_ARC: case BUILD_SEG_CIRCLE: case BUILD_SEG_ELLIPSE: {
        c.kind = s->kind == BUILD_SEG_ELLIPSE ? GEOM_CURVE_ELLIPSE : GEOM_CURVE_CIRCLE;
        double rot = s->kind == BUILD_SEG_ELLIPSE ? s->rot_rad : 0;
        c.f.o = build_sk_point(pl, s->c[0], s->c[1], z);
        c.f.x = v3_add(v3_scale(pl->x, cos(rot)), v3_scale(pl->y, sin(rot)));
        c.f.z = s->ccw ? pl->z : v3_scale(pl->z, -1);
        c.f.y = v3_cross(c.f.z, c.f.x);
        c.r1 = s->kind == BUILD_SEG_ELLIPSE ? s->a : s->r;
        c.r2 = s->kind == BUILD_SEG_ELLIPSE ? s->b : 0;
        if (s->kind == BUILD_SEG_ARC) {
            double a0, a1;
            build_seg_arc_angles(s, &a0, &a1);
            *t0 = s->ccw ? a0 : -a0;
            *t1 = s->ccw ? a1 : -a1;
        } else { *t0 = 0; *t1 = 2 * M_PI; }
        break;
    }
    case BUILD_SEG_BSPLINE: {
        c.kind = GEOM_CURVE_BSPLINE;
        ctrl = malloc((size_t)s->n_ctrl * sizeof *ctrl);
        if (!ctrl) return -2;
        for (int i = 0; i < s->n_ctrl; i++) ctrl[i] = build_sk_point(pl, s->ctrl[2 * i], s->ctrl[2 * i + 1], z);
        c.bs.degree = s->degree;
        c.bs.n_ctrl = s->n_ctrl;
        c.bs.rational = s->weights != NULL;
        c.bs.ctrl = ctrl;
        c.bs.weights = s->weights;
        c.bs.n_knots = s->n_ctrl + s->degree + 1;
        c.bs.knots = s->knots;
        *t0 = s->knots[s->degree];
        *t1 = s->knots[s->n_ctrl];
        break;
    }
    default: return -2;
    }
    long r = brep_add_curve(b, &c);
    free(ctrl);
    return r < 0 ? -2 : r;
}

/* Unit tangent (2D) of a segment at fraction f. */
void build_seg_tangent(const build_seg *s, double f, double t[2]) {
    if (s->kind == BUILD_SEG_LINE) {
        double l = hypot(s->p1[0] - s->p0[0], s->p1[1] - s->p0[1]);
        t[0] = (s->p1[0] - s->p0[0]) / l;
        t[1] = (s->p1[1] - s->p0[1]) / l;
        return;
    }
    if (s->kind == BUILD_SEG_ARC || s->kind == BUILD_SEG_CIRCLE) {
        double q[2];
        build_seg_point(s, f, q);
        double sg = s->ccw ? 1 : -1;
        t[0] = -sg * (q[1] - s->c[1]) / s->r;
        t[1] = sg * (q[0] - s->c[0]) / s->r;
        return;
    }
    double a[2], c[2], h = 1e-6;
    build_seg_point(s, f - h < 0 ? 0 : f - h, a);
    build_seg_point(s, f + h > 1 ? 1 : f + h, c);
    double l = hypot(c[0] - a[0], c[1] - a[1]);
    t[0] = (c[0] - a[0]) / l;
    t[1] = (c[1] - a[1]) / l;
}


#define NOMEM() do { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; } while (0)

/* ---- revolve ------------------------------------------------------------------ */
typedef struct rv {
    vec3 A, zA, xA, yA;
    double theta;
    int full, fwd;
    geom_xform rot;      /* rotation by theta about the axis */
} rv;

static vec3 rv_point(const rv *r, double rho, double h, double phi) {
    return v3_add(r->A, v3_add(v3_scale(r->zA, h),
                               v3_scale(v3_add(v3_scale(r->xA, cos(phi)), v3_scale(r->yA, sin(phi))), rho)));
}

sl_status build_revolve(brep *b, build_profile *p, double ax, double ay, double dx, double dy,
                        double angle_rad, uint32_t *solid, sl_err *err) {
    sl_status st = build_profile_check(p, err);
    if (st) return st;
    double dl = hypot(dx, dy);
    if (!(dl > 0) || !isfinite(dl)) return sl_err_set(err, SL_ERR_INVALID, "revolve: axis direction is zero");
    if (!(angle_rad > 1e-9) || angle_rad > 2 * M_PI + 1e-9)
        return sl_err_set(err, SL_ERR_INVALID, "revolve: angle must be in (0, 360] degrees (got %g)", angle_rad * 180 / M_PI);
    dx /= dl; dy /= dl;
    const geom_frame *pl = &p->plane;
    rv R;
    R.A = build_sk_point(pl, ax, ay, 0);
    R.zA = v3_add(v3_scale(pl->x, dx), v3_scale(pl->y, dy));
    /* side of the axis the profile is on; all samples must agree */
    double scale = 0, side = 0;
    size_t n_all = 0;
    for (size_t li = 0; li < p->n_loops; li++)
        for (size_t i = 0; i < p->loops[li].n_segs; i++) {
            const build_seg *s = &p->loops[li].segs[i];
            int m = build_seg_n_samples(s);
            n_all++;
            for (int j = 0; j <= m; j++) {
                double q[2];
                build_seg_point(s, (double)j / m, q);
                scale = fmax(scale, fmax(fabs(q[0] - ax), fabs(q[1] - ay)));
                double w = (q[0] - ax) * -dy + (q[1] - ay) * dx;
                if (fabs(w) > fabs(side)) side = w;
            }
        }
    double tol = 1e-9 * (1 + scale);
    for (size_t li = 0; li < p->n_loops; li++)
        for (size_t i = 0; i < p->loops[li].n_segs; i++) {
            const build_seg *s = &p->loops[li].segs[i];
            int m = 4 * build_seg_n_samples(s);
            for (int j = 0; j <= m; j++) {
                double q[2];
                build_seg_point(s, (double)j / m, q);
                double w = (q[0] - ax) * -dy + (q[1] - ay) * dx;
                if (w * (side > 0 ? 1 : -1) < -tol)
                    return sl_err_set(err, SL_ERR_INVALID, "revolve: the profile crosses the axis near (%g, %g)", q[0], q[1]);
            }
        }
    double sg = side > 0 ? 1 : -1;
    R.xA = v3_norm(v3_scale(v3_add(v3_scale(pl->x, -dy), v3_scale(pl->y, dx)), sg));
    R.yA = v3_cross(R.zA, R.xA);
    R.theta = angle_rad;
    R.full = angle_rad >= 2 * M_PI - 1e-9;
    if (R.full) R.theta = 2 * M_PI;
    R.fwd = v3_dot(R.yA, pl->z) > 0;
    build_xform_rotate(&R.rot, R.A, R.zA, R.theta);

    /* per segment start vertex: rho, h */
    double *rho = malloc(n_all * sizeof *rho), *hh = malloc(n_all * sizeof *hh);
    int *on = malloc(n_all * sizeof *on);
    uint32_t *v0 = malloc(n_all * sizeof *v0), *vt = malloc(n_all * sizeof *vt);
    long *cv = malloc(n_all * sizeof *cv);     /* circle edge of each vertex, -1 on axis */
    long *e0 = malloc(n_all * sizeof *e0), *et = malloc(n_all * sizeof *et);
    int *segon = malloc(n_all * sizeof *segon);
    uint32_t *ce = malloc((n_all + 4) * sizeof *ce);
    uint8_t *cr = malloc((n_all + 4) * sizeof *cr);
    if (!rho || !hh || !on || !v0 || !vt || !cv || !e0 || !et || !segon || !ce || !cr) NOMEM();
    size_t k = 0;
    for (size_t li = 0; li < p->n_loops; li++)
        for (size_t i = 0; i < p->loops[li].n_segs; i++, k++) {
            const build_seg *s = &p->loops[li].segs[i];
            double wx = s->p0[0] - ax, wy = s->p0[1] - ay;
            hh[k] = wx * dx + wy * dy;
            rho[k] = fabs(wx * -dy + wy * dx);
            on[k] = rho[k] < tol;
            if (on[k]) rho[k] = 0;
            long a = brep_add_vertex(b, rv_point(&R, rho[k], hh[k], 0));
            if (a < 0) NOMEM();
            v0[k] = (uint32_t)a;
            vt[k] = v0[k];
            cv[k] = -1;
            if (!on[k]) {
                if (!R.full) {
                    long c = brep_add_vertex(b, rv_point(&R, rho[k], hh[k], R.theta));
                    if (c < 0) NOMEM();
                    vt[k] = (uint32_t)c;
                }
                geom_curve c;
                memset(&c, 0, sizeof c);
                c.kind = GEOM_CURVE_CIRCLE;
                c.f.o = v3_add(R.A, v3_scale(R.zA, hh[k]));
                c.f.x = R.xA; c.f.y = R.yA; c.f.z = R.zA;
                c.r1 = rho[k];
                long ci = brep_add_curve(b, &c);
                long ei = ci < 0 ? -1 : brep_add_edge(b, v0[k], vt[k], (int32_t)ci, 0, R.theta);
                if (ei < 0) NOMEM();
                cv[k] = ei;
            }
        }
    /* profile edges at 0 and theta */
    k = 0;
    for (size_t li = 0; li < p->n_loops; li++) {
        size_t n = p->loops[li].n_segs, base = k;
        for (size_t i = 0; i < n; i++, k++) {
            const build_seg *s = &p->loops[li].segs[i];
            size_t nx = base + (i + 1) % n;
            segon[k] = s->kind == BUILD_SEG_LINE && on[k] && on[nx];
            int plane_face = s->kind == BUILD_SEG_LINE && fabs(hh[k] - hh[nx]) < tol;
            e0[k] = et[k] = -1;
            if (R.full && plane_face) continue;   /* an annulus / disk bounded by circles */
            if (R.full && segon[k]) continue;     /* on the axis: no face, no edge */
            double t0, t1;
            long c0 = build_seg_curve(b, pl, s, 0, &t0, &t1);
            if (c0 == -2) NOMEM();
            e0[k] = brep_add_edge(b, v0[k], v0[nx], (int32_t)c0, t0, t1);
            if (e0[k] < 0) NOMEM();
            if (R.full || segon[k]) { et[k] = e0[k]; continue; }
            long c1 = -1;
            if (c0 >= 0) { c1 = build_add_curve_xf(b, b->curves[c0], &R.rot); if (c1 < 0) NOMEM(); }
            et[k] = brep_add_edge(b, vt[k], vt[nx], (int32_t)c1, t0, t1);
            if (et[k] < 0) NOMEM();
        }
    }
    uint32_t first_face = (uint32_t)b->n_faces;
    double phim = 0.5 * R.theta;
    k = 0;
    for (size_t li = 0; li < p->n_loops; li++) {
        size_t n = p->loops[li].n_segs, base = k;
        for (size_t i = 0; i < n; i++, k++) {
            const build_seg *sgm = &p->loops[li].segs[i];
            size_t nx = base + (i + 1) % n;
            if (segon[k]) continue;
            double r0 = rho[k], r1 = rho[nx], h0 = hh[k], h1 = hh[nx];
            geom_surf s;
            memset(&s, 0, sizeof s);
            s.f.o = R.A; s.f.x = R.xA; s.f.y = R.yA; s.f.z = R.zA;
            int plane_face = 0;
            if (sgm->kind == BUILD_SEG_LINE) {
                if (fabs(h1 - h0) < tol) {
                    s.kind = GEOM_SURF_PLANE;
                    s.f.o = v3_add(R.A, v3_scale(R.zA, h0));
                    plane_face = 1;
                } else if (fabs(r1 - r0) < tol) {
                    s.kind = GEOM_SURF_CYLINDER;
                    s.r1 = r0;
                } else {
                    /* origin at the narrow end (the apex when the segment touches the
                     * axis), axis towards the wide end: radius >= 0, semi-angle in (0, 90) */
                    s.kind = GEOM_SURF_CONE;
                    double hn = r0 <= r1 ? h0 : h1, hw = r0 <= r1 ? h1 : h0;
                    s.f.o = v3_add(R.A, v3_scale(R.zA, hn));
                    if (hw < hn) { s.f.z = v3_scale(R.zA, -1); s.f.y = v3_cross(s.f.z, s.f.x); }
                    s.r1 = fmin(r0, r1);
                    s.r2 = atan(fabs(r1 - r0) / fabs(h1 - h0));
                }
            } else if (sgm->kind == BUILD_SEG_ARC || sgm->kind == BUILD_SEG_CIRCLE) {
                double wx = sgm->c[0] - ax, wy = sgm->c[1] - ay;
                double hc = wx * dx + wy * dy, rc = fabs(wx * -dy + wy * dx);
                s.f.o = v3_add(R.A, v3_scale(R.zA, hc));
                if (rc < tol) { s.kind = GEOM_SURF_SPHERE; s.r1 = sgm->r; }
                else {
                    if (rc < sgm->r + tol && sgm->kind == BUILD_SEG_CIRCLE) {
                        st = sl_err_set(err, SL_ERR_INVALID, "revolve: circle of radius %g at distance %g touches the axis", sgm->r, rc);
                        goto done;
                    }
                    s.kind = GEOM_SURF_TORUS; s.r1 = rc; s.r2 = sgm->r;
                }
            } else {
                s.kind = GEOM_SURF_REVOLUTION;
                s.curve = b->curves[b->edges[e0[k]].curve];
            }
            long si = brep_add_surf(b, &s);
            if (si < 0) NOMEM();
            /* outward direction at the segment's middle, rotated to phim */
            double m2[2], t2[2];
            build_seg_point(sgm, 0.5, m2);
            build_seg_tangent(sgm, 0.5, t2);
            double wx = m2[0] - ax, wy = m2[1] - ay;
            double hm = wx * dx + wy * dy, rm = fabs(wx * -dy + wy * dx);
            vec3 o3 = v3_add(v3_scale(pl->x, t2[1]), v3_scale(pl->y, -t2[0]));
            double orh = v3_dot(o3, R.xA), oh = v3_dot(o3, R.zA);
            vec3 P = rv_point(&R, rm, hm, phim);
            vec3 out = v3_add(v3_scale(R.zA, oh), v3_scale(v3_add(v3_scale(R.xA, cos(phim)), v3_scale(R.yA, sin(phim))), orh));
            int rev = build_orient(b, (int32_t)si, P, out);
            bface f;
            bface_begin(&f, b);
            if (R.full && plane_face) {
                /* circles: larger radius outer; forward when the outward normal is +zA */
                int up = oh > 0;
                size_t big = r0 >= r1 ? k : nx, small = r0 >= r1 ? nx : k;
                uint32_t e1 = (uint32_t)cv[big];
                uint8_t r = (uint8_t)!up;
                bface_loop(&f, &e1, &r, 1, 1);
                if (cv[small] >= 0) {
                    e1 = (uint32_t)cv[small];
                    r = (uint8_t)up;
                    bface_loop(&f, &e1, &r, 1, 0);
                }
            } else {
                size_t m = 0;
                ce[m] = (uint32_t)e0[k]; cr[m++] = 0;
                if (cv[nx] >= 0) { ce[m] = (uint32_t)cv[nx]; cr[m++] = 0; }
                ce[m] = (uint32_t)et[k]; cr[m++] = 1;
                if (cv[k] >= 0) { ce[m] = (uint32_t)cv[k]; cr[m++] = 1; }
                if (!R.fwd) {
                    for (size_t a = 0; a < m / 2; a++) {
                        uint32_t te = ce[a]; ce[a] = ce[m - 1 - a]; ce[m - 1 - a] = te;
                        uint8_t tr = cr[a]; cr[a] = cr[m - 1 - a]; cr[m - 1 - a] = tr;
                    }
                    for (size_t a = 0; a < m; a++) cr[a] = !cr[a];
                }
                bface_loop(&f, ce, cr, m, 1);
            }
            if (bface_end(&f, (int32_t)si, rev) < 0) NOMEM();
        }
    }
    if (!R.full) {
        /* end caps: the profile at 0 (outward -yA) and at theta (outward +yA rotated) */
        for (int end = 0; end < 2; end++) {
            geom_surf s;
            memset(&s, 0, sizeof s);
            s.kind = GEOM_SURF_PLANE;
            if (!end) { s.f.o = R.A; s.f.x = R.xA; s.f.z = v3_scale(R.yA, -1); }
            else {
                s.f.o = R.A;
                s.f.x = geom_xform_dir(&R.rot, R.xA);
                s.f.z = geom_xform_dir(&R.rot, R.yA);
            }
            s.f.y = v3_cross(s.f.z, s.f.x);
            long si = brep_add_surf(b, &s);
            if (si < 0) NOMEM();
            int forward = end ? R.fwd : !R.fwd;
            bface f;
            bface_begin(&f, b);
            k = 0;
            for (size_t li = 0; li < p->n_loops; li++) {
                size_t n = p->loops[li].n_segs;
                const long *E = end ? et : e0;
                for (size_t i = 0; i < n; i++) {
                    if (forward) { ce[i] = (uint32_t)E[k + i]; cr[i] = 0; }
                    else { ce[i] = (uint32_t)E[k + n - 1 - i]; cr[i] = 1; }
                }
                bface_loop(&f, ce, cr, n, li == 0);
                k += n;
            }
            if (bface_end(&f, (int32_t)si, 0) < 0) NOMEM();
        }
    }
    st = build_finish_solid(b, first_face, (uint32_t)(b->n_faces - first_face), solid, err);
done:
    free(rho); free(hh); free(on); free(v0); free(vt); free(cv); free(e0); free(et); free(segon);
    free(ce); free(cr);
    return st;
}

/* ---- primitives -------------------------------------------------------------- */
static geom_frame frame_or_world(const geom_frame *f) {
    if (f) return *f;
    return geom_frame_make(v3(0, 0, 0), v3(0, 0, 1), v3(1, 0, 0));
}

static int pos(double x) { return x > 1e-9 && isfinite(x); }

sl_status build_box(brep *b, const geom_frame *f, double dx, double dy, double dz, uint32_t *solid,
                    sl_err *err) {
    if (!pos(dx) || !pos(dy) || !pos(dz)) return sl_err_set(err, SL_ERR_INVALID, "box: sizes must be > 0");
    geom_frame fr = frame_or_world(f);
    build_profile *p = build_profile_new(&fr);
    if (!p) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    sl_status st = build_profile_rect(p, 0, 0, dx, dy, err);
    if (!st) st = build_extrude(b, p, dz, 0, solid, err);
    build_profile_free(p);
    return st;
}

sl_status build_cylinder(brep *b, const geom_frame *f, double r, double h, uint32_t *solid, sl_err *err) {
    if (!pos(r) || !pos(h)) return sl_err_set(err, SL_ERR_INVALID, "cylinder: radius and height must be > 0");
    geom_frame fr = frame_or_world(f);
    build_profile *p = build_profile_new(&fr);
    if (!p) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    sl_status st = build_profile_circle(p, 0, 0, r, err);
    if (!st) st = build_extrude(b, p, h, 0, solid, err);
    build_profile_free(p);
    return st;
}

sl_status build_prism(brep *b, const geom_frame *f, int n, double r, double h, uint32_t *solid, sl_err *err) {
    if (n < 3 || n > 10000 || !pos(r) || !pos(h))
        return sl_err_set(err, SL_ERR_INVALID, "prism: needs 3..10000 sides, radius and height > 0");
    geom_frame fr = frame_or_world(f);
    build_profile *p = build_profile_new(&fr);
    double *xy = malloc(2 * (size_t)n * sizeof *xy);
    if (!p || !xy) { build_profile_free(p); free(xy); return sl_err_set(err, SL_ERR_NOMEM, "out of memory"); }
    for (int i = 0; i < n; i++) { xy[2 * i] = r * cos(2 * M_PI * i / n); xy[2 * i + 1] = r * sin(2 * M_PI * i / n); }
    sl_status st = build_profile_polygon(p, xy, (size_t)n, err);
    if (!st) st = build_extrude(b, p, h, 0, solid, err);
    build_profile_free(p);
    free(xy);
    return st;
}

/* Profile in the frame's XZ plane (sketch x = X, y = Z), revolved about Z. */
static build_profile *xz_profile(const geom_frame *f) {
    geom_frame fr = frame_or_world(f), sk;
    sk.o = fr.o; sk.x = fr.x; sk.y = fr.z; sk.z = v3_cross(fr.x, fr.z);
    return build_profile_new(&sk);
}

sl_status build_wedge(brep *b, const geom_frame *f, double dx, double dy, double dz, double ltx,
                      uint32_t *solid, sl_err *err) {
    if (!pos(dx) || !pos(dy) || !pos(dz) || ltx < 0 || ltx > dx + 1e-9 || !isfinite(ltx))
        return sl_err_set(err, SL_ERR_INVALID, "wedge: sizes must be > 0 and 0 <= ltx <= dx");
    build_profile *p = xz_profile(f);
    if (!p) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    sl_status st;
    if (ltx > 1e-9) { double xy[8] = {0, 0, dx, 0, ltx, dz, 0, dz}; st = build_profile_polygon(p, xy, 4, err); }
    else { double xy[6] = {0, 0, dx, 0, 0, dz}; st = build_profile_polygon(p, xy, 3, err); }
    /* sketch normal is X x Z = -Y: extrude "backwards" to fill y in [0, dy] */
    if (!st) st = build_extrude(b, p, 0, dy, solid, err);
    build_profile_free(p);
    return st;
}

sl_status build_cone(brep *b, const geom_frame *f, double r_bottom, double r_top, double h,
                     uint32_t *solid, sl_err *err) {
    if (!pos(h) || r_bottom < 0 || r_top < 0 || !(r_bottom + r_top > 1e-9) || !isfinite(r_bottom) || !isfinite(r_top))
        return sl_err_set(err, SL_ERR_INVALID, "cone: height > 0, radii >= 0, not both 0");
    build_profile *p = xz_profile(f);
    if (!p) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    sl_status st = build_profile_move_to(p, 0, 0, err);
    if (!st && r_bottom > 1e-9) st = build_profile_line_to(p, r_bottom, 0, err);
    if (!st && r_top > 1e-9) st = build_profile_line_to(p, r_top, h, err);
    if (!st) st = build_profile_line_to(p, 0, h, err);
    if (!st) st = build_profile_close(p, err);
    if (!st) st = build_revolve(b, p, 0, 0, 0, 1, 2 * M_PI, solid, err);
    build_profile_free(p);
    return st;
}

sl_status build_sphere(brep *b, const geom_frame *f, double r, uint32_t *solid, sl_err *err) {
    if (!pos(r)) return sl_err_set(err, SL_ERR_INVALID, "sphere: radius must be > 0");
    build_profile *p = xz_profile(f);
    if (!p) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    sl_status st = build_profile_move_to(p, 0, -r, err);
    if (!st) st = build_profile_arc_to(p, 0, r, 0, 0, 1, err);
    if (!st) st = build_profile_close(p, err);
    if (!st) st = build_revolve(b, p, 0, 0, 0, 1, 2 * M_PI, solid, err);
    build_profile_free(p);
    return st;
}

sl_status build_torus(brep *b, const geom_frame *f, double r_major, double r_minor, uint32_t *solid,
                      sl_err *err) {
    if (!pos(r_minor) || !(r_major > r_minor) || !isfinite(r_major))
        return sl_err_set(err, SL_ERR_INVALID, "torus: need 0 < minor radius < major radius");
    build_profile *p = xz_profile(f);
    if (!p) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    sl_status st = build_profile_circle(p, r_major, 0, r_minor, err);
    if (!st) st = build_revolve(b, p, 0, 0, 0, 1, 2 * M_PI, solid, err);
    build_profile_free(p);
    return st;
}
