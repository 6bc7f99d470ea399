/* test_synth.c - the part families and the corpus pipeline.
 *  - every family in data/families loads; at least 16, all five ReCAD levels;
 *  - one instance per family builds; its part.lua alone (parameter lines + body) builds
 *    the same solid again; its bounding box equals the one derived by hand from its
 *    parameters for families whose extents are closed-form; every precise caption
 *    states measured dimensions and they hold;
 *  - the claim checker rejects wrong numbers, numbers absent from the text, wrong units;
 *  - the split rule: over many draws, every val/test instance is at least the guard
 *    distance (in some split key) from every instance of another split;
 *  - the CLI: outputs identical for 1 and 2 threads, resume skips finished instances. */
#include "test.h"

#include <cjson/cJSON.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steplm/cadprog.h"
#include "steplm/synth.h"

#define FAM_DIR "data/families"

static double jnum(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* the bounding box extents a family's parameters imply, where that is closed-form */
static int expected_size(const char *fam, const cJSON *p, double sz[3]) {
#define P(k) jnum(p, k)
    if (!strcmp(fam, "plate") || !strcmp(fam, "gasket")) { sz[0] = P("w"); sz[1] = P("h"); sz[2] = P("t"); return 1; }
    if (!strcmp(fam, "lbracket")) { sz[0] = P("a"); sz[1] = P("w"); sz[2] = P("b"); return 1; }
    if (!strcmp(fam, "ubracket")) { sz[0] = P("a"); sz[1] = P("w"); sz[2] = P("b"); return 1; }
    if (!strcmp(fam, "enclosure")) { sz[0] = P("L"); sz[1] = P("W"); sz[2] = P("H"); return 1; }
    if (!strcmp(fam, "tslot")) { sz[0] = P("W"); sz[1] = P("L"); sz[2] = P("H"); return 1; }
    if (!strcmp(fam, "washer")) { sz[0] = sz[1] = P("od"); sz[2] = P("t"); return 1; }
    if (!strcmp(fam, "flange")) { sz[0] = sz[1] = P("D"); sz[2] = P("t") + P("hh"); return 1; }
    if (!strcmp(fam, "bushing")) { sz[0] = sz[1] = P("fd"); sz[2] = P("L"); return 1; }
    if (!strcmp(fam, "rod")) { sz[0] = sz[1] = P("df"); sz[2] = P("tf") + P("lr") + P("tl"); return 1; }
    if (!strcmp(fam, "pulley")) { sz[0] = sz[1] = P("od"); sz[2] = P("w") + P("hl"); return 1; }
    if (!strcmp(fam, "hexnut")) { sz[0] = 2 * P("s") / sqrt(3.0); sz[1] = P("s"); sz[2] = P("h"); return 1; }
    if (!strcmp(fam, "hinge")) { sz[0] = P("W") + P("R"); sz[1] = P("L"); sz[2] = 2 * P("R"); return 1; }
    return 0;
#undef P
}

static void check_instance(const synth_set *set, long idx, const synth_opts *o) {
    synth_instance in;
    synth_instance_init(&in);
    sl_err err;
    sl_status st = synth_make(set, idx, o, &in, &err);
    const char *fam = set->fams[(size_t)idx % set->n].name;
    CHECK_MSG(st == SL_OK, "%s (instance %ld): %s (line %u)\n%s", fam, idx, err.msg, err.line,
              in.program.data ? in.program.data : "");
    if (st) { synth_instance_release(&in); return; }
    /* the program text starts with the parameter lines */
    CHECK_MSG(!strncmp(in.program.data, "local ", 6), "%s: program does not start with parameters", fam);
    cJSON *meta = cJSON_Parse(in.meta.data);
    CHECK_MSG(meta != NULL, "%s: meta is not JSON", fam);
    if (!meta) { synth_instance_release(&in); return; }
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(meta, "parameters");
    const cJSON *bbox = cJSON_GetObjectItemCaseSensitive(meta, "bbox_mm");
    CHECK(cJSON_IsObject(params) && cJSON_GetArraySize(bbox) == 6);
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(meta, "family")->valuestring, fam);
    double vol = jnum(meta, "volume_mm3");
    CHECK_MSG(vol > 0 && jnum(meta, "area_mm2") > 0, "%s: volume/area", fam);
    CHECK_MSG(jnum(meta, "genus") >= 0, "%s: genus", fam);
    /* the program alone builds the same solid */
    sl_buf json;
    sl_buf_init(&json);
    sandbox_result res;
    st = cadprog_run("part.lua", in.program.data, in.program.len, NULL, NULL, &json, &res, &err);
    sl_buf_release(&res.output);
    build_model m;
    if (!st) st = cadprog_build("part.lua", json.data, json.len, &m, &err);
    CHECK_MSG(st == SL_OK, "%s: part.lua alone: %s", fam, err.msg);
    if (!st) {
        build_check_report rep;
        CHECK(build_check_solid(m.b, m.parts[0].solid, &rep, &err) == SL_OK);
        CHECK_REL(rep.volume_mm3, vol, 1e-9);
        build_model_release(&m);
    }
    sl_buf_release(&json);
    /* bounding box against the parameters (mesh at 0.02 mm: within 0.05 mm) */
    double sz[3];
    if (expected_size(fam, params, sz)) {
        for (int k = 0; k < 3; k++) {
            double got = cJSON_GetArrayItem(bbox, k + 3)->valuedouble - cJSON_GetArrayItem(bbox, k)->valuedouble;
            CHECK_MSG(fabs(got - sz[k]) <= 0.05, "%s: extent %d is %.4f, parameters say %.4f", fam, k, got, sz[k]);
        }
    }
    /* precise captions state at least two measured dimensions, and they hold */
    const cJSON *caps = cJSON_GetObjectItemCaseSensitive(meta, "captions");
    int n_levels[3] = {0, 0, 0};
    const cJSON *c;
    cJSON_ArrayForEach(c, caps) {
        const char *lv = cJSON_GetObjectItemCaseSensitive(c, "level")->valuestring;
        int li = !strcmp(lv, "abstract") ? 0 : !strcmp(lv, "partial") ? 1 : 2;
        n_levels[li]++;
        if (li == 2) {
            int n_meas = 0;
            const cJSON *k;
            cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(c, "claims")) {
                const cJSON *key = cJSON_GetObjectItemCaseSensitive(k, "key");
                if (cJSON_IsString(key) && strcmp(key->valuestring, "holes")) n_meas++;
            }
            CHECK_MSG(n_meas >= 1, "%s: precise caption with no measured dimension: %s", fam,
                      cJSON_GetObjectItemCaseSensitive(c, "text")->valuestring);
        }
    }
    CHECK_MSG(n_levels[0] == o->n_captions && n_levels[1] == o->n_captions && n_levels[2] == o->n_captions,
              "%s: captions per level %d %d %d", fam, n_levels[0], n_levels[1], n_levels[2]);
    synth_measure mm;
    CHECK(synth_measure_step("part.step", in.step.data, in.step.len, 0.02, &mm, &err) == SL_OK);
    size_t n_checked = 0;
    CHECK_MSG(synth_check_claims(in.meta.data, in.meta.len, &mm, 0.1, &n_checked, &err) == SL_OK, "%s: %s", fam, err.msg);
    CHECK(n_checked >= 3);
    /* deterministic: the same instance again is byte-identical (a few families: ASan time) */
    if (idx % 7) { cJSON_Delete(meta); synth_instance_release(&in); return; }
    synth_instance again;
    synth_instance_init(&again);
    CHECK(synth_make(set, idx, o, &again, &err) == SL_OK);
    CHECK(again.meta.len == in.meta.len && !memcmp(again.meta.data, in.meta.data, in.meta.len));
    CHECK(again.step.len == in.step.len && !memcmp(again.step.data, in.step.data, in.step.len));
    synth_instance_release(&again);
    cJSON_Delete(meta);
    synth_instance_release(&in);
}

