/* test_pipeline.c - `steplm dataset build` on generated inputs: leak checks (no
 * record retrieves itself, a non-train record, or - for val/test - a train twin of
 * its caption), the same bytes for 1 and 2 threads, from the cache, after shards and
 * after a damaged cache file, the split unmoved by filters, the token budget, and a
 * synth-style corpus whose own split, programs and families are kept; then
 * `dataset stats`. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test.h"
#include "steplm/lm.h"
#include "steplm/retrieval.h"
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

static int same_files(const char *da, const char *db) {
    static const char *const names[3] = {"train", "val", "test"};
    for (int s = 0; s < 3; s++) {
        char a[4200], b[4200];
        snprintf(a, sizeof a, "%s/%s.jsonl", da, names[s]);
        snprintf(b, sizeof b, "%s/%s.jsonl", db, names[s]);
        size_t na = 0, nb = 0;
        char *x = slurp(a, &na), *y = slurp(b, &nb);
        int same = x && y && na == nb && !memcmp(x, y, na);
        free(x);
        free(y);
        if (!same) return 0;
    }
    return 1;
}

/* a small STEP file: a polyline of n_pts points through VERTEX_POINTs under one
 * EDGE_LOOP-like root (every entity reachable from the root) */
static void write_step(const char *path, int seed, int n_pts) {
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fprintf(f, "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\nFILE_NAME('g','2026-01-01T00:00:00',(''),(''),'','','');\n"
               "FILE_SCHEMA(('AUTOMOTIVE_DESIGN { 1 0 10303 214 1 1 1 1 }'));\nENDSEC;\nDATA;\n");
    for (int k = 0; k < n_pts; k++) {
        fprintf(f, "#%d = CARTESIAN_POINT('', (%.9f, %.9f, 0.E+000));\n", 10 + 2 * k, seed * 1.25 + k * 0.333333333,
                k * 2.000000001);
        fprintf(f, "#%d = VERTEX_POINT('', #%d);\n", 11 + 2 * k, 10 + 2 * k);
    }
    fprintf(f, "#1 = POLY_LOOP('loop', (");
    for (int k = 0; k < n_pts; k++) fprintf(f, "%s#%d", k ? ", " : "", 10 + 2 * k);
    fprintf(f, "));\n#2 = VERTEX_LOOP('v', #%d);\n#3 = FACE_BOUND('', #1, .T.);\nENDSEC;\nEND-ISO-10303-21;\n", 11);
    fclose(f);
}

static const char *const shapes[6] = {"flat rectangular plate", "cylindrical rod", "hex nut",
                                      "round washer", "L-shaped bracket", "spur gear"};

/* STEP-LLM-style input: 60 models, captions with twins, 2 not describable */
static void make_stepllm(const char *dir) {
    char p[8704];
    mkdir(dir, 0777);
    snprintf(p, sizeof p, "%s/captions.csv", dir);
    FILE *f = fopen(p, "wb");
    if (!f) return;
    fprintf(f, "model_id,isDescribable,description\n");
    for (int i = 0; i < 60; i++) {
        char id[16];
        snprintf(id, sizeof id, "%08d", 1000 + i);
        int desc = i % 29 != 7;
        /* every shape appears with plain captions (many twins) and sized ones */
        if (!desc) fprintf(f, "%s,False,\n", id);
        else if (i % 3 == 0) fprintf(f, "%s,True,A %s.\n", id, shapes[i % 6]);
        else fprintf(f, "%s,True,\"A %s, %d mm long, with %d holes.\"\n", id, shapes[i % 6], 10 + i, i % 5);
        snprintf(p, sizeof p, "%s/%s", dir, id);
        mkdir(p, 0777);
        snprintf(p, sizeof p, "%s/%s/%s.step", dir, id, id);
        write_step(p, i, 2 + i % 9);
    }
    fclose(f);
}

