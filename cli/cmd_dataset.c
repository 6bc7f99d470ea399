/* cmd_dataset.c - `steplm dataset build|stats`: leak-free RAG training records
 * from a synth corpus or STEP-LLM-style data (steplm/dataset.h). */
#include <cjson/cJSON.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "steplm/data.h"
#include "steplm/dataset.h"
#include "steplm/lm.h"

static const char usage[] =
    "usage: steplm dataset build INPUT -o OUTDIR [options]\n"
    "       steplm dataset build --csv CAPTIONS --steps DIR -o OUTDIR [options]\n"
    "       steplm dataset stats OUTDIR [--seed S] [--json]\n"
    "\n"
    "INPUT is a synth corpus (a folder with manifest.jsonl, from `steplm synth`), a folder\n"
    "holding one captions CSV (model_id,isDescribable,description) next to one folder of\n"
    "STEP files per model id, or such a CSV itself (its folder holds the STEP folders).\n"
    "Steps: keep describable rows; split (seeded; a synth corpus keeps its own split);\n"
    "per item parse, drop above --max-entities, round, reserialize, take the DATA section,\n"
    "count tokens and drop above --max-tokens (cached in OUTDIR/cache); retrieve for every\n"
    "item the best TRAIN item (never itself, never a train twin of a val/test caption);\n"
    "write OUTDIR/{train,val,test}.jsonl and OUTDIR/summary.json. Records: id, split,\n"
    "caption, retrieved_id, retrieved_caption, prompt (STEP-LLM RAG template), prompt_norag,\n"
    "step, program (Lua or null), n_entities, [n_tokens], and for synth corpora\n"
    "caption_level, family, retrieved_family, parameters.\n"
    "\n"
    "build options:\n"
    "  --seed S            split seed (default 0); also picks synth captions\n"
    "  --max-entities N    drop files with more entities (default 500; 0 = no limit)\n"
    "  --order O           pre (default) | post | keep (the file's own DATA section, verbatim)\n"
    "  --annotate          structural annotation comments (reserial)\n"
    "  --format F          steplm (default) | stepllm (the released STEP-LLM layout)\n"
    "  --round N           decimals for reals (default 6); 'none' keeps them\n"
    "  --rag R             bm25 (default) | geo (BM25 + metadata re-ranking) | dense\n"
    "                      (dense uses the baseline hashed n-gram embedding, not a model)\n"
    "  --dim N             dense vector size (default 256)\n"
    "  --tokenizer FILE    steplm BPE tokenizer: records get n_tokens\n"
    "  --max-tokens N      with --tokenizer: drop items whose DATA section has more tokens\n"
    "  --caption-level L   synth: any (default, seeded pick) | abstract | partial | precise\n"
    "  --twins T           cross-split (default): a val/test item never gets a train item with\n"
    "                      its caption; never: no item does; allow: STEP-LLM-like (ablations)\n"
    "  --geo-weight W      --rag geo: weight of the size misfit (default 1)\n"
    "  --geo-pool N        --rag geo: BM25 candidates re-ranked (default max(32k, 256))\n"
    "  --index-captions C  joined (default): one BM25 document per train part holding all its\n"
    "                      captions (synth: every level), and a val/test query never gets a part\n"
    "                      having its caption among them; all: one entry per caption; chosen:\n"
    "                      only the caption the part's record shows\n"
    "  --group-by-caption  equal normalised captions share a split (STEP-LLM inputs)\n"
    "  --shard i/n         only prepare (cache) items i, i+n, ...; run again without it to write\n"
    "  --threads T         OpenMP threads (default: all cores); output does not depend on it\n"
    "  --no-cache          neither read nor write OUTDIR/cache\n"
    "  --json              print the summary JSON on stdout\n"
    "Exit status: 0 ok, 1 failure, 2 usage.\n";

typedef struct progress_ctx { double t0; const char *stage; } progress_ctx;