static void test_claims(void) {
    synth_measure m;
    memset(&m, 0, sizeof m);
    double bb[6] = {0, 0, 0, 80, 60, 8};
    memcpy(m.bbox_mm, bb, sizeof bb);
    m.d_mm = 100;
    m.genus = 4;
    sl_err err;
    const char *ok = "[{\"level\":\"precise\",\"text\":\"A 80 x 6 cm plate 0.315 in thick with four holes.\",\"claims\":["
                     "{\"key\":\"x\",\"mm\":80,\"num\":\"80\",\"unit\":\"mm\"},{\"key\":\"y\",\"mm\":60,\"num\":\"6\",\"unit\":\"cm\"},"
                     "{\"key\":\"z\",\"mm\":8,\"num\":\"0.315\",\"unit\":\"in\"},{\"key\":\"holes\",\"mm\":4,\"num\":\"4\",\"unit\":\"count\"}]}]";
    size_t n = 0;
    CHECK(synth_check_claims(ok, strlen(ok), &m, 0.1, &n, &err) == SL_OK);
    CHECK_EQ_INT(n, 4);
    /* the part is 80 long: a caption saying 81 fails */
    const char *wrong = "[{\"level\":\"precise\",\"text\":\"A 81 mm bar.\",\"claims\":[{\"key\":\"x\",\"mm\":81,\"num\":\"81\",\"unit\":\"mm\"}]}]";
    CHECK(synth_check_claims(wrong, strlen(wrong), &m, 0.1, NULL, &err) != SL_OK);
    CHECK(strstr(err.msg, "measures") != NULL);
    /* the number must be in the text as a whole number ("8" is not in "80") */
    const char *absent = "[{\"level\":\"precise\",\"text\":\"A 80 mm bar.\",\"claims\":[{\"key\":\"z\",\"mm\":8,\"num\":\"8\",\"unit\":\"mm\"}]}]";
    CHECK(synth_check_claims(absent, strlen(absent), &m, 0.1, NULL, &err) != SL_OK);
    /* the stated number must convert to the claimed millimetres (3.2 in is not 80 mm) */
    const char *unit = "[{\"level\":\"precise\",\"text\":\"A 3.2 in bar.\",\"claims\":[{\"key\":\"x\",\"mm\":80,\"num\":\"3.2\",\"unit\":\"in\"}]}]";
    CHECK(synth_check_claims(unit, strlen(unit), &m, 0.1, NULL, &err) != SL_OK);
    /* hole counts are exact */
    const char *holes = "[{\"level\":\"precise\",\"text\":\"five holes\",\"claims\":[{\"key\":\"holes\",\"mm\":5,\"num\":\"5\",\"unit\":\"count\"}]}]";
    CHECK(synth_check_claims(holes, strlen(holes), &m, 0.1, NULL, &err) != SL_OK);
}

