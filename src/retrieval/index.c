/* index.c - building a caption index in memory and querying it.
 *
 * Data model (shared with the file format in file.c): entry arrays (ids,
 * captions, split tags, caption hashes, metadata), an id hash table, BM25
 * postings grouped by term and sorted by entry, and dense vectors stored row
 * by row (n, dim) as unit-length float32 and/or int8 with one scale per row.
 *
 * Determinism: every ranking uses the total order (score desc, index asc);
 * parallel scans keep one top-k per thread and merge them under that order,
 * so the result is the same for any thread count. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retrieval_internal.h"

/* ---- small growable arrays ------------------------------------------------ */
typedef struct vec_u64 { uint64_t *v; size_t n, cap; } vec_u64;

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) nc *= 2;
    void *np = realloc(*p, nc * elem);
    if (!np) return -1;
    *p = np;
    *cap = nc;
    return 0;
}

struct retrieval_builder {
    retrieval_build_opts opts;
    sl_buf ids, caps;              /* NUL-separated pools */
    vec_u64 id_off, cap_off;       /* start offsets */
    uint8_t *split; size_t split_cap;
    retrieval_meta *meta; size_t meta_cap;
    float *vec; size_t vec_cap;    /* (n, dim) when dense */
    uint8_t *has_vec; size_t has_vec_cap;
    size_t n;
    int failed;
};

void retrieval_build_opts_init(retrieval_build_opts *o) {
    memset(o, 0, sizeof *o);
    o->kinds = RETRIEVAL_KIND_BM25;
}

void retrieval_query_opts_init(retrieval_query_opts *o) {
    memset(o, 0, sizeof *o);
    o->k = 10;
    o->exclude_index = -1;
}

retrieval_builder *retrieval_builder_new(const retrieval_build_opts *opts) {
    retrieval_builder *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    if (opts) b->opts = *opts;
    else retrieval_build_opts_init(&b->opts);
    if (!b->opts.kinds) b->opts.kinds = RETRIEVAL_KIND_BM25;
    if (b->opts.bm25_k1 <= 0) b->opts.bm25_k1 = 1.2f;
    if (b->opts.bm25_b <= 0) b->opts.bm25_b = 0.75f;
    sl_buf_init(&b->ids);
    sl_buf_init(&b->caps);
    return b;
}

void retrieval_builder_free(retrieval_builder *b) {
    if (!b) return;
    sl_buf_release(&b->ids);
    sl_buf_release(&b->caps);
    free(b->id_off.v);
    free(b->cap_off.v);
    free(b->split);
    free(b->meta);
    free(b->vec);
    free(b->has_vec);
    free(b);
}

static int dense_kinds(unsigned k) { return (k & (RETRIEVAL_KIND_DENSE | RETRIEVAL_KIND_DENSE_Q8)) != 0; }

static sl_status builder_push(retrieval_builder *b, const char *id, const char *caption, int split,
                              const retrieval_meta *meta, const float *v, sl_err *err) {
    if (!id || !*id) return sl_err_set(err, SL_ERR_ARG, "entry %zu: empty id", b->n);
    if (!caption) caption = "";
    if (split < 0 || split > RETRIEVAL_SPLIT_NONE)
        return sl_err_set(err, SL_ERR_ARG, "entry '%s': bad split %d", id, split);
    if (b->n >= UINT32_MAX - 1) return sl_err_set(err, SL_ERR_LIMIT, "too many entries");
    size_t n = b->n + 1, dim = dense_kinds(b->opts.kinds) ? (size_t)b->opts.dim : 0;
    if (grow((void **)&b->id_off.v, &b->id_off.cap, n, 8) ||
        grow((void **)&b->cap_off.v, &b->cap_off.cap, n, 8) ||
        grow((void **)&b->split, &b->split_cap, n, 1) ||
        grow((void **)&b->meta, &b->meta_cap, n, sizeof(retrieval_meta)) ||
        grow((void **)&b->has_vec, &b->has_vec_cap, n, 1) ||
        (dim && grow((void **)&b->vec, &b->vec_cap, n * dim, sizeof(float))))
        return sl_err_set(err, SL_ERR_NOMEM, "out of memory adding entry '%s'", id);
    b->id_off.v[b->n] = b->ids.len;
    sl_buf_append(&b->ids, id, strlen(id) + 1);
    b->cap_off.v[b->n] = b->caps.len;
    sl_buf_append(&b->caps, caption, strlen(caption) + 1);
    if (b->ids.failed || b->caps.failed) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    b->split[b->n] = (uint8_t)split;
    if (meta) b->meta[b->n] = *meta;
    else retrieval_meta_init_unknown(&b->meta[b->n]);
    b->has_vec[b->n] = v != NULL;
    if (dim && v) memcpy(b->vec + b->n * dim, v, dim * sizeof(float));
    b->n = n;
    return SL_OK;
}

