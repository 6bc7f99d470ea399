/* p21_doc.c - the Part 21 document: id map, interned type names, diagnostics,
 * accessors, building, reference checks (undefined ids, cycles) and structural
 * equality. Parsing is in p21_read.c, text output in p21_write.c. */
#include "p21_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

p21_doc *p21_doc_new(const char *name) {
    p21_doc *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    sl_arena_init(&d->arena, 1 << 16);
    d->name = strdup(name ? name : "<memory>");
    if (!d->name) { free(d); return NULL; }
    return d;
}

void p21_doc_free(p21_doc *d) {
    if (!d) return;
    sl_arena_release(&d->arena);
    free(d->name);
    free(d->text);
    free(d->ents);
    free(d->map_keys);
    free(d->map_vals);
    free(d->dense);
    free(d->type_names);
    free(d->type_lens);
    free(d->type_slots);
    free(d->hdr);
    free(d->secs);
    free(d->diags);
    free(d);
}

/* ---- id map --------------------------------------------------------------- */
static inline size_t id_hash(uint64_t id) {
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdull;
    id ^= id >> 33;
    return (size_t)id;
}

static int map_grow(p21_doc *d) {
    size_t ncap = d->map_cap ? d->map_cap * 2 : 1024;
    uint64_t *k = calloc(ncap, sizeof *k);
    uint32_t *v = malloc(ncap * sizeof *v);
    if (!k || !v) { free(k); free(v); return -1; }
    for (size_t i = 0; i < d->map_cap; i++) {
        if (!d->map_keys[i]) continue;
        size_t j = id_hash(d->map_keys[i]) & (ncap - 1);
        while (k[j]) j = (j + 1) & (ncap - 1);
        k[j] = d->map_keys[i];
        v[j] = d->map_vals[i];
    }
    free(d->map_keys);
    free(d->map_vals);
    d->map_keys = k;
    d->map_vals = v;
    d->map_cap = ncap;
    return 0;
}

/* Ids are >= 1 (0 marks an empty slot). Ids below a bound that grows with the
 * number of entities go into a flat array (one store, no hashing); the rest into
 * the hash table. */
static int dense_put(p21_doc *d, uint64_t id, uint32_t idx) {
    if (id >= d->n_dense) {
        size_t want = d->n_dense ? d->n_dense : 4096;
        while (want <= id) want *= 2;
        uint32_t *nd = realloc(d->dense, want * sizeof *nd);
        if (!nd) return -1;
        memset(nd + d->n_dense, 0, (want - d->n_dense) * sizeof *nd);
        d->dense = nd;
        d->n_dense = want;
    }
    if (d->dense[id]) return 1;
    d->dense[id] = idx + 1;
    return 0;
}

int p21__map_put(p21_doc *d, uint64_t id, uint32_t idx) {
    if (id < d->n_dense || id < 16 * ((uint64_t)d->n_ents + 4096)) {
        if (p21__map_get(d, id) >= 0) return 1;
        return dense_put(d, id, idx);
    }
    if ((d->map_n + 1) * 2 > d->map_cap && map_grow(d)) return -1;
    size_t j = id_hash(id) & (d->map_cap - 1);
    while (d->map_keys[j]) {
        if (d->map_keys[j] == id) return 1;
        j = (j + 1) & (d->map_cap - 1);
    }
    d->map_keys[j] = id;
    d->map_vals[j] = idx;
    d->map_n++;
    return 0;
}

long p21__map_get(const p21_doc *d, uint64_t id) {
    if (id < d->n_dense && d->dense[id]) return (long)d->dense[id] - 1;
    if (!d->map_cap || id == 0) return -1;
    size_t j = id_hash(id) & (d->map_cap - 1);
    while (d->map_keys[j]) {
        if (d->map_keys[j] == id) return (long)d->map_vals[j];
        j = (j + 1) & (d->map_cap - 1);
    }
    return -1;
}

p21_entity *p21__ents_push(p21_doc *d) {
    if (d->n_ents == d->cap_ents) {
        size_t nc = d->cap_ents ? d->cap_ents * 2 : 1024;
        p21_entity *e = realloc(d->ents, nc * sizeof *e);
        if (!e) return NULL;
        d->ents = e;
        d->cap_ents = nc;
    }
    p21_entity *e = &d->ents[d->n_ents++];
    memset(e, 0, sizeof *e);
    return e;
}

