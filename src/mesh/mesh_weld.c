/* mesh_weld.c - closing cracks between independently meshed faces.
 *
 * Faces whose B-rep does not share edges (each face has its own copy of a common
 * edge, or a long edge of one face meets several shorter edges of its neighbour)
 * mesh into pieces whose borders coincide only within the tolerance of the file:
 * duplicate vertices a few microns apart, and T-junctions where a vertex of one
 * face lies on a boundary segment of the other. Both show up as boundary edges
 * (used by one triangle). On a range of triangles this pass
 *   1. welds boundary vertices closer than tol_mm (union-find, lowest index wins),
 *      dropping triangles that collapse;
 *   2. splits each boundary segment at the boundary vertices lying on it (within
 *      tol_mm, strictly between its ends), turning its triangle into a fan.
 * Only boundary vertices and the triangles along them change, so a mesh without
 * boundary edges is left as it is, and interior vertices never move. */
#include "steplm/mesh.h"
#include "mesh_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct wh { uint64_t key; uint32_t tri; uint8_t k; } wh;


/* The half-edges of the triangles [first, n_tris) sorted by undirected key:
 * key[i] and val[i] = 3 * (t - first) + k. 0 or -1 out of memory. */
static int sorted_halves(const mesh *m, size_t first, uint64_t **key_out, uint32_t **val_out) {
    size_t nt = m->n_tris - first, nh = 3 * nt;
    uint64_t *key = malloc((nh ? nh : 1) * sizeof *key);
    uint32_t *val = malloc((nh ? nh : 1) * sizeof *val);
    if (!key || !val || nh >= UINT32_MAX) { free(key); free(val); return -1; }
    for (size_t t = 0; t < nt; t++)
        for (int k = 0; k < 3; k++) {
            uint32_t a = m->tris[3 * (first + t) + k], b = m->tris[3 * (first + t) + (k + 1) % 3];
            key[3 * t + k] = a < b ? ((uint64_t)a << 32) | b : ((uint64_t)b << 32) | a;
            val[3 * t + k] = (uint32_t)(3 * t + k);
        }
    if (mesh_sort_pairs(key, val, nh)) { free(key); free(val); return -1; }
    *key_out = key;
    *val_out = val;
    return 0;
}

/* Boundary half-edges (tri, k) of the triangles [first, n_tris): edges used once;
 * *n_nonman (optional) gets the number of edges used more than twice. */
static long find_boundary(const mesh *m, size_t first, wh **out, size_t *n_nonman) {
    uint64_t *key;
    uint32_t *val;
    if (sorted_halves(m, first, &key, &val)) return -1;
    size_t nh = 3 * (m->n_tris - first), nb = 0, nm = 0;
    wh *h = malloc((nh ? nh : 1) * sizeof *h);
    if (!h) { free(key); free(val); return -1; }
    for (size_t i = 0; i < nh;) {
        size_t j = i + 1;
        while (j < nh && key[j] == key[i]) j++;
        if (j - i == 1) {
            h[nb].key = key[i];
            h[nb].tri = (uint32_t)(first + val[i] / 3);
            h[nb].k = (uint8_t)(val[i] % 3);
            nb++;
        } else if (j - i > 2) nm++;
        i = j;
    }
    if (n_nonman) *n_nonman = nm;
    free(key);
    free(val);
    *out = h;
    return (long)nb;
}

/* A uniform grid over a set of vertices: cell keys sorted with their vertex. */
typedef struct gcell { uint64_t key; uint32_t v; } gcell;
typedef struct grid { gcell *c; size_t n; double cell, org[3]; } grid;

static int cmp_gcell(const void *a, const void *b) {
    const gcell *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->v < y->v ? -1 : x->v > y->v;
}

static uint64_t cell_key(long i, long j, long k) {
    return ((uint64_t)(i & 0x1fffff) << 42) | ((uint64_t)(j & 0x1fffff) << 21) | (uint64_t)(k & 0x1fffff);
}

