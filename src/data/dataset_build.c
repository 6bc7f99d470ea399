/* dataset_build.c - `steplm dataset build`: split first, prepare every item
 * (cached), index, pair with train only, write the JSONL files. See
 * steplm/dataset.h for the order of the steps and why. */
#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steplm/data.h"
#include "steplm/dataset.h"
#include "steplm/lm.h"
#include "steplm/p21.h"
#include "steplm/reserial.h"

static const char *const drop_names[DATASET_DROP_N] = {
    "not_describable", "empty_caption", "missing_step", "read_error", "parse_error",
    "too_many_entities", "reserialize_error", "no_data_section", "over_token_budget",
    "missing_program",
};

const char *dataset_drop_name(int reason) {
    return reason >= 0 && reason < DATASET_DROP_N ? drop_names[reason] : "unknown";
}

void dataset_cfg_init(dataset_cfg *c) {
    memset(c, 0, sizeof *c);
    c->max_entities = 500;
    c->order = DATASET_ORDER_PRE;
    c->round_decimals = 6;
    c->rag = DATASET_RAG_BM25;
    c->dim = 256;
    c->index_all_captions = 2;
    c->shard_n = 1;
}

static uint64_t mix64(uint64_t x) {
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27; x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* ---- per-item preparation -------------------------------------------------- */
typedef struct prep {
    int drop;              /* -1 kept, else DATASET_DROP_* */
    int done;              /* prepared in this run (or found in the cache) */
    int cache_hit;
    size_t n_entities;
    long n_tokens;         /* -1: no tokenizer */
    char *step;            /* DATA section (malloc'd) */
    size_t n_step;
    char *program;         /* part.lua (malloc'd), synth only */
    char err[256];
} prep;

/* Cache file: "SLDC1 <key> <drop> <entities> <tokens> <bytes>\n<id>\n<bytes of step>" */
static void cache_path(const char *outdir, const char *id, char *out, size_t n) {
    snprintf(out, n, "%s/cache/%016llx.rec", outdir, (unsigned long long)sl_hash64(id, strlen(id)));
}

static int cache_read(const char *path, const char *id, uint64_t key, prep *p) {
    char *text = NULL;
    size_t n = 0;
    if (sl_file_read(path, &text, &n, 0, NULL)) return 0;
    unsigned long long k = 0, ent = 0, bytes = 0;
    long tok = 0;
    int drop = 0, used = 0;
    int ok = 0;
    if (sscanf(text, "SLDC1 %llx %d %llu %ld %llu\n%n", &k, &drop, &ent, &tok, &bytes, &used) == 5 && used > 0 &&
        k == key && drop >= -1 && drop < DATASET_DROP_N) {
        size_t idn = strlen(id);
        size_t off = (size_t)used;
        if (off + idn + 1 <= n && !memcmp(text + off, id, idn) && text[off + idn] == '\n' &&
            off + idn + 1 + bytes == n) {
            off += idn + 1;
            p->drop = drop;
            p->n_entities = (size_t)ent;
            p->n_tokens = tok;
            p->n_step = (size_t)bytes;
            p->step = malloc(bytes + 1);
            if (p->step) {
                memcpy(p->step, text + off, bytes);
                p->step[bytes] = 0;
                ok = 1;
            }
        }
    }
    free(text);
    return ok;
}

static int cache_write(const char *path, const char *id, uint64_t key, const prep *p) {
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_printf(&b, "SLDC1 %016llx %d %zu %ld %zu\n%s\n", (unsigned long long)key, p->drop, p->n_entities,
                  p->n_tokens, p->step ? p->n_step : (size_t)0, id);
    if (p->step) sl_buf_append(&b, p->step, p->n_step);
    int ok = !b.failed && sl_file_write_atomic(path, b.data, b.len, NULL) == SL_OK;
    sl_buf_release(&b);
    return ok;
}

/* The expensive step: parse, count, round + reserialize, DATA section, tokens.
 * Sets p->drop; p->step on success. */
static void prepare_step(const char *name, const char *text, size_t n, const dataset_cfg *cfg,
                         lm_tokenizer *tok, prep *p) {
    sl_err err;
    memset(&err, 0, sizeof err);
    p->n_tokens = -1;
    {
        p21_doc *doc = NULL;
        sl_status st = p21_doc_read_mem(name, text, n, NULL, &doc, &err);
        if (st || !doc) {
            p21_doc_free(doc);
            p->drop = DATASET_DROP_PARSE_ERROR;
            sl_err_format(&err, p->err, sizeof p->err);
            return;
        }
        p->n_entities = p21_doc_n_entities(doc);
        if (cfg->max_entities && p->n_entities > cfg->max_entities) {
            p21_doc_free(doc);
            p->drop = DATASET_DROP_TOO_MANY_ENTITIES;
            return;
        }
        sl_buf data;
        sl_buf_init(&data);
        if (cfg->order == DATASET_ORDER_KEEP) {
            st = data_step_data_section(text, n, &data, &err);
            p21_doc_free(doc);
            if (st) {
                sl_buf_release(&data);
                p->drop = DATASET_DROP_NO_DATA_SECTION;
                return;
            }
        } else {
            reserial_opts o;
            reserial_opts_default(&o);
            o.order = cfg->order == DATASET_ORDER_POST ? RESERIAL_POST : RESERIAL_PRE;
            o.annotate = cfg->annotate;
            o.format = cfg->stepllm_format ? RESERIAL_FMT_STEPLLM : RESERIAL_FMT_STEPLM;
            o.round_decimals = cfg->round_decimals;
            reserial_result r;
            reserial_result_init(&r);
            st = reserial_run(doc, &o, &r, &err);
            p21_doc_free(doc);
            if (st) {
                reserial_result_release(&r);
                sl_buf_release(&data);
                p->drop = DATASET_DROP_RESERIALIZE_ERROR;
                sl_err_format(&err, p->err, sizeof p->err);
                return;
            }
            st = data_step_data_section(r.text.data, r.text.len, &data, &err);
            reserial_result_release(&r);
            if (st) {
                sl_buf_release(&data);
                p->drop = DATASET_DROP_NO_DATA_SECTION;
                return;
            }
        }
        if (data.failed) {
            sl_buf_release(&data);
            p->drop = DATASET_DROP_READ_ERROR;
            snprintf(p->err, sizeof p->err, "out of memory");
            return;
        }
        if (tok) {
            int32_t *ids = NULL;
            size_t n_ids = 0;
            if (lm_tokenizer_encode(tok, data.data, data.len, 0, &ids, &n_ids, &err)) {
                sl_buf_release(&data);
                p->drop = DATASET_DROP_READ_ERROR;
                sl_err_format(&err, p->err, sizeof p->err);
                return;
            }
            free(ids);
            p->n_tokens = (long)n_ids;
        }
        p->step = data.data;          /* hand the buffer over */
        p->n_step = data.len;
        p->drop = -1;
    }
}

/* ---- atomic streaming output --------------------------------------------------- */
typedef struct out_file {
    char path[4200], tmp[4300];
    FILE *f;
    size_t bytes;
} out_file;

static sl_status out_open(out_file *o, const char *outdir, const char *name, sl_err *err) {
    snprintf(o->path, sizeof o->path, "%s/%s", outdir, name);
    snprintf(o->tmp, sizeof o->tmp, "%s/.%s.tmp.%ld", outdir, name, (long)getpid());
    o->bytes = 0;
    o->f = fopen(o->tmp, "wb");
    if (!o->f) return sl_err_set(err, SL_ERR_IO, "%s: cannot create: %s", o->tmp, strerror(errno));
    return SL_OK;
}

static sl_status out_commit(out_file *o, sl_err *err) {
    int bad = fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0;
    bad |= fclose(o->f) != 0;
    o->f = NULL;
    if (bad || rename(o->tmp, o->path) != 0) {
        unlink(o->tmp);
        return sl_err_set(err, SL_ERR_IO, "%s: write failed: %s", o->path, strerror(errno));
    }
    return SL_OK;
}

static void out_abort(out_file *o) {
    if (o->f) { fclose(o->f); o->f = NULL; unlink(o->tmp); }
}

static sl_status make_dir(const char *path, sl_err *err) {
    if (mkdir(path, 0777) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return SL_OK;
    }
    return sl_err_set(err, SL_ERR_IO, "%s: cannot create directory: %s", path, strerror(errno));
}

/* ---- summary ----------------------------------------------------------------------- */
void dataset_summary_json(const dataset_summary *s, const dataset_cfg *cfg, const char *input_desc,
                          int kind, sl_buf *out) {
    static const char *const order_names[] = {"pre", "post", "keep"};
    static const char *const rag_names[] = {"bm25", "dense", "geo"};
    sl_buf_puts(out, "{\"input\":");
    sl_buf_json_str(out, input_desc ? input_desc : "", input_desc ? strlen(input_desc) : 0);
    sl_buf_printf(out, ",\"kind\":\"%s\"", kind == DATASET_SYNTH ? "synth" : "stepllm");
    sl_buf_printf(out,
                  ",\"options\":{\"seed\":%llu,\"group_by_caption\":%s,\"max_entities\":%zu,\"order\":\"%s\","
                  "\"annotate\":%s,\"format\":\"%s\",\"round\":%d,\"rag\":\"%s\",\"tokenizer\":%s,"
                  "\"max_tokens\":%zu,\"index_captions\":\"%s\",\"twins\":\"%s\",\"geo_weight\":%g,\"geo_pool\":%d,\"shard\":\"%u/%u\"}",
                  (unsigned long long)cfg->seed, cfg->group_by_caption ? "true" : "false", cfg->max_entities,
                  order_names[cfg->order % 3], cfg->annotate ? "true" : "false",
                  cfg->stepllm_format ? "stepllm" : "steplm", cfg->round_decimals, rag_names[cfg->rag % 3],
                  cfg->tokenizer_text ? "true" : "false", cfg->max_tokens,
                  cfg->index_all_captions == 2 ? "joined" : cfg->index_all_captions ? "all" : "chosen",
                  cfg->twins == DATA_DUP_ALL ? "never" : cfg->twins == DATA_DUP_ALLOW ? "allow" : "cross-split",
                  cfg->geo_weight, cfg->geo_pool, cfg->shard_i,
                  cfg->shard_n ? cfg->shard_n : 1);
    sl_buf_printf(out, ",\"items\":%zu,\"prepared\":%zu,\"kept\":%zu", s->n_items, s->n_prepped, s->n_kept);
    sl_buf_printf(out, ",\"splits\":{\"train\":%zu,\"val\":%zu,\"test\":%zu}", s->n_split[0], s->n_split[1],
                  s->n_split[2]);
    sl_buf_puts(out, ",\"filtered\":{");
    size_t tot = 0;
    for (int r = 0; r < DATASET_DROP_N; r++) {
        sl_buf_printf(out, "%s\"%s\":%zu", r ? "," : "", drop_names[r], s->n_drop[r]);
        tot += s->n_drop[r];
    }
    sl_buf_printf(out, ",\"total\":%zu}", tot);
    sl_buf_printf(out, ",\"unpaired\":%zu,\"retrieved_caption_twins\":%zu", s->n_unpaired, s->n_twin);
    sl_buf_printf(out, ",\"cache\":{\"hits\":%zu,\"written\":%zu}", s->n_cache_hits, s->n_cache_writes);
    sl_buf_printf(out, ",\"bytes_written\":%zu,\"threads\":%d", s->bytes_written, s->n_threads);
    sl_buf_printf(out,
                  ",\"seconds\":{\"read\":%.3f,\"prepare\":%.3f,\"index\":%.3f,\"pair\":%.3f,\"write\":%.3f,"
                  "\"total\":%.3f}}\n",
                  s->seconds_read, s->seconds_prep, s->seconds_index, s->seconds_pair, s->seconds_write,
                  s->seconds_total);
}

/* ---- pairing ---------------------------------------------------------------------
 * The index holds one entry per caption of each kept item (every caption with
 * index_all_captions, else the chosen one), tagged with the item's split. For
 * item k the query is its chosen caption; the answer is the item of the best
 * TRAIN entry that is not k itself and, when k is val/test, does not belong to
 * an item having any caption equal (normalised) to k's. Parallel over queries,
 * one slot each: the result does not depend on the thread count. */
static sl_status pair_items(const dataset_input *in, const size_t *kept, size_t n_kept, const uint8_t *split,
                            const dataset_cfg *cfg, int n_threads, long *ret, retrieval_index **idx_out,
                            dataset_summary *sum, sl_err *err) {
    double t0 = sl_time_sec();
    size_t n_ent = 0;
    for (size_t k = 0; k < n_kept; k++) {
        const dataset_item *it = &in->v[kept[k]];
        n_ent += cfg->index_all_captions && it->n_captions > 0 ? (size_t)it->n_captions : 1;
    }
    size_t *ent_item = malloc((n_ent + 1) * sizeof *ent_item);
    size_t *first = malloc((n_kept + 1) * sizeof *first);
    uint64_t *ent_hash = malloc((n_ent + 1) * sizeof *ent_hash);
    sl_err *errs = calloc((size_t)n_threads, sizeof *errs);
    int *failed = calloc((size_t)n_threads, sizeof *failed);
    retrieval_index *idx = NULL;
    sl_status st = SL_OK;
    if (!ent_item || !first || !ent_hash || !errs || !failed) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
    {
        retrieval_build_opts bo;
        retrieval_build_opts_init(&bo);
        bo.kinds = cfg->rag == DATASET_RAG_DENSE ? RETRIEVAL_KIND_DENSE : RETRIEVAL_KIND_BM25;
        bo.dim = cfg->dim;
        bo.embed = retrieval_embed_hash_ngram;
        bo.embed_name = RETRIEVAL_EMBED_HASH_NAME;
        retrieval_builder *b = retrieval_builder_new(&bo);
        if (!b) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
        size_t e = 0;
        char eid[1200];
        sl_buf joined;
        sl_buf_init(&joined);
        for (size_t k = 0; k < n_kept && !st; k++) {
            const dataset_item *it = &in->v[kept[k]];
            first[k] = e;
            if (cfg->index_all_captions == 2) {
                /* one document per item: all its captions */
                sl_buf_clear(&joined);
                sl_buf_puts(&joined, it->caption);
                for (int c = 1; c < it->n_captions; c++) {
                    sl_buf_putc(&joined, ' ');
                    sl_buf_puts(&joined, it->captions[c]);
                }
                if (joined.failed) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); break; }
                st = retrieval_builder_add(b, it->id, joined.data, split[kept[k]], &it->meta, err);
                ent_item[e] = k;
                ent_hash[e] = retrieval_caption_hash(it->caption);
                e++;
                continue;
            }
            int nc = cfg->index_all_captions && it->n_captions > 0 ? it->n_captions : 1;
            for (int c = 0; c < nc && !st; c++, e++) {
                const char *cap = c == 0 ? it->caption : it->captions[c];
                if (c) snprintf(eid, sizeof eid, "%s\x1f%d", it->id, c);
                st = retrieval_builder_add(b, c ? eid : it->id, cap, split[kept[k]], &it->meta, err);
                ent_item[e] = k;
                ent_hash[e] = retrieval_caption_hash(cap);
            }
        }
        first[n_kept] = e;
        sl_buf_release(&joined);
        if (st) { retrieval_builder_free(b); goto done; }
        st = retrieval_builder_finish(b, &idx, err);
        if (st) goto done;
    }
    sum->seconds_index = sl_time_sec() - t0;
    t0 = sl_time_sec();
    if (cfg->progress) cfg->progress(cfg->progress_ctx, "retrieve", 0, n_kept);
    size_t n_done = 0;
    #pragma omp parallel num_threads(n_threads)
    {
        int tid = omp_get_thread_num();
        size_t cap = 4096 < n_ent ? 4096 : n_ent;
        retrieval_hit *hits = malloc((cap + 1) * sizeof *hits);
        if (!hits) failed[tid] = sl_err_set(&errs[tid], SL_ERR_NOMEM, "out of memory");
        #pragma omp for schedule(dynamic, 8)
        for (size_t k = 0; k < n_kept; k++) {
            ret[k] = -1;
            if (failed[tid]) continue;
            const dataset_item *it = &in->v[kept[k]];
            uint64_t h = retrieval_caption_hash(it->caption);
            int is_eval = split[kept[k]] != RETRIEVAL_SPLIT_TRAIN;
            int no_twin = cfg->twins == DATA_DUP_ALL || (cfg->twins == DATA_DUP_CROSS_SPLIT && is_eval);
            for (size_t want = 16;; want *= 8) {
                if (want > cap) want = cap;
                retrieval_query_opts o;
                retrieval_query_opts_init(&o);
                o.k = (int)want;
                o.kind = cfg->rag == DATASET_RAG_DENSE ? RETRIEVAL_KIND_DENSE : RETRIEVAL_KIND_BM25;
                o.split_mask = RETRIEVAL_SPLIT_BIT(RETRIEVAL_SPLIT_TRAIN);
                o.geo_rerank = cfg->rag == DATASET_RAG_GEO;
                o.geo_weight = cfg->geo_weight;
                o.geo_pool = cfg->geo_pool;
                if (no_twin) {
                    o.exclude_caption_hash = h;
                    o.exclude_caption_split_mask = 0;     /* candidates are train only anyway */
                }
                o.n_threads = 1;
                int nh = 0;
                if (retrieval_query(idx, it->caption, retrieval_embed_hash_ngram, NULL, &o, hits, &nh, &errs[tid])) {
                    failed[tid] = 1;
                    break;
                }
                for (int j = 0; j < nh && ret[k] < 0; j++) {
                    size_t p = ent_item[hits[j].index];
                    if (p == k) continue;
                    /* a val/test query never gets a train item whose own caption is its twin
                     * (entries with its exact caption are already filtered by the query) */
                    int twin = ent_hash[first[p]] == h;
                    if (cfg->index_all_captions == 2) {
                        /* joined documents: no item having the query's caption among any of its captions */
                        const dataset_item *pi = &in->v[kept[p]];
                        for (int c = 1; c < pi->n_captions && !twin; c++) twin = retrieval_caption_hash(pi->captions[c]) == h;
                    }
                    if (!(no_twin && twin)) ret[k] = (long)p;
                }
                if (ret[k] >= 0 || (size_t)nh < want || want >= cap) break;
            }
            if (cfg->progress) {
                #pragma omp critical(dataset_progress)
                {
                    n_done++;
                    if (n_done % 256 == 0 || n_done == n_kept) cfg->progress(cfg->progress_ctx, "retrieve", n_done, n_kept);
                }
            }
        }
        free(hits);
    }
    for (int t = 0; t < n_threads && !st; t++)
        if (failed[t]) {
            if (err) *err = errs[t];
            st = errs[t].status ? errs[t].status : SL_ERR_NOMEM;
        }
    sum->seconds_pair = sl_time_sec() - t0;
