/* metrics_util.c - shape loading and small output helpers for compare / eval. */
#include "metrics_util.h"
#include "brep_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int metrics_cli_is_step(const char *path) {
    const char *dot = strrchr(path, '.');
    return dot && (!strcasecmp(dot, ".step") || !strcasecmp(dot, ".stp") || !strcasecmp(dot, ".p21"));
}

sl_status metrics_cli_load(const char *path, mesh *out, sl_err *err) {
    mesh_init(out);
    if (metrics_cli_is_step(path)) {
        /* STEP -> B-rep -> tessellated mesh of every placed solid, with the same
         * relative deflection as `steplm props` (0.001 x bbox diagonal, 0.5 rad) */
        brep_cli_opts bo = {0, 0.001, 0.5};
        brep_cli_result r;
        int rc = brep_cli_process(path, &bo, out, &r);
        if (rc != 0 || !r.renderable) {
            /* r.msg is formatted "PATH[:LINE:COL]: error: MSG": keep the position, drop the prefix */
            const char *m = r.msg[0] ? r.msg : "no renderable solid in the file";
            unsigned line = 0, col = 0;
            size_t pl = strlen(path);
            if (!strncmp(m, path, pl) && m[pl] == ':') {
                const char *q = m + pl + 1;
                if (sscanf(q, "%u:%u:", &line, &col) != 2) line = col = 0;
                const char *e = strstr(q, "error: ");
                if (!e) e = strstr(q, "warning: ");
                if (e) m = strchr(e, ' ') + 1;
            }
            sl_err_set(err, SL_ERR_INVALID, "%s", m);
            if (err) {
                snprintf(err->file, sizeof err->file, "%s", path);
                err->line = line;
                err->col = col;
            }
            mesh_release(out);
            return SL_ERR_INVALID;
        }
        return SL_OK;
    }
    return mesh_read_file(path, MESH_FMT_AUTO, out, err);
}

int metrics_cli_align_params(const char *name, metrics_align_params *p) {
    metrics_align_params_default(p);
    if (!strcmp(name, "full")) return 0;
    if (!strcmp(name, "none")) { p->mode = METRICS_ALIGN_NONE; return 0; }
    if (!strcmp(name, "centroid")) { p->mode = METRICS_ALIGN_CENTROID; return 0; }
    if (!strcmp(name, "icp")) { p->mode = METRICS_ALIGN_ICP; return 0; }
    if (!strcmp(name, "chain")) { p->mode = METRICS_ALIGN_CHAIN; return 0; }
    if (!strcmp(name, "stepllm")) { metrics_align_params_stepllm(p); return 0; }
    return -1;
}

void metrics_cli_json_num(sl_buf *b, double v) {
    if (isfinite(v)) sl_buf_printf(b, "%.17g", v);
    else if (isinf(v)) sl_buf_puts(b, v > 0 ? "\"inf\"" : "\"-inf\"");
    else sl_buf_puts(b, "null");
}

void metrics_cli_json_transform(sl_buf *b, const double T[16]) {
    sl_buf_putc(b, '[');
    for (int r = 0; r < 4; r++) {
        sl_buf_puts(b, r ? ", [" : "[");
        for (int c = 0; c < 4; c++) {
            if (c) sl_buf_puts(b, ", ");
            metrics_cli_json_num(b, T[4 * r + c]);
        }
        sl_buf_putc(b, ']');
    }
    sl_buf_putc(b, ']');
}
