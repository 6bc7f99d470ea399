/* steplm/cadprog.h - CAD programs: Lua code calling steplm's CAD API (documented in
 * docs/cad-api.md), run in the sandbox, turned into a feature tree (the JSON that
 * `steplm build` reads) and built into solids by the kernel.
 *
 * Two steps so that callers can stop after the first: cadprog_run gives the JSON
 * feature tree (what `steplm run --emit-json` prints); cadprog_build builds it.
 * Every error is located in the program: "part.lua:12: ..." - also geometry errors
 * found by the kernel, through the program line recorded in each tree node. */
#ifndef STEPLM_CADPROG_H
#define STEPLM_CADPROG_H

#include "steplm/build.h"
#include "steplm/sandbox.h"
#include "steplm/util.h"

/* Run a program; on success json holds the feature tree (appended). globals_lua,
 * if not NULL, is Lua code run before the program in the same state (used to pass
 * parameters, e.g. "P = {w = 40}"). lim may be NULL (defaults). res may be NULL. */
sl_status cadprog_run(const char *name, const char *src, size_t n, const char *globals_lua,
                      const sandbox_limits *lim, sl_buf *json, sandbox_result *res, sl_err *err);

/* Build the feature tree into m (see build.h). On failure err is located at the
 * program line that made the failing node (err->file = name, err->line). */
sl_status cadprog_build(const char *name, const char *json, size_t n, build_model *m, sl_err *err);

#endif
