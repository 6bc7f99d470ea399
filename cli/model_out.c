/* model_out.c - check, mesh and write a built model; shared by `build` and `run`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "model_out.h"
#include "steplm/brep_write.h"
#include "steplm/mesh.h"
#include "steplm/tess.h"

int cli_model_write(build_model *m, const cli_model_out *o) {
    sl_err err = {0};
    brep_write_part *parts = calloc(m->n_parts ? m->n_parts : 1, sizeof *parts);
    build_check_report *rep = calloc(m->n_parts ? m->n_parts : 1, sizeof *rep);
    int rc = CLI_OK;
    if (!parts || !rep) { fprintf(stderr, "steplm %s: error: out of memory\n", o->cmd); rc = CLI_FAIL; goto done; }
    for (size_t i = 0; i < m->n_parts; i++) {
        parts[i].solid = m->parts[i].solid;
        parts[i].name = m->parts[i].name;
        parts[i].has_color = m->parts[i].has_color;
        memcpy(parts[i].rgb, m->parts[i].rgb, sizeof parts[i].rgb);
        parts[i].has_placement = m->parts[i].has_placement;
        parts[i].placement = m->parts[i].placement;
        if (build_check_solid(m->b, m->parts[i].solid, &rep[i], &err)) {
            fprintf(stderr, "steplm %s: error: part '%s' fails its checks: %s\n", o->cmd, parts[i].name, err.msg);
            rc = CLI_FAIL;
            goto done;
        }
    }
    if (o->mesh_path) {
        mesh me;
        mesh_init(&me);
        tess_opts to;
        tess_opts_default(&to);
        to.deflection_mm = o->deflection_mm > 0 ? o->deflection_mm : 0.01;
        for (size_t i = 0; i < m->n_parts && rc == CLI_OK; i++) {
            mesh one;
            mesh_init(&one);
            tess_report tr = {0};
            if (tess_solid(m->b, parts[i].solid, &to, &one, &tr) || tr.n_faces_failed) {
                fprintf(stderr, "steplm %s: error: meshing part '%s' failed: %s\n", o->cmd, parts[i].name,
                        tr.first_failure[0] ? tr.first_failure : "out of memory");
                rc = CLI_FAIL;
            }
            size_t v0 = me.n_verts;
            for (size_t v = 0; v < one.n_verts && rc == CLI_OK; v++) {
                vec3 p = v3(one.verts[3 * v], one.verts[3 * v + 1], one.verts[3 * v + 2]);
                if (parts[i].has_placement) p = geom_xform_point(&parts[i].placement, p);
                if (mesh_add_vert(&me, p.x, p.y, p.z) < 0) rc = CLI_FAIL;
            }
            for (size_t t = 0; t < one.n_tris && rc == CLI_OK; t++)
                if (mesh_add_tri(&me, (uint32_t)(v0 + one.tris[3 * t]), (uint32_t)(v0 + one.tris[3 * t + 1]),
                                 (uint32_t)(v0 + one.tris[3 * t + 2])))
                    rc = CLI_FAIL;
            mesh_release(&one);
        }
        if (rc == CLI_OK && mesh_write_file(&me, o->mesh_path, MESH_FMT_AUTO, &err)) { cli_print_err(&err); rc = CLI_FAIL; }
        mesh_release(&me);
        if (rc != CLI_OK) goto done;
    }
    if (o->step_path) {
        brep_write_opts wo = {0};
        const char *base = strrchr(o->step_path, '/');
        wo.file_name = base ? base + 1 : o->step_path;
        wo.assembly = m->assembly[0] ? m->assembly : NULL;
        if (brep_write_step_file(m->b, parts, m->n_parts, &wo, o->step_path, &err)) {
            cli_print_err(&err);
            rc = CLI_FAIL;
            goto done;
        }
    }
    sl_buf b;
    sl_buf_init(&b);
    if (o->json) {
        sl_buf_puts(&b, "{\"file\":");
        if (o->step_path) sl_buf_json_str(&b, o->step_path, strlen(o->step_path));
        else sl_buf_puts(&b, "null");
        sl_buf_puts(&b, ",\"parts\":[");
        for (size_t i = 0; i < m->n_parts; i++) {
            if (i) sl_buf_putc(&b, ',');
            sl_buf_puts(&b, "{\"name\":");
            sl_buf_json_str(&b, parts[i].name, strlen(parts[i].name));
            sl_buf_printf(&b, ",\"faces\":%zu,\"edges\":%zu,\"vertices\":%zu,\"genus\":%ld,\"area_mm2\":%.12g,\"volume_mm3\":%.12g}",
                          rep[i].n_faces, rep[i].n_edges, rep[i].n_verts, rep[i].genus, rep[i].area_mm2, rep[i].volume_mm3);
        }
        sl_buf_puts(&b, "]}\n");
    } else {
        for (size_t i = 0; i < m->n_parts; i++)
            sl_buf_printf(&b, "%s: %zu faces, %zu edges, %zu vertices, genus %ld, area %.6f mm2, volume %.6f mm3\n",
                          parts[i].name, rep[i].n_faces, rep[i].n_edges, rep[i].n_verts, rep[i].genus,
                          rep[i].area_mm2, rep[i].volume_mm3);
        if (o->step_path) sl_buf_printf(&b, "wrote %s\n", o->step_path);
    }
    if (b.data) fputs(b.data, stdout);
    sl_buf_release(&b);
done:
    free(parts);
    free(rep);
    return rc;
}
