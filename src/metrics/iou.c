/* iou.c - volume IoU of two closed triangle meshes by voxelization.
 *
 * Inside test per voxel centre: cast a ray along +z through each column of voxel
 * centres, collect where it crosses the triangles and use parity between sorted
 * crossings. A column that passes exactly through an edge or vertex is decided as if
 * it were moved by an infinitesimal (eps, eps^2) in x, y -- every triangle sharing that
 * edge sees the same moved point -- so shared edges are counted once and silhouette
 * edges zero or two times, never once. Parity does not care about orientation, so
 * inconsistently oriented but closed meshes still voxelize correctly. */
#include "steplm/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct edge_key { uint32_t a, b; } edge_key;
static int cmp_edge(const void *x, const void *y) {
    const edge_key *p = x, *q = y;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    return p->b < q->b ? -1 : p->b > q->b;
}

int metrics_mesh_is_closed(const mesh *m) {
    if (!m || m->n_tris == 0) return 0;
    size_t ne = 3 * m->n_tris;
    edge_key *e = malloc(ne * sizeof *e);
    if (!e) return 0;
    for (size_t t = 0; t < m->n_tris; t++)
        for (int k = 0; k < 3; k++) {
            uint32_t a = m->tris[3 * t + (size_t)k], b = m->tris[3 * t + (size_t)(k + 1) % 3];
            e[3 * t + (size_t)k] = (edge_key){a < b ? a : b, a < b ? b : a};
        }
    qsort(e, ne, sizeof *e, cmp_edge);
    int ok = 1;
    for (size_t i = 0; i < ne && ok;) {
        size_t j = i;
        while (j < ne && e[j].a == e[i].a && e[j].b == e[i].b) j++;
        if (j - i != 2) ok = 0;
        i = j;
    }
    free(e);
    return ok;
}

typedef struct crossing { uint32_t col; double z; } crossing;
static int cmp_cross(const void *x, const void *y) {
    const crossing *p = x, *q = y;
    if (p->col != q->col) return p->col < q->col ? -1 : 1;
    return p->z < q->z ? -1 : p->z > q->z;
}

typedef struct grid { double o[3], h; int n[3]; } grid;

/* edge function of (p -> q) at pt, with the (eps, eps^2) tie-break: > 0 means left */
static int left_of(const double *p, const double *q, double x, double y) {
    double ex = q[0] - p[0], ey = q[1] - p[1];
    double e = ex * (y - p[1]) - ey * (x - p[0]);
    if (e != 0) return e > 0;
    if (ey != 0) return -ey > 0;
    return ex > 0;
}

