/* brep.c - the B-rep container: growable index arrays plus an arena for curve and
 * surface data. Reading from STEP is in brep_read.c. */
#include "steplm/brep.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

brep *brep_new(void) {
    brep *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    sl_arena_init(&b->arena, 1 << 16);
    strcpy(b->unit, "mm");
    b->unit_mm = 1;
    return b;
}

void brep_free(brep *b) {
    if (!b) return;
    free(b->verts); free(b->edges); free(b->coedges); free(b->loops); free(b->faces);
    free(b->shells); free(b->solids); free(b->instances); free(b->curves); free(b->surfs);
    free(b->wire_pts);
    sl_arena_release(&b->arena);
    free(b);
}

void *brep_alloc(brep *b, size_t n) { return sl_arena_alloc(&b->arena, n ? n : 1); }

/* room for item n of array *p (element size sz, capacity *cap); ids are uint32 */
static int grow(void **p, size_t *cap, size_t n, size_t sz) {
    return n >= UINT32_MAX ? -1 : sl_grow(p, cap, n, sz, 64);
}
#define PUSH(arr, cnt, capi, val) \
    (grow((void **)&b->arr, &b->cap[capi], b->cnt, sizeof *b->arr) ? -1 \
     : (b->arr[b->cnt] = (val), (long)b->cnt++))

long brep_add_vertex(brep *b, vec3 p) {
    brep_vertex v = {p};
    return PUSH(verts, n_verts, 0, v);
}

long brep_add_curve(brep *b, const geom_curve *c) {
    geom_curve *n = brep_alloc(b, sizeof *n);
    if (!n) return -1;
    *n = *c;
    if (c->kind == GEOM_CURVE_BSPLINE) {
        n->bs.ctrl = brep_alloc(b, (size_t)c->bs.n_ctrl * sizeof(vec3));
        n->bs.knots = brep_alloc(b, (size_t)c->bs.n_knots * sizeof(double));
        if (!n->bs.ctrl || !n->bs.knots) return -1;
        memcpy(n->bs.ctrl, c->bs.ctrl, (size_t)c->bs.n_ctrl * sizeof(vec3));
        memcpy(n->bs.knots, c->bs.knots, (size_t)c->bs.n_knots * sizeof(double));
        if (c->bs.weights) {
            n->bs.weights = brep_alloc(b, (size_t)c->bs.n_ctrl * sizeof(double));
            if (!n->bs.weights) return -1;
            memcpy(n->bs.weights, c->bs.weights, (size_t)c->bs.n_ctrl * sizeof(double));
        }
    }
    return PUSH(curves, n_curves, 8, n);
}

long brep_add_surf(brep *b, const geom_surf *s) {
    geom_surf *n = brep_alloc(b, sizeof *n);
    if (!n) return -1;
    *n = *s;
    if (s->kind == GEOM_SURF_BSPLINE) {
        size_t nc = (size_t)s->bs.n_u * (size_t)s->bs.n_v;
        n->bs.ctrl = brep_alloc(b, nc * sizeof(vec3));
        n->bs.knots_u = brep_alloc(b, (size_t)s->bs.n_knots_u * sizeof(double));
        n->bs.knots_v = brep_alloc(b, (size_t)s->bs.n_knots_v * sizeof(double));
        if (!n->bs.ctrl || !n->bs.knots_u || !n->bs.knots_v) return -1;
        memcpy(n->bs.ctrl, s->bs.ctrl, nc * sizeof(vec3));
        memcpy(n->bs.knots_u, s->bs.knots_u, (size_t)s->bs.n_knots_u * sizeof(double));
        memcpy(n->bs.knots_v, s->bs.knots_v, (size_t)s->bs.n_knots_v * sizeof(double));
        if (s->bs.weights) {
            n->bs.weights = brep_alloc(b, nc * sizeof(double));
            if (!n->bs.weights) return -1;
            memcpy(n->bs.weights, s->bs.weights, nc * sizeof(double));
        }
    }
    geom_surf_prepare(n);
    return PUSH(surfs, n_surfs, 9, n);
}

long brep_add_edge(brep *b, uint32_t v0, uint32_t v1, int32_t curve, double t0, double t1) {
    brep_edge e = {v0, v1, curve, t0, t1, 0};
    return PUSH(edges, n_edges, 1, e);
}

