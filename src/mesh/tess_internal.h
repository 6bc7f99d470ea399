/* tess_internal.h - the 2D constrained Delaunay triangulation used by the face
 * tessellator (tess_cdt.c). Points 0..2 are the super triangle. Triangles are ccw;
 * edge k of a triangle runs v[k] -> v[(k+1)%3], n[k] is the triangle across it
 * (-1 at the hull) and c[k] says it is a constraint (part of a face loop). */
#ifndef STEPLM_TESS_INTERNAL_H
#define STEPLM_TESS_INTERNAL_H

#include <stdint.h>

typedef struct cdt_tri {
    int v[3], n[3];
    uint8_t c[3];
    uint8_t in;     /* inside the face domain (after cdt_classify) */
    uint8_t ok;     /* refinement: checked and good since last change */
} cdt_tri;

typedef struct cdt {
    double *p;      /* (np, 2) */
    int np, cap_p;
    cdt_tri *t;
    int nt, cap_t;
    int *vtri;      /* (np) some triangle holding each point */
    int last;
} cdt;

/* Super triangle around the box. 0 / -1 out of memory. */
int cdt_init(cdt *c, double x0, double y0, double x1, double y1);
void cdt_release(cdt *c);
int cdt_add_point(cdt *c, double x, double y);
/* Insert a point (Delaunay); returns its index, an existing point's index when
 * within merge_tol of it, or -1 on failure. */
int cdt_insert(cdt *c, double x, double y, double merge_tol);
/* Insert inside triangle t / on edge k of triangle t (refinement). */
int cdt_insert_in(cdt *c, int t, double x, double y);
int cdt_split_edge(cdt *c, int t, int k, double x, double y);
/* Make a-b an edge of the triangulation and mark it. 0 ok, -1 failed. */
int cdt_add_constraint(cdt *c, int a, int b, int depth);
/* Mark triangles inside the constraint loops (odd crossing parity). */
int cdt_classify(cdt *c);

#endif
