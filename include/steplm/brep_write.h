/* steplm/brep_write.h - write solids of a brep as a STEP AP214 (AUTOMOTIVE_DESIGN)
 * file: header, application/product context, product and product definition per
 * part, units (mm, radian, steradian) with a 1e-7 mm uncertainty, one
 * MANIFOLD_SOLID_BREP per part in an ADVANCED_BREP_SHAPE_REPRESENTATION, optional
 * colours (COLOUR_RGB through STYLED_ITEM in a
 * MECHANICAL_DESIGN_GEOMETRIC_PRESENTATION_REPRESENTATION) and names.
 * With more than one part (or opts.assembly set) the parts become components of an
 * assembly product: NEXT_ASSEMBLY_USAGE_OCCURRENCE per placed instance, with its
 * rigid placement (ITEM_DEFINED_TRANSFORMATION + CONTEXT_DEPENDENT_SHAPE_REPRESENTATION).
 * Geometry is written exactly (17 significant digits where needed to round-trip). */
#ifndef STEPLM_BREP_WRITE_H
#define STEPLM_BREP_WRITE_H

#include "steplm/brep.h"
#include "steplm/util.h"

typedef struct brep_write_part {
    uint32_t solid;          /* solid index in the brep */
    const char *name;        /* product name (NULL: "part<i>") */
    int has_color;
    double rgb[3];           /* 0..1 */
    int has_placement;       /* assembly only: placement of the instance */
    geom_xform placement;    /* rigid */
} brep_write_part;

typedef struct brep_write_opts {
    const char *file_name;    /* FILE_NAME name (NULL: "steplm.step") */
    const char *description;  /* FILE_DESCRIPTION (NULL: a default) */
    const char *assembly;     /* name of the assembly product; NULL: an assembly only when
                                 there are several parts, named "assembly" */
    const char *timestamp;    /* ISO 8601; NULL: "1970-01-01T00:00:00" (reproducible output) */
} brep_write_opts;

/* Append the STEP text to out. SL_ERR_UNSUPPORTED for geometry it cannot write
 * (offset surfaces), SL_ERR_ARG for a bad solid index. */
sl_status brep_write_step(const brep *b, const brep_write_part *parts, size_t n_parts,
                          const brep_write_opts *o, sl_buf *out, sl_err *err);
/* The same, written atomically to path (nothing is left there on failure). */
sl_status brep_write_step_file(const brep *b, const brep_write_part *parts, size_t n_parts,
                               const brep_write_opts *o, const char *path, sl_err *err);

#endif