static void on_progress(void *ctx, const char *stage, size_t done, size_t total) {
    progress_ctx *p = ctx;
    if (p->stage != stage && (!p->stage || strcmp(p->stage, stage))) {
        p->stage = stage;
        p->t0 = sl_time_sec();
    }
    cli_progress(stage, done, total, p->t0);
}

static int parse_size(const char *s, unsigned long long *v) {
    char *end;
    if (!s || !*s || *s == '-') return -1;
    *v = strtoull(s, &end, 10);
    return *end ? -1 : 0;
}

static int cmd_build(int argc, char **argv) {
    const char *input = NULL, *outdir = NULL, *csv = NULL, *steps = NULL, *tok_path = NULL, *level = "any";
    int json = 0, round_given = 0;
    dataset_cfg cfg;
    dataset_cfg_init(&cfg);
    unsigned long long v;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "-o") && more) outdir = argv[++i];
        else if (!strcmp(a, "--csv") && more) csv = argv[++i];
        else if (!strcmp(a, "--steps") && more) steps = argv[++i];
        else if (!strcmp(a, "--seed") && more) {
            if (parse_size(argv[++i], &v)) return cli_usage_error("dataset", "bad --seed '%s'", argv[i]);
            cfg.seed = v;
        } else if (!strcmp(a, "--max-entities") && more) {
            if (parse_size(argv[++i], &v)) return cli_usage_error("dataset", "bad --max-entities '%s'", argv[i]);
            cfg.max_entities = (size_t)v;
        } else if (!strcmp(a, "--order") && more) {
            const char *o = argv[++i];
            if (!strcmp(o, "pre")) cfg.order = DATASET_ORDER_PRE;
            else if (!strcmp(o, "post")) cfg.order = DATASET_ORDER_POST;
            else if (!strcmp(o, "keep")) cfg.order = DATASET_ORDER_KEEP;
            else return cli_usage_error("dataset", "bad --order '%s' (pre, post or keep)", o);
        } else if (!strcmp(a, "--annotate")) cfg.annotate = 1;
        else if (!strcmp(a, "--format") && more) {
            const char *f = argv[++i];
            if (!strcmp(f, "steplm")) cfg.stepllm_format = 0;
            else if (!strcmp(f, "stepllm")) cfg.stepllm_format = 1;
            else return cli_usage_error("dataset", "bad --format '%s' (steplm or stepllm)", f);
        } else if (!strcmp(a, "--round") && more) {
            round_given = 1;
            if (!strcmp(argv[++i], "none")) cfg.round_decimals = -1;
            else if (parse_size(argv[i], &v) || v > 17)
                return cli_usage_error("dataset", "bad --round '%s' (0..17 or none)", argv[i]);
            else cfg.round_decimals = (int)v;
        } else if (!strcmp(a, "--rag") && more) {
            const char *r = argv[++i];
            if (!strcmp(r, "bm25")) cfg.rag = DATASET_RAG_BM25;
            else if (!strcmp(r, "geo")) cfg.rag = DATASET_RAG_GEO;
            else if (!strcmp(r, "dense")) cfg.rag = DATASET_RAG_DENSE;
            else return cli_usage_error("dataset", "bad --rag '%s' (bm25, geo or dense)", r);
        } else if (!strcmp(a, "--dim") && more) {
            if (parse_size(argv[++i], &v) || v < 1 || v > 65536) return cli_usage_error("dataset", "bad --dim '%s'", argv[i]);
            cfg.dim = (int)v;
        } else if (!strcmp(a, "--tokenizer") && more) tok_path = argv[++i];
        else if (!strcmp(a, "--max-tokens") && more) {
            if (parse_size(argv[++i], &v)) return cli_usage_error("dataset", "bad --max-tokens '%s'", argv[i]);
            cfg.max_tokens = (size_t)v;
        } else if (!strcmp(a, "--caption-level") && more) level = argv[++i];
        else if (!strcmp(a, "--group-by-caption")) cfg.group_by_caption = 1;
        else if (!strcmp(a, "--twins") && more) {
            const char *x = argv[++i];
            if (!strcmp(x, "cross-split")) cfg.twins = DATA_DUP_CROSS_SPLIT;
            else if (!strcmp(x, "never")) cfg.twins = DATA_DUP_ALL;
            else if (!strcmp(x, "allow")) cfg.twins = DATA_DUP_ALLOW;
            else return cli_usage_error("dataset", "bad --twins '%s' (cross-split, never or allow)", x);
        } else if (!strcmp(a, "--geo-weight") && more) {
            char *end;
            cfg.geo_weight = strtod(argv[++i], &end);
            if (*end || !(cfg.geo_weight >= 0) || cfg.geo_weight > 1e6) return cli_usage_error("dataset", "bad --geo-weight '%s'", argv[i]);
        } else if (!strcmp(a, "--geo-pool") && more) {
            if (parse_size(argv[++i], &v) || v > 1000000) return cli_usage_error("dataset", "bad --geo-pool '%s'", argv[i]);
            cfg.geo_pool = (int)v;
        } else if (!strcmp(a, "--index-captions") && more) {
            const char *x = argv[++i];
            if (!strcmp(x, "all")) cfg.index_all_captions = 1;
            else if (!strcmp(x, "chosen")) cfg.index_all_captions = 0;
            else if (!strcmp(x, "joined")) cfg.index_all_captions = 2;
            else return cli_usage_error("dataset", "bad --index-captions '%s' (all, joined or chosen)", x);
        }
        else if (!strcmp(a, "--shard") && more) {
            if (cli_parse_shard(argv[++i], &cfg.shard_i, &cfg.shard_n))
                return cli_usage_error("dataset", "bad --shard '%s' (i/n with 0 <= i < n)", argv[i]);
        } else if (!strcmp(a, "--threads") && more) {
            if (parse_size(argv[++i], &v) || v < 1 || v > 1024) return cli_usage_error("dataset", "bad --threads '%s'", argv[i]);
            cfg.n_threads = (int)v;
        } else if (!strcmp(a, "--no-cache")) cfg.no_cache = 1;
        else if (!strcmp(a, "--json")) json = 1;
        else if (a[0] == '-' && a[1]) return cli_usage_error("dataset", "unknown or incomplete option '%s'", a);
        else if (!input) input = a;
        else return cli_usage_error("dataset", "more than one INPUT ('%s')", a);
    }
    if (!outdir) return cli_usage_error("dataset", "build needs -o OUTDIR");
    if (!input && !csv) return cli_usage_error("dataset", "build needs INPUT or --csv FILE");
    if (input && csv) return cli_usage_error("dataset", "give INPUT or --csv, not both");
    if (cfg.max_tokens && !tok_path) return cli_usage_error("dataset", "--max-tokens needs --tokenizer");
    if (cfg.order == DATASET_ORDER_KEEP && (round_given || cfg.annotate || cfg.stepllm_format))
        return cli_usage_error("dataset", "--order keep takes the DATA section verbatim: no --round, --annotate or --format");
    if (strcmp(level, "any") && strcmp(level, "abstract") && strcmp(level, "partial") && strcmp(level, "precise"))
        return cli_usage_error("dataset", "bad --caption-level '%s'", level);

    sl_err err;
    memset(&err, 0, sizeof err);
    char captions[4096] = {0};
    int kind;
    const char *steps_dir = steps;
    char steps_buf[4096];
    if (csv) {
        kind = DATASET_STEPLLM;
        snprintf(captions, sizeof captions, "%s", csv);
    } else {
        kind = dataset_input_detect(input, captions, sizeof captions, &err);
        if (!kind) { fprintf(stderr, "steplm dataset: error: %s\n", err.msg); return CLI_FAIL; }
    }
    if (kind == DATASET_STEPLLM && !steps_dir) {
        snprintf(steps_buf, sizeof steps_buf, "%s", captions);
        char *slash = strrchr(steps_buf, '/');
        if (slash) *slash = 0;
        else snprintf(steps_buf, sizeof steps_buf, ".");
        steps_dir = steps_buf;
    }
    char *tok_text = NULL;
    if (tok_path) {
        size_t tn = 0;
        lm_tokenizer *t = NULL;
        if (sl_file_read(tok_path, &tok_text, &tn, 0, &err) ||
            lm_tokenizer_from_text(tok_text, tn, tok_path, &t, &err)) {
            cli_print_err(&err);
            free(tok_text);
            return CLI_FAIL;
        }
        lm_tokenizer_free(t);
        cfg.tokenizer_text = tok_text;
    }
    double t0 = sl_time_sec();
    dataset_input in;
    dataset_input_init(&in);
    sl_status st = kind == DATASET_SYNTH ? dataset_input_read_synth(input, level, cfg.seed, &in, &err)
                                         : dataset_input_read_stepllm(captions, steps_dir, &in, &err);
    if (st) {
        cli_print_err(&err);
        dataset_input_release(&in);
        free(tok_text);
        return CLI_FAIL;
    }
    double t_read = sl_time_sec() - t0;
    char desc[8400];
    if (kind == DATASET_SYNTH) snprintf(desc, sizeof desc, "%s", input);
    else snprintf(desc, sizeof desc, "%s + %s", captions, steps_dir);
    progress_ctx pc = {sl_time_sec(), NULL};
    cfg.progress = on_progress;
    cfg.progress_ctx = &pc;
    dataset_summary sum;
    st = dataset_build(&in, outdir, desc, &cfg, &sum, &err);
    if (st) {
        cli_print_err(&err);
        dataset_input_release(&in);
        free(tok_text);
        return CLI_FAIL;
    }
    sum.seconds_read = t_read;
    sum.seconds_total += t_read;
    sl_buf sj;
    sl_buf_init(&sj);
    dataset_summary_json(&sum, &cfg, desc, kind, &sj);
    if (json) fputs(sj.data, stdout);
    else {
        size_t nf = 0;
        for (int r = 0; r < DATASET_DROP_N; r++) nf += sum.n_drop[r];
        if (cfg.shard_n > 1)
            printf("shard %u/%u: %zu items prepared (%zu from the cache), %zu filtered, %.1f s\n", cfg.shard_i,
                   cfg.shard_n, sum.n_prepped, sum.n_cache_hits, nf, sum.seconds_total);
        else
            printf("%zu items -> train %zu, val %zu, test %zu (%zu filtered, %zu unpaired), %.1f s; %s/summary.json\n",
                   sum.n_items, sum.n_split[0], sum.n_split[1], sum.n_split[2], nf, sum.n_unpaired,
                   sum.seconds_total, outdir);
        for (int r = 0; r < DATASET_DROP_N; r++)
            if (sum.n_drop[r]) printf("  filtered %-20s %zu\n", dataset_drop_name(r), sum.n_drop[r]);
    }
    sl_buf_release(&sj);
    dataset_input_release(&in);
    free(tok_text);
    return CLI_OK;
}