/* occupancy bits (n[0]*n[1]*n[2], x fastest) of the solid bounded by m (transformed by T) */
static sl_status voxelize(const mesh *m, const double T[16], const grid *g, uint8_t *occ, sl_err *err) {
    size_t n_cols = (size_t)g->n[0] * (size_t)g->n[1];
    size_t cap = 1024, nc = 0;
    crossing *cr = malloc(cap * sizeof *cr);
    double *v = malloc(m->n_verts * 3 * sizeof *v);
    if (!cr || !v) { free(cr); free(v); return sl_err_set(err, SL_ERR_NOMEM, "out of memory"); }
    memcpy(v, m->verts, m->n_verts * 3 * sizeof *v);
    if (T) metrics_transform_points(v, m->n_verts, T);
    for (size_t t = 0; t < m->n_tris; t++) {
        const double *a = v + 3 * m->tris[3 * t], *b = v + 3 * m->tris[3 * t + 1], *c = v + 3 * m->tris[3 * t + 2];
        double area2 = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
        if (area2 == 0) continue;       /* vertical or degenerate: a ray never crosses it */
        if (area2 < 0) { const double *x = b; b = c; c = x; area2 = -area2; }
        double mnx = fmin(a[0], fmin(b[0], c[0])), mxx = fmax(a[0], fmax(b[0], c[0]));
        double mny = fmin(a[1], fmin(b[1], c[1])), mxy = fmax(a[1], fmax(b[1], c[1]));
        long i0 = (long)ceil((mnx - g->o[0]) / g->h - 0.5), i1 = (long)floor((mxx - g->o[0]) / g->h - 0.5);
        long j0 = (long)ceil((mny - g->o[1]) / g->h - 0.5), j1 = (long)floor((mxy - g->o[1]) / g->h - 0.5);
        if (i0 < 0) i0 = 0;
        if (j0 < 0) j0 = 0;
        if (i1 >= g->n[0]) i1 = g->n[0] - 1;
        if (j1 >= g->n[1]) j1 = g->n[1] - 1;
        for (long j = j0; j <= j1; j++)
            for (long i = i0; i <= i1; i++) {
                double x = g->o[0] + ((double)i + 0.5) * g->h, y = g->o[1] + ((double)j + 0.5) * g->h;
                if (!left_of(a, b, x, y) || !left_of(b, c, x, y) || !left_of(c, a, x, y)) continue;
                double wa = ((b[0] - x) * (c[1] - y) - (b[1] - y) * (c[0] - x)) / area2;
                double wb = ((c[0] - x) * (a[1] - y) - (c[1] - y) * (a[0] - x)) / area2;
                double z = wa * a[2] + wb * b[2] + (1 - wa - wb) * c[2];
                if (nc == cap) {
                    crossing *ncr = realloc(cr, 2 * cap * sizeof *ncr);
                    if (!ncr) { free(cr); free(v); return sl_err_set(err, SL_ERR_NOMEM, "out of memory"); }
                    cr = ncr;
                    cap *= 2;
                }
                cr[nc].col = (uint32_t)((size_t)j * (size_t)g->n[0] + (size_t)i);
                cr[nc].z = z;
                nc++;
            }
    }
    free(v);
    qsort(cr, nc, sizeof *cr, cmp_cross);
    for (size_t s = 0; s < nc;) {
        size_t e = s;
        while (e < nc && cr[e].col == cr[s].col) e++;
        size_t col = cr[s].col;
        for (size_t k = s; k + 1 < e; k += 2) {
            double z0 = cr[k].z, z1 = cr[k + 1].z;
            long k0 = (long)ceil((z0 - g->o[2]) / g->h - 0.5), k1 = (long)floor((z1 - g->o[2]) / g->h - 0.5);
            /* centres strictly inside (z0, z1) */
            if (g->o[2] + ((double)k0 + 0.5) * g->h <= z0) k0++;
            if (g->o[2] + ((double)k1 + 0.5) * g->h >= z1) k1--;
            if (k0 < 0) k0 = 0;
            if (k1 >= g->n[2]) k1 = g->n[2] - 1;
            for (long k2 = k0; k2 <= k1; k2++) occ[(size_t)k2 * n_cols + col] = 1;
        }
        s = e;
    }
    free(cr);
    return SL_OK;
}

static void bbox_of(const mesh *m, const double T[16], double lo[3], double hi[3]) {
    for (size_t i = 0; i < m->n_verts; i++) {
        double p[3];
        memcpy(p, m->verts + 3 * i, sizeof p);
        if (T) metrics_transform_points(p, 1, T);
        for (int k = 0; k < 3; k++) {
            if (p[k] < lo[k]) lo[k] = p[k];
            if (p[k] > hi[k]) hi[k] = p[k];
        }
    }
}

sl_status metrics_iou_voxel(const mesh *a, const mesh *b, const double T_b[16], int res, double *iou, sl_err *err) {
    if (!a || !b || !iou || res < 1) return sl_err_set(err, SL_ERR_ARG, "metrics_iou_voxel: bad argument");
    if (res > 1024) return sl_err_set(err, SL_ERR_LIMIT, "IoU resolution %d is above 1024", res);
    if (!metrics_mesh_is_closed(a) || !metrics_mesh_is_closed(b))
        return sl_err_set(err, SL_ERR_INVALID, "IoU needs closed meshes (every edge shared by two triangles)");
    double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    bbox_of(a, NULL, lo, hi);
    bbox_of(b, T_b, lo, hi);
    double ext = fmax(hi[0] - lo[0], fmax(hi[1] - lo[1], hi[2] - lo[2]));
    if (!(ext > 0) || !isfinite(ext)) return sl_err_set(err, SL_ERR_INVALID, "IoU: empty or non-finite bounding box");
    grid g;
    g.h = ext / res;
    for (int k = 0; k < 3; k++) {
        g.o[k] = lo[k];
        g.n[k] = (int)ceil((hi[k] - lo[k]) / g.h - 1e-9);
        if (g.n[k] < 1) g.n[k] = 1;
    }
    size_t nv = (size_t)g.n[0] * (size_t)g.n[1] * (size_t)g.n[2];
    uint8_t *oa = calloc(nv, 1), *ob = calloc(nv, 1);
    if (!oa || !ob) { free(oa); free(ob); return sl_err_set(err, SL_ERR_NOMEM, "out of memory"); }
    sl_status st = voxelize(a, NULL, &g, oa, err);
    if (!st) st = voxelize(b, T_b, &g, ob, err);
    if (!st) {
        size_t ni = 0, nu = 0;
        for (size_t i = 0; i < nv; i++) {
            ni += oa[i] & ob[i];
            nu += oa[i] | ob[i];
        }
        *iou = nu ? (double)ni / (double)nu : 0;
    }
    free(oa);
    free(ob);
    return st;
}
