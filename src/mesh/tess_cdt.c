/* tess_cdt.c - constrained Delaunay triangulation in a face's (scaled) parameter
 * plane: incremental insertion with Lawson flips, constraint recovery by flipping
 * crossing edges, inside/outside by crossing parity, and point insertion for
 * refinement. Internal to the tessellator (tess_internal.h); not thread-shared. */
#include "tess_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NX(i) (((i) + 1) % 3)
#define PV(i) (((i) + 2) % 3)

static double orient(const cdt *c, int a, int b, int p) {
    const double *A = c->p + 2 * a, *B = c->p + 2 * b, *P = c->p + 2 * p;
    return (B[0] - A[0]) * (P[1] - A[1]) - (B[1] - A[1]) * (P[0] - A[0]);
}
static double orient_pt(const cdt *c, int a, int b, double x, double y) {
    const double *A = c->p + 2 * a, *B = c->p + 2 * b;
    return (B[0] - A[0]) * (y - A[1]) - (B[1] - A[1]) * (x - A[0]);
}

/* > 0 when d is inside the circumcircle of the ccw triangle a b c */
static double incircle(const cdt *c, int a, int b, int cc, int d) {
    const double *A = c->p + 2 * a, *B = c->p + 2 * b, *C = c->p + 2 * cc, *D = c->p + 2 * d;
    double adx = A[0] - D[0], ady = A[1] - D[1], bdx = B[0] - D[0], bdy = B[1] - D[1];
    double cdx = C[0] - D[0], cdy = C[1] - D[1];
    double ad = adx * adx + ady * ady, bd = bdx * bdx + bdy * bdy, cd = cdx * cdx + cdy * cdy;
    return adx * (bdy * cd - bd * cdy) - ady * (bdx * cd - bd * cdx) + ad * (bdx * cdy - bdy * cdx);
}

void cdt_release(cdt *c) {
    free(c->p);
    free(c->t);
    free(c->vtri);
    memset(c, 0, sizeof *c);
}

int cdt_add_point(cdt *c, double x, double y) {
    if (c->np == c->cap_p) {
        int nc = c->cap_p ? 2 * c->cap_p : 256;
        double *p = realloc(c->p, (size_t)nc * 2 * sizeof *p);
        int *vt = realloc(c->vtri, (size_t)nc * sizeof *vt);
        if (p) c->p = p;
        if (vt) c->vtri = vt;
        if (!p || !vt) return -1;
        c->cap_p = nc;
    }
    c->p[2 * c->np] = x;
    c->p[2 * c->np + 1] = y;
    c->vtri[c->np] = -1;
    return c->np++;
}

static int new_tri(cdt *c) {
    if (c->nt == c->cap_t) {
        int nc = c->cap_t ? 2 * c->cap_t : 512;
        cdt_tri *t = realloc(c->t, (size_t)nc * sizeof *t);
        if (!t) return -1;
        c->t = t;
        c->cap_t = nc;
    }
    memset(&c->t[c->nt], 0, sizeof c->t[0]);
    return c->nt++;
}

static void set_tri(cdt *c, int t, int a, int b, int d, int na, int nb, int nd, int ca, int cb, int cd) {
    cdt_tri *T = &c->t[t];
    T->v[0] = a; T->v[1] = b; T->v[2] = d;
    T->n[0] = na; T->n[1] = nb; T->n[2] = nd;
    T->c[0] = (uint8_t)ca; T->c[1] = (uint8_t)cb; T->c[2] = (uint8_t)cd;
    T->ok = 0;
    c->vtri[a] = c->vtri[b] = c->vtri[d] = t;
}

static void repl_nbr(cdt *c, int x, int old, int nw) {
    if (x < 0) return;
    for (int k = 0; k < 3; k++)
        if (c->t[x].n[k] == old) { c->t[x].n[k] = nw; return; }
}

static int edge_index(const cdt *c, int t, int nb) {
    for (int k = 0; k < 3; k++) if (c->t[t].n[k] == nb) return k;
    return -1;
}

