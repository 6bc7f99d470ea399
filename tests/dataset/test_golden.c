/* test_golden.c - `steplm dataset build` on a hand-made STEP-LLM-style input
 * (tests/dataset/stepllm: a captions CSV with a non-describable row, a row whose
 * STEP folder is missing and a file over the entity limit; one folder of STEP files
 * per model id, CRLF and a multi-line entity included) reproduces
 * tests/dataset/golden/{train,val,test}.jsonl byte for byte.
 *
 * The golden files were written by hand: the prompt templates from the facts file
 * §5.3, the DATA sections by applying the documented reserialization rules (one
 * root per file, pre-order DFS, children in argument order, renumbered #1..n,
 * canonical spelling "#n=TYPE(a,b);", reals rounded to 6 decimals and written
 * shortest: 12.7000001 -> 12.7, -0.0000001 -> 0.0, 0.E+000 -> 0.0, 2. -> 2.0) and
 * the BM25 neighbours worked out from the captions (m01/m02 are the only train
 * records). The one input taken from the code is the seed: seed 6 happens to put
 * m01, m02, m06, m07 in train, m03 in val and m04 in test (the split rule itself is
 * tested in tests/data/test_split.c). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test.h"
#include "steplm/util.h"

static int run_cmd(const char *cmd) {
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *slurp(const char *path, size_t *n) {
    char *d = NULL;
    size_t k = 0;
    if (sl_file_read(path, &d, &k, 0, NULL)) return NULL;
    if (n) *n = k;
    return d;
}

static void same_file(const char *a, const char *b) {
    size_t na = 0, nb = 0;
    char *da = slurp(a, &na), *db = slurp(b, &nb);
    CHECK_MSG(da && db, "cannot read %s or %s", a, b);
    if (da && db) {
        int same = na == nb && !memcmp(da, db, na);
        CHECK_MSG(same, "%s differs from the golden %s", a, b);
        if (!same) {
            size_t i = 0;
            while (i < na && i < nb && da[i] == db[i]) i++;
            fprintf(stderr, "  first difference at byte %zu: got '%.40s' want '%.40s'\n", i, da + i, db + i);
        }
    }
    free(da);
    free(db);
}

static cJSON *first_record(const char *path) {
    char *d = slurp(path, NULL);
    if (!d) return NULL;
    char *nl = strchr(d, '\n');
    if (nl) *nl = 0;
    cJSON *o = cJSON_Parse(d);
    free(d);
    return o;
}

int main(void) {
    const char *bin = test_steplm_bin();
    char tmp[] = "/tmp/steplm_dsgold_XXXXXX";
    if (!mkdtemp(tmp)) { CHECK(0); return test_finish("dataset/golden"); }
    char cmd[4096], a[4200], b[4200];

    /* 1. default options: pre order, 6 decimals, BM25 */
    snprintf(cmd, sizeof cmd, "%s dataset build tests/dataset/stepllm -o %s/out --seed 6 --max-entities 8 > /dev/null",
             bin, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 0);
    static const char *const names[3] = {"train", "val", "test"};
    for (int s = 0; s < 3; s++) {
        snprintf(a, sizeof a, "%s/out/%s.jsonl", tmp, names[s]);
        snprintf(b, sizeof b, "tests/dataset/golden/%s.jsonl", names[s]);
        same_file(a, b);
    }
    /* the filters, with their reasons */
    snprintf(a, sizeof a, "%s/out/summary.json", tmp);
    char *sj = slurp(a, NULL);
    cJSON *sum = sj ? cJSON_Parse(sj) : NULL;
    free(sj);
    CHECK(sum != NULL);
    if (sum) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(sum, "filtered");
        CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(f, "not_describable")->valueint, 1);
        CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(f, "missing_step")->valueint, 1);
        CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(f, "too_many_entities")->valueint, 1);
        CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(f, "total")->valueint, 3);
        CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(sum, "kept")->valueint, 4);
        CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sum, "kind")), "stepllm");
    }
    cJSON_Delete(sum);

    /* 2. the same input named as --csv/--steps, second run from the cache: same bytes */
    snprintf(cmd, sizeof cmd,
             "%s dataset build --csv tests/dataset/stepllm/captions.csv --steps tests/dataset/stepllm -o %s/out "
             "--seed 6 --max-entities 8 --json > %s/sum2.json",
             bin, tmp, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 0);
    for (int s = 0; s < 3; s++) {
        snprintf(a, sizeof a, "%s/out/%s.jsonl", tmp, names[s]);
        snprintf(b, sizeof b, "tests/dataset/golden/%s.jsonl", names[s]);
        same_file(a, b);
    }
    snprintf(cmd, sizeof cmd, "grep -q '\"cache\":{\"hits\":5,\"written\":0}' %s/sum2.json", tmp);
    CHECK_MSG(run_cmd(cmd) == 0, "second run did not take the 5 parsed items from the cache");

    /* 3. --order keep: the DATA section verbatim (lines stripped, CRLF and the
     * multi-line entity of m03 as STEP-LLM reads them) */
    snprintf(cmd, sizeof cmd, "%s dataset build tests/dataset/stepllm -o %s/keep --seed 6 --max-entities 8 --order keep "
             "> /dev/null", bin, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 0);
    snprintf(a, sizeof a, "%s/keep/val.jsonl", tmp);
    cJSON *r = first_record(a);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "id")), "m03");
        CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "step")),
                  "DATA;\n#100=DIRECTION('',(0.,1.,0.));\n#101=VECTOR('',#100,\n25.4);\nENDSEC;\nEND-ISO-10303-21;");
        CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "prompt")),
                  "You are a CAD model generation assistant trained to produce STEP (.step) files based on textual "
                  "descriptions. Given the following object description and relevant retrieved CAD data, generate a "
                  "STEP file that accurately represents the described object.\n\n\n### caption:\nA cylindrical rod.\n\n"
                  "### retrieved relevant step file:\nDATA;\n#30 = DIRECTION('', (1.00000000000000, 0.E+000, 0.E+000));\n"
                  "#10 = AXIS2_PLACEMENT_3D('origin', #20, #40, #30);\n"
                  "#40 = DIRECTION('', (0.E+000, 0.E+000, 1.00000000000000));\n"
                  "#20 = CARTESIAN_POINT('', (12.7000001, -0.0000001, 3.14159265358979));\nENDSEC;\n"
                  "END-ISO-10303-21;\n\n### output:\n");
    }
    cJSON_Delete(r);

    /* 4. post order: children before parents */
    snprintf(cmd, sizeof cmd, "%s dataset build tests/dataset/stepllm -o %s/post --seed 6 --max-entities 8 --order post "
             "> /dev/null", bin, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 0);
    snprintf(a, sizeof a, "%s/post/test.jsonl", tmp);
    r = first_record(a);
    CHECK(r != NULL);
    if (r)
        CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "step")),
                  "DATA;\n#1=CARTESIAN_POINT('',(0.0,0.0,0.0));\n#2=VERTEX_POINT('',#1);\n"
                  "#3=CARTESIAN_POINT('',(10.0,0.0,0.0));\n#4=VERTEX_POINT('',#3);\n"
                  "#5=DIRECTION('',(1.0,0.0,0.0));\n#6=VECTOR('',#5,10.0);\n#7=LINE('',#1,#6);\n"
                  "#8=EDGE_CURVE('',#2,#4,#7,.T.);\nENDSEC;\nEND-ISO-10303-21;");
    cJSON_Delete(r);

    /* 5. usage errors and a missing input */
    snprintf(cmd, sizeof cmd, "%s dataset build tests/dataset/stepllm 2> /dev/null", bin);
    CHECK_EQ_INT(run_cmd(cmd), 2);
    snprintf(cmd, sizeof cmd, "%s dataset build tests/dataset/stepllm -o %s/x --order keep --round 3 2> /dev/null", bin, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 2);
    snprintf(cmd, sizeof cmd, "%s dataset build tests/dataset/stepllm -o %s/x --max-tokens 10 2> /dev/null", bin, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 2);
    snprintf(cmd, sizeof cmd, "%s dataset build %s/nosuch -o %s/x 2> /dev/null", bin, tmp, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 1);
    snprintf(cmd, sizeof cmd, "%s dataset frobnicate 2> /dev/null", bin);
    CHECK_EQ_INT(run_cmd(cmd), 2);

    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    run_cmd(cmd);
    return test_finish("dataset/golden");
}