sl_status retrieval_builder_add(retrieval_builder *b, const char *id, const char *caption,
                                int split, const retrieval_meta *meta, sl_err *err) {
    return builder_push(b, id, caption, split, meta, NULL, err);
}

sl_status retrieval_builder_add_vec(retrieval_builder *b, const char *id, const char *caption,
                                    int split, const retrieval_meta *meta, const float *vec,
                                    sl_err *err) {
    if (!dense_kinds(b->opts.kinds) || !vec)
        return sl_err_set(err, SL_ERR_ARG, "add_vec needs a dense index kind and a vector");
    return builder_push(b, id, caption, split, meta, vec, err);
}

/* ---- index memory ------------------------------------------------------------ */
static void *own(retrieval_index *idx, size_t bytes) {
    void **no = realloc(idx->owned, (size_t)(idx->n_owned + 1) * sizeof *no);
    if (!no) return NULL;
    idx->owned = no;
    void *p = calloc(1, bytes ? bytes : 1);
    if (!p) return NULL;
    idx->owned[idx->n_owned++] = p;
    return p;
}

void retrieval_index_free(retrieval_index *idx) {
    if (!idx) return;
    for (int i = 0; i < idx->n_owned; i++) free(idx->owned[i]);
    free(idx->owned);
    if (idx->map) retr_unmap(idx->map, idx->map_len);
    free(idx);
}

static uint64_t pow2_slots(uint64_t n) {
    uint64_t s = 16;
    while (s < 2 * n) s *= 2;
    return s;
}

static uint64_t str_hash(const char *s) { return retr_hash_bytes(s, strlen(s), 0x1D5); }

long retrieval_index_find(const retrieval_index *idx, const char *id) {
    if (!idx->n_id_slots || !id) return -1;
    uint64_t mask = idx->n_id_slots - 1, h = str_hash(id) & mask;
    for (uint64_t probe = 0; probe < idx->n_id_slots; probe++, h = (h + 1) & mask) {
        uint32_t s = idx->id_slots[h];
        if (!s) return -1;
        if (!strcmp(idx->id_pool + idx->id_off[s - 1], id)) return (long)(s - 1);
    }
    return -1;
}

static long term_find(const retrieval_index *idx, const char *t) {
    if (!idx->n_term_slots) return -1;
    uint64_t mask = idx->n_term_slots - 1, h = str_hash(t) & mask;
    for (uint64_t probe = 0; probe < idx->n_term_slots; probe++, h = (h + 1) & mask) {
        uint32_t s = idx->term_slots[h];
        if (!s) return -1;
        if (!strcmp(idx->term_pool + idx->term_off[s - 1], t)) return (long)(s - 1);
    }
    return -1;
}

/* BM25 terms: the normalised tokens without length quantities ("40mm").
 * Sizes are continuous: an exact token match on one says little and would
 * pull in parts of other kinds that share a number; geometry re-ranking
 * compares sizes instead. Angles ("90deg") and bare numbers ("4") stay. */
static int bm25_tokens(const char *text, retr_tok *toks) {
    int nt = retr_tokenize(text, toks, RETR_MAX_TOKENS), k = 0;
    for (int i = 0; i < nt; i++)
        if (!(toks[i].len_mm > 0)) toks[k++] = toks[i];
    return k;
}

/* BM25 build: serial vocabulary (deterministic term ids in first-seen order),
 * then postings by counting sort so each list is sorted by entry. */
