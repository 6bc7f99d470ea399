/* reserial_write.c - the reference graph and a value writer whose references go
 * through a callback (renumbering, colour folding, placeholders). */
#include "reserial_int.h"

#include <stdlib.h>
#include <string.h>

size_t reserial__index_of(const p21_doc *doc, const p21_entity *e) {
    return (size_t)(e - p21_doc_entity(doc, 0));
}

sl_status reserial__graph_build(const p21_doc *doc, reserial_graph *g, sl_err *err) {
    memset(g, 0, sizeof *g);
    size_t n = p21_doc_n_entities(doc), m = 0;
    for (size_t i = 0; i < n; i++) m += p21_doc_entity(doc, i)->n_refs;
    if (m > UINT32_MAX || n >= UINT32_MAX) return sl_err_set(err, SL_ERR_LIMIT, "too many references");
    g->n = n;
    g->off = malloc((n + 1) * sizeof *g->off);
    g->child = malloc((m ? m : 1) * sizeof *g->child);
    g->indeg = calloc(n ? n : 1, sizeof *g->indeg);
    if (!g->off || !g->child || !g->indeg) {
        reserial__graph_release(g);
        return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    }
    const p21_entity *base = p21_doc_entity(doc, 0);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const p21_entity *e = base + i;
        g->off[i] = (uint32_t)k;
        for (uint32_t r = 0; r < e->n_refs; r++) {
            const p21_entity *c = p21_doc_find(doc, e->refs[r]);
            if (!c) { g->n_dangling_refs++; continue; }
            size_t ci = (size_t)(c - base);
            g->child[k++] = (uint32_t)ci;
            if (ci != i) g->indeg[ci]++;
        }
    }
    g->off[n] = (uint32_t)k;
    return SL_OK;
}

/* ---- structural hashes ------------------------------------------------- */
static inline uint64_t mix(uint64_t h, uint64_t x) {
    h ^= x + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 29);
}

/* 8 bytes at a time */
static uint64_t hash_text(const char *t, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xC2B2AE3D27D4EB4Full);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, t, 8);
        h = mix(h, w);
        t += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, t, n);
    return mix(h, w ^ n);
}

/* strings hash by their decoded text, so 'caf\X2\00E9\X0\' and a raw UTF-8
 * spelling of the same name hash equal */
static uint64_t hash_string(const p21_value *v, sl_buf *tmp) {
    const unsigned char *t = (const unsigned char *)v->u.text;
    size_t i = 0;
    while (i < v->len && t[i] >= 0x20 && t[i] < 0x7f && t[i] != '\\' && t[i] != '\'') i++;
    if (i == v->len) return hash_text(v->u.text, v->len);
    sl_buf_clear(tmp);
    p21_string_decode(v->u.text, v->len, tmp, NULL);
    return hash_text(tmp->data ? tmp->data : "", tmp->len);
}

/* hash of one entity given the hashes of its (finished) children */
static uint64_t entity_hash(const p21_doc *doc, const p21_entity *e, const uint64_t *h, const uint8_t *st,
                            const p21_entity *base, sl_buf *tmp, const uint64_t *type_hash) {
    uint64_t x = mix(0x51ED270B27, e->flags & P21_ENT_COMPLEX);
    for (uint32_t p = 0; p < e->n_parts; p++) {
        x = mix(x, type_hash[e->parts[p].type]);
        struct fr { const p21_value *v; uint32_t n, i; } stack0[32], *stk = stack0;
        size_t sp = 0, cap = 32;
        stk[sp++] = (struct fr){e->parts[p].args.u.items, e->parts[p].args.len, 0};
        x = mix(x, 0x28);
        while (sp) {
            struct fr *f = &stk[sp - 1];
            if (f->i == f->n) { sp--; x = mix(x, 0x29); continue; }
            const p21_value *v = &f->v[f->i++];
            x = mix(x, v->kind);
            switch (v->kind) {
            case P21_REF: {
                const p21_entity *c = p21_doc_find(doc, v->u.ref);
                if (!c) x = mix(x, 0xDA);                       /* undefined */
                else if (st[c - base] == 2) x = mix(x, h[c - base]);
                else x = mix(x, 0xC1C1E);                      /* closes a cycle */
                break;
            }
            case P21_LIST: case P21_TYPED:
                if (sp == cap) {
                    size_t nc = cap * 2;
                    struct fr *ns = stk == stack0 ? malloc(nc * sizeof *ns) : realloc(stk, nc * sizeof *ns);
                    if (!ns) { if (stk != stack0) free(stk); return x; }
                    if (stk == stack0) memcpy(ns, stack0, sizeof stack0);
                    stk = ns;
                    cap = nc;
                }
                stk[sp++] = (struct fr){v->u.items, v->len, 0};
                break;
            case P21_NULL: case P21_DERIVED: break;
            case P21_STRING: x = mix(x, hash_string(v, tmp)); break;
            default: x = mix(x, hash_text(v->u.text, v->len)); break;
            }
        }
        if (stk != stack0) free(stk);
    }
    return x;
}

