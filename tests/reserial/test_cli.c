/* test_cli.c - the round / reserialize / restore commands: --help and usage
 * errors, single-file mode, batch mode over a directory (summary JSON with done /
 * skipped / failed and the located reason), resuming (finished outputs skipped),
 * --shard i/n (disjoint, covering), --list, results independent of the thread
 * count and equal to single-file mode, restore of a batch. */
#include <sys/stat.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "test.h"
#include "steplm/util.h"

static char dir[256];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...) {
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *slurp(const char *path) {
    char *t = NULL;
    size_t n;
    sl_err err;
    if (sl_file_read(path, &t, &n, 0, &err)) return NULL;
    return t;
}

static cJSON *summary(const char *path) {
    char *t = slurp(path);
    cJSON *j = t ? cJSON_Parse(t) : NULL;
    free(t);
    return j;
}

static int jint(const cJSON *j, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
    return cJSON_IsNumber(v) ? v->valueint : -1;
}

static int same_file(const char *a, const char *b) {
    char *x = slurp(a), *y = slurp(b);
    int eq = x && y && !strcmp(x, y);
    free(x);
    free(y);
    return eq;
}

int main(void) {
    const char *bin = test_steplm_bin();
    snprintf(dir, sizeof dir, "/tmp/steplm-reserial-cli-XXXXXX");
    if (!mkdtemp(dir)) TEST_SKIP("cannot create a temp dir");
    /* --help and usage errors */
    CHECK_EQ_INT(sh("%s round --help >/dev/null", bin), 0);
    CHECK_EQ_INT(sh("%s reserialize --help >/dev/null", bin), 0);
    CHECK_EQ_INT(sh("%s restore --help >/dev/null", bin), 0);
    CHECK_EQ_INT(sh("%s reserialize --order sideways x -o y 2>/dev/null", bin), 2);
    CHECK_EQ_INT(sh("%s reserialize x 2>/dev/null", bin), 2);
    CHECK_EQ_INT(sh("%s round --decimals 99 x -o y 2>/dev/null", bin), 2);
    /* inputs: three good files in a subdirectory, one damaged */
    CHECK_EQ_INT(sh("mkdir -p %s/in/sub %s/real && cp tests/reserial/stepllm/onshape*.step %s/in/sub/ && "
                    "cp ../shared/data/step/real/brepnet/tests/test_data/simple_solids/block.step "
                    "../shared/data/step/real/brepnet/example_files/step_examples/123091_2ebff124_3.stp %s/real/", dir, dir, dir, dir), 0);
    CHECK_EQ_INT(sh("mkdir -p %s/in/sub && cp tests/reserial/stepllm/onshape*.step %s/in/sub/ && "
                    "printf 'ISO-10303-21;\\nHEADER;\\nENDSEC;\\nDATA;\\n#1=A(#2)\\n#2=B();\\nENDSEC;\\nEND-ISO-10303-21;\\n' "
                    "> %s/in/broken.step", dir, dir, dir), 0);
    /* batch, 2 threads: 3 done, 1 failed with its location */
    CHECK_EQ_INT(sh("%s reserialize %s/in -o %s/out --order post --annotate -j 2 2>/dev/null", bin, dir, dir), 1);
    char p[512], q[512];
    snprintf(p, sizeof p, "%s/out/reserialize-summary.json", dir);
    cJSON *j = summary(p);
    CHECK(j != NULL);
    CHECK_EQ_INT(jint(j, "n_files"), 4);
    CHECK_EQ_INT(jint(j, "done"), 3);
    CHECK_EQ_INT(jint(j, "skipped"), 0);
    CHECK_EQ_INT(jint(j, "failed"), 1);
    const cJSON *f = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "failures"), 0);
    const cJSON *reason = cJSON_GetObjectItemCaseSensitive(f, "reason");
    CHECK(cJSON_IsString(reason) && strstr(reason->valuestring, "broken.step:6:1: error:"));
    cJSON_Delete(j);
    /* resume: finished outputs are skipped, the failure is retried */
    CHECK_EQ_INT(sh("%s reserialize %s/in -o %s/out --order post --annotate 2>/dev/null", bin, dir, dir), 1);
    j = summary(p);
    CHECK(j && jint(j, "skipped") == 3 && jint(j, "done") == 0 && jint(j, "failed") == 1);
    cJSON_Delete(j);
    /* one thread gives the same bytes; so does single-file mode */
    CHECK_EQ_INT(sh("%s reserialize %s/in -o %s/out1 --order post --annotate -j 1 2>/dev/null", bin, dir, dir), 1);
    snprintf(p, sizeof p, "%s/out/sub/onshape2.step", dir);
    snprintf(q, sizeof q, "%s/out1/sub/onshape2.step", dir);
    CHECK(same_file(p, q));
    CHECK_EQ_INT(sh("%s reserialize tests/reserial/stepllm/onshape2.step -o %s/single.step --order post --annotate", bin, dir), 0);
    snprintf(q, sizeof q, "%s/single.step", dir);
    CHECK(same_file(p, q));
    /* shards are disjoint and cover the inputs */
    CHECK_EQ_INT(sh("%s reserialize %s/in -o %s/sh --shard 0/2 2>/dev/null; %s reserialize %s/in -o %s/sh --shard 1/2 2>/dev/null; true",
                    bin, dir, dir, bin, dir, dir), 0);
    snprintf(p, sizeof p, "%s/sh/reserialize-summary-0-of-2.json", dir);
    snprintf(q, sizeof q, "%s/sh/reserialize-summary-1-of-2.json", dir);
    cJSON *s0 = summary(p), *s1 = summary(q);
    CHECK(s0 && s1 && jint(s0, "n_files") == 2 && jint(s1, "n_files") == 2);
    CHECK(s0 && s1 && jint(s0, "done") + jint(s1, "done") == 3 && jint(s0, "failed") + jint(s1, "failed") == 1);
    cJSON_Delete(s0);
    cJSON_Delete(s1);
    /* --list */
    CHECK_EQ_INT(sh("printf '# two files\\ntests/reserial/stepllm/onshape1.step\\n\\ntests/reserial/stepllm/onshape3.step\\n' > %s/list.txt && "
                    "%s reserialize --list %s/list.txt -o %s/fromlist --format stepllm 2>/dev/null", dir, bin, dir, dir), 0);
    snprintf(p, sizeof p, "%s/fromlist/tests/reserial/stepllm/onshape1.step", dir);
    CHECK(same_file(p, "tests/reserial/stepllm/onshape1.golden"));
    /* restore a batch (the hand-made files are not schema-valid: the facts file's
     * example links styles to colours directly, so they only have to parse) */
    CHECK_EQ_INT(sh("%s restore %s/out -o %s/restored 2>/dev/null", bin, dir, dir), 0);
    CHECK_EQ_INT(sh("%s fmt %s/restored/sub/onshape1.step -o - >/dev/null", bin, dir), 0);
    /* an output that is not a regular file (here a FIFO) is written into, not replaced */
    CHECK_EQ_INT(sh("mkfifo %s/fifo && (cat %s/fifo > %s/from_fifo &) && "
                    "%s reserialize tests/reserial/stepllm/onshape1.step -o %s/fifo && sleep 0.3 && test -p %s/fifo && "
                    "grep -q PRODUCT_CATEGORY_RELATIONSHIP %s/from_fifo", dir, dir, dir, bin, dir, dir, dir), 0);
    /* valid corpus files: the annotated outputs (both orders) and their restored
     * forms pass `steplm check` (syntax, references, schema) */
    CHECK_EQ_INT(sh("%s check %s/real >/dev/null 2>&1", bin, dir), 0);
    CHECK_EQ_INT(sh("%s reserialize %s/real -o %s/real_pre --annotate 2>/dev/null && "
                    "%s reserialize %s/real -o %s/real_post --annotate --order post 2>/dev/null && "
                    "%s restore %s/real_post -o %s/real_restored 2>/dev/null",
                    bin, dir, dir, bin, dir, dir, bin, dir, dir), 0);
    CHECK_EQ_INT(sh("%s check %s/real_pre %s/real_post %s/real_restored >/dev/null 2>&1", bin, dir, dir, dir), 0);
    /* round, single file to stdout */
    CHECK_EQ_INT(sh("%s round tests/reserial/stepllm/onshape3.step -o - --decimals 3 | grep -q \"CARTESIAN_POINT('',(1.0,-2.5,3.142))\"", bin), 0);
    CHECK_EQ_INT(sh("%s round tests/reserial/stepllm/onshape3.step -o - --style stepllm | grep -q \"(1.000000,-2.500000,3.141593)\"", bin), 0);
    sh("rm -rf %s", dir);
    return test_finish("test_cli");
}