static long cell_of(const grid *g, double x, int d) { return (long)floor((x - g->org[d]) / g->cell); }

static int grid_build(grid *g, const mesh *m, const uint32_t *vs, size_t n, double cell) {
    g->n = n;
    g->cell = cell;
    g->c = malloc((n ? n : 1) * sizeof *g->c);
    if (!g->c) return -1;
    for (int d = 0; d < 3; d++) g->org[d] = n ? m->verts[3 * vs[0] + d] : 0;
    for (size_t i = 0; i < n; i++) {
        const double *p = m->verts + 3 * vs[i];
        g->c[i].key = cell_key(cell_of(g, p[0], 0), cell_of(g, p[1], 1), cell_of(g, p[2], 2));
        g->c[i].v = vs[i];
    }
    qsort(g->c, n, sizeof *g->c, cmp_gcell);
    return 0;
}

/* First index in g->c with that key (or g->n). */
static size_t grid_lower(const grid *g, uint64_t key) {
    size_t lo = 0, hi = g->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g->c[mid].key < key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static uint32_t uf_root(uint32_t *p, uint32_t x) {
    while (p[x] != x) { p[x] = p[p[x]]; x = p[x]; }
    return x;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorted unique vertices of the boundary half-edges. */
static uint32_t *boundary_verts(const mesh *m, const wh *b, size_t nb, size_t *n_out) {
    uint32_t *vs = malloc((2 * nb + 1) * sizeof *vs);
    if (!vs) return NULL;
    size_t n = 0;
    for (size_t i = 0; i < nb; i++) {
        vs[n++] = m->tris[3 * b[i].tri + b[i].k];
        vs[n++] = m->tris[3 * b[i].tri + (b[i].k + 1) % 3];
    }
    qsort(vs, n, sizeof *vs, cmp_u32);
    size_t u = 0;
    for (size_t i = 0; i < n; i++) if (!u || vs[u - 1] != vs[i]) vs[u++] = vs[i];
    *n_out = u;
    return vs;
}

static double dist2(const double *a, const double *b) {
    double x = a[0] - b[0], y = a[1] - b[1], z = a[2] - b[2];
    return x * x + y * y + z * z;
}

/* Step 1: weld boundary vertices closer than tol. Returns the number of vertices
 * merged, -1 out of memory. */
static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int has_inner_edge(const uint64_t *keys, size_t n, uint32_t a, uint32_t b) {
    uint64_t key = a < b ? ((uint64_t)a << 32) | b : ((uint64_t)b << 32) | a;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (keys[mid] < key) lo = mid + 1;
        else hi = mid;
    }
    return lo + 1 < n && keys[lo] == key && keys[lo + 1] == key;
}

static long weld(mesh *m, size_t first, const uint32_t *vs, size_t n, double tol) {
    /* vertices joined by an inner edge (used twice) are never welded: a short
     * edge inside the mesh is a feature, not a crack; a short boundary edge is
     * collapsed (the other side of the crack has one vertex there) */
    size_t ne = 3 * (m->n_tris - first);
    uint64_t *keys = malloc((ne ? ne : 1) * sizeof *keys);
    if (!keys) return -1;
    for (size_t t = first, i = 0; t < m->n_tris; t++)
        for (int k = 0; k < 3; k++) {
            uint32_t a = m->tris[3 * t + k], b = m->tris[3 * t + (k + 1) % 3];
            keys[i++] = a < b ? ((uint64_t)a << 32) | b : ((uint64_t)b << 32) | a;
        }
    qsort(keys, ne, sizeof *keys, cmp_u64);
    grid g;
    if (grid_build(&g, m, vs, n, tol)) { free(keys); return -1; }
    uint32_t *par = malloc((m->n_verts ? m->n_verts : 1) * sizeof *par);
    if (!par) { free(g.c); free(keys); return -1; }
    for (size_t v = 0; v < m->n_verts; v++) par[v] = (uint32_t)v;
    long merged = 0;
    double tol2 = tol * tol;
    for (size_t i = 0; i < n; i++) {
        const double *p = m->verts + 3 * vs[i];
        long ci = cell_of(&g, p[0], 0), cj = cell_of(&g, p[1], 1), ck = cell_of(&g, p[2], 2);
        for (long a = ci - 1; a <= ci + 1; a++)
            for (long b = cj - 1; b <= cj + 1; b++)
                for (long c = ck - 1; c <= ck + 1; c++) {
                    uint64_t key = cell_key(a, b, c);
                    for (size_t q = grid_lower(&g, key); q < g.n && g.c[q].key == key; q++) {
                        uint32_t w = g.c[q].v;
                        if (w <= vs[i] || dist2(p, m->verts + 3 * w) > tol2) continue;
                        if (has_inner_edge(keys, ne, vs[i], w)) continue;
                        uint32_t ra = uf_root(par, vs[i]), rb = uf_root(par, w);
                        if (ra == rb) continue;
                        if (ra < rb) par[rb] = ra; else par[ra] = rb;
                        merged++;
                    }
                }
    }
    if (merged) {
        size_t o = first;
        for (size_t t = first; t < m->n_tris; t++) {
            uint32_t x = uf_root(par, m->tris[3 * t]), y = uf_root(par, m->tris[3 * t + 1]),
                     z = uf_root(par, m->tris[3 * t + 2]);
            if (x == y || y == z || z == x) continue;
            m->tris[3 * o] = x; m->tris[3 * o + 1] = y; m->tris[3 * o + 2] = z;
            o++;
        }
        m->n_tris = o;
    }
    free(par);
    free(g.c);
    free(keys);
    return merged;
}

typedef struct split { double t; uint32_t v; } split;
static int cmp_split(const void *a, const void *b) {
    double x = ((const split *)a)->t, y = ((const split *)b)->t;
    return x < y ? -1 : x > y;
}

/* Step 2, one pass: split boundary segments at boundary vertices on them; at most
 * one edge per triangle per pass. Returns the number of segments split, -1 OOM. */
static long split_pass(mesh *m, size_t first, const wh *bd, size_t nb, const uint32_t *vs, size_t n,
                       double tol) {
    double len_sum = 0;
    for (size_t i = 0; i < nb; i++) {
        const uint32_t *tr = m->tris + 3 * bd[i].tri;
        len_sum += sqrt(dist2(m->verts + 3 * tr[bd[i].k], m->verts + 3 * tr[(bd[i].k + 1) % 3]));
    }
    double cell = fmax(2 * tol, nb ? len_sum / (double)nb : tol);
    grid g;
    if (grid_build(&g, m, vs, n, cell)) return -1;
    size_t n_tri0 = m->n_tris;
    uint8_t *touched = calloc(n_tri0 - first + 1, 1);
    split *sp = NULL;
    size_t cap = 0;
    long n_split = 0;
    double tol2 = tol * tol;
    if (!touched) { free(g.c); return -1; }
    for (size_t i = 0; i < nb; i++) {
        uint32_t t = bd[i].tri;
        if (touched[t - first]) continue;
        int k = bd[i].k;
        uint32_t ia = m->tris[3 * t + k], ib = m->tris[3 * t + (k + 1) % 3], ic = m->tris[3 * t + (k + 2) % 3];
        const double *A = m->verts + 3 * ia, *B = m->verts + 3 * ib;
        double ab[3] = {B[0] - A[0], B[1] - A[1], B[2] - A[2]};
        double L2 = ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2];
        if (!(L2 > 0)) continue;
        long lo[3], hi[3];
        double ncell = 1;
        for (int d = 0; d < 3; d++) {
            lo[d] = cell_of(&g, fmin(A[d], B[d]) - tol, d);
            hi[d] = cell_of(&g, fmax(A[d], B[d]) + tol, d);
            ncell *= (double)(hi[d] - lo[d] + 1);
        }
        size_t ns = 0;
        /* candidate vertices: by grid cells, or all of them for a very long segment */
        size_t q_all = 0;
        int use_all = ncell > 4096;
        long a = lo[0], b = lo[1], c = lo[2];
        for (;;) {
            size_t q, q_end;
            if (use_all) {
                if (q_all) break;
                q = 0; q_end = g.n; q_all = 1;
            } else {
                uint64_t key = cell_key(a, b, c);
                q = grid_lower(&g, key);
                q_end = q;
                while (q_end < g.n && g.c[q_end].key == key) q_end++;
            }
            for (; q < q_end; q++) {
                uint32_t w = g.c[q].v;
                if (w == ia || w == ib || w == ic) continue;
                const double *P = m->verts + 3 * w;
                double s = ((P[0] - A[0]) * ab[0] + (P[1] - A[1]) * ab[1] + (P[2] - A[2]) * ab[2]) / L2;
                if (!(s > 0 && s < 1)) continue;
                double F[3] = {A[0] + s * ab[0], A[1] + s * ab[1], A[2] + s * ab[2]};
                if (dist2(P, F) > tol2 || dist2(P, A) <= tol2 || dist2(P, B) <= tol2) continue;
                if (ns == cap) {
                    size_t nc = cap ? 2 * cap : 16;
                    split *x = realloc(sp, nc * sizeof *x);
                    if (!x) { free(sp); free(touched); free(g.c); return -1; }
                    sp = x; cap = nc;
                }
                sp[ns].t = s; sp[ns].v = w; ns++;
            }
            if (use_all) continue;
            if (++c > hi[2]) { c = lo[2]; if (++b > hi[1]) { b = lo[1]; if (++a > hi[0]) break; } }
        }
        if (!ns) continue;
        qsort(sp, ns, sizeof *sp, cmp_split);
        /* (a, b, c) -> (a, v1, c), (v1, v2, c), ..., (vn, b, c) */
        uint32_t prev = ia;
        size_t kept = 0;
        for (size_t j = 0; j < ns; j++) {
            if (j && sp[j].v == sp[j - 1].v) continue;
            uint32_t v = sp[j].v;
            if (!kept) {
                m->tris[3 * t] = prev; m->tris[3 * t + 1] = v; m->tris[3 * t + 2] = ic;
            } else if (mesh_add_tri(m, prev, v, ic)) { free(sp); free(touched); free(g.c); return -1; }
            kept++;
            prev = v;
        }
        if (mesh_add_tri(m, prev, ib, ic)) { free(sp); free(touched); free(g.c); return -1; }
        touched[t - first] = 1;
        n_split++;
    }
    free(sp);
    free(touched);
    free(g.c);
    return n_split;
}