static sl_status build_bm25(retrieval_index *idx, sl_err *err) {
    size_t n = idx->n;
    uint32_t *doc_len = own(idx, n * sizeof *doc_len);
    uint64_t *doc_off = malloc((n + 1) * sizeof *doc_off);
    uint32_t *terms = NULL;            /* term ids, per entry, distinct, with tf */
    uint32_t *tfs = NULL;
    size_t n_terms_all = 0, cap_terms = 0, cap_tfs = 0;
    uint64_t slots_cap = 1 << 16, n_voc = 0;
    uint32_t *slots = calloc(slots_cap, sizeof *slots);
    sl_buf pool;
    vec_u64 toff = {0};
    sl_buf_init(&pool);
    retr_tok *toks = malloc(RETR_MAX_TOKENS * sizeof *toks);
    sl_status st = SL_OK;
    if (!doc_len || !doc_off || !slots || !toks) { st = SL_ERR_NOMEM; goto done; }
    double total_len = 0;
    for (size_t i = 0; i < n; i++) {
        int nt = bm25_tokens(idx->cap_pool + idx->cap_off[i], toks);
        doc_len[i] = (uint32_t)nt;
        total_len += nt;
        doc_off[i] = n_terms_all;
        if (grow((void **)&terms, &cap_terms, n_terms_all + (size_t)nt, sizeof *terms)) {
            st = SL_ERR_NOMEM;
            goto done;
        }
        if (cap_tfs < cap_terms) {   /* tfs runs parallel to terms */
            uint32_t *ntf = realloc(tfs, cap_terms * sizeof *tfs);
            if (!ntf) { st = SL_ERR_NOMEM; goto done; }
            tfs = ntf;
            cap_tfs = cap_terms;
        }
        for (int t = 0; t < nt; t++) {
            if (2 * (n_voc + 1) > slots_cap) {   /* rehash */
                uint64_t nc = slots_cap * 2;
                uint32_t *ns = calloc(nc, sizeof *ns);
                if (!ns) { st = SL_ERR_NOMEM; goto done; }
                for (uint64_t s = 0; s < slots_cap; s++) {
                    if (!slots[s]) continue;
                    uint64_t h = str_hash(pool.data + toff.v[slots[s] - 1]) & (nc - 1);
                    while (ns[h]) h = (h + 1) & (nc - 1);
                    ns[h] = slots[s];
                }
                free(slots);
                slots = ns;
                slots_cap = nc;
            }
            const char *w = toks[t].text;
            uint64_t h = str_hash(w) & (slots_cap - 1);
            uint32_t id = 0;
            while (slots[h]) {
                if (!strcmp(pool.data + toff.v[slots[h] - 1], w)) { id = slots[h]; break; }
                h = (h + 1) & (slots_cap - 1);
            }
            if (!id) {
                if (grow((void **)&toff.v, &toff.cap, n_voc + 1, 8)) { st = SL_ERR_NOMEM; goto done; }
                toff.v[n_voc] = pool.len;
                sl_buf_append(&pool, w, strlen(w) + 1);
                if (pool.failed) { st = SL_ERR_NOMEM; goto done; }
                id = (uint32_t)++n_voc;
                slots[h] = id;
            }
            /* distinct per entry, counting tf (captions are short: linear scan) */
            size_t k;
            for (k = doc_off[i]; k < n_terms_all; k++)
                if (terms[k] == id - 1) { tfs[k]++; break; }
            if (k == n_terms_all) {
                terms[n_terms_all] = id - 1;
                tfs[n_terms_all] = 1;
                n_terms_all++;
            }
        }
    }
    doc_off[n] = n_terms_all;
    idx->avgdl = n ? (float)(total_len / (double)n) : 0;
    idx->n_terms = n_voc;
    {
        uint64_t *term_off = own(idx, (n_voc + 1) * sizeof *term_off);
        char *term_pool = own(idx, pool.len);
        uint64_t *post_off = own(idx, (n_voc + 1) * sizeof *post_off);
        retr_post *post = own(idx, n_terms_all * sizeof *post);
        uint64_t n_ts = pow2_slots(n_voc);
        uint32_t *tslots = own(idx, n_ts * sizeof *tslots);
        if (!term_off || !term_pool || !post_off || !post || !tslots) { st = SL_ERR_NOMEM; goto done; }
        if (n_voc) memcpy(term_off, toff.v, n_voc * 8);
        term_off[n_voc] = pool.len;
        if (pool.len) memcpy(term_pool, pool.data, pool.len);
        for (size_t k = 0; k < n_terms_all; k++) post_off[terms[k] + 1]++;
        for (uint64_t t = 0; t < n_voc; t++) post_off[t + 1] += post_off[t];
        uint64_t *fill = malloc((n_voc + 1) * sizeof *fill);
        if (!fill) { st = SL_ERR_NOMEM; goto done; }
        memcpy(fill, post_off, (n_voc + 1) * 8);
        for (size_t i = 0; i < n; i++)
            for (uint64_t k = doc_off[i]; k < doc_off[i + 1]; k++) {
                retr_post *p = &post[fill[terms[k]]++];
                p->doc = (uint32_t)i;
                p->tf = tfs[k];
            }
        free(fill);
        for (uint64_t t = 0; t < n_voc; t++) {
            uint64_t h = str_hash(term_pool + term_off[t]) & (n_ts - 1);
            while (tslots[h]) h = (h + 1) & (n_ts - 1);
            tslots[h] = (uint32_t)(t + 1);
        }
        idx->term_off = term_off;
        idx->term_pool = term_pool;
        idx->post_off = post_off;
        idx->post = post;
        idx->doc_len = doc_len;
        idx->n_term_slots = n_ts;
        idx->term_slots = tslots;
    }
done:
    if (st != SL_OK) sl_err_set(err, st, "out of memory building the BM25 index");
    free(doc_off);
    free(terms);
    free(tfs);
    free(slots);
    free(toff.v);
    free(toks);
    sl_buf_release(&pool);
    return st;
}

