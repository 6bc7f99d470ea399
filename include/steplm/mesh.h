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

/* ---- I/O (src/mesh/mesh_read.c, src/mesh/mesh_write.c) -------------------- */
typedef enum mesh_format { MESH_FMT_AUTO = 0, MESH_FMT_STL, MESH_FMT_STL_ASCII, MESH_FMT_OBJ,
                           MESH_FMT_PLY, MESH_FMT_XYZ } mesh_format;
/* Format from a file name's extension (.stl .obj .ply .xyz), MESH_FMT_AUTO if unknown. */
mesh_format mesh_format_from_path(const char *path);
/* Read STL (binary or ASCII, detected), OBJ, PLY (ascii / binary_little_endian /
 * binary_big_endian; faces optional -> point cloud) or XYZ. Identical STL vertices
 * are welded. Errors are located (file:line for text formats). */
sl_status mesh_read_file(const char *path, mesh_format fmt, mesh *out, sl_err *err);
sl_status mesh_read_mem(const char *name, const char *data, size_t n, mesh_format fmt,
                        mesh *out, sl_err *err);
/* Write atomically (temp file + rename). MESH_FMT_AUTO picks from the extension;
 * .stl means binary STL. */
sl_status mesh_write_file(const mesh *m, const char *path, mesh_format fmt, sl_err *err);

/* ---- properties (src/mesh/mesh_props.c) ------------------------------------ */
typedef struct mesh_props {
    double area_mm2;
    double volume_mm3;        /* signed, by the divergence theorem */
    double bbox_mm[6];        /* xmin ymin zmin xmax ymax zmax */
    size_t n_boundary_edges;  /* edges used by exactly one triangle */
    size_t n_nonmanifold_edges; /* edges used by more than two triangles */
    int watertight;           /* every edge used exactly twice, consistently oriented */
    long euler;               /* V - E + F over referenced vertices */
    long n_components;        /* connected components (by shared edges) */
    long genus;               /* for a closed orientable surface: sum over components of
                                 (2 - chi_i) / 2; -1 when not watertight */
} mesh_props;
void mesh_compute_props(const mesh *m, mesh_props *p);

/* ---- crack closing (src/mesh/mesh_weld.c) ------------------------------------
 * On the triangles [first_tri, n_tris): weld boundary vertices (of edges used by
 * one triangle) closer than tol_mm, then split boundary edges at boundary vertices
 * lying on them within tol_mm (T-junctions between faces meshed separately).
 * Interior vertices and edges are not touched. Triangles may be rewritten, dropped
 * (collapsed by a weld) or appended. Returns the number of welds + splits, or -1
 * when out of memory. */
long mesh_close_cracks(mesh *m, size_t first_tri, double tol_mm);
/* Orient the triangles [first_tri, n_tris) consistently across edges used exactly
 * twice (breadth-first over each edge-connected component), then turn each
 * component over so that its signed volume has the sign of `sign` (+1 encloses
 * material, -1 a void). Returns the number of triangles flipped, -1 out of memory. */
long mesh_orient_range(mesh *m, size_t first_tri, int sign);

#endif
