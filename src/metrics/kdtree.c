/* kdtree.c - a static 3-D k-d tree for exact nearest-neighbour, k-nearest and
 * radius queries.
 *
 * Build: split the widest side of each cell at the median (quickselect), leaves of
 * at most KD_LEAF points; the points are copied in tree order so a leaf scan reads
 * contiguous memory. Every node keeps the tight bounding box of its points, and a
 * query prunes a child by its squared distance to that box: the clouds here are
 * samples of surfaces, mostly empty space, and tight boxes prune far better than
 * splitting planes when a query is far from the surface (misaligned shapes).
 * Queries are read-only and may run from any number of threads at once. */
#include "steplm/metrics.h"
#include "metrics/kdtree_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KD_LEAF 10

typedef struct kd_node {
    double bb[6];       /* tight bounding box of the node's points: lo xyz, hi xyz */
    uint32_t a, b;      /* inner: children; leaf: [a, b) into pts */
    int32_t dim;        /* -1 = leaf */
} kd_node;

struct kdtree {
    size_t n;
    double *pts;        /* (n, 3) in tree order */
    uint32_t *idx;      /* tree order -> caller's index */
    kd_node *nodes;
    size_t n_nodes, cap_nodes;
    uint32_t *parent;   /* node -> parent node (root: 0) */
    double *cell;       /* node -> its cell of the space partition (lo xyz, hi xyz), (n_nodes, 6) */
    uint32_t *leaf_of;  /* tree position -> its leaf node */
};

/* ---- build -------------------------------------------------------------------- */
typedef struct build_ctx {
    kdtree *t;
    const double *src;
    uint32_t *perm;
} build_ctx;

static void swap_u32(uint32_t *a, uint32_t *b) { uint32_t t = *a; *a = *b; *b = t; }

/* put the k-th smallest (by coordinate dim) of perm[lo, hi) at position k */
static void quickselect(const double *src, uint32_t *perm, size_t lo, size_t hi, size_t k, int dim) {
    while (hi - lo > 16) {
        size_t mid = lo + (hi - lo) / 2;
        /* median of three as pivot */
        double a = src[3 * perm[lo] + dim], b = src[3 * perm[mid] + dim], c = src[3 * perm[hi - 1] + dim];
        double pv = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t i = lo, j = hi - 1;
        for (;;) {
            while (src[3 * perm[i] + dim] < pv) i++;
            while (src[3 * perm[j] + dim] > pv) j--;
            if (i >= j) break;
            swap_u32(&perm[i], &perm[j]);
            i++;
            j--;
        }
        /* [lo, j] <= pv <= [j+1, hi) */
        if (k <= j) hi = j + 1;
        else lo = j + 1;
    }
    /* small range: insertion sort (Hoare's scheme above needs > 2 distinct pivot slots) */
    for (size_t i = lo + 1; i < hi; i++) {
        uint32_t v = perm[i];
        double key = src[3 * v + dim];
        size_t j = i;
        while (j > lo && src[3 * perm[j - 1] + dim] > key) { perm[j] = perm[j - 1]; j--; }
        perm[j] = v;
    }
}

static long new_node(kdtree *t) {
    if (t->n_nodes == t->cap_nodes) {
        size_t nc = t->cap_nodes ? t->cap_nodes * 2 : 64;
        kd_node *nn = realloc(t->nodes, nc * sizeof *nn);
        if (!nn) return -1;
        t->nodes = nn;
        t->cap_nodes = nc;
    }
    return (long)t->n_nodes++;
}

static long build_rec(build_ctx *c, size_t lo, size_t hi, int depth) {
    kdtree *t = c->t;
    long id = new_node(t);
    if (id < 0) return -1;
    {
        double *bb = t->nodes[id].bb;
        bb[0] = bb[1] = bb[2] = INFINITY;
        bb[3] = bb[4] = bb[5] = -INFINITY;
        for (size_t i = lo; i < hi; i++) {
            const double *p = c->src + 3 * c->perm[i];
            for (int k = 0; k < 3; k++) {
                if (p[k] < bb[k]) bb[k] = p[k];
                if (p[k] > bb[3 + k]) bb[3 + k] = p[k];
            }
        }
    }
    if (hi - lo <= KD_LEAF || depth > 64) {
        t->nodes[id].dim = -1;
        t->nodes[id].a = (uint32_t)lo;
        t->nodes[id].b = (uint32_t)hi;
        return id;
    }
    const double *mn = t->nodes[id].bb, *mx = t->nodes[id].bb + 3;
    int dim = 0;
    for (int k = 1; k < 3; k++)
        if (mx[k] - mn[k] > mx[dim] - mn[dim]) dim = k;
    if (!(mx[dim] > mn[dim])) {  /* all points equal: one leaf */
        t->nodes[id].dim = -1;
        t->nodes[id].a = (uint32_t)lo;
        t->nodes[id].b = (uint32_t)hi;
        return id;
    }
    size_t mid = lo + (hi - lo) / 2;
    quickselect(c->src, c->perm, lo, hi, mid, dim);
    long l = build_rec(c, lo, mid, depth + 1);
    if (l < 0) return -1;
    long r = build_rec(c, mid, hi, depth + 1);
    if (r < 0) return -1;
    kd_node *nd = &t->nodes[id];  /* nodes may have moved */
    nd->dim = dim;
    nd->a = (uint32_t)l;
    nd->b = (uint32_t)r;
    return id;
}

