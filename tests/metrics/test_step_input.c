/* test_step_input.c - `steplm compare` reads STEP files through the B-rep tessellator:
 * a 20 mm cube against itself has IoU 1 and a scaled Chamfer distance at the sampling
 * noise floor; against a cylinder (written here as ASCII STL by hand) it is far off. */
#include "test.h"
#include <stdio.h>

static double field(const char *json, const char *key) {
    char k[64];
    snprintf(k, sizeof k, "\"%s\": ", key);
    const char *p = strstr(json, k);
    return p ? atof(p + strlen(k)) : NAN;
}

static int run(const char *args, char *out, size_t n) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' compare %s --json --points 2048 2>&1", test_steplm_bin(), args);
    return test_run_capture(cmd, out, n);
}

int main(void) {
    static char out[1 << 16];
    CHECK(run("examples/cube.step examples/cube.step", out, sizeof out) == 0);
    CHECK_NEAR(field(out, "iou"), 1.0, 1e-9);
    CHECK_MSG(field(out, "scd") < 0.005, "%s", out);
    /* a 20 x 20 x 10 box (half the cube) as ASCII STL: IoU = 1/2 once aligned, by hand */
    const char *stl = "/tmp/steplm_half_box.stl";
    FILE *f = fopen(stl, "w");
    CHECK(f != NULL);
    if (!f) return test_finish("test_step_input");
    static const double v[8][3] = {{0,0,0},{20,0,0},{20,20,0},{0,20,0},{0,0,10},{20,0,10},{20,20,10},{0,20,10}};
    static const int t[12][3] = {{0,2,1},{0,3,2},{4,5,6},{4,6,7},{0,1,5},{0,5,4},{1,2,6},{1,6,5},{2,3,7},{2,7,6},{3,0,4},{3,4,7}};
    fprintf(f, "solid half\n");
    for (int i = 0; i < 12; i++) {
        fprintf(f, " facet normal 0 0 0\n  outer loop\n");
        for (int k = 0; k < 3; k++) fprintf(f, "   vertex %g %g %g\n", v[t[i][k]][0], v[t[i][k]][1], v[t[i][k]][2]);
        fprintf(f, "  endloop\n endfacet\n");
    }
    fprintf(f, "endsolid half\n");
    fclose(f);
    char args[256];
    snprintf(args, sizeof args, "examples/cube.step %s --align none", stl);
    CHECK(run(args, out, sizeof out) == 0);
    CHECK_MSG(fabs(field(out, "iou") - 0.5) < 0.02, "%s", out);
    remove(stl);
    /* a STEP file with no solid is a clear error, not a crash */
    CHECK(run("tests/p21/bad/empty.step examples/cube.step", out, sizeof out) != 0);
    CHECK_MSG(strstr(out, "empty.step") != NULL, "%s", out);
    return test_finish("test_step_input");
}
