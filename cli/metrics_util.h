/* metrics_util.h - CLI helpers shared by `steplm compare` and `steplm eval`: loading a
 * shape (mesh, point cloud, or -- once the tessellator exists -- STEP) and turning it
 * into the points the metrics use. */
#ifndef STEPLM_CLI_METRICS_UTIL_H
#define STEPLM_CLI_METRICS_UTIL_H

#include "steplm/mesh.h"
#include "steplm/metrics.h"

/* File name has a STEP extension (.step .stp .p21, any case). */
int metrics_cli_is_step(const char *path);
/* Load a shape. STEP files are one branch that needs the B-rep tessellator: until it is
 * connected this returns SL_ERR_UNSUPPORTED with a clear message. */
sl_status metrics_cli_load(const char *path, mesh *out, sl_err *err);
/* Parse --align names: none, centroid, icp, stepllm (Open3D-style chain with STEP-LLM's
 * absolute values), chain (same chain, relative values), full. 0 ok, -1 unknown. */
int metrics_cli_align_params(const char *name, metrics_align_params *p);
/* Append a 4x4 row-major transform as a JSON array of rows. */
void metrics_cli_json_transform(sl_buf *b, const double T[16]);
/* JSON number; NaN (not available) -> null, +-inf -> the string "inf" / "-inf". */
void metrics_cli_json_num(sl_buf *b, double v);

#endif
