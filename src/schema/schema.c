/* schema.c - lookups in the generated entity table (table.c). */
#include <stdio.h>
#include <string.h>

#include "schema_table.h"

/* Case-insensitive compare of name[0..len) with the NUL-terminated upper-case key. */
static int cmp_upper(const char *name, size_t len, const char *key) {
    for (size_t i = 0; i < len; i++) {
        unsigned char a = (unsigned char)name[i], b = (unsigned char)key[i];
        if (a >= 'a' && a <= 'z') a = (unsigned char)(a - 32);
        if (b == 0) return 1;
        if (a != b) return a < b ? -1 : 1;
    }
    return key[len] ? -1 : 0;
}

size_t schema_n_entities(void) { return schema_n_entities_; }

const schema_entity *schema_entity_at(size_t i) {
    return i < schema_n_entities_ ? &schema_entities_[i] : NULL;
}

const schema_entity *schema_entity_find(const char *name, size_t len) {
    size_t lo = 0, hi = schema_n_entities_;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_upper(name, len, schema_entities_[mid].name);
        if (c == 0) return &schema_entities_[mid];
        if (c < 0) hi = mid; else lo = mid + 1;
    }
    return NULL;
}

const schema_entity *schema_entity_super(const schema_entity *e, size_t k) {
    if (!e || k >= e->n_supers) return NULL;
    return &schema_entities_[schema_supers_[e->first_super + k]];
}

int schema_is_a(uint32_t sub, uint32_t super) {
    if (sub >= schema_n_entities_ || super >= schema_n_entities_) return 0;
    return (int)((schema_ancestors_[sub][super / 64] >> (super % 64)) & 1u);
}

const schema_slot *schema_entity_layout(const schema_entity *e) {
    return e ? &schema_layout_[e->first_layout] : NULL;
}

size_t schema_n_attrs(void) { return schema_n_attrs_; }

const schema_attr *schema_attr_at(size_t i) {
    return i < schema_n_attrs_ ? &schema_attrs_[i] : NULL;
}

const schema_entity *schema_attr_derived_by(const schema_attr *a, size_t k, int *maybe) {
    if (!a || k >= a->n_derived_by) return NULL;
    uint16_t d = schema_derived_by_[a->first_derived_by + k];
    if (maybe) *maybe = (d & 0x8000u) != 0;
    return &schema_entities_[d & 0x7FFFu];
}

size_t schema_n_types(void) { return schema_n_types_; }

const schema_type *schema_type_at(size_t i) {
    return i < schema_n_types_ ? &schema_types_[i] : NULL;
}

size_t schema_type_index(const schema_type *t) { return (size_t)(t - schema_types_); }

const schema_type *schema_type_find(const char *name, size_t len) {
    size_t lo = 0, hi = schema_n_named_types_;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const schema_type *t = &schema_types_[schema_named_types_[mid]];
        int c = cmp_upper(name, len, t->name);
        if (c == 0) return t;
        if (c < 0) hi = mid; else lo = mid + 1;
    }
    return NULL;
}

const char *schema_enum_value(const schema_type *t, size_t k) {
    if (!t || t->kind != SCHEMA_ENUM || k >= t->n) return NULL;
    return schema_enum_values_[t->first + k];
}

const schema_type *schema_select_item(const schema_type *t, size_t k) {
    if (!t || t->kind != SCHEMA_SELECT || k >= t->n) return NULL;
    return &schema_types_[schema_select_items_[t->first + k]];
}

int schema_mask_has(uint32_t mask, uint32_t e) {
    if (mask >= schema_n_masks_ || e >= schema_n_entities_) return 0;
    return (int)((schema_masks_[mask][e / 64] >> (e % 64)) & 1u);
}

int schema_entity_matches(const schema_type *t, uint32_t e) {
    if (!t || e >= schema_n_entities_) return 0;
    if (t->kind == SCHEMA_SELECT && t->any_ref) return 1;
    if (t->kind != SCHEMA_SELECT && t->kind != SCHEMA_ENTITY) return 0;
    const uint64_t *m = schema_masks_[t->mask], *a = schema_ancestors_[e];
    for (int w = 0; w < SCHEMA_MASK_WORDS; w++)
        if (m[w] & a[w]) return 1;
    return 0;
}

static const char *kind_word(int k) {
    switch (k) {
    case SCHEMA_REAL: return "REAL";
    case SCHEMA_INTEGER: return "INTEGER";
    case SCHEMA_NUMBER: return "NUMBER";
    case SCHEMA_STRING: return "STRING";
    case SCHEMA_LOGICAL: return "LOGICAL";
    case SCHEMA_BOOLEAN: return "BOOLEAN";
    case SCHEMA_BINARY: return "BINARY";
    case SCHEMA_ENUM: return "ENUMERATION";
    case SCHEMA_ENTITY: return "ENTITY";
    case SCHEMA_SELECT: return "SELECT";
    case SCHEMA_LIST: return "LIST";
    case SCHEMA_SET: return "SET";
    case SCHEMA_BAG: return "BAG";
    case SCHEMA_ARRAY: return "ARRAY";
    }
    return "?";
}

void schema_type_describe(const schema_type *t, char *out, size_t n_out) {
    if (!out || !n_out) return;
    out[0] = 0;
    if (!t) return;
    size_t len = 0;
    /* iterate down the aggregate nesting: "LIST [1:?] OF LIST [3:3] OF REAL" */
    while (t && len < n_out) {
        int k = t->kind;
        if (t->name[0]) {               /* a defined type: its name says it all */
            snprintf(out + len, n_out - len, "%s", t->name);
            return;
        }
        if (k == SCHEMA_ENTITY) {
            snprintf(out + len, n_out - len, "%s", schema_entities_[t->elem].name);
            return;
        }
        if (k == SCHEMA_SELECT && t->any_ref) {
            snprintf(out + len, n_out - len, "any entity");
            return;
        }
        if (k >= SCHEMA_LIST) {
            int w;
            if (t->hi < 0) w = snprintf(out + len, n_out - len, "%s [%d:?] OF ", kind_word(k), t->lo);
            else w = snprintf(out + len, n_out - len, "%s [%d:%d] OF ", kind_word(k), t->lo, t->hi);
            if (w < 0) return;
            len += (size_t)w;
            if (len >= n_out) return;
            t = &schema_types_[t->elem];
            continue;
        }
        snprintf(out + len, n_out - len, "%s", kind_word(k));
        return;
    }
}
