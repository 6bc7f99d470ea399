/* steplm/tess.h - tessellation of B-rep faces into triangle meshes.
 *
 * Each face is triangulated in its parameter domain: its loops are mapped to (u, v)
 * (point inversion, unwrapped across seams, poles split into their two u values),
 * a constrained Delaunay triangulation of the loops is built, and interior points are
 * inserted until every triangle is within the chordal deflection and the angular
 * tolerance of the surface. Every edge is discretized once per solid and shared by
 * the faces that use it, so a closed shell gives a watertight mesh. A face that
 * cannot be triangulated is reported and skipped; it does not fail its shell.
 * Triangles are counter-clockwise seen from the material's outside. */
#ifndef STEPLM_TESS_H
#define STEPLM_TESS_H

#include <stddef.h>
#include <stdint.h>
#include "steplm/brep.h"
#include "steplm/mesh.h"

typedef struct tess_opts {
    double deflection_mm;   /* max distance between a triangle and the surface (> 0) */
    double angle_rad;       /* max angle between neighbouring normals (default 0.5) */
    size_t max_points_per_face; /* hard cap on inserted points (default 200000) */
} tess_opts;
void tess_opts_default(tess_opts *o);   /* deflection 0.1 mm, 0.5 rad */

typedef struct tess_report {
    size_t n_faces, n_faces_failed;
    uint64_t first_failed_id;   /* STEP #id of the first face that failed, 0 = none */
    char first_failure[160];
    /* Exact minus mesh: the area and volume between each triangle and its patch
     * of the surface, from the surface's heights above the triangle's edge
     * midpoints (see tess.c). Summed over every tessellated instance; the volume
     * part over closed solids only. Added to the mesh's area and volume they
     * give the B-rep's own, less the chord error of the triangles (the trimming
     * boundary is still the polygon). */
    double area_corr_mm2, volume_corr_mm3;
} tess_report;

/* Tessellate one solid (its own coordinates) and append to *out. Returns SL_OK
 * (failed faces are counted in *rep) or SL_ERR_NOMEM. */
sl_status tess_solid(const brep *b, uint32_t solid, const tess_opts *o, mesh *out, tess_report *rep);

/* Every instance of the brep, transformed into the root assembly, appended to
 * *out; inst_first_tri (optional, n_instances + 1 entries, caller allocated) gets
 * the first triangle of each instance, so instance i owns triangles
 * [inst_first_tri[i], inst_first_tri[i + 1]). Each solid is tessellated once. */
sl_status tess_brep(const brep *b, const tess_opts *o, mesh *out, size_t *inst_first_tri,
                    tess_report *rep);

#endif
