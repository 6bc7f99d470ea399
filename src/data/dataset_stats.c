/* dataset_stats.c - `steplm dataset stats`: what a built dataset holds, and how
 * good its retrieval is when the records carry family metadata (synth). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steplm/dataset.h"

typedef struct param { char name[32]; double v; } param;

typedef struct rec {
    char *id, *retrieved_id, *family, *retrieved_family;
    int split;
    int states_length;
    long n_entities, n_tokens;
    size_t n_step;
    param *par;
    int n_par;
    double size[3];      /* sorted extents, 0 = unknown */
    double keys[3 + 8];  /* extents and dims_mm: the part's key lengths */
    int n_keys;
    double stated[8];    /* lengths the caption states, mm */
    int n_stated;
} rec;

typedef struct recs { rec *v; size_t n, cap; } recs;

static char *dupz(const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d) memcpy(d, s, n + 1);
    return d;
}

static uint64_t mix64(uint64_t x) {
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27; x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static sl_status read_split(const char *outdir, int split, recs *rs, sl_err *err) {
    static const char *const names[3] = {"train.jsonl", "val.jsonl", "test.jsonl"};
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", outdir, names[split]);
    FILE *f = fopen(path, "rb");
    if (!f) return sl_err_set(err, SL_ERR_IO, "%s: cannot open", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    uint32_t ln = 0;
    sl_status st = SL_OK;
    while ((len = getline(&line, &cap, f)) > 0) {
        ln++;
        if (len <= 1) continue;
        cJSON *o = cJSON_ParseWithLength(line, (size_t)len);
        const char *id = o ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "id")) : NULL;
        if (!o || !id) {
            cJSON_Delete(o);
            st = sl_err_set(err, SL_ERR_SYNTAX, "%s:%u:1: error: not a dataset record", path, ln);
            break;
        }
        if (rs->n == rs->cap) {
            size_t nc = rs->cap ? rs->cap * 2 : 1024;
            rec *nv = realloc(rs->v, nc * sizeof *nv);
            if (!nv) { cJSON_Delete(o); st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); break; }
            rs->v = nv;
            rs->cap = nc;
        }
        rec *r = &rs->v[rs->n++];
        memset(r, 0, sizeof *r);
        r->split = split;
        r->id = dupz(id);
        r->retrieved_id = dupz(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "retrieved_id")));
        r->family = dupz(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "family")));
        r->retrieved_family = dupz(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "retrieved_family")));
        const char *cap_text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "caption"));
        r->n_stated = cap_text ? retrieval_caption_lengths_mm(cap_text, r->stated, 8) : 0;
        r->states_length = r->n_stated > 0;
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, "n_entities");
        r->n_entities = cJSON_IsNumber(x) ? (long)x->valuedouble : -1;
        x = cJSON_GetObjectItemCaseSensitive(o, "n_tokens");
        r->n_tokens = cJSON_IsNumber(x) ? (long)x->valuedouble : -1;
        const char *step = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "step"));
        r->n_step = step ? strlen(step) : 0;
        const cJSON *sz = cJSON_GetObjectItemCaseSensitive(o, "size_mm");
        if (cJSON_IsArray(sz) && cJSON_GetArraySize(sz) == 3) {
            for (int k = 0; k < 3; k++) r->size[k] = cJSON_GetArrayItem(sz, k)->valuedouble;
            for (int a = 0; a < 2; a++)
                for (int b = a + 1; b < 3; b++)
                    if (r->size[b] > r->size[a]) { double t = r->size[a]; r->size[a] = r->size[b]; r->size[b] = t; }
        }
        for (int k = 0; k < 3; k++)
            if (r->size[k] > 0) r->keys[r->n_keys++] = r->size[k];
        const cJSON *dm, *dims = cJSON_GetObjectItemCaseSensitive(o, "dims_mm");
        cJSON_ArrayForEach(dm, dims)
            if (cJSON_IsNumber(dm) && dm->valuedouble > 0 && r->n_keys < 11) r->keys[r->n_keys++] = dm->valuedouble;
        const cJSON *par = cJSON_GetObjectItemCaseSensitive(o, "parameters");
        if (cJSON_IsObject(par)) {
            int np = cJSON_GetArraySize(par);
            r->par = calloc((size_t)(np ? np : 1), sizeof *r->par);
            const cJSON *p;
            cJSON_ArrayForEach(p, par) {
                if (!r->par || !cJSON_IsNumber(p) || !p->string) continue;
                snprintf(r->par[r->n_par].name, sizeof r->par[0].name, "%s", p->string);
                r->par[r->n_par++].v = p->valuedouble;
            }
        }
        cJSON_Delete(o);
        if (!r->id) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); break; }
    }
    free(line);
    fclose(f);
    return st;
}