/* every val/test draw is >= guard away (L-inf over split keys, in range units) from every
 * draw of another split */
static void test_split(const synth_set *set, const synth_opts *o) {
    enum { N = 300 };
    for (size_t f = 0; f < set->n; f += 9) {
        static double pos[N][3];
        static char split[N][8];
        int n_pos = 0, n_by[3] = {0, 0, 0};
        for (int i = 0; i < N; i++) {
            sl_buf prog;
            sl_buf_init(&prog);
            sl_err err;
            long idx = (long)f + (long)i * (long)set->n;
            CHECK(synth_draw(set, idx, o, split[i], &prog, pos[i], &n_pos, &err) == SL_OK);
            sl_buf_release(&prog);
            n_by[!strcmp(split[i], "train") ? 0 : !strcmp(split[i], "val") ? 1 : 2]++;
        }
        CHECK_MSG(n_by[0] > N / 2, "%s: %d train of %d", set->fams[f].name, n_by[0], N);
        double worst = 1;
        for (int i = 0; i < N; i++) {
            if (!strcmp(split[i], "train")) continue;
            for (int j = 0; j < N; j++) {
                if (!strcmp(split[i], split[j])) continue;
                double d = 0;
                for (int k = 0; k < n_pos; k++) d = fmax(d, fabs(pos[i][k] - pos[j][k]));
                worst = fmin(worst, d);
            }
        }
        CHECK_MSG(worst >= 0.04 - 1e-9, "%s: a val/test part is %.4f (range units) from a part of another split",
                  set->fams[f].name, worst);
    }
}