int cdt_init(cdt *c, double x0, double y0, double x1, double y1) {
    memset(c, 0, sizeof *c);
    double cx = 0.5 * (x0 + x1), cy = 0.5 * (y0 + y1);
    double r = fmax(x1 - x0, y1 - y0);
    if (!(r > 0)) r = 1;
    r *= 20;
    int a = cdt_add_point(c, cx - 3 * r, cy - 2 * r);
    int b = cdt_add_point(c, cx + 3 * r, cy - 2 * r);
    int d = cdt_add_point(c, cx, cy + 3 * r);
    int t = new_tri(c);
    if (a < 0 || b < 0 || d < 0 || t < 0) return -1;
    set_tri(c, t, a, b, d, -1, -1, -1, 0, 0, 0);
    c->last = t;
    return 0;
}

/* Flip the edge k of triangle t (shared with its neighbour). */
static void flip(cdt *c, int t, int k) {
    int nb = c->t[t].n[k];
    int j = edge_index(c, nb, t);
    cdt_tri T = c->t[t], N = c->t[nb];
    int a = T.v[k], b = T.v[NX(k)], p = T.v[PV(k)];
    int q = N.v[PV(j)];
    int t_bp = T.n[NX(k)], t_pa = T.n[PV(k)], n_aq = N.n[NX(j)], n_qb = N.n[PV(j)];
    int c_bp = T.c[NX(k)], c_pa = T.c[PV(k)], c_aq = N.c[NX(j)], c_qb = N.c[PV(j)];
    set_tri(c, t, p, a, q, t_pa, n_aq, nb, c_pa, c_aq, 0);
    set_tri(c, nb, q, b, p, n_qb, t_bp, t, c_qb, c_bp, 0);
    repl_nbr(c, n_aq, nb, t);
    repl_nbr(c, t_bp, t, nb);
    c->t[t].in = c->t[nb].in = (uint8_t)(T.in && N.in);
}

/* Lawson legalisation with point p opposite the edges on the stack. */
static int legalize(cdt *c, int *stack, int n, int cap) {
    while (n > 0) {
        n--;
        int t = stack[2 * n], k = stack[2 * n + 1];
        cdt_tri *T = &c->t[t];
        int nb = T->n[k];
        if (nb < 0 || T->c[k]) continue;
        int j = edge_index(c, nb, t);
        if (j < 0) continue;
        int q = c->t[nb].v[PV(j)];
        int pa = T->v[k], pb = T->v[NX(k)], pp = T->v[PV(k)];
        /* flip only a strictly convex quad: with (nearly) collinear points the
         * incircle sign is noise and a flip would create a degenerate triangle */
        if (incircle(c, T->v[0], T->v[1], T->v[2], q) > 0 &&
            orient(c, pp, q, pa) * orient(c, pp, q, pb) < 0 && orient(c, pa, pb, pp) * orient(c, pa, pb, q) < 0) {
            /* after flip: t = (p, a, q) edge 1 = (a, q); nb = (q, b, p) edge 0 = (q, b) */
            flip(c, t, k);
            if (n + 2 > cap) return -1;
            stack[2 * n] = t; stack[2 * n + 1] = 1; n++;
            stack[2 * n] = nb; stack[2 * n + 1] = 0; n++;
        }
    }
    return 0;
}

#define STACK_CAP 4096
/* Split triangle t at new point p. */
static int split3(cdt *c, int t, int p) {
    cdt_tri T = c->t[t];
    int tb = new_tri(c), tc = new_tri(c);
    if (tb < 0 || tc < 0) return -1;
    int v0 = T.v[0], v1 = T.v[1], v2 = T.v[2];
    set_tri(c, t, v0, v1, p, T.n[0], tb, tc, T.c[0], 0, 0);
    set_tri(c, tb, v1, v2, p, T.n[1], tc, t, T.c[1], 0, 0);
    set_tri(c, tc, v2, v0, p, T.n[2], t, tb, T.c[2], 0, 0);
    c->t[tb].in = c->t[tc].in = T.in;
    repl_nbr(c, T.n[1], t, tb);
    repl_nbr(c, T.n[2], t, tc);
    int st[2 * STACK_CAP], n = 0;
    st[n * 2] = t; st[n * 2 + 1] = 0; n++;
    st[n * 2] = tb; st[n * 2 + 1] = 0; n++;
    st[n * 2] = tc; st[n * 2 + 1] = 0; n++;
    c->last = t;
    return legalize(c, st, n, STACK_CAP);
}