/* mean |ln(a/b)| over the positive parameters both parts have; -1 if none */
static double param_dist(const rec *a, const rec *b) {
    double s = 0;
    int n = 0;
    for (int i = 0; i < a->n_par; i++)
        for (int j = 0; j < b->n_par; j++)
            if (!strcmp(a->par[i].name, b->par[j].name)) {
                if (a->par[i].v > 0 && b->par[j].v > 0) {
                    s += fabs(log(a->par[i].v / b->par[j].v));
                    n++;
                }
                break;
            }
    return n ? s / n : -1;
}

/* mean |ln(a/b)| over the sorted bounding-box extents both parts have; -1 if none */
static double size_dist(const rec *a, const rec *b) {
    double s = 0;
    int n = 0;
    for (int k = 0; k < 3; k++)
        if (a->size[k] > 0 && b->size[k] > 0) { s += fabs(log(a->size[k] / b->size[k])); n++; }
    return n ? s / n : -1;
}

/* how far a part's key lengths are from the lengths a caption states: mean over
 * stated L of min over the part's lengths v of |ln(L/v)|; -1 if not comparable */
static double stated_dist(const rec *q, const rec *c) {
    if (!q->n_stated || !c->n_keys) return -1;
    double s = 0;
    for (int i = 0; i < q->n_stated; i++) {
        double best = 1e300;
        for (int j = 0; j < c->n_keys; j++) {
            double d = fabs(log(q->stated[i] / c->keys[j]));
            if (d < best) best = d;
        }
        s += best;
    }
    return s / q->n_stated;
}

static int cmp_rec_id(const void *a, const void *b) {
    return strcmp((*(const rec *const *)a)->id, (*(const rec *const *)b)->id);
}

