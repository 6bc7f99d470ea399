/* rs_check.h - independent checkers for the reserial tests (header-only).
 *
 * iso_check: is document B the image of document A under the id map new_ids
 * (indexed like p21_doc_entity(A, i))? Checks that the map is a bijection onto
 * B's entities and that every entity keeps its shape (simple/complex, part types)
 * and its argument values, with every reference of A mapped to the reference at
 * the same place in B. Undefined references of A must map consistently to ids
 * that are undefined in B. Strings compare after decoding, numbers by text.
 * A witness-based check: whatever produced the map, passing proves isomorphism.
 *
 * ann_check: the annotation comments of a steplm output are well formed (balanced,
 * numbered in order) and their entities= / types= counts equal a recount of the
 * entity lines inside each block. */
#ifndef STEPLM_TEST_RS_CHECK_H
#define STEPLM_TEST_RS_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "steplm/p21.h"

typedef struct iso_map { uint64_t *k, *v; size_t cap, n; } iso_map;

static inline uint64_t *iso_map_slot(iso_map *m, uint64_t key) {
    if ((m->n + 1) * 2 > m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 64;
        uint64_t *k = calloc(nc, 8), *v = calloc(nc, 8);
        for (size_t i = 0; i < m->cap; i++) if (m->k[i]) {
            size_t j = (m->k[i] * 0x9E3779B97F4A7C15ull >> 20) & (nc - 1);
            while (k[j]) j = (j + 1) & (nc - 1);
            k[j] = m->k[i]; v[j] = m->v[i];
        }
        free(m->k); free(m->v); m->k = k; m->v = v; m->cap = nc;
    }
    size_t j = (key * 0x9E3779B97F4A7C15ull >> 20) & (m->cap - 1);
    while (m->k[j] && m->k[j] != key) j = (j + 1) & (m->cap - 1);
    if (!m->k[j]) { m->k[j] = key; m->v[j] = 0; m->n++; }
    return &m->v[j];
}

typedef struct iso_ctx {
    const p21_doc *a, *b;
    const uint64_t *new_ids;
    const p21_entity *abase;
    iso_map dangling;     /* A undefined id -> B id */
    iso_map dangling_rev; /* B id -> A undefined id */
    char *why;
    size_t n_why;
} iso_ctx;

static inline int iso_str_eq(const p21_value *x, const p21_value *y) {
    if (x->len == y->len && !memcmp(x->u.text, y->u.text, x->len)) return 1;
    sl_buf s, t;
    sl_buf_init(&s); sl_buf_init(&t);
    p21_string_decode(x->u.text, x->len, &s, NULL);
    p21_string_decode(y->u.text, y->len, &t, NULL);
    int eq = s.len == t.len && (!s.len || !memcmp(s.data, t.data, s.len));
    sl_buf_release(&s); sl_buf_release(&t);
    return eq;
}

static inline int iso_value(iso_ctx *c, const p21_value *x, const p21_value *y, uint64_t aid, int depth) {
    if (depth > 10000) return 0;
    if (x->kind != y->kind) {
        snprintf(c->why, c->n_why, "#%llu: value kinds %d vs %d", (unsigned long long)aid, x->kind, y->kind);
        return 0;
    }
    switch (x->kind) {
    case P21_NULL: case P21_DERIVED: return 1;
    case P21_STRING:
        if (iso_str_eq(x, y)) return 1;
        snprintf(c->why, c->n_why, "#%llu: string differs", (unsigned long long)aid);
        return 0;
    case P21_INT: case P21_REAL: case P21_ENUM: case P21_BINARY: case P21_KEYWORD:
        if (x->len == y->len && !memcmp(x->u.text, y->u.text, x->len)) return 1;
        snprintf(c->why, c->n_why, "#%llu: '%.*s' vs '%.*s'", (unsigned long long)aid, (int)x->len, x->u.text,
                 (int)y->len, y->u.text);
        return 0;
    case P21_REF: {
        const p21_entity *t = p21_doc_find(c->a, x->u.ref);
        uint64_t want;
        if (t) want = c->new_ids[t - c->abase];
        else {
            uint64_t *s = iso_map_slot(&c->dangling, x->u.ref);
            if (!*s) {
                if (p21_doc_find(c->b, y->u.ref)) {
                    snprintf(c->why, c->n_why, "#%llu: undefined #%llu became defined #%llu", (unsigned long long)aid,
                             (unsigned long long)x->u.ref, (unsigned long long)y->u.ref);
                    return 0;
                }
                uint64_t *r = iso_map_slot(&c->dangling_rev, y->u.ref);
                if (*r && *r != x->u.ref) {
                    snprintf(c->why, c->n_why, "two undefined ids map to #%llu", (unsigned long long)y->u.ref);
                    return 0;
                }
                *r = x->u.ref;
                *s = y->u.ref;
            }
            want = *s;
        }
        if (want == y->u.ref) return 1;
        snprintf(c->why, c->n_why, "#%llu: reference #%llu should be #%llu, is #%llu", (unsigned long long)aid,
                 (unsigned long long)x->u.ref, (unsigned long long)want, (unsigned long long)y->u.ref);
        return 0;
    }
    case P21_LIST: case P21_TYPED:
        if (x->len != y->len) {
            snprintf(c->why, c->n_why, "#%llu: list lengths %u vs %u", (unsigned long long)aid, x->len, y->len);
            return 0;
        }
        for (uint32_t i = 0; i < x->len; i++)
            if (!iso_value(c, &x->u.items[i], &y->u.items[i], aid, depth + 1)) return 0;
        return 1;
    }
    return 0;
}

