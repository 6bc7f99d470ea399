/* test_mesh_read.c - the mesh readers: the same shape through every format gives the
 * same indexed mesh (STL vertices welded), the reference shapes written by Open3D read
 * back with the vertex/triangle counts and bounding boxes of their manifest, and bad
 * input gives a located error instead of a crash. */
#include "test.h"
#include "steplm/mesh.h"

#include <sys/stat.h>

#define SHAPES "../shared/data/metrics/shapes"

static sl_status rd(const char *name, const char *text, mesh *m, sl_err *e) {
    memset(e, 0, sizeof *e);
    return mesh_read_mem(name, text, strlen(text), MESH_FMT_AUTO, m, e);
}

/* unit tetrahedron in several formats */
static const char *tet_obj =
    "# tetrahedron\nv 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nvn 0 0 1\nf 1 3 2\nf 1//1 2//1 4//1\nf 1/1/1 4/1/1 3/1/1\nf -3 -2 -1\n";
static const char *tet_stl =
    "solid tet\n facet normal 0 0 -1\n  outer loop\n   vertex 0 0 0\n   vertex 0 1 0\n   vertex 1 0 0\n  endloop\n endfacet\n"
    " facet normal 0 -1 0\n  outer loop\n   vertex 0 0 0\n   vertex 1 0 0\n   vertex 0 0 1\n  endloop\n endfacet\n"
    " facet normal -1 0 0\n  outer loop\n   vertex 0 0 0\n   vertex 0 0 1\n   vertex 0 1 0\n  endloop\n endfacet\n"
    " facet normal 1 1 1\n  outer loop\n   vertex 1 0 0\n   vertex 0 1 0\n   vertex 0 0 1\n  endloop\n endfacet\nendsolid tet\n";
static const char *tet_ply =
    "ply\nformat ascii 1.0\ncomment made by hand\nelement vertex 4\nproperty float x\nproperty float y\n"
    "property float z\nelement face 2\nproperty list uchar int vertex_indices\nend_header\n"
    "0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 2 1\n4 0 1 3 2\n";

static void put_f32le(unsigned char *p, float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    for (int k = 0; k < 4; k++) p[k] = (unsigned char)(u >> (8 * k));
}
static void put_be(unsigned char *p, const void *v, int n) {
    const unsigned char *s = v;
    for (int k = 0; k < n; k++) p[k] = s[n - 1 - k];  /* host is little-endian */
}

