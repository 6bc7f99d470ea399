/* reserial_run.c - DFS reserialization in the steplm format: root ordering,
 * iterative depth-first search (pre or post order), renumbering 1..n, annotation
 * comments, result bookkeeping. The annotation grammar is in steplm/reserial.h. */
#include "reserial_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void reserial_opts_default(reserial_opts *o) {
    memset(o, 0, sizeof *o);
    o->order = RESERIAL_PRE;
    o->format = RESERIAL_FMT_STEPLM;
    o->round_decimals = -1;
}

void reserial_result_init(reserial_result *r) {
    memset(r, 0, sizeof *r);
    sl_buf_init(&r->text);
}

void reserial_result_release(reserial_result *r) {
    sl_buf_release(&r->text);
    free(r->new_ids);
    free(r->cycle_edges);
    memset(r, 0, sizeof *r);
}

typedef struct block {
    uint32_t idx;          /* entity that opened the block */
    uint32_t start, end;   /* output positions [start, end) */
    uint32_t depth;
    uint8_t cls;           /* roots: priority class (4 = cyclic start) */
} block;

void *reserial__vec_push(reserial_vec *v) {
    if (v->n == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 64;
        void *np = realloc(v->p, nc * v->size);
        if (!np) return NULL;
        v->p = np;
        v->cap = nc;
    }
    return (char *)v->p + v->size * v->n++;
}

static int is_face_type(const char *t) {
    return !strcmp(t, "ADVANCED_FACE") || !strcmp(t, "FACE_SURFACE") || !strcmp(t, "ORIENTED_FACE") ||
           !strcmp(t, "FACE");
}

/* reference callback: old id -> new id; undefined ids -> n+1, n+2, ... */
typedef struct ref_ctx {
    const p21_doc *doc;
    const p21_entity *base;
    const uint64_t *new_id;
    uint64_t next_dangling;
    uint64_t *dk, *dv;       /* open addressing, key 0 = empty */
    size_t dcap, dn;
    int oom;
} ref_ctx;

static void put_ref_renum(void *vctx, uint64_t id, sl_buf *out) {
    ref_ctx *c = vctx;
    const p21_entity *e = p21_doc_find(c->doc, id);
    uint64_t nid;
    if (e) nid = c->new_id[e - c->base];
    else {
        if ((c->dn + 1) * 2 > c->dcap) {
            size_t nc = c->dcap ? c->dcap * 2 : 64;
            uint64_t *k = calloc(nc, sizeof *k), *v = calloc(nc, sizeof *v);
            if (!k || !v) { free(k); free(v); c->oom = 1; nid = 0; goto put; }
            for (size_t i = 0; i < c->dcap; i++) {
                if (!c->dk[i]) continue;
                size_t j = (c->dk[i] * 0x9E3779B97F4A7C15ull >> 17) & (nc - 1);
                while (k[j]) j = (j + 1) & (nc - 1);
                k[j] = c->dk[i];
                v[j] = c->dv[i];
            }
            free(c->dk); free(c->dv);
            c->dk = k; c->dv = v; c->dcap = nc;
        }
        size_t j = (id * 0x9E3779B97F4A7C15ull >> 17) & (c->dcap - 1);
        while (c->dk[j] && c->dk[j] != id) j = (j + 1) & (c->dcap - 1);
        if (!c->dk[j]) { c->dk[j] = id; c->dv[j] = c->next_dangling++; c->dn++; }
        nid = c->dv[j];
    }
put:
    sl_buf_putc(out, '#');
    reserial__put_u64(out, nid);
}