/* ---- types ---------------------------------------------------------------- */
static uint32_t p21_doc_type_intern_slow(p21_doc *d, const char *name, size_t len);
static int type_slots_grow(p21_doc *d) {
    size_t ncap = d->type_slot_cap ? d->type_slot_cap * 2 : 256;
    uint32_t *s = calloc(ncap, sizeof *s);
    if (!s) return -1;
    for (size_t i = 0; i < d->n_types; i++) {
        size_t j = sl_hash64(d->type_names[i], d->type_lens[i]) & (ncap - 1);
        while (s[j]) j = (j + 1) & (ncap - 1);
        s[j] = (uint32_t)i + 1;
    }
    free(d->type_slots);
    d->type_slots = s;
    d->type_slot_cap = ncap;
    return 0;
}

static long type_lookup(const p21_doc *d, const char *name, size_t len, size_t *slot) {
    if (!d->type_slot_cap) return -1;
    size_t j = sl_hash64(name, len) & (d->type_slot_cap - 1);
    while (d->type_slots[j]) {
        uint32_t t = d->type_slots[j] - 1;
        if (d->type_lens[t] == len && !memcmp(d->type_names[t], name, len)) return t;
        j = (j + 1) & (d->type_slot_cap - 1);
    }
    if (slot) *slot = j;
    return -1;
}

static inline unsigned type_cache_slot(const char *name, size_t len) {
    return ((unsigned)len * 31u + (unsigned char)name[0] * 7u + (unsigned char)name[len - 1] * 13u +
            (unsigned char)name[len / 2] * 3u) & 255u;
}

uint32_t p21_doc_type_intern(p21_doc *d, const char *name, size_t len) {
    if (len) {
        unsigned c = type_cache_slot(name, len);
        uint32_t t = d->type_cache[c].type;
        if (d->type_cache[c].len == len && t < d->n_types && !memcmp(d->type_names[t], name, len)) return t;
    }
    uint32_t t = p21_doc_type_intern_slow(d, name, len);
    if (len && t != UINT32_MAX) {
        unsigned c = type_cache_slot(name, len);
        d->type_cache[c].len = (uint32_t)len;
        d->type_cache[c].type = t;
    }
    return t;
}

static uint32_t p21_doc_type_intern_slow(p21_doc *d, const char *name, size_t len) {
    if ((d->n_types + 1) * 2 > d->type_slot_cap && type_slots_grow(d)) return UINT32_MAX;
    size_t slot = 0;
    long t = type_lookup(d, name, len, &slot);
    if (t >= 0) return (uint32_t)t;
    if (len > UINT32_MAX) return UINT32_MAX;
    if (d->n_types == d->cap_types) {
        size_t nc = d->cap_types ? d->cap_types * 2 : 64;
        const char **n = realloc(d->type_names, nc * sizeof *n);
        if (!n) return UINT32_MAX;
        d->type_names = n;
        uint32_t *l = realloc(d->type_lens, nc * sizeof *l);
        if (!l) return UINT32_MAX;
        d->type_lens = l;
        d->cap_types = nc;
    }
    char *s = sl_arena_strndup(&d->arena, name, len);
    if (!s) return UINT32_MAX;
    d->type_names[d->n_types] = s;
    d->type_lens[d->n_types] = (uint32_t)len;
    d->type_slots[slot] = (uint32_t)d->n_types + 1;
    return (uint32_t)d->n_types++;
}

size_t p21_doc_n_types(const p21_doc *d) { return d->n_types; }
const char *p21_doc_type_name(const p21_doc *d, uint32_t t) {
    return t < d->n_types ? d->type_names[t] : "";
}
uint32_t p21_doc_type_find(const p21_doc *d, const char *name) {
    long t = type_lookup(d, name, strlen(name), NULL);
    return t < 0 ? UINT32_MAX : (uint32_t)t;
}

/* ---- accessors ------------------------------------------------------------ */
const char *p21_doc_name(const p21_doc *d) { return d->name; }
size_t p21_doc_n_entities(const p21_doc *d) { return d->n_ents; }
p21_entity *p21_doc_entity(const p21_doc *d, size_t i) { return i < d->n_ents ? &d->ents[i] : NULL; }
p21_entity *p21_doc_find(const p21_doc *d, uint64_t id) {
    long i = p21__map_get(d, id);
    return i < 0 ? NULL : &d->ents[i];
}
size_t p21_doc_n_header(const p21_doc *d) { return d->n_hdr; }
const p21_header_entry *p21_doc_header(const p21_doc *d, size_t i) { return i < d->n_hdr ? &d->hdr[i] : NULL; }
size_t p21_doc_n_sections(const p21_doc *d) { return d->n_secs; }
const p21_section *p21_doc_section(const p21_doc *d, size_t i) { return i < d->n_secs ? &d->secs[i] : NULL; }
int p21_doc_complete(const p21_doc *d) { return d->complete; }

