/* test_genus_mug.c - genus of a mug-like part, through the whole chain: a CAD program
 * (tests/brep/data/mug.lua) -> STEP -> re-read -> tessellated -> props. A square cup with
 * a blind cavity and a handle with an opening has genus 1 (the cavity adds none); the
 * same mug without the opening has genus 0. Volumes derived by hand:
 *   60*60*80 - 50*50*74 + 25*12*50 - 15*12*30 = 112600 mm3 (with the opening). */
#include "test.h"
#include <stdio.h>

static double jnum(const char *json, const char *key) {
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = strstr(json, k);
    return p ? atof(p + strlen(k)) : NAN;
}

static void check_mug(const char *lua, long genus, double volume) {
    char cmd[1024], out[8192];
    snprintf(cmd, sizeof cmd, "'%s' run %s -o /tmp/steplm_mug.step 2>&1", test_steplm_bin(), lua);
    CHECK_MSG(test_run_capture(cmd, out, sizeof out) == 0, "%s", out);
    snprintf(cmd, sizeof cmd, "'%s' props /tmp/steplm_mug.step --json 2>&1", test_steplm_bin());
    CHECK_MSG(test_run_capture(cmd, out, sizeof out) == 0, "%s", out);
    CHECK_MSG(strstr(out, "\"watertight\":true") != NULL, "%s", out);
    CHECK_MSG(jnum(out, "genus") == (double)genus, "%s: genus expected %ld: %s", lua, genus, out);
    CHECK_REL(jnum(out, "volume_mm3"), volume, 1e-6);
    remove("/tmp/steplm_mug.step");
}

int main(void) {
    check_mug("tests/brep/data/mug.lua", 1, 112600.0);
    /* the same mug without its opening: write a copy with the opening left out */
    FILE *in = fopen("tests/brep/data/mug.lua", "r"), *out = fopen("/tmp/steplm_mug_closed.lua", "w");
    CHECK(in && out);
    if (in && out) {
        char line[512];
        while (fgets(line, sizeof line, in)) {
            if (strstr(line, "{cavity, stack(block), opening}")) fputs("part(\"mug\", box(s, s, h), {cavity, stack(block)})\n", out);
            else fputs(line, out);
        }
    }
    if (in) fclose(in);
    if (out) fclose(out);
    check_mug("/tmp/steplm_mug_closed.lua", 0, 112600.0 + 15 * 12 * 30);
    remove("/tmp/steplm_mug_closed.lua");
    return test_finish("test_genus_mug");
}
