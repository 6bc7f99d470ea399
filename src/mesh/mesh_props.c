/* mesh_props.c - properties of an indexed triangle mesh: area, signed volume
 * (divergence theorem), bounding box, edge use (boundary / non-manifold /
 * orientation), Euler characteristic, connected components and genus.
 * Edges are found by sorting the 3 * n_tris directed half-edges by their
 * undirected key; components by union-find over triangle edges. */
#include "steplm/mesh.h"
#include "mesh_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct half { uint64_t key; uint32_t tri; int8_t dir; uint8_t k; } half;

static int cmp_half(const void *a, const void *b) {
    const half *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    if (x->tri != y->tri) return x->tri < y->tri ? -1 : 1;
    return x->dir - y->dir;
}

/* Sort by key (then triangle, as built): radix sort of (key, 3 t + k); qsort when
 * out of memory for it. */
static void sort_halves(const mesh *m, half *h, size_t nh) {
    uint64_t *key = malloc((nh ? nh : 1) * sizeof *key);
    uint32_t *val = malloc((nh ? nh : 1) * sizeof *val);
    int ok = key && val && (uint64_t)m->n_tris * 3 < UINT32_MAX;
    if (ok) {
        for (size_t i = 0; i < nh; i++) {
            key[i] = h[i].key;
            val[i] = 3 * h[i].tri + h[i].k;
        }
        ok = mesh_sort_pairs(key, val, nh) == 0;
    }
    if (ok) {
        for (size_t i = 0; i < nh; i++) {
            uint32_t t = val[i] / 3, k = val[i] % 3;
            const uint32_t *tr = m->tris + 3 * (size_t)t;
            uint32_t x = tr[k], y = tr[(k + 1) % 3];
            h[i].key = key[i];
            h[i].tri = t;
            h[i].dir = (int8_t)(x < y ? 1 : -1);
            h[i].k = (uint8_t)k;
        }
    } else {
        qsort(h, nh, sizeof *h, cmp_half);
    }
    free(key);
    free(val);
}

static uint32_t uf_find(uint32_t *p, uint32_t x) {
    while (p[x] != x) { p[x] = p[p[x]]; x = p[x]; }
    return x;
}

