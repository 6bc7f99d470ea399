/* test_iou.c - voxel IoU: a solid with itself is 1; two overlapping boxes give the
 * hand-computed 1/3; box vs the same box scaled x1.2 about its centre gives
 * 1000/1728 (ground truth of ../shared/data/metrics/shapes/manifest.json); a rigidly
 * moved copy brought back with the known inverse motion gives ~1; IoU under the best
 * alignment finds that motion itself; open meshes are refused. */
#include "test.h"
#include "metrics_test_util.h"
#include "steplm/metrics.h"

static void box_mesh(mesh *m, const double lo[3], const double hi[3]) {
    mesh_init(m);
    for (int i = 0; i < 8; i++)
        mesh_add_vert(m, i & 1 ? hi[0] : lo[0], i & 2 ? hi[1] : lo[1], i & 4 ? hi[2] : lo[2]);
    static const uint32_t f[12][3] = {{0, 2, 1}, {1, 2, 3}, {4, 5, 6}, {5, 7, 6}, {0, 1, 4}, {1, 5, 4},
                                      {2, 6, 3}, {3, 6, 7}, {0, 4, 2}, {2, 4, 6}, {1, 3, 5}, {3, 7, 5}};
    for (int t = 0; t < 12; t++) mesh_add_tri(m, f[t][0], f[t][1], f[t][2]);
}

static int load(const char *name, mesh *m) {
    char path[256];
    snprintf(path, sizeof path, REF_DIR "/shapes/%s", name);
    return mesh_read_file(path, MESH_FMT_AUTO, m, NULL) == SL_OK;
}

int main(void) {
    mesh a, b;
    double lo[3] = {0, 0, 0}, hi[3] = {2, 2, 2}, lo2[3] = {1, 0, 0}, hi2[3] = {3, 2, 2};
    box_mesh(&a, lo, hi);
    box_mesh(&b, lo2, hi2);
    CHECK(metrics_mesh_is_closed(&a));
    double iou = -1;
    CHECK(metrics_iou_voxel(&a, &a, NULL, 32, &iou, NULL) == SL_OK);
    CHECK(iou == 1.0);
    /* union x extent 3: res 60 puts every face on a voxel boundary -> exact */
    CHECK(metrics_iou_voxel(&a, &b, NULL, 60, &iou, NULL) == SL_OK);
    CHECK_NEAR(iou, 1.0 / 3.0, 1e-12);
    /* the same through a transform: b = a shifted by +1 in x */
    double T[16] = {1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    CHECK(metrics_iou_voxel(&a, &a, T, 60, &iou, NULL) == SL_OK);
    CHECK_NEAR(iou, 1.0 / 3.0, 1e-12);
    /* a resolution that does not fit the faces: still within a couple of percent */
    CHECK(metrics_iou_voxel(&a, &b, NULL, 37, &iou, NULL) == SL_OK);
    CHECK_NEAR(iou, 1.0 / 3.0, 0.02);
    /* disjoint boxes */
    double lo3[3] = {5, 5, 5}, hi3[3] = {6, 6, 6};
    mesh c;
    box_mesh(&c, lo3, hi3);
    CHECK(metrics_iou_voxel(&a, &c, NULL, 30, &iou, NULL) == SL_OK);
    CHECK(iou == 0.0);
    /* flipped orientation of every triangle: parity does not care */
    for (size_t t = 0; t < b.n_tris; t++) {
        uint32_t x = b.tris[3 * t + 1];
        b.tris[3 * t + 1] = b.tris[3 * t + 2];
        b.tris[3 * t + 2] = x;
    }
    CHECK(metrics_iou_voxel(&a, &b, NULL, 60, &iou, NULL) == SL_OK);
    CHECK_NEAR(iou, 1.0 / 3.0, 1e-12);
    /* an open mesh is refused */
    c.n_tris--;
    CHECK(!metrics_mesh_is_closed(&c));
    CHECK(metrics_iou_voxel(&a, &c, NULL, 30, &iou, NULL) == SL_ERR_INVALID);
    mesh_release(&a);
    mesh_release(&b);
    mesh_release(&c);

    if (!ref_available()) TEST_SKIP("reference shapes not found under " REF_DIR);
    mesh box, big, sph, lb, lbr;
    CHECK(load("box.stl", &box) && load("box_scaled120.ply", &big) && load("sphere.stl", &sph) &&
          load("lbracket.stl", &lb) && load("lbracket_rigid.stl", &lbr));
    CHECK(metrics_iou_voxel(&box, &big, NULL, 48, &iou, NULL) == SL_OK);
    CHECK_NEAR(iou, 1000.0 / 1728.0, 1e-12);
    CHECK(metrics_iou_voxel(&sph, &sph, NULL, 40, &iou, NULL) == SL_OK);
    CHECK(iou == 1.0);
    /* the rigid copy brought back with the known inverse motion */
    cJSON *man = ref_read_json("shapes/manifest.json");
    const cJSON *tr = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(man, "lbracket_rigid"), "transform");
    double M[16], Mi[16];
    for (int r = 0; r < 4; r++)
        for (int k = 0; k < 4; k++) M[4 * r + k] = cJSON_GetArrayItem(cJSON_GetArrayItem(tr, r), k)->valuedouble;
    for (int r = 0; r < 3; r++) {
        for (int k = 0; k < 3; k++) Mi[4 * r + k] = M[4 * k + r];
        Mi[4 * r + 3] = -(M[r] * M[3] + M[4 + r] * M[7] + M[8 + r] * M[11]);
    }
    Mi[12] = Mi[13] = Mi[14] = 0;
    Mi[15] = 1;
    CHECK(metrics_iou_voxel(&lb, &lbr, Mi, 64, &iou, NULL) == SL_OK);
    CHECK_MSG(iou > 0.999, "iou %.6f", iou);
    /* without alignment the copy hardly overlaps; under the best alignment it does */
    CHECK(metrics_iou_voxel(&lb, &lbr, NULL, 64, &iou, NULL) == SL_OK);
    CHECK(iou < 0.2);
    double Tb[16];
    CHECK(metrics_iou_best(&lb, &lbr, 2048, 0, 64, &iou, Tb, NULL) == SL_OK);
    CHECK_MSG(iou > 0.97, "iou_best %.6f", iou);
    cJSON_Delete(man);
    mesh_release(&box);
    mesh_release(&big);
    mesh_release(&sph);
    mesh_release(&lb);
    mesh_release(&lbr);
    return test_finish("iou");
}