/* synth-style corpus: 30 parts of 3 families with their own split */
static const char *const fams[3] = {"washer", "rod", "plate"};
static void make_synth(const char *dir) {
    char p[8704];
    mkdir(dir, 0777);
    snprintf(p, sizeof p, "%s/manifest.jsonl", dir);
    FILE *m = fopen(p, "wb");
    if (!m) return;
    for (int i = 29; i >= 0; i--) {           /* reversed: the build sorts by id */
        char id[64];
        const char *fam = fams[i % 3];
        snprintf(id, sizeof id, "%06d-%s", i, fam);
        const char *split = i % 5 == 1 ? "val" : i % 5 == 3 ? "test" : "train";
        double a = 10 + 3 * i, b = 5 + i;
        fprintf(m,
                "{\"id\":\"%s\",\"family\":\"%s\",\"split\":\"%s\",\"parameters\":{\"a\":%g,\"b\":%g},"
                "\"size_mm\":[%g,%g,2],\"genus\":%d,\"captions\":[{\"level\":\"abstract\",\"text\":\"A %s.\",\"claims\":[]},"
                "{\"level\":\"precise\",\"text\":\"A %s %g mm by %g mm.\",\"claims\":[{\"mm\":%g},{\"mm\":%g}]}]}\n",
                id, fam, split, a, b, a, b, i % 3, fam, fam, a, b, a, b);
        snprintf(p, sizeof p, "%s/%s", dir, id);
        mkdir(p, 0777);
        snprintf(p, sizeof p, "%s/%s/part.step", dir, id);
        write_step(p, i, 3);
        snprintf(p, sizeof p, "%s/%s/part.lua", dir, id);
        FILE *l = fopen(p, "wb");
        if (l) { fprintf(l, "local a, b = %g, %g\npart(\"%s\", box(a, b, 2))\n", a, b, fam); fclose(l); }
    }
    fclose(m);
}

typedef struct rec { char *id, *split, *caption, *ret, *step, *prompt, *program, *family; long n_tokens; } rec;

static int load_records(const char *dir, rec *out, int max) {
    static const char *const names[3] = {"train", "val", "test"};
    int n = 0;
    for (int s = 0; s < 3; s++) {
        char p[4200];
        snprintf(p, sizeof p, "%s/%s.jsonl", dir, names[s]);
        char *d = slurp(p, NULL);
        if (!d) return -1;
        for (char *line = d, *nl; line && *line; line = nl ? nl + 1 : NULL) {
            nl = strchr(line, '\n');
            if (nl) *nl = 0;
            cJSON *o = cJSON_Parse(line);
            if (!o || n >= max) { cJSON_Delete(o); free(d); return -1; }
            rec *r = &out[n++];
            memset(r, 0, sizeof *r);
#define S(k) (cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k)) ? strdup(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k))) : NULL)
            r->id = S("id");
            r->split = S("split");
            r->caption = S("caption");
            r->ret = S("retrieved_id");
            r->step = S("step");
            r->prompt = S("prompt");
            r->program = S("program");
            r->family = S("family");
#undef S
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "n_tokens");
            r->n_tokens = cJSON_IsNumber(t) ? (long)t->valuedouble : -1;
            CHECK_STR(r->split, names[s]);
            CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "program")) || r->program);
            cJSON_Delete(o);
        }
        free(d);
    }
    return n;
}

static void free_records(rec *r, int n) {
    for (int i = 0; i < n; i++) {
        free(r[i].id); free(r[i].split); free(r[i].caption); free(r[i].ret);
        free(r[i].step); free(r[i].prompt); free(r[i].program); free(r[i].family);
    }
}

static const rec *find(const rec *r, int n, const char *id) {
    for (int i = 0; i < n; i++)
        if (id && !strcmp(r[i].id, id)) return &r[i];
    return NULL;
}

