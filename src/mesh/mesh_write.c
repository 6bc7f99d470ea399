/* mesh_write.c - writers for binary and ASCII STL, OBJ, PLY (binary little endian)
 * and XYZ point clouds. Every file is built in memory and written atomically
 * (temp file + rename), so a failed write leaves no partial file. */
#include "steplm/mesh.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static mesh_format format_of(const char *path) {
    const char *dot = strrchr(path, '.');
    if (!dot) return MESH_FMT_AUTO;
    if (!strcasecmp(dot, ".stl")) return MESH_FMT_STL;
    if (!strcasecmp(dot, ".obj")) return MESH_FMT_OBJ;
    if (!strcasecmp(dot, ".ply")) return MESH_FMT_PLY;
    if (!strcasecmp(dot, ".xyz")) return MESH_FMT_XYZ;
    return MESH_FMT_AUTO;
}

static void put_u32(sl_buf *b, uint32_t x) {
    unsigned char c[4] = {(unsigned char)x, (unsigned char)(x >> 8), (unsigned char)(x >> 16), (unsigned char)(x >> 24)};
    sl_buf_append(b, c, 4);
}
static void put_f32(sl_buf *b, double d) {
    float f = (float)d;
    uint32_t x;
    memcpy(&x, &f, 4);
    put_u32(b, x);
}

static void tri_normal(const mesh *m, const uint32_t *t, double n[3]) {
    const double *a = m->verts + 3 * t[0], *b = m->verts + 3 * t[1], *c = m->verts + 3 * t[2];
    double u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]}, w[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
    n[0] = u[1] * w[2] - u[2] * w[1];
    n[1] = u[2] * w[0] - u[0] * w[2];
    n[2] = u[0] * w[1] - u[1] * w[0];
    double l = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    for (int i = 0; i < 3; i++) n[i] = l > 0 ? n[i] / l : 0;
}

sl_status mesh_write_file(const mesh *m, const char *path, mesh_format fmt, sl_err *err) {
    if (fmt == MESH_FMT_AUTO) fmt = format_of(path);
    if (fmt == MESH_FMT_AUTO)
        return sl_err_set(err, SL_ERR_ARG, "%s: unknown mesh format (use .stl, .obj, .ply or .xyz)", path);
    for (size_t t = 0; t < m->n_tris; t++)
        for (int k = 0; k < 3; k++)
            if (m->tris[3 * t + k] >= m->n_verts)
                return sl_err_set(err, SL_ERR_ARG, "%s: triangle %zu has an out-of-range vertex", path, t);
    if (m->n_tris > UINT32_MAX) return sl_err_set(err, SL_ERR_LIMIT, "%s: too many triangles", path);
    sl_buf b;
    sl_buf_init(&b);
    switch (fmt) {
    case MESH_FMT_STL: {
        char hdr[80];
        memset(hdr, 0, sizeof hdr);
        snprintf(hdr, sizeof hdr, "binary STL written by steplm");
        sl_buf_append(&b, hdr, 80);
        put_u32(&b, (uint32_t)m->n_tris);
        for (size_t t = 0; t < m->n_tris; t++) {
            const uint32_t *tr = m->tris + 3 * t;
            double n[3];
            tri_normal(m, tr, n);
            for (int i = 0; i < 3; i++) put_f32(&b, n[i]);
            for (int k = 0; k < 3; k++)
                for (int i = 0; i < 3; i++) put_f32(&b, m->verts[3 * tr[k] + i]);
            sl_buf_append(&b, "\0\0", 2);
        }
        break;
    }
    case MESH_FMT_STL_ASCII:
        sl_buf_puts(&b, "solid steplm\n");
        for (size_t t = 0; t < m->n_tris; t++) {
            const uint32_t *tr = m->tris + 3 * t;
            double n[3];
            tri_normal(m, tr, n);
            sl_buf_printf(&b, "facet normal %.9g %.9g %.9g\nouter loop\n", n[0], n[1], n[2]);
            for (int k = 0; k < 3; k++) {
                const double *v = m->verts + 3 * tr[k];
                sl_buf_printf(&b, "vertex %.17g %.17g %.17g\n", v[0], v[1], v[2]);
            }
            sl_buf_puts(&b, "endloop\nendfacet\n");
        }
        sl_buf_puts(&b, "endsolid steplm\n");
        break;
    case MESH_FMT_OBJ:
        sl_buf_puts(&b, "# written by steplm\n");
        for (size_t v = 0; v < m->n_verts; v++)
            sl_buf_printf(&b, "v %.17g %.17g %.17g\n", m->verts[3 * v], m->verts[3 * v + 1], m->verts[3 * v + 2]);
        for (size_t t = 0; t < m->n_tris; t++)
            sl_buf_printf(&b, "f %u %u %u\n", m->tris[3 * t] + 1, m->tris[3 * t + 1] + 1, m->tris[3 * t + 2] + 1);
        break;
    case MESH_FMT_PLY:
        sl_buf_printf(&b, "ply\nformat binary_little_endian 1.0\ncomment written by steplm\n"
                          "element vertex %zu\nproperty double x\nproperty double y\nproperty double z\n"
                          "element face %zu\nproperty list uchar uint vertex_indices\nend_header\n",
                      m->n_verts, m->n_tris);
        for (size_t v = 0; v < 3 * m->n_verts; v++) {
            uint64_t x;
            memcpy(&x, &m->verts[v], 8);
            put_u32(&b, (uint32_t)x);
            put_u32(&b, (uint32_t)(x >> 32));
        }
        for (size_t t = 0; t < m->n_tris; t++) {
            sl_buf_putc(&b, 3);
            for (int k = 0; k < 3; k++) put_u32(&b, m->tris[3 * t + k]);
        }
        break;
    case MESH_FMT_XYZ:
        for (size_t v = 0; v < m->n_verts; v++)
            sl_buf_printf(&b, "%.17g %.17g %.17g\n", m->verts[3 * v], m->verts[3 * v + 1], m->verts[3 * v + 2]);
        break;
    default:
        sl_buf_release(&b);
        return sl_err_set(err, SL_ERR_ARG, "%s: unsupported mesh format", path);
    }
    if (b.failed) { sl_buf_release(&b); return sl_err_set(err, SL_ERR_NOMEM, "%s: out of memory", path); }
    sl_status st = sl_file_write_atomic(path, b.data, b.len, err);
    sl_buf_release(&b);
    return st;
}