const p21_header_entry *p21_doc_header_find(const p21_doc *d, const char *type) {
    for (size_t i = 0; i < d->n_hdr; i++)
        if (!strcmp(d->type_names[d->hdr[i].type], type)) return &d->hdr[i];
    return NULL;
}

const p21_part *p21_entity_part(const p21_doc *d, const p21_entity *e, const char *type) {
    for (uint32_t i = 0; i < e->n_parts; i++)
        if (!strcmp(d->type_names[e->parts[i].type], type)) return &e->parts[i];
    return NULL;
}

const char *p21_entity_type_name(const p21_doc *d, const p21_entity *e) {
    return e->n_parts ? d->type_names[e->parts[0].type] : "";
}

double p21_value_real(const p21_value *v) {
    if (v->kind != P21_REAL && v->kind != P21_INT) return NAN;
    char tmp[64];
    size_t n = v->len < sizeof tmp - 1 ? v->len : sizeof tmp - 1;
    memcpy(tmp, v->u.text, n);
    tmp[n] = 0;
    return strtod(tmp, NULL);
}

int p21_value_int(const p21_value *v, int64_t *out) {
    if (v->kind != P21_INT || v->len == 0) return -1;
    const char *s = v->u.text, *e = s + v->len;
    int neg = 0;
    if (*s == '+' || *s == '-') { neg = *s == '-'; s++; }
    if (s == e) return -1;
    uint64_t x = 0;
    for (; s < e; s++) {
        if (*s < '0' || *s > '9') return -1;
        if (x > (UINT64_MAX - 9) / 10) return -1;
        x = x * 10 + (uint64_t)(*s - '0');
    }
    if (x > (uint64_t)INT64_MAX + (uint64_t)neg) return -1;
    *out = neg ? (int64_t)(0 - x) : (int64_t)x;
    return 0;
}

const char *p21_typed_name(const p21_doc *d, const p21_value *v) {
    (void)d;
    return v->kind == P21_TYPED ? v->u.items[0].u.text : "";
}
const p21_value *p21_typed_arg(const p21_value *v) {
    return v->kind == P21_TYPED ? &v->u.items[1] : NULL;
}

void *p21_doc_alloc(p21_doc *d, size_t n) { return sl_arena_alloc(&d->arena, n); }

/* ---- diagnostics ---------------------------------------------------------- */
void p21__add_diagv(p21_doc *d, p21_severity sev, uint32_t line, uint32_t col, uint64_t id,
                    const char *fmt, va_list ap) {
    if (sev == P21_ERROR) d->n_errors++;
    else d->n_warnings++;
    if (d->n_diags >= P21_MAX_KEPT_DIAGS) return;
    if (d->n_diags == d->cap_diags) {
        size_t nc = d->cap_diags ? d->cap_diags * 2 : 16;
        p21_diag *nd = realloc(d->diags, nc * sizeof *nd);
        if (!nd) return;
        d->diags = nd;
        d->cap_diags = nc;
    }
    char buf[600];
    vsnprintf(buf, sizeof buf, fmt, ap);
    p21_diag *g = &d->diags[d->n_diags];
    g->severity = (uint8_t)sev;
    g->line = line;
    g->col = col;
    g->id = id;
    g->msg = sl_arena_strndup(&d->arena, buf, strlen(buf));
    if (!g->msg) return;
    d->n_diags++;
}

void p21_doc_add_diag(p21_doc *d, p21_severity sev, uint32_t line, uint32_t col, uint64_t id,
                      const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    p21__add_diagv(d, sev, line, col, id, fmt, ap);
    va_end(ap);
}

size_t p21_doc_n_errors(const p21_doc *d) { return d->n_errors; }
size_t p21_doc_n_warnings(const p21_doc *d) { return d->n_warnings; }
size_t p21_doc_n_diags(const p21_doc *d) { return d->n_diags; }
const p21_diag *p21_doc_diag(const p21_doc *d, size_t i) { return i < d->n_diags ? &d->diags[i] : NULL; }

