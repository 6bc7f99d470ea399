/* test_mesh_weld.c - crack closing and orientation repair (mesh_weld.c) on
 * hand-built unit cubes whose faces do not share vertices, meet at T-junctions,
 * are turned the wrong way or carry a folded triangle pair. Expected values are
 * those of the unit cube: volume 1, area 6, watertight, genus 0. */
#include "steplm/mesh.h"
#include "test.h"

/* corners of the unit cube, faces as corner quads counter-clockwise from outside */
static const double C[8][3] = {{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0},
                               {0, 0, 1}, {1, 0, 1}, {1, 1, 1}, {0, 1, 1}};
static const int Q[6][4] = {{0, 3, 2, 1}, {4, 5, 6, 7}, {0, 1, 5, 4}, {2, 3, 7, 6}, {1, 2, 6, 5}, {0, 4, 7, 3}};

/* each face with its own four vertices, moved by up to `jit` */
static void cube_loose(mesh *m, double jit, int flip_face) {
    mesh_init(m);
    for (int f = 0; f < 6; f++) {
        long v[4];
        for (int k = 0; k < 4; k++) {
            const double *p = C[Q[f][k]];
            double d = jit * (double)((f * 4 + k) % 3 - 1);
            v[k] = mesh_add_vert(m, p[0] + d, p[1] - d, p[2] + 0.5 * d);
        }
        if (f == flip_face) {
            mesh_add_tri(m, (uint32_t)v[0], (uint32_t)v[2], (uint32_t)v[1]);
            mesh_add_tri(m, (uint32_t)v[0], (uint32_t)v[3], (uint32_t)v[2]);
        } else {
            mesh_add_tri(m, (uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2]);
            mesh_add_tri(m, (uint32_t)v[0], (uint32_t)v[2], (uint32_t)v[3]);
        }
    }
}

static void expect_cube(const mesh *m, const char *what) {
    mesh_props p;
    mesh_compute_props(m, &p);
    CHECK_MSG(p.watertight, "%s: %zu boundary, %zu non-manifold edges", what, p.n_boundary_edges,
              p.n_nonmanifold_edges);
    CHECK_MSG(fabs(p.volume_mm3 - 1) < 1e-3, "%s: volume %g", what, p.volume_mm3);
    CHECK_MSG(fabs(p.area_mm2 - 6) < 1e-3, "%s: area %g", what, p.area_mm2);
    CHECK_MSG(p.genus == 0, "%s: genus %ld", what, p.genus);
}

int main(void) {
    mesh m;
    mesh_props p;

    /* 1. duplicated corners 1e-5 apart: open before, closed after welding */
    cube_loose(&m, 1e-5, -1);
    mesh_compute_props(&m, &p);
    CHECK(!p.watertight && p.n_boundary_edges == 24);
    CHECK(mesh_close_cracks(&m, 0, 1e-3) > 0);
    expect_cube(&m, "welded");
    CHECK(m.n_tris == 12);
    mesh_release(&m);

    /* gaps wider than the tolerance stay open */
    cube_loose(&m, 1e-2, -1);
    CHECK(mesh_close_cracks(&m, 0, 1e-4) >= 0);
    mesh_compute_props(&m, &p);
    CHECK(!p.watertight);
    mesh_release(&m);

    /* 2. T-junction: the top face is split at the midpoint of its edge y = 0,
     * which the front face (y = 0) does not have */
    mesh_init(&m);
    for (int i = 0; i < 8; i++) mesh_add_vert(&m, C[i][0], C[i][1], C[i][2]);
    long mid = mesh_add_vert(&m, 0.5, 0, 1);
    for (int f = 0; f < 6; f++) {
        const int *q = Q[f];
        if (f == 1) {   /* top 4 5 6 7 with 8 = midpoint of 4-5 */
            mesh_add_tri(&m, 4, (uint32_t)mid, 7);
            mesh_add_tri(&m, (uint32_t)mid, 6, 7);
            mesh_add_tri(&m, (uint32_t)mid, 5, 6);
            continue;
        }
        mesh_add_tri(&m, (uint32_t)q[0], (uint32_t)q[1], (uint32_t)q[2]);
        mesh_add_tri(&m, (uint32_t)q[0], (uint32_t)q[2], (uint32_t)q[3]);
    }
    mesh_compute_props(&m, &p);
    CHECK(!p.watertight && p.n_boundary_edges == 3);
    CHECK(mesh_close_cracks(&m, 0, 1e-6) == 1);
    expect_cube(&m, "T-junction");
    CHECK(m.n_tris == 14);

    /* 3. a folded pair (one triangle and its reverse) is removed */
    mesh_add_tri(&m, 0, 1, 6);
    mesh_add_tri(&m, 6, 1, 0);
    mesh_compute_props(&m, &p);
    CHECK(!p.watertight);
    CHECK(mesh_close_cracks(&m, 0, 1e-6) == 2);
    expect_cube(&m, "fold");
    mesh_release(&m);

    /* 4. one face turned over: consistent again, volume positive */
    cube_loose(&m, 0, 3);
    CHECK(mesh_close_cracks(&m, 0, 1e-9) > 0);
    mesh_compute_props(&m, &p);
    CHECK(!p.watertight && p.n_boundary_edges == 0 && p.n_nonmanifold_edges == 0);
    CHECK(mesh_orient_range(&m, 0, 1) == 2);
    expect_cube(&m, "one face flipped");
    /* the whole cube as a void: every triangle turns, volume -1 */
    CHECK(mesh_orient_range(&m, 0, -1) == 12);
    mesh_compute_props(&m, &p);
    CHECK(p.watertight && fabs(p.volume_mm3 + 1) < 1e-9);
    mesh_release(&m);
    return test_finish("mesh_weld");
}
