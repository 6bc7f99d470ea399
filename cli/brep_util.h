/* brep_util.h - CLI helpers for the B-rep commands (mesh, props): read a STEP file,
 * tessellate every placed solid, measure the mesh. */
#ifndef STEPLM_CLI_BREP_UTIL_H
#define STEPLM_CLI_BREP_UTIL_H

#include <stddef.h>
#include "steplm/mesh.h"
#include "steplm/util.h"

typedef struct brep_cli_opts {
    double deflection_mm;   /* > 0: absolute */
    double deflection_rel;  /* used when deflection_mm <= 0: fraction of the bbox diagonal */
    double angle_rad;
} brep_cli_opts;

typedef struct brep_cli_result {
    int read_ok;            /* parsed and B-rep read */
    int renderable;         /* at least one triangle */
    size_t solids, shells, faces, faces_failed, triangles, closed_solids;
    double area_mm2, volume_mm3, bbox_mm[6];
    long genus;             /* sum over closed solids; -1 when one is not watertight */
    int watertight;         /* every closed solid gives a watertight mesh */
    char unit[16];
    double deflection_mm;
    double ms;              /* wall time for read + mesh + props */
    char msg[512];          /* first error or warning, formatted */
} brep_cli_result;

/* If flag is --deflection, --rel or --angle, read its value (a positive number)
 * into o and return 1; return -1 for a bad value; 0 when flag is none of them. */
int brep_cli_tess_option(const char *flag, const char *value, brep_cli_opts *o);

/* Process one file. When keep is non-NULL the mesh is moved into it (caller
 * releases). Returns 0 when the file could be read (even with failed faces). */
int brep_cli_process(const char *path, const brep_cli_opts *o, mesh *keep, brep_cli_result *r);
/* Append the result as one JSON object (no newline). */
void brep_cli_json(const char *path, const brep_cli_result *r, sl_buf *out);

#endif