/* the leak rules, and that each prompt carries its retrieved record's DATA section */
static void check_leaks(const rec *r, int n) {
    int n_paired = 0;
    for (int i = 0; i < n; i++) {
        if (!r[i].ret) continue;
        n_paired++;
        CHECK_MSG(strcmp(r[i].ret, r[i].id) != 0, "%s retrieved itself", r[i].id);
        const rec *q = find(r, n, r[i].ret);
        CHECK_MSG(q && !strcmp(q->split, "train"), "%s retrieved %s, not a train record", r[i].id, r[i].ret);
        if (!q) continue;
        if (strcmp(r[i].split, "train"))
            CHECK_MSG(retrieval_caption_hash(q->caption) != retrieval_caption_hash(r[i].caption),
                      "%s (%s) retrieved its caption twin %s from train", r[i].id, r[i].split, q->id);
        char want[65536];
        snprintf(want, sizeof want, "### retrieved relevant step file:\n%s\n\n### output:\n", q->step);
        size_t lp = strlen(r[i].prompt), lw = strlen(want);
        CHECK_MSG(lp >= lw && !strcmp(r[i].prompt + lp - lw, want), "%s: prompt does not end with %s's DATA section",
                  r[i].id, q->id);
    }
    CHECK(n_paired > 0);
}

