/* steplm/brep.h - boundary representation: topology with geometry, read from a STEP
 * (Part 21) document.
 *
 * Data model (index based; every index is into an array of the same brep):
 *   solid    -> shells [first_shell, +n_shells): the first is the outer shell, the
 *               others are voids (BREP_WITH_VOIDS). Sheets (SHELL_BASED_SURFACE_MODEL,
 *               open shells) are solids with kind BREP_SHEET.
 *   shell    -> faces [first_face, +n_faces) (contiguous)
 *   face     -> surface index + loops [first_loop, +n_loops); reversed = 1 when the
 *               material side is opposite to the surface normal (ADVANCED_FACE
 *               same_sense = .F.); the outward normal is +-(Su x Sv).
 *   loop     -> coedges [first_coedge, +n_coedges) in order (EDGE_LOOP), or a single
 *               vertex (VERTEX_LOOP, n_coedges = 0, vertex >= 0)
 *   coedge   -> edge + reversed flag (ORIENTED_EDGE orientation = .F.), and the
 *               edge's PCURVE on the face's surface when the file gives one
 *   edge     -> start / end vertex, curve index (-1: straight segment), and the curve
 *               parameters t0 at v0 and t1 at v1; walking from v0 to v1 means walking
 *               the curve from t0 to t1 (t1 < t0 when the curve runs the other way).
 *               A closed edge (v0 == v1, e.g. a full circle) has |t1 - t0| = period.
 *   vertex   -> point.
 * Edges and vertices are shared between the faces that use them, so every edge is
 * discretized once and a closed shell meshes watertight.
 * All lengths are millimetres (the file's length unit is converted while reading).
 * Placed instances: a part used n times in an assembly is one solid and n instances,
 * each with the rigid transform from the part into the root assembly.
 *
 * Memory: the brep owns everything (growable arrays plus an arena for curve and
 * surface data); brep_free releases it at once. The p21 document can be freed after
 * brep_from_p21 returns. Builders (issue 5) append with the brep_add_* functions. */
#ifndef STEPLM_BREP_H
#define STEPLM_BREP_H

#include <stddef.h>
#include <stdint.h>
#include "steplm/geom.h"
#include "steplm/util.h"

typedef struct p21_doc p21_doc;

typedef struct brep_vertex { vec3 p; } brep_vertex;

typedef struct brep_edge {
    uint32_t v0, v1;
    int32_t curve;          /* index into curves, -1 = straight segment */
    double t0, t1;
    uint64_t step_id;       /* EDGE_CURVE #id (0 when built in code) */
} brep_edge;

/* pcurve: the edge's PCURVE on this face's surface, an index into curves of a 2D
 * curve (x = u, y = v in the surface's own parameters, z = 0) in its own direction
 * (not the coedge's), or -1 when the file gives none (or an unusable one). The
 * mesher uses it for the loop's (u, v) where inverting the 3D edge is unreliable. */
typedef struct brep_coedge { uint32_t edge; uint8_t reversed; int32_t pcurve; } brep_coedge;

typedef struct brep_loop {
    uint32_t first_coedge, n_coedges;
    int32_t vertex;         /* VERTEX_LOOP vertex, else -1 */
    uint8_t outer;          /* FACE_OUTER_BOUND */
} brep_loop;

typedef struct brep_face {
    int32_t surf;           /* index into surfs, -1 = unusable (see diags) */
    uint8_t reversed;
    uint32_t first_loop, n_loops;
    uint64_t step_id;
} brep_face;

typedef struct brep_shell {
    uint32_t first_face, n_faces;
    uint8_t closed;         /* CLOSED_SHELL */
} brep_shell;

typedef enum brep_solid_kind { BREP_SOLID = 0, BREP_SHEET = 1 } brep_solid_kind;

typedef struct brep_solid {
    uint32_t first_shell, n_shells;
    uint8_t kind;           /* brep_solid_kind */
    uint64_t step_id;
} brep_solid;

typedef struct brep_instance { uint32_t solid; geom_xform x; } brep_instance;

/* A problem found while reading that did not stop it (a face without usable
 * geometry, an unsupported curve, ...). */
typedef struct brep_diag { uint64_t id; char msg[160]; } brep_diag;
#define BREP_MAX_DIAGS 64

typedef struct brep {
    size_t n_verts, n_edges, n_coedges, n_loops, n_faces, n_shells, n_solids, n_instances;
    size_t n_curves, n_surfs;
    brep_vertex *verts;
    brep_edge *edges;
    brep_coedge *coedges;
    brep_loop *loops;
    brep_face *faces;
    brep_shell *shells;
    brep_solid *solids;
    brep_instance *instances;
    geom_curve **curves;    /* each in the arena */
    geom_surf **surfs;
    /* points sampled from placed wireframe geometry (curves and points of
     * GEOMETRIC_(CURVE_)SETs), already in root coordinates: part of the shape's
     * extent (bounding box) but not meshed */
    vec3 *wire_pts;
    size_t n_wire_pts, cap_wire_pts;
    size_t cap[10];         /* capacities of the arrays above (internal) */
    char unit[16];          /* length unit of the file: "mm", "m", "inch", ... */
    double unit_mm;         /* millimetres per file unit */
    size_t n_diags, n_diags_total;
    brep_diag diags[BREP_MAX_DIAGS];
    sl_arena arena;
} brep;

brep *brep_new(void);
void brep_free(brep *b);

/* Read every solid and sheet of the document with its placements in the assembly
 * (roots of the representation graph). Returns SL_OK (possibly with diags and zero
 * solids when the file holds no B-rep), SL_ERR_NOMEM, or SL_ERR_INVALID when the
 * document has B-rep entities none of which could be read (err says which and where). */
sl_status brep_from_p21(const p21_doc *doc, brep **out, sl_err *err);

/* ---- building (used by the reader; for builders too) ------------------------
 * Each returns the new index, or -1 when out of memory. Data is copied. */
long brep_add_vertex(brep *b, vec3 p);
long brep_add_curve(brep *b, const geom_curve *c);   /* deep copy of B-spline arrays */
long brep_add_surf(brep *b, const geom_surf *s);     /* deep copy; curve/basis must already be brep-owned */
long brep_add_edge(brep *b, uint32_t v0, uint32_t v1, int32_t curve, double t0, double t1);
long brep_add_coedge(brep *b, uint32_t edge, int reversed);
long brep_add_loop(brep *b, uint32_t first_coedge, uint32_t n_coedges, int32_t vertex, int outer);
long brep_add_face(brep *b, int32_t surf, int reversed, uint32_t first_loop, uint32_t n_loops);
long brep_add_shell(brep *b, uint32_t first_face, uint32_t n_faces, int closed);
long brep_add_solid(brep *b, uint32_t first_shell, uint32_t n_shells, int kind);
long brep_add_instance(brep *b, uint32_t solid, const geom_xform *x);
void *brep_alloc(brep *b, size_t n);                 /* arena memory owned by b */
void brep_add_diag(brep *b, uint64_t id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Point of an edge at fraction s in [0, 1] from v0 to v1. */
vec3 brep_edge_point(const brep *b, const brep_edge *e, double s);

/* Bounding box of all placed instances from vertices and sampled edges (a close
 * estimate of the exact box, used to pick a deflection). bbox = xmin ymin zmin
 * xmax ymax zmax; returns 0, or -1 when the brep has no placed vertex. */
int brep_bbox_estimate(const brep *b, double bbox[6]);

#endif