void p21_diag_format(const p21_doc *d, const p21_diag *g, char *out, size_t n_out) {
    const char *sev = g->severity == P21_ERROR ? "error" : "warning";
    char idbuf[32] = "";
    if (g->id) snprintf(idbuf, sizeof idbuf, "#%llu: ", (unsigned long long)g->id);
    if (g->line)
        snprintf(out, n_out, "%s:%u:%u: %s: %s%s", d->name, g->line, g->col, sev, idbuf, g->msg);
    else
        snprintf(out, n_out, "%s: %s: %s%s", d->name, sev, idbuf, g->msg);
}

/* ---- building ------------------------------------------------------------- */
/* Walk the argument trees of e without recursion and store its references. */
int p21__collect_refs(p21_doc *d, p21_entity *e) {
    size_t n = 0, cap = 0;
    uint64_t *refs = NULL;
    /* explicit stack of (items, count, next) */
    struct fr { const p21_value *v; uint32_t n, i; } stack[64], *st = stack;
    size_t sp = 0, scap = 64;
    int rc = 0;
    for (uint32_t p = 0; p < e->n_parts && rc == 0; p++) {
        st[sp++] = (struct fr){e->parts[p].args.u.items, e->parts[p].args.len, 0};
        while (sp && rc == 0) {
            struct fr *f = &st[sp - 1];
            if (f->i == f->n) { sp--; continue; }
            const p21_value *v = &f->v[f->i++];
            if (v->kind == P21_REF) {
                if (n == cap) {
                    size_t nc = cap ? cap * 2 : 8;
                    uint64_t *nr = realloc(refs, nc * sizeof *nr);
                    if (!nr) { rc = -1; break; }
                    refs = nr;
                    cap = nc;
                }
                refs[n++] = v->u.ref;
            } else if (v->kind == P21_LIST || v->kind == P21_TYPED) {
                if (sp == scap) {
                    size_t nc = scap * 2;
                    struct fr *ns = st == stack ? malloc(nc * sizeof *ns) : realloc(st, nc * sizeof *ns);
                    if (!ns) { rc = -1; break; }
                    if (st == stack) memcpy(ns, stack, sizeof stack);
                    st = ns;
                    scap = nc;
                }
                st[sp++] = (struct fr){v->u.items, v->len, 0};
            }
        }
    }
    if (rc == 0) {
        e->n_refs = (uint32_t)n;
        e->refs = NULL;
        if (n) {
            e->refs = sl_arena_alloc(&d->arena, n * sizeof *refs);
            if (!e->refs) rc = -1;
            else memcpy(e->refs, refs, n * sizeof *refs);
        }
    }
    free(refs);
    if (st != stack) free(st);
    return rc;
}

sl_status p21_entity_update_refs(p21_doc *d, p21_entity *e) {
    return p21__collect_refs(d, e) ? SL_ERR_NOMEM : SL_OK;
}

sl_status p21_doc_add_entity(p21_doc *d, uint64_t id, int complex, const p21_part *parts,
                             uint32_t n_parts, sl_err *err) {
    if (id == 0) return sl_err_set(err, SL_ERR_ARG, "entity id must be positive");
    if (p21__map_get(d, id) >= 0) return sl_err_set(err, SL_ERR_INVALID, "duplicate id #%llu", (unsigned long long)id);
    p21_part *pp = sl_arena_alloc(&d->arena, (n_parts ? n_parts : 1) * sizeof *pp);
    if (!pp) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    memcpy(pp, parts, n_parts * sizeof *pp);
    p21_entity *e = p21__ents_push(d);
    if (!e) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    e->id = id;
    e->parts = pp;
    e->n_parts = n_parts;
    e->flags = complex ? P21_ENT_COMPLEX : 0;
    e->section = d->n_secs ? (uint16_t)(d->n_secs - 1) : 0;
    if (p21__map_put(d, id, (uint32_t)(d->n_ents - 1)) < 0 || p21__collect_refs(d, e)) {
        d->n_ents--;
        return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    }
    if (!d->n_secs) {   /* a built document gets one DATA section */
        d->secs = calloc(1, sizeof *d->secs);
        if (!d->secs) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
        d->n_secs = d->cap_secs = 1;
    }
    return SL_OK;
}