/* Split edge k of t at new point p (p on the edge). */
static int split_edge(cdt *c, int t, int k, int p) {
    cdt_tri T = c->t[t];
    int a = T.v[k], b = T.v[NX(k)], cc = T.v[PV(k)];
    int nb = T.n[k], ce = T.c[k];
    int t2 = new_tri(c);
    if (t2 < 0) return -1;
    int st[2 * STACK_CAP], n = 0;
    if (nb < 0) {
        set_tri(c, t, cc, a, p, T.n[PV(k)], -1, t2, T.c[PV(k)], ce, 0);
        set_tri(c, t2, p, b, cc, -1, T.n[NX(k)], t, ce, T.c[NX(k)], 0);
        c->t[t2].in = T.in;
        repl_nbr(c, T.n[NX(k)], t, t2);
        st[2 * n] = t; st[2 * n + 1] = 0; n++;
        st[2 * n] = t2; st[2 * n + 1] = 1; n++;
        c->last = t;
        return legalize(c, st, n, STACK_CAP);
    }
    int j = edge_index(c, nb, t);
    cdt_tri N = c->t[nb];
    int d = N.v[PV(j)];
    int n2 = new_tri(c);
    if (n2 < 0) return -1;
    /* t: (a, p, c)   t2: (p, b, c)   nb: (b, p, d)   n2: (p, a, d) */
    set_tri(c, t, a, p, cc, n2, t2, T.n[PV(k)], ce, 0, T.c[PV(k)]);
    set_tri(c, t2, p, b, cc, nb, T.n[NX(k)], t, ce, T.c[NX(k)], 0);
    set_tri(c, nb, b, p, d, t2, n2, N.n[PV(j)], ce, 0, N.c[PV(j)]);
    set_tri(c, n2, p, a, d, t, N.n[NX(j)], nb, ce, N.c[NX(j)], 0);
    c->t[t2].in = T.in;
    c->t[n2].in = N.in;
    repl_nbr(c, T.n[NX(k)], t, t2);
    repl_nbr(c, N.n[NX(j)], nb, n2);
    st[2 * n] = t; st[2 * n + 1] = 2; n++;
    st[2 * n] = t2; st[2 * n + 1] = 1; n++;
    st[2 * n] = nb; st[2 * n + 1] = 2; n++;
    st[2 * n] = n2; st[2 * n + 1] = 1; n++;
    c->last = t;
    return legalize(c, st, n, STACK_CAP);
}

/* Locate the triangle holding (x, y); *edge = k when on edge k, else -1. */
static int locate(cdt *c, double x, double y, int *edge) {
    int t = c->last;
    if (t < 0 || t >= c->nt) t = 0;
    double sc = 0;
    for (int steps = 0; steps < c->nt + 16; steps++) {
        cdt_tri *T = &c->t[t];
        int moved = 0, on = -1;
        for (int k = 0; k < 3; k++) {
            double o = orient_pt(c, T->v[k], T->v[NX(k)], x, y);
            const double *A = c->p + 2 * T->v[k], *B = c->p + 2 * T->v[NX(k)];
            sc = fabs(B[0] - A[0]) + fabs(B[1] - A[1]);
            if (o < -1e-13 * sc * sc) {
                if (T->n[k] < 0) break;
                t = T->n[k];
                moved = 1;
                break;
            }
            if (fabs(o) <= 1e-13 * sc * sc) on = k;
        }
        if (!moved) { *edge = on; return t; }
    }
    /* walk failed (should not happen in a Delaunay triangulation): brute force */
    for (int i = 0; i < c->nt; i++) {
        cdt_tri *T = &c->t[i];
        int ok = 1, on = -1;
        for (int k = 0; k < 3 && ok; k++) {
            double o = orient_pt(c, T->v[k], T->v[NX(k)], x, y);
            if (o < 0) ok = 0;
            else if (o == 0) on = k;
        }
        if (ok) { *edge = on; return i; }
    }
    return -1;
}

int cdt_insert(cdt *c, double x, double y, double merge_tol) {
    int k;
    int t = locate(c, x, y, &k);
    if (t < 0) return -1;
    /* coincident with a corner? */
    for (int i = 0; i < 3; i++) {
        int v = c->t[t].v[i];
        if (fabs(c->p[2 * v] - x) <= merge_tol && fabs(c->p[2 * v + 1] - y) <= merge_tol) return v;
    }
    int p = cdt_add_point(c, x, y);
    if (p < 0) return -1;
    int rc = k >= 0 ? split_edge(c, t, k, p) : split3(c, t, p);
    return rc < 0 ? -1 : p;
}

