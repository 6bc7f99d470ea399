/* split.c - the seeded train/val/test split and leak-free retrieval pairing.
 * Both are pure functions of their inputs and the seed; OpenMP only computes
 * per-sample values in separate slots, so the thread count never matters. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "steplm/data.h"

static uint64_t mix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

void data_split_cfg_init(data_split_cfg *c) {
    memset(c, 0, sizeof *c);
    c->train_frac = 0.7;
    c->test_frac = 0.2;
}

typedef struct split_key { uint64_t u; uint64_t group; const char *key; size_t i; } split_key;

static int cmp_key(const void *a, const void *b) {
    const split_key *x = a, *y = b;
    if (x->u != y->u) return x->u < y->u ? -1 : 1;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    return x->i < y->i ? -1 : x->i > y->i;
}

sl_status data_split_assign(const char *const *ids, const char *const *captions, size_t n,
                            const data_split_cfg *cfg_in, uint8_t *split_out, sl_err *err) {
    data_split_cfg cfg;
    if (cfg_in) cfg = *cfg_in;
    else data_split_cfg_init(&cfg);
    if (!(cfg.train_frac >= 0) || !(cfg.test_frac >= 0) || cfg.train_frac + cfg.test_frac > 1.0)
        return sl_err_set(err, SL_ERR_ARG, "split fractions must be >= 0 and sum to <= 1");
    if (cfg.group_by_caption && !captions)
        return sl_err_set(err, SL_ERR_ARG, "grouping by caption needs the captions");
    for (size_t i = 0; i < n; i++)
        if (!ids[i]) return sl_err_set(err, SL_ERR_ARG, "sample %zu has no id", i);
    if (n == 0) return SL_OK;
    split_key *k = malloc(n * sizeof *k);
    if (!k) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    uint64_t salt = mix64(cfg.seed);
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        uint64_t h;
        if (cfg.group_by_caption) h = retrieval_caption_hash(captions[i] ? captions[i] : "");
        else h = sl_hash64(ids[i], strlen(ids[i]));
        k[i].u = mix64(h ^ salt);
        k[i].group = h;
        /* with groups the id only breaks ties inside a group (same u and group) */
        k[i].key = ids[i];
        k[i].i = i;
    }
    qsort(k, n, sizeof *k, cmp_key);
    size_t n_train = (size_t)((double)n * cfg.train_frac);
    size_t n_test = (size_t)((double)n * cfg.test_frac);
    size_t done = 0;
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        if (cfg.group_by_caption)
            while (b < n && k[b].group == k[a].group && k[b].u == k[a].u) b++;
        uint8_t s = done < n_train ? RETRIEVAL_SPLIT_TRAIN
                  : done < n_train + n_test ? RETRIEVAL_SPLIT_TEST : RETRIEVAL_SPLIT_VAL;
        for (size_t j = a; j < b; j++) split_out[k[j].i] = s;
        done += b - a;
        a = b;
    }
    free(k);
    return SL_OK;
}

void data_pair_cfg_init(data_pair_cfg *c) {
    memset(c, 0, sizeof *c);
    c->dup_policy = DATA_DUP_CROSS_SPLIT;
}

