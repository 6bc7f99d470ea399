/* cmd_index.c - `steplm index build|query|info`: caption indexes for retrieval. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "steplm/data.h"
#include "steplm/retrieval.h"

static const char usage[] =
    "usage: steplm index build --captions FILE.(csv|jsonl) -o INDEX [options]\n"
    "       steplm index query INDEX \"caption\" [options]\n"
    "       steplm index info INDEX [--json]\n"
    "\n"
    "build options:\n"
    "  --kind K          bm25 (default) | dense | dense-q8 | all (comma lists allowed)\n"
    "  --dim N           vector size for the dense kinds (default 256)\n"
    "  --split-seed S    tag entries train/val/test with the seeded split (data.h rule);\n"
    "                    JSONL \"split\" fields are used otherwise\n"
    "  --group-by-caption  with --split-seed: equal normalised captions share a split\n"
    "  --all-rows        keep rows with isDescribable False too\n"
    "query options:\n"
    "  -k K              number of results (default 5)\n"
    "  --kind K          bm25 | dense | dense-q8 (default: bm25 if present)\n"
    "  --exclude-id ID   never return this entry\n"
    "  --split LIST      only entries of these splits, e.g. train or train,val\n"
    "  --geo             re-rank by how well entry metadata fits sizes in the caption\n"
    "  --verify          check the whole file's checksum when loading\n"
    "  --json            machine-readable output\n"
    "The dense kinds use the baseline hashed character n-gram embedding ("
    RETRIEVAL_EMBED_HASH_NAME "),\n"
    "not a learned model.\n";

static int parse_kinds(const char *s, unsigned *kinds) {
    *kinds = 0;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!strcmp(t, "bm25")) *kinds |= RETRIEVAL_KIND_BM25;
        else if (!strcmp(t, "dense")) *kinds |= RETRIEVAL_KIND_DENSE;
        else if (!strcmp(t, "dense-q8")) *kinds |= RETRIEVAL_KIND_DENSE_Q8;
        else if (!strcmp(t, "all")) *kinds |= 7u;
        else return -1;
    }
    return *kinds ? 0 : -1;
}

static int cmd_build(int argc, char **argv) {
    const char *captions = NULL, *out = NULL;
    unsigned kinds = RETRIEVAL_KIND_BM25;
    long dim = 256;
    int have_seed = 0, group = 0, all_rows = 0;
    unsigned long long seed = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "--captions") && more) captions = argv[++i];
        else if (!strcmp(a, "-o") && more) out = argv[++i];
        else if (!strcmp(a, "--kind") && more) {
            if (parse_kinds(argv[++i], &kinds)) return cli_usage_error("index", "bad --kind '%s'", argv[i]);
        } else if (!strcmp(a, "--dim") && more) {
            if (cli_parse_long(argv[++i], 1, 65536, &dim)) return cli_usage_error("index", "bad --dim '%s'", argv[i]);
        } else if (!strcmp(a, "--split-seed") && more) {
            char *end;
            seed = strtoull(argv[++i], &end, 10);
            if (*end || end == argv[i]) return cli_usage_error("index", "bad --split-seed '%s'", argv[i]);
            have_seed = 1;
        } else if (!strcmp(a, "--group-by-caption")) group = 1;
        else if (!strcmp(a, "--all-rows")) all_rows = 1;
        else return cli_usage_error("index", "unknown or incomplete option '%s'", a);
    }
    if (!captions || !out) return cli_usage_error("index", "build needs --captions FILE and -o INDEX");
    sl_err err;
    memset(&err, 0, sizeof err);
    data_captions caps;
    data_captions_init(&caps);
    int rc = CLI_FAIL;
    const char **ids = NULL, **texts = NULL;
    uint8_t *split = NULL;
    retrieval_builder *b = NULL;
    retrieval_index *idx = NULL;
    double t0 = sl_time_sec();
    if (data_captions_read_file(captions, &caps, &err)) { cli_print_err(&err); goto done; }
    size_t n = 0;
    ids = malloc((caps.n + 1) * sizeof *ids);
    texts = malloc((caps.n + 1) * sizeof *texts);
    split = malloc(caps.n + 1);
    if (!ids || !texts || !split) { fprintf(stderr, "steplm index: error: out of memory\n"); goto done; }
    size_t *row = malloc((caps.n + 1) * sizeof *row);
    if (!row) { fprintf(stderr, "steplm index: error: out of memory\n"); goto done; }
    for (size_t i = 0; i < caps.n; i++) {
        if (!all_rows && !caps.v[i].describable) continue;
        ids[n] = caps.v[i].id;
        texts[n] = caps.v[i].caption;
        split[n] = (uint8_t)caps.v[i].split;
        row[n++] = i;
    }
    if (have_seed) {
        data_split_cfg sc;
        data_split_cfg_init(&sc);
        sc.seed = seed;
        sc.group_by_caption = group;
        if (data_split_assign(ids, texts, n, &sc, split, &err)) {
            free(row);
            fprintf(stderr, "steplm index: error: %s\n", err.msg);
            goto done;
        }
    }
    retrieval_build_opts bo;
    retrieval_build_opts_init(&bo);
    bo.kinds = kinds;
    bo.dim = (int)dim;
    bo.embed = retrieval_embed_hash_ngram;
    bo.embed_name = RETRIEVAL_EMBED_HASH_NAME;
    b = retrieval_builder_new(&bo);
    if (!b) { free(row); fprintf(stderr, "steplm index: error: out of memory\n"); goto done; }
    for (size_t i = 0; i < n; i++) {
        const data_caption *c = &caps.v[row[i]];
        if (retrieval_builder_add(b, ids[i], texts[i], split[i], &c->meta, &err)) {
            fprintf(stderr, "%s:%u: error: %s\n", captions, c->line, err.msg);
            free(row);
            goto done;
        }
    }
    free(row);
    sl_status st = retrieval_builder_finish(b, &idx, &err);
    b = NULL;
    if (st) { fprintf(stderr, "%s: error: %s\n", captions, err.msg); goto done; }
    if (retrieval_index_save(idx, out, &err)) { cli_print_err(&err); goto done; }
    fprintf(stderr, "steplm index: %zu entries from %s -> %s (%.2f s)\n", n, captions, out,
            sl_time_sec() - t0);
    rc = CLI_OK;
done:
    retrieval_builder_free(b);
    retrieval_index_free(idx);
    free(ids);
    free(texts);
    free(split);
    data_captions_release(&caps);
    return rc;
}

static void print_str(const char *s) {
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_json_str(&b, s, strlen(s));
    fputs(b.data ? b.data : "\"\"", stdout);
    sl_buf_release(&b);
}

static const char *kind_name(unsigned k) {
    return k == RETRIEVAL_KIND_BM25 ? "bm25" : k == RETRIEVAL_KIND_DENSE ? "dense" : "dense-q8";
}

static int cmd_query(int argc, char **argv) {
    const char *path = NULL, *caption = NULL, *exclude = NULL;
    long k = 5;
    unsigned kind = 0, split_mask = 0;
    int json = 0, geo = 0, verify = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "-k") && more) {
            if (cli_parse_long(argv[++i], 1, 100000, &k)) return cli_usage_error("index", "bad -k '%s'", argv[i]);
        } else if (!strcmp(a, "--kind") && more) {
            if (parse_kinds(argv[++i], &kind) || (kind & (kind - 1)))
                return cli_usage_error("index", "--kind takes one of bm25, dense, dense-q8");
        } else if (!strcmp(a, "--exclude-id") && more) exclude = argv[++i];
        else if (!strcmp(a, "--split") && more) {
            char buf[64];
            snprintf(buf, sizeof buf, "%s", argv[++i]);
            for (char *sv = NULL, *t = strtok_r(buf, ",", &sv); t; t = strtok_r(NULL, ",", &sv)) {
                int s = retrieval_split_parse(t);
                if (s < 0) return cli_usage_error("index", "bad split '%s'", t);
                split_mask |= RETRIEVAL_SPLIT_BIT(s);
            }
        } else if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--geo")) geo = 1;
        else if (!strcmp(a, "--verify")) verify = 1;
        else if (a[0] == '-' && a[1]) return cli_usage_error("index", "unknown or incomplete option '%s'", a);
        else if (!path) path = a;
        else if (!caption) caption = a;
        else return cli_usage_error("index", "unexpected argument '%s'", a);
    }
    if (!path || !caption) return cli_usage_error("index", "query needs INDEX and a caption");
    sl_err err;
    memset(&err, 0, sizeof err);
    retrieval_index *idx = NULL;
    if (retrieval_index_load(path, verify, &idx, &err)) { cli_print_err(&err); return CLI_FAIL; }
    retrieval_query_opts o;
    retrieval_query_opts_init(&o);
    o.k = (int)k;
    o.kind = kind;
    o.split_mask = split_mask;
    o.geo_rerank = geo;
    if (exclude) {
        o.exclude_index = retrieval_index_find(idx, exclude);
        if (o.exclude_index < 0) fprintf(stderr, "steplm index: warning: --exclude-id '%s' is not in the index\n", exclude);
    }
    retrieval_embed_fn embed = NULL;
    unsigned used = kind ? kind : ((retrieval_index_kinds(idx) & RETRIEVAL_KIND_BM25) ? RETRIEVAL_KIND_BM25
                                  : (retrieval_index_kinds(idx) & RETRIEVAL_KIND_DENSE) ? RETRIEVAL_KIND_DENSE
                                  : RETRIEVAL_KIND_DENSE_Q8);
    if (used != RETRIEVAL_KIND_BM25) {
        if (strcmp(retrieval_index_embed_name(idx), RETRIEVAL_EMBED_HASH_NAME)) {
            fprintf(stderr, "%s: error: index vectors come from embedding '%s', which this command "
                    "cannot compute\n", path, retrieval_index_embed_name(idx));
            retrieval_index_free(idx);
            return CLI_FAIL;
        }
        embed = retrieval_embed_hash_ngram;
    }
    retrieval_hit *hits = malloc((size_t)k * sizeof *hits);
    int n_hits = 0;
    double t0 = sl_time_sec();
    if (!hits || retrieval_query(idx, caption, embed, NULL, &o, hits, &n_hits, &err)) {
        if (!hits) sl_err_set(&err, SL_ERR_NOMEM, "out of memory");
        fprintf(stderr, "%s: error: %s\n", path, err.msg);
        free(hits);
        retrieval_index_free(idx);
        return CLI_FAIL;
    }
    double ms = (sl_time_sec() - t0) * 1e3;
    if (json) {
        printf("{\"query\":");
        print_str(caption);
        printf(",\"kind\":\"%s\",\"geo\":%s,\"ms\":%.3f,\"hits\":[", kind_name(used), geo ? "true" : "false", ms);
        for (int i = 0; i < n_hits; i++) {
            const retrieval_hit *h = &hits[i];
            printf("%s{\"rank\":%d,\"id\":", i ? "," : "", i + 1);
            print_str(retrieval_index_id(idx, (size_t)h->index));
            printf(",\"split\":\"%s\",\"score\":%.6g,\"base_score\":%.6g",
                   retrieval_split_name(retrieval_index_split(idx, (size_t)h->index)), h->score, h->base_score);
            if (h->misfit >= 0) printf(",\"misfit\":%.6g", h->misfit);
            printf(",\"caption\":");
            print_str(retrieval_index_caption(idx, (size_t)h->index));
            printf("}");
        }
        printf("]}\n");
    } else {
        for (int i = 0; i < n_hits; i++) {
            const retrieval_hit *h = &hits[i];
            printf("%2d  %-12s %-5s %9.4f  %s\n", i + 1, retrieval_index_id(idx, (size_t)h->index),
                   retrieval_split_name(retrieval_index_split(idx, (size_t)h->index)), h->score,
                   retrieval_index_caption(idx, (size_t)h->index));
        }
    }
    free(hits);
    retrieval_index_free(idx);
    return CLI_OK;
}

static int cmd_info(int argc, char **argv) {
    const char *path = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (argv[i][0] == '-') return cli_usage_error("index", "unknown option '%s'", argv[i]);
        else if (!path) path = argv[i];
        else return cli_usage_error("index", "unexpected argument '%s'", argv[i]);
    }
    if (!path) return cli_usage_error("index", "info needs INDEX");
    sl_err err;
    memset(&err, 0, sizeof err);
    retrieval_index *idx = NULL;
    if (retrieval_index_load(path, 1, &idx, &err)) { cli_print_err(&err); return CLI_FAIL; }
    size_t n = retrieval_index_count(idx), per[4] = {0};
    for (size_t i = 0; i < n; i++) per[retrieval_index_split(idx, i) & 3]++;
    unsigned kd = retrieval_index_kinds(idx);
    if (json)
        printf("{\"entries\":%zu,\"bm25\":%s,\"dense\":%s,\"dense_q8\":%s,\"dim\":%d,\"embedding\":\"%s\","
               "\"train\":%zu,\"val\":%zu,\"test\":%zu,\"none\":%zu}\n", n,
               kd & 1 ? "true" : "false", kd & 2 ? "true" : "false", kd & 4 ? "true" : "false",
               retrieval_index_dim(idx), retrieval_index_embed_name(idx), per[0], per[1], per[2], per[3]);
    else
        printf("%s: %zu entries; kinds:%s%s%s; dim %d; embedding '%s'; train %zu, val %zu, test %zu, none %zu\n",
               path, n, kd & 1 ? " bm25" : "", kd & 2 ? " dense" : "", kd & 4 ? " dense-q8" : "",
               retrieval_index_dim(idx), retrieval_index_embed_name(idx), per[0], per[1], per[2], per[3]);
    retrieval_index_free(idx);
    return CLI_OK;
}

static int run(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (!strcmp(argv[1], "build")) return cmd_build(argc - 1, argv + 1);
    if (!strcmp(argv[1], "query")) return cmd_query(argc - 1, argv + 1);
    if (!strcmp(argv[1], "info")) return cmd_info(argc - 1, argv + 1);
    return cli_usage_error("index", "unknown action '%s' (build, query, info)", argv[1]);
}

const struct cli_cmd steplm_cmd_index = {"index", "build and query caption indexes (BM25, dense)", run};
