/* brep_util.c - STEP file -> B-rep -> mesh -> properties, for `mesh` and `props`. */
#include "brep_util.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "steplm/brep.h"
#include "steplm/p21.h"
#include "steplm/tess.h"

int brep_cli_tess_option(const char *flag, const char *value, brep_cli_opts *o) {
    double *dst = !strcmp(flag, "--deflection") ? &o->deflection_mm
                : !strcmp(flag, "--rel")        ? &o->deflection_rel
                : !strcmp(flag, "--angle")      ? &o->angle_rad : NULL;
    if (!dst) return 0;
    double d;
    if (cli_parse_double(value, 0, DBL_MAX, &d) || !(d > 0)) return -1;
    *dst = d;
    return 1;
}

int brep_cli_process(const char *path, const brep_cli_opts *o, mesh *keep, brep_cli_result *r) {
    memset(r, 0, sizeof *r);
    r->genus = -1;
    double t0 = sl_time_sec();
    p21_doc *doc = NULL;
    sl_err err;
    memset(&err, 0, sizeof err);
    p21_doc_read_file(path, NULL, &doc, &err);
    if (!doc) { sl_err_format(&err, r->msg, sizeof r->msg); return -1; }
    if (err.status != SL_OK) sl_err_format(&err, r->msg, sizeof r->msg);
    brep *b = NULL;
    memset(&err, 0, sizeof err);
    sl_status st = brep_from_p21(doc, &b, &err);
    p21_doc_free(doc);
    if (!b) { sl_err_format(&err, r->msg, sizeof r->msg); return -1; }
    if (st != SL_OK && !r->msg[0]) sl_err_format(&err, r->msg, sizeof r->msg);
    r->read_ok = 1;
    snprintf(r->unit, sizeof r->unit, "%s", b->unit);
    r->solids = b->n_instances;
    for (size_t i = 0; i < b->n_instances; i++) {
        const brep_solid *so = &b->solids[b->instances[i].solid];
        r->shells += so->n_shells;
        if (so->kind == BREP_SOLID) r->closed_solids++;
    }
    double bb[6];
    double defl = o->deflection_mm;
    if (defl <= 0) {
        defl = 0.1;
        if (brep_bbox_estimate(b, bb) == 0) {
            double d = sqrt((bb[3] - bb[0]) * (bb[3] - bb[0]) + (bb[4] - bb[1]) * (bb[4] - bb[1]) +
                            (bb[5] - bb[2]) * (bb[5] - bb[2]));
            if (d > 0 && isfinite(d)) defl = o->deflection_rel * d;
        }
    }
    r->deflection_mm = defl;
    tess_opts to;
    tess_opts_default(&to);
    to.deflection_mm = defl;
    to.angle_rad = o->angle_rad;
    tess_report rep;
    memset(&rep, 0, sizeof rep);
    mesh m;
    mesh_init(&m);
    size_t *first = malloc((b->n_instances + 1) * sizeof *first);
    if (!first) { brep_free(b); snprintf(r->msg, sizeof r->msg, "%s: out of memory", path); return -1; }
    st = tess_brep(b, &to, &m, first, &rep);
    if (st != SL_OK) snprintf(r->msg, sizeof r->msg, "%s: error: out of memory while meshing", path);
    r->faces = rep.n_faces;
    r->faces_failed = rep.n_faces_failed;
    if (rep.n_faces_failed && !r->msg[0])
        snprintf(r->msg, sizeof r->msg, "%s: warning: #%llu: %zu of %zu faces not meshed: %s", path,
                 (unsigned long long)rep.first_failed_id, rep.n_faces_failed, rep.n_faces, rep.first_failure);
    if (!r->msg[0] && b->n_diags)
        snprintf(r->msg, sizeof r->msg, "%s: warning: #%llu: %s", path, (unsigned long long)b->diags[0].id,
                 b->diags[0].msg);
    r->triangles = m.n_tris;
    r->renderable = m.n_tris > 0;
    mesh_props p;
    mesh_compute_props(&m, &p);
    r->area_mm2 = p.area_mm2 + rep.area_corr_mm2;
    memcpy(r->bbox_mm, p.bbox_mm, sizeof p.bbox_mm);
    /* wireframe geometry is part of the shape's extent */
    for (size_t i = 0; i < b->n_wire_pts; i++) {
        double c[3] = {b->wire_pts[i].x, b->wire_pts[i].y, b->wire_pts[i].z};
        for (int k = 0; k < 3; k++) {
            if (m.n_tris == 0 && i == 0) { r->bbox_mm[k] = r->bbox_mm[k + 3] = c[k]; }
            if (c[k] < r->bbox_mm[k]) r->bbox_mm[k] = c[k];
            if (c[k] > r->bbox_mm[k + 3]) r->bbox_mm[k + 3] = c[k];
        }
    }
    /* volume, watertightness and genus per closed solid instance */
    int all_tight = r->closed_solids > 0;
    long genus = 0;
    double vol = 0;
    for (size_t i = 0; i < b->n_instances; i++) {
        if (b->solids[b->instances[i].solid].kind != BREP_SOLID) continue;
        mesh view = m;
        view.tris = m.tris + 3 * first[i];
        view.n_tris = first[i + 1] - first[i];
        mesh_props q;
        mesh_compute_props(&view, &q);
        vol += q.volume_mm3;
        if (!q.watertight) all_tight = 0;
        else genus += q.genus;
    }
    r->volume_mm3 = vol + rep.volume_corr_mm3;
    r->watertight = all_tight;
    r->genus = all_tight ? genus : -1;
    free(first);
    brep_free(b);
    if (keep) *keep = m;
    else mesh_release(&m);
    r->ms = 1000 * (sl_time_sec() - t0);
    return 0;
}

void brep_cli_json(const char *path, const brep_cli_result *r, sl_buf *out) {
    sl_buf_puts(out, "{\"file\":");
    sl_buf_json_str(out, path, strlen(path));
    sl_buf_printf(out, ",\"renderable\":%s,\"solids\":%zu,\"shells\":%zu,\"faces\":%zu,\"faces_failed\":%zu,"
                       "\"triangles\":%zu,\"area_mm2\":%.10g,\"volume_mm3\":%.10g,\"bbox_mm\":[%.10g,%.10g,%.10g,"
                       "%.10g,%.10g,%.10g],\"genus\":%ld,\"watertight\":%s,\"unit\":",
                  r->renderable ? "true" : "false", r->solids, r->shells, r->faces, r->faces_failed, r->triangles,
                  r->area_mm2, r->volume_mm3, r->bbox_mm[0], r->bbox_mm[1], r->bbox_mm[2], r->bbox_mm[3],
                  r->bbox_mm[4], r->bbox_mm[5], r->genus, r->watertight ? "true" : "false");
    sl_buf_json_str(out, r->unit, strlen(r->unit));
    sl_buf_printf(out, ",\"closed_solids\":%zu,\"deflection_mm\":%.6g,\"ms\":%.2f,\"error\":", r->closed_solids,
                  r->deflection_mm, r->ms);
    if (r->msg[0]) sl_buf_json_str(out, r->msg, strlen(r->msg));
    else sl_buf_puts(out, "null");
    sl_buf_putc(out, '}');
}