/* Pairs of triangles on the same three vertices with opposite orientations (a fold
 * of zero thickness, e.g. where a pole fan doubles back) cancel: both are removed.
 * Returns the number of triangles removed, -1 out of memory. */
typedef struct tkey { uint32_t v[3]; int8_t sign; uint32_t tri; } tkey;

static int cmp_tkey(const void *a, const void *b) {
    const tkey *x = a, *y = b;
    for (int k = 0; k < 3; k++) if (x->v[k] != y->v[k]) return x->v[k] < y->v[k] ? -1 : 1;
    if (x->sign != y->sign) return x->sign - y->sign;
    return x->tri < y->tri ? -1 : x->tri > y->tri;
}

static long remove_folds(mesh *m, size_t first) {
    size_t nt = m->n_tris - first;
    tkey *k = malloc((nt ? nt : 1) * sizeof *k);
    uint8_t *drop = calloc(nt ? nt : 1, 1);
    if (!k || !drop) { free(k); free(drop); return -1; }
    for (size_t t = 0; t < nt; t++) {
        const uint32_t *tr = m->tris + 3 * (first + t);
        uint32_t a = tr[0], b = tr[1], c = tr[2];
        /* rotate the smallest first; the order of the other two gives the sign */
        if (b < a && b < c) { uint32_t x = a; a = b; b = c; c = x; }
        else if (c < a && c < b) { uint32_t x = c; c = b; b = a; a = x; }
        k[t].v[0] = a;
        k[t].v[1] = b < c ? b : c;
        k[t].v[2] = b < c ? c : b;
        k[t].sign = (int8_t)(b < c ? 1 : -1);
        k[t].tri = (uint32_t)t;
    }
    qsort(k, nt, sizeof *k, cmp_tkey);
    long removed = 0;
    for (size_t i = 0; i < nt;) {
        size_t j = i;
        while (j < nt && !memcmp(k[j].v, k[i].v, sizeof k[i].v)) j++;
        size_t neg = 0;
        while (i + neg < j && k[i + neg].sign < 0) neg++;
        size_t pos = j - i - neg, pairs = neg < pos ? neg : pos;
        for (size_t q = 0; q < pairs; q++) {
            drop[k[i + q].tri] = 1;
            drop[k[i + neg + q].tri] = 1;
            removed += 2;
        }
        i = j;
    }
    if (removed) {
        size_t o = first;
        for (size_t t = 0; t < nt; t++) {
            if (drop[t]) continue;
            memmove(m->tris + 3 * o, m->tris + 3 * (first + t), 3 * sizeof *m->tris);
            o++;
        }
        m->n_tris = o;
    }
    free(k);
    free(drop);
    return removed;
}