/* 1 when B = new_ids(A); otherwise 0 with a reason in why. */
static inline int iso_check(const p21_doc *a, const p21_doc *b, const uint64_t *new_ids, char *why, size_t n_why) {
    size_t n = p21_doc_n_entities(a);
    if (n != p21_doc_n_entities(b)) {
        snprintf(why, n_why, "entity counts %zu vs %zu", n, p21_doc_n_entities(b));
        return 0;
    }
    iso_ctx c = {a, b, new_ids, p21_doc_entity(a, 0), {0}, {0}, why, n_why};
    uint8_t *used = calloc(n ? n : 1, 1);
    const p21_entity *bbase = p21_doc_entity(b, 0);
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        const p21_entity *ea = p21_doc_entity(a, i);
        const p21_entity *eb = p21_doc_find(b, new_ids[i]);
        if (!eb) { snprintf(why, n_why, "#%llu -> #%llu: not in B", (unsigned long long)ea->id, (unsigned long long)new_ids[i]); ok = 0; break; }
        if (used[eb - bbase]++) { snprintf(why, n_why, "two entities map to #%llu", (unsigned long long)eb->id); ok = 0; break; }
        if (ea->n_parts != eb->n_parts || (ea->flags & P21_ENT_COMPLEX) != (eb->flags & P21_ENT_COMPLEX)) {
            snprintf(why, n_why, "#%llu: shape differs", (unsigned long long)ea->id);
            ok = 0;
            break;
        }
        for (uint32_t p = 0; p < ea->n_parts && ok; p++) {
            if (strcmp(p21_doc_type_name(a, ea->parts[p].type), p21_doc_type_name(b, eb->parts[p].type))) {
                snprintf(why, n_why, "#%llu: type differs", (unsigned long long)ea->id);
                ok = 0;
            } else ok = iso_value(&c, &ea->parts[p].args, &eb->parts[p].args, ea->id, 0);
        }
    }
    free(used);
    free(c.dangling.k); free(c.dangling.v); free(c.dangling_rev.k); free(c.dangling_rev.v);
    return ok;
}

/* Annotation check. Returns 1 when fine, else 0 with why. Counts n_blocks. */
static inline int ann_check(const char *text, size_t *n_root_blocks, size_t *n_face_blocks, char *why, size_t n_why) {
    const char *p = text;
    long root_open = -1, face_open = -1, next_root = 1, next_face = 1;
    size_t cnt_root = 0, cnt_face = 0, want_root = 0, want_face = 0, lineno = 0;
    int in_data = 0;
    *n_root_blocks = *n_face_blocks = 0;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        lineno++;
        char line[1 << 16];
        size_t l = len < sizeof line - 1 ? len : sizeof line - 1;
        memcpy(line, p, l);
        line[l] = 0;
        if (!strcmp(line, "DATA;")) in_data = 1;
        if (in_data && line[0] == '#') { cnt_root++; cnt_face++; }
        if (!strncmp(line, "/* ", 3)) {
            if (strncmp(line + l - 3, " */", 3)) { snprintf(why, n_why, "line %zu: comment not alone", lineno); return 0; }
            long num;
            char kind[16];
            if (sscanf(line, "/* BEGIN %15s %ld", kind, &num) == 2) {
                const char *ent = strstr(line, " entities="), *ty = strstr(line, " types=");
                if (!ent || !ty || !strstr(line, " depth=")) { snprintf(why, n_why, "line %zu: BEGIN fields", lineno); return 0; }
                size_t want = strtoul(ent + 10, NULL, 10), sum = 0;
                for (const char *q = ty + 7; *q && *q != ' '; ) {
                    const char *colon = strchr(q, ':');
                    if (!colon) break;
                    char *after;
                    sum += strtoul(colon + 1, &after, 10);
                    q = *after == ',' ? after + 1 : after;
                }
                if (sum != want) { snprintf(why, n_why, "line %zu: types sum %zu != entities %zu", lineno, sum, want); return 0; }
                if (!strcmp(kind, "ROOT")) {
                    if (root_open >= 0 || num != next_root) { snprintf(why, n_why, "line %zu: ROOT numbering/nesting", lineno); return 0; }
                    root_open = num; cnt_root = 0; want_root = want;
                } else if (!strcmp(kind, "FACE")) {
                    if (root_open < 0 || face_open >= 0 || num != next_face) { snprintf(why, n_why, "line %zu: FACE numbering/nesting", lineno); return 0; }
                    face_open = num; cnt_face = 0; want_face = want;
                } else { snprintf(why, n_why, "line %zu: unknown block kind", lineno); return 0; }
            } else if (sscanf(line, "/* END %15s %ld", kind, &num) == 2) {
                if (!strcmp(kind, "ROOT")) {
                    if (root_open != num || face_open >= 0) { snprintf(why, n_why, "line %zu: END ROOT mismatch", lineno); return 0; }
                    if (cnt_root != want_root) { snprintf(why, n_why, "line %zu: ROOT %ld has %zu entities, says %zu", lineno, num, cnt_root, want_root); return 0; }
                    root_open = -1; next_root++; (*n_root_blocks)++;
                } else if (!strcmp(kind, "FACE")) {
                    if (face_open != num) { snprintf(why, n_why, "line %zu: END FACE mismatch", lineno); return 0; }
                    if (cnt_face != want_face) { snprintf(why, n_why, "line %zu: FACE %ld has %zu entities, says %zu", lineno, num, cnt_face, want_face); return 0; }
                    face_open = -1; next_face++; (*n_face_blocks)++;
                }
            }
        }
        p = e ? e + 1 : p + len;
    }
    if (root_open >= 0 || face_open >= 0) { snprintf(why, n_why, "unclosed block"); return 0; }
    return 1;
}

#endif