static const rec *find_rec(rec *const *sorted, size_t n, const char *id) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(sorted[mid]->id, id);
        if (!c) return sorted[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

static int cmp_long(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* summary + histogram of values (v < 0 skipped); bins: edges given, last open */
static void hist_json(sl_buf *out, const char *key, const rec *v, size_t n, int which, const long *edges,
                      int n_edges) {
    long *a = malloc((n + 1) * sizeof *a);
    size_t m = 0;
    for (size_t i = 0; a && i < n; i++) {
        long x = which == 0 ? v[i].n_entities : which == 1 ? v[i].n_tokens : (long)v[i].n_step;
        if (x >= 0) a[m++] = x;
    }
    sl_buf_printf(out, ",\"%s\":", key);
    if (!m) { sl_buf_puts(out, "null"); free(a); return; }
    qsort(a, m, sizeof *a, cmp_long);
    double mean = 0;
    for (size_t i = 0; i < m; i++) mean += (double)a[i];
    mean /= (double)m;
    sl_buf_printf(out, "{\"n\":%zu,\"min\":%ld,\"median\":%ld,\"mean\":%.1f,\"p95\":%ld,\"max\":%ld,\"bins\":[", m, a[0],
                  a[m / 2], mean, a[(size_t)((double)(m - 1) * 0.95)], a[m - 1]);
    for (int b = 0; b <= n_edges; b++) {
        long lo = b ? edges[b - 1] : 0, hi = b < n_edges ? edges[b] : -1;
        size_t c = 0;
        for (size_t i = 0; i < m; i++)
            if (a[i] >= lo && (hi < 0 || a[i] < hi)) c++;
        if (hi < 0) sl_buf_printf(out, "%s{\"lo\":%ld,\"hi\":null,\"n\":%zu}", b ? "," : "", lo, c);
        else sl_buf_printf(out, "%s{\"lo\":%ld,\"hi\":%ld,\"n\":%zu}", b ? "," : "", lo, hi, c);
    }
    sl_buf_puts(out, "]}");
    free(a);
}

typedef struct rate { size_t n, hit, tie; } rate;

static void rate_json(sl_buf *out, const char *key, const rate *r) {
    sl_buf_printf(out, "\"%s\":{\"n\":%zu,\"hits\":%zu,\"ties\":%zu,\"rate\":", key, r->n, r->hit, r->tie);
    if (r->n) sl_buf_printf(out, "%.4f}", (double)r->hit / (double)r->n);
    else sl_buf_puts(out, "null}");
}

sl_status dataset_stats_json(const char *outdir, uint64_t seed, sl_buf *out, sl_err *err) {
    recs rs = {0};
    sl_status st = SL_OK;
    size_t n_split[3] = {0, 0, 0};
    for (int s = 0; s < 3 && !st; s++) {
        size_t before = rs.n;
        st = read_split(outdir, s, &rs, err);
        n_split[s] = rs.n - before;
    }
    rec **sorted = NULL;
    size_t *fam_start = NULL;
    if (st) goto done;
    sorted = malloc((rs.n + 1) * sizeof *sorted);
    if (!sorted) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
    for (size_t i = 0; i < rs.n; i++) sorted[i] = &rs.v[i];
    qsort(sorted, rs.n, sizeof *sorted, cmp_rec_id);

    sl_buf_printf(out, "{\"records\":%zu,\"splits\":{\"train\":%zu,\"val\":%zu,\"test\":%zu}", rs.n, n_split[0],
                  n_split[1], n_split[2]);
    static const long ent_edges[] = {100, 200, 300, 400, 500};
    static const long tok_edges[] = {512, 1024, 2048, 4096, 8192, 16384};
    static const long byte_edges[] = {2048, 4096, 8192, 16384, 32768, 65536, 131072};
    hist_json(out, "entities", rs.v, rs.n, 0, ent_edges, 5);
    hist_json(out, "tokens", rs.v, rs.n, 1, tok_edges, 6);
    hist_json(out, "step_bytes", rs.v, rs.n, 2, byte_edges, 7);

    /* leaks: a retrieved id that is the record itself or not a train record */
    size_t n_self = 0, n_not_train = 0, n_unpaired = 0;
    for (size_t i = 0; i < rs.n; i++) {
        const rec *r = &rs.v[i];
        if (!r->retrieved_id) { n_unpaired++; continue; }
        if (!strcmp(r->retrieved_id, r->id)) n_self++;
        const rec *q = find_rec(sorted, rs.n, r->retrieved_id);
        if (!q || q->split != 0) n_not_train++;
    }
    sl_buf_printf(out, ",\"retrieval\":{\"unpaired\":%zu,\"retrieved_self\":%zu,\"retrieved_not_train\":%zu", n_unpaired,
                  n_self, n_not_train);

    /* family match and parameter closeness (synth metadata) */
    size_t n_fam = 0;
    for (size_t i = 0; i < rs.n; i++) n_fam += rs.v[i].family != NULL;
    if (n_fam) {
        /* train records grouped by family: sort train pointers by (family, id) */
        size_t n_train = 0;
        rec **tr = malloc((rs.n + 1) * sizeof *tr);
        if (!tr) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
        for (size_t i = 0; i < rs.n; i++)
            if (rs.v[i].split == 0 && rs.v[i].family) tr[n_train++] = &rs.v[i];
        rate fam_eval = {0}, fam_train = {0}, close_all = {0}, close_sized = {0}, close_unsized = {0};
        rate fam_sized = {0}, size_all = {0}, size_sized = {0}, stated = {0};
        for (size_t i = 0; i < rs.n; i++) {
            const rec *r = &rs.v[i];
            if (!r->family || !r->retrieved_id) continue;
            int match = r->retrieved_family && !strcmp(r->family, r->retrieved_family);
            rate *fr = r->split == 0 ? &fam_train : &fam_eval;
            fr->n++;
            fr->hit += (size_t)match;
            if (r->split == 0) continue;
            if (r->states_length) { fam_sized.n++; fam_sized.hit += (size_t)match; }
            if (!match) continue;
            const rec *q = find_rec(sorted, rs.n, r->retrieved_id);
            if (!q) continue;
            /* a random other train part of the same family, seeded by the query id */
            size_t n_same = 0;
            for (size_t t = 0; t < n_train; t++)
                if (tr[t] != q && !strcmp(tr[t]->family, r->family)) n_same++;
            if (!n_same) continue;
            uint64_t h = mix64(sl_hash64(r->id, strlen(r->id)) ^ mix64(seed));
            size_t pick = (size_t)(h % n_same);
            const rec *rnd = NULL;
            for (size_t t = 0; t < n_train; t++)
                if (tr[t] != q && !strcmp(tr[t]->family, r->family) && pick-- == 0) { rnd = tr[t]; break; }
            double tq = stated_dist(r, q), trn = stated_dist(r, rnd);
            if (tq >= 0 && trn >= 0) {
                stated.n++;
                if (tq < trn) stated.hit++;
                else if (tq == trn) stated.tie++;
            }
            double sq = size_dist(r, q), sr = size_dist(r, rnd);
            if (sq >= 0 && sr >= 0)
                for (int k = 0; k < 1 + r->states_length; k++) {
                    rate *c = k ? &size_sized : &size_all;
                    c->n++;
                    if (sq < sr) c->hit++;
                    else if (sq == sr) c->tie++;
                }
            double dq = param_dist(r, q), dr = param_dist(r, rnd);
            if (dq < 0 || dr < 0) continue;
            rate *cr = r->states_length ? &close_sized : &close_unsized;
            for (int k = 0; k < 2; k++) {
                rate *c = k ? cr : &close_all;
                c->n++;
                if (dq < dr) c->hit++;
                else if (dq == dr) c->tie++;
            }
        }
        free(tr);
        sl_buf_puts(out, ",");
        rate_json(out, "family_match_eval", &fam_eval);
        sl_buf_puts(out, ",");
        rate_json(out, "family_match_eval_sized_captions", &fam_sized);
        sl_buf_puts(out, ",");
        rate_json(out, "family_match_train", &fam_train);
        sl_buf_puts(out, ",");
        rate_json(out, "params_closer_than_random_same_family", &close_all);
        sl_buf_puts(out, ",");
        rate_json(out, "params_closer_sized_captions", &close_sized);
        sl_buf_puts(out, ",");
        rate_json(out, "params_closer_unsized_captions", &close_unsized);
        sl_buf_puts(out, ",");
        rate_json(out, "size_closer_than_random_same_family", &size_all);
        sl_buf_puts(out, ",");
        rate_json(out, "size_closer_sized_captions", &size_sized);
        sl_buf_puts(out, ",");
        rate_json(out, "stated_sizes_closer_than_random_same_family", &stated);
    }
    sl_buf_puts(out, "}}\n");
    if (out->failed) st = sl_err_set(err, SL_ERR_NOMEM, "out of memory");
done:
    for (size_t i = 0; i < rs.n; i++) {
        free(rs.v[i].id);
        free(rs.v[i].retrieved_id);
        free(rs.v[i].family);
        free(rs.v[i].retrieved_family);
        free(rs.v[i].par);
    }
    free(rs.v);
    free(sorted);
    free(fam_start);
    return st;
}
