/* steplm/mesh.h - indexed triangle meshes: I/O (STL binary/ASCII, OBJ, PLY) and
 * properties (area, volume, bounding box, watertightness, Euler characteristic, genus).
 *
 * Data model: vertices are double xyz in millimetres; triangles are uint32 index
 * triples, counter-clockwise when seen from outside (right-hand normal points out).
 * A mesh owns its arrays (malloc); mesh_free releases them. Point clouds are meshes
 * with n_tris = 0. Face tessellation of B-reps lives in the same module (tess.h). */
#ifndef STEPLM_MESH_H
#define STEPLM_MESH_H

#include <stddef.h>
#include <stdint.h>
#include "steplm/util.h"

typedef struct mesh {
    size_t n_verts, n_tris;
    double *verts;        /* (n_verts, 3) */
    uint32_t *tris;       /* (n_tris, 3) */
    double *normals;      /* optional (n_verts, 3), NULL if absent */
    size_t cap_verts, cap_tris;
} mesh;

void mesh_init(mesh *m);
void mesh_release(mesh *m);
/* Append; return the index of the new vertex / 0 on success, -1 out of memory. */
long mesh_add_vert(mesh *m, double x, double y, double z);
int mesh_add_tri(mesh *m, uint32_t a, uint32_t b, uint32_t c);

#endif
