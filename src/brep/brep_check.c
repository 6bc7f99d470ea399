/* brep_check.c - validity checks run on every built solid before it is written:
 * closed shell with no free edges (every edge used exactly twice, in opposite
 * senses, which also makes neighbouring faces consistently oriented), connected
 * loops, vertices on their edge curves and face surfaces, Euler-Poincare with a
 * non-negative integer genus, and outward orientation (every face has positive
 * area with its loops counter-clockwise about its outward normal, and the volume
 * is positive). The first problem found is returned as SL_ERR_INVALID. */
#include <math.h>
#include <stdlib.h>

#include "brep/build_int.h"

sl_status build_check_solid(const brep *b, uint32_t solid, build_check_report *rep, sl_err *err) {
    if (solid >= b->n_solids) return sl_err_set(err, SL_ERR_ARG, "check: no solid %u", solid);
    const brep_solid *so = &b->solids[solid];
    if (so->kind != BREP_SOLID || so->n_shells < 1) return sl_err_set(err, SL_ERR_INVALID, "check: solid %u is not a closed solid", solid);
    int *use_f = calloc(b->n_edges + 1, sizeof *use_f), *use_r = calloc(b->n_edges + 1, sizeof *use_r);
    char *vseen = calloc(b->n_verts + 1, 1);
    if (!use_f || !use_r || !vseen) { free(use_f); free(use_r); free(vseen); return sl_err_set(err, SL_ERR_NOMEM, "out of memory"); }
    sl_status st = SL_OK;
    size_t nV = 0, nE = 0, nF = 0, nL = 0;
    double scale = 1;
    for (size_t i = 0; i < b->n_verts; i++) {
        vec3 p = b->verts[i].p;
        scale = fmax(scale, fmax(fabs(p.x), fmax(fabs(p.y), fabs(p.z))));
    }
    double tol = 1e-6 * scale;
    for (uint32_t sh = 0; sh < so->n_shells && !st; sh++) {
        const brep_shell *S = &b->shells[so->first_shell + sh];
        for (uint32_t fi = 0; fi < S->n_faces && !st; fi++) {
            uint32_t fidx = S->first_face + fi;
            const brep_face *F = &b->faces[fidx];
            nF++;
            if (F->surf < 0 || (size_t)F->surf >= b->n_surfs) { st = sl_err_set(err, SL_ERR_INVALID, "check: face %u has no surface", fidx); break; }
            if (!F->n_loops) { st = sl_err_set(err, SL_ERR_INVALID, "check: face %u has no loop", fidx); break; }
            const geom_surf *s = b->surfs[F->surf];
            int n_outer = 0;
            for (uint32_t li = 0; li < F->n_loops && !st; li++) {
                const brep_loop *L = &b->loops[F->first_loop + li];
                nL++;
                n_outer += L->outer != 0;
                if (!L->n_coedges) { st = sl_err_set(err, SL_ERR_INVALID, "check: face %u has a vertex loop", fidx); break; }
                for (uint32_t ci = 0; ci < L->n_coedges; ci++) {
                    const brep_coedge *a = &b->coedges[L->first_coedge + ci];
                    const brep_coedge *c = &b->coedges[L->first_coedge + (ci + 1) % L->n_coedges];
                    const brep_edge *ea = &b->edges[a->edge], *ec = &b->edges[c->edge];
                    uint32_t end = a->reversed ? ea->v0 : ea->v1, start = c->reversed ? ec->v1 : ec->v0;
                    if (end != start) {
                        st = sl_err_set(err, SL_ERR_INVALID, "check: loop %u of face %u is not connected after coedge %u", li, fidx, ci);
                        break;
                    }
                    if (a->reversed) use_r[a->edge]++; else use_f[a->edge]++;
                    if (use_f[a->edge] + use_r[a->edge] == 1) {
                        nE++;
                        /* the curve must pass through the edge's vertices */
                        if (ea->curve >= 0) {
                            vec3 p0 = build_edge_point(b, a->edge, 0), p1 = build_edge_point(b, a->edge, 1);
                            if (v3_dist(p0, b->verts[ea->v0].p) > tol || v3_dist(p1, b->verts[ea->v1].p) > tol) {
                                st = sl_err_set(err, SL_ERR_INVALID, "check: edge %u's curve does not end at its vertices", a->edge);
                                break;
                            }
                        }
                    }
                    for (int k = 0; k < 2; k++) {
                        uint32_t v = k ? ea->v1 : ea->v0;
                        if (!vseen[v]) { vseen[v] = 1; nV++; }
                    }
                    /* edge midpoint on the face's surface */
                    vec3 m = build_edge_point(b, a->edge, 0.5);
                    double u, v;
                    if (geom_surf_project(s, m, NULL, &u, &v) > tol) {
                        st = sl_err_set(err, SL_ERR_INVALID, "check: edge %u does not lie on the surface of face %u", a->edge, fidx);
                        break;
                    }
                }
            }
            if (!st && n_outer > 1) st = sl_err_set(err, SL_ERR_INVALID, "check: face %u has %d outer loops", fidx, n_outer);
        }
    }
    for (size_t e = 0; e < b->n_edges && !st; e++) {
        int n = use_f[e] + use_r[e];
        if (!n) continue;
        if (n == 1) st = sl_err_set(err, SL_ERR_INVALID, "check: edge %zu is free (used by one face only): the shell is open", e);
        else if (n > 2) st = sl_err_set(err, SL_ERR_INVALID, "check: edge %zu is used %d times (non-manifold)", e, n);
        else if (use_f[e] != 1) st = sl_err_set(err, SL_ERR_INVALID, "check: edge %zu is used twice in the same sense: neighbouring faces are oriented inconsistently", e);
    }
    free(use_f); free(use_r); free(vseen);
    if (st) return st;
    /* Euler-Poincare: V - E + F - (L - F) = 2 (S - G) */
    long chi = (long)nV - (long)nE + 2 * (long)nF - (long)nL;
    long twice_g = 2 * (long)so->n_shells - chi;
    if (twice_g < 0 || twice_g % 2)
        return sl_err_set(err, SL_ERR_INVALID, "check: Euler-Poincare fails (V=%zu E=%zu F=%zu L=%zu S=%u gives genus %g)",
                          nV, nE, nF, nL, so->n_shells, twice_g / 2.0);
    double A, V, amin;
    st = build_solid_props(b, solid, &A, &V, &amin, err);
    if (st) return st;
    if (!(amin > 0))
        return sl_err_set(err, SL_ERR_INVALID, "check: a face has non-positive area %g: its loops run the wrong way about its outward normal", amin);
    if (!(V > 0)) return sl_err_set(err, SL_ERR_INVALID, "check: volume %g is not positive: the shell faces inward", V);
    if (rep) {
        rep->n_verts = nV; rep->n_edges = nE; rep->n_faces = nF; rep->n_loops = nL;
        rep->n_shells = so->n_shells;
        rep->genus = twice_g / 2;
        rep->area_mm2 = A;
        rep->volume_mm3 = V;
    }
    return SL_OK;
}