sl_status p21_doc_set_header(p21_doc *d, const p21_header_entry *h, size_t n) {
    p21_header_entry *nh = malloc((n ? n : 1) * sizeof *nh);
    if (!nh) return SL_ERR_NOMEM;
    memcpy(nh, h, n * sizeof *nh);
    free(d->hdr);
    d->hdr = nh;
    d->n_hdr = d->cap_hdr = n;
    return SL_OK;
}

/* ---- reference checks ----------------------------------------------------- */
static int cycle_type_ok(const p21_doc *d, const p21_entity *e) {
    static const char *const words[] = {"CALLOUT", "ANNOTATION", "DRAUGHTING", "DIMENSION", "ASSOCIATIVITY",
                                        "STYLED_ITEM", "PRESENTATION", NULL};
    for (uint32_t p = 0; p < e->n_parts; p++)
        for (const char *const *w = words; *w; w++)
            if (strstr(d->type_names[e->parts[p].type], *w)) return 1;
    return 0;
}

size_t p21_doc_check_refs(p21_doc *d) {
    size_t before = d->n_errors;
    size_t n = d->n_ents;
    /* undefined references, once per (entity, id) */
    for (size_t i = 0; i < n; i++) {
        p21_entity *e = &d->ents[i];
        for (uint32_t r = 0; r < e->n_refs; r++) {
            if (p21__map_get(d, e->refs[r]) >= 0) continue;
            int seen = 0;
            for (uint32_t q = 0; q < r && !seen; q++) seen = e->refs[q] == e->refs[r];
            if (!seen)
                p21_doc_add_diag(d, P21_ERROR, e->line, e->col, e->id,
                                 "reference to undefined entity #%llu", (unsigned long long)e->refs[r]);
        }
    }
    /* cycles: iterative DFS, colour 0 white, 1 on stack, 2 done */
    uint8_t *colour = calloc(n ? n : 1, 1);
    uint32_t *stk = malloc((n ? n : 1) * sizeof *stk);   /* entity index */
    uint32_t *pos = malloc((n ? n : 1) * sizeof *pos);   /* next ref to follow */
    if (!colour || !stk || !pos) {
        free(colour); free(stk); free(pos);
        p21_doc_add_diag(d, P21_ERROR, 0, 0, 0, "out of memory while checking reference cycles");
        return d->n_errors - before;
    }
    size_t n_cycles = 0;
    for (size_t root = 0; root < n; root++) {
        if (colour[root]) continue;
        size_t sp = 0;
        stk[sp] = (uint32_t)root; pos[sp] = 0; sp++;
        colour[root] = 1;
        while (sp) {
            uint32_t u = stk[sp - 1];
            p21_entity *e = &d->ents[u];
            if (pos[sp - 1] == e->n_refs) { colour[u] = 2; sp--; continue; }
            long v = p21__map_get(d, e->refs[pos[sp - 1]++]);
            if (v < 0) continue;
            if (colour[v] == 0) {
                colour[v] = 1;
                stk[sp] = (uint32_t)v; pos[sp] = 0; sp++;
            } else if (colour[v] == 1) {
                /* back edge: the cycle is stk[k..sp-1] where stk[k] == v */
                size_t k = sp - 1;
                while (stk[k] != (uint32_t)v) k--;
                char path[300];
                size_t pl = 0;
                path[0] = 0;
                for (size_t q = k; q < sp && pl < 240; q++)
                    pl += (size_t)snprintf(path + pl, sizeof path - pl, "#%llu -> ",
                                           (unsigned long long)d->ents[stk[q]].id);
                if (pl < sizeof path)
                    snprintf(path + pl, sizeof path - pl, "%s#%llu", sp - k > 40 ? "... -> " : "",
                             (unsigned long long)d->ents[v].id);
                /* AP214/AP242 presentation structures (dimension callouts and
                 * the styled items of their text) legitimately refer back to each
                 * other; a cycle anywhere else (geometry, topology, product
                 * structure) cannot be instantiated by a valid model. */
                int legal = 0;
                for (size_t q = k; q < sp && !legal; q++) legal = cycle_type_ok(d, &d->ents[stk[q]]);
                p21_entity *ev = &d->ents[v];
                if (n_cycles++ < 100000)
                    p21_doc_add_diag(d, legal ? P21_WARNING : P21_ERROR, ev->line, ev->col, ev->id,
                                     "reference cycle%s: %s", legal ? " through presentation entities" : "", path);
            }
        }
    }
    free(colour); free(stk); free(pos);
    return d->n_errors - before;
}

