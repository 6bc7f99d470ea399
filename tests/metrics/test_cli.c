/* test_cli.c - `steplm compare` and `steplm eval` end to end: JSON fields and values
 * (box vs its rigid copy: IoU 1, transform = inverse of the manifest's motion, SCD at
 * the noise level), exit codes (STEP input needs the tessellator: 1; usage: 2), and an
 * eval report with a missing prediction counted both ways. */
#include "test.h"
#include "metrics_test_util.h"

#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    if (!ref_available()) TEST_SKIP("reference data not found under " REF_DIR);
    const char *bin = test_steplm_bin();
    static char out[1 << 16];
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s compare " REF_DIR "/shapes/box.stl " REF_DIR "/shapes/box_rigid.ply --json --points 2048",
             bin);
    CHECK_EQ_INT(test_run_capture(cmd, out, sizeof out), 0);
    cJSON *j = cJSON_Parse(out);
    CHECK(j != NULL);
    if (j) {
        CHECK_EQ_INT((long)json_num(j, "n_gt"), 2048);
        double scd = json_num(j, "scd");
        /* same surface, independent samples: the 2-D Poisson noise level (A_gt + A_pred) /
         * (pi N r^2) ~ 0.0035 for the box at N = 2048 (reference README) */
        CHECK_MSG(scd > 0.002 && scd < 0.005, "scd %g", scd);
        CHECK_REL(json_num(j, "cd"), json_num(j, "cd_fwd") + json_num(j, "cd_bwd"), 1e-12);
        CHECK_NEAR(json_num(j, "iou"), 1.0, 0.01);
        /* transform ~ inverse of the manifest transform of box_rigid */
        cJSON *man = ref_read_json("shapes/manifest.json");
        const cJSON *tr = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(man, "box_rigid"), "transform");
        const cJSON *T = cJSON_GetObjectItemCaseSensitive(j, "transform");
        double M[16], A[16], C[16] = {0};
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++) {
                M[4 * r + c] = cJSON_GetArrayItem(cJSON_GetArrayItem(tr, r), c)->valuedouble;
                A[4 * r + c] = cJSON_GetArrayItem(cJSON_GetArrayItem(T, r), c)->valuedouble;
            }
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++)
                for (int k = 0; k < 4; k++) C[4 * r + c] += A[4 * r + k] * M[4 * k + c];
        /* A * M maps the box onto itself: a symmetry of the 20x10x5 box (diagonal +-1) */
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++) CHECK_NEAR(fabs(C[4 * r + c]), r == c ? 1.0 : 0.0, 0.01);
        cJSON_Delete(man);
        cJSON_Delete(j);
    }
    /* a missing STEP file is a located error (STEP input itself: test_step_input.c); usage errors */
    snprintf(cmd, sizeof cmd, "%s compare x.step " REF_DIR "/shapes/box.stl 2>&1", bin);
    CHECK_EQ_INT(test_run_capture(cmd, out, sizeof out), 1);
    CHECK_MSG(strstr(out, "x.step: error: ") != NULL && strstr(out, "cannot open") != NULL, "%s", out);
    snprintf(cmd, sizeof cmd, "%s compare only_one.stl 2>&1", bin);
    CHECK_EQ_INT(test_run_capture(cmd, out, sizeof out), 2);
    snprintf(cmd, sizeof cmd, "%s compare a.stl b.stl --align sideways 2>&1", bin);
    CHECK_EQ_INT(test_run_capture(cmd, out, sizeof out), 2);
    snprintf(cmd, sizeof cmd, "%s compare --help", bin);
    CHECK_EQ_INT(test_run_capture(cmd, out, sizeof out), 0);
    snprintf(cmd, sizeof cmd, "%s compare /nonexistent.stl " REF_DIR "/shapes/box.stl 2>&1", bin);
    CHECK_EQ_INT(test_run_capture(cmd, out, sizeof out), 1);
    /* eval: two pairs, one missing prediction, one STEP prediction */
    char dir[] = "/tmp/steplm_eval_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/gt %s/pred && cp " REF_DIR "/shapes/box.stl " REF_DIR "/shapes/lbracket.stl %s/gt/ && "
             "cp " REF_DIR "/shapes/cylinder.ply %s/gt/cyl.ply && cp " REF_DIR "/shapes/box_rigid.stl %s/pred/box.stl && "
             "printf 'DATA;\\n#1=A();\\n#120=B();\\nENDSEC;\\nEND-ISO-10303-21;\\n' > %s/pred/lbracket.step",
             dir, dir, dir, dir, dir, dir);
    CHECK(system(cmd) == 0);
    snprintf(cmd, sizeof cmd, "%s eval --pred %s/pred --gt %s/gt --points 1024 --json %s/r.json --csv %s/r.csv 2>/dev/null",
             bin, dir, dir, dir, dir);
    CHECK_EQ_INT(test_run_capture(cmd, out, sizeof out), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/r.json", dir);
    char *txt = NULL;
    size_t len;
    CHECK(sl_file_read(path, &txt, &len, 0, NULL) == SL_OK);
    cJSON *r = txt ? cJSON_Parse(txt) : NULL;
    CHECK(r != NULL);
    if (r) {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(r, "summary");
        CHECK_EQ_INT((long)json_num(s, "samples"), 3);
        CHECK_EQ_INT((long)json_num(s, "ok"), 1);
        CHECK_EQ_INT((long)json_num(s, "missing"), 1);
        CHECK_NEAR(json_num(s, "cr"), 1.0, 0);
        CHECK_NEAR(json_num(s, "aec_pred"), 120.0, 0);
        CHECK_NEAR(json_num(s, "ir"), 2.0 / 3.0, 1e-12);
        CHECK_STR(json_str(s, "mscd_inf"), "inf");   /* 1 finite, 2 failures: median is +inf */
        double mscd = json_num(s, "mscd");
        CHECK(mscd > 0.001 && mscd < 0.02);
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r, "samples");
        CHECK_EQ_INT(cJSON_GetArraySize(arr), 3);
        CHECK_STR(json_str(cJSON_GetArrayItem(arr, 0), "stem"), "box");
        CHECK_STR(json_str(cJSON_GetArrayItem(arr, 1), "status"), "missing");
        CHECK_STR(json_str(cJSON_GetArrayItem(arr, 2), "status"), "error");
        cJSON_Delete(r);
    }
    free(txt);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return test_finish("cli");
}
