/* test_cli.c - `steplm index build|query|info` end to end through the binary:
 * exit codes, JSON output, exclusion, split filter, and a damaged index file. */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"

static char dir[] = "/tmp/steplm_test_cli_XXXXXX";

/* run a shell command, capture stdout into out; returns the exit status */
static int sh(char *out, size_t n_out, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int sh(char *out, size_t n_out, const char *fmt, ...) {
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t k = 0;
    if (out && n_out) {
        k = fread(out, 1, n_out - 1, p);
        out[k] = 0;
    } else {
        char tmp[4096];
        while (fread(tmp, 1, sizeof tmp, p) > 0) {}
    }
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void) {
    if (!mkdtemp(dir)) TEST_SKIP("no temp dir");
    const char *bin = test_steplm_bin();
    if (access(bin, X_OK) != 0) TEST_SKIP("no steplm binary at %s", bin);
    char path[256];
    snprintf(path, sizeof path, "%s/caps.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("model_id,isDescribable,description\r\n"
          "00010001,True,A flat rectangular plate.\r\n"
          "00010002,True,\"A cylindrical rod, 40 mm long.\"\r\n"
          "00010003,False,\r\n"
          "00010004,True,A hexagonal nut with a central threaded hole.\r\n"
          "00010005,True,\"A \"\"long\"\" cylindrical rod, 4 cm.\"\r\n", f);
    fclose(f);
    static char out[65536];
    CHECK_EQ_INT(sh(NULL, 0, "%s index build --captions %s -o %s/a.idx --kind all --dim 64 2>/dev/null",
                    bin, path, dir), 0);
    /* the same length written two ways: 1.575 in = 40 mm = 4 cm */
    CHECK_EQ_INT(sh(out, sizeof out, "%s index query %s/a.idx 'cylindrical rod 1.575 in' -k 3 --json",
                    bin, dir), 0);
    cJSON *o = cJSON_Parse(out);
    CHECK(o != NULL);
    if (o) {
        cJSON *hits = cJSON_GetObjectItem(o, "hits");
        CHECK_EQ_INT(cJSON_GetArraySize(hits), 2);   /* only two captions share a token */
        const char *id0 = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(hits, 0), "id"));
        CHECK(id0 && (!strcmp(id0, "00010002") || !strcmp(id0, "00010005")));
        cJSON_Delete(o);
    }
    CHECK_EQ_INT(sh(out, sizeof out, "%s index query %s/a.idx 'cylindrical rod' -k 5 --json "
                    "--exclude-id 00010002 --kind dense-q8", bin, dir), 0);
    CHECK(strstr(out, "\"00010002\"") == NULL);
    CHECK(strstr(out, "\"00010005\"") != NULL);
    CHECK(strstr(out, "\"00010003\"") == NULL);        /* not describable: not indexed */
    /* split tags from the seeded split: every hit of --split train is train */
    CHECK_EQ_INT(sh(NULL, 0, "%s index build --captions %s -o %s/s.idx --split-seed 3 2>/dev/null",
                    bin, path, dir), 0);
    CHECK_EQ_INT(sh(out, sizeof out, "%s index query %s/s.idx 'a' -k 5 --json --split train", bin, dir), 0);
    o = cJSON_Parse(out);
    CHECK(o != NULL);
    if (o) {
        cJSON *hits = cJSON_GetObjectItem(o, "hits"), *h;
        CHECK(cJSON_GetArraySize(hits) >= 1);
        cJSON_ArrayForEach(h, hits) CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(h, "split")), "train");
        cJSON_Delete(o);
    }
    CHECK_EQ_INT(sh(out, sizeof out, "%s index info %s/s.idx --json", bin, dir), 0);
    CHECK(strstr(out, "\"entries\":4") != NULL);
    /* usage errors exit 2; a truncated index exits 1 with a message naming the file */
    CHECK_EQ_INT(sh(NULL, 0, "%s index query 2>/dev/null", bin), 2);
    CHECK_EQ_INT(sh(NULL, 0, "%s index build --captions %s 2>/dev/null", bin, path), 2);
    CHECK_EQ_INT(sh(NULL, 0, "%s index query %s/a.idx x --kind bogus 2>/dev/null", bin, dir), 2);
    CHECK_EQ_INT(sh(NULL, 0, "%s index --help >/dev/null", bin), 0);
    CHECK_EQ_INT(sh(NULL, 0, "head -c 1000 %s/a.idx > %s/t.idx", dir, dir), 0);
    CHECK_EQ_INT(sh(out, sizeof out, "%s index query %s/t.idx rod 2>&1", bin, dir), 1);
    CHECK(strstr(out, "t.idx") != NULL && strstr(out, "truncated") != NULL);
    /* JSONL with sizes: --geo picks the part whose bbox fits the stated sizes */
    snprintf(path, sizeof path, "%s/parts.jsonl", dir);
    f = fopen(path, "w");
    fputs("{\"id\":\"p1\",\"caption\":\"A flat rectangular plate.\",\"split\":\"train\",\"bbox_mm\":[200,100,5]}\n"
          "{\"id\":\"p2\",\"caption\":\"A flat rectangular plate.\",\"split\":\"train\",\"bbox_mm\":[100,50,5]}\n"
          "{\"id\":\"p3\",\"caption\":\"A flat rectangular plate.\",\"split\":\"test\",\"bbox_mm\":[100,50,5]}\n", f);
    fclose(f);
    CHECK_EQ_INT(sh(NULL, 0, "%s index build --captions %s -o %s/p.idx 2>/dev/null", bin, path, dir), 0);
    CHECK_EQ_INT(sh(out, sizeof out, "%s index query %s/p.idx 'a flat plate, 4 x 2 in' -k 1 --geo --split train --json",
                    bin, dir), 0);
    CHECK_MSG(strstr(out, "\"id\":\"p2\"") != NULL, "%s", out);   /* 101.6 x 50.8 mm */
    CHECK_EQ_INT(sh(out, sizeof out, "%s index query %s/p.idx 'a flat plate, 4 x 2 in' -k 1 --split train --json",
                    bin, dir), 0);
    CHECK_MSG(strstr(out, "\"id\":\"p1\"") != NULL, "%s", out);   /* no re-ranking: first of equals */
    /* a CSV error is reported as file:line:col */
    snprintf(path, sizeof path, "%s/caps.csv", dir);
    f = fopen(path, "w");
    fputs("model_id,isDescribable,description\n1,True,\"open\n", f);
    fclose(f);
    CHECK_EQ_INT(sh(out, sizeof out, "%s index build --captions %s -o %s/x.idx 2>&1", bin, path, dir), 1);
    CHECK_MSG(strstr(out, "caps.csv:2:8: error: unterminated") != NULL, "%s", out);
    sh(NULL, 0, "rm -rf %s", dir);
    return test_finish("retrieval/cli");
}
