/* tokenizer.c - byte-level BPE: trainer, encoder, decoder, one-file format.
 *
 * Ids 0..255 are the bytes, 256..260 the special tokens (lm.h), and every id
 * after that is a merge of two earlier ids, in the order the trainer learnt
 * them. Text is first cut into chunks by a pre-tokenizer and merges never
 * cross a chunk boundary; the STEP-aware pre-tokenizer keeps entity ids
 * (#123), numbers (-1.5E-3), keywords (CARTESIAN_POINT), enumerations (.T.),
 * short quoted strings and runs of separators ("( ", ", ", " ) );\n") whole.
 * Chunks are capped at MAX_CHUNK bytes, so encoding is linear in the input.
 * Since every byte is a token and merges only join tokens, decode(encode(x))
 * == x for any bytes.
 *
 * The encoder keeps a cache from chunk bytes to ids (STEP text repeats a
 * lot), which makes lm_tokenizer_encode not safe to call concurrently on one
 * tokenizer. File format (text):
 *     steplm-bpe 1
 *     pretok step|generic
 *     merges N
 *     a b          (N lines: the two ids that merge into 261 + line index) */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "steplm/lm.h"

#define MAX_CHUNK 64
#define CACHE_MAX_ENTRIES (1u << 20)

static const char *const special_str[LM_TOK_N_BASE - 256] = {
    "<|endoftext|>", "<|pad|>", "### caption:\n", "### retrieved relevant step file:\n", "### output:\n"};

typedef struct cache_ent { uint64_t h; uint32_t off, n_bytes, ids_off, n_ids; } cache_ent;

struct lm_tokenizer {
    lm_pretok pretok;
    int n_vocab;
    int32_t (*merge)[2];        /* [n_vocab - LM_TOK_N_BASE] */
    char *pool; size_t *off; uint32_t *len;  /* token bytes */
    /* merge lookup: open addressing on key (a << 32 | b) -> new id */
    uint64_t *mkey; int32_t *mval; size_t mcap;
    /* encode cache */
    cache_ent *ctab; size_t ccap, cn;
    sl_buf cbytes;              /* chunk bytes of cached entries */
    int32_t *cids; size_t cids_n, cids_cap;
};

static uint64_t mix64(uint64_t x) {
    x ^= x >> 33; x *= 0xff51afd7ed558ccdull; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ull; x ^= x >> 33;
    return x;
}

/* ---- pre-tokenization ------------------------------------------------------ */
static int is_alpha(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_sep(unsigned char c) {
    return is_space(c) || c == '(' || c == ')' || c == ',' || c == ';' || c == '=' || c == '*' || c == '$' || c == '/';
}

static size_t scan_number(const unsigned char *s, size_t n, size_t i) {
    if (i < n && (s[i] == '-' || s[i] == '+')) i++;
    while (i < n && is_digit(s[i])) i++;
    if (i < n && s[i] == '.') { i++; while (i < n && is_digit(s[i])) i++; }
    if (i < n && (s[i] == 'E' || s[i] == 'e')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '-' || s[j] == '+')) j++;
        if (j < n && is_digit(s[j])) { i = j; while (i < n && is_digit(s[i])) i++; }
    }
    return i;
}

/* end of the chunk starting at s[i] (i < n) */
static size_t chunk_end(lm_pretok pt, const unsigned char *s, size_t n, size_t i) {
    size_t e = i + 1, lim = i + MAX_CHUNK < n ? i + MAX_CHUNK : n;
    unsigned char c = s[i];
    if (pt == LM_PRETOK_STEP) {
        if (c == '#' && e < lim && is_digit(s[e])) {
            while (e < lim && is_digit(s[e])) e++;
        } else if (is_digit(c) || ((c == '-' || c == '+' || c == '.') && e < n && is_digit(s[e]))) {
            e = scan_number(s, lim, i);
            if (e == i) e = i + 1;
        } else if (c == '.' && e < lim && is_alpha(s[e])) {   /* .ENUM. */
            while (e < lim && is_alpha(s[e])) e++;
            if (e < lim && s[e] == '.') e++;
        } else if (c == '\'') {                               /* 'string' */
            while (e < lim && s[e] != '\'') e++;
            if (e < lim) e++;
        } else if (is_alpha(c)) {
            while (e < lim && (is_alpha(s[e]) || is_digit(s[e]))) e++;
        } else if (is_sep(c)) {
            while (e < lim && is_sep(s[e])) e++;
        }
    } else {
        if (is_alpha(c)) while (e < lim && is_alpha(s[e])) e++;
        else if (is_digit(c)) while (e < lim && is_digit(s[e])) e++;
        else if (is_space(c)) while (e < lim && is_space(s[e])) e++;
        else while (e < lim && !is_alpha(s[e]) && !is_digit(s[e]) && !is_space(s[e])) e++;
    }
    return e > lim ? lim : e;
}

