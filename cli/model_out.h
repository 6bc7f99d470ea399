/* model_out.h - check, mesh and write a built model (shared by `build` and `run`). */
#ifndef STEPLM_CLI_MODEL_OUT_H
#define STEPLM_CLI_MODEL_OUT_H

#include "steplm/build.h"

typedef struct cli_model_out {
    const char *cmd;        /* "build", "run": for messages */
    const char *step_path;  /* NULL: do not write STEP */
    const char *mesh_path;  /* NULL: no mesh */
    double deflection_mm;
    int json;               /* print the summary as JSON */
} cli_model_out;

/* Checks every part (closed, oriented, Euler-Poincare), writes the mesh and the
 * STEP file (atomically; nothing is written when anything fails) and prints a
 * summary. Returns a CLI exit code. */
int cli_model_write(build_model *m, const cli_model_out *o);

#endif