kdtree *kdtree_new(const double *pts, size_t n) {
    if (!pts || n == 0 || n >= UINT32_MAX) return NULL;
    kdtree *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->n = n;
    t->pts = malloc(n * 3 * sizeof *t->pts);
    t->idx = malloc(n * sizeof *t->idx);
    if (!t->pts || !t->idx) { kdtree_free(t); return NULL; }
    for (size_t i = 0; i < n; i++) t->idx[i] = (uint32_t)i;
    build_ctx c = {t, pts, t->idx};
    if (build_rec(&c, 0, n, 0) < 0) { kdtree_free(t); return NULL; }
    t->parent = malloc(t->n_nodes * sizeof *t->parent);
    t->leaf_of = malloc(n * sizeof *t->leaf_of);
    if (!t->parent || !t->leaf_of) { kdtree_free(t); return NULL; }
    t->cell = malloc(t->n_nodes * 6 * sizeof *t->cell);
    if (!t->cell) { kdtree_free(t); return NULL; }
    t->parent[0] = 0;
    for (int k = 0; k < 3; k++) { t->cell[k] = -INFINITY; t->cell[3 + k] = INFINITY; }
    /* children come after their parent, so one forward sweep fills every cell */
    for (size_t i = 0; i < t->n_nodes; i++) {
        const kd_node *nd = &t->nodes[i];
        if (nd->dim >= 0) {
            t->parent[nd->a] = (uint32_t)i;
            t->parent[nd->b] = (uint32_t)i;
            int d = nd->dim;
            double split = 0.5 * (t->nodes[nd->a].bb[3 + d] + t->nodes[nd->b].bb[d]);
            memcpy(t->cell + 6 * (size_t)nd->a, t->cell + 6 * i, 6 * sizeof *t->cell);
            memcpy(t->cell + 6 * (size_t)nd->b, t->cell + 6 * i, 6 * sizeof *t->cell);
            t->cell[6 * (size_t)nd->a + 3 + (size_t)d] = split;
            t->cell[6 * (size_t)nd->b + (size_t)d] = split;
        } else {
            for (uint32_t k = nd->a; k < nd->b; k++) t->leaf_of[k] = (uint32_t)i;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const double *p = pts + 3 * t->idx[i];
        memcpy(t->pts + 3 * i, p, 3 * sizeof *p);
    }
    return t;
}

void kdtree_free(kdtree *t) {
    if (!t) return;
    free(t->pts);
    free(t->idx);
    free(t->nodes);
    free(t->parent);
    free(t->leaf_of);
    free(t->cell);
    free(t);
}

size_t kdtree_size(const kdtree *t) { return t ? t->n : 0; }

static inline double box_d2(const double *bb, const double q[3]) {
    double d = 0;
    for (int k = 0; k < 3; k++) {
        double lo = bb[k] - q[k], hi = q[k] - bb[3 + k];
        double e = lo > hi ? lo : hi;   /* compiles to max instructions, no branches */
        e = e > 0 ? e : 0;
        d += e * e;
    }
    return d;
}

/* ---- nearest neighbour ----------------------------------------------------------- */
typedef struct nn_best { double d2; uint32_t i; } nn_best;

/* Iterative depth-first search: descend into the nearer child, keep the farther one on
 * a stack with its box distance, and pop only what can still hold a closer point. */
static void nn_search(const kdtree *t, uint32_t start, const double q[3], nn_best *b) {
    struct { uint32_t node; double d; } stack[72];
    int sp = 0;
    uint32_t node = start;
    for (;;) {
        const kd_node *nd = &t->nodes[node];
        if (nd->dim < 0) {
            const double *p = t->pts + 3 * (size_t)nd->a;
            double best = b->d2;
            uint32_t bi = b->i;
            for (uint32_t i = nd->a; i < nd->b; i++, p += 3) {
                double dx = p[0] - q[0], dy = p[1] - q[1], dz = p[2] - q[2];
                double d = dx * dx + dy * dy + dz * dz;
                if (d < best) { best = d; bi = i; }
            }
            b->d2 = best;
            b->i = bi;
            for (;;) {
                if (sp == 0) return;
                sp--;
                if (stack[sp].d < b->d2) { node = stack[sp].node; break; }
            }
            continue;
        }
        double da = box_d2(t->nodes[nd->a].bb, q), db = box_d2(t->nodes[nd->b].bb, q);
        uint32_t near = nd->a, far = nd->b;
        if (db < da) { double x = da; da = db; db = x; near = nd->b; far = nd->a; }
        if (db < b->d2) { stack[sp].node = far; stack[sp].d = db; sp++; }
        if (da < b->d2) { node = near; continue; }
        for (;;) {
            if (sp == 0) return;
            sp--;
            if (stack[sp].d < b->d2) { node = stack[sp].node; break; }
        }
    }
}

size_t kdtree_query_nn(const kdtree *t, const double q[3], double *d2) {
    nn_best b = {INFINITY, 0};
    nn_search(t, 0, q, &b);
    if (d2) *d2 = b.d2;
    return t->idx[b.i];
}

/* ---- k nearest (bounded max-heap) ------------------------------------------------ */
typedef struct knn_heap { size_t k, n; double *d2; uint32_t *i; double r2; } knn_heap;

/* a candidate at squared distance d is wanted */
static inline int heap_wants(const knn_heap *h, double d) { return h->n < h->k ? d <= h->r2 : d < h->d2[0]; }

static void heap_push(knn_heap *h, double d, uint32_t i) {
    if (h->n < h->k) {
        size_t c = h->n++;
        while (c > 0) {
            size_t p = (c - 1) / 2;
            if (h->d2[p] >= d) break;
            h->d2[c] = h->d2[p]; h->i[c] = h->i[p];
            c = p;
        }
        h->d2[c] = d; h->i[c] = i;
        return;
    }
    /* replace the root (largest) and sift down */
    size_t c = 0;
    for (;;) {
        size_t l = 2 * c + 1, r = l + 1, m = c;
        double dm = d;
        if (l < h->n && h->d2[l] > dm) { m = l; dm = h->d2[l]; }
        if (r < h->n && h->d2[r] > dm) { m = r; }
        if (m == c) break;
        h->d2[c] = h->d2[m]; h->i[c] = h->i[m];
        c = m;
    }
    h->d2[c] = d; h->i[c] = i;
}

static void knn_rec(const kdtree *t, uint32_t node, const double q[3], knn_heap *h) {
    const kd_node *nd = &t->nodes[node];
    if (nd->dim < 0) {
        const double *p = t->pts + 3 * (size_t)nd->a;
        for (uint32_t i = nd->a; i < nd->b; i++, p += 3) {
            double dx = p[0] - q[0], dy = p[1] - q[1], dz = p[2] - q[2];
            double d = dx * dx + dy * dy + dz * dz;
            if (heap_wants(h, d)) heap_push(h, d, i);
        }
        return;
    }
    double da = box_d2(t->nodes[nd->a].bb, q), db = box_d2(t->nodes[nd->b].bb, q);
    uint32_t f = nd->a, s = nd->b;
    if (db < da) { double x = da; da = db; db = x; f = nd->b; s = nd->a; }
    if (heap_wants(h, da)) knn_rec(t, f, q, h);
    if (heap_wants(h, db)) knn_rec(t, s, q, h);
}

size_t kdtree_query_knn(const kdtree *t, const double q[3], size_t k, double r2_max, size_t *idx, double *d2) {
    if (!t || k == 0) return 0;
    if (k > t->n) k = t->n;
    double dbuf[64];
    uint32_t ibuf[64];
    double *hd = k <= 64 ? dbuf : malloc(k * sizeof *hd);
    uint32_t *hi = k <= 64 ? ibuf : malloc(k * sizeof *hi);
    if (!hd || !hi) {
        if (k > 64) { free(hd); free(hi); }
        return 0;
    }
    knn_heap h = {k, 0, hd, hi, r2_max};
    if (box_d2(t->nodes[0].bb, q) <= r2_max) knn_rec(t, 0, q, &h);
    /* heap -> ascending: repeatedly move the max to the end */
    size_t n = h.n;
    while (h.n > 1) {
        double d = h.d2[h.n - 1];
        uint32_t i = h.i[h.n - 1];
        double top_d = h.d2[0];
        uint32_t top_i = h.i[0];
        h.n--;
        size_t c = 0;
        for (;;) {
            size_t l = 2 * c + 1, r = l + 1, m = c;
            double dm = d;
            if (l < h.n && h.d2[l] > dm) { m = l; dm = h.d2[l]; }
            if (r < h.n && h.d2[r] > dm) m = r;
            if (m == c) break;
            h.d2[c] = h.d2[m]; h.i[c] = h.i[m];
            c = m;
        }
        h.d2[c] = d; h.i[c] = i;
        h.d2[h.n] = top_d;
        h.i[h.n] = top_i;
    }
    for (size_t j = 0; j < n; j++) {
        if (idx) idx[j] = t->idx[h.i[j]];
        if (d2) d2[j] = h.d2[j];
    }
    if (k > 64) { free(hd); free(hi); }
    return n;
}

/* ---- radius ---------------------------------------------------------------------- */
typedef struct rad_out { size_t **idx; double **d2; size_t *cap; size_t n; int fail; double r2; } rad_out;

static void rad_rec(const kdtree *t, uint32_t node, const double q[3], rad_out *o) {
    const kd_node *nd = &t->nodes[node];
    if (nd->dim < 0) {
        const double *p = t->pts + 3 * (size_t)nd->a;
        for (uint32_t i = nd->a; i < nd->b; i++, p += 3) {
            double dx = p[0] - q[0], dy = p[1] - q[1], dz = p[2] - q[2];
            double d = dx * dx + dy * dy + dz * dz;
            if (d > o->r2) continue;
            if (o->n == *o->cap) {
                size_t nc = *o->cap ? *o->cap * 2 : 64;
                size_t *ni = realloc(*o->idx, nc * sizeof *ni);
                if (ni) *o->idx = ni;
                double *ndd = o->d2 ? realloc(*o->d2, nc * sizeof *ndd) : NULL;
                if (o->d2 && ndd) *o->d2 = ndd;
                if (!ni || (o->d2 && !ndd)) { o->fail = 1; return; }
                *o->cap = nc;
            }
            (*o->idx)[o->n] = t->idx[i];
            if (o->d2) (*o->d2)[o->n] = d;
            o->n++;
        }
        return;
    }
    if (box_d2(t->nodes[nd->a].bb, q) <= o->r2) rad_rec(t, nd->a, q, o);
    if (o->fail) return;
    if (box_d2(t->nodes[nd->b].bb, q) <= o->r2) rad_rec(t, nd->b, q, o);
}

long kdtree_query_radius(const kdtree *t, const double q[3], double r, size_t **idx, double **d2, size_t *cap) {
    if (!t || !idx || !cap) return -1;
    rad_out o = {idx, d2, cap, 0, 0, r * r};
    if (box_d2(t->nodes[0].bb, q) <= o.r2) rad_rec(t, 0, q, &o);
    return o.fail ? -1 : (long)o.n;
}

/* ---- module-private (kdtree_internal.h) ------------------------------------------- */
const double *kdtree_tree_points(const kdtree *t) { return t->pts; }
const uint32_t *kdtree_tree_index(const kdtree *t) { return t->idx; }

/* Bottom-up search from the hint's leaf: scan it, then climb, searching each sibling
 * subtree that can hold a closer point, and stop as soon as the ball of the best
 * distance lies inside the current node's cell: every point outside the node's subtree
 * lies outside that cell. With a hint near the answer (the previous ICP iteration's)
 * most queries end after a leaf or two. */
uint32_t kdtree_query_nn_hint(const kdtree *t, const double q[3], uint32_t hint, double *d2) {
    nn_best b = {INFINITY, 0};
    uint32_t child = t->leaf_of[hint];
    nn_search(t, child, q, &b);
    while (child != 0) {
        const double *bb = t->cell + 6 * (size_t)child;
        double r = sqrt(b.d2);
        if (q[0] - r >= bb[0] && q[0] + r <= bb[3] && q[1] - r >= bb[1] && q[1] + r <= bb[4] && q[2] - r >= bb[2] &&
            q[2] + r <= bb[5])
            break;
        uint32_t par = t->parent[child];
        uint32_t sib = t->nodes[par].a == child ? t->nodes[par].b : t->nodes[par].a;
        if (box_d2(t->nodes[sib].bb, q) < b.d2) nn_search(t, sib, q, &b);
        child = par;
    }
    if (d2) *d2 = b.d2;
    return b.i;
}

uint32_t kdtree_query_nn_pos(const kdtree *t, const double q[3], double *d2) {
    nn_best b = {INFINITY, 0};
    nn_search(t, 0, q, &b);
    if (d2) *d2 = b.d2;
    return b.i;
}