/* special token starting at s[i], or -1 */
static int special_at(const char *s, size_t n, size_t i) {
    if (s[i] != '<' && s[i] != '#') return -1;
    for (int k = 0; k < LM_TOK_N_BASE - 256; k++) {
        size_t l = strlen(special_str[k]);
        if (i + l <= n && !memcmp(s + i, special_str[k], l)) return 256 + k;
    }
    return -1;
}

/* ---- vocabulary ----------------------------------------------------------- */
static int tok_alloc(lm_tokenizer *t, int n_vocab) {
    int nm = n_vocab - LM_TOK_N_BASE;
    t->merge = malloc(sizeof(*t->merge) * (nm > 0 ? nm : 1));
    t->off = malloc(sizeof(size_t) * n_vocab);
    t->len = malloc(sizeof(uint32_t) * n_vocab);
    t->mcap = 16;
    while (t->mcap < (size_t)(nm > 0 ? nm : 1) * 2) t->mcap <<= 1;
    t->mkey = malloc(sizeof(uint64_t) * t->mcap);
    t->mval = malloc(sizeof(int32_t) * t->mcap);
    if (!t->merge || !t->off || !t->len || !t->mkey || !t->mval) return -1;
    memset(t->mkey, 0xff, sizeof(uint64_t) * t->mcap);
    return 0;
}