static void normalise_row(float *v, size_t dim) {
    double ss = 0;
    for (size_t j = 0; j < dim; j++) ss += (double)v[j] * v[j];
    if (ss > 0 && isfinite(ss)) {
        float inv = (float)(1.0 / sqrt(ss));
        for (size_t j = 0; j < dim; j++) v[j] *= inv;
    } else {
        memset(v, 0, dim * sizeof *v);
    }
}

/* Symmetric int8 quantisation of one row: q = round(v / s), s = max|v| / 127. */
static float quantise_row(const float *v, int8_t *q, size_t dim) {
    float m = 0;
    for (size_t j = 0; j < dim; j++) m = fmaxf(m, fabsf(v[j]));
    if (!(m > 0)) {
        memset(q, 0, dim);
        return 0;
    }
    float s = m / 127.0f, inv = 127.0f / m;
    for (size_t j = 0; j < dim; j++) {
        long r = lrintf(v[j] * inv);
        q[j] = (int8_t)(r > 127 ? 127 : r < -127 ? -127 : r);
    }
    return s;
}

sl_status retrieval_builder_finish(retrieval_builder *b, retrieval_index **out, sl_err *err) {
    *out = NULL;
    retrieval_index *idx = calloc(1, sizeof *idx);
    sl_status st = SL_OK;
    if (!idx) { retrieval_builder_free(b); return sl_err_set(err, SL_ERR_NOMEM, "out of memory"); }
    size_t n = b->n, dim = (size_t)b->opts.dim;
    unsigned kinds = b->opts.kinds;
    if (dense_kinds(kinds) && (b->opts.dim < 1 || b->opts.dim > 65536)) {
        st = sl_err_set(err, SL_ERR_ARG, "dense index needs 1 <= dim <= 65536 (got %d)", b->opts.dim);
        goto fail;
    }
    idx->n = n;
    idx->kinds = kinds;
    idx->dim = dense_kinds(kinds) ? (uint32_t)dim : 0;
    idx->k1 = b->opts.bm25_k1;
    idx->b = b->opts.bm25_b;
    snprintf(idx->embed_name, sizeof idx->embed_name, "%s",
             dense_kinds(kinds) && b->opts.embed_name ? b->opts.embed_name : "");
    {
        uint64_t *io = own(idx, (n + 1) * 8), *co = own(idx, (n + 1) * 8);
        char *ip = own(idx, b->ids.len), *cp = own(idx, b->caps.len);
        uint8_t *sp = own(idx, n);
        uint64_t *ch = own(idx, n * 8);
        retrieval_meta *mt = own(idx, n * sizeof *mt);
        uint64_t n_is = pow2_slots(n);
        uint32_t *is = own(idx, n_is * 4);
        if (!io || !co || !ip || !cp || !sp || !ch || !mt || !is) { st = SL_ERR_NOMEM; goto nomem; }
        if (n) {
            memcpy(io, b->id_off.v, n * 8);
            memcpy(co, b->cap_off.v, n * 8);
            memcpy(ip, b->ids.data, b->ids.len);
            memcpy(cp, b->caps.data, b->caps.len);
            memcpy(sp, b->split, n);
            memcpy(mt, b->meta, n * sizeof *mt);
        }
        io[n] = b->ids.len;
        co[n] = b->caps.len;
        idx->id_off = io; idx->id_pool = ip; idx->cap_off = co; idx->cap_pool = cp;
        idx->split = sp; idx->meta = mt; idx->cap_hash = ch;
        idx->n_id_slots = n_is; idx->id_slots = is;
        #pragma omp parallel for schedule(dynamic, 256)
        for (size_t i = 0; i < n; i++) ch[i] = retrieval_caption_hash(cp + co[i]);
        for (size_t i = 0; i < n; i++) {
            const char *id = ip + io[i];
            uint64_t h = str_hash(id) & (n_is - 1);
            while (is[h]) {
                if (!strcmp(ip + io[is[h] - 1], id)) {
                    st = sl_err_set(err, SL_ERR_INVALID, "duplicate id '%s' (entries %u and %zu)",
                                    id, is[h] - 1, i);
                    goto fail;
                }
                h = (h + 1) & (n_is - 1);
            }
            is[h] = (uint32_t)(i + 1);
        }
    }
    if (kinds & RETRIEVAL_KIND_BM25) {
        st = build_bm25(idx, err);
        if (st) goto fail;
    }
    if (dense_kinds(kinds)) {
        float *v = b->vec;
        int embed_failed = 0;
        if (!b->opts.embed) {
            for (size_t i = 0; i < n; i++)
                if (!b->has_vec[i]) {
                    st = sl_err_set(err, SL_ERR_ARG, "entry '%s' has no vector and no embedding "
                                    "function was given", idx->id_pool + idx->id_off[i]);
                    goto fail;
                }
        }
        #pragma omp parallel for schedule(dynamic, 64) reduction(|:embed_failed)
        for (size_t i = 0; i < n; i++) {
            if (!b->has_vec[i] &&
                b->opts.embed(b->opts.embed_ctx, idx->cap_pool + idx->cap_off[i], v + i * dim,
                              (int)dim) != 0)
                embed_failed = 1;
            normalise_row(v + i * dim, dim);
        }
        if (embed_failed) {
            st = sl_err_set(err, SL_ERR_INVALID, "the embedding function failed");
            goto fail;
        }
        if (kinds & RETRIEVAL_KIND_DENSE_Q8) {
            int8_t *q = own(idx, n * dim);
            float *qs = own(idx, n * sizeof *qs);
            if (!q || !qs) { st = SL_ERR_NOMEM; goto nomem; }
            #pragma omp parallel for schedule(static)
            for (size_t i = 0; i < n; i++) qs[i] = quantise_row(v + i * dim, q + i * dim, dim);
            idx->qvec = q;
            idx->qscale = qs;
        }
        if (kinds & RETRIEVAL_KIND_DENSE) {
            /* hand the builder's vector block to the index */
            void **no = realloc(idx->owned, (size_t)(idx->n_owned + 1) * sizeof *no);
            if (!no) { st = SL_ERR_NOMEM; goto nomem; }
            idx->owned = no;
            if (!v) v = calloc(1, 1);
            idx->owned[idx->n_owned++] = v;
            idx->vec = v;
            b->vec = NULL;
        }
    }
    retrieval_builder_free(b);
    *out = idx;
    return SL_OK;
nomem:
    sl_err_set(err, SL_ERR_NOMEM, "out of memory building the index");
fail:
    retrieval_builder_free(b);
    retrieval_index_free(idx);
    return st ? st : SL_ERR_NOMEM;
}

