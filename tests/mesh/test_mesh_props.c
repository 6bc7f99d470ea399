/* test_mesh_props.c - mesh properties on meshes built by hand (unit cube: area 6,
 * volume 1, genus 0; a closed triangulated torus grid: genus 1; two of them:
 * 2 components, genus 2; an open or inconsistently oriented mesh is not
 * watertight) and the writers (binary STL size 84 + 50 n, ASCII STL / OBJ / PLY
 * element counts). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "steplm/mesh.h"
#include "test.h"

static void cube(mesh *m, double ox) {
    uint32_t b = (uint32_t)m->n_verts;
    for (int i = 0; i < 8; i++) mesh_add_vert(m, ox + (i & 1), (i >> 1) & 1, (i >> 2) & 1);
    static const int q[6][4] = {{0, 2, 3, 1}, {4, 5, 7, 6}, {0, 1, 5, 4}, {2, 6, 7, 3}, {0, 4, 6, 2}, {1, 3, 7, 5}};
    for (int f = 0; f < 6; f++) {
        mesh_add_tri(m, b + q[f][0], b + q[f][1], b + q[f][2]);
        mesh_add_tri(m, b + q[f][0], b + q[f][2], b + q[f][3]);
    }
}

static void torus(mesh *m, double ox, int nu, int nv) {
    uint32_t b = (uint32_t)m->n_verts;
    for (int i = 0; i < nu; i++)
        for (int j = 0; j < nv; j++) {
            double u = 2 * M_PI * i / nu, v = 2 * M_PI * j / nv, rho = 3 + cos(v);
            mesh_add_vert(m, ox + rho * cos(u), rho * sin(u), sin(v));
        }
    for (int i = 0; i < nu; i++)
        for (int j = 0; j < nv; j++) {
            uint32_t a = b + (uint32_t)(i * nv + j), c = b + (uint32_t)(((i + 1) % nu) * nv + j);
            uint32_t d = b + (uint32_t)(((i + 1) % nu) * nv + (j + 1) % nv), e = b + (uint32_t)(i * nv + (j + 1) % nv);
            mesh_add_tri(m, a, c, d);
            mesh_add_tri(m, a, d, e);
        }
}

static size_t count_lines(const char *path, const char *prefix) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[512];
    size_t n = 0;
    while (fgets(line, sizeof line, f)) n += !strncmp(line, prefix, strlen(prefix));
    fclose(f);
    return n;
}

int main(void) {
    mesh m;
    mesh_props p;
    mesh_init(&m);
    cube(&m, 5);
    mesh_compute_props(&m, &p);
    CHECK_NEAR(p.area_mm2, 6, 1e-12);
    CHECK_NEAR(p.volume_mm3, 1, 1e-12);
    CHECK(p.watertight);
    CHECK_EQ_INT(p.euler, 2);
    CHECK_EQ_INT(p.genus, 0);
    CHECK_EQ_INT(p.n_components, 1);
    CHECK_NEAR(p.bbox_mm[0], 5, 0); CHECK_NEAR(p.bbox_mm[3], 6, 0); CHECK_NEAR(p.bbox_mm[5], 1, 0);

    /* writers */
    char dir[] = "/tmp/steplm_mesh_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    sl_err err = {0};
    snprintf(path, sizeof path, "%s/c.stl", dir);
    CHECK(mesh_write_file(&m, path, MESH_FMT_AUTO, &err) == SL_OK);
    FILE *f = fopen(path, "rb");
    long sz = -1;
    if (f) { fseek(f, 0, SEEK_END); sz = ftell(f); fclose(f); }
    CHECK_EQ_INT(sz, 84 + 50 * 12);
    unlink(path);
    snprintf(path, sizeof path, "%s/c_ascii.stl", dir);
    CHECK(mesh_write_file(&m, path, MESH_FMT_STL_ASCII, &err) == SL_OK);
    CHECK_EQ_INT(count_lines(path, "facet normal"), 12);
    CHECK_EQ_INT(count_lines(path, "vertex "), 36);
    unlink(path);
    snprintf(path, sizeof path, "%s/c.obj", dir);
    CHECK(mesh_write_file(&m, path, MESH_FMT_AUTO, &err) == SL_OK);
    CHECK_EQ_INT(count_lines(path, "v "), 8);
    CHECK_EQ_INT(count_lines(path, "f "), 12);
    unlink(path);
    snprintf(path, sizeof path, "%s/c.ply", dir);
    CHECK(mesh_write_file(&m, path, MESH_FMT_AUTO, &err) == SL_OK);
    CHECK_EQ_INT(count_lines(path, "element vertex 8"), 1);
    CHECK_EQ_INT(count_lines(path, "element face 12"), 1);
    unlink(path);
    snprintf(path, sizeof path, "%s/c.unknown", dir);
    CHECK(mesh_write_file(&m, path, MESH_FMT_AUTO, &err) == SL_ERR_ARG);
    rmdir(dir);

    /* a flipped triangle breaks consistent orientation */
    uint32_t t0 = m.tris[0];
    m.tris[0] = m.tris[1]; m.tris[1] = t0;
    mesh_compute_props(&m, &p);
    CHECK(!p.watertight);
    CHECK_EQ_INT(p.genus, -1);
    /* a missing triangle leaves three boundary edges */
    m.n_tris--;
    m.tris[1] = m.tris[0]; m.tris[0] = t0;
    mesh_compute_props(&m, &p);
    CHECK(!p.watertight);
    CHECK_EQ_INT(p.n_boundary_edges, 3);
    mesh_release(&m);

    /* torus grid: genus 1 (V - E + F = 0); two of them: genus 2, 2 components */
    mesh_init(&m);
    torus(&m, 0, 24, 12);
    mesh_compute_props(&m, &p);
    CHECK(p.watertight);
    CHECK_EQ_INT(p.euler, 0);
    CHECK_EQ_INT(p.genus, 1);
    CHECK(p.volume_mm3 > 0);
    torus(&m, 20, 16, 8);
    cube(&m, -10);
    mesh_compute_props(&m, &p);
    CHECK(p.watertight);
    CHECK_EQ_INT(p.n_components, 3);
    CHECK_EQ_INT(p.genus, 2);
    mesh_release(&m);
    return test_finish("mesh_props");
}