static void merge_put(lm_tokenizer *t, int32_t a, int32_t b, int32_t id) {
    uint64_t k = (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
    size_t i = mix64(k) & (t->mcap - 1);
    while (t->mkey[i] != UINT64_MAX && t->mkey[i] != k) i = (i + 1) & (t->mcap - 1);
    t->mkey[i] = k;
    t->mval[i] = id;
}

static int32_t merge_get(const lm_tokenizer *t, int32_t a, int32_t b) {
    uint64_t k = (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
    size_t i = mix64(k) & (t->mcap - 1);
    while (t->mkey[i] != UINT64_MAX) {
        if (t->mkey[i] == k) return t->mval[i];
        i = (i + 1) & (t->mcap - 1);
    }
    return -1;
}

/* Build token bytes and the merge table from t->merge[0..n_vocab-BASE). */
static int tok_finish(lm_tokenizer *t) {
    size_t total = 0;
    /* lengths first */
    for (int id = 0; id < 256; id++) t->len[id] = 1;
    for (int k = 0; k < LM_TOK_N_BASE - 256; k++) t->len[256 + k] = (uint32_t)strlen(special_str[k]);
    for (int id = LM_TOK_N_BASE; id < t->n_vocab; id++) {
        uint64_t l = (uint64_t)t->len[t->merge[id - LM_TOK_N_BASE][0]] + t->len[t->merge[id - LM_TOK_N_BASE][1]];
        if (l > (1u << 20)) return -1;
        t->len[id] = (uint32_t)l;
    }
    for (int id = 0; id < t->n_vocab; id++) total += t->len[id];
    t->pool = malloc(total ? total : 1);
    if (!t->pool) return -1;
    size_t at = 0;
    for (int id = 0; id < t->n_vocab; id++) {
        t->off[id] = at;
        if (id < 256) t->pool[at] = (char)id;
        else if (id < LM_TOK_N_BASE) memcpy(t->pool + at, special_str[id - 256], t->len[id]);
        else {
            int32_t a = t->merge[id - LM_TOK_N_BASE][0], b = t->merge[id - LM_TOK_N_BASE][1];
            memcpy(t->pool + at, t->pool + t->off[a], t->len[a]);
            memcpy(t->pool + at + t->len[a], t->pool + t->off[b], t->len[b]);
            merge_put(t, a, b, id);
        }
        at += t->len[id];
    }
    sl_buf_init(&t->cbytes);
    return 0;
}

lm_tokenizer *lm_tokenizer_new_bytes(lm_pretok pretok) {
    lm_tokenizer *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->pretok = pretok;
    t->n_vocab = LM_TOK_N_BASE;
    if (tok_alloc(t, t->n_vocab) || tok_finish(t)) { lm_tokenizer_free(t); return NULL; }
    return t;
}

void lm_tokenizer_free(lm_tokenizer *t) {
    if (!t) return;
    free(t->merge); free(t->pool); free(t->off); free(t->len); free(t->mkey); free(t->mval);
    free(t->ctab); sl_buf_release(&t->cbytes); free(t->cids);
    free(t);
}

int lm_tokenizer_vocab_size(const lm_tokenizer *t) { return t->n_vocab; }

const char *lm_tokenizer_token(const lm_tokenizer *t, int32_t id, size_t *len) {
    if (id < 0 || id >= t->n_vocab) return NULL;
    *len = t->len[id];
    return t->pool + t->off[id];
}

/* ---- encoding ------------------------------------------------------------ */

/* BPE on one chunk: apply the lowest-id (earliest) merge available until
 * none applies. ids has room for n entries; returns the count. */
static int bpe_chunk(const lm_tokenizer *t, const unsigned char *s, int n, int32_t *ids) {
    for (int i = 0; i < n; i++) ids[i] = s[i];
    if (t->n_vocab == LM_TOK_N_BASE) return n;
    for (;;) {
        int32_t best = INT32_MAX;
        for (int i = 0; i + 1 < n; i++) {
            int32_t m = merge_get(t, ids[i], ids[i + 1]);
            if (m >= 0 && m < best) best = m;
        }
        if (best == INT32_MAX) return n;
        int32_t a = t->merge[best - LM_TOK_N_BASE][0], b = t->merge[best - LM_TOK_N_BASE][1];
        int o = 0;
        for (int i = 0; i < n;) {
            if (i + 1 < n && ids[i] == a && ids[i + 1] == b) { ids[o++] = best; i += 2; }
            else ids[o++] = ids[i++];
        }
        n = o;
    }
}

static int ids_push(int32_t **v, size_t *n, size_t *cap, const int32_t *src, size_t k) {
    if (*n + k > *cap) {
        size_t c = *cap ? *cap : 1024;
        while (c < *n + k) c *= 2;
        int32_t *p = realloc(*v, sizeof(int32_t) * c);
        if (!p) return -1;
        *v = p; *cap = c;
    }
    memcpy(*v + *n, src, sizeof(int32_t) * k);
    *n += k;
    return 0;
}

static void cache_clear(lm_tokenizer *t) {
    free(t->ctab);
    t->ctab = NULL; t->ccap = t->cn = 0;
    sl_buf_clear(&t->cbytes);
    t->cids_n = 0;
}

/* look up or compute the ids of one chunk; returns pointer + count */
static const int32_t *encode_chunk(lm_tokenizer *t, const unsigned char *s, int n, int *n_out, int32_t *tmp) {
    if (!t->ctab) {
        t->ccap = 1 << 14;
        t->ctab = calloc(t->ccap, sizeof(cache_ent));
        if (!t->ctab) { t->ccap = 0; *n_out = bpe_chunk(t, s, n, tmp); return tmp; }
    }
    uint64_t h = sl_hash64(s, n) | 1;
    size_t i = h & (t->ccap - 1);
    while (t->ctab[i].h) {
        cache_ent *e = &t->ctab[i];
        if (e->h == h && e->n_bytes == (uint32_t)n && !memcmp(t->cbytes.data + e->off, s, n)) {
            *n_out = (int)e->n_ids;
            return t->cids + e->ids_off;
        }
        i = (i + 1) & (t->ccap - 1);
    }
    int k = bpe_chunk(t, s, n, tmp);
    *n_out = k;
    if (t->cn + 1 > CACHE_MAX_ENTRIES) return tmp;       /* full: compute without caching */
    if ((t->cn + 1) * 2 > t->ccap) {
        size_t nc = t->ccap * 2;
        cache_ent *nt = calloc(nc, sizeof(cache_ent));
        if (!nt) return tmp;
        for (size_t j = 0; j < t->ccap; j++) {
            if (!t->ctab[j].h) continue;
            size_t q = t->ctab[j].h & (nc - 1);
            while (nt[q].h) q = (q + 1) & (nc - 1);
            nt[q] = t->ctab[j];
        }
        free(t->ctab);
        t->ctab = nt; t->ccap = nc;
        i = h & (nc - 1);
        while (t->ctab[i].h) i = (i + 1) & (nc - 1);
    }
    size_t boff = t->cbytes.len, ioff = t->cids_n;
    sl_buf_append(&t->cbytes, s, n);
    if (t->cbytes.failed || ids_push(&t->cids, &t->cids_n, &t->cids_cap, tmp, k)) { cache_clear(t); return tmp; }
    t->ctab[i] = (cache_ent){h, (uint32_t)boff, (uint32_t)n, (uint32_t)ioff, (uint32_t)k};
    t->cn++;
    return tmp;
}

sl_status lm_tokenizer_encode(lm_tokenizer *t, const char *text, size_t n, int allow_special, int32_t **ids_out,
                              size_t *n_ids, sl_err *err) {
    *ids_out = NULL; *n_ids = 0;
    if (n > ((size_t)1 << 32)) return sl_err_set(err, SL_ERR_LIMIT, "text of %zu bytes too large to encode", n);
    size_t cap = n / 3 + 16, cnt = 0;
    int32_t *ids = malloc(sizeof(int32_t) * cap);
    if (!ids) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    const unsigned char *s = (const unsigned char *)text;
    int32_t tmp[MAX_CHUNK];
    size_t i = 0;
    while (i < n) {
        if (allow_special) {
            int sp = special_at(text, n, i);
            if (sp >= 0) {
                int32_t v = sp;
                if (ids_push(&ids, &cnt, &cap, &v, 1)) goto oom;
                i += t->len[sp];
                continue;
            }
        }
        size_t e = chunk_end(t->pretok, s, n, i);
        if (allow_special)   /* a chunk never swallows the start of a special token */
            for (size_t j = i + 1; j < e; j++)
                if (special_at(text, n, j) >= 0) { e = j; break; }
        int k;
        const int32_t *r = encode_chunk(t, s + i, (int)(e - i), &k, tmp);
        if (ids_push(&ids, &cnt, &cap, r, k)) goto oom;
        i = e;
    }
    *ids_out = ids; *n_ids = cnt;
    return SL_OK;
oom:
    free(ids);
    return sl_err_set(err, SL_ERR_NOMEM, "out of memory while encoding");
}

sl_status lm_tokenizer_decode(const lm_tokenizer *t, const int32_t *ids, size_t n_ids, sl_buf *out, sl_err *err) {
    for (size_t i = 0; i < n_ids; i++) {
        if (ids[i] < 0 || ids[i] >= t->n_vocab)
            return sl_err_set(err, SL_ERR_INVALID, "token id %d at index %zu is not in the vocabulary (%d)", ids[i], i, t->n_vocab);
        sl_buf_append(out, t->pool + t->off[ids[i]], t->len[ids[i]]);
    }
    if (out->failed) return sl_err_set(err, SL_ERR_NOMEM, "out of memory while decoding");
    return SL_OK;
}

/* ---- training ------------------------------------------------------------ */

typedef struct word { int32_t *sym; int n; int64_t count; int stamp; } word;

typedef struct pair_tab {
    uint64_t *key; int64_t *cnt; int32_t **wl; int *wn, *wc;  /* word lists per pair */
    size_t cap, n;
} pair_tab;

static size_t pt_find(pair_tab *p, uint64_t k, int insert) {
    size_t i = mix64(k) & (p->cap - 1);
    while (p->key[i] != UINT64_MAX) {
        if (p->key[i] == k) return i;
        i = (i + 1) & (p->cap - 1);
    }
    if (!insert) return SIZE_MAX;
    p->key[i] = k; p->cnt[i] = 0; p->wl[i] = NULL; p->wn[i] = p->wc[i] = 0;
    p->n++;
    return i;
}

static int pt_grow(pair_tab *p) {
    if ((p->n + 1) * 2 <= p->cap) return 0;
    pair_tab q = {0};
    q.cap = p->cap ? p->cap * 2 : 1 << 16;
    q.key = malloc(sizeof(uint64_t) * q.cap); q.cnt = malloc(sizeof(int64_t) * q.cap);
    q.wl = malloc(sizeof(int32_t *) * q.cap); q.wn = malloc(sizeof(int) * q.cap); q.wc = malloc(sizeof(int) * q.cap);
    if (!q.key || !q.cnt || !q.wl || !q.wn || !q.wc) {
        free(q.key); free(q.cnt); free(q.wl); free(q.wn); free(q.wc);
        return -1;
    }
    memset(q.key, 0xff, sizeof(uint64_t) * q.cap);
    for (size_t i = 0; i < p->cap; i++) {
        if (p->key[i] == UINT64_MAX) continue;
        size_t j = pt_find(&q, p->key[i], 1);
        q.cnt[j] = p->cnt[i]; q.wl[j] = p->wl[i]; q.wn[j] = p->wn[i]; q.wc[j] = p->wc[i];
    }
    free(p->key); free(p->cnt); free(p->wl); free(p->wn); free(p->wc);
    *p = q;
    return 0;
}

/* add delta occurrences of pair (a, b) found in word w */
static int pt_add(pair_tab *p, int32_t a, int32_t b, int64_t delta, int32_t w) {
    if (pt_grow(p)) return -1;
    size_t i = pt_find(p, (uint64_t)(uint32_t)a << 32 | (uint32_t)b, 1);
    p->cnt[i] += delta;
    if (delta > 0) {
        if (p->wn[i] == p->wc[i]) {
            int c = p->wc[i] ? p->wc[i] * 2 : 4;
            int32_t *nl = realloc(p->wl[i], sizeof(int32_t) * c);
            if (!nl) return -1;
            p->wl[i] = nl; p->wc[i] = c;
        }
        if (p->wn[i] == 0 || p->wl[i][p->wn[i] - 1] != w) p->wl[i][p->wn[i]++] = w;
    }
    return 0;
}

typedef struct chunk_tab { uint64_t *h; uint32_t *len; const char **ptr; int64_t *cnt; size_t cap, n; } chunk_tab;

static int ct_add(chunk_tab *c, const char *s, uint32_t n) {
    if ((c->n + 1) * 2 > c->cap) {
        chunk_tab q = {0};
        q.cap = c->cap ? c->cap * 2 : 1 << 16;
        q.h = calloc(q.cap, sizeof(uint64_t)); q.len = malloc(sizeof(uint32_t) * q.cap);
        q.ptr = malloc(sizeof(char *) * q.cap); q.cnt = malloc(sizeof(int64_t) * q.cap);
        if (!q.h || !q.len || !q.ptr || !q.cnt) { free(q.h); free(q.len); free(q.ptr); free(q.cnt); return -1; }
        for (size_t i = 0; i < c->cap; i++) {
            if (!c->h[i]) continue;
            size_t j = c->h[i] & (q.cap - 1);
            while (q.h[j]) j = (j + 1) & (q.cap - 1);
            q.h[j] = c->h[i]; q.len[j] = c->len[i]; q.ptr[j] = c->ptr[i]; q.cnt[j] = c->cnt[i];
        }
        q.n = c->n;
        free(c->h); free(c->len); free(c->ptr); free(c->cnt);
        *c = q;
    }
    uint64_t h = sl_hash64(s, n) | 1;
    size_t i = h & (c->cap - 1);
    while (c->h[i]) {
        if (c->h[i] == h && c->len[i] == n && !memcmp(c->ptr[i], s, n)) { c->cnt[i]++; return 0; }
        i = (i + 1) & (c->cap - 1);
    }
    c->h[i] = h; c->len[i] = n; c->ptr[i] = s; c->cnt[i] = 1;
    c->n++;
    return 0;
}

sl_status lm_tokenizer_train(const char *const *texts, const size_t *lens, size_t n_texts, int vocab_size,
                             lm_pretok pretok, lm_tokenizer **out, sl_err *err) {
    *out = NULL;
    if (vocab_size < LM_TOK_N_BASE || vocab_size > (1 << 22))
        return sl_err_set(err, SL_ERR_ARG, "vocabulary size %d must be in [%d, %d]", vocab_size, LM_TOK_N_BASE, 1 << 22);
    chunk_tab ct = {0};
    pair_tab pt = {0};
    word *words = NULL;
    size_t n_words = 0;
    int32_t (*merges)[2] = malloc(sizeof(*merges) * (vocab_size - LM_TOK_N_BASE + 1));
    sl_status st = SL_OK;
    if (!merges) goto oom;
    /* 1. count distinct chunks */
    for (size_t f = 0; f < n_texts; f++) {
        const char *s = texts[f];
        size_t n = lens[f], i = 0;
        while (i < n) {
            int sp = special_at(s, n, i);
            if (sp >= 0) { i += strlen(special_str[sp - 256]); continue; }
            size_t e = chunk_end(pretok, (const unsigned char *)s, n, i);
            for (size_t j = i + 1; j < e; j++) if (special_at(s, n, j) >= 0) { e = j; break; }
            if (e - i >= 2 && ct_add(&ct, s + i, (uint32_t)(e - i))) goto oom;
            i = e;
        }
    }
    /* 2. words and pair counts */
    words = calloc(ct.n ? ct.n : 1, sizeof(word));
    if (!words) goto oom;
    for (size_t i = 0; i < ct.cap; i++) {
        if (!ct.h[i]) continue;
        word *w = &words[n_words];
        w->n = (int)ct.len[i];
        w->count = ct.cnt[i];
        w->stamp = -1;
        w->sym = malloc(sizeof(int32_t) * w->n);
        if (!w->sym) goto oom;
        for (int j = 0; j < w->n; j++) w->sym[j] = (unsigned char)ct.ptr[i][j];
        n_words++;
    }
    /* fixed word order (the chunk table's order depends only on the data) */
    for (size_t wi = 0; wi < n_words; wi++)
        for (int j = 0; j + 1 < words[wi].n; j++)
            if (pt_add(&pt, words[wi].sym[j], words[wi].sym[j + 1], words[wi].count, (int32_t)wi)) goto oom;
    /* 3. merges */
    int n_merges = 0;
    for (int id = LM_TOK_N_BASE; id < vocab_size; id++) {
        int64_t best = 1;
        uint64_t bk = UINT64_MAX;
        size_t bi = SIZE_MAX;
        for (size_t i = 0; i < pt.cap; i++) {
            if (pt.key[i] == UINT64_MAX) continue;
            if (pt.cnt[i] > best || (pt.cnt[i] == best && bi != SIZE_MAX && pt.key[i] < bk)) {
                best = pt.cnt[i]; bk = pt.key[i]; bi = i;
            }
        }
        if (bi == SIZE_MAX) break;   /* no pair occurs twice */
        int32_t a = (int32_t)(bk >> 32), b = (int32_t)(bk & 0xffffffffu);
        merges[n_merges][0] = a; merges[n_merges][1] = b;
        n_merges++;
        /* the word list may grow while we walk it: take a copy */
        int nw = pt.wn[bi];
        int32_t *wl = malloc(sizeof(int32_t) * (nw ? nw : 1));
        if (!wl) goto oom;
        memcpy(wl, pt.wl[bi], sizeof(int32_t) * nw);
        for (int q = 0; q < nw; q++) {
            word *w = &words[wl[q]];
            if (w->stamp == id) continue;
            w->stamp = id;
            /* take the word's pairs out, merge, put them back */
            int has = 0;
            for (int j = 0; j + 1 < w->n; j++) has |= w->sym[j] == a && w->sym[j + 1] == b;
            if (!has) continue;
            for (int j = 0; j + 1 < w->n; j++)
                if (pt_add(&pt, w->sym[j], w->sym[j + 1], -w->count, wl[q])) { free(wl); goto oom; }
            int o = 0;
            for (int j = 0; j < w->n;) {
                if (j + 1 < w->n && w->sym[j] == a && w->sym[j + 1] == b) { w->sym[o++] = id; j += 2; }
                else w->sym[o++] = w->sym[j++];
            }
            w->n = o;
            for (int j = 0; j + 1 < w->n; j++)
                if (pt_add(&pt, w->sym[j], w->sym[j + 1], w->count, wl[q])) { free(wl); goto oom; }
        }
        free(wl);
    }
    {
        lm_tokenizer *t = calloc(1, sizeof *t);
        if (!t) goto oom;
        t->pretok = pretok;
        t->n_vocab = LM_TOK_N_BASE + n_merges;
        if (tok_alloc(t, t->n_vocab)) { lm_tokenizer_free(t); goto oom; }
        memcpy(t->merge, merges, sizeof(*merges) * n_merges);
        if (tok_finish(t)) { lm_tokenizer_free(t); goto oom; }
        *out = t;
    }
    goto done;
oom:
    st = sl_err_set(err, SL_ERR_NOMEM, "out of memory while training the tokenizer");
done:
    free(merges);
    for (size_t i = 0; i < n_words; i++) free(words[i].sym);
    free(words);
    for (size_t i = 0; i < pt.cap; i++) if (pt.key[i] != UINT64_MAX) free(pt.wl[i]);
    free(pt.key); free(pt.cnt); free(pt.wl); free(pt.wn); free(pt.wc);
    free(ct.h); free(ct.len); free(ct.ptr); free(ct.cnt);
    return st;
}

/* ---- file format ------------------------------------------------------------ */

void lm_tokenizer_to_text(const lm_tokenizer *t, sl_buf *out) {
    sl_buf_printf(out, "steplm-bpe 1\npretok %s\nmerges %d\n", t->pretok == LM_PRETOK_STEP ? "step" : "generic",
                  t->n_vocab - LM_TOK_N_BASE);
    for (int i = 0; i < t->n_vocab - LM_TOK_N_BASE; i++) sl_buf_printf(out, "%d %d\n", t->merge[i][0], t->merge[i][1]);
}

sl_status lm_tokenizer_save(const lm_tokenizer *t, const char *path, sl_err *err) {
    sl_buf b;
    sl_buf_init(&b);
    lm_tokenizer_to_text(t, &b);
    sl_status st = b.failed ? sl_err_set(err, SL_ERR_NOMEM, "out of memory") : sl_file_write_atomic(path, b.data, b.len, err);
    sl_buf_release(&b);
    return st;
}

sl_status lm_tokenizer_from_text(const char *text, size_t n, const char *name, lm_tokenizer **out, sl_err *err) {
    *out = NULL;
    const char *p = text, *end = text + n;
    char mode[16];
    int nm, line = 1, used;
    if (sscanf(p, "steplm-bpe 1\npretok %15s\nmerges %d%n", mode, &nm, &used) != 2) {
        sl_err_set(err, SL_ERR_SYNTAX, "not a steplm tokenizer file (expected 'steplm-bpe 1', 'pretok', 'merges')");
        goto located;
    }
    if (nm < 0 || nm > (1 << 22)) { line = 3; sl_err_set(err, SL_ERR_LIMIT, "merge count %d out of range", nm); goto located; }
    lm_pretok pt;
    if (!strcmp(mode, "step")) pt = LM_PRETOK_STEP;
    else if (!strcmp(mode, "generic")) pt = LM_PRETOK_GENERIC;
    else { line = 2; sl_err_set(err, SL_ERR_INVALID, "unknown pre-tokenizer '%s'", mode); goto located; }
    lm_tokenizer *t = calloc(1, sizeof *t);
    if (!t) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    t->pretok = pt;
    t->n_vocab = LM_TOK_N_BASE + nm;
    if (tok_alloc(t, t->n_vocab)) { lm_tokenizer_free(t); return sl_err_set(err, SL_ERR_NOMEM, "out of memory"); }
    p += used;
    line = 3;
    for (int i = 0; i < nm; i++) {
        while (p < end && *p != '\n') p++;
        if (p >= end) { lm_tokenizer_free(t); sl_err_set(err, SL_ERR_SYNTAX, "file ends after %d of %d merges", i, nm); goto located; }
        p++;
        line++;
        char *e1, *e2;
        long a = strtol(p, &e1, 10), b = strtol(e1, &e2, 10);
        if (e1 == p || e2 == e1 || a < 0 || b < 0 || a >= LM_TOK_N_BASE + i || b >= LM_TOK_N_BASE + i ||
            (a >= 256 && a < LM_TOK_N_BASE) || (b >= 256 && b < LM_TOK_N_BASE)) {
            lm_tokenizer_free(t);
            sl_err_set(err, SL_ERR_INVALID, "merge %d: expected two earlier non-special token ids", i);
            goto located;
        }
        t->merge[i][0] = (int32_t)a; t->merge[i][1] = (int32_t)b;
        p = e2;
    }
    if (tok_finish(t)) { lm_tokenizer_free(t); return sl_err_set(err, SL_ERR_NOMEM, "out of memory"); }
    *out = t;
    return SL_OK;
located:
    if (err && name) { snprintf(err->file, sizeof err->file, "%s", name); err->line = (uint32_t)line; }
    return err ? err->status : SL_ERR_SYNTAX;
}

sl_status lm_tokenizer_load(const char *path, lm_tokenizer **out, sl_err *err) {
    char *data;
    size_t n;
    sl_status st = sl_file_read(path, &data, &n, (size_t)1 << 28, err);
    if (st) return st;
    st = lm_tokenizer_from_text(data, n, path, out, err);
    free(data);
    return st;
}
