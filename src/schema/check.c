/* check.c - validate a parsed Part 21 document against the schema table.
 *
 * Every entity is checked on its own (no recursion over the reference graph);
 * recursion inside one argument follows the nesting of the expected type (at
 * most a few levels), never the nesting of the value, so hostile input cannot
 * drive it deep. References are resolved with p21_doc_find and judged by the
 * ancestor sets of the target's parts. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_table.h"

#define NONE UINT32_MAX
#define COMPLEX (UINT32_MAX - 1)

/* problem codes: the severity policy lives in sev_of() */
enum {
    P_COUNT, P_KIND, P_REF_TYPE, P_ENUM, P_STAR, P_MISSING_SUPER, /* always errors */
    P_NULL, P_DERIVED_VALUE, P_BOUNDS, P_UNTYPED, P_TYPED_PLAIN, P_REAL_AS_INT,
    P_UNKNOWN_TYPED, P_ABSTRACT, P_ORDER, P_INT_AS_REAL, P_HEADER_KIND, /* lenient */
    P_UNKNOWN_TYPE                                                /* always a warning */
};

typedef struct wcount {
    uint64_t key;
    uint32_t count;
    char what[160];
} wcount;

typedef struct chk {
    p21_doc *doc;
    int strict;
    uint32_t cap;
    uint32_t *tmap;          /* doc type index -> schema entity index or NONE */
    uint8_t *twarned;
    const p21_entity *ents;  /* the doc's entity array (contiguous, file order) */
    size_t n_ents;
    uint32_t *etype;         /* per entity: schema index of a simple instance, COMPLEX or NONE */
    size_t n_types;
    size_t n_errors;
    wcount *wt;              /* open-addressing table of warning kinds */
    size_t wcap, wn;
    /* context of the attribute being checked */
    const p21_entity *e;
    uint32_t ttype;          /* doc type index of the part (name resolved when reporting) */
    uint32_t sidx;
    uint32_t attr_no;        /* 1-based position in the part's argument list */
    const schema_attr *attr;
    uint32_t path[8];        /* element positions inside nested aggregates (1-based) */
    int n_path;
} chk;

static int sev_of(const chk *c, int code) {
    if (code <= P_MISSING_SUPER) return P21_ERROR;
    if (code == P_UNKNOWN_TYPE) return P21_WARNING;
    return c->strict ? P21_ERROR : P21_WARNING;
}

static wcount *wslot(chk *c, uint64_t key) {
    if (c->wn * 2 >= c->wcap) {
        size_t ncap = c->wcap ? c->wcap * 2 : 256;
        wcount *nt = calloc(ncap, sizeof *nt);
        if (!nt) return NULL;
        for (size_t i = 0; i < c->wcap; i++) {
            if (!c->wt[i].count) continue;
            size_t h = (size_t)(c->wt[i].key * 0x9E3779B97F4A7C15ull >> 20) & (ncap - 1);
            while (nt[h].count) h = (h + 1) & (ncap - 1);
            nt[h] = c->wt[i];
        }
        free(c->wt);
        c->wt = nt;
        c->wcap = ncap;
    }
    size_t h = (size_t)(key * 0x9E3779B97F4A7C15ull >> 20) & (c->wcap - 1);
    while (c->wt[h].count && c->wt[h].key != key) h = (h + 1) & (c->wcap - 1);
    if (!c->wt[h].count) { c->wt[h].key = key; c->wn++; }
    return &c->wt[h];
}

/* Report a problem of the current entity. Warnings of one kind (entity type,
 * attribute, code) beyond the cap are only counted. */
