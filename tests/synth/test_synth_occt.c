/* test_synth_occt.c - OpenCASCADE reads one corpus part of every family: DRAWEXE (via
 * ../shared/tools/occt/occt-draw-measure.sh) must transfer it, checkshape must find it
 * valid, its volume must match the exact one in meta.json within 0.1 %, and every
 * bounding-box dimension a caption states (claim keys x, y, z) must match OCCT's exact
 * bounding box within 0.1 mm: the captions hold against an independent kernel.
 * Skipped (exit 77) without occt-draw. */
#include "test.h"
#include "occt.h"

#include <cjson/cJSON.h>
#include <unistd.h>

#include "steplm/synth.h"


int main(void) {
    test_occt_require();
    synth_set set;
    sl_err err;
    CHECK_MSG(synth_set_load(&set, "data/families", "all", &err) == SL_OK, "%s", err.msg);
    synth_opts o;
    synth_opts_default(&o);
    o.seed = 99;
    int n_claims = 0;
    for (long i = 0; i < (long)set.n; i++) {
        synth_instance in;
        synth_instance_init(&in);
        const char *fam = set.fams[i].name;
        if (synth_make(&set, i, &o, &in, &err)) {
            CHECK_MSG(0, "%s: %s", fam, err.msg);
            synth_instance_release(&in);
            continue;
        }
        char path[256], cmd[1024], line[8192];
        snprintf(path, sizeof path, "build/tso-%s-%d.step", fam, (int)getpid());
        CHECK(sl_file_write_atomic(path, in.step.data, in.step.len, &err) == SL_OK);
        snprintf(cmd, sizeof cmd, "%s %s 2>/dev/null", OCCT_MEASURE_SCRIPT, path);
        FILE *f = popen(cmd, "r");
        line[0] = 0;
        if (f) {
            if (!fgets(line, sizeof line, f)) line[0] = 0;
            pclose(f);
        }
        unlink(path);
        char ok[32], check[32], vol[64], bb[6][64];
        int bad = test_csv_field(line, 13, ok, sizeof ok) || test_csv_field(line, 37, check, sizeof check) ||
                  test_csv_field(line, 30, vol, sizeof vol);
        for (int k = 0; k < 6; k++) bad |= test_csv_field(line, 31 + k, bb[k], sizeof bb[k]);
        CHECK_MSG(!bad, "%s: bad CSV \"%s\"", fam, line);
        if (bad) { synth_instance_release(&in); continue; }
        cJSON *meta = cJSON_Parse(in.meta.data);
        double v = cJSON_GetObjectItemCaseSensitive(meta, "volume_mm3")->valuedouble;
        CHECK_MSG(!strcmp(ok, "1") || !strcmp(ok, "true"), "%s: OCCT did not read it (%s)", fam, ok);
        CHECK_MSG(!strcmp(check, "valid"), "%s: checkshape says %s", fam, check);
        CHECK_MSG(fabs(atof(vol) - v) <= 1e-3 * v, "%s: OCCT volume %s, steplm %.6f", fam, vol, v);
        double ext[3];
        for (int k = 0; k < 3; k++) ext[k] = atof(bb[k + 3]) - atof(bb[k]);
        fprintf(stderr, "occt %-10s checkshape %s volume %s (steplm %.3f) size %.3f %.3f %.3f\n", fam, check, vol, v,
                ext[0], ext[1], ext[2]);
        const cJSON *c, *k;
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(meta, "captions")) {
            cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(c, "claims")) {
                const cJSON *key = cJSON_GetObjectItemCaseSensitive(k, "key");
                if (!cJSON_IsString(key) || strlen(key->valuestring) != 1) continue;
                int axis = key->valuestring[0] - 'x';
                if (axis < 0 || axis > 2) continue;
                double mm = cJSON_GetObjectItemCaseSensitive(k, "mm")->valuedouble;
                CHECK_MSG(fabs(mm - ext[axis]) <= 0.1, "%s: caption '%s' states %s = %.4f mm, OCCT measures %.4f", fam,
                          cJSON_GetObjectItemCaseSensitive(c, "text")->valuestring, key->valuestring, mm, ext[axis]);
                n_claims++;
            }
        }
        cJSON_Delete(meta);
        synth_instance_release(&in);
    }
    CHECK(n_claims > 40);
    fprintf(stderr, "%d caption bounding-box claims checked against OpenCASCADE\n", n_claims);
    synth_set_release(&set);
    return test_finish("synth/test_synth_occt");
}