long mesh_close_cracks(mesh *m, size_t first_tri, double tol_mm) {
    if (first_tri >= m->n_tris || !(tol_mm > 0)) return 0;
    long changes = 0;
    for (int pass = 0; pass < 8; pass++) {
        wh *bd = NULL;
        size_t n_nonman = 0;
        long nb = find_boundary(m, first_tri, &bd, pass == 0 ? &n_nonman : NULL);
        if (nb < 0) return -1;
        if (pass == 0 && n_nonman) {
            /* folds first: they make edges look used three or four times */
            long r = remove_folds(m, first_tri);
            if (r < 0) { free(bd); return -1; }
            if (r) {
                free(bd);
                changes += r;
                nb = find_boundary(m, first_tri, &bd, NULL);
                if (nb < 0) return -1;
            }
        }
        if (nb == 0) { free(bd); break; }
        size_t nv;
        uint32_t *vs = boundary_verts(m, bd, (size_t)nb, &nv);
        if (!vs) { free(bd); return -1; }
        long r;
        if (pass == 0) {
            r = weld(m, first_tri, vs, nv, tol_mm);
            free(vs);
            free(bd);
            if (r < 0) return -1;
            changes += r;
            continue;
        }
        r = split_pass(m, first_tri, bd, (size_t)nb, vs, nv, tol_mm);
        free(vs);
        free(bd);
        if (r < 0) return -1;
        changes += r;
        if (r == 0) break;
    }
    if (!changes) return 0;
    long r = remove_folds(m, first_tri);
    return r < 0 ? -1 : changes + r;
}

