/* build_props.c - exact area and volume of a solid from its faces.
 *
 * For a face with domain D in parameter space, both quantities are double integrals
 *     I = integral over D of g(u, v) du dv,  g = |Su x Sv|  (area)
 *                                            g = (S - c) . (Su x Sv) / 3  (volume,
 *                                                divergence theorem, c = any point)
 * Green's theorem turns each into a line integral along the face's loops,
 *     I = closed integral of G(u, v) dv,  G(u, v) = integral from u* to u of g(s, v) ds,
 * evaluated with composite 16-point Gauss-Legendre rules: the outer one along each
 * coedge (its 3D curve, mapped to (u, v) by point inversion and unwrapped across
 * seams by continuity), the inner one in u. Along a pole (sphere, cone apex) dv = 0,
 * so the loop only needs the right u on each side of the pole: a counter-clockwise
 * loop goes up on the right and comes down on the left, so u decreases across an
 * upper pole and increases across a lower one (reversed faces: the other way).
 * For analytic faces the integrands are smooth and periodic-panelled, so the
 * result is exact to ~1e-13 relative. Nothing here allocates. */
#include <math.h>
#include <string.h>

#include "brep/build_int.h"

#define NG 16

static void gauss_legendre(double *x, double *w) {
    for (int i = 0; i < NG; i++) {
        double z = cos(M_PI * (i + 0.75) / (NG + 0.5)), dp = 1;
        for (int it = 0; it < 100; it++) {
            double p0 = 1, p1 = z;
            for (int k = 2; k <= NG; k++) {
                double p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
                p0 = p1;
                p1 = p2;
            }
            dp = NG * (z * p1 - p0) / (z * z - 1);
            double dz = p1 / dp;
            z -= dz;
            if (fabs(dz) < 1e-16) break;
        }
        x[i] = z;
        w[i] = 2 / ((1 - z * z) * dp * dp);
    }
}

typedef struct pctx {
    const geom_surf *s;
    vec3 c;
    double gx[NG], gw[NG];
    double ustar, panel_u;
} pctx;

/* g for area (which = 0) and volume (which = 1) at (u, v). */
static void integrands(const pctx *q, double u, double v, double *ga, double *gv) {
    vec3 d[3];
    geom_surf_eval(q->s, u, v, 1, d);
    vec3 n = v3_cross(d[1], d[2]);
    *ga = v3_len(n);
    *gv = v3_dot(v3_sub(d[0], q->c), n) / 3;
}

/* G(u, v) for both integrands. */
static void inner(const pctx *q, double u, double v, double *Ga, double *Gv) {
    double len = u - q->ustar;
    int np = (int)ceil(fabs(len) / q->panel_u);
    if (np < 1) np = 1;
    if (np > 4096) np = 4096;
    double h = len / np, sa = 0, sv = 0;
    for (int p = 0; p < np; p++) {
        double a = q->ustar + p * h;
        for (int i = 0; i < NG; i++) {
            double ga, gv;
            integrands(q, a + 0.5 * h * (q->gx[i] + 1), v, &ga, &gv);
            sa += q->gw[i] * ga;
            sv += q->gw[i] * gv;
        }
    }
    *Ga = 0.5 * h * sa;
    *Gv = 0.5 * h * sv;
}

static double wrap_into(double x, double period, double lo, double hi_excl, int lower_open) {
    /* representative of x (mod period) in [lo, hi) or (lo, hi] */
    double k = floor((x - lo) / period);
    double r = x - k * period;
    if (lower_open) { if (r <= lo + 1e-12 * period) r += period; }
    else if (r >= hi_excl - 1e-12 * period) r -= period;
    return r;
}