/* ---- equality ------------------------------------------------------------- */
static int str_equal(const p21_value *a, const p21_value *b) {
    if (a->len == b->len && !memcmp(a->u.text, b->u.text, a->len)) return 1;
    sl_buf x, y;
    sl_buf_init(&x);
    sl_buf_init(&y);
    p21_string_decode(a->u.text, a->len, &x, NULL);
    p21_string_decode(b->u.text, b->len, &y, NULL);
    int eq = x.len == y.len && (x.len == 0 || !memcmp(x.data, y.data, x.len));
    sl_buf_release(&x);
    sl_buf_release(&y);
    return eq;
}

static int value_equal(const p21_doc *da, const p21_value *a, const p21_doc *db, const p21_value *b,
                       int depth) {
    if (a->kind != b->kind || depth > 100000) return 0;
    switch (a->kind) {
    case P21_NULL: case P21_DERIVED: return 1;
    case P21_REF: return a->u.ref == b->u.ref;
    case P21_STRING: return str_equal(a, b);
    case P21_INT: case P21_REAL: case P21_ENUM: case P21_BINARY: case P21_KEYWORD:
        return a->len == b->len && !memcmp(a->u.text, b->u.text, a->len);
    case P21_LIST: case P21_TYPED:
        if (a->len != b->len) return 0;
        for (uint32_t i = 0; i < a->len; i++)
            if (!value_equal(da, &a->u.items[i], db, &b->u.items[i], depth + 1)) return 0;
        return 1;
    }
    return 0;
}

int p21_doc_equal(const p21_doc *a, const p21_doc *b, char *why, size_t n_why) {
    char dummy[8];
    if (!why) { why = dummy; n_why = sizeof dummy; }
    if (a->n_hdr != b->n_hdr) { snprintf(why, n_why, "header entry count %zu vs %zu", a->n_hdr, b->n_hdr); return 0; }
    for (size_t i = 0; i < a->n_hdr; i++) {
        if (strcmp(a->type_names[a->hdr[i].type], b->type_names[b->hdr[i].type]) ||
            !value_equal(a, &a->hdr[i].args, b, &b->hdr[i].args, 0)) {
            snprintf(why, n_why, "header entry %zu (%s) differs", i, a->type_names[a->hdr[i].type]);
            return 0;
        }
    }
    if (a->n_secs != b->n_secs) { snprintf(why, n_why, "DATA section count %zu vs %zu", a->n_secs, b->n_secs); return 0; }
    for (size_t i = 0; i < a->n_secs; i++)
        if (!value_equal(a, &a->secs[i].params, b, &b->secs[i].params, 0)) {
            snprintf(why, n_why, "parameters of DATA section %zu differ", i);
            return 0;
        }
    if (a->n_ents != b->n_ents) { snprintf(why, n_why, "entity count %zu vs %zu", a->n_ents, b->n_ents); return 0; }
    for (size_t i = 0; i < a->n_ents; i++) {
        const p21_entity *ea = &a->ents[i];
        const p21_entity *eb = p21_doc_find(b, ea->id);
        if (!eb) { snprintf(why, n_why, "#%llu missing", (unsigned long long)ea->id); return 0; }
        if (ea->n_parts != eb->n_parts || (ea->flags & P21_ENT_COMPLEX) != (eb->flags & P21_ENT_COMPLEX) ||
            ea->section != eb->section) {
            snprintf(why, n_why, "#%llu: shape differs", (unsigned long long)ea->id);
            return 0;
        }
        for (uint32_t p = 0; p < ea->n_parts; p++) {
            if (strcmp(a->type_names[ea->parts[p].type], b->type_names[eb->parts[p].type])) {
                snprintf(why, n_why, "#%llu: type %s vs %s", (unsigned long long)ea->id,
                         a->type_names[ea->parts[p].type], b->type_names[eb->parts[p].type]);
                return 0;
            }
            if (!value_equal(a, &ea->parts[p].args, b, &eb->parts[p].args, 0)) {
                snprintf(why, n_why, "#%llu: arguments of %s differ", (unsigned long long)ea->id,
                         a->type_names[ea->parts[p].type]);
                return 0;
            }
        }
    }
    return 1;
}