int cdt_insert_in(cdt *c, int t, double x, double y) {
    int p = cdt_add_point(c, x, y);
    if (p < 0) return -1;
    return split3(c, t, p) < 0 ? -1 : p;
}

int cdt_split_edge(cdt *c, int t, int k, double x, double y) {
    int p = cdt_add_point(c, x, y);
    if (p < 0) return -1;
    return split_edge(c, t, k, p) < 0 ? -1 : p;
}

/* Is there an edge a-b? Returns triangle and edge index via *tt, *kk. */
static int find_edge(const cdt *c, int a, int b, int *tt, int *kk) {
    int t0 = c->vtri[a];
    if (t0 < 0) return 0;
    int t = t0;
    /* rotate around a through neighbours; the fan may be open at the hull */
    for (int dir = 0; dir < 2; dir++) {
        t = t0;
        for (int steps = 0; steps < 10000 && t >= 0; steps++) {
            const cdt_tri *T = &c->t[t];
            int i = T->v[0] == a ? 0 : T->v[1] == a ? 1 : T->v[2] == a ? 2 : -1;
            if (i < 0) break;
            if (T->v[NX(i)] == b) { *tt = t; *kk = i; return 1; }
            if (T->v[PV(i)] == b) { *tt = t; *kk = PV(i); return 1; }
            t = dir == 0 ? T->n[i] : T->n[PV(i)];
            if (t == t0) break;
        }
    }
    return 0;
}

static void mark_constraint(cdt *c, int t, int k) {
    c->t[t].c[k] = 1;
    int nb = c->t[t].n[k];
    if (nb >= 0) {
        int j = edge_index(c, nb, t);
        if (j >= 0) c->t[nb].c[j] = 1;
    }
}

/* segments a-b and c-d cross properly */
static int crosses(const cdt *c, int a, int b, int p, int q) {
    double o1 = orient(c, a, b, p), o2 = orient(c, a, b, q);
    double o3 = orient(c, p, q, a), o4 = orient(c, p, q, b);
    return ((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0));
}