/* ---- orientation ---------------------------------------------------------------- */
typedef struct oh { uint64_t key; uint32_t tri; int8_t dir; } oh;

long mesh_orient_range(mesh *m, size_t first_tri, int sign) {
    if (first_tri >= m->n_tris) return 0;
    size_t nt = m->n_tris - first_tri, nh = 3 * nt;
    oh *h = malloc(nh * sizeof *h);
    uint32_t *deg = calloc(nt + 1, sizeof *deg);
    uint32_t *adj = NULL, *queue = NULL, *comp = NULL;
    uint8_t *flip = NULL, *seen = NULL;
    uint64_t *skey = NULL;
    uint32_t *sval = NULL;
    long n_flipped = -1;
    if (!h || !deg || sorted_halves(m, first_tri, &skey, &sval)) goto done;
    for (size_t i = 0; i < nh; i++) {
        uint32_t t = sval[i] / 3, k = sval[i] % 3;
        uint32_t a = m->tris[3 * (first_tri + t) + k], b = m->tris[3 * (first_tri + t) + (k + 1) % 3];
        h[i].key = skey[i];
        h[i].tri = t;
        h[i].dir = (int8_t)(a < b ? 1 : -1);
    }
    free(skey);
    free(sval);
    /* neighbours across manifold edges (used exactly twice); the low bit of an
     * adjacency entry says the two triangles run the edge the same way */
    for (size_t i = 0; i < nh;) {
        size_t j = i + 1;
        while (j < nh && h[j].key == h[i].key) j++;
        if (j - i == 2) { deg[h[i].tri + 1]++; deg[h[i + 1].tri + 1]++; }
        i = j;
    }
    for (size_t t = 0; t < nt; t++) deg[t + 1] += deg[t];
    adj = malloc(((size_t)deg[nt] + 1) * sizeof *adj);
    uint32_t *fill = malloc((nt + 1) * sizeof *fill);
    if (!adj || !fill) { free(fill); goto done; }
    memcpy(fill, deg, nt * sizeof *fill);
    for (size_t i = 0; i < nh;) {
        size_t j = i + 1;
        while (j < nh && h[j].key == h[i].key) j++;
        if (j - i == 2) {
            uint32_t same = h[i].dir == h[i + 1].dir;
            adj[fill[h[i].tri]++] = (h[i + 1].tri << 1) | same;
            adj[fill[h[i + 1].tri]++] = (h[i].tri << 1) | same;
        }
        i = j;
    }
    free(fill);
    queue = malloc(nt * sizeof *queue);
    comp = malloc(nt * sizeof *comp);
    flip = calloc(nt, 1);
    seen = calloc(nt, 1);
    if (!queue || !comp || !flip || !seen) goto done;
    n_flipped = 0;
    for (size_t s = 0; s < nt; s++) {
        if (seen[s]) continue;
        size_t qh = 0, qt = 0;
        queue[qt++] = (uint32_t)s;
        seen[s] = 1;
        while (qh < qt) {
            uint32_t t = queue[qh++];
            for (uint32_t e = deg[t]; e < deg[t + 1]; e++) {
                uint32_t n = adj[e] >> 1;
                if (seen[n]) continue;
                seen[n] = 1;
                flip[n] = (uint8_t)(flip[t] ^ (adj[e] & 1));
                queue[qt++] = n;
            }
        }
        /* signed volume of the component as oriented so far */
        const uint32_t *t0 = m->tris + 3 * (first_tri + queue[0]);
        const double *o = m->verts + 3 * t0[0];
        double vol = 0;
        for (size_t q = 0; q < qt; q++) {
            const uint32_t *tr = m->tris + 3 * (first_tri + queue[q]);
            const double *A = m->verts + 3 * tr[0], *B = m->verts + 3 * tr[1], *C = m->verts + 3 * tr[2];
            double a[3], b[3], c[3];
            for (int k = 0; k < 3; k++) { a[k] = A[k] - o[k]; b[k] = B[k] - o[k]; c[k] = C[k] - o[k]; }
            double v = a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) +
                       a[2] * (b[0] * c[1] - b[1] * c[0]);
            vol += flip[queue[q]] ? -v : v;
        }
        if ((sign > 0 && vol < 0) || (sign < 0 && vol > 0))
            for (size_t q = 0; q < qt; q++) flip[queue[q]] ^= 1;
    }
    for (size_t t = 0; t < nt; t++)
        if (flip[t]) {
            uint32_t *tr = m->tris + 3 * (first_tri + t);
            uint32_t x = tr[1];
            tr[1] = tr[2];
            tr[2] = x;
            n_flipped++;
        }
done:
    free(h); free(deg); free(adj); free(queue); free(comp); free(flip); free(seen);
    return n_flipped;
}
