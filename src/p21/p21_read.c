/* p21_read.c - the Part 21 reader: one pass over the text, a hand-written lexer
 * and an iterative (explicit-stack) parser, so no input can exhaust the C stack.
 *
 * It never stops at the first problem: a syntax error inside an entity is
 * recorded, the parser skips to the next ';' outside strings and comments (or to
 * the next "#id=" when a ';' is missing), and goes on. Values point into the
 * document's copy of the text, so reading costs about one pass plus the value
 * arrays. What it deliberately does not do: check argument kinds against a schema
 * (schema/ does), decode strings (p21_string_decode does, on request). */
#include "p21_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void p21_read_opts_default(p21_read_opts *o) {
    o->max_file_bytes = 0;
    o->max_token_bytes = (size_t)64 << 20;
    o->max_depth = 256;
    o->max_entities = (uint64_t)1 << 31;
}

/* character classes */
enum { C_WS = 1, C_DIGIT = 2, C_UPPER = 4, C_LOWER = 8, C_HEX = 16 };
static unsigned char cls[256];
static void init_cls(void) {
    /* idempotent, safe to race: every thread writes the same values */
    if (cls['A']) return;
    unsigned char t[256] = {0};
    t[' '] = t['\t'] = t['\r'] = t['\n'] = C_WS;
    for (int c = '0'; c <= '9'; c++) t[c] = C_DIGIT | C_HEX;
    for (int c = 'A'; c <= 'Z'; c++) t[c] = C_UPPER;
    for (int c = 'a'; c <= 'z'; c++) t[c] = C_LOWER;
    for (int c = 'A'; c <= 'F'; c++) t[c] |= C_HEX;
    t['_'] = C_UPPER;
    memcpy(cls, t, sizeof t);
}

typedef struct reader {
    p21_doc *doc;
    const char *p, *end;      /* text is NUL-terminated at end */
    const char *line_start;
    uint32_t line;
    p21_read_opts o;
    uint64_t cur_id;          /* entity being parsed, for diagnostics */
    /* scratch value stack and frame stack for the iterative parser */
    p21_value *vs;
    size_t vs_n, vs_cap;
    struct frame { size_t start; uint8_t typed; uint32_t line, col; } *fs;
    size_t fs_n, fs_cap;
    int oom;
    int fatal;                /* stop: limit hit or out of memory */
    int warned_case;          /* warned about a lower-case section keyword */
    uint64_t *refs;           /* references of the entity being parsed, in text order */
    size_t refs_n, refs_cap;
} reader;

static inline uint32_t col_of(const reader *r, const char *p) { return (uint32_t)(p - r->line_start) + 1; }