void mesh_compute_props(const mesh *m, mesh_props *p) {
    memset(p, 0, sizeof *p);
    p->genus = -1;
    for (int i = 0; i < 3; i++) { p->bbox_mm[i] = INFINITY; p->bbox_mm[i + 3] = -INFINITY; }
    size_t nv = m->n_verts, nt = m->n_tris;
    uint8_t *used = calloc(nv ? nv : 1, 1);
    half *h = malloc((nt ? nt : 1) * 3 * sizeof *h);
    uint32_t *par = malloc((nv ? nv : 1) * sizeof *par);
    if (!used || !h || !par) { free(used); free(h); free(par); return; }
    for (size_t t = 0; t < nt; t++)
        for (int k = 0; k < 3; k++) {
            uint32_t v = m->tris[3 * t + k];
            if (v < nv) used[v] = 1;
        }
    for (size_t v = 0; v < nv; v++) {
        if (nt && !used[v]) continue;
        for (int i = 0; i < 3; i++) {
            double c = m->verts[3 * v + i];
            if (c < p->bbox_mm[i]) p->bbox_mm[i] = c;
            if (c > p->bbox_mm[i + 3]) p->bbox_mm[i + 3] = c;
        }
    }
    double cx = 0, cy = 0, cz = 0;
    if (isfinite(p->bbox_mm[0])) {
        cx = 0.5 * (p->bbox_mm[0] + p->bbox_mm[3]);
        cy = 0.5 * (p->bbox_mm[1] + p->bbox_mm[4]);
        cz = 0.5 * (p->bbox_mm[2] + p->bbox_mm[5]);
    }
    double area = 0, vol = 0;
    size_t nh = 0, n_valid_tris = 0;
    for (size_t t = 0; t < nt; t++) {
        const uint32_t *tr = m->tris + 3 * t;
        if (tr[0] >= nv || tr[1] >= nv || tr[2] >= nv) continue;
        n_valid_tris++;
        const double *a = m->verts + 3 * tr[0], *b = m->verts + 3 * tr[1], *c = m->verts + 3 * tr[2];
        double ax = a[0] - cx, ay = a[1] - cy, az = a[2] - cz;
        double bx = b[0] - cx, by = b[1] - cy, bz = b[2] - cz;
        double qx = c[0] - cx, qy = c[1] - cy, qz = c[2] - cz;
        double ux = bx - ax, uy = by - ay, uz = bz - az, wx = qx - ax, wy = qy - ay, wz = qz - az;
        double nx = uy * wz - uz * wy, ny = uz * wx - ux * wz, nz = ux * wy - uy * wx;
        area += 0.5 * sqrt(nx * nx + ny * ny + nz * nz);
        vol += (ax * (by * qz - bz * qy) - ay * (bx * qz - bz * qx) + az * (bx * qy - by * qx)) / 6.0;
        for (int k = 0; k < 3; k++) {
            uint32_t x = tr[k], y = tr[(k + 1) % 3];
            half e;
            e.key = x < y ? ((uint64_t)x << 32) | y : ((uint64_t)y << 32) | x;
            e.dir = (int8_t)(x < y ? 1 : -1);
            e.tri = (uint32_t)t;
            e.k = (uint8_t)k;
            h[nh++] = e;
        }
    }
    p->area_mm2 = area;
    p->volume_mm3 = vol;
    sort_halves(m, h, nh);
    for (size_t v = 0; v < nv; v++) par[v] = (uint32_t)v;
    size_t n_edges = 0;
    int consistent = 1;
    for (size_t i = 0; i < nh;) {
        size_t j = i;
        int sum = 0;
        while (j < nh && h[j].key == h[i].key) { sum += h[j].dir; j++; }
        size_t cnt = j - i;
        n_edges++;
        if (cnt == 1) p->n_boundary_edges++;
        else if (cnt > 2) p->n_nonmanifold_edges++;
        else if (sum != 0) consistent = 0;
        uint32_t a = (uint32_t)(h[i].key >> 32), b = (uint32_t)(h[i].key & 0xffffffffu);
        if (a != b) {
            uint32_t ra = uf_find(par, a), rb = uf_find(par, b);
            if (ra != rb) par[ra] = rb;
        }
        i = j;
    }
    size_t n_used = 0;
    for (size_t v = 0; v < nv; v++) n_used += used[v];
    p->euler = (long)n_used - (long)n_edges + (long)n_valid_tris;
    p->watertight = n_valid_tris > 0 && p->n_boundary_edges == 0 && p->n_nonmanifold_edges == 0 && consistent;
    /* components and per-component Euler characteristic */
    long *chi = calloc(nv ? nv : 1, sizeof *chi);
    if (chi) {
        for (size_t v = 0; v < nv; v++)
            if (used[v]) {
                uint32_t r = uf_find(par, (uint32_t)v);
                if (chi[r] == 0 && r != v) { /* counted below */ }
                chi[r] += 1;
            }
        for (size_t i = 0; i < nh;) {
            size_t j = i;
            while (j < nh && h[j].key == h[i].key) j++;
            chi[uf_find(par, (uint32_t)(h[i].key >> 32))] -= 1;
            i = j;
        }
        for (size_t t = 0; t < nt; t++) {
            const uint32_t *tr = m->tris + 3 * t;
            if (tr[0] >= nv || tr[1] >= nv || tr[2] >= nv) continue;
            chi[uf_find(par, tr[0])] += 1;
        }
        long comps = 0, gsum2 = 0;
        for (size_t v = 0; v < nv; v++)
            if (used[v] && uf_find(par, (uint32_t)v) == v) {
                comps++;
                gsum2 += 2 - chi[v];
            }
        p->n_components = comps;
        if (p->watertight) p->genus = gsum2 / 2;
        free(chi);
    }
    if (!isfinite(p->bbox_mm[0])) memset(p->bbox_mm, 0, sizeof p->bbox_mm);
    free(used); free(h); free(par);
}