/* ---- accessors ----------------------------------------------------------- */
size_t retrieval_index_count(const retrieval_index *idx) { return (size_t)idx->n; }
unsigned retrieval_index_kinds(const retrieval_index *idx) { return idx->kinds; }
int retrieval_index_dim(const retrieval_index *idx) { return (int)idx->dim; }
const char *retrieval_index_embed_name(const retrieval_index *idx) { return idx->embed_name; }
const char *retrieval_index_id(const retrieval_index *idx, size_t i) {
    return i < idx->n ? idx->id_pool + idx->id_off[i] : NULL;
}
const char *retrieval_index_caption(const retrieval_index *idx, size_t i) {
    return i < idx->n ? idx->cap_pool + idx->cap_off[i] : NULL;
}
int retrieval_index_split(const retrieval_index *idx, size_t i) {
    return i < idx->n ? idx->split[i] : RETRIEVAL_SPLIT_NONE;
}
uint64_t retrieval_index_caption_hash_at(const retrieval_index *idx, size_t i) {
    return i < idx->n ? idx->cap_hash[i] : 0;
}
const retrieval_meta *retrieval_index_meta(const retrieval_index *idx, size_t i) {
    return i < idx->n ? &idx->meta[i] : NULL;
}

sl_status retrieval_index_vector(const retrieval_index *idx, size_t i, float *out) {
    if (i >= idx->n || !out) return SL_ERR_ARG;
    size_t dim = idx->dim;
    if (idx->vec) {
        memcpy(out, idx->vec + i * dim, dim * sizeof *out);
        return SL_OK;
    }
    if (idx->qvec) {
        for (size_t j = 0; j < dim; j++) out[j] = (float)idx->qvec[i * dim + j] * idx->qscale[i];
        return SL_OK;
    }
    return SL_ERR_ARG;
}

/* ---- top-k under the order (score desc, index asc) ------------------------- */
typedef struct topk { retrieval_hit *h; int n, k; } topk;

/* a ranks below b */
static int worse(const retrieval_hit *a, const retrieval_hit *b) {
    return a->score < b->score || (a->score == b->score && a->index > b->index);
}

static void heap_down(topk *t, int i) {
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < t->n && worse(&t->h[l], &t->h[m])) m = l;
        if (r < t->n && worse(&t->h[r], &t->h[m])) m = r;
        if (m == i) return;
        retrieval_hit tmp = t->h[i];
        t->h[i] = t->h[m];
        t->h[m] = tmp;
        i = m;
    }
}