static void diag_at(reader *r, const char *at, p21_severity sev, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void diag_at(reader *r, const char *at, p21_severity sev, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    p21__add_diagv(r->doc, sev, r->line, col_of(r, at), r->cur_id, fmt, ap);
    va_end(ap);
}

/* Describe the token at p for messages: "'#123=B_SPLINE'" or "end of file". */
static void near_text(const reader *r, const char *p, char *out, size_t n) {
    if (p >= r->end) { snprintf(out, n, "end of file"); return; }
    size_t k = 0;
    out[k++] = '\'';
    for (const char *q = p; q < r->end && k + 2 < n && k < 24; q++) {
        unsigned char c = (unsigned char)*q;
        if (c == '\n' || c == '\r') break;
        out[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[k++] = '\'';
    out[k] = 0;
}

static void syntax_error(reader *r, const char *at, const char *what) {
    char near[40];
    near_text(r, at, near, sizeof near);
    diag_at(r, at, P21_ERROR, "near %s: %s", near, what);
}

/* Skip whitespace and comments. Returns 0, or -1 on an unterminated comment or
 * a byte that cannot appear between tokens (reported). */
static void advance_to_end(reader *r, const char *from);

static int skip_ws_slow(reader *r) {
    for (;;) {
        const char *p = r->p;
        while (cls[(unsigned char)*p] & C_WS) {
            if (*p == '\n') { r->line++; r->line_start = p + 1; }
            p++;
        }
        r->p = p;
        if (p[0] == '/' && p[1] == '*') {
            const char *start = p;
            uint32_t sline = r->line;
            const char *sls = r->line_start;
            p += 2;
            while (p < r->end && !(p[0] == '*' && p[1] == '/')) {
                if (*p == '\n') { r->line++; r->line_start = p + 1; }
                p++;
            }
            if (p >= r->end) {
                r->line = sline; r->line_start = sls;
                diag_at(r, start, P21_ERROR, "unterminated comment");
                advance_to_end(r, start);
                return -1;
            }
            r->p = p + 2;
            continue;
        }
        return 0;
    }
}

static inline int skip_ws(reader *r) {
    unsigned char c = (unsigned char)*r->p;
    if (!(cls[c] & C_WS) && c != '/') return 0;
    return skip_ws_slow(r);
}

/* Move to the end of the text, keeping the line count right (after an
 * unterminated string or comment). */
static void advance_to_end(reader *r, const char *from) {
    for (const char *q = from; q < r->end; q++)
        if (*q == '\n') { r->line++; r->line_start = q + 1; }
    r->p = r->end;
}

/* ---- scratch stacks ------------------------------------------------------ */
static inline int vs_push(reader *r, p21_value v) {
    if (r->vs_n == r->vs_cap) {
        size_t nc = r->vs_cap ? r->vs_cap * 2 : 1024;
        p21_value *n = realloc(r->vs, nc * sizeof *n);
        if (!n) { r->oom = r->fatal = 1; return -1; }
        r->vs = n;
        r->vs_cap = nc;
    }
    r->vs[r->vs_n++] = v;
    return 0;
}

static int fs_push(reader *r, size_t start, int typed, const char *at) {
    if (r->fs_n >= r->o.max_depth) {
        diag_at(r, at, P21_ERROR, "lists nested deeper than %u levels", r->o.max_depth);
        return -1;
    }
    if (r->fs_n == r->fs_cap) {
        size_t nc = r->fs_cap ? r->fs_cap * 2 : 32;
        struct frame *n = realloc(r->fs, nc * sizeof *n);
        if (!n) { r->oom = r->fatal = 1; return -1; }
        r->fs = n;
        r->fs_cap = nc;
    }
    r->fs[r->fs_n++] = (struct frame){start, (uint8_t)typed, r->line, col_of(r, at)};
    return 0;
}

/* Pop values [start, vs_n) into an arena array. */
static int make_list(reader *r, size_t start, p21_value *out, uint8_t kind) {
    size_t n = r->vs_n - start;
    p21_value *items = NULL;
    if (n) {
        items = sl_arena_alloc(&r->doc->arena, n * sizeof *items);
        if (!items) { r->oom = r->fatal = 1; return -1; }
        memcpy(items, r->vs + start, n * sizeof *items);
    }
    r->vs_n = start;
    out->kind = kind;
    out->flags = 0;
    out->reserved = 0;
    out->len = (uint32_t)n;
    out->u.items = items;
    return 0;
}

/* ---- tokens --------------------------------------------------------------- */
/* keyword at r->p (caller checked first char): [A-Za-z_][A-Za-z0-9_]* */
static size_t keyword_len(const char *p) {
    const char *q = p;
    while (cls[(unsigned char)*q] & (C_UPPER | C_LOWER | C_DIGIT)) q++;
    return (size_t)(q - p);
}

/* Scan a string starting at the opening quote. Sets *v. -1 on error (reported). */
static int lex_string(reader *r, p21_value *v) {
    const char *start = r->p;
    uint32_t sline = r->line;
    const char *sls = r->line_start;
    const char *p = start + 1;
    int bad_byte = 0;
    for (;;) {
        const char *q = memchr(p, '\'', (size_t)(r->end - p));
        if (!q) {
            r->line = sline; r->line_start = sls;
            diag_at(r, start, P21_ERROR, "unterminated string");
            advance_to_end(r, start);
            return -1;
        }
        /* check the bytes of this stretch: line breaks, control bytes, UTF-8 */
        for (const char *s = p; s < q; s++) {
            unsigned char c = (unsigned char)*s;
            if (c >= 0x20 && c < 0x7f) continue;
            if (c == '\n') { r->line++; r->line_start = s + 1; continue; }
            if (c == '\r' || c == '\t') continue;
            if (c >= 0x80) {   /* validate UTF-8 sequence */
                int len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
                int ok = len > 0 && s + len <= q;
                for (int k = 1; ok && k < len; k++) ok = ((unsigned char)s[k] & 0xc0) == 0x80;
                if (ok) { s += len - 1; continue; }
            }
            if (!bad_byte) {
                bad_byte = 1;
                diag_at(r, s, P21_ERROR, c >= 0x80 ? "invalid UTF-8 byte 0x%02x in string" :
                        "control byte 0x%02x in string (use \\X\\ escapes)", c);
            }
        }
        if (q + 1 < r->end && q[1] == '\'') { p = q + 2; continue; }
        p = q;
        break;
    }
    size_t len = (size_t)(p - start - 1);
    if (len > r->o.max_token_bytes || len > UINT32_MAX) {
        r->line = sline; r->line_start = sls;
        diag_at(r, start, P21_ERROR, "string of %zu bytes is longer than the limit of %zu", len, r->o.max_token_bytes);
        r->p = p + 1;
        return -1;
    }
    v->kind = P21_STRING;
    v->flags = 0;
    v->reserved = 0;
    v->len = (uint32_t)len;
    v->u.text = start + 1;
    r->p = p + 1;
    return bad_byte ? -1 : 0;
}

/* Number at r->p: [+-]digits[.digits*][E[+-]digits]. -1 on error. */
static int lex_number(reader *r, p21_value *v) {
    const char *s = r->p, *p = s;
    if (*p == '+' || *p == '-') p++;
    if (!(cls[(unsigned char)*p] & C_DIGIT)) {
        syntax_error(r, s, *p == '.' ? "a real number must start with a digit" : "expected a number");
        return -1;
    }
    while (cls[(unsigned char)*p] & C_DIGIT) p++;
    int real = 0;
    if (*p == '.') {
        real = 1;
        p++;
        while (cls[(unsigned char)*p] & C_DIGIT) p++;
    }
    if (*p == 'E' || *p == 'e') {
        const char *e = p + 1;
        if (*e == '+' || *e == '-') e++;
        if (!(cls[(unsigned char)*e] & C_DIGIT)) { syntax_error(r, s, "malformed exponent"); return -1; }
        if (!real) { syntax_error(r, s, "a real number needs a decimal point before the exponent"); return -1; }
        while (cls[(unsigned char)*e] & C_DIGIT) e++;
        p = e;
    }
    if ((size_t)(p - s) > 4096) { syntax_error(r, s, "number longer than 4096 characters"); return -1; }
    v->kind = real ? P21_REAL : P21_INT;
    v->flags = 0;
    v->reserved = 0;
    v->len = (uint32_t)(p - s);
    v->u.text = s;
    r->p = p;
    return 0;
}

/* "#digits" -> id; -1 on error (overflow, zero). */
static int lex_id(reader *r, uint64_t *id) {
    const char *s = r->p, *p = s + 1;
    if (!(cls[(unsigned char)*p] & C_DIGIT)) { syntax_error(r, s, "expected digits after '#'"); return -1; }
    uint64_t x = 0;
    int over = 0;
    while (cls[(unsigned char)*p] & C_DIGIT) {
        if (x > (UINT64_MAX - 9) / 10) over = 1;
        else x = x * 10 + (uint64_t)(*p - '0');
        p++;
    }
    r->p = p;
    if (over) { diag_at(r, s, P21_ERROR, "entity id too large"); return -1; }
    if (x == 0) { diag_at(r, s, P21_ERROR, "entity id #0 is not allowed (ids start at 1)"); return -1; }
    *id = x;
    return 0;
}

/* Parse "(" params ")" starting at '(' into *out (a LIST). Iterative. 0 ok, -1 error. */
static int parse_list(reader *r, p21_value *out) {
    size_t base_vs = r->vs_n, base_fs = r->fs_n;
    if (fs_push(r, r->vs_n, 0, r->p)) goto fail;
    r->p++;
    int need_value = 0;   /* after ',' a value must follow */
    for (;;) {
        if (skip_ws(r)) goto fail;
        const char *t = r->p;
        unsigned char c = (unsigned char)*t;
        if (c == ')') {
            struct frame *f = &r->fs[r->fs_n - 1];
            if (f->typed && r->vs_n - f->start != 2) {
                syntax_error(r, t, "a typed parameter takes exactly one value");
                goto fail;
            }
            if (need_value) { syntax_error(r, t, "expected a parameter after ','"); goto fail; }
            p21_value v;
            if (make_list(r, f->start, &v, f->typed ? P21_TYPED : P21_LIST)) goto fail;
            r->fs_n--;
            r->p++;
            if (r->fs_n == base_fs) { *out = v; return 0; }
            if (vs_push(r, v)) goto fail;
            /* expect ',' or ')' */
            if (skip_ws(r)) goto fail;
            if (*r->p == ',') { r->p++; need_value = 1; continue; }
            if (*r->p != ')') { syntax_error(r, r->p, "expected ',' or ')'"); goto fail; }
            continue;
        }
        /* a value must follow unless the list is empty */
        if (r->fs[r->fs_n - 1].start != r->vs_n && !need_value) {
            syntax_error(r, t, "expected ',' or ')'");
            goto fail;
        }
        need_value = 0;
        p21_value v = {0};
        if (c == '(') {
            if (fs_push(r, r->vs_n, 0, t)) goto fail;
            r->p++;
            continue;
        } else if (c == '\'') {
            if (lex_string(r, &v)) goto fail;
        } else if (c == '#') {
            uint64_t id;
            if (lex_id(r, &id)) goto fail;
            v.kind = P21_REF;
            v.u.ref = id;
            if (r->refs_n == r->refs_cap) {
                size_t nc = r->refs_cap ? r->refs_cap * 2 : 64;
                uint64_t *nr = realloc(r->refs, nc * sizeof *nr);
                if (!nr) { r->oom = r->fatal = 1; goto fail; }
                r->refs = nr;
                r->refs_cap = nc;
            }
            r->refs[r->refs_n++] = id;
        } else if (c == '$') {
            v.kind = P21_NULL; r->p++;
        } else if (c == '*') {
            v.kind = P21_DERIVED; r->p++;
        } else if (c == '.') {
            const char *q = t + 1;
            size_t n = keyword_len(q);
            if (n == 0 || !(cls[(unsigned char)*q] & (C_UPPER | C_LOWER)) || q[n] != '.') {
                syntax_error(r, t, cls[(unsigned char)*q] & C_DIGIT ?
                             "a real number must start with a digit" : "malformed enumeration (expected .NAME.)");
                goto fail;
            }
            v.kind = P21_ENUM;
            v.len = (uint32_t)n;
            v.u.text = q;
            r->p = q + n + 1;
        } else if (c == '"') {
            const char *q = t + 1;
            while (cls[(unsigned char)*q] & C_HEX) q++;
            if (*q != '"' || q == t + 1 || t[1] > '3') {
                syntax_error(r, t, "malformed binary (expected \"[0-3][0-9A-F]*\")");
                goto fail;
            }
            if ((size_t)(q - t) > r->o.max_token_bytes) { syntax_error(r, t, "binary longer than the limit"); goto fail; }
            v.kind = P21_BINARY;
            v.len = (uint32_t)(q - t - 1);
            v.u.text = t + 1;
            r->p = q + 1;
        } else if ((cls[c] & C_DIGIT) || c == '+' || c == '-') {
            if (lex_number(r, &v)) goto fail;
        } else if ((cls[c] & (C_UPPER | C_LOWER)) || c == '!') {
            /* typed parameter KEYWORD(value) */
            const char *q = t + (c == '!');
            size_t n = keyword_len(q);
            if (n == 0) { syntax_error(r, t, "malformed keyword"); goto fail; }
            /* the name is interned so that p21_typed_name gives a NUL-terminated string */
            uint32_t ti = p21_doc_type_intern(r->doc, t, n + (size_t)(c == '!'));
            if (ti == UINT32_MAX) { r->oom = r->fatal = 1; goto fail; }
            p21_value kw = {.kind = P21_KEYWORD, .len = (uint32_t)(n + (size_t)(c == '!')),
                            .u.text = p21_doc_type_name(r->doc, ti)};
            r->p = q + n;
            if (skip_ws(r)) goto fail;
            if (*r->p != '(') { syntax_error(r, r->p, "expected '(' after a typed parameter's name"); goto fail; }
            if (fs_push(r, r->vs_n, 1, t)) goto fail;
            if (vs_push(r, kw)) goto fail;
            r->p++;
            need_value = 1;
            continue;
        } else if (c == 0 && t >= r->end) {
            syntax_error(r, t, "unexpected end of file inside a parameter list");
            goto fail;
        } else {
            char what[64];
            if (c < 0x20 || c >= 0x7f) snprintf(what, sizeof what, "unexpected byte 0x%02x", c);
            else snprintf(what, sizeof what, "unexpected character '%c'", c);
            syntax_error(r, t, what);
            goto fail;
        }
        if (vs_push(r, v)) goto fail;
        if (skip_ws(r)) goto fail;
        if (*r->p == ',') { r->p++; need_value = 1; continue; }
        if (*r->p != ')') {
            syntax_error(r, r->p, r->p >= r->end ? "unexpected end of file inside a parameter list" : "expected ',' or ')'");
            goto fail;
        }
    }
fail:
    r->vs_n = base_vs;
    r->fs_n = base_fs;
    return -1;
}

/* Error recovery: skip to just after the next ';' outside strings and comments,
 * or stop before a "#digits=" that starts a line's next instance. */
static void recover(reader *r) {
    const char *p = r->p;
    while (p < r->end) {
        char c = *p;
        if (c == ';') { r->p = p + 1; return; }
        if (c == '\n') { r->line++; r->line_start = p + 1; p++; continue; }
        if (c == '\'') {
            const char *q = memchr(p + 1, '\'', (size_t)(r->end - p - 1));
            if (!q) break;
            for (const char *s = p; s < q; s++) if (*s == '\n') { r->line++; r->line_start = s + 1; }
            p = q + 1;
            continue;
        }
        if (c == '/' && p[1] == '*') {
            const char *q = p + 2;
            while (q + 1 < r->end && !(q[0] == '*' && q[1] == '/')) { if (*q == '\n') { r->line++; r->line_start = q + 1; } q++; }
            p = q + 2 <= r->end ? q + 2 : r->end;
            continue;
        }
        if (c == '#' && p > r->p) {
            /* "#123=" after a line break means the next instance began */
            const char *b = p - 1;
            while (b > r->p && (*b == ' ' || *b == '\t' || *b == '\r')) b--;
            if (*b == '\n') {
                const char *q = p + 1;
                while (cls[(unsigned char)*q] & C_DIGIT) q++;
                while (*q == ' ' || *q == '\t') q++;
                if (q > p + 1 && *q == '=') { r->p = p; return; }
            }
        }
        p++;
    }
    r->p = r->end;
}

static int expect_char(reader *r, char c, const char *what) {
    if (skip_ws(r)) return -1;
    if (*r->p != c) { syntax_error(r, r->p, what); return -1; }
    r->p++;
    return 0;
}

/* keyword at current position (after skip_ws); returns length or 0 */
static size_t peek_keyword(reader *r) {
    unsigned char c = (unsigned char)*r->p;
    if (!(cls[c] & (C_UPPER | C_LOWER)) && c != '!') return 0;
    size_t n = keyword_len(r->p + (c == '!'));
    return n ? n + (c == '!') : 0;
}

/* Section keywords (HEADER, DATA, ENDSEC, ...). Part 21 writes them in upper
 * case; other spellings are accepted, as OpenCASCADE does, with one warning. */
static int match_word(reader *r, const char *w) {
    size_t n = strlen(w);
    if ((size_t)(r->end - r->p) < n || (cls[(unsigned char)r->p[n]] & (C_UPPER | C_LOWER | C_DIGIT)) ||
        r->p[n] == '-')
        return 0;
    if (!memcmp(r->p, w, n)) return 1;
    if (strncasecmp(r->p, w, n)) return 0;
    if (!r->warned_case) {
        r->warned_case = 1;
        uint64_t id = r->cur_id;
        r->cur_id = 0;
        diag_at(r, r->p, P21_WARNING, "keyword '%.*s' should be written in upper case", (int)n, r->p);
        r->cur_id = id;
    }
    return 1;
}

/* Parse one entity instance "#id=...;" at r->p ('#'). */
static void parse_entity(reader *r, uint16_t section) {
    p21_doc *d = r->doc;
    const char *start = r->p;
    uint32_t line = r->line, col = col_of(r, start);
    uint64_t id = 0;
    r->cur_id = 0;
    r->refs_n = 0;
    if (lex_id(r, &id)) { recover(r); return; }
    r->cur_id = id;
    if (expect_char(r, '=', "expected '=' after the entity id")) { recover(r); return; }
    if (skip_ws(r)) return;
    p21_part one, *parts = &one;
    uint32_t n_parts = 0;
    int complex = 0, ok = 1;
    size_t part_base = r->vs_n;   /* complex parts are staged on the value stack */
    if (*r->p == '(') {
        complex = 1;
        r->p++;
        for (;;) {
            if (skip_ws(r)) { ok = 0; break; }
            if (*r->p == ')') { r->p++; break; }
            const char *kt = r->p;
            size_t n = peek_keyword(r);
            if (!n) { syntax_error(r, kt, "expected an entity type name in a complex instance"); ok = 0; break; }
            r->p += n;
            if (skip_ws(r) || *r->p != '(') { syntax_error(r, r->p, "expected '(' after the type name"); ok = 0; break; }
            p21_value args;
            if (parse_list(r, &args)) { ok = 0; break; }
            uint32_t t = p21_doc_type_intern(d, kt, n);
            if (t == UINT32_MAX) { r->oom = r->fatal = 1; ok = 0; break; }
            /* stage: keyword value holding the type index, then the args */
            p21_value tv = {.kind = P21_KEYWORD, .len = t};
            if (vs_push(r, tv) || vs_push(r, args)) { ok = 0; break; }
            n_parts++;
        }
        if (ok && n_parts == 0) { syntax_error(r, start, "complex instance with no parts"); ok = 0; }
        if (ok) {
            parts = sl_arena_alloc(&d->arena, n_parts * sizeof *parts);
            if (!parts) { r->oom = r->fatal = 1; ok = 0; }
            else for (uint32_t i = 0; i < n_parts; i++) {
                parts[i].type = r->vs[part_base + 2 * i].len;
                parts[i].args = r->vs[part_base + 2 * i + 1];
            }
        }
        r->vs_n = part_base;
    } else {
        const char *kt = r->p;
        size_t n = peek_keyword(r);
        if (!n) { syntax_error(r, kt, "expected an entity type name"); ok = 0; }
        else {
            r->p += n;
            if (skip_ws(r) || *r->p != '(') { syntax_error(r, r->p, "expected '(' after the type name"); ok = 0; }
            else if (parse_list(r, &one.args)) ok = 0;
            else {
                one.type = p21_doc_type_intern(d, kt, n);
                if (one.type == UINT32_MAX) { r->oom = r->fatal = 1; ok = 0; }
                n_parts = 1;
                parts = sl_arena_alloc(&d->arena, sizeof *parts);
                if (!parts) { r->oom = r->fatal = 1; ok = 0; }
                else *parts = one;
            }
        }
    }
    if (ok) {
        if (skip_ws(r)) ok = 0;
        else if (*r->p == ';') r->p++;
        else {
            syntax_error(r, r->p, r->p >= r->end ? "unexpected end of file: expected ';'" : "expected ';' after the entity");
            ok = 0;
            /* a missing ';' before the next instance: keep this entity, resume there */
            const char *q = r->p;
            if (*q == '#') {
                q++;
                while (cls[(unsigned char)*q] & C_DIGIT) q++;
                while (*q == ' ' || *q == '\t') q++;
                if (*q == '=') ok = 2;
            }
        }
    }
    if (r->fatal) return;
    if ((uint64_t)d->n_ents >= r->o.max_entities) {
        diag_at(r, start, P21_ERROR, "more than %llu entities", (unsigned long long)r->o.max_entities);
        r->fatal = 1;
        return;
    }
    p21_entity *e = p21__ents_push(d);
    if (!e) { r->oom = r->fatal = 1; return; }
    e->id = id;
    e->line = line;
    e->col = col;
    e->section = section;
    if (ok) {
        e->parts = parts;
        e->n_parts = n_parts;
        e->flags = complex ? P21_ENT_COMPLEX : 0;
        /* the references were collected while parsing (text order) */
        e->n_refs = (uint32_t)r->refs_n;
        if (r->refs_n) {
            e->refs = sl_arena_alloc(&d->arena, r->refs_n * sizeof *e->refs);
            if (!e->refs) { r->oom = r->fatal = 1; return; }
            memcpy(e->refs, r->refs, r->refs_n * sizeof *e->refs);
        }
    } else {
        e->flags = P21_ENT_BAD;
    }
    int put = p21__map_put(d, id, (uint32_t)(d->n_ents - 1));
    if (put < 0) { r->oom = r->fatal = 1; return; }
    if (put == 1) {
        p21_entity *first = &d->ents[p21__map_get(d, id)];

        p21_doc_add_diag(d, P21_ERROR, line, col, id, "duplicate entity id #%llu (first defined at line %u)",
                         (unsigned long long)id, first->line);
        d->n_ents--;   /* keep the first definition only */
    }
    if (!ok) recover(r);
}

/* HEADER entries and DATA sections. */
static void parse_header_entry(reader *r) {
    const char *kt = r->p;
    size_t n = peek_keyword(r);
    uint32_t line = r->line, col = col_of(r, kt);
    r->p += n;
    p21_value args;
    if (skip_ws(r)) return;
    if (*r->p != '(') { syntax_error(r, r->p, "expected '(' after the header entity name"); recover(r); return; }
    if (parse_list(r, &args)) { recover(r); return; }
    if (expect_char(r, ';', "expected ';' after the header entity")) { recover(r); return; }
    p21_doc *d = r->doc;
    if (d->n_hdr == d->cap_hdr) {
        size_t nc = d->cap_hdr ? d->cap_hdr * 2 : 8;
        p21_header_entry *h = realloc(d->hdr, nc * sizeof *h);
        if (!h) { r->oom = r->fatal = 1; return; }
        d->hdr = h;
        d->cap_hdr = nc;
    }
    uint32_t t = p21_doc_type_intern(d, kt, n);
    if (t == UINT32_MAX) { r->oom = r->fatal = 1; return; }
    d->hdr[d->n_hdr++] = (p21_header_entry){t, args, line, col};
}

static int add_section(reader *r, p21_value params, uint32_t line, uint32_t col) {
    p21_doc *d = r->doc;
    if (d->n_secs >= 65535) { diag_at(r, r->p, P21_ERROR, "too many DATA sections"); r->fatal = 1; return -1; }
    if (d->n_secs == d->cap_secs) {
        size_t nc = d->cap_secs ? d->cap_secs * 2 : 4;
        p21_section *s = realloc(d->secs, nc * sizeof *s);
        if (!s) { r->oom = r->fatal = 1; return -1; }
        d->secs = s;
        d->cap_secs = nc;
    }
    d->secs[d->n_secs++] = (p21_section){params, line, col};
    return 0;
}

/* Section body: entries until ENDSEC. Returns 1 if ENDSEC; was seen. */
static int parse_section_body(reader *r, int is_data, uint16_t section) {
    for (;;) {
        if (r->fatal) return 0;
        if (skip_ws(r)) return 0;
        if (r->p >= r->end) {
            diag_at(r, r->p, P21_ERROR, "unexpected end of file: missing ENDSEC; of the %s section",
                    is_data ? "DATA" : "HEADER");
            return 0;
        }
        if (*r->p == '#' && is_data) { parse_entity(r, section); r->cur_id = 0; continue; }
        if (match_word(r, "ENDSEC")) {
            r->p += 6;
            if (expect_char(r, ';', "expected ';' after ENDSEC")) recover(r);
            return 1;
        }
        if (!is_data && peek_keyword(r)) {
            if (match_word(r, "DATA") || match_word(r, "END")) {
                diag_at(r, r->p, P21_ERROR, "missing ENDSEC; before this section");
                return 0;
            }
            parse_header_entry(r);
            continue;
        }
        if (is_data && (match_word(r, "DATA") ||
                        ((size_t)(r->end - r->p) >= 16 && !strncasecmp(r->p, "END-ISO-10303-21", 16)))) {
            diag_at(r, r->p, P21_ERROR, "missing ENDSEC; at the end of the DATA section");
            return 0;
        }
        r->cur_id = 0;
        syntax_error(r, r->p, is_data ? "expected an entity instance '#id=...;' or ENDSEC;" :
                                        "expected a header entity or ENDSEC;");
        const char *before = r->p;
        recover(r);
        if (r->p == before) r->p++;
    }
}

static void parse_file(reader *r) {
    p21_doc *d = r->doc;
    /* UTF-8 byte order mark */
    if (r->end - r->p >= 3 && !memcmp(r->p, "\xEF\xBB\xBF", 3)) { r->p += 3; r->line_start = r->p; }
    if (skip_ws(r)) return;
    if (!(r->end - r->p >= 12 && !strncasecmp(r->p, "ISO-10303-21", 12))) {
        syntax_error(r, r->p, "expected 'ISO-10303-21;' at the start of a STEP file");
        if (r->p >= r->end) return;
        /* be forgiving: look for HEADER; anyway */
    } else {
        r->p += 12;
        if (expect_char(r, ';', "expected ';' after ISO-10303-21")) recover(r);
    }
    int seen_header = 0, seen_end = 0, data_closed = 0;
    for (;;) {
        if (r->fatal) break;
        if (skip_ws(r)) break;
        if (r->p >= r->end) break;
        const char *kw = r->p;
        uint32_t line = r->line, col = col_of(r, kw);
        if (match_word(r, "HEADER")) {
            r->p += 6;
            if (expect_char(r, ';', "expected ';' after HEADER")) recover(r);
            if (seen_header) diag_at(r, kw, P21_ERROR, "second HEADER section");
            seen_header = 1;
            parse_section_body(r, 0, 0);
        } else if (match_word(r, "DATA")) {
            r->p += 4;
            p21_value params = {.kind = P21_NULL};
            if (skip_ws(r)) break;
            if (*r->p == '(') {
                if (parse_list(r, &params)) { recover(r); continue; }
                params.flags = 1;  /* explicit parameter list */
            }
            if (expect_char(r, ';', "expected ';' after DATA")) recover(r);
            if (!seen_header) diag_at(r, kw, P21_ERROR, "DATA section before the HEADER section");
            if (add_section(r, params, line, col)) break;
            data_closed = parse_section_body(r, 1, (uint16_t)(d->n_secs - 1));
        } else if (match_word(r, "ANCHOR") || match_word(r, "REFERENCE") || match_word(r, "SIGNATURE")) {
            diag_at(r, kw, P21_WARNING, "%.*s section is not supported and was skipped",
                    (int)keyword_len(kw), kw);
            const char *q = strstr(r->p, "ENDSEC");
            r->p = q ? q : r->end;
            if (q) { r->p += 6; if (expect_char(r, ';', "expected ';' after ENDSEC")) recover(r); }
        } else if (r->end - r->p >= 16 && !strncasecmp(r->p, "END-ISO-10303-21", 16)) {
            r->p += 16;
            if (expect_char(r, ';', "expected ';' after END-ISO-10303-21")) recover(r);
            seen_end = 1;
            if (skip_ws(r) == 0 && r->p < r->end)
                diag_at(r, r->p, P21_WARNING, "%zu bytes after END-ISO-10303-21; ignored",
                        (size_t)(r->end - r->p));
            break;
        } else if (*r->p == '#') {
            diag_at(r, kw, P21_ERROR, "entity instance outside a DATA section");
            recover(r);
        } else {
            syntax_error(r, kw, "expected HEADER;, DATA; or END-ISO-10303-21;");
            const char *before = r->p;
            recover(r);
            if (r->p == before) r->p++;
        }
    }
    if (r->fatal) return;
    r->cur_id = 0;
    if (!seen_header) diag_at(r, r->p, P21_ERROR, "missing HEADER section");
    if (!d->n_secs) diag_at(r, r->p, P21_ERROR, "missing DATA section");
    if (!seen_end) diag_at(r, r->p, P21_ERROR, "unexpected end of file: missing END-ISO-10303-21;");
    d->complete = seen_end && data_closed && d->n_secs > 0;
}

static sl_status finish(reader *r, p21_doc **out, sl_err *err) {
    p21_doc *d = r->doc;
    free(r->vs);
    free(r->fs);
    free(r->refs);
    if (r->oom) {
        p21_doc_free(d);
        *out = NULL;
        return sl_err_set(err, SL_ERR_NOMEM, "out of memory while reading");
    }
    *out = d;
    if (!d->n_errors) return SL_OK;
    const p21_diag *g = NULL;
    for (size_t i = 0; i < d->n_diags && !g; i++)
        if (d->diags[i].severity == P21_ERROR) g = &d->diags[i];
    if (err) {
        err->status = r->fatal ? SL_ERR_LIMIT : SL_ERR_SYNTAX;
        snprintf(err->file, sizeof err->file, "%s", d->name);
        err->line = g ? g->line : 0;
        err->col = g ? g->col : 0;
        err->id = g ? g->id : 0;
        if (g && g->id)
            snprintf(err->msg, sizeof err->msg, "#%llu: %s", (unsigned long long)g->id, g->msg);
        else
            snprintf(err->msg, sizeof err->msg, "%s", g ? g->msg : "error");
    }
    return r->fatal ? SL_ERR_LIMIT : SL_ERR_SYNTAX;
}

sl_status p21_doc_read_owned(const char *name, char *text, size_t n, const p21_read_opts *opts,
                             p21_doc **out, sl_err *err) {
    init_cls();
    *out = NULL;
    p21_doc *d = p21_doc_new(name);
    if (!d) { free(text); return sl_err_set(err, SL_ERR_NOMEM, "out of memory"); }
    d->text = text;
    d->n_text = n;
    reader r = {0};
    r.doc = d;
    if (opts) r.o = *opts;
    else p21_read_opts_default(&r.o);
    if (!r.o.max_token_bytes) r.o.max_token_bytes = (size_t)64 << 20;
    if (!r.o.max_depth) r.o.max_depth = 256;
    if (!r.o.max_entities) r.o.max_entities = (uint64_t)1 << 31;
    r.p = text;
    r.end = text + n;
    r.line_start = text;
    r.line = 1;
    if (r.o.max_file_bytes && n > r.o.max_file_bytes) {
        p21_doc_add_diag(d, P21_ERROR, 0, 0, 0, "file of %zu bytes is larger than the limit of %zu", n, r.o.max_file_bytes);
        r.fatal = 1;
    } else {
        parse_file(&r);
    }
    return finish(&r, out, err);
}

sl_status p21_doc_read_mem(const char *name, const char *text, size_t n, const p21_read_opts *opts,
                           p21_doc **out, sl_err *err) {
    char *copy = malloc(n + 1);
    if (!copy) { *out = NULL; return sl_err_set(err, SL_ERR_NOMEM, "out of memory"); }
    memcpy(copy, text, n);
    copy[n] = 0;
    return p21_doc_read_owned(name, copy, n, opts, out, err);
}

sl_status p21_doc_read_file(const char *path, const p21_read_opts *opts, p21_doc **out, sl_err *err) {
    char *data;
    size_t n;
    *out = NULL;
    sl_status s = sl_file_read(path, &data, &n, opts ? opts->max_file_bytes : 0, err);
    if (s != SL_OK) {
        if (err) snprintf(err->file, sizeof err->file, "%s", path);
        return s;
    }
    return p21_doc_read_owned(path, data, n, opts, out, err);
}