long brep_add_coedge(brep *b, uint32_t edge, int reversed) {
    brep_coedge c = {edge, (uint8_t)(reversed != 0), -1};
    return PUSH(coedges, n_coedges, 2, c);
}

long brep_add_loop(brep *b, uint32_t first, uint32_t n, int32_t vertex, int outer) {
    brep_loop l = {first, n, vertex, (uint8_t)(outer != 0)};
    return PUSH(loops, n_loops, 3, l);
}

long brep_add_face(brep *b, int32_t surf, int reversed, uint32_t first_loop, uint32_t n_loops) {
    brep_face f = {surf, (uint8_t)(reversed != 0), first_loop, n_loops, 0};
    return PUSH(faces, n_faces, 4, f);
}

long brep_add_shell(brep *b, uint32_t first_face, uint32_t n_faces, int closed) {
    brep_shell s = {first_face, n_faces, (uint8_t)(closed != 0)};
    return PUSH(shells, n_shells, 5, s);
}

long brep_add_solid(brep *b, uint32_t first_shell, uint32_t n_shells, int kind) {
    brep_solid s = {first_shell, n_shells, (uint8_t)kind, 0};
    return PUSH(solids, n_solids, 6, s);
}

long brep_add_instance(brep *b, uint32_t solid, const geom_xform *x) {
    brep_instance in;
    in.solid = solid;
    in.x = *x;
    return PUSH(instances, n_instances, 7, in);
}

void brep_add_diag(brep *b, uint64_t id, const char *fmt, ...) {
    b->n_diags_total++;
    if (b->n_diags >= BREP_MAX_DIAGS) return;
    brep_diag *d = &b->diags[b->n_diags++];
    d->id = id;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
}

vec3 brep_edge_point(const brep *b, const brep_edge *e, double s) {
    vec3 a = b->verts[e->v0].p, c = b->verts[e->v1].p;
    if (e->curve < 0) return v3_add(v3_scale(a, 1 - s), v3_scale(c, s));
    vec3 p;
    geom_curve_eval(b->curves[e->curve], e->t0 + s * (e->t1 - e->t0), &p, NULL, NULL);
    return p;
}

int brep_bbox_estimate(const brep *b, double bbox[6]) {
    for (int i = 0; i < 3; i++) { bbox[i] = INFINITY; bbox[i + 3] = -INFINITY; }
    int any = 0;
    for (size_t k = 0; k < b->n_instances; k++) {
        const brep_instance *in = &b->instances[k];
        if (in->solid >= b->n_solids) continue;
        const brep_solid *so = &b->solids[in->solid];
        for (uint32_t si = 0; si < so->n_shells; si++) {
            const brep_shell *sh = &b->shells[so->first_shell + si];
            for (uint32_t fi = 0; fi < sh->n_faces; fi++) {
                const brep_face *f = &b->faces[sh->first_face + fi];
                for (uint32_t li = 0; li < f->n_loops; li++) {
                    const brep_loop *l = &b->loops[f->first_loop + li];
                    for (uint32_t ci = 0; ci < l->n_coedges; ci++) {
                        const brep_edge *e = &b->edges[b->coedges[l->first_coedge + ci].edge];
                        int ns = e->curve < 0 || b->curves[e->curve]->kind == GEOM_CURVE_LINE ? 1 : 16;
                        for (int s = 0; s <= ns; s++) {
                            vec3 p = geom_xform_point(&in->x, brep_edge_point(b, e, (double)s / ns));
                            if (!isfinite(p.x) || !isfinite(p.y) || !isfinite(p.z)) continue;
                            double c[3] = {p.x, p.y, p.z};
                            for (int i = 0; i < 3; i++) {
                                if (c[i] < bbox[i]) bbox[i] = c[i];
                                if (c[i] > bbox[i + 3]) bbox[i + 3] = c[i];
                            }
                            any = 1;
                        }
                    }
                }
            }
        }
    }
    for (size_t i = 0; i < b->n_wire_pts; i++) {
        double c[3] = {b->wire_pts[i].x, b->wire_pts[i].y, b->wire_pts[i].z};
        for (int k = 0; k < 3; k++) {
            if (c[k] < bbox[k]) bbox[k] = c[k];
            if (c[k] > bbox[k + 3]) bbox[k + 3] = c[k];
        }
        any = 1;
    }
    return any ? 0 : -1;
}