int main(void) {
    const char *bin = test_steplm_bin();
    char tmp[] = "/tmp/steplm_dspipe_XXXXXX";
    if (!mkdtemp(tmp)) { CHECK(0); return test_finish("dataset/pipeline"); }
    char cmd[8192], a[4200], b[4200];
    snprintf(a, sizeof a, "%s/in", tmp);
    make_stepllm(a);

    /* 1. one thread vs two threads, no cache: identical bytes */
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=1 %s dataset build %s/in -o %s/t1 --seed 3 --no-cache > /dev/null", bin, tmp, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 0);
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=2 %s dataset build %s/in -o %s/t2 --seed 3 > /dev/null", bin, tmp, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 0);
    snprintf(a, sizeof a, "%s/t1", tmp);
    snprintf(b, sizeof b, "%s/t2", tmp);
    CHECK_MSG(same_files(a, b), "1 and 2 threads give different JSONL");

    /* 2. leaks */
    static rec r[256];
    int n = load_records(a, r, 256);
    CHECK_EQ_INT(n, 58);                      /* 60 rows, 2 not describable */
    if (n > 0) check_leaks(r, n);
    int n_split[3] = {0, 0, 0};
    for (int i = 0; i < n; i++) n_split[!strcmp(r[i].split, "val") ? 1 : !strcmp(r[i].split, "test") ? 2 : 0]++;
    CHECK_EQ_INT(n_split[0], 40);             /* floor(0.7 * 58) */
    CHECK_EQ_INT(n_split[2], 11);             /* floor(0.2 * 58) */
    CHECK_EQ_INT(n_split[1], 7);

    /* 3. rerun from the cache with another thread count; a damaged cache file and
     * a stale one (other options) are recomputed; all give the same bytes */
    snprintf(cmd, sizeof cmd, "f=$(ls %s/t2/cache/*.rec | head -1) && head -c 20 $f > $f.x && mv $f.x $f && "
             "g=$(ls %s/t2/cache/*.rec | tail -1) && sed -i '1s/^SLDC1 [0-9a-f]*/SLDC1 0000000000000000/' $g && "
             "OMP_NUM_THREADS=1 %s dataset build %s/in -o %s/t2 --seed 3 --json > %s/sum3.json",
             tmp, tmp, bin, tmp, tmp, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 0);
    CHECK_MSG(same_files(a, b), "rerun from the cache differs");
    snprintf(cmd, sizeof cmd, "grep -q '\"cache\":{\"hits\":56,\"written\":2}' %s/sum3.json", tmp);
    CHECK_MSG(run_cmd(cmd) == 0, "expected 56 cache hits and 2 recomputed entries");

    /* 4. shards fill the cache; the final run only assembles */
    snprintf(cmd, sizeof cmd, "%s dataset build %s/in -o %s/sh --seed 3 --shard 0/2 > /dev/null && "
             "%s dataset build %s/in -o %s/sh --seed 3 --shard 1/2 > /dev/null && test ! -e %s/sh/train.jsonl && "
             "%s dataset build %s/in -o %s/sh --seed 3 --json > %s/sum4.json",
             bin, tmp, tmp, bin, tmp, tmp, tmp, bin, tmp, tmp, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 0);
    snprintf(b, sizeof b, "%s/sh", tmp);
    CHECK_MSG(same_files(a, b), "sharded build differs");
    snprintf(cmd, sizeof cmd, "grep -q '\"cache\":{\"hits\":58,\"written\":0}' %s/sum4.json && test -s %s/sh/summary-1of2.json",
             tmp, tmp);
    CHECK_MSG(run_cmd(cmd) == 0, "the final run after the shards prepared something again");

    /* 5. filters never move an item between splits */
    snprintf(cmd, sizeof cmd, "%s dataset build %s/in -o %s/small --seed 3 --max-entities 12 > /dev/null", bin, tmp, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 0);
    static rec r2[256];
    snprintf(b, sizeof b, "%s/small", tmp);
    int n2 = load_records(b, r2, 256);
    CHECK(n2 > 0 && n2 < n);
    for (int i = 0; i < n2; i++) {
        const rec *q = find(r, n, r2[i].id);
        CHECK(q && !strcmp(q->split, r2[i].split));
    }
    if (n2 > 0) check_leaks(r2, n2);
    free_records(r2, n2 > 0 ? n2 : 0);

    /* 6. token budget with a byte-level tokenizer: one token per byte */
    lm_tokenizer *tok = lm_tokenizer_new_bytes(LM_PRETOK_STEP);
    snprintf(a, sizeof a, "%s/bytes.tok", tmp);
    CHECK(tok && lm_tokenizer_save(tok, a, NULL) == SL_OK);
    lm_tokenizer_free(tok);
    long budget = 700;
    int n_over = 0;
    for (int i = 0; i < n; i++) n_over += (long)strlen(r[i].step) > budget;
    CHECK(n_over > 0 && n_over < n);
    snprintf(cmd, sizeof cmd, "%s dataset build %s/in -o %s/tok --seed 3 --tokenizer %s --max-tokens %ld --json > %s/sum6.json",
             bin, tmp, tmp, a, budget, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 0);
    snprintf(b, sizeof b, "%s/tok", tmp);
    n2 = load_records(b, r2, 256);
    CHECK_EQ_INT(n2, n - n_over);
    for (int i = 0; i < n2; i++) CHECK_EQ_INT(r2[i].n_tokens, (long)strlen(r2[i].step));
    free_records(r2, n2 > 0 ? n2 : 0);
    snprintf(cmd, sizeof cmd, "grep -q '\"over_token_budget\":%d' %s/sum6.json", n_over, tmp);
    CHECK_MSG(run_cmd(cmd) == 0, "summary does not count %d items over the token budget", n_over);
    free_records(r, n > 0 ? n : 0);

    /* 7. synth-style corpus: its split, its programs, families; geo retrieval; stats */
    snprintf(a, sizeof a, "%s/syn", tmp);
    make_synth(a);
    snprintf(cmd, sizeof cmd, "%s dataset build %s/syn -o %s/so --rag geo --caption-level precise > /dev/null && "
             "%s dataset stats %s/so --json > %s/stats.json && %s dataset stats %s/so > /dev/null",
             bin, tmp, tmp, bin, tmp, tmp, bin, tmp);
    CHECK_EQ_INT(run_cmd(cmd), 0);
    snprintf(b, sizeof b, "%s/so", tmp);
    n = load_records(b, r, 256);
    CHECK_EQ_INT(n, 30);
    if (n > 0) check_leaks(r, n);
    for (int i = 0; i < n; i++) {
        int idx = atoi(r[i].id);
        const char *want = idx % 5 == 1 ? "val" : idx % 5 == 3 ? "test" : "train";
        CHECK_STR(r[i].split, want);
        CHECK_STR(r[i].family, fams[idx % 3]);
        char lua[256];
        snprintf(lua, sizeof lua, "local a, b = %g, %g\npart(\"%s\", box(a, b, 2))\n", 10.0 + 3 * idx, 5.0 + idx,
                 fams[idx % 3]);
        CHECK_STR(r[i].program, lua);
        CHECK(strstr(r[i].caption, " mm by ") != NULL);    /* precise level */
        if (i > 0) CHECK(strcmp(r[i - 1].id, r[i].id) < 0 || strcmp(r[i - 1].split, r[i].split) != 0);
    }
    free_records(r, n > 0 ? n : 0);
    /* abstract captions are shared by every part of a family: twins across splits. Every
     * same-family train part has the val/test query's abstract caption ("A rod.") - as its
     * record caption, or (level "any") as its other caption - so the twin rule leaves only
     * other families for those queries, in every indexing mode */
    static const char *const runs[4] = {"--caption-level abstract", "--caption-level any --seed 5",
                                        "--caption-level any --seed 5 --index-captions all",
                                        "--caption-level abstract --index-captions chosen"};
    for (int run = 0; run < 4; run++) {
        snprintf(cmd, sizeof cmd, "rm -rf %s/sa && %s dataset build %s/syn -o %s/sa %s > /dev/null", tmp, bin, tmp, tmp,
                 runs[run]);
        CHECK_EQ_INT(run_cmd(cmd), 0);
        snprintf(b, sizeof b, "%s/sa", tmp);
        n = load_records(b, r, 256);
        CHECK_EQ_INT(n, 30);
        if (n > 0) check_leaks(r, n);
        int n_abstract_eval = 0;
        for (int i = 0; i < n; i++) {
            const rec *q = find(r, n, r[i].ret);
            CHECK(q != NULL);
            if (!q || !strcmp(r[i].split, "train") || strstr(r[i].caption, " mm ")) continue;
            n_abstract_eval++;
            if (run == 2) {
                /* one entry per caption: a part whose record caption differs may still come
                 * back, but never through an entry with the query's caption */
                continue;
            }
            CHECK_MSG(strcmp(q->family, r[i].family) != 0, "%s (%s) got %s, which has its caption", r[i].id,
                      runs[run], q->id);
        }
        CHECK(n_abstract_eval > 0);
        free_records(r, n > 0 ? n : 0);
    }
    snprintf(a, sizeof a, "%s/stats.json", tmp);
    char *sj = slurp(a, NULL);
    cJSON *st = sj ? cJSON_Parse(sj) : NULL;
    free(sj);
    CHECK(st != NULL);
    if (st) {
        const cJSON *ret = cJSON_GetObjectItemCaseSensitive(st, "retrieval");
        CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(ret, "retrieved_self")->valueint, 0);
        CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(ret, "retrieved_not_train")->valueint, 0);
        const cJSON *fm = cJSON_GetObjectItemCaseSensitive(ret, "family_match_eval");
        CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(fm, "n")->valueint, 12);   /* 6 val + 6 test */
        /* captions name the family, so BM25 finds it every time */
        CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(fm, "hits")->valueint, 12);
        const cJSON *sp = cJSON_GetObjectItemCaseSensitive(st, "splits");
        CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(sp, "train")->valueint, 18);
        const cJSON *ent = cJSON_GetObjectItemCaseSensitive(st, "entities");
        CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(ent, "max")->valueint, 9);   /* 3 points: 6 + 3 */
    }
    cJSON_Delete(st);

    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    run_cmd(cmd);
    return test_finish("dataset/pipeline");
}
