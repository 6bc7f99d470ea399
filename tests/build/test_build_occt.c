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

/* scratch files go to $TMPDIR (default /tmp), not into a build tree */
static const char *tmpdir(void) {
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}
#include "build/golden.h"

static const char *script = "../shared/tools/occt/occt-draw-measure.sh";

/* field i (0-based) of a CSV line without quoted commas in the fields we use */
static int csv_field(const char *line, int i, char *out, size_t n) {
    const char *p = line;
    for (int k = 0; k < i; k++) { p = strchr(p, ','); if (!p) return -1; p++; }
    size_t l = strcspn(p, ",\n");
    if (l >= n) l = n - 1;
    memcpy(out, p, l);
    out[l] = 0;
    return 0;
}

int main(void) {
    if (system("command -v DRAWEXE >/dev/null 2>&1 || command -v occt-draw >/dev/null 2>&1") != 0)
        TEST_SKIP("occt-draw (DRAWEXE) is not installed");
    if (access(script, X_OK) != 0) TEST_SKIP("%s not found", script);
    /* STEPLM_OCCT_TABLE=FILE: also write the results as markdown table rows */
    const char *table = getenv("STEPLM_OCCT_TABLE");
    FILE *tf = table ? fopen(table, "w") : NULL;
    if (tf) fprintf(tf, "| spec | OCCT read | solids | faces | checkshape | OCCT volume (mm³) | expected (mm³) | rel. diff | OCCT area (mm²) | expected area (mm²) |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof golden / sizeof golden[0]; i++) {
        const expect *g = &golden[i];
        char out[256], cmd[1024], line[8192];
        snprintf(out, sizeof out, "%s/steplm-tbo-%s-%d.step", tmpdir(), g->spec, (int)getpid());
        snprintf(cmd, sizeof cmd, "%s build tests/build/specs/%s.json -o %s > /dev/null", test_steplm_bin(), g->spec, out);
        CHECK_MSG(system(cmd) == 0, "%s: build failed", g->spec);
        snprintf(cmd, sizeof cmd, "%s %s 2>/dev/null", script, out);
        FILE *f = popen(cmd, "r");
        CHECK(f != NULL);
        if (!f) continue;
        line[0] = 0;
        if (!fgets(line, sizeof line, f)) line[0] = 0;
        pclose(f);
        char ok[32], check[32], vol[64], status[256], solids[32], faces[32], area[64];
        csv_field(line, 15, solids, sizeof solids);
        csv_field(line, 17, faces, sizeof faces);
        csv_field(line, 28, area, sizeof area);
        CHECK_MSG(csv_field(line, 13, ok, sizeof ok) == 0 && csv_field(line, 37, check, sizeof check) == 0 &&
                  csv_field(line, 30, vol, sizeof vol) == 0 && csv_field(line, 42, status, sizeof status) == 0,
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
