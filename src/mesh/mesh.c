/* mesh.c - the indexed triangle mesh container. */
#include "steplm/mesh.h"

#include <stdlib.h>
#include <string.h>

void mesh_init(mesh *m) { memset(m, 0, sizeof *m); }

void mesh_release(mesh *m) {
    free(m->verts);
    free(m->tris);
    free(m->normals);
    memset(m, 0, sizeof *m);
}

long mesh_add_vert(mesh *m, double x, double y, double z) {
    if (m->n_verts == m->cap_verts) {
        size_t nc = m->cap_verts ? m->cap_verts * 2 : 256;
        if (nc > UINT32_MAX) return -1;
        double *v = realloc(m->verts, nc * 3 * sizeof *v);
        if (!v) return -1;
        m->verts = v;
        m->cap_verts = nc;
    }
    double *p = m->verts + 3 * m->n_verts;
    p[0] = x; p[1] = y; p[2] = z;
    return (long)m->n_verts++;
}

int mesh_add_tri(mesh *m, uint32_t a, uint32_t b, uint32_t c) {
    if (m->n_tris == m->cap_tris) {
        size_t nc = m->cap_tris ? m->cap_tris * 2 : 256;
        uint32_t *t = realloc(m->tris, nc * 3 * sizeof *t);
        if (!t) return -1;
        m->tris = t;
        m->cap_tris = nc;
    }
    uint32_t *p = m->tris + 3 * m->n_tris++;
    p[0] = a; p[1] = b; p[2] = c;
    return 0;
}