done:
    free(ent_item);
    free(first);
    free(ent_hash);
    free(errs);
    free(failed);
    if (st) retrieval_index_free(idx);
    else *idx_out = idx;
    return st;
}

/* ---- the build ------------------------------------------------------------------------ */
static void json_field_str(sl_buf *b, const char *key, const char *v) {
    sl_buf_printf(b, ",\"%s\":", key);
    if (v) sl_buf_json_str(b, v, strlen(v));
    else sl_buf_puts(b, "null");
}

sl_status dataset_build(const dataset_input *in, const char *outdir, const char *input_desc,
                        const dataset_cfg *cfg_in, dataset_summary *sum, sl_err *err) {
    dataset_cfg cfg;
    if (cfg_in) cfg = *cfg_in;
    else dataset_cfg_init(&cfg);
    if (cfg.shard_n == 0) cfg.shard_n = 1;
    if (cfg.shard_i >= cfg.shard_n) return sl_err_set(err, SL_ERR_ARG, "shard %u/%u out of range", cfg.shard_i, cfg.shard_n);
    if (cfg.order < 0 || cfg.order > 2 || cfg.rag < 0 || cfg.rag > 2)
        return sl_err_set(err, SL_ERR_ARG, "bad order or rag kind");
    dataset_summary sum_local;
    if (!sum) sum = &sum_local;
    memset(sum, 0, sizeof *sum);
    double t_start = sl_time_sec();
    int n_threads = cfg.n_threads > 0 ? cfg.n_threads : omp_get_max_threads();
    sum->n_threads = n_threads;
    size_t n = in->n;
    sum->n_items = n;

    sl_status st = make_dir(outdir, err);
    if (st) return st;
    char cdir[4200];
    snprintf(cdir, sizeof cdir, "%s/cache", outdir);
    if (!cfg.no_cache && (st = make_dir(cdir, err))) return st;

    prep *pp = calloc(n + 1, sizeof *pp);
    size_t *elig = malloc((n + 1) * sizeof *elig);
    uint8_t *split = malloc(n + 1);
    const char **ids = malloc((n + 1) * sizeof *ids), **caps = malloc((n + 1) * sizeof *caps);
    lm_tokenizer **toks = calloc((size_t)n_threads, sizeof *toks);
    size_t *kept = malloc((n + 1) * sizeof *kept);
    long *ret = malloc((n + 1) * sizeof *ret);
    retrieval_index *idx = NULL;
    out_file of[3];
    memset(of, 0, sizeof of);
    if (!pp || !elig || !split || !ids || !caps || !toks || !kept || !ret) {
        st = sl_err_set(err, SL_ERR_NOMEM, "out of memory");
        goto done;
    }

    /* 1. cheap filters */
    size_t n_elig = 0;
    for (size_t i = 0; i < n; i++) {
        const dataset_item *it = &in->v[i];
        pp[i].drop = -1;
        pp[i].n_tokens = -1;
        split[i] = RETRIEVAL_SPLIT_NONE;
        if (!it->describable) pp[i].drop = DATASET_DROP_NOT_DESCRIBABLE;
        else if (!it->caption || !it->caption[0]) pp[i].drop = DATASET_DROP_EMPTY_CAPTION;
        else elig[n_elig++] = i;
    }

    /* 2. split first, over every eligible item (no filter below can move one) */
    for (size_t k = 0; k < n_elig; k++) {
        ids[k] = in->v[elig[k]].id;
        caps[k] = in->v[elig[k]].caption;
    }
    {
        data_split_cfg sc;
        data_split_cfg_init(&sc);
        sc.seed = cfg.seed;
        sc.group_by_caption = cfg.group_by_caption;
        uint8_t *tmp = malloc(n_elig + 1);
        if (!tmp) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
        st = data_split_assign(ids, caps, n_elig, &sc, tmp, err);
        for (size_t k = 0; k < n_elig && !st; k++) {
            const dataset_item *it = &in->v[elig[k]];
            split[elig[k]] = it->split <= RETRIEVAL_SPLIT_TEST ? (uint8_t)it->split : tmp[k];
        }
        free(tmp);
        if (st) goto done;
    }
    sum->seconds_read = 0;

    /* 3. prepare (parallel, cached) */
    double t0 = sl_time_sec();
    uint64_t tok_hash = cfg.tokenizer_text ? sl_hash64(cfg.tokenizer_text, strlen(cfg.tokenizer_text)) : 0;
    char optstr[256];
    snprintf(optstr, sizeof optstr, "steplm-dataset-cache v1 order=%d ann=%d fmt=%d round=%d maxent=%zu tok=%016llx",
             cfg.order, cfg.annotate, cfg.stepllm_format, cfg.order == DATASET_ORDER_KEEP ? -1 : cfg.round_decimals,
             cfg.max_entities, (unsigned long long)tok_hash);
    uint64_t opt_hash = sl_hash64(optstr, strlen(optstr));
    if (cfg.tokenizer_text) {
        for (int t = 0; t < n_threads && !st; t++)
            st = lm_tokenizer_from_text(cfg.tokenizer_text, strlen(cfg.tokenizer_text), "tokenizer", &toks[t], err);
        if (st) goto done;
    }
    size_t n_todo = 0;
    for (size_t k = 0; k < n_elig; k++)
        if (k % cfg.shard_n == cfg.shard_i) n_todo++;
    size_t n_done = 0, n_hits = 0, n_writes = 0;
    int nomem = 0;
    #pragma omp parallel for schedule(dynamic, 1) num_threads(n_threads) reduction(+:n_hits, n_writes) reduction(|:nomem)
    for (size_t k = 0; k < n_elig; k++) {
        if (k % cfg.shard_n != cfg.shard_i) continue;
        size_t i = elig[k];
        const dataset_item *it = &in->v[i];
        prep *p = &pp[i];
        p->done = 1;
        if (!it->step_path) p->drop = DATASET_DROP_MISSING_STEP;
        else {
            char *text = NULL;
            size_t tn = 0;
            sl_err e2;
            if (sl_file_read(it->step_path, &text, &tn, 0, &e2)) {
                p->drop = access(it->step_path, F_OK) ? DATASET_DROP_MISSING_STEP : DATASET_DROP_READ_ERROR;
            } else {
                uint64_t key = mix64(sl_hash64(text, tn) ^ opt_hash);
                key = key ? key : 1;
                char path[4400];
                cache_path(outdir, it->id, path, sizeof path);
                if (!cfg.no_cache && cache_read(path, it->id, key, p)) {
                    p->cache_hit = 1;
                    n_hits++;
                } else {
                    prepare_step(it->step_path, text, tn, &cfg, toks[omp_get_thread_num()], p);
                    if (p->drop == DATASET_DROP_READ_ERROR && !strcmp(p->err, "out of memory")) nomem = 1;
                    else if (!cfg.no_cache && cache_write(path, it->id, key, p)) n_writes++;
                }
                free(text);
            }
        }
        if (p->drop < 0 && it->program_path) {
            size_t pn = 0;
            if (sl_file_read(it->program_path, &p->program, &pn, 0, NULL)) {
                p->program = NULL;
                p->drop = DATASET_DROP_MISSING_PROGRAM;
            }
        }
        if (p->drop < 0 && cfg.max_tokens && p->n_tokens >= 0 && (size_t)p->n_tokens > cfg.max_tokens)
            p->drop = DATASET_DROP_OVER_TOKEN_BUDGET;
        if (cfg.progress) {
            #pragma omp critical(dataset_progress)
            {
                n_done++;
                cfg.progress(cfg.progress_ctx, "prepare", n_done, n_todo);
            }
        }
    }
    if (nomem) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory preparing items"); goto done; }
    sum->n_cache_hits = n_hits;
    sum->n_cache_writes = n_writes;
    sum->n_prepped = n_todo;
    sum->seconds_prep = sl_time_sec() - t0;
    for (size_t i = 0; i < n; i++)
        if (pp[i].drop >= 0 && (pp[i].done || pp[i].drop <= DATASET_DROP_EMPTY_CAPTION)) sum->n_drop[pp[i].drop]++;

    if (cfg.shard_n > 1) {
        /* shards only fill the cache; the JSONL needs every item */
        sum->seconds_total = sl_time_sec() - t_start;
        sl_buf sj;
        sl_buf_init(&sj);
        dataset_summary_json(sum, &cfg, input_desc, in->kind, &sj);
        char sp[4300];
        snprintf(sp, sizeof sp, "%s/summary-%uof%u.json", outdir, cfg.shard_i, cfg.shard_n);
        st = sj.failed ? sl_err_set(err, SL_ERR_NOMEM, "out of memory") : sl_file_write_atomic(sp, sj.data, sj.len, err);
        sl_buf_release(&sj);
        goto done;
    }

    /* 4. index over the kept items, pair each with a train item */
    size_t n_kept = 0;
    for (size_t i = 0; i < n; i++)
        if (pp[i].drop < 0 && split[i] <= RETRIEVAL_SPLIT_TEST) kept[n_kept++] = i;
    sum->n_kept = n_kept;
    t0 = sl_time_sec();
    st = pair_items(in, kept, n_kept, split, &cfg, n_threads, ret, &idx, sum, err);
    if (st) goto done;

    /* 5. records, formatted in parallel chunks, written in id order */
    t0 = sl_time_sec();
    static const char *const fnames[3] = {"train.jsonl", "val.jsonl", "test.jsonl"};
    for (int s = 0; s < 3 && !st; s++) st = out_open(&of[s], outdir, fnames[s], err);
    if (st) goto done;
    {
        const size_t chunk = 512;
        sl_buf *bufs = calloc(chunk, sizeof *bufs);
        if (!bufs) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
        for (size_t c0 = 0; c0 < n_kept && !st; c0 += chunk) {
            size_t c1 = c0 + chunk < n_kept ? c0 + chunk : n_kept;
            int bad = 0;
            #pragma omp parallel for schedule(dynamic, 4) num_threads(n_threads) reduction(|:bad)
            for (size_t k = c0; k < c1; k++) {
                sl_buf *bb = &bufs[k - c0];
                sl_buf_clear(bb);
                size_t i = kept[k];
                const dataset_item *it = &in->v[i];
                const dataset_item *q = ret[k] >= 0 ? &in->v[kept[ret[k]]] : NULL;
                data_record r;
                memset(&r, 0, sizeof r);
                r.id = it->id;
                r.caption = it->caption;
                r.split = split[i];
                if (q) {
                    r.retrieved_id = q->id;
                    r.retrieved_caption = q->caption;
                    r.retrieved_step = pp[kept[ret[k]]].step;
                }
                r.step = pp[i].step;
                r.program = pp[i].program;
                bad |= data_record_write_jsonl(bb, &r) != SL_OK;
                /* extra fields after the standard ones: drop the closing "}\n" */
                if (bb->len >= 2) bb->len -= 2;
                if (!r.program) sl_buf_puts(bb, ",\"program\":null");
                sl_buf_printf(bb, ",\"n_entities\":%zu", pp[i].n_entities);
                if (pp[i].n_tokens >= 0) sl_buf_printf(bb, ",\"n_tokens\":%ld", pp[i].n_tokens);
                if (in->kind == DATASET_SYNTH) {
                    json_field_str(bb, "caption_level", it->caption_level);
                    json_field_str(bb, "family", it->family);
                    json_field_str(bb, "retrieved_family", q ? q->family : NULL);
                    if (it->size_mm[0] > 0 || it->size_mm[1] > 0 || it->size_mm[2] > 0)
                        sl_buf_printf(bb, ",\"size_mm\":[%.4g,%.4g,%.4g]", it->size_mm[0], it->size_mm[1], it->size_mm[2]);
                    if (it->meta.n_dims > 0) {
                        sl_buf_puts(bb, ",\"dims_mm\":[");
                        for (int d = 0; d < it->meta.n_dims; d++) sl_buf_printf(bb, "%s%.4g", d ? "," : "", it->meta.dims_mm[d]);
                        sl_buf_putc(bb, ']');
                    }
                    sl_buf_printf(bb, ",\"parameters\":%s", it->params_json ? it->params_json : "null");
                }
                sl_buf_puts(bb, "}\n");
                bad |= bb->failed;
            }
            if (bad) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory formatting records"); break; }
            for (size_t k = c0; k < c1; k++) {
                size_t i = kept[k];
                int s = split[i];
                if (fwrite(bufs[k - c0].data, 1, bufs[k - c0].len, of[s].f) != bufs[k - c0].len) {
                    st = sl_err_set(err, SL_ERR_IO, "%s: write failed: %s", of[s].tmp, strerror(errno));
                    break;
                }
                of[s].bytes += bufs[k - c0].len;
                sum->n_split[s]++;
                if (ret[k] < 0) sum->n_unpaired++;
                else if (retrieval_caption_hash(in->v[kept[ret[k]]].caption) == retrieval_caption_hash(in->v[i].caption))
                    sum->n_twin++;
            }
            if (cfg.progress) cfg.progress(cfg.progress_ctx, "write", c1, n_kept);
        }
        for (size_t k = 0; k < chunk; k++) sl_buf_release(&bufs[k]);
        free(bufs);
    }
    for (int s = 0; s < 3 && !st; s++) {
        sum->bytes_written += of[s].bytes;
        st = out_commit(&of[s], err);
    }
    if (st) goto done;
    sum->seconds_write = sl_time_sec() - t0;
    sum->seconds_total = sl_time_sec() - t_start;
    {
        sl_buf sj;
        sl_buf_init(&sj);
        dataset_summary_json(sum, &cfg, input_desc, in->kind, &sj);
        char sp[4300];
        snprintf(sp, sizeof sp, "%s/summary.json", outdir);
        st = sj.failed ? sl_err_set(err, SL_ERR_NOMEM, "out of memory") : sl_file_write_atomic(sp, sj.data, sj.len, err);
        sl_buf_release(&sj);
    }

done:
    for (int s = 0; s < 3; s++) out_abort(&of[s]);
    retrieval_index_free(idx);
    if (pp)
        for (size_t i = 0; i < n; i++) { free(pp[i].step); free(pp[i].program); }
    if (toks)
        for (int t = 0; t < n_threads; t++) lm_tokenizer_free(toks[t]);
    free(toks);
    free(pp);
    free(elig);
    free(split);
    free(ids);
    free(caps);
    free(kept);
    free(ret);
    return st;
}
