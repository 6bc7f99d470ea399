/* mesh_read.c - mesh and point-cloud readers: STL (binary and ASCII), OBJ, PLY
 * (ascii, binary little/big endian; faces optional) and XYZ.
 *
 * Everything reads from memory (mesh_read_file loads the file first), never trusts
 * a count in a header without checking it against the bytes that remain, and
 * reports the first error with a position: file:line:col for text formats, the
 * byte offset in the message for binary ones. Non-finite coordinates and face
 * indices out of range are errors. STL vertices with identical coordinates are
 * welded into one (exact bit equality after -0 -> +0), so an STL gives the same
 * indexed mesh as the PLY of the same shape. Polygons (OBJ, PLY) are split into
 * fans. This file does not write meshes (mesh_write.c). */
#include "steplm/mesh.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MESH_READ_MAX_BYTES ((size_t)4 << 30)  /* 4 GiB */
#define PLY_MAX_PROPS 64
#define POLY_MAX_VERTS 65536

/* ---- common helpers --------------------------------------------------------- */

static sl_status err_at(sl_err *err, const char *name, uint32_t line, uint32_t col, sl_status st,
                        const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static sl_status err_at(sl_err *err, const char *name, uint32_t line, uint32_t col, sl_status st,
                        const char *fmt, ...) {
    if (!err) return st;
    va_list ap;
    va_start(ap, fmt);
    sl_err_setv(err, st, fmt, ap);
    va_end(ap);
    snprintf(err->file, sizeof err->file, "%s", name ? name : "");
    err->line = line;
    err->col = col;
    err->id = 0;
    return st;
}

mesh_format mesh_format_from_path(const char *path) {
    if (!path) return MESH_FMT_AUTO;
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash)) return MESH_FMT_AUTO;
    if (!strcasecmp(dot, ".stl")) return MESH_FMT_STL;
    if (!strcasecmp(dot, ".obj")) return MESH_FMT_OBJ;
    if (!strcasecmp(dot, ".ply")) return MESH_FMT_PLY;
    if (!strcasecmp(dot, ".xyz") || !strcasecmp(dot, ".pts") || !strcasecmp(dot, ".txt"))
        return MESH_FMT_XYZ;
    return MESH_FMT_AUTO;
}

/* A cursor over text that knows its line and column. */
typedef struct text_cur {
    const char *p, *end, *line_start;
    uint32_t line;
    const char *name;
} text_cur;

static void tc_init(text_cur *c, const char *name, const char *data, size_t n) {
    c->p = data;
    c->end = data + n;
    c->line_start = data;
    c->line = 1;
    c->name = name;
}
static uint32_t tc_col(const text_cur *c, const char *at) { return (uint32_t)(at - c->line_start) + 1; }
/* skip blanks but not newlines */
static void tc_skip_blank(text_cur *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\f' ||
                             *c->p == '\v'))
        c->p++;
}
/* skip whitespace including newlines */
static void tc_skip_ws(text_cur *c) {
    while (c->p < c->end && isspace((unsigned char)*c->p)) {
        if (*c->p == '\n') { c->line++; c->line_start = c->p + 1; }
        c->p++;
    }
}
static void tc_next_line(text_cur *c) {
    while (c->p < c->end && *c->p != '\n') c->p++;
    if (c->p < c->end) { c->p++; c->line++; c->line_start = c->p; }
}
static int tc_at_eol(const text_cur *c) { return c->p >= c->end || *c->p == '\n'; }
/* token length from p (non-space run) */
static size_t tc_tok_len(const text_cur *c) {
    const char *q = c->p;
    while (q < c->end && !isspace((unsigned char)*q)) q++;
    return (size_t)(q - c->p);
}
static int tc_tok_is(const text_cur *c, const char *word) {
    size_t n = tc_tok_len(c), w = strlen(word);
    return n == w && !strncasecmp(c->p, word, w);
}

/* Parse a finite double at c->p (text is not NUL-terminated: copy the token). */
static int tc_double(text_cur *c, double *out) {
    size_t n = tc_tok_len(c);
    if (n == 0 || n > 63) return -1;
    char buf[64];
    memcpy(buf, c->p, n);
    buf[n] = 0;
    char *e;
    errno = 0;
    double v = strtod(buf, &e);
    if (e != buf + n || !isfinite(v)) return -1;
    *out = v;
    c->p += n;
    return 0;
}
static int tc_long(text_cur *c, long long *out) {
    size_t n = tc_tok_len(c);
    if (n == 0 || n > 30) return -1;
    char buf[32];
    memcpy(buf, c->p, n);
    buf[n] = 0;
    char *e;
    errno = 0;
    long long v = strtoll(buf, &e, 10);
    if (e != buf + n || errno) return -1;
    *out = v;
    c->p += n;
    return 0;
}