int main(void) {
    mesh m;
    sl_err e;
    CHECK(rd("t.obj", tet_obj, &m, &e) == SL_OK);
    CHECK_EQ_INT(m.n_verts, 4);
    CHECK_EQ_INT(m.n_tris, 4);
    CHECK_EQ_INT(m.tris[9], 1);   /* f -3 -2 -1 -> 1 2 3 (0-based) */
    CHECK_EQ_INT(m.tris[11], 3);
    mesh_release(&m);
    CHECK(rd("t.stl", tet_stl, &m, &e) == SL_OK);
    CHECK_EQ_INT(m.n_verts, 4);   /* 12 corners welded to 4 */
    CHECK_EQ_INT(m.n_tris, 4);
    mesh_release(&m);
    CHECK(rd("t.ply", tet_ply, &m, &e) == SL_OK);
    CHECK_EQ_INT(m.n_verts, 4);
    CHECK_EQ_INT(m.n_tris, 3);    /* a triangle and a quad split in two */
    mesh_release(&m);
    /* binary STL with the same 4 triangles, header starting with "solid" (as some exporters do) */
    {
        unsigned char buf[84 + 4 * 50];
        memset(buf, 0, sizeof buf);
        memcpy(buf, "solid binary but really binary", 30);
        buf[80] = 4;
        const float tri[4][9] = {{0, 0, 0, 0, 1, 0, 1, 0, 0}, {0, 0, 0, 1, 0, 0, 0, 0, 1},
                                 {0, 0, 0, 0, 0, 1, 0, 1, 0}, {1, 0, 0, 0, 1, 0, 0, 0, 1}};
        for (int t = 0; t < 4; t++)
            for (int k = 0; k < 9; k++) put_f32le(buf + 84 + 50 * t + 12 + 4 * k, tri[t][k]);
        CHECK(mesh_read_mem("b.stl", (const char *)buf, sizeof buf, MESH_FMT_AUTO, &m, &e) == SL_OK);
        CHECK_EQ_INT(m.n_verts, 4);
        CHECK_EQ_INT(m.n_tris, 4);
        mesh_release(&m);
        /* -0.0 welds with +0.0 */
        put_f32le(buf + 84 + 12, -0.0f);
        CHECK(mesh_read_mem("b.stl", (const char *)buf, sizeof buf, MESH_FMT_AUTO, &m, &e) == SL_OK);
        CHECK_EQ_INT(m.n_verts, 4);
        mesh_release(&m);
        /* NaN coordinate: error */
        put_f32le(buf + 84 + 16, NAN);
        CHECK(mesh_read_mem("b.stl", (const char *)buf, sizeof buf, MESH_FMT_AUTO, &m, &e) == SL_ERR_INVALID);
        /* truncated binary: size mismatch error */
        CHECK(mesh_read_mem("b.stl", (const char *)buf, sizeof buf - 7, MESH_FMT_STL, &m, &e) == SL_ERR_SYNTAX);
        CHECK(strstr(e.msg, "declares 4 triangles") != NULL);
    }
    /* binary big-endian PLY, doubles + uint faces, plus an extra element and a normal */
    {
        const char *hdr = "ply\nformat binary_big_endian 1.0\nelement vertex 3\nproperty double x\nproperty double y\n"
                          "property double z\nproperty float nx\nproperty float ny\nproperty float nz\n"
                          "element face 1\nproperty list uchar uint vertex_indices\nelement junk 1\nproperty short s\nend_header\n";
        unsigned char buf[512];
        size_t h = strlen(hdr), o = h;
        memcpy(buf, hdr, h);
        double V[3][3] = {{0, 0, 0}, {2, 0, 0}, {0, 3, 0}};
        for (int i = 0; i < 3; i++) {
            for (int k = 0; k < 3; k++) { put_be(buf + o, &V[i][k], 8); o += 8; }
            float nz[3] = {0, 0, 1};
            for (int k = 0; k < 3; k++) { put_be(buf + o, &nz[k], 4); o += 4; }
        }
        buf[o++] = 3;
        for (uint32_t i = 0; i < 3; i++) { put_be(buf + o, &i, 4); o += 4; }
        buf[o++] = 0; buf[o++] = 7;
        CHECK(mesh_read_mem("be.ply", (const char *)buf, o, MESH_FMT_AUTO, &m, &e) == SL_OK);
        CHECK_EQ_INT(m.n_verts, 3);
        CHECK_EQ_INT(m.n_tris, 1);
        CHECK(m.n_verts == 3 && m.verts[3] == 2 && m.verts[7] == 3);
        CHECK(m.normals && m.normals[2] == 1);
        mesh_release(&m);
        /* one byte short */
        CHECK(mesh_read_mem("be.ply", (const char *)buf, o - 1, MESH_FMT_AUTO, &m, &e) == SL_ERR_SYNTAX);
    }
    /* point clouds: PLY without faces, XYZ */
    CHECK(rd("p.ply", "ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\nproperty float z\n"
                      "end_header\n1 2 3\n4 5 6\n", &m, &e) == SL_OK);
    CHECK(m.n_verts == 2 && m.n_tris == 0);
    mesh_release(&m);
    CHECK(rd("p.xyz", "# cloud\n1 2 3\n4,5,6\n\n7 8 9 0.1 0.2 0.3\n", &m, &e) == SL_OK);
    CHECK(m.n_verts == 3 && m.verts[5] == 6 && m.verts[8] == 9);
    mesh_release(&m);
    /* located errors */
    CHECK(rd("bad.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n", &m, &e) == SL_ERR_INVALID);
    CHECK(e.line == 4);
    CHECK(rd("bad.obj", "v 0 0 0\nv 1 x 0\n", &m, &e) == SL_ERR_SYNTAX);
    CHECK(e.line == 2 && e.col == 5);
    char line[1024];
    sl_err_format(&e, line, sizeof line);
    CHECK(!strncmp(line, "bad.obj:2:5: error:", 19));
    CHECK(rd("bad.stl", "solid x\n facet normal 0 0 1\n  outer loop\n   vertex 0 0 0\n   vertex 1 0\n", &m, &e) ==
          SL_ERR_SYNTAX);
    CHECK(e.line == 6 || e.line == 5);
    CHECK(rd("bad.ply", "ply\nformat ascii 1.0\nelement vertex 1000000000\nproperty float x\nproperty float y\n"
                        "property float z\nend_header\n1 2 3\n", &m, &e) == SL_ERR_SYNTAX);
    CHECK(rd("bad.ply", "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nend_header\n1\n", &m, &e) ==
          SL_ERR_INVALID);
    CHECK(rd("bad.xyz", "1 2\n", &m, &e) == SL_ERR_SYNTAX);
    CHECK(e.line == 1);
    CHECK(mesh_format_from_path("a/b.c/X.PLY") == MESH_FMT_PLY);
    CHECK(mesh_format_from_path("a.b/noext") == MESH_FMT_AUTO);
    CHECK(mesh_read_file("/nonexistent/x.stl", MESH_FMT_AUTO, &m, &e) == SL_ERR_IO);

    /* Open3D-written reference shapes: PLY (indexed) and STL (welded) agree with the manifest */
    struct stat st;
    if (stat(SHAPES "/manifest.json", &st) != 0) TEST_SKIP("reference shapes not found");
    const struct { const char *name; size_t nv, nt; double hi[3]; } ref[] = {
        {"box", 8, 12, {20, 10, 5}}, {"lbracket", 12, 20, {30, 20, 12}}, {"sphere", 3122, 6240, {10, 10, 10}}};
    for (size_t i = 0; i < sizeof ref / sizeof *ref; i++) {
        for (int f = 0; f < 2; f++) {
            char path[256];
            snprintf(path, sizeof path, SHAPES "/%s.%s", ref[i].name, f ? "stl" : "ply");
            CHECK_MSG(mesh_read_file(path, MESH_FMT_AUTO, &m, &e) == SL_OK, "%s: %s", path, e.msg);
            CHECK_MSG(m.n_verts == ref[i].nv && m.n_tris == ref[i].nt, "%s: %zu verts %zu tris", path, m.n_verts,
                      m.n_tris);
            double mx[3] = {-1e300, -1e300, -1e300};
            for (size_t v = 0; v < m.n_verts; v++)
                for (int k = 0; k < 3; k++) mx[k] = fmax(mx[k], m.verts[3 * v + k]);
            for (int k = 0; k < 3; k++) CHECK_NEAR(mx[k], ref[i].hi[k], 1e-5);
            mesh_release(&m);
        }
    }
    return test_finish("mesh_read");
}