/* min-heap: the root is the worst kept hit */
static void topk_push(topk *t, long index, float score) {
    if (isnan(score)) score = -INFINITY;
    retrieval_hit x = {index, score, score, -1};
    if (t->n < t->k) {
        int i = t->n++;
        t->h[i] = x;
        while (i > 0) {
            int p = (i - 1) / 2;
            if (!worse(&t->h[i], &t->h[p])) break;
            retrieval_hit tmp = t->h[i];
            t->h[i] = t->h[p];
            t->h[p] = tmp;
            i = p;
        }
    } else if (t->k > 0 && worse(&t->h[0], &x)) {
        t->h[0] = x;
        heap_down(t, 0);
    }
}

static int cmp_hit(const void *a, const void *b) {
    const retrieval_hit *x = a, *y = b;
    if (worse(x, y)) return 1;
    if (worse(y, x)) return -1;
    return 0;
}

typedef struct qfilter {
    long exclude;
    unsigned split_mask;
    uint64_t cap_hash;
    unsigned cap_split_mask;
} qfilter;

static int passes(const retrieval_index *idx, const qfilter *f, uint64_t i) {
    if ((long)i == f->exclude) return 0;
    unsigned bit = RETRIEVAL_SPLIT_BIT(idx->split[i]);
    if (f->split_mask && !(f->split_mask & bit)) return 0;
    if (f->cap_hash && idx->cap_hash[i] == f->cap_hash &&
        (!f->cap_split_mask || (f->cap_split_mask & bit)))
        return 0;
    return 1;
}

static sl_status query_bm25(const retrieval_index *idx, const char *caption, const qfilter *f,
                            topk *t, sl_err *err) {
    retr_tok *toks = malloc(RETR_MAX_TOKENS * sizeof *toks);
    if (!toks) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    int nt = bm25_tokens(caption, toks);
    long term[RETR_MAX_TOKENS];
    int n_q = 0;
    for (int i = 0; i < nt; i++) {
        long id = term_find(idx, toks[i].text);
        if (id < 0) continue;
        int dup = 0;
        for (int j = 0; j < n_q; j++) dup |= term[j] == id;
        if (!dup) term[n_q++] = id;
    }
    free(toks);
    /* ascending term ids: a fixed accumulation order */
    for (int i = 1; i < n_q; i++)
        for (int j = i; j > 0 && term[j - 1] > term[j]; j--) {
            long tmp = term[j];
            term[j] = term[j - 1];
            term[j - 1] = tmp;
        }
    uint64_t n_touch = 0;
    for (int i = 0; i < n_q; i++) n_touch += idx->post_off[term[i] + 1] - idx->post_off[term[i]];
    if (n_touch == 0) return SL_OK;
    float *score = calloc(idx->n, sizeof *score);
    uint32_t *touched = malloc(n_touch * sizeof *touched);
    if (!score || !touched) {
        free(score);
        free(touched);
        return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    }
    uint64_t n_t = 0;
    double N = (double)idx->n, k1 = idx->k1, b = idx->b, avgdl = idx->avgdl > 0 ? idx->avgdl : 1;
    for (int i = 0; i < n_q; i++) {
        uint64_t lo = idx->post_off[term[i]], hi = idx->post_off[term[i] + 1];
        double df = (double)(hi - lo);
        float idf = (float)log(1.0 + (N - df + 0.5) / (df + 0.5));
        for (uint64_t p = lo; p < hi; p++) {
            uint32_t d = idx->post[p].doc;
            double tf = idx->post[p].tf;
            double norm = k1 * (1.0 - b + b * idx->doc_len[d] / avgdl);
            if (score[d] == 0) touched[n_t++] = d;   /* every term adds > 0 */
            score[d] += idf * (float)(tf * (k1 + 1.0) / (tf + norm));
        }
    }
    for (uint64_t i = 0; i < n_t; i++) {
        uint32_t d = touched[i];
        float s = score[d];
        if (t->n == t->k && s < t->h[0].score) continue;   /* cannot enter the top k */
        if (s > 0 && passes(idx, f, d)) topk_push(t, d, s);
    }
    free(score);
    free(touched);
    return SL_OK;
}