static void print_rate(const cJSON *ret, const char *key, const char *label) {
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(ret, key);
    if (!r) return;
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(r, "rate");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(r, "n");
    if (cJSON_IsNumber(rt)) printf("  %-44s %6.2f%% of %d\n", label, 100.0 * rt->valuedouble, n ? n->valueint : 0);
    else printf("  %-44s n/a\n", label);
}

static void print_hist(const cJSON *o, const char *key, const char *label) {
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsObject(h)) return;
    printf("%s: min %d, median %d, mean %.0f, p95 %d, max %d\n", label,
           cJSON_GetObjectItemCaseSensitive(h, "min")->valueint, cJSON_GetObjectItemCaseSensitive(h, "median")->valueint,
           cJSON_GetObjectItemCaseSensitive(h, "mean")->valuedouble, cJSON_GetObjectItemCaseSensitive(h, "p95")->valueint,
           cJSON_GetObjectItemCaseSensitive(h, "max")->valueint);
    const cJSON *b;
    cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(h, "bins")) {
        const cJSON *hi = cJSON_GetObjectItemCaseSensitive(b, "hi");
        char range[64];
        if (cJSON_IsNumber(hi)) snprintf(range, sizeof range, "%d-%d", cJSON_GetObjectItemCaseSensitive(b, "lo")->valueint, hi->valueint);
        else snprintf(range, sizeof range, ">=%d", cJSON_GetObjectItemCaseSensitive(b, "lo")->valueint);
        printf("  %-14s %d\n", range, cJSON_GetObjectItemCaseSensitive(b, "n")->valueint);
    }
}