/* ---- vertex welding (STL) ---------------------------------------------------- */
typedef struct weld_map {
    uint32_t *slots;   /* vertex index + 1, 0 = empty */
    size_t cap;        /* power of two */
} weld_map;

static uint64_t weld_hash(const double v[3]) {
    uint64_t h = 1469598103934665603ull;
    for (int k = 0; k < 3; k++) {
        uint64_t b;
        memcpy(&b, &v[k], 8);
        h ^= b;
        h *= 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
    }
    return h;
}

static int weld_grow(weld_map *w, const mesh *m) {
    size_t nc = w->cap ? w->cap * 2 : 1024;
    uint32_t *s = calloc(nc, sizeof *s);
    if (!s) return -1;
    for (size_t i = 0; i < w->cap; i++) {
        if (!w->slots[i]) continue;
        uint64_t h = weld_hash(m->verts + 3 * (w->slots[i] - 1));
        size_t j = (size_t)h & (nc - 1);
        while (s[j]) j = (j + 1) & (nc - 1);
        s[j] = w->slots[i];
    }
    free(w->slots);
    w->slots = s;
    w->cap = nc;
    return 0;
}

/* index of the vertex equal to v, adding it if new; -1 out of memory */
static long weld_vert(weld_map *w, mesh *m, double x, double y, double z) {
    double v[3] = {x == 0 ? 0.0 : x, y == 0 ? 0.0 : y, z == 0 ? 0.0 : z};  /* -0 -> +0 */
    if ((m->n_verts + 1) * 2 > w->cap && weld_grow(w, m)) return -1;
    size_t j = (size_t)weld_hash(v) & (w->cap - 1);
    while (w->slots[j]) {
        const double *q = m->verts + 3 * (w->slots[j] - 1);
        if (q[0] == v[0] && q[1] == v[1] && q[2] == v[2]) return (long)w->slots[j] - 1;
        j = (j + 1) & (w->cap - 1);
    }
    long id = mesh_add_vert(m, v[0], v[1], v[2]);
    if (id < 0 || id >= (long)UINT32_MAX) return -1;
    w->slots[j] = (uint32_t)id + 1;
    return id;
}