static float dot_f32(const float *a, const float *b, size_t n) {
    float s = 0;
    #pragma omp simd reduction(+:s)
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static int32_t dot_i8(const int8_t *a, const int8_t *b, size_t n) {
    int32_t s = 0;
    #pragma omp simd reduction(+:s)
    for (size_t i = 0; i < n; i++) s += (int32_t)a[i] * (int32_t)b[i];
    return s;
}

/* Exact scan over all rows, one top-k per thread over a contiguous range of
 * blocks, merged under the total order. */
static sl_status query_dense(const retrieval_index *idx, const float *qv_in, int q8,
                             const qfilter *f, topk *t, int n_threads, sl_err *err) {
    size_t dim = idx->dim, n = idx->n;
    float *qv = malloc(dim * sizeof *qv);
    int8_t *qq = malloc(dim);
    int nt = n_threads > 0 ? n_threads : omp_get_max_threads();
    if (nt < 1) nt = 1;
    retrieval_hit *all = malloc((size_t)nt * (size_t)t->k * sizeof *all);
    int *cnt = calloc((size_t)nt, sizeof *cnt);
    if (!qv || !qq || !all || !cnt) {
        free(qv); free(qq); free(all); free(cnt);
        return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    }
    memcpy(qv, qv_in, dim * sizeof *qv);
    normalise_row(qv, dim);
    float qscale = q8 ? quantise_row(qv, qq, dim) : 0;
    const size_t block = 1024;   /* = size of sc[] below */
    size_t n_blocks = (n + block - 1) / block;
    #pragma omp parallel num_threads(nt)
    {
        int tid = omp_get_thread_num(), nth = omp_get_num_threads();
        topk mine = {all + (size_t)tid * (size_t)t->k, 0, t->k};
        size_t b0 = n_blocks * (size_t)tid / (size_t)nth, b1 = n_blocks * (size_t)(tid + 1) / (size_t)nth;
        float sc[1024];
        for (size_t blk = b0; blk < b1; blk++) {
            size_t lo = blk * block, hi = lo + block < n ? lo + block : n;
            /* scores of one block first (a tight SIMD loop), then selection */
            if (q8) {
                for (size_t i = lo; i < hi; i++)
                    sc[i - lo] = (float)dot_i8(qq, idx->qvec + i * dim, dim) * (qscale * idx->qscale[i]);
            } else {
                for (size_t i = lo; i < hi; i++) sc[i - lo] = dot_f32(qv, idx->vec + i * dim, dim);
            }
            for (size_t i = lo; i < hi; i++) {
                float s = sc[i - lo];
                if (mine.n == mine.k && !(s >= mine.h[0].score)) continue;   /* fast reject */
                if (passes(idx, f, i)) topk_push(&mine, (long)i, s);
            }
        }
        cnt[tid] = mine.n;
    }
    for (int i = 0; i < nt; i++)
        for (int j = 0; j < cnt[i]; j++) {
            retrieval_hit *h = &all[(size_t)i * (size_t)t->k + (size_t)j];
            topk_push(t, h->index, h->score);
        }
    free(qv); free(qq); free(all); free(cnt);
    return SL_OK;
}

static sl_status query_common(const retrieval_index *idx, const char *caption, const float *vec,
                              retrieval_embed_fn embed, void *embed_ctx,
                              const retrieval_query_opts *o_in, retrieval_hit *hits, int *n_hits,
                              sl_err *err) {
    *n_hits = 0;
    retrieval_query_opts o;
    if (o_in) o = *o_in;
    else retrieval_query_opts_init(&o);
    if (o.k < 1) return sl_err_set(err, SL_ERR_ARG, "k must be >= 1");
    unsigned kind = o.kind;
    if (!kind) {
        if (idx->kinds & RETRIEVAL_KIND_BM25) kind = RETRIEVAL_KIND_BM25;
        else if (idx->kinds & RETRIEVAL_KIND_DENSE) kind = RETRIEVAL_KIND_DENSE;
        else kind = RETRIEVAL_KIND_DENSE_Q8;
    }
    if (!(idx->kinds & kind) || (kind & (kind - 1)))
        return sl_err_set(err, SL_ERR_ARG, "the index has no %s part",
                          kind == RETRIEVAL_KIND_BM25 ? "BM25" : kind == RETRIEVAL_KIND_DENSE
                                                                     ? "dense" : "int8 dense");
    double lengths[RETRIEVAL_MAX_DIMS];
    int n_len = 0, n_holes = -1, geo = 0;
    if (o.geo_rerank && caption) {
        n_len = retrieval_caption_lengths_mm(caption, lengths, RETRIEVAL_MAX_DIMS);
        n_holes = retrieval_caption_hole_count(caption);
        geo = n_len > 0 || n_holes >= 0;
    }
    int pool = o.k;
    if (geo) pool = o.geo_pool > 0 ? o.geo_pool : (32 * o.k > 256 ? 32 * o.k : 256);
    if (pool < o.k) pool = o.k;
    if ((uint64_t)pool > idx->n) pool = idx->n ? (int)idx->n : 1;
    topk t = {malloc((size_t)pool * sizeof(retrieval_hit)), 0, pool};
    if (!t.h) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    qfilter f = {o.exclude_index, o.split_mask, o.exclude_caption_hash,
                 o.exclude_caption_split_mask};
    sl_status st = SL_OK;
    if (kind == RETRIEVAL_KIND_BM25) {
        st = query_bm25(idx, caption ? caption : "", &f, &t, err);
    } else {
        float *qv = NULL;
        if (!vec) {
            if (!embed) {
                free(t.h);
                return sl_err_set(err, SL_ERR_ARG, "a dense query needs an embedding function");
            }
            qv = malloc(idx->dim * sizeof *qv);
            if (!qv) st = sl_err_set(err, SL_ERR_NOMEM, "out of memory");
            else if (embed(embed_ctx, caption ? caption : "", qv, (int)idx->dim) != 0)
                st = sl_err_set(err, SL_ERR_INVALID, "the embedding function failed on the query");
            vec = qv;
        }
        if (!st && kind == RETRIEVAL_KIND_DENSE_Q8 && idx->vec) {
            /* int8 scan for 4x the candidates, then exact float32 scores for
             * those: int8 bandwidth, (nearly) exact ranking */
            int cand = 4 * pool > 64 ? 4 * pool : 64;
            topk t2 = {malloc((size_t)cand * sizeof(retrieval_hit)), 0, cand};
            float *qn = malloc(idx->dim * sizeof *qn);
            if (!t2.h || !qn) st = sl_err_set(err, SL_ERR_NOMEM, "out of memory");
            if (!st) st = query_dense(idx, vec, 1, &f, &t2, o.n_threads, err);
            if (!st) {
                memcpy(qn, vec, idx->dim * sizeof *qn);
                normalise_row(qn, idx->dim);
                for (int i = 0; i < t2.n; i++)
                    topk_push(&t, t2.h[i].index, dot_f32(qn, idx->vec + (size_t)t2.h[i].index * idx->dim, idx->dim));
            }
            free(t2.h);
            free(qn);
        } else if (!st) {
            st = query_dense(idx, vec, kind == RETRIEVAL_KIND_DENSE_Q8, &f, &t, o.n_threads, err);
        }
        free(qv);
    }
    if (st) { free(t.h); return st; }
    qsort(t.h, (size_t)t.n, sizeof *t.h, cmp_hit);
    if (geo && t.n > 0) {
        double w = o.geo_weight > 0 ? o.geo_weight : 1.0;
        double best = t.h[0].base_score > 0 ? t.h[0].base_score : 1.0;
        for (int i = 0; i < t.n; i++) {
            double m = retrieval_meta_misfit(&idx->meta[t.h[i].index], lengths, n_len, n_holes);
            double mm = m < 0 ? log(4.0) : m;   /* no metadata: worst length fit */
            t.h[i].misfit = (float)m;
            double base = t.h[i].base_score > 0 ? t.h[i].base_score : 0;
            t.h[i].score = (float)(base / best - w * mm);
        }
        qsort(t.h, (size_t)t.n, sizeof *t.h, cmp_hit);
    }
    int n = t.n < o.k ? t.n : o.k;
    memcpy(hits, t.h, (size_t)n * sizeof *hits);
    *n_hits = n;
    free(t.h);
    return SL_OK;
}

sl_status retrieval_query(const retrieval_index *idx, const char *caption,
                          retrieval_embed_fn embed, void *embed_ctx,
                          const retrieval_query_opts *opts, retrieval_hit *hits, int *n_hits,
                          sl_err *err) {
    return query_common(idx, caption, NULL, embed, embed_ctx, opts, hits, n_hits, err);
}

sl_status retrieval_query_vec(const retrieval_index *idx, const float *vec, const char *caption,
                              const retrieval_query_opts *opts, retrieval_hit *hits, int *n_hits,
                              sl_err *err) {
    if (!vec) return sl_err_set(err, SL_ERR_ARG, "no query vector");
    retrieval_query_opts o;
    if (opts) o = *opts;
    else retrieval_query_opts_init(&o);
    if (o.kind == RETRIEVAL_KIND_BM25) return sl_err_set(err, SL_ERR_ARG, "a vector query needs a dense kind");
    if (!o.kind) o.kind = (idx->kinds & RETRIEVAL_KIND_DENSE) ? RETRIEVAL_KIND_DENSE : RETRIEVAL_KIND_DENSE_Q8;
    return query_common(idx, caption, vec, NULL, NULL, &o, hits, n_hits, err);
}