sl_status reserial__graph_hash(const p21_doc *doc, const reserial_graph *g, const uint32_t *starts, size_t n_starts,
                               uint64_t *h, sl_err *err) {
    size_t n = g->n, nt = p21_doc_n_types(doc);
    uint8_t *st = calloc(n ? n : 1, 1);
    struct fr { uint32_t idx, pos; } *stk = malloc((n ? n : 1) * sizeof *stk);
    uint64_t *type_hash = malloc((nt ? nt : 1) * sizeof *type_hash);
    if (!st || !stk || !type_hash) {
        free(st); free(stk); free(type_hash);
        return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    }
    for (size_t t = 0; t < nt; t++) {
        const char *tn = p21_doc_type_name(doc, (uint32_t)t);
        type_hash[t] = hash_text(tn, strlen(tn));
    }
    const p21_entity *base = p21_doc_entity(doc, 0);
    sl_buf tmp;
    sl_buf_init(&tmp);
    for (size_t k = 0; k < n_starts; k++) {
        uint32_t s = starts[k];
        if (st[s]) continue;
        size_t sp = 0;
        st[s] = 1;
        stk[sp++] = (struct fr){s, g->off[s]};
        while (sp) {
            struct fr *f = &stk[sp - 1];
            if (f->pos == g->off[f->idx + 1]) {
                /* the number of referrers is part of the structure: two equal
                 * subtrees, one shared and one private, hash apart */
                h[f->idx] = mix(entity_hash(doc, &base[f->idx], h, st, base, &tmp, type_hash), g->indeg[f->idx]);
                st[f->idx] = 2;
                sp--;
                continue;
            }
            uint32_t c = g->child[f->pos++];
            if (st[c]) continue;
            st[c] = 1;
            stk[sp++] = (struct fr){c, g->off[c]};
        }
    }
    sl_buf_release(&tmp);
    free(st);
    free(stk);
    free(type_hash);
    return SL_OK;
}

void reserial__graph_release(reserial_graph *g) {
    free(g->off);
    free(g->child);
    free(g->indeg);
    memset(g, 0, sizeof *g);
}

void reserial__put_u64(sl_buf *out, uint64_t x) {
    char t[24];
    int n = 0;
    do { t[n++] = (char)('0' + x % 10); x /= 10; } while (x);
    if (out->len + (size_t)n >= out->cap && sl_buf_reserve(out, (size_t)n)) return;
    char *p = out->data + out->len;
    for (int i = 0; i < n; i++) p[i] = t[n - 1 - i];
    out->len += (size_t)n;
    out->data[out->len] = 0;
}

/* appends without a call per byte: the buffer is reserved per value */
static inline void bput(sl_buf *b, char c) {
    if (b->len + 1 < b->cap || !sl_buf_reserve(b, 1)) { b->data[b->len++] = c; b->data[b->len] = 0; }
}
static inline void bput2(sl_buf *b, char c, char d) {
    if (b->len + 2 < b->cap || !sl_buf_reserve(b, 2)) {
        b->data[b->len++] = c; b->data[b->len++] = d; b->data[b->len] = 0;
    }
}