static int cmd_stats(int argc, char **argv) {
    const char *dir = NULL;
    int json = 0;
    unsigned long long seed = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--seed") && i + 1 < argc) {
            if (parse_size(argv[++i], &seed)) return cli_usage_error("dataset", "bad --seed '%s'", argv[i]);
        } else if (a[0] == '-' && a[1]) return cli_usage_error("dataset", "unknown or incomplete option '%s'", a);
        else if (!dir) dir = a;
        else return cli_usage_error("dataset", "stats takes one OUTDIR");
    }
    if (!dir) return cli_usage_error("dataset", "stats needs OUTDIR");
    sl_err err;
    memset(&err, 0, sizeof err);
    sl_buf out;
    sl_buf_init(&out);
    if (dataset_stats_json(dir, seed, &out, &err)) {
        cli_print_err(&err);
        sl_buf_release(&out);
        return CLI_FAIL;
    }
    if (json) {
        fputs(out.data, stdout);
        sl_buf_release(&out);
        return CLI_OK;
    }
    cJSON *o = cJSON_Parse(out.data);
    sl_buf_release(&out);
    if (!o) { fprintf(stderr, "steplm dataset: error: internal: bad stats JSON\n"); return CLI_FAIL; }
    const cJSON *sp = cJSON_GetObjectItemCaseSensitive(o, "splits");
    printf("records %d: train %d, val %d, test %d\n", cJSON_GetObjectItemCaseSensitive(o, "records")->valueint,
           cJSON_GetObjectItemCaseSensitive(sp, "train")->valueint, cJSON_GetObjectItemCaseSensitive(sp, "val")->valueint,
           cJSON_GetObjectItemCaseSensitive(sp, "test")->valueint);
    print_hist(o, "entities", "entities");
    print_hist(o, "tokens", "tokens (DATA section)");
    print_hist(o, "step_bytes", "bytes (DATA section)");
    const cJSON *ret = cJSON_GetObjectItemCaseSensitive(o, "retrieval");
    printf("retrieval: %d unpaired, %d retrieved itself, %d retrieved a non-train record\n",
           cJSON_GetObjectItemCaseSensitive(ret, "unpaired")->valueint,
           cJSON_GetObjectItemCaseSensitive(ret, "retrieved_self")->valueint,
           cJSON_GetObjectItemCaseSensitive(ret, "retrieved_not_train")->valueint);
    print_rate(ret, "family_match_eval", "family match (val+test queries)");
    print_rate(ret, "family_match_eval_sized_captions", "family match (val+test, caption states a size)");
    print_rate(ret, "family_match_train", "family match (train queries)");
    print_rate(ret, "params_closer_than_random_same_family", "parameters closer than a random same-family part");
    print_rate(ret, "params_closer_sized_captions", "... captions that state a size");
    print_rate(ret, "params_closer_unsized_captions", "... captions that state no size");
    print_rate(ret, "size_closer_than_random_same_family", "bbox extents closer than a random same-family part");
    print_rate(ret, "size_closer_sized_captions", "... captions that state a size");
    print_rate(ret, "stated_sizes_closer_than_random_same_family", "sizes the caption states: closer than random");
    cJSON_Delete(o);
    return CLI_OK;
}

static int run(int argc, char **argv) {
    if (argc < 2 || cli_wants_help(argc, argv)) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (!strcmp(argv[1], "build")) return cmd_build(argc - 1, argv + 1);
    if (!strcmp(argv[1], "stats")) return cmd_stats(argc - 1, argv + 1);
    return cli_usage_error("dataset", "unknown subcommand '%s' (build or stats)", argv[1]);
}

const struct cli_cmd steplm_cmd_dataset = {"dataset", "build leak-free RAG training records (JSONL) and their stats", run};
