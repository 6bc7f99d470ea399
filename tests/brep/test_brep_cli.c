/* test_brep_cli.c - `steplm props` and `steplm mesh` end to end on the hand-made box
 * (10 x 20 x 30 mm: area 2200, volume 6000, 12 triangles -> binary STL of
 * 84 + 50 * 12 bytes), exit codes for usage errors and unreadable input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

int main(void) {
    const char *bin = test_steplm_bin();
    if (access(bin, X_OK)) TEST_SKIP("no steplm binary at %s", bin);
    char cmd[1024], out[8192];
    snprintf(cmd, sizeof cmd, "%s props tests/brep/data/box.step --json", bin);
    CHECK_EQ_INT(test_run_capture(cmd, out, sizeof out), 0);
    CHECK(strstr(out, "\"renderable\":true") != NULL);
    CHECK(strstr(out, "\"area_mm2\":2200,") != NULL);
    CHECK(strstr(out, "\"volume_mm3\":6000,") != NULL);
    CHECK(strstr(out, "\"genus\":0,") != NULL);
    CHECK(strstr(out, "\"watertight\":true") != NULL);
    CHECK(strstr(out, "\"unit\":\"mm\"") != NULL);

    char dir[] = "/tmp/steplm_cli_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    snprintf(cmd, sizeof cmd, "%s mesh tests/brep/data/box.step -o %s/box.stl 2>&1", bin, dir);
    CHECK_EQ_INT(test_run_capture(cmd, out, sizeof out), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/box.stl", dir);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size == 84 + 50 * 12);
    unlink(path);
    /* a directory of inputs: one output per file */
    snprintf(cmd, sizeof cmd, "%s mesh tests/brep/data --format obj -o %s/all 2>&1", bin, dir);
    CHECK_EQ_INT(test_run_capture(cmd, out, sizeof out), 0);
    snprintf(path, sizeof path, "%s/all/torus.step.obj", dir);
    CHECK(stat(path, &st) == 0 && st.st_size > 1000);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);

    snprintf(cmd, sizeof cmd, "%s props 2>&1", bin);
    CHECK_EQ_INT(test_run_capture(cmd, out, sizeof out), 2);
    snprintf(cmd, sizeof cmd, "%s props /nonexistent.step 2>&1", bin);
    CHECK_EQ_INT(test_run_capture(cmd, out, sizeof out), 1);
    CHECK(strstr(out, "error") != NULL);
    snprintf(cmd, sizeof cmd, "%s mesh tests/brep/data/box.step 2>&1", bin);
    CHECK_EQ_INT(test_run_capture(cmd, out, sizeof out), 2);
    return test_finish("brep_cli");
}