static int run_cmd(const char *cmd) {
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void test_cli(void) {
    const char *bin = test_steplm_bin();
    char tmp[] = "/tmp/steplm_synth_XXXXXX";
    if (!mkdtemp(tmp)) { CHECK(0); return; }
    char cmd[2048];
    const char *fams = "--families tslot,washer,hexnut,tube,clip";
    snprintf(cmd, sizeof cmd, "%s synth %s --n 10 --seed 4 --threads 1 -o %s/a > /dev/null", bin, fams, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s synth %s --n 10 --seed 4 --threads 2 -o %s/b > /dev/null", bin, fams, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 0);
    snprintf(cmd, sizeof cmd, "cmp -s %s/a/manifest.jsonl %s/b/manifest.jsonl && cmp -s %s/a/000008-tube/part.step "
             "%s/b/000008-tube/part.step && cmp -s %s/a/000002-tslot/part.lua %s/b/000002-tslot/part.lua",
             tmp, tmp, tmp, tmp, tmp, tmp);
    CHECK_MSG(run_cmd(cmd) == 0, "outputs differ between 1 and 2 threads");
    /* the manifest has one line per instance */
    snprintf(cmd, sizeof cmd, "test $(wc -l < %s/a/manifest.jsonl) -eq 10", tmp);
    CHECK_EQ_INT(run_cmd(cmd), 0);
    /* resume: remove one instance's meta.json; the rerun makes only that one */
    snprintf(cmd, sizeof cmd, "rm %s/a/000005-clip/meta.json && %s synth %s --n 10 --seed 4 -o %s/a --json > %s/out.json",
             tmp, bin, fams, tmp, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 0);
    snprintf(cmd, sizeof cmd, "grep -q '\"made\":1,\"skipped\":9,\"failed\":0,\"redrawn\":0' %s/out.json && cmp -s %s/a/manifest.jsonl "
             "%s/b/manifest.jsonl", tmp, tmp, tmp);
    CHECK_MSG(run_cmd(cmd) == 0, "resume did not make exactly the missing instance");
    /* --verify re-reads the corpus; a caption edited to a wrong size is caught */
    snprintf(cmd, sizeof cmd, "%s synth --verify %s/a > /dev/null", bin, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 0);
    snprintf(cmd, sizeof cmd, "sed -i 's/\"key\":\"z\",\"mm\":\\([0-9.]*\\)/\"key\":\"z\",\"mm\":999/' %s/a/000002-tslot/meta.json && "
             "%s synth --verify %s/a > /dev/null 2>&1", tmp, bin, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 1);
    /* usage errors */
    snprintf(cmd, sizeof cmd, "%s synth --n 0 -o %s/c 2> /dev/null", bin, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 2);
    snprintf(cmd, sizeof cmd, "%s synth --families nosuch -o %s/c 2> /dev/null", bin, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 1);
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    run_cmd(cmd);
}

/* kernel failures are redrawn (and counted); caption errors are not */
static void test_redraw(void) {
    synth_set set;
    sl_err err;
    CHECK_MSG(synth_set_load(&set, "tests/synth/families", "flaky,badcap", &err) == SL_OK, "%s", err.msg);
    if (!set.n) return;
    synth_opts o;
    synth_opts_default(&o);
    int n_redrawn = 0, n_ok = 0;
    for (long i = 0; i < 24; i += 2) {
        long idx = i + 1;                       /* sorted: badcap = 0, flaky = 1 */
        synth_instance in;
        synth_instance_init(&in);
        sl_status st = synth_make(&set, idx, &o, &in, &err);
        if (!st) {
            n_ok++;
            CHECK(strstr(in.program.data, "local x = ") != NULL);
            double x = atof(strstr(in.program.data, "local x = ") + 10);
            CHECK_MSG(x > 4, "accepted a draw the kernel rejects (x = %g)", x);
            if (in.redraws) {
                n_redrawn++;
                CHECK_MSG(strstr(in.first_failure, "strictly inside") != NULL, "%s", in.first_failure);
                CHECK(strstr(in.meta.data, "\"redraws\":") != NULL);
            }
        } else {
            CHECK_MSG(strstr(err.msg, "strictly inside") != NULL, "%s", err.msg);
        }
        synth_instance_release(&in);
    }
    CHECK(n_redrawn > 0);
    CHECK(n_ok >= 8);
    synth_instance in;
    synth_instance_init(&in);
    CHECK(synth_make(&set, 0, &o, &in, &err) != SL_OK);
    CHECK_MSG(strstr(err.msg, "measures") != NULL, "%s", err.msg);
    CHECK_EQ_INT(in.redraws, 0);
    synth_instance_release(&in);
    synth_set_release(&set);
}

int main(void) {
    synth_set set;
    sl_err err;
    CHECK_MSG(synth_set_load(&set, FAM_DIR, "all", &err) == SL_OK, "%s", err.msg);
    CHECK(set.n >= 16);
    int levels[5] = {0};
    static const char *const names[5] = {"L", "F", "S", "SE", "MSE"};
    for (size_t i = 0; i < set.n; i++)
        for (int k = 0; k < 5; k++) if (!strcmp(set.fams[i].level, names[k])) levels[k]++;
    for (int k = 0; k < 5; k++) CHECK_MSG(levels[k] > 0, "no family of level %s", names[k]);
    synth_opts o;
    synth_opts_default(&o);
    o.seed = 12345;
    for (long i = 0; i < (long)set.n; i++) check_instance(&set, i, &o);
    test_claims();
    test_split(&set, &o);
    test_cli();
    test_redraw();
    /* a family list with an unknown name is an error that names it */
    synth_set bad;
    CHECK(synth_set_load(&bad, FAM_DIR, "plate,nosuch", &err) != SL_OK);
    CHECK(strstr(err.msg, "nosuch") != NULL || strstr(err.file, "nosuch") != NULL);
    synth_set_release(&set);
    return test_finish("test_synth");
}