/* ---- STL ---------------------------------------------------------------------- */
static float rd_f32le(const unsigned char *p) {
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static int stl_is_binary(const char *data, size_t n) {
    if (n < 84) return 0;
    const unsigned char *u = (const unsigned char *)data;
    uint64_t cnt = (uint64_t)u[80] | (uint64_t)u[81] << 8 | (uint64_t)u[82] << 16 | (uint64_t)u[83] << 24;
    return 84 + 50 * cnt == n;
}

static sl_status stl_read_binary(const char *name, const char *data, size_t n, mesh *m, sl_err *err) {
    const unsigned char *u = (const unsigned char *)data;
    uint64_t cnt = (uint64_t)u[80] | (uint64_t)u[81] << 8 | (uint64_t)u[82] << 16 | (uint64_t)u[83] << 24;
    if (84 + 50 * cnt != n)
        return err_at(err, name, 0, 0, SL_ERR_SYNTAX,
                      "binary STL declares %llu triangles (%llu bytes) but the file has %zu bytes",
                      (unsigned long long)cnt, (unsigned long long)(84 + 50 * cnt), n);
    weld_map w = {0};
    sl_status st = SL_OK;
    for (uint64_t t = 0; t < cnt && st == SL_OK; t++) {
        const unsigned char *f = u + 84 + 50 * t + 12;
        long id[3];
        for (int k = 0; k < 3; k++) {
            double x = rd_f32le(f + 12 * k), y = rd_f32le(f + 12 * k + 4), z = rd_f32le(f + 12 * k + 8);
            if (!isfinite(x) || !isfinite(y) || !isfinite(z)) {
                st = err_at(err, name, 0, 0, SL_ERR_INVALID,
                            "binary STL triangle %llu (byte %llu): non-finite coordinate",
                            (unsigned long long)t, (unsigned long long)(84 + 50 * t + 12 + 12 * k));
                break;
            }
            id[k] = weld_vert(&w, m, x, y, z);
            if (id[k] < 0) { st = err_at(err, name, 0, 0, SL_ERR_NOMEM, "out of memory"); break; }
        }
        if (st == SL_OK && mesh_add_tri(m, (uint32_t)id[0], (uint32_t)id[1], (uint32_t)id[2]))
            st = err_at(err, name, 0, 0, SL_ERR_NOMEM, "out of memory");
    }
    free(w.slots);
    return st;
}

static sl_status stl_expect(text_cur *c, const char *word, sl_err *err) {
    tc_skip_ws(c);
    if (!tc_tok_is(c, word))
        return err_at(err, c->name, c->line, tc_col(c, c->p), SL_ERR_SYNTAX, "ASCII STL: expected '%s'",
                      word);
    c->p += strlen(word);
    return SL_OK;
}

static sl_status stl_read_ascii(const char *name, const char *data, size_t n, mesh *m, sl_err *err) {
    text_cur c;
    tc_init(&c, name, data, n);
    weld_map w = {0};
    sl_status st = SL_OK;
    int n_solids = 0;
    for (;;) {
        tc_skip_ws(&c);
        if (c.p >= c.end) break;
        if ((st = stl_expect(&c, "solid", err))) break;
        n_solids++;
        tc_next_line(&c);  /* the solid's name, if any */
        for (;;) {
            tc_skip_ws(&c);
            if (c.p >= c.end) {
                st = err_at(err, name, c.line, tc_col(&c, c.p), SL_ERR_SYNTAX,
                            "ASCII STL: unexpected end of file (missing 'endsolid')");
                break;
            }
            if (tc_tok_is(&c, "endsolid")) { tc_next_line(&c); break; }
            if ((st = stl_expect(&c, "facet", err))) break;
            tc_skip_blank(&c);
            if (tc_tok_is(&c, "normal")) {  /* normal is optional in practice; ignored */
                c.p += 6;
                for (int k = 0; k < 3; k++) {
                    double d;
                    tc_skip_blank(&c);
                    if (tc_double(&c, &d)) {
                        st = err_at(err, name, c.line, tc_col(&c, c.p), SL_ERR_SYNTAX,
                                    "ASCII STL: expected a number in 'facet normal'");
                        break;
                    }
                }
                if (st) break;
            }
            if ((st = stl_expect(&c, "outer", err)) || (st = stl_expect(&c, "loop", err))) break;
            long id[3];
            for (int v = 0; v < 3 && !st; v++) {
                if ((st = stl_expect(&c, "vertex", err))) break;
                double x[3];
                for (int k = 0; k < 3; k++) {
                    tc_skip_blank(&c);
                    if (tc_double(&c, &x[k])) {
                        st = err_at(err, name, c.line, tc_col(&c, c.p), SL_ERR_SYNTAX,
                                    "ASCII STL: expected a finite number in 'vertex'");
                        break;
                    }
                }
                if (st) break;
                id[v] = weld_vert(&w, m, x[0], x[1], x[2]);
                if (id[v] < 0) st = err_at(err, name, 0, 0, SL_ERR_NOMEM, "out of memory");
            }
            if (st) break;
            if ((st = stl_expect(&c, "endloop", err)) || (st = stl_expect(&c, "endfacet", err))) break;
            if (mesh_add_tri(m, (uint32_t)id[0], (uint32_t)id[1], (uint32_t)id[2])) {
                st = err_at(err, name, 0, 0, SL_ERR_NOMEM, "out of memory");
                break;
            }
        }
        if (st) break;
    }
    free(w.slots);
    if (!st && n_solids == 0)
        st = err_at(err, name, 1, 1, SL_ERR_SYNTAX, "ASCII STL: no 'solid'");
    return st;
}

/* ASCII: starts with "solid" and has no NUL byte early on (binary files from some
 * exporters also start with "solid" in their 80-byte header) */
static int stl_looks_ascii(const char *data, size_t n) {
    const char *p = data, *e = data + n;
    while (p < e && isspace((unsigned char)*p)) p++;
    if ((size_t)(e - p) < 5 || strncasecmp(p, "solid", 5)) return 0;
    return memchr(data, 0, n < 512 ? n : 512) == NULL;
}

static sl_status stl_read(const char *name, const char *data, size_t n, mesh *m, sl_err *err) {
    if (stl_is_binary(data, n)) return stl_read_binary(name, data, n, m, err);
    if (stl_looks_ascii(data, n)) return stl_read_ascii(name, data, n, m, err);
    if (n >= 84) return stl_read_binary(name, data, n, m, err);  /* reports the size mismatch */
    return err_at(err, name, 0, 0, SL_ERR_SYNTAX, "not an STL file (%zu bytes, no 'solid' header)", n);
}

/* ---- OBJ ---------------------------------------------------------------------- */
static sl_status obj_read(const char *name, const char *data, size_t n, mesh *m, sl_err *err) {
    text_cur c;
    tc_init(&c, name, data, n);
    sl_status st = SL_OK;
    long long *poly = NULL;
    size_t cap_poly = 0;
    uint32_t *tri_line = NULL;   /* line of each triangle, for errors found at the end */
    size_t cap_tl = 0;
    /* faces are checked after reading: an index may name a vertex defined later */
    uint32_t bad_line = 0, bad_col = 0;
    long long bad_idx = 0;
    while (c.p < c.end && !st) {
        tc_skip_blank(&c);
        if (tc_at_eol(&c) || *c.p == '#') { tc_next_line(&c); continue; }
        size_t tl = tc_tok_len(&c);
        if (tl == 1 && *c.p == 'v') {
            c.p++;
            double x[3];
            for (int k = 0; k < 3; k++) {
                tc_skip_blank(&c);
                if (tc_double(&c, &x[k])) {
                    st = err_at(err, name, c.line, tc_col(&c, c.p), SL_ERR_SYNTAX,
                                "OBJ: expected a finite coordinate after 'v'");
                    break;
                }
            }
            if (st) break;
            if (m->n_verts >= UINT32_MAX - 1 || mesh_add_vert(m, x[0], x[1], x[2]) < 0) {
                st = err_at(err, name, c.line, 1, SL_ERR_NOMEM, "out of memory");
                break;
            }
        } else if (tl == 1 && *c.p == 'f') {
            c.p++;
            size_t k = 0;
            uint32_t line = c.line;
            for (;;) {
                tc_skip_blank(&c);
                if (tc_at_eol(&c) || *c.p == '#') break;
                const char *at = c.p;
                /* a/b/c: only the first number matters */
                const char *q = c.p;
                while (q < c.end && !isspace((unsigned char)*q) && *q != '/') q++;
                text_cur sub = c;
                sub.end = q;
                long long idx;
                if (tc_long(&sub, &idx) || idx == 0) {
                    st = err_at(err, name, c.line, tc_col(&c, at), SL_ERR_SYNTAX,
                                "OBJ: expected a non-zero vertex index in 'f'");
                    break;
                }
                while (c.p < c.end && !isspace((unsigned char)*c.p)) c.p++;
                if (idx < 0) idx += (long long)m->n_verts;  /* relative: -1 = last vertex */
                else idx -= 1;
                if (idx < 0 && !bad_line) { bad_line = line; bad_col = tc_col(&c, at); bad_idx = idx; }
                if (k == cap_poly) {
                    if (cap_poly >= POLY_MAX_VERTS) {
                        st = err_at(err, name, c.line, tc_col(&c, at), SL_ERR_LIMIT,
                                    "OBJ: face with more than %d vertices", POLY_MAX_VERTS);
                        break;
                    }
                    size_t nc = cap_poly ? cap_poly * 2 : 16;
                    long long *np = realloc(poly, nc * sizeof *np);
                    if (!np) { st = err_at(err, name, c.line, 1, SL_ERR_NOMEM, "out of memory"); break; }
                    poly = np;
                    cap_poly = nc;
                }
                poly[k++] = idx;
            }
            if (st) break;
            if (k < 3) {
                st = err_at(err, name, line, 1, SL_ERR_SYNTAX, "OBJ: face with fewer than 3 vertices");
                break;
            }
            for (size_t j = 1; j + 1 < k; j++) {
                for (int e = 0; e < 3; e++) {
                    long long v = e == 0 ? poly[0] : poly[j + (size_t)e - 1];
                    if ((v < 0 || v >= (long long)UINT32_MAX) && !bad_line) {
                        bad_line = line; bad_col = 1; bad_idx = v;
                    }
                }
                if (bad_line) continue;
                if (m->n_tris == cap_tl) {
                    size_t nc = cap_tl ? cap_tl * 2 : 256;
                    uint32_t *nt = realloc(tri_line, nc * sizeof *nt);
                    if (!nt) { st = err_at(err, name, line, 1, SL_ERR_NOMEM, "out of memory"); break; }
                    tri_line = nt;
                    cap_tl = nc;
                }
                tri_line[m->n_tris] = line;
                if (mesh_add_tri(m, (uint32_t)poly[0], (uint32_t)poly[j], (uint32_t)poly[j + 1])) {
                    st = err_at(err, name, line, 1, SL_ERR_NOMEM, "out of memory");
                    break;
                }
            }
            if (st) break;
        }
        /* vn, vt, vp, l, o, g, s, usemtl, mtllib and unknown statements are ignored */
        tc_next_line(&c);
    }
    free(poly);
    if (!st && bad_line)
        st = err_at(err, name, bad_line, bad_col, SL_ERR_INVALID, "OBJ: vertex index %lld out of range",
                    bad_idx + 1);
    for (size_t t = 0; !st && t < 3 * m->n_tris; t++)
        if (m->tris[t] >= m->n_verts)
            st = err_at(err, name, tri_line[t / 3], 1, SL_ERR_INVALID,
                        "OBJ: face uses vertex %u but the file defines only %zu vertices", m->tris[t] + 1,
                        m->n_verts);
    free(tri_line);
    return st;
}

/* ---- XYZ ---------------------------------------------------------------------- */
static sl_status xyz_read(const char *name, const char *data, size_t n, mesh *m, sl_err *err) {
    text_cur c;
    tc_init(&c, name, data, n);
    while (c.p < c.end) {
        tc_skip_blank(&c);
        if (tc_at_eol(&c) || *c.p == '#' || *c.p == '/') { tc_next_line(&c); continue; }
        double x[3];
        for (int k = 0; k < 3; k++) {
            tc_skip_blank(&c);
            /* allow comma separators */
            if (k > 0 && c.p < c.end && *c.p == ',') { c.p++; tc_skip_blank(&c); }
            const char *q = c.p;
            while (q < c.end && !isspace((unsigned char)*q) && *q != ',') q++;
            text_cur sub = c;
            sub.end = q;
            if (tc_double(&sub, &x[k]))
                return err_at(err, name, c.line, tc_col(&c, c.p), SL_ERR_SYNTAX,
                              "XYZ: expected 3 finite coordinates per line");
            c.p = q;
        }
        if (mesh_add_vert(m, x[0], x[1], x[2]) < 0 || m->n_verts >= UINT32_MAX)
            return err_at(err, name, c.line, 1, SL_ERR_NOMEM, "out of memory");
        tc_next_line(&c);  /* extra columns (normals, colours) are ignored */
    }
    if (m->n_verts == 0) return err_at(err, name, 0, 0, SL_ERR_INVALID, "XYZ: no points");
    return SL_OK;
}

/* ---- PLY ---------------------------------------------------------------------- */
typedef enum ply_type { PT_NONE, PT_I8, PT_U8, PT_I16, PT_U16, PT_I32, PT_U32, PT_F32, PT_F64 } ply_type;
static const int ply_type_size[] = {0, 1, 1, 2, 2, 4, 4, 4, 8};

static ply_type ply_type_parse(const char *s, size_t n) {
    static const struct { const char *name; ply_type t; } names[] = {
        {"char", PT_I8}, {"int8", PT_I8}, {"uchar", PT_U8}, {"uint8", PT_U8},
        {"short", PT_I16}, {"int16", PT_I16}, {"ushort", PT_U16}, {"uint16", PT_U16},
        {"int", PT_I32}, {"int32", PT_I32}, {"uint", PT_U32}, {"uint32", PT_U32},
        {"float", PT_F32}, {"float32", PT_F32}, {"double", PT_F64}, {"float64", PT_F64}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == n && !strncmp(s, names[i].name, n)) return names[i].t;
    return PT_NONE;
}

typedef struct ply_prop {
    char name[32];
    ply_type type;        /* scalar type, or item type of a list */
    ply_type count_type;  /* PT_NONE for scalars */
} ply_prop;

typedef struct ply_elem {
    char name[32];
    uint64_t count;
    ply_prop props[PLY_MAX_PROPS];
    int n_props;
} ply_elem;

enum { PLY_ASCII, PLY_LE, PLY_BE };

static double ply_bin_value(const unsigned char *p, ply_type t, int be) {
    unsigned char b[8];
    int s = ply_type_size[t];
    for (int i = 0; i < s; i++) b[i] = be ? p[s - 1 - i] : p[i];
    switch (t) {
    case PT_I8: return (double)(int8_t)b[0];
    case PT_U8: return (double)b[0];
    case PT_I16: { int16_t v; memcpy(&v, b, 2); return v; }
    case PT_U16: { uint16_t v; memcpy(&v, b, 2); return v; }
    case PT_I32: { int32_t v; memcpy(&v, b, 4); return v; }
    case PT_U32: { uint32_t v; memcpy(&v, b, 4); return v; }
    case PT_F32: { float v; memcpy(&v, b, 4); return v; }
    case PT_F64: { double v; memcpy(&v, b, 8); return v; }
    default: return 0;
    }
}

/* Reads faces one polygon at a time, fan-triangulated, indices checked later. */
static sl_status ply_add_poly(mesh *m, const double *idx, size_t k, const char *name, uint32_t line,
                              uint64_t elem_i, sl_err *err) {
    if (k < 3) return SL_OK;  /* degenerate polygons (points, edges) are skipped */
    for (size_t j = 0; j < k; j++)
        if (!(idx[j] >= 0 && idx[j] < 4294967295.0) || idx[j] != floor(idx[j]))
            return err_at(err, name, line, 0, SL_ERR_INVALID, "PLY: face %llu has an invalid vertex index",
                          (unsigned long long)elem_i);
    for (size_t j = 1; j + 1 < k; j++)
        if (mesh_add_tri(m, (uint32_t)idx[0], (uint32_t)idx[j], (uint32_t)idx[j + 1]))
            return err_at(err, name, 0, 0, SL_ERR_NOMEM, "out of memory");
    return SL_OK;
}

static int ply_is_face_list(const ply_elem *e, int p) {
    return !strcmp(e->name, "face") && e->props[p].count_type != PT_NONE &&
           (!strcmp(e->props[p].name, "vertex_indices") || !strcmp(e->props[p].name, "vertex_index"));
}

static sl_status ply_read(const char *name, const char *data, size_t n, mesh *m, sl_err *err) {
    text_cur c;
    tc_init(&c, name, data, n);
    if (!tc_tok_is(&c, "ply")) return err_at(err, name, 1, 1, SL_ERR_SYNTAX, "PLY: missing 'ply' magic");
    tc_next_line(&c);
    int format = -1;
    ply_elem *elems = NULL;
    int n_elems = 0, cap_elems = 0;
    sl_status st = SL_OK;
    int header_done = 0;
    while (c.p < c.end && !st) {
        tc_skip_blank(&c);
        if (tc_at_eol(&c)) { tc_next_line(&c); continue; }
        const char *kw = c.p;
        size_t kl = tc_tok_len(&c);
        c.p += kl;
        tc_skip_blank(&c);
        if (kl == 6 && !strncmp(kw, "format", 6)) {
            if (tc_tok_is(&c, "ascii")) format = PLY_ASCII;
            else if (tc_tok_is(&c, "binary_little_endian")) format = PLY_LE;
            else if (tc_tok_is(&c, "binary_big_endian")) format = PLY_BE;
            else st = err_at(err, name, c.line, tc_col(&c, c.p), SL_ERR_SYNTAX, "PLY: unknown format");
        } else if ((kl == 7 && !strncmp(kw, "comment", 7)) || (kl == 8 && !strncmp(kw, "obj_info", 8))) {
            /* ignored */
        } else if (kl == 7 && !strncmp(kw, "element", 7)) {
            if (n_elems == cap_elems) {
                if (cap_elems >= 256) {
                    st = err_at(err, name, c.line, 1, SL_ERR_LIMIT, "PLY: too many elements");
                    break;
                }
                int nc = cap_elems ? cap_elems * 2 : 4;
                ply_elem *ne = realloc(elems, (size_t)nc * sizeof *ne);
                if (!ne) { st = err_at(err, name, c.line, 1, SL_ERR_NOMEM, "out of memory"); break; }
                elems = ne;
                cap_elems = nc;
            }
            ply_elem *e = &elems[n_elems++];
            memset(e, 0, sizeof *e);
            size_t nl = tc_tok_len(&c);
            snprintf(e->name, sizeof e->name, "%.*s", (int)(nl < 31 ? nl : 31), c.p);
            c.p += nl;
            tc_skip_blank(&c);
            long long cnt;
            if (tc_long(&c, &cnt) || cnt < 0)
                st = err_at(err, name, c.line, tc_col(&c, c.p), SL_ERR_SYNTAX, "PLY: bad element count");
            else
                e->count = (uint64_t)cnt;
        } else if (kl == 8 && !strncmp(kw, "property", 8)) {
            if (!n_elems) { st = err_at(err, name, c.line, 1, SL_ERR_SYNTAX, "PLY: property before element"); break; }
            ply_elem *e = &elems[n_elems - 1];
            if (e->n_props == PLY_MAX_PROPS) {
                st = err_at(err, name, c.line, 1, SL_ERR_LIMIT, "PLY: too many properties");
                break;
            }
            ply_prop *pr = &e->props[e->n_props];
            memset(pr, 0, sizeof *pr);
            if (tc_tok_is(&c, "list")) {
                c.p += 4;
                tc_skip_blank(&c);
                pr->count_type = ply_type_parse(c.p, tc_tok_len(&c));
                c.p += tc_tok_len(&c);
                tc_skip_blank(&c);
                if (pr->count_type == PT_NONE || pr->count_type == PT_F32 || pr->count_type == PT_F64) {
                    st = err_at(err, name, c.line, tc_col(&c, c.p), SL_ERR_SYNTAX, "PLY: bad list count type");
                    break;
                }
            }
            const char *tp = c.p;
            pr->type = ply_type_parse(c.p, tc_tok_len(&c));
            c.p += tc_tok_len(&c);
            tc_skip_blank(&c);
            size_t nl = tc_tok_len(&c);
            if (pr->type == PT_NONE || nl == 0) {
                st = err_at(err, name, c.line, tc_col(&c, tp), SL_ERR_SYNTAX, "PLY: bad property declaration");
                break;
            }
            snprintf(pr->name, sizeof pr->name, "%.*s", (int)(nl < 31 ? nl : 31), c.p);
            e->n_props++;
        } else if (kl == 10 && !strncmp(kw, "end_header", 10)) {
            tc_next_line(&c);
            header_done = 1;
            break;
        } else {
            st = err_at(err, name, c.line, tc_col(&c, kw), SL_ERR_SYNTAX, "PLY: unknown header keyword '%.*s'",
                        (int)(kl < 40 ? kl : 40), kw);
        }
        if (!st) tc_next_line(&c);
    }
    if (!st && !header_done) st = err_at(err, name, c.line, 1, SL_ERR_SYNTAX, "PLY: missing end_header");
    if (!st && format < 0) st = err_at(err, name, 0, 0, SL_ERR_SYNTAX, "PLY: missing format line");
    /* locate vertex x/y/z (and normals) */
    int vx[3] = {-1, -1, -1}, vn[3] = {-1, -1, -1}, vert_elem = -1;
    for (int i = 0; i < n_elems && !st; i++) {
        if (strcmp(elems[i].name, "vertex")) continue;
        vert_elem = i;
        for (int p = 0; p < elems[i].n_props; p++) {
            const ply_prop *pr = &elems[i].props[p];
            if (pr->count_type != PT_NONE) continue;
            static const char *xyz[3] = {"x", "y", "z"}, *nxyz[3] = {"nx", "ny", "nz"};
            for (int k = 0; k < 3; k++) {
                if (!strcmp(pr->name, xyz[k])) vx[k] = p;
                if (!strcmp(pr->name, nxyz[k])) vn[k] = p;
            }
        }
    }
    if (!st && (vert_elem < 0 || vx[0] < 0 || vx[1] < 0 || vx[2] < 0))
        st = err_at(err, name, 0, 0, SL_ERR_INVALID, "PLY: no 'vertex' element with x, y, z");
    int has_normals = vn[0] >= 0 && vn[1] >= 0 && vn[2] >= 0;
    if (!st && elems[vert_elem].count > UINT32_MAX - 1)
        st = err_at(err, name, 0, 0, SL_ERR_LIMIT, "PLY: too many vertices");
    /* every value takes at least one byte (binary) or two (ascii: digit + separator) */
    for (int i = 0; i < n_elems && !st; i++)
        if (elems[i].n_props && elems[i].count > (uint64_t)(c.end - c.p) / (format == PLY_ASCII ? 2u : 1u))
            st = err_at(err, name, 0, 0, SL_ERR_SYNTAX, "PLY: element '%s' declares %llu items but the file is too short",
                        elems[i].name, (unsigned long long)elems[i].count);
    double *normals = NULL;
    if (!st && has_normals && elems[vert_elem].count) {
        normals = malloc((size_t)elems[vert_elem].count * 3 * sizeof *normals);
        if (!normals) st = err_at(err, name, 0, 0, SL_ERR_NOMEM, "out of memory");
    }
    double vals[PLY_MAX_PROPS];
    double *poly = NULL;
    size_t cap_poly = 0;
    const unsigned char *bp = (const unsigned char *)c.p, *bend = (const unsigned char *)c.end;
    int be = format == PLY_BE;
    for (int i = 0; i < n_elems && !st; i++) {
        ply_elem *e = &elems[i];
        for (uint64_t r = 0; r < e->count && !st; r++) {
            uint32_t line = c.line;
            for (int p = 0; p < e->n_props && !st; p++) {
                ply_prop *pr = &e->props[p];
                int is_face = ply_is_face_list(e, p);
                if (pr->count_type == PT_NONE) {
                    if (format == PLY_ASCII) {
                        tc_skip_ws(&c);
                        if (tc_double(&c, &vals[p]))
                            st = err_at(err, name, c.line, tc_col(&c, c.p), SL_ERR_SYNTAX,
                                        "PLY: expected a number for '%s'", pr->name);
                    } else {
                        int s = ply_type_size[pr->type];
                        if (bend - bp < s) {
                            st = err_at(err, name, 0, 0, SL_ERR_SYNTAX, "PLY: unexpected end of data in element '%s' %llu",
                                        e->name, (unsigned long long)r);
                            break;
                        }
                        vals[p] = ply_bin_value(bp, pr->type, be);
                        bp += s;
                    }
                    continue;
                }
                /* list */
                double cnt_d;
                if (format == PLY_ASCII) {
                    tc_skip_ws(&c);
                    if (tc_double(&c, &cnt_d)) {
                        st = err_at(err, name, c.line, tc_col(&c, c.p), SL_ERR_SYNTAX, "PLY: expected a list count");
                        break;
                    }
                } else {
                    int s = ply_type_size[pr->count_type];
                    if (bend - bp < s) { st = err_at(err, name, 0, 0, SL_ERR_SYNTAX, "PLY: unexpected end of data"); break; }
                    cnt_d = ply_bin_value(bp, pr->count_type, be);
                    bp += s;
                }
                if (!(cnt_d >= 0 && cnt_d <= POLY_MAX_VERTS) || cnt_d != floor(cnt_d)) {
                    st = err_at(err, name, format == PLY_ASCII ? c.line : 0, 0, SL_ERR_INVALID,
                                "PLY: bad list length in element '%s' %llu", e->name, (unsigned long long)r);
                    break;
                }
                size_t k = (size_t)cnt_d;
                if (k > cap_poly) {
                    double *np = realloc(poly, k * sizeof *np);
                    if (!np) { st = err_at(err, name, 0, 0, SL_ERR_NOMEM, "out of memory"); break; }
                    poly = np;
                    cap_poly = k;
                }
                for (size_t j = 0; j < k && !st; j++) {
                    if (format == PLY_ASCII) {
                        tc_skip_ws(&c);
                        if (tc_double(&c, &poly[j]))
                            st = err_at(err, name, c.line, tc_col(&c, c.p), SL_ERR_SYNTAX, "PLY: expected a list item");
                    } else {
                        int s = ply_type_size[pr->type];
                        if (bend - bp < s) { st = err_at(err, name, 0, 0, SL_ERR_SYNTAX, "PLY: unexpected end of data"); break; }
                        poly[j] = ply_bin_value(bp, pr->type, be);
                        bp += s;
                    }
                }
                if (!st && is_face) st = ply_add_poly(m, poly, k, name, line, r, err);
            }
            if (st) break;
            if (i == vert_elem) {
                double x = vals[vx[0]], y = vals[vx[1]], z = vals[vx[2]];
                if (!isfinite(x) || !isfinite(y) || !isfinite(z)) {
                    st = err_at(err, name, format == PLY_ASCII ? line : 0, 0, SL_ERR_INVALID,
                                "PLY: vertex %llu has a non-finite coordinate", (unsigned long long)r);
                    break;
                }
                if (mesh_add_vert(m, x, y, z) < 0) { st = err_at(err, name, 0, 0, SL_ERR_NOMEM, "out of memory"); break; }
                if (normals)
                    for (int k = 0; k < 3; k++) normals[3 * r + (uint64_t)k] = vals[vn[k]];
            }
            if (format == PLY_ASCII) {
                tc_skip_blank(&c);
                if (!tc_at_eol(&c))
                    st = err_at(err, name, c.line, tc_col(&c, c.p), SL_ERR_SYNTAX,
                                "PLY: extra values at the end of element '%s' %llu", e->name, (unsigned long long)r);
                else
                    tc_next_line(&c);
            }
        }
    }
    free(poly);
    free(elems);
    if (!st)
        for (size_t t = 0; t < 3 * m->n_tris; t++)
            if (m->tris[t] >= m->n_verts) {
                st = err_at(err, name, 0, 0, SL_ERR_INVALID,
                            "PLY: face %zu uses vertex %u but there are only %zu vertices", t / 3, m->tris[t],
                            m->n_verts);
                break;
            }
    if (!st && m->n_verts == 0) st = err_at(err, name, 0, 0, SL_ERR_INVALID, "PLY: no vertices");
    if (!st && normals) { m->normals = normals; normals = NULL; }
    free(normals);
    return st;
}

/* ---- entry points --------------------------------------------------------------- */
static mesh_format sniff(const char *data, size_t n) {
    if (n >= 3 && !strncmp(data, "ply", 3)) return MESH_FMT_PLY;
    if (stl_is_binary(data, n)) return MESH_FMT_STL;
    const char *e = data + n;
    if (stl_looks_ascii(data, n)) return MESH_FMT_STL;
    /* OBJ if any line starts with "v " or "f " */
    for (const char *q = data; q + 1 < e; q++)
        if ((q == data || q[-1] == '\n') && (q[0] == 'v' || q[0] == 'f') && (q[1] == ' ' || q[1] == '\t'))
            return MESH_FMT_OBJ;
    return MESH_FMT_XYZ;
}

sl_status mesh_read_mem(const char *name, const char *data, size_t n, mesh_format fmt, mesh *out,
                        sl_err *err) {
    if (!out || (!data && n)) return sl_err_set(err, SL_ERR_ARG, "mesh_read_mem: NULL argument");
    if (!name) name = "<memory>";
    mesh_init(out);
    if (fmt == MESH_FMT_AUTO) fmt = mesh_format_from_path(name);
    if (fmt == MESH_FMT_AUTO) fmt = sniff(data ? data : "", n);
    if (!data) data = "";
    sl_status st;
    switch (fmt) {
    case MESH_FMT_STL: st = stl_read(name, data, n, out, err); break;
    case MESH_FMT_STL_ASCII: st = stl_read_ascii(name, data, n, out, err); break;
    case MESH_FMT_OBJ: st = obj_read(name, data, n, out, err); break;
    case MESH_FMT_PLY: st = ply_read(name, data, n, out, err); break;
    case MESH_FMT_XYZ: st = xyz_read(name, data, n, out, err); break;
    default: st = err_at(err, name, 0, 0, SL_ERR_ARG, "unknown mesh format"); break;
    }
    if (st == SL_OK && out->n_verts == 0) st = err_at(err, name, 0, 0, SL_ERR_INVALID, "no vertices");
    if (st != SL_OK) mesh_release(out);
    return st;
}

sl_status mesh_read_file(const char *path, mesh_format fmt, mesh *out, sl_err *err) {
    if (!path || !out) return sl_err_set(err, SL_ERR_ARG, "mesh_read_file: NULL argument");
    mesh_init(out);
    char *data = NULL;
    size_t n = 0;
    sl_status st = sl_file_read(path, &data, &n, MESH_READ_MAX_BYTES, err);
    if (st != SL_OK) return st;
    st = mesh_read_mem(path, data, n, fmt, out, err);
    free(data);
    return st;
}