typedef struct tcount { uint32_t type, n; const char *name; } tcount;
static int cmp_tcount(const void *a, const void *b) {
    const tcount *x = a, *y = b;
    if (x->n != y->n) return x->n > y->n ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* "BEGIN KIND i TYPE entities=N depth=D types=..." */
static void put_begin(const p21_doc *doc, const char *kind, size_t num, const block *b, const uint32_t *order,
                      uint32_t *cnt, reserial_vec *touched, sl_buf *out) {
    const p21_entity *base = p21_doc_entity(doc, 0);
    touched->n = 0;
    for (uint32_t p = b->start; p < b->end; p++) {
        uint32_t t = base[order[p]].parts[0].type;
        if (!cnt[t]++) {
            tcount *tc = reserial__vec_push(touched);
            if (!tc) { out->failed = 1; return; }
            tc->type = t;
        }
    }
    tcount *tc = touched->p;
    for (size_t i = 0; i < touched->n; i++) {
        tc[i].n = cnt[tc[i].type];
        tc[i].name = p21_doc_type_name(doc, tc[i].type);
        cnt[tc[i].type] = 0;
    }
    if (touched->n) qsort(tc, touched->n, sizeof *tc, cmp_tcount);
    sl_buf_puts(out, "/* BEGIN ");
    sl_buf_puts(out, kind);
    sl_buf_putc(out, ' ');
    reserial__put_u64(out, num);
    sl_buf_putc(out, ' ');
    sl_buf_puts(out, p21_entity_type_name(doc, &base[b->idx]));
    sl_buf_puts(out, " entities=");
    reserial__put_u64(out, b->end - b->start);
    sl_buf_puts(out, " depth=");
    reserial__put_u64(out, b->depth);
    sl_buf_puts(out, " types=");
    for (size_t i = 0; i < touched->n; i++) {
        if (i) sl_buf_putc(out, ',');
        sl_buf_puts(out, tc[i].name);
        sl_buf_putc(out, ':');
        reserial__put_u64(out, tc[i].n);
    }
    sl_buf_puts(out, " */\n");
}

typedef struct root_key { uint64_t rank, hash, idx; } root_key;
static int cmp_root_key(const void *a, const void *b) {
    const root_key *x = a, *y = b;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

sl_status reserial_run(p21_doc *doc, const reserial_opts *opts, reserial_result *r, sl_err *err) {
    reserial_opts dflt;
    if (!opts) { reserial_opts_default(&dflt); opts = &dflt; }
    memset(&r->stats, 0, sizeof r->stats);
    size_t n = p21_doc_n_entities(doc);
    r->stats.n_entities = n;
    for (size_t i = 0; i < n; i++) {
        const p21_entity *e = p21_doc_entity(doc, i);
        if (!e->n_parts || (e->flags & P21_ENT_BAD)) {
            sl_err_set(err, SL_ERR_SYNTAX, "entity #%llu did not parse; refusing to reserialize a damaged file",
                       (unsigned long long)e->id);
            if (err) { err->line = e->line; err->col = e->col; err->id = e->id; }
            return SL_ERR_SYNTAX;
        }
    }
    if (opts->round_decimals >= 0) {
        sl_status s = reserial_round_doc(doc, opts->round_decimals,
                                         opts->format == RESERIAL_FMT_STEPLLM ? RESERIAL_ROUND_STEPLLM : RESERIAL_ROUND_STEPLM,
                                         &r->stats.n_rounded, err);
        if (s) return s;
    }
    reserial_graph g;
    sl_status s = reserial__graph_build(doc, &g, err);
    if (s) return s;
    if (opts->format == RESERIAL_FMT_STEPLLM) {
        size_t keep = r->stats.n_rounded;
        s = reserial__run_stepllm(doc, opts, &g, r, err);
        r->stats.n_rounded = keep;
        reserial__graph_release(&g);
        return s;
    }
    const p21_entity *base = p21_doc_entity(doc, 0);
    if (g.n_dangling_refs && !opts->allow_dangling) {
        for (size_t i = 0; i < n; i++)
            for (uint32_t k = 0; k < base[i].n_refs; k++)
                if (!p21_doc_find(doc, base[i].refs[k])) {
                    sl_err_set(err, SL_ERR_INVALID, "#%llu refers to undefined entity #%llu",
                               (unsigned long long)base[i].id, (unsigned long long)base[i].refs[k]);
                    if (err) { err->line = base[i].line; err->col = base[i].col; err->id = base[i].id; }
                    reserial__graph_release(&g);
                    return SL_ERR_INVALID;
                }
    }

    size_t n_types = p21_doc_n_types(doc);
    int *type_rank = malloc((n_types ? n_types : 1) * sizeof *type_rank);
    uint8_t *face_type = calloc(n_types ? n_types : 1, 1);
    uint8_t *state = calloc(n ? n : 1, 1);
    uint32_t *order = malloc((n ? n : 1) * sizeof *order);
    uint64_t *new_id = calloc(n ? n : 1, sizeof *new_id);
    root_key *keys = malloc((n ? n : 1) * sizeof *keys);
    uint64_t *hash = malloc((n ? n : 1) * sizeof *hash);
    struct frame { uint32_t idx, pos, depth; } *stk = malloc((n ? n : 1) * sizeof *stk);
    uint32_t *cnt = calloc(n_types ? n_types : 1, sizeof *cnt);
    reserial_vec roots = {.size = sizeof(block)}, faces = {.size = sizeof(block)}, cyc = {.size = 2 * sizeof(uint32_t)};
    reserial_vec touched = {.size = sizeof(tcount)};
    ref_ctx rc = {.doc = doc, .base = base, .new_id = new_id, .next_dangling = (uint64_t)n + 1};
    uint64_t *cyc_keys = NULL;
    s = SL_OK;
    if (!type_rank || !face_type || !state || !order || !new_id || !keys || !hash || !stk || !cnt) goto oom;
    for (size_t t = 0; t < n_types; t++) {
        const char *tn = p21_doc_type_name(doc, (uint32_t)t);
        type_rank[t] = reserial_root_rank(tn, NULL);
        face_type[t] = (uint8_t)is_face_type(tn);
    }
    size_t n_roots = 0;
    for (size_t i = 0; i < n; i++)
        if (!g.indeg[i]) keys[n_roots++] = (root_key){(uint64_t)type_rank[base[i].parts[0].type], 0, i};
    qsort(keys, n_roots, sizeof *keys, cmp_root_key);
    {   /* structural hashes, only for roots that share their rank with another */
        uint32_t *tied = malloc((n_roots ? n_roots : 1) * sizeof *tied);
        size_t n_tied = 0;
        if (!tied) goto oom;
        for (size_t i = 0; i < n_roots; i++)
            if ((i > 0 && keys[i].rank == keys[i - 1].rank) || (i + 1 < n_roots && keys[i].rank == keys[i + 1].rank))
                tied[n_tied++] = (uint32_t)keys[i].idx;
        if (n_tied) {
            s = reserial__graph_hash(doc, &g, tied, n_tied, hash, err);
            if (s == SL_OK)
                for (size_t i = 0; i < n_roots; i++)
                    if ((i > 0 && keys[i].rank == keys[i - 1].rank) || (i + 1 < n_roots && keys[i].rank == keys[i + 1].rank))
                        keys[i].hash = hash[keys[i].idx];
        }
        free(tied);
        if (s != SL_OK) goto out;
        if (n_tied) qsort(keys, n_roots, sizeof *keys, cmp_root_key);
    }
    for (size_t i = 1; i < n_roots; i++)
        if (keys[i].rank == keys[i - 1].rank && keys[i].hash == keys[i - 1].hash) r->stats.n_root_ties++;
    r->stats.n_roots = n_roots;

    /* depth-first search from each root, then from anything left (cycles) */
    uint32_t n_out = 0;
    int post = opts->order == RESERIAL_POST;
    size_t next_left = 0;
    for (size_t ri = 0;; ri++) {
        uint32_t sidx;
        uint8_t cls;
        if (ri < n_roots) {
            sidx = (uint32_t)keys[ri].idx;
            cls = (uint8_t)(keys[ri].rank / 10);
        } else {
            while (next_left < n && state[next_left]) next_left++;
            if (next_left == n) break;
            sidx = (uint32_t)next_left;
            cls = 4;
            r->stats.n_cyclic_starts++;
        }
        block rb = {.idx = sidx, .start = n_out, .depth = 1, .cls = cls};
        block fb = {0};
        uint32_t fbase = 0;
        int in_face = 0;
        size_t sp = 0;
        state[sidx] = 1;
        if (!post) order[n_out++] = sidx;
        stk[sp++] = (struct frame){sidx, g.off[sidx], 1};
        while (sp) {
            struct frame *f = &stk[sp - 1];
            if (f->pos == g.off[f->idx + 1]) {          /* leave f->idx */
                uint32_t u = f->idx;
                state[u] = 2;
                if (post) order[n_out++] = u;
                if (in_face && fb.idx == u) {
                    fb.end = n_out;
                    block *nb = reserial__vec_push(&faces);
                    if (!nb) goto oom;
                    *nb = fb;
                    in_face = 0;
                }
                sp--;
                continue;
            }
            uint32_t c = g.child[f->pos++];
            if (state[c] == 1) {                        /* back edge: closes a cycle */
                uint32_t *e2 = reserial__vec_push(&cyc);
                if (!e2) goto oom;
                e2[0] = f->idx;
                e2[1] = c;
                continue;
            }
            if (state[c]) continue;                     /* shared, already written */
            uint32_t d = f->depth + 1;                  /* enter c */
            if (!in_face && face_type[base[c].parts[0].type]) {
                in_face = 1;
                fb = (block){.idx = c, .start = n_out, .depth = 1, .cls = cls};
                fbase = d;
            }
            state[c] = 1;
            if (!post) order[n_out++] = c;
            stk[sp++] = (struct frame){c, g.off[c], d};
            if (d > rb.depth) rb.depth = d;
            if (in_face && d - fbase + 1 > fb.depth) fb.depth = d - fbase + 1;
        }
        rb.end = n_out;
        if (rb.depth > r->stats.max_depth) r->stats.max_depth = rb.depth;
        block *nb = reserial__vec_push(&roots);
        if (!nb) goto oom;
        *nb = rb;
    }
    for (uint32_t p = 0; p < n_out; p++) new_id[order[p]] = (uint64_t)p + 1;
    r->stats.n_written = n_out;
    r->stats.n_faces = faces.n;
    r->stats.n_cycle_edges = cyc.n;

    /* cycle edges by the new id of their source (then discovery order) */
    cyc_keys = malloc((cyc.n ? cyc.n : 1) * sizeof *cyc_keys);
    r->cycle_edges = malloc((cyc.n ? 2 * cyc.n : 1) * sizeof *r->cycle_edges);
    r->new_ids = malloc((n ? n : 1) * sizeof *r->new_ids);
    if (!cyc_keys || !r->cycle_edges || !r->new_ids) goto oom;
    memcpy(r->new_ids, new_id, n * sizeof *new_id);
    r->n_new_ids = n;
    const uint32_t *ce = cyc.p;
    for (size_t i = 0; i < cyc.n; i++) cyc_keys[i] = (new_id[ce[2 * i]] << 32) | i;
    qsort(cyc_keys, cyc.n, sizeof *cyc_keys, cmp_u64);
    for (size_t i = 0; i < cyc.n; i++) {
        size_t k = cyc_keys[i] & 0xffffffffu;
        r->cycle_edges[2 * i] = new_id[ce[2 * k]];
        r->cycle_edges[2 * i + 1] = new_id[ce[2 * k + 1]];
    }

    /* text */
    sl_buf *out = &r->text;
    if (sl_buf_reserve(out, p21_doc_n_entities(doc) * 48 + 4096)) goto oom;
    reserial__write_header(doc, 0, out);
    int ann = opts->annotate;
    if (ann)
        sl_buf_printf(out, "/* STEPLM reserial v1 order=%s entities=%zu roots=%zu cycle_edges=%zu */\n",
                      post ? "post" : "pre", n, n_roots, cyc.n);
    const block *rbk = roots.p, *fbk = faces.p;
    size_t fi = 0, ci = 0;
    int cur_cls = -1;
    for (size_t i = 0; i < roots.n; i++) {
        const block *b = &rbk[i];
        if (ann && b->cls != cur_cls) {
            size_t nr = 0, ne = 0;
            for (size_t j = i; j < roots.n && rbk[j].cls == b->cls; j++) { nr++; ne += rbk[j].end - rbk[j].start; }
            sl_buf_printf(out, "/* SECTION %s roots=%zu entities=%zu */\n", reserial_class_name(b->cls), nr, ne);
            cur_cls = b->cls;
        }
        if (ann) put_begin(doc, "ROOT", i + 1, b, order, cnt, &touched, out);
        for (uint32_t p = b->start; p < b->end; p++) {
            if (ann && fi < faces.n && fbk[fi].start == p) put_begin(doc, "FACE", fi + 1, &fbk[fi], order, cnt, &touched, out);
            reserial__write_entity(doc, &base[order[p]], (uint64_t)p + 1, 0, put_ref_renum, &rc, out);
            sl_buf_putc(out, '\n');
            if (ann)
                for (; ci < cyc.n && r->cycle_edges[2 * ci] == (uint64_t)p + 1; ci++)
                    sl_buf_printf(out, "/* CYCLE #%llu -> #%llu */\n", (unsigned long long)r->cycle_edges[2 * ci],
                                  (unsigned long long)r->cycle_edges[2 * ci + 1]);
            if (ann && fi < faces.n && fbk[fi].end == p + 1) {
                sl_buf_printf(out, "/* END FACE %zu */\n", fi + 1);
                fi++;
            }
        }
        if (ann) sl_buf_printf(out, "/* END ROOT %zu */\n", i + 1);
    }
    sl_buf_puts(out, "ENDSEC;\nEND-ISO-10303-21;\n");
    r->stats.n_dangling = rc.dn;
    if (rc.oom || out->failed) goto oom;
    s = SL_OK;
    goto out;
oom:
    s = sl_err_set(err, SL_ERR_NOMEM, "out of memory");
out:
    free(cyc_keys);
    free(type_rank); free(face_type); free(state); free(order); free(new_id); free(keys); free(hash); free(stk); free(cnt);
    free(roots.p); free(faces.p); free(cyc.p); free(touched.p);
    free(rc.dk); free(rc.dv);
    reserial__graph_release(&g);
    return s;
}

sl_status reserial_text(const char *name, const char *text, size_t n, const reserial_opts *opts,
                        reserial_result *r, sl_err *err) {
    p21_doc *doc = NULL;
    sl_status s = p21_doc_read_mem(name, text, n, NULL, &doc, err);
    if (!doc) return s ? s : SL_ERR_NOMEM;
    if (s == SL_OK) s = reserial_run(doc, opts, r, err);
    p21_doc_free(doc);
    return s;
}