static void report(chk *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void report(chk *c, int code, const char *fmt, ...) {
    int sev = sev_of(c, code);
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (sev == P21_ERROR) {
        c->n_errors++;
    } else if (c->cap && code != P_UNKNOWN_TYPE) {   /* unknown types: once per type anyway */
        uint64_t an = c->attr ? (uint64_t)(c->attr - schema_attrs_) + 1 : 0;
        uint64_t key = ((uint64_t)c->sidx << 40) ^ (an << 8) ^ (uint64_t)code;
        wcount *w = wslot(c, key);
        if (w) {
            if (w->count == 0) {
                snprintf(w->what, sizeof w->what, "%.159s", msg);
            }
            w->count++;
            if (w->count > c->cap) return;
        }
    }
    p21_doc_add_diag(c->doc, (p21_severity)sev, c->e ? c->e->line : 0, c->e ? c->e->col : 0,
                     c->e ? c->e->id : 0, "%s", msg);
}

/* "CARTESIAN_POINT: attribute 2 'coordinates' element 3" */
static void where(const chk *c, char *out, size_t n) {
    const char *tname = p21_doc_type_name(c->doc, c->ttype);
    if (!tname) tname = "?";
    if (!c->attr) { snprintf(out, n, "%s", tname); return; }
    int w = snprintf(out, n, "%s: attribute %u '%s'", tname, c->attr_no, c->attr->name);
    for (int k = 0; k < c->n_path && k < 8 && w > 0 && (size_t)w < n; k++) {
        int w2 = snprintf(out + w, n - (size_t)w, " element %u", c->path[k]);
        if (w2 < 0) break;
        w += w2;
    }
}

static const char *type_name_of(const chk *c, const p21_entity *t) {
    return t ? p21_entity_type_name(c->doc, t) : "undefined";
}

/* Name of a typed parameter NAME(x): items[0] is a keyword whose text is NOT
 * NUL-terminated (it points into the source), so always pass its length. */
static const char *typed_name(const p21_value *v, size_t *len) {
    if (v->kind != P21_TYPED || !v->u.items || v->u.items[0].kind != P21_KEYWORD) { *len = 1; return "?"; }
    *len = v->u.items[0].len;
    return v->u.items[0].u.text;
}

static void describe_value(const chk *c, const p21_value *v, char *out, size_t n) {
    int len = (int)(v->len > 24 ? 24 : v->len);
    switch (v->kind) {
    case P21_NULL: snprintf(out, n, "$"); break;
    case P21_DERIVED: snprintf(out, n, "*"); break;
    case P21_INT: snprintf(out, n, "INTEGER %.*s", len, v->u.text); break;
    case P21_REAL: snprintf(out, n, "REAL %.*s", len, v->u.text); break;
    case P21_STRING: snprintf(out, n, "STRING"); break;
    case P21_ENUM: snprintf(out, n, ".%.*s.", len, v->u.text); break;
    case P21_BINARY: snprintf(out, n, "BINARY"); break;
    case P21_REF: {
        const p21_entity *t = p21_doc_find(c->doc, v->u.ref);
        snprintf(out, n, "#%llu (%s)", (unsigned long long)v->u.ref, type_name_of(c, t));
        break;
    }
    case P21_LIST: snprintf(out, n, "LIST of %u", v->len); break;
    case P21_TYPED: {
        size_t tl;
        const char *tn = typed_name(v, &tl);
        snprintf(out, n, "%.*s(...)", (int)(tl > 64 ? 64 : tl), tn);
        break;
    }
    default: snprintf(out, n, "?"); break;
    }
}

static void bad_kind(chk *c, int code, const schema_type *t, const p21_value *v) {
    char w[256], exp[160], got[96];
    where(c, w, sizeof w);
    schema_type_describe(t, exp, sizeof exp);
    describe_value(c, v, got, sizeof got);
    report(c, code, "%s expects %s, got %s", w, exp, got);
}

/* Does value v fit type t at the top level of its kind (no recursion)? */
static int fits(const schema_type *t, const p21_value *v) {
    switch (t->kind) {
    case SCHEMA_REAL: case SCHEMA_NUMBER: return v->kind == P21_REAL || v->kind == P21_INT;
    case SCHEMA_INTEGER: return v->kind == P21_INT;
    case SCHEMA_STRING: return v->kind == P21_STRING;
    case SCHEMA_LOGICAL: case SCHEMA_BOOLEAN: case SCHEMA_ENUM: return v->kind == P21_ENUM;
    case SCHEMA_BINARY: return v->kind == P21_BINARY;
    case SCHEMA_LIST: case SCHEMA_SET: case SCHEMA_BAG: case SCHEMA_ARRAY: return v->kind == P21_LIST;
    }
    return 0;
}

static int enum_is(const p21_value *v, const char *s) {
    size_t n = strlen(s);
    if (v->len != n) return 0;
    for (size_t i = 0; i < n; i++) {
        char a = v->u.text[i];
        if (a >= 'a' && a <= 'z') a = (char)(a - 32);
        if (a != s[i]) return 0;
    }
    return 1;
}

/* schema entity index of a part's type (NONE if unknown) */
static uint32_t part_sidx(const chk *c, const p21_part *p) {
    return p->type < c->n_types ? c->tmap[p->type] : NONE;
}

static void check_ref(chk *c, const schema_type *t, const p21_value *v) {
    const p21_entity *tg = p21_doc_find(c->doc, v->u.ref);
    if (!tg) return;                 /* undefined: p21_doc_check_refs reports it */
    if (t->kind == SCHEMA_SELECT && t->any_ref) return;
    if (c->etype && tg >= c->ents && tg < c->ents + c->n_ents) {  /* simple target: no visit */
        uint32_t s = c->etype[tg - c->ents];
        if (s == NONE) return;
        if (s != COMPLEX) {
            if (!schema_entity_matches(t, s)) bad_kind(c, P_REF_TYPE, t, v);
            return;
        }
    }
    for (uint32_t k = 0; k < tg->n_parts; k++) {
        uint32_t s = part_sidx(c, &tg->parts[k]);
        if (s == NONE) return;       /* a type we do not know: cannot judge */
        if (schema_entity_matches(t, s)) return;
    }
    bad_kind(c, P_REF_TYPE, t, v);
}

static void check_val(chk *c, const schema_type *t, const p21_value *v, int depth);

/* Is the defined type named `name` (or one it is declared as) the alternative alt? */
static int typed_matches(const schema_type *named, const schema_type *alt) {
    for (int guard = 0; named && guard < 16; guard++) {
        if (named == alt) return 1;
        named = named->base >= 0 ? schema_type_at((size_t)named->base) : NULL;
    }
    return 0;
}

static void check_typed_in_select(chk *c, const schema_type *t, const p21_value *v, int depth) {
    size_t tl;
    const char *tn = typed_name(v, &tl);
    const p21_value *arg = p21_typed_arg(v);
    const schema_type *named = schema_type_find(tn, tl);
    if (named) {
        for (uint32_t k = 0; k < t->n; k++) {
            const schema_type *alt = schema_select_item(t, k);
            if (typed_matches(named, alt)) {
                if (arg) check_val(c, named, arg, depth + 1);
                return;
            }
        }
        bad_kind(c, P_KIND, t, v);
        return;
    }
    char w[256];
    where(c, w, sizeof w);
    report(c, P_UNKNOWN_TYPED, "%s: typed parameter %.*s is not a defined type of the schema table",
           w, (int)(tl > 64 ? 64 : tl), tn);
}

static void check_select(chk *c, const schema_type *t, const p21_value *v, int depth) {
    if (v->kind == P21_REF) {
        int has_ent = t->any_ref;
        const uint64_t *m = schema_masks_[t->mask];
        for (int i = 0; i < SCHEMA_MASK_WORDS && !has_ent; i++) has_ent = m[i] != 0;
        if (has_ent) check_ref(c, t, v);
        else bad_kind(c, P_KIND, t, v);
        return;
    }
    if (v->kind == P21_TYPED) { check_typed_in_select(c, t, v, depth); return; }
    if (v->kind == P21_NULL) {
        char w[256];
        where(c, w, sizeof w);
        report(c, P_NULL, "%s: $ inside an aggregate", w);
        return;
    }
    /* an untyped value: acceptable (with a warning) when some defined-type
     * alternative has that kind; Part 21 wants it written as NAME(value) */
    for (uint32_t k = 0; k < t->n; k++) {
        const schema_type *alt = schema_select_item(t, k);
        if (fits(alt, v)) {
            char w[256], got[96];
            where(c, w, sizeof w);
            describe_value(c, v, got, sizeof got);
            report(c, P_UNTYPED, "%s: untyped %s in SELECT %s (Part 21 writes %s(...))", w, got,
                   t->name[0] ? t->name : "", alt->name);
            check_val(c, alt, v, depth + 1);
            return;
        }
    }
    bad_kind(c, P_KIND, t, v);
}

/* A typed parameter where no SELECT is expected: tolerated when its defined type
 * has the expected kind (some writers type every measure). */
static void check_typed_plain(chk *c, const schema_type *t, const p21_value *v, int depth) {
    size_t tl;
    const char *tn = typed_name(v, &tl);
    const p21_value *arg = p21_typed_arg(v);
    const schema_type *named = schema_type_find(tn, tl);
    if (named && arg && (named->kind == t->kind || (t->kind == SCHEMA_REAL && named->kind == SCHEMA_NUMBER)
                         || (t->kind == SCHEMA_NUMBER && (named->kind == SCHEMA_REAL || named->kind == SCHEMA_INTEGER)))) {
        char w[256];
        where(c, w, sizeof w);
        report(c, P_TYPED_PLAIN, "%s: typed parameter %.*s(...) where a plain value is expected", w,
               (int)(tl > 64 ? 64 : tl), tn);
        check_val(c, t, arg, depth + 1);
        return;
    }
    bad_kind(c, P_KIND, t, v);
}

static void check_val(chk *c, const schema_type *t, const p21_value *v, int depth) {
    if (depth > 32) return;          /* the table nests far less; defensive */
    if (v->kind == P21_DERIVED) { bad_kind(c, P_STAR, t, v); return; }
    if (v->kind == P21_NULL) {
        char w[256];
        where(c, w, sizeof w);
        report(c, P_NULL, "%s: $ inside an aggregate or typed parameter", w);
        return;
    }
    if (v->kind == P21_TYPED && t->kind != SCHEMA_SELECT) { check_typed_plain(c, t, v, depth); return; }
    switch (t->kind) {
    case SCHEMA_REAL:
        if (v->kind == P21_REAL) return;
        if (v->kind == P21_INT) {
            if (c->strict) bad_kind(c, P_INT_AS_REAL, t, v);
            return;
        }
        break;
    case SCHEMA_NUMBER:
        if (v->kind == P21_REAL || v->kind == P21_INT) return;
        break;
    case SCHEMA_INTEGER:
        if (v->kind == P21_INT) return;
        if (v->kind == P21_REAL) {
            double x = p21_value_real(v);
            if (isfinite(x) && x == floor(x) && fabs(x) < 9.0e15) {
                bad_kind(c, P_REAL_AS_INT, t, v);
                return;
            }
        }
        break;
    case SCHEMA_STRING:
        if (v->kind == P21_STRING) return;
        break;
    case SCHEMA_BINARY:
        if (v->kind == P21_BINARY) return;
        break;
    case SCHEMA_LOGICAL:
    case SCHEMA_BOOLEAN:
        if (v->kind == P21_ENUM) {
            if (enum_is(v, "T") || enum_is(v, "F") || (t->kind == SCHEMA_LOGICAL && enum_is(v, "U"))) return;
            bad_kind(c, P_ENUM, t, v);
            return;
        }
        break;
    case SCHEMA_ENUM:
        if (v->kind == P21_ENUM) {
            if (t->any_ref) return;          /* enum(*): values not listed in the table */
            for (uint32_t k = 0; k < t->n; k++)
                if (enum_is(v, schema_enum_value(t, k))) return;
            bad_kind(c, P_ENUM, t, v);
            return;
        }
        break;
    case SCHEMA_ENTITY:
        if (v->kind == P21_REF) { check_ref(c, t, v); return; }
        break;
    case SCHEMA_SELECT:
        check_select(c, t, v, depth);
        return;
    case SCHEMA_LIST: case SCHEMA_SET: case SCHEMA_BAG: case SCHEMA_ARRAY:
        if (v->kind == P21_LIST) {
            if (v->len < (uint32_t)t->lo || (t->hi >= 0 && v->len > (uint32_t)t->hi)) {
                char w[256], exp[160];
                where(c, w, sizeof w);
                schema_type_describe(t, exp, sizeof exp);
                report(c, P_BOUNDS, "%s expects %s, got %u element%s", w, exp, v->len, v->len == 1 ? "" : "s");
            }
            const schema_type *el = schema_type_at(t->elem);
            int d = c->n_path++;
            int real_ok = el->kind == SCHEMA_REAL || el->kind == SCHEMA_NUMBER;
            for (uint32_t k = 0; k < v->len; k++) {
                const p21_value *it = &v->u.items[k];
                if (d < 8) c->path[d] = k + 1;
                /* fast paths for the bulk of real files: coordinates and references */
                if (real_ok && (it->kind == P21_REAL || (it->kind == P21_INT && !c->strict))) continue;
                if (el->kind == SCHEMA_ENTITY && it->kind == P21_REF) { check_ref(c, el, it); continue; }
                check_val(c, el, it, depth + 1);
            }
            c->n_path = d;
            return;
        }
        break;
    }
    bad_kind(c, P_KIND, t, v);
}

/* one attribute of the current part; derived: the instance redeclares it DERIVED */
static void check_slot(chk *c, const schema_attr *a, int derived, const p21_value *v) {
    c->attr = a;
    c->n_path = 0;
    const schema_type *t = schema_type_at(a->type);
    char w[256];
    if (derived == SCHEMA_MAYBE_DERIVED && v->kind == P21_DERIVED) return;
    if (derived == SCHEMA_DERIVED) {
        if (v->kind == P21_DERIVED) return;
        where(c, w, sizeof w);
        report(c, P_DERIVED_VALUE, "%s is DERIVED in this instance and should be written '*'", w);
        return;
    }
    if (v->kind == P21_NULL) {
        if (a->optional) return;
        where(c, w, sizeof w);
        report(c, P_NULL, "%s is not OPTIONAL but is $", w);
        return;
    }
    if (v->kind == P21_DERIVED) {
        where(c, w, sizeof w);
        report(c, P_STAR, "%s is not a derived attribute; '*' is not allowed", w);
        return;
    }
    check_val(c, t, v, 0);
}

static void list_attr_names(const schema_entity *se, int own, char *out, size_t n) {
    size_t len = 0;
    out[0] = 0;
    uint32_t cnt = own ? se->n_own : se->n_layout;
    for (uint32_t k = 0; k < cnt && len + 4 < n; k++) {
        const schema_attr *a = own ? schema_attr_at(se->first_own + k)
                                   : schema_attr_at(schema_entity_layout(se)[k].attr);
        int w = snprintf(out + len, n - len, "%s%s", k ? ", " : "", a->name);
        if (w < 0) break;
        len += (size_t)w;
    }
    if (len >= n) snprintf(out + n - 5, 5, "...");
}

static void unknown_type(chk *c, const p21_part *p) {
    if (p->type < c->n_types) {
        if (c->twarned[p->type]) return;
        c->twarned[p->type] = 1;
    }
    c->attr = NULL;
    uint32_t cnt = 0;                /* counted only here: unknown types are rare */
    size_t n = p21_doc_n_entities(c->doc);
    for (size_t i = 0; i < n; i++) {
        const p21_entity *e = p21_doc_entity(c->doc, i);
        for (uint32_t k = 0; k < e->n_parts; k++) cnt += e->parts[k].type == p->type;
    }
    report(c, P_UNKNOWN_TYPE, "unknown entity type %s (not in the schema table; %u instance%s not checked)",
           p21_doc_type_name(c->doc, p->type), cnt, cnt == 1 ? "" : "s");
}

static void check_simple(chk *c, const p21_entity *e) {
    const p21_part *p = &e->parts[0];
    uint32_t s = part_sidx(c, p);
    c->ttype = p->type;
    c->attr = NULL;
    if (s == NONE) { c->sidx = NONE; unknown_type(c, p); return; }
    const schema_entity *se = schema_entity_at(s);
    c->sidx = s;
    if (se->flags & SCHEMA_ABSTRACT)
        report(c, P_ABSTRACT, "%s is ABSTRACT and cannot be instantiated on its own", se->name);
    if (p->args.len != se->n_layout) {
        char names[400];
        list_attr_names(se, 0, names, sizeof names);
        report(c, P_COUNT, "%s expects %u argument%s (%s), got %u", se->name, se->n_layout,
               se->n_layout == 1 ? "" : "s", names, p->args.len);
        return;
    }
    const schema_slot *lay = schema_entity_layout(se);
    for (uint32_t k = 0; k < se->n_layout; k++) {
        c->attr_no = k + 1;
        check_slot(c, schema_attr_at(lay[k].attr), lay[k].derived, &p->args.u.items[k]);
    }
}

/* order used by Part 21 writers: plain byte order, or '_' sorting before letters */
static int name_cmp(const char *a, const char *b, int underscore_first) {
    for (;; a++, b++) {
        int x = (unsigned char)*a, y = (unsigned char)*b;
        if (underscore_first) { if (x == '_') x = 1; if (y == '_') y = 1; }
        if (x != y || !x) return x - y;
    }
}

static void check_complex(chk *c, const p21_entity *e) {
    uint64_t all[SCHEMA_MASK_WORDS] = {0};      /* every type the instance is */
    uint64_t present[SCHEMA_MASK_WORDS] = {0};  /* the types written as parts */
    int all_known = 1;
    c->sidx = NONE;
    c->attr = NULL;
    c->ttype = e->parts[0].type;
    for (uint32_t k = 0; k < e->n_parts; k++) {
        uint32_t s = part_sidx(c, &e->parts[k]);
        if (s == NONE) { all_known = 0; continue; }
        if ((present[s / 64] >> (s % 64)) & 1u) {
            c->ttype = e->parts[k].type;
            report(c, P_COUNT, "complex instance holds part %s twice", schema_entity_at(s)->name);
            return;
        }
        present[s / 64] |= (uint64_t)1 << (s % 64);
        for (int w = 0; w < SCHEMA_MASK_WORDS; w++) all[w] |= schema_ancestors_[s][w];
    }
    /* alphabetical order of the parts */
    int ascii = 1, usc = 1;
    for (uint32_t k = 1; k < e->n_parts; k++) {
        const char *a = p21_doc_type_name(c->doc, e->parts[k - 1].type);
        const char *b = p21_doc_type_name(c->doc, e->parts[k].type);
        if (name_cmp(a, b, 0) > 0) ascii = 0;
        if (name_cmp(a, b, 1) > 0) usc = 0;
    }
    if (!ascii && !usc)
        report(c, P_ORDER, "complex instance parts are not in alphabetical order");
    for (uint32_t k = 0; k < e->n_parts; k++) {
        const p21_part *p = &e->parts[k];
        uint32_t s = part_sidx(c, p);
        c->ttype = p->type;
        c->attr = NULL;
        if (s == NONE) { c->sidx = NONE; unknown_type(c, p); continue; }
        const schema_entity *se = schema_entity_at(s);
        c->sidx = s;
        /* every direct supertype must be a part too (Part 21 external mapping) */
        if (all_known) {
            for (uint32_t j = 0; j < se->n_supers; j++) {
                const schema_entity *sup = schema_entity_super(se, j);
                int found = (int)((present[sup->index / 64] >> (sup->index % 64)) & 1u);
                if (!found)
                    report(c, P_MISSING_SUPER, "complex instance has part %s but not its supertype %s",
                           se->name, sup->name);
            }
        }
        if (p->args.len != se->n_own) {
            char names[400];
            list_attr_names(se, 1, names, sizeof names);
            report(c, P_COUNT, "part %s of a complex instance expects %u argument%s%s%s%s, got %u",
                   se->name, se->n_own, se->n_own == 1 ? "" : "s", se->n_own ? " (" : "", names,
                   se->n_own ? ")" : "", p->args.len);
            continue;
        }
        for (uint32_t q = 0; q < se->n_own; q++) {
            const schema_attr *a = schema_attr_at(se->first_own + q);
            int derived = SCHEMA_NOT_DERIVED;
            for (uint32_t d = 0; d < a->n_derived_by && derived != SCHEMA_DERIVED; d++) {
                uint32_t raw = schema_derived_by_[a->first_derived_by + d], di = raw & 0x7FFFu;
                if ((all[di / 64] >> (di % 64)) & 1u)
                    derived = (raw & 0x8000u) ? SCHEMA_MAYBE_DERIVED : SCHEMA_DERIVED;
            }
            c->attr_no = q + 1;
            check_slot(c, a, derived, &p->args.u.items[q]);
        }
    }
}

/* ---- HEADER section (ISO 10303-21 header_section_schema) --------------------- */
/* Argument kinds: 'S' string, 'L' list of strings, '*' anything. Counts and
 * missing entities are errors; kinds are lenient (the Zoo/KittyCAD exporter
 * writes FILE_DESCRIPTION((('...')),'2;1'), a list inside the list). */
static const struct { const char *name; const char *args; const char *names; int required; } header_sig[] = {
    {"FILE_DESCRIPTION", "LS", "description, implementation_level", 1},
    {"FILE_NAME", "SSLLSSS", "name, time_stamp, author, organization, preprocessor_version, "
                             "originating_system, authorization", 1},
    {"FILE_SCHEMA", "L", "schema_identifiers", 1},
    {"FILE_POPULATION", "SS*", "governing_schema, determination_method, governed_sections", 0},
    {"SECTION_LANGUAGE", "S", "default_language", 0},
    {"SECTION_CONTEXT", "SL", "section, context_identifiers", 0},
};
#define N_HEADER_SIG (sizeof header_sig / sizeof header_sig[0])

static void header_report(chk *c, const p21_header_entry *h, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void header_report(chk *c, const p21_header_entry *h, int code, const char *fmt, ...) {
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int sev = sev_of(c, code);
    if (sev == P21_ERROR) c->n_errors++;
    p21_doc_add_diag(c->doc, (p21_severity)sev, h ? h->line : 0, h ? h->col : 0, 0, "%s", msg);
}

static const char *kind_name(int k) {
    switch (k) {
    case P21_NULL: return "$";
    case P21_DERIVED: return "*";
    case P21_INT: return "INTEGER";
    case P21_REAL: return "REAL";
    case P21_STRING: return "STRING";
    case P21_ENUM: return "ENUMERATION";
    case P21_BINARY: return "BINARY";
    case P21_REF: return "reference";
    case P21_LIST: return "LIST";
    case P21_TYPED: return "typed parameter";
    }
    return "?";
}

static void check_header(chk *c) {
    size_t n = p21_doc_n_header(c->doc);
    if (n == 0) return;                       /* a document built in code */
    int seen[N_HEADER_SIG] = {0};
    for (size_t i = 0; i < n; i++) {
        const p21_header_entry *h = p21_doc_header(c->doc, i);
        const char *nm = p21_doc_type_name(c->doc, h->type);
        size_t k = 0;
        while (k < N_HEADER_SIG && (!nm || strcmp(nm, header_sig[k].name))) k++;
        if (k == N_HEADER_SIG) {
            header_report(c, h, P_UNKNOWN_TYPE, "unknown HEADER entity %s", nm ? nm : "?");
            continue;
        }
        seen[k] = 1;
        const char *sig = header_sig[k].args;
        uint32_t want = (uint32_t)strlen(sig);
        if (h->args.kind != P21_LIST || h->args.len != want) {
            header_report(c, h, P_COUNT, "HEADER %s expects %u argument%s (%s), got %u", nm, want,
                          want == 1 ? "" : "s", header_sig[k].names, h->args.kind == P21_LIST ? h->args.len : 0);
            continue;
        }
        for (uint32_t a = 0; a < want; a++) {
            const p21_value *v = &h->args.u.items[a];
            char kind = sig[a];
            if (kind == '*') continue;
            if (v->kind == P21_NULL) {
                header_report(c, h, P_NULL, "HEADER %s: argument %u is $", nm, a + 1);
                continue;
            }
            int ok = kind == 'S' ? v->kind == P21_STRING : v->kind == P21_LIST;
            if (ok && kind == 'L')
                for (uint32_t q = 0; q < v->len && ok; q++) ok = v->u.items[q].kind == P21_STRING;
            if (!ok)
                header_report(c, h, P_HEADER_KIND, "HEADER %s: argument %u expects %s, got %s", nm, a + 1,
                              kind == 'S' ? "STRING" : "LIST OF STRING",
                              v->kind == P21_LIST ? "LIST with other than strings" : kind_name(v->kind));
        }
    }
    for (size_t k = 0; k < N_HEADER_SIG; k++)
        if (header_sig[k].required && !seen[k])
            header_report(c, NULL, P_COUNT, "HEADER lacks %s", header_sig[k].name);
}

void schema_check_opts_default(schema_check_opts *o) {
    memset(o, 0, sizeof *o);
    o->strict = 0;
    o->max_similar_warnings = 10;
}

size_t schema_check_doc(p21_doc *doc, const schema_check_opts *o) {
    schema_check_opts def;
    if (!o) { schema_check_opts_default(&def); o = &def; }
    if (!doc) return 0;
    chk c;
    memset(&c, 0, sizeof c);
    c.doc = doc;
    c.strict = o->strict;
    c.cap = o->max_similar_warnings;
    c.n_types = p21_doc_n_types(doc);
    c.tmap = malloc((c.n_types + 1) * sizeof *c.tmap);
    c.twarned = calloc(c.n_types + 1, 1);
    if (!c.tmap || !c.twarned) {
        free(c.tmap); free(c.twarned);
        p21_doc_add_diag(doc, P21_ERROR, 0, 0, 0, "schema check: out of memory");
        return 1;
    }
    for (size_t i = 0; i < c.n_types; i++) {
        const char *nm = p21_doc_type_name(doc, (uint32_t)i);
        const schema_entity *se = nm ? schema_entity_find(nm, strlen(nm)) : NULL;
        c.tmap[i] = se ? se->index : NONE;
    }
    check_header(&c);
    size_t n = p21_doc_n_entities(doc);
    c.ents = n ? p21_doc_entity(doc, 0) : NULL;
    c.n_ents = n;
    c.etype = n ? malloc(n * sizeof *c.etype) : NULL;   /* optional: a speed-up only */
    for (size_t i = 0; c.etype && i < n; i++) {
        const p21_entity *e = p21_doc_entity(doc, i);
        if (e != c.ents + i) { free(c.etype); c.etype = NULL; break; }  /* not one array */
        c.etype[i] = e->n_parts == 1 && !(e->flags & P21_ENT_COMPLEX) ? part_sidx(&c, &e->parts[0])
                   : e->n_parts ? COMPLEX : NONE;
    }
    for (size_t i = 0; i < n; i++) {
        const p21_entity *e = p21_doc_entity(doc, i);
        if ((e->flags & P21_ENT_BAD) || e->n_parts == 0) continue;
        c.e = e;
        if (!(e->flags & P21_ENT_COMPLEX) && e->n_parts == 1) check_simple(&c, e);
        else check_complex(&c, e);
    }
    /* summaries of capped warnings, in a deterministic order (by first message) */
    c.e = NULL;
    size_t n_sum = 0;
    for (size_t i = 0; i < c.wcap; i++)
        if (c.wt[i].count > c.cap) n_sum++;
    if (n_sum) {
        wcount **v = malloc(n_sum * sizeof *v);
        if (v) {
            size_t m = 0;
            for (size_t i = 0; i < c.wcap; i++)
                if (c.wt[i].count > c.cap) v[m++] = &c.wt[i];
            for (size_t i = 1; i < m; i++)          /* insertion sort: few entries */
                for (size_t j = i; j > 0 && strcmp(v[j - 1]->what, v[j]->what) > 0; j--) {
                    wcount *t = v[j]; v[j] = v[j - 1]; v[j - 1] = t;
                }
            for (size_t i = 0; i < m; i++)
                p21_doc_add_diag(doc, P21_WARNING, 0, 0, 0, "%u more warnings like: %s",
                                 v[i]->count - c.cap, v[i]->what);
            free(v);
        }
    }
    free(c.wt);
    free(c.etype);
    free(c.tmap);
    free(c.twarned);
    return c.n_errors;
}