sl_status build_solid_props(const brep *b, uint32_t solid, double *area_mm2, double *volume_mm3,
                            double *min_face_area_mm2, sl_err *err) {
    if (solid >= b->n_solids) return sl_err_set(err, SL_ERR_ARG, "props: no solid %u", solid);
    pctx q;
    gauss_legendre(q.gx, q.gw);
    const brep_solid *so = &b->solids[solid];
    /* reference point: mean of the vertices used */
    vec3 c = v3(0, 0, 0);
    size_t nc = 0;
    for (uint32_t sh = 0; sh < so->n_shells; sh++) {
        const brep_shell *S = &b->shells[so->first_shell + sh];
        for (uint32_t fi = 0; fi < S->n_faces; fi++) {
            const brep_face *F = &b->faces[S->first_face + fi];
            for (uint32_t li = 0; li < F->n_loops; li++) {
                const brep_loop *L = &b->loops[F->first_loop + li];
                for (uint32_t ci = 0; ci < L->n_coedges; ci++) {
                    c = v3_add(c, b->verts[b->edges[b->coedges[L->first_coedge + ci].edge].v0].p);
                    nc++;
                }
            }
        }
    }
    if (nc) c = v3_scale(c, 1.0 / nc);
    q.c = c;
    double A = 0, V = 0, amin = INFINITY;
    for (uint32_t sh = 0; sh < so->n_shells; sh++) {
        const brep_shell *S = &b->shells[so->first_shell + sh];
        for (uint32_t fi = 0; fi < S->n_faces; fi++) {
            const brep_face *F = &b->faces[S->first_face + fi];
            if (F->surf < 0) return sl_err_set(err, SL_ERR_INVALID, "props: face %u has no surface", S->first_face + fi);
            const geom_surf *s = b->surfs[F->surf];
            q.s = s;
            double pu = s->period_u, pv = s->period_v;
            q.panel_u = pu > 0 ? pu / 16 : (s->kind == GEOM_SURF_PLANE ? 1e300 : 0.0625);
            if (s->kind == GEOM_SURF_EXTRUSION && s->curve && s->curve->kind == GEOM_CURVE_BSPLINE) {
                double a = s->curve->bs.knots[0], z = s->curve->bs.knots[s->curve->bs.n_knots - 1];
                q.panel_u = (z - a) / (16.0 * (s->curve->bs.n_ctrl - s->curve->bs.degree));
            }
            int have_prev = 0, first = 1;
            double prev[2] = {0, 0};
            double fa = 0, fv = 0;
            int rev_face = F->reversed != 0;
            for (uint32_t li = 0; li < F->n_loops; li++) {
                const brep_loop *L = &b->loops[F->first_loop + li];
                have_prev = 0;
                for (uint32_t ci = 0; ci < L->n_coedges; ci++) {
                    const brep_coedge *ce = &b->coedges[L->first_coedge + ci];
                    const brep_edge *e = &b->edges[ce->edge];
                    const geom_curve *cv = e->curve >= 0 ? b->curves[e->curve] : NULL;
                    double ta = ce->reversed ? e->t1 : e->t0, tb = ce->reversed ? e->t0 : e->t1;
                    vec3 pa = b->verts[ce->reversed ? e->v1 : e->v0].p, pb = b->verts[ce->reversed ? e->v0 : e->v1].p;
                    if (!cv) { ta = 0; tb = 1; }
                    /* is the start vertex a pole of this surface? */
                    int pole = 0;
                    double vpole = 0;
                    if (s->kind == GEOM_SURF_SPHERE || s->kind == GEOM_SURF_CONE) {
                        double uu, vv;
                        geom_surf_project(s, pa, NULL, &uu, &vv);
                        if (geom_surf_is_pole_v(s, vv)) { pole = 1; vpole = vv; }
                    }
                    double span = fabs(tb - ta);
                    int np;
                    if (!cv) np = s->kind == GEOM_SURF_PLANE ? 1 : 4;
                    else if (cv->kind == GEOM_CURVE_BSPLINE) np = 8 * (cv->bs.n_ctrl - cv->bs.degree);
                    else if (cv->kind == GEOM_CURVE_OFFSET && cv->basis && cv->basis->kind == GEOM_CURVE_BSPLINE)
                        np = 8 * (cv->basis->bs.n_ctrl - cv->basis->bs.degree);
                    else np = (int)ceil(span / (M_PI / 8));
                    if (np < 1) np = 1;
                    double h = (tb - ta) / np;
                    int first_node = 1;
                    for (int p = 0; p < np; p++)
                        for (int i = 0; i < NG; i++) {
                            double t = ta + p * h + 0.5 * h * (q.gx[i] + 1);
                            vec3 P, D;
                            if (cv) geom_curve_eval(cv, t, &P, &D, NULL);
                            else { P = v3_add(pa, v3_scale(v3_sub(pb, pa), t)); D = v3_sub(pb, pa); }
                            double uv[2];
                            if (have_prev && !(pole && first_node)) geom_surf_project(s, P, prev, &uv[0], &uv[1]);
                            else {
                                geom_surf_project(s, P, NULL, &uv[0], &uv[1]);
                                if (have_prev) {   /* across a pole: pick u by the loop's sense */
                                    uv[1] = pv > 0 ? prev[1] + pv * round((uv[1] - prev[1]) / pv) : uv[1];
                                    int upper = uv[1] < vpole;   /* coming down from it */
                                    int decrease = upper != rev_face;
                                    if (pu > 0) {
                                        if (decrease) uv[0] = wrap_into(uv[0], pu, prev[0] - pu, prev[0], 0);
                                        else uv[0] = wrap_into(uv[0], pu, prev[0], prev[0] + pu, 1);
                                    }
                                }
                            }
                            first_node = 0;
                            if (first) { q.ustar = uv[0]; first = 0; }
                            have_prev = 1;
                            prev[0] = uv[0];
                            prev[1] = uv[1];
                            vec3 d[3];
                            geom_surf_eval(s, uv[0], uv[1], 1, d);
                            double a11 = v3_dot(d[1], d[1]), a12 = v3_dot(d[1], d[2]), a22 = v3_dot(d[2], d[2]);
                            double b1 = v3_dot(d[1], D), b2 = v3_dot(d[2], D);
                            double det = a11 * a22 - a12 * a12;
                            double dv = det > 1e-300 ? (a11 * b2 - a12 * b1) / det : (a22 > 0 ? b2 / a22 : 0);
                            if (fabs(dv) <= 1e-14 * (fabs(prev[1]) + 1)) continue;   /* along an iso-v line */
                            double Ga, Gv;
                            inner(&q, uv[0], uv[1], &Ga, &Gv);
                            fa += 0.5 * h * q.gw[i] * Ga * dv;
                            fv += 0.5 * h * q.gw[i] * Gv * dv;
                        }
                }
            }
            double sg = rev_face ? -1 : 1;
            /* the loops' sense already carries the orientation: a reversed face runs
             * clockwise in (u, v), which flips both the region's sign and the normal */
            A += sg * fa;
            V += fv;
            if (sg * fa < amin) amin = sg * fa;
        }
    }
    if (area_mm2) *area_mm2 = A;
    if (volume_mm3) *volume_mm3 = V;
    if (min_face_area_mm2) *min_face_area_mm2 = amin;
    return SL_OK;
}