int cdt_add_constraint(cdt *c, int a, int b, int depth) {
    if (a == b) return 0;
    if (depth > 32) return -1;
    for (int iter = 0; iter < 20000; iter++) {
        int t, k;
        if (find_edge(c, a, b, &t, &k)) { mark_constraint(c, t, k); return 0; }
        /* find the triangle around a whose opposite edge the segment crosses, or a
         * vertex lying on the segment */
        int t0 = c->vtri[a], found = -1, fk = -1;
        for (int dir = 0; dir < 2 && found < 0; dir++) {
            t = t0;
            for (int steps = 0; steps < 10000 && t >= 0; steps++) {
                const cdt_tri *T = &c->t[t];
                int i = T->v[0] == a ? 0 : T->v[1] == a ? 1 : T->v[2] == a ? 2 : -1;
                if (i < 0) break;
                int p = T->v[NX(i)], q = T->v[PV(i)];
                double op = orient(c, a, b, p), oq = orient(c, a, b, q);
                const double *A = c->p + 2 * a, *B = c->p + 2 * b, *P = c->p + 2 * p;
                double dotp = (P[0] - A[0]) * (B[0] - A[0]) + (P[1] - A[1]) * (B[1] - A[1]);
                double l2 = (B[0] - A[0]) * (B[0] - A[0]) + (B[1] - A[1]) * (B[1] - A[1]);
                double lp2 = (P[0] - A[0]) * (P[0] - A[0]) + (P[1] - A[1]) * (P[1] - A[1]);
                if (fabs(op) <= 1e-12 * l2 && dotp > 0 && lp2 < l2) {
                    /* p on the segment: split the constraint there */
                    if (cdt_add_constraint(c, a, p, depth + 1)) return -1;
                    return cdt_add_constraint(c, p, b, depth + 1);
                }
                if (op < 0 && oq > 0 && crosses(c, a, b, p, q)) { found = t; fk = NX(i); break; }
                t = dir == 0 ? T->n[i] : T->n[PV(i)];
                if (t == t0) break;
            }
        }
        if (found < 0) return -1;
        /* walk along the segment, flipping the first flippable crossing edge */
        t = found; k = fk;
        int flipped = 0;
        for (int steps = 0; steps < 100000; steps++) {
            if (c->t[t].c[k]) {
                /* crossing another constraint (a self-intersecting loop): split both
                 * at the crossing so the parity classification still works */
                int p = c->t[t].v[k], q = c->t[t].v[NX(k)];
                const double *A = c->p + 2 * a, *B = c->p + 2 * b, *P = c->p + 2 * p, *Q = c->p + 2 * q;
                double d1x = B[0] - A[0], d1y = B[1] - A[1], d2x = Q[0] - P[0], d2y = Q[1] - P[1];
                double den = d1x * d2y - d1y * d2x;
                if (den == 0 || depth > 24) return -1;
                double s = ((P[0] - A[0]) * d2y - (P[1] - A[1]) * d2x) / den;
                if (!(s > 0 && s < 1)) return -1;
                int x = cdt_split_edge(c, t, k, A[0] + s * d1x, A[1] + s * d1y);
                if (x < 0) return -1;
                if (cdt_add_constraint(c, a, x, depth + 1)) return -1;
                return cdt_add_constraint(c, x, b, depth + 1);
            }
            int nb = c->t[t].n[k];
            if (nb < 0) return -1;
            int j = edge_index(c, nb, t);
            int p = c->t[t].v[k], q = c->t[t].v[NX(k)];
            int x = c->t[t].v[PV(k)], y = c->t[nb].v[PV(j)];
            /* quad x p y q is convex when x-y crosses p-q */
            if (orient(c, x, y, p) * orient(c, x, y, q) < 0 &&
                orient(c, p, q, x) * orient(c, p, q, y) < 0) {
                flip(c, t, k);
                flipped = 1;
                break;
            }
            if (y == b) return -1;
            /* next crossing edge of nb: (q, y) or (y, p) */
            int e1 = NX(j), e2 = PV(j);     /* nb edges: j = (q, p) -> NX(j) = (p, y), PV(j) = (y, q) */
            int a1 = c->t[nb].v[e1], b1 = c->t[nb].v[NX(e1)];
            if (crosses(c, a, b, a1, b1)) { t = nb; k = e1; continue; }
            int a2 = c->t[nb].v[e2], b2 = c->t[nb].v[NX(e2)];
            if (crosses(c, a, b, a2, b2)) { t = nb; k = e2; continue; }
            /* y lies on the segment */
            if (cdt_add_constraint(c, a, y, depth + 1)) return -1;
            return cdt_add_constraint(c, y, b, depth + 1);
        }
        if (!flipped) return -1;
    }
    return -1;
}

int cdt_classify(cdt *c) {
    /* BFS from the triangle at a super vertex; depth parity across constraints */
    int *depth = malloc((size_t)c->nt * sizeof *depth);
    int *queue = malloc((size_t)c->nt * sizeof *queue);
    if (!depth || !queue) { free(depth); free(queue); return -1; }
    for (int i = 0; i < c->nt; i++) depth[i] = -1;
    /* process by increasing depth: two queues simulated with a deque of levels */
    int head = 0, tail = 0, seed = c->vtri[0];
    depth[seed] = 0;
    queue[tail++] = seed;
    int *next = malloc((size_t)c->nt * sizeof *next), n_next = 0;
    if (!next) { free(depth); free(queue); return -1; }
    int level = 0;
    for (;;) {
        while (head < tail) {
            int t = queue[head++];
            for (int k = 0; k < 3; k++) {
                int nb = c->t[t].n[k];
                if (nb < 0 || depth[nb] >= 0) continue;
                if (c->t[t].c[k]) { next[n_next++] = nb; continue; }
                depth[nb] = level;
                queue[tail++] = nb;
            }
        }
        if (!n_next) break;
        level++;
        head = tail = 0;
        for (int i = 0; i < n_next; i++)
            if (depth[next[i]] < 0) { depth[next[i]] = level; queue[tail++] = next[i]; }
        n_next = 0;
    }
    for (int i = 0; i < c->nt; i++) {
        cdt_tri *T = &c->t[i];
        T->in = depth[i] >= 0 && (depth[i] & 1) && T->v[0] > 2 && T->v[1] > 2 && T->v[2] > 2;
    }
    free(depth); free(queue); free(next);
    return 0;
}