sl_status data_pair_retrieve(const retrieval_index *idx, const data_pair_cfg *cfg_in,
                             long *retrieved_out, sl_err *err) {
    data_pair_cfg cfg;
    if (cfg_in) cfg = *cfg_in;
    else data_pair_cfg_init(&cfg);
    size_t n = retrieval_index_count(idx);
    sl_status first = SL_OK;
    sl_err first_err;
    memset(&first_err, 0, sizeof first_err);
    long first_i = -1;
    int nt = cfg.n_threads > 0 ? cfg.n_threads : omp_get_max_threads();
    #pragma omp parallel for schedule(dynamic, 16) num_threads(nt)
    for (size_t i = 0; i < n; i++) {
        retrieval_query_opts o;
        retrieval_query_opts_init(&o);
        o.k = 1;
        o.kind = cfg.kind;
        o.exclude_index = (long)i;
        o.split_mask = RETRIEVAL_SPLIT_BIT(RETRIEVAL_SPLIT_TRAIN);
        o.geo_rerank = cfg.geo_rerank;
        o.n_threads = 1;
        int own_split = retrieval_index_split(idx, i);
        if (cfg.dup_policy != DATA_DUP_ALLOW) {
            o.exclude_caption_hash = retrieval_index_caption_hash_at(idx, i);
            o.exclude_caption_split_mask = cfg.dup_policy == DATA_DUP_ALL
                ? RETRIEVAL_SPLIT_ALL : (RETRIEVAL_SPLIT_ALL & ~RETRIEVAL_SPLIT_BIT(own_split));
        }
        retrieval_hit hit;
        int n_hits = 0;
        sl_err e;
        memset(&e, 0, sizeof e);
        /* dense kinds: the entry's own stored vector is its query (no second
         * embedding pass, which for an LM embedding costs a forward pass) */
        unsigned kinds = retrieval_index_kinds(idx);
        unsigned kind = cfg.kind ? cfg.kind : ((kinds & RETRIEVAL_KIND_BM25) ? RETRIEVAL_KIND_BM25
                                                                              : RETRIEVAL_KIND_DENSE);
        sl_status st;
        int dim = retrieval_index_dim(idx);
        float *qv = kind != RETRIEVAL_KIND_BM25 && dim > 0 ? malloc((size_t)dim * sizeof *qv) : NULL;
        if (qv && retrieval_index_vector(idx, i, qv) == SL_OK) {
            if (!cfg.kind) o.kind = (kinds & RETRIEVAL_KIND_DENSE) ? RETRIEVAL_KIND_DENSE : RETRIEVAL_KIND_DENSE_Q8;
            st = retrieval_query_vec(idx, qv, retrieval_index_caption(idx, i), &o, &hit, &n_hits, &e);
        } else {
            st = retrieval_query(idx, retrieval_index_caption(idx, i), cfg.embed, cfg.embed_ctx, &o,
                                 &hit, &n_hits, &e);
        }
        free(qv);
        retrieved_out[i] = (st == SL_OK && n_hits > 0) ? hit.index : -1;
        if (st != SL_OK) {
            #pragma omp critical(data_pair_err)
            if (first_i < 0 || (long)i < first_i) {   /* report the lowest failing entry */
                first_i = (long)i;
                first = st;
                first_err = e;
            }
        }
    }
    if (first != SL_OK) {
        if (err) *err = first_err;
        return first;
    }
    return SL_OK;
}

static void field(sl_buf *b, const char *name, const char *v, int comma) {
    if (comma) sl_buf_putc(b, ',');
    sl_buf_json_str(b, name, strlen(name));
    sl_buf_putc(b, ':');
    if (v) sl_buf_json_str(b, v, strlen(v));
    else sl_buf_puts(b, "null");
}

sl_status data_record_write_jsonl(sl_buf *out, const data_record *r) {
    sl_buf p;
    sl_buf_init(&p);
    sl_buf_putc(out, '{');
    field(out, "id", r->id, 0);
    field(out, "split", retrieval_split_name(r->split), 1);
    field(out, "caption", r->caption, 1);
    field(out, "retrieved_id", r->retrieved_id, 1);
    field(out, "retrieved_caption", r->retrieved_caption, 1);
    if (r->retrieved_id) data_prompt_rag(&p, r->caption, r->retrieved_step, NULL);
    field(out, "prompt", r->retrieved_id ? p.data : "", 1);
    sl_buf_clear(&p);
    data_prompt_norag(&p, r->caption, NULL);
    field(out, "prompt_norag", p.data, 1);
    if (r->step) field(out, "step", r->step, 1);
    if (r->program) field(out, "program", r->program, 1);
    if (r->nurbs_json) field(out, "nurbs_json", r->nurbs_json, 1);
    if (r->graph) field(out, "graph", r->graph, 1);
    sl_buf_puts(out, "}\n");
    int failed = p.failed;
    sl_buf_release(&p);
    return (out->failed || failed) ? SL_ERR_NOMEM : SL_OK;
}
