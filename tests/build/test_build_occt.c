/* test_build_occt.c - OpenCASCADE reads every golden file written by `steplm build`:
 * DRAWEXE (via ../shared/tools/occt/occt-draw-measure.sh: stepread, checkshape,
 * vprops) must transfer the shape, find it valid, and measure the same volume
 * within 0.1% as the hand-derived value. Skipped (exit 77) without occt-draw. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <math.h>

#include "test.h"
#include "occt.h"

/* scratch files go to $TMPDIR (default /tmp), not into a build tree */
static const char *tmpdir(void) {
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}
#include "build/golden.h"


int main(void) {
    test_occt_require();
    /* STEPLM_OCCT_TABLE=FILE: also write the results as markdown table rows */
    const char *table = getenv("STEPLM_OCCT_TABLE");
    FILE *tf = table ? fopen(table, "w") : NULL;
    if (tf) fprintf(tf, "| spec | OCCT read | solids | faces | checkshape | OCCT volume (mm³) | expected (mm³) | rel. diff | OCCT area (mm²) | expected area (mm²) |\n|---|---|---|---|---|---|---|---|---|---|\n");
    expect golden[N_GOLDEN_MAX];
    size_t n_golden = golden_get(golden);
    for (size_t i = 0; i < n_golden; i++) {
        const expect *g = &golden[i];
        char out[256], cmd[1024], line[8192];
        snprintf(out, sizeof out, "%s/steplm-tbo-%s-%d.step", tmpdir(), g->spec, (int)getpid());
        snprintf(cmd, sizeof cmd, "%s build tests/build/specs/%s.json -o %s > /dev/null", test_steplm_bin(), g->spec, out);
        CHECK_MSG(system(cmd) == 0, "%s: build failed", g->spec);
        snprintf(cmd, sizeof cmd, "%s %s 2>/dev/null", OCCT_MEASURE_SCRIPT, out);
        FILE *f = popen(cmd, "r");
        CHECK(f != NULL);
        if (!f) continue;
        line[0] = 0;
        if (!fgets(line, sizeof line, f)) line[0] = 0;
        pclose(f);
        char ok[32], check[32], vol[64], status[256], solids[32], faces[32], area[64];
        test_csv_field(line, 15, solids, sizeof solids);
        test_csv_field(line, 17, faces, sizeof faces);
        test_csv_field(line, 28, area, sizeof area);
        CHECK_MSG(test_csv_field(line, 13, ok, sizeof ok) == 0 && test_csv_field(line, 37, check, sizeof check) == 0 &&
                  test_csv_field(line, 30, vol, sizeof vol) == 0 && test_csv_field(line, 42, status, sizeof status) == 0,
                  "%s: bad CSV \"%s\"", g->spec, line);
        CHECK_STR(ok, "true");
        CHECK_STR(check, "valid");
        CHECK_STR(status, "ok");
        CHECK_REL(strtod(vol, NULL), g->volume, 1e-3);
        fprintf(stderr, "occt %-10s read %s checkshape %s volume %s (expected %.6f)\n", g->spec, ok, check, vol, g->volume);
        if (tf) {
            double v = strtod(vol, NULL);
            fprintf(tf, "| %s | %s | %s | %s | %s | %.6f | %.6f | %.1e | %.4f | ", g->spec, ok, solids, faces, check, v,
                    g->volume, fabs(v - g->volume) / g->volume, strtod(area, NULL));
            if (g->area > 0) fprintf(tf, "%.4f |\n", g->area); else fprintf(tf, "— |\n");
        }
        unlink(out);
    }
    if (tf) fclose(tf);
    return test_finish("build/test_build_occt");
}