static void put_leaf(const p21_doc *doc, const p21_value *v, sl_buf *out) {
    switch (v->kind) {
    case P21_INT: case P21_REAL: sl_buf_append(out, v->u.text, v->len); break;
    case P21_NULL: bput(out, '$'); break;
    case P21_DERIVED: bput(out, '*'); break;
    default: p21_value_write(doc, v, out); break;   /* strings (re-encoded if needed), enums, binary */
    }
}

void reserial__write_value(const p21_doc *doc, const p21_value *v, int style, reserial_put_ref put_ref,
                           void *ctx, sl_buf *out) {
    struct fr { const p21_value *list; uint32_t i; } stack0[32], *st = stack0;
    size_t sp = 0, cap = 32;
    const p21_value *cur = v;
    for (;;) {
        if (cur) {
            if (cur->kind == P21_REF) {
                put_ref(ctx, cur->u.ref, out);
            } else if (cur->kind == P21_LIST || cur->kind == P21_TYPED) {
                if (cur->kind == P21_TYPED) sl_buf_append(out, cur->u.items[0].u.text, cur->u.items[0].len);
                if (style) bput2(out, '(', ' ');
                else bput(out, '(');
                if (sp == cap) {
                    size_t nc = cap * 2;
                    struct fr *ns = st == stack0 ? malloc(nc * sizeof *ns) : realloc(st, nc * sizeof *ns);
                    if (!ns) { out->failed = 1; break; }
                    if (st == stack0) memcpy(ns, stack0, sizeof stack0);
                    st = ns;
                    cap = nc;
                }
                st[sp++] = (struct fr){cur, cur->kind == P21_TYPED ? 1u : 0u};
            } else {
                put_leaf(doc, cur, out);
            }
            cur = NULL;
        }
        if (!sp) break;
        struct fr *f = &st[sp - 1];
        uint32_t first = f->list->kind == P21_TYPED ? 1u : 0u;
        if (f->i == f->list->len) {
            if (style) bput2(out, ' ', ')');
            else bput(out, ')');
            sp--;
            continue;
        }
        if (f->i > first) {
            if (style) bput2(out, ',', ' ');
            else bput(out, ',');
        }
        cur = &f->list->u.items[f->i++];
    }
    if (st != stack0) free(st);
}

void reserial__write_entity(const p21_doc *doc, const p21_entity *e, uint64_t new_id, int style,
                            reserial_put_ref put_ref, void *ctx, sl_buf *out) {
    sl_buf_putc(out, '#');
    reserial__put_u64(out, new_id);
    int complex = (e->flags & P21_ENT_COMPLEX) != 0;
    if (style) sl_buf_puts(out, complex ? " =  ( " : " = ");
    else sl_buf_puts(out, complex ? "=(" : "=");
    for (uint32_t i = 0; i < e->n_parts; i++) {
        sl_buf_puts(out, p21_doc_type_name(doc, e->parts[i].type));
        reserial__write_value(doc, &e->parts[i].args, style, put_ref, ctx, out);
    }
    if (complex) sl_buf_puts(out, style ? " )" : ")");
    sl_buf_putc(out, ';');
}

static void put_ref_plain(void *ctx, uint64_t id, sl_buf *out) {
    (void)ctx;
    sl_buf_putc(out, '#');
    reserial__put_u64(out, id);
}

void reserial__write_header(const p21_doc *doc, int style, sl_buf *out) {
    sl_buf_puts(out, "ISO-10303-21;\nHEADER;\n");
    for (size_t i = 0; i < p21_doc_n_header(doc); i++) {
        const p21_header_entry *h = p21_doc_header(doc, i);
        sl_buf_puts(out, p21_doc_type_name(doc, h->type));
        reserial__write_value(doc, &h->args, style, put_ref_plain, NULL, out);
        sl_buf_puts(out, ";\n");
    }
    sl_buf_puts(out, "ENDSEC;\nDATA");
    const p21_section *s = p21_doc_section(doc, 0);
    if (s && s->params.kind == P21_LIST) reserial__write_value(doc, &s->params, 0, put_ref_plain, NULL, out);
    sl_buf_puts(out, ";\n");
}
