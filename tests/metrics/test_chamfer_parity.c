/* test_chamfer_parity.c - Chamfer and Hausdorff agree with Open3D/scipy on the exact
 * point sets in ../shared/data/metrics/points (gt_centered vs pred_aligned), to 1e-9
 * relative; the result does not depend on the thread count; CD(A, A) = 0; the
 * bidirectional form is symmetric. */
#include "test.h"
#include "metrics_test_util.h"
#include "steplm/metrics.h"

int main(void) {
    if (!ref_available()) TEST_SKIP("reference data not found under " REF_DIR);
    cJSON *man = ref_read_json("points/manifest.json");
    CHECK(man != NULL);
    if (!man) return test_finish("chamfer_parity");
    const cJSON *sets = cJSON_GetObjectItemCaseSensitive(man, "sets"), *s;
    int n_sets = 0;
    cJSON_ArrayForEach(s, sets) {
        const cJSON *files = cJSON_GetObjectItemCaseSensitive(s, "files");
        size_t ng = 0, np = 0;
        double *g = ref_read_f64(json_str(files, "gt_centered"), &ng);
        double *p = ref_read_f64(json_str(files, "pred_aligned"), &np);
        CHECK(g && p && ng > 0 && np > 0);
        if (!g || !p) { free(g); free(p); continue; }
        metrics_dist d1, dall, dsw;
        CHECK(metrics_distances(g, ng, p, np, 1, &d1, NULL) == SL_OK);
        CHECK(metrics_distances(g, ng, p, np, 0, &dall, NULL) == SL_OK);
        CHECK(metrics_distances(p, np, g, ng, 0, &dsw, NULL) == SL_OK);
        CHECK_MSG(fabs(d1.cd_sq_bidir - json_num(s, "CD")) <= 1e-9 * fabs(json_num(s, "CD")) + 1e-25,
                  "%s: CD %.17g vs %.17g", s->string, d1.cd_sq_bidir, json_num(s, "CD"));
        CHECK_REL(d1.cd_sq_fwd + 1e-30, json_num(s, "CD_gt2pred") + 1e-30, 1e-9);
        CHECK_REL(d1.cd_sq_bwd + 1e-30, json_num(s, "CD_pred2gt") + 1e-30, 1e-9);
        CHECK_REL(d1.hd + 1e-20, json_num(s, "HD") + 1e-20, 1e-9);
        double r = metrics_rms_radius(g, ng);
        CHECK_REL(r, json_num(s, "r_gt"), 1e-12);
        /* thread count does not change a bit */
        CHECK(d1.cd_sq_bidir == dall.cd_sq_bidir && d1.hd == dall.hd && d1.cd_l2_fwd == dall.cd_l2_fwd);
        /* swapping the clouds swaps the directions; the bidirectional sum is symmetric */
        CHECK(dsw.cd_sq_fwd == d1.cd_sq_bwd && dsw.cd_sq_bwd == d1.cd_sq_fwd);
        CHECK_REL(dsw.cd_sq_bidir, d1.cd_sq_bidir, 1e-15);
        CHECK(dsw.hd == d1.hd);
        /* CD(A, A) = 0 exactly */
        metrics_dist z;
        CHECK(metrics_distances(g, ng, g, ng, 0, &z, NULL) == SL_OK);
        CHECK(z.cd_sq_bidir == 0 && z.hd == 0 && z.cd_l2_bidir == 0);
        /* named variants are consistent */
        CHECK_REL(d1.cd_sq_mean * 2, d1.cd_sq_bidir, 1e-15);
        CHECK(metrics_dist_get(&d1, METRICS_CD_SQ_FWD) == d1.cd_sq_fwd);
        CHECK(d1.cd_l2_fwd > 0 && d1.cd_l2_fwd * d1.cd_l2_fwd <= d1.cd_sq_fwd * (1 + 1e-12));
        free(g);
        free(p);
        n_sets++;
    }
    CHECK(n_sets >= 20);
    cJSON_Delete(man);
    return test_finish("chamfer_parity");
}
