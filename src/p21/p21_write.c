/* p21_write.c - canonical Part 21 text, and the string codec.
 *
 * Canonical form: "ISO-10303-21;" / "HEADER;" / one header entity per line /
 * "ENDSEC;" / per DATA section "DATA;" (or "DATA(params);") / one entity per line
 * "#id=TYPE(a,b);" or "#id=(A(..)B(..));" / "ENDSEC;" / "END-ISO-10303-21;", with
 * no spaces and "\n" line ends. Numbers are written as stored (source spelling
 * unless rewritten). A string whose raw form holds only printable ASCII is written
 * as it is; otherwise it is decoded and re-encoded (\X2\ for non-ASCII), so that
 * the output is always legal Part 21 and writing twice gives the same bytes. */
#include "p21_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- string codec ----------------------------------------------------------- */
static void put_utf8(sl_buf *b, uint32_t cp) {
    char t[4];
    size_t n;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp < 0x80) { t[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { t[0] = (char)(0xC0 | (cp >> 6)); t[1] = (char)(0x80 | (cp & 63)); n = 2; }
    else if (cp < 0x10000) {
        t[0] = (char)(0xE0 | (cp >> 12)); t[1] = (char)(0x80 | ((cp >> 6) & 63));
        t[2] = (char)(0x80 | (cp & 63)); n = 3;
    } else {
        t[0] = (char)(0xF0 | (cp >> 18)); t[1] = (char)(0x80 | ((cp >> 12) & 63));
        t[2] = (char)(0x80 | ((cp >> 6) & 63)); t[3] = (char)(0x80 | (cp & 63)); n = 4;
    }
    sl_buf_append(b, t, n);
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* parse k hex digits at s; -1 if not all hex */
static long hexn(const char *s, const char *e, int k) {
    if (e - s < k) return -1;
    long v = 0;
    for (int i = 0; i < k; i++) {
        int h = hexval(s[i]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Decode one UTF-8 sequence at s (< e). Returns length, or 0 if invalid. */
static int utf8_seq(const unsigned char *s, const unsigned char *e, uint32_t *cp) {
    unsigned c = s[0];
    int len;
    uint32_t v;
    if (c < 0x80) { *cp = c; return 1; }
    if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; }
    else return 0;
    if (e - s < len) return 0;
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
        (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

sl_status p21_string_decode(const char *raw, size_t n, sl_buf *out, sl_err *err) {
    const char *s = raw, *e = raw + n;
    sl_status st = SL_OK;
    while (s < e) {
        unsigned char c = (unsigned char)*s;
        if (c == '\'') {              /* '' -> ' */
            sl_buf_putc(out, '\'');
            s += (s + 1 < e && s[1] == '\'') ? 2 : 1;
            continue;
        }
        if (c == '\n' || c == '\r') { s++; continue; }   /* line breaks are not part of strings */
        if (c >= 0x80) {
            uint32_t cp;
            int len = utf8_seq((const unsigned char *)s, (const unsigned char *)e, &cp);
            if (len) { sl_buf_append(out, s, (size_t)len); s += len; }
            else {                    /* not UTF-8: read the byte as ISO 8859-1 */
                put_utf8(out, c);
                s++;
                if (st == SL_OK) st = sl_err_set(err, SL_ERR_SYNTAX, "invalid UTF-8 byte 0x%02x in string", c);
            }
            continue;
        }
        if (c != '\\') { sl_buf_putc(out, (char)c); s++; continue; }
        /* escapes */
        if (s + 1 < e && s[1] == '\\') { sl_buf_putc(out, '\\'); s += 2; continue; }
        if (e - s >= 4 && s[1] == 'X' && s[2] == '\\') {           /* \X\hh */
            long v = hexn(s + 3, e, 2);
            if (v >= 0) { put_utf8(out, (uint32_t)v); s += 5; continue; }
        } else if (e - s >= 4 && s[1] == 'X' && (s[2] == '2' || s[2] == '4') && s[3] == '\\') {
            int k = s[2] == '2' ? 4 : 8;
            const char *q = s + 4;
            int ok = 1;
            uint32_t hi = 0;
            sl_buf tmp;
            sl_buf_init(&tmp);
            while (q < e && *q != '\\') {
                long v = hexn(q, e, k);
                if (v < 0) { ok = 0; break; }
                uint32_t u = (uint32_t)v;
                if (k == 4 && u >= 0xD800 && u <= 0xDBFF) { hi = u; q += k; continue; }
                if (k == 4 && u >= 0xDC00 && u <= 0xDFFF && hi) u = 0x10000 + ((hi - 0xD800) << 10) + (u - 0xDC00);
                hi = 0;
                put_utf8(&tmp, u);
                q += k;
            }
            if (ok && e - q >= 4 && !memcmp(q, "\\X0\\", 4)) {
                sl_buf_append(out, tmp.data ? tmp.data : "", tmp.len);
                sl_buf_release(&tmp);
                s = q + 4;
                continue;
            }
            sl_buf_release(&tmp);
        } else if (e - s >= 4 && s[1] == 'S' && s[2] == '\\') {     /* \S\c -> c + 128 */
            unsigned char ch = (unsigned char)s[3];
            if (ch >= 0x20 && ch < 0x7f) { put_utf8(out, ch + 128u); s += 4; continue; }
        } else if (e - s >= 4 && s[1] == 'P' && s[3] == '\\' && s[2] >= 'A' && s[2] <= 'I') {
            s += 4;                   /* code page switch: \S\ is read as ISO 8859-1 */
            continue;
        } else if (e - s >= 3 && s[1] == 'N' && s[2] == '\\') {    /* \N\ newline (ed. 3) */
            sl_buf_putc(out, '\n');
            s += 3;
            continue;
        }
        /* unknown escape: keep the backslash literally (common in Windows paths) */
        sl_buf_putc(out, '\\');
        s++;
        if (st == SL_OK) st = sl_err_set(err, SL_ERR_SYNTAX, "unrecognised escape sequence in string");
    }
    return st;
}

void p21_string_encode(const char *utf8, size_t n, sl_buf *out) {
    const unsigned char *s = (const unsigned char *)utf8, *e = s + n;
    while (s < e) {
        unsigned c = *s;
        if (c >= 0x20 && c < 0x7f) {
            if (c == '\'') sl_buf_puts(out, "''");
            else if (c == '\\') sl_buf_puts(out, "\\\\");
            else sl_buf_putc(out, (char)c);
            s++;
            continue;
        }
        uint32_t cp;
        int len = c < 0x80 ? 0 : utf8_seq(s, e, &cp);
        if (!len) {                    /* control byte or invalid UTF-8 byte */
            sl_buf_printf(out, "\\X\\%02X", c);
            s++;
            continue;
        }
        /* a run of non-ASCII code points in one \X2\ or \X4\ group */
        int wide = 0;
        const unsigned char *q = s;
        while (q < e && *q >= 0x80) {
            int l = utf8_seq(q, e, &cp);
            if (!l) break;
            if (cp > 0xFFFF) wide = 1;
            q += l;
        }
        sl_buf_puts(out, wide ? "\\X4\\" : "\\X2\\");
        while (s < q) {
            int l = utf8_seq(s, e, &cp);
            if (wide) sl_buf_printf(out, "%08X", cp);
            else sl_buf_printf(out, "%04X", cp);
            s += l;
        }
        sl_buf_puts(out, "\\X0\\");
    }
}

/* ---- writer ------------------------------------------------------------------ */
static int raw_is_printable(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f) return 0;
    }
    return 1;
}

static void write_string(const p21_value *v, sl_buf *out) {
    sl_buf_putc(out, '\'');
    if (raw_is_printable(v->u.text, v->len)) {
        sl_buf_append(out, v->u.text, v->len);
    } else {
        sl_buf tmp;
        sl_buf_init(&tmp);
        p21_string_decode(v->u.text, v->len, &tmp, NULL);
        p21_string_encode(tmp.data ? tmp.data : "", tmp.len, out);
        sl_buf_release(&tmp);
    }
    sl_buf_putc(out, '\'');
}

/* Iterative over nested lists: an explicit stack of (list, next index). */
void p21_value_write(const p21_doc *d, const p21_value *v, sl_buf *out) {
    struct fr { const p21_value *list; uint32_t i; } stack[32], *st = stack;
    size_t sp = 0, cap = 32;
    const p21_value *cur = v;
    for (;;) {
        if (cur) {
            switch (cur->kind) {
            case P21_NULL: sl_buf_putc(out, '$'); break;
            case P21_DERIVED: sl_buf_putc(out, '*'); break;
            case P21_INT: case P21_REAL: case P21_KEYWORD: sl_buf_append(out, cur->u.text, cur->len); break;
            case P21_STRING: write_string(cur, out); break;
            case P21_ENUM: sl_buf_putc(out, '.'); sl_buf_append(out, cur->u.text, cur->len); sl_buf_putc(out, '.'); break;
            case P21_BINARY: sl_buf_putc(out, '"'); sl_buf_append(out, cur->u.text, cur->len); sl_buf_putc(out, '"'); break;
            case P21_REF: sl_buf_printf(out, "#%llu", (unsigned long long)cur->u.ref); break;
            case P21_LIST: case P21_TYPED:
                if (cur->kind == P21_TYPED) sl_buf_append(out, cur->u.items[0].u.text, cur->u.items[0].len);
                sl_buf_putc(out, '(');
                if (sp == cap) {
                    size_t nc = cap * 2;
                    struct fr *ns = st == stack ? malloc(nc * sizeof *ns) : realloc(st, nc * sizeof *ns);
                    if (!ns) { out->failed = 1; goto done; }
                    if (st == stack) memcpy(ns, stack, sizeof stack);
                    st = ns;
                    cap = nc;
                }
                st[sp++] = (struct fr){cur, cur->kind == P21_TYPED ? 1u : 0u};
                break;
            }
            cur = NULL;
        }
        if (!sp) break;
        struct fr *f = &st[sp - 1];
        if (f->i == f->list->len) {
            sl_buf_putc(out, ')');
            sp--;
            continue;
        }
        if (f->i > (f->list->kind == P21_TYPED ? 1u : 0u)) sl_buf_putc(out, ',');
        cur = &f->list->u.items[f->i++];
    }
done:
    if (st != stack) free(st);
    (void)d;
}

void p21_entity_write(const p21_doc *d, const p21_entity *e, sl_buf *out) {
    sl_buf_printf(out, "#%llu=", (unsigned long long)e->id);
    int complex = (e->flags & P21_ENT_COMPLEX) != 0;
    if (complex) sl_buf_putc(out, '(');
    for (uint32_t i = 0; i < e->n_parts; i++) {
        sl_buf_puts(out, d->type_names[e->parts[i].type]);
        p21_value_write(d, &e->parts[i].args, out);
    }
    if (complex) sl_buf_putc(out, ')');
    sl_buf_putc(out, ';');
}

void p21_doc_write(const p21_doc *d, const p21_write_opts *opts, sl_buf *out) {
    (void)opts;
    sl_buf_puts(out, "ISO-10303-21;\nHEADER;\n");
    for (size_t i = 0; i < d->n_hdr; i++) {
        sl_buf_puts(out, d->type_names[d->hdr[i].type]);
        p21_value_write(d, &d->hdr[i].args, out);
        sl_buf_puts(out, ";\n");
    }
    sl_buf_puts(out, "ENDSEC;\n");
    size_t n_secs = d->n_secs ? d->n_secs : 1;
    for (size_t s = 0; s < n_secs; s++) {
        sl_buf_puts(out, "DATA");
        if (s < d->n_secs && d->secs[s].params.kind == P21_LIST) p21_value_write(d, &d->secs[s].params, out);
        sl_buf_puts(out, ";\n");
        for (size_t i = 0; i < d->n_ents; i++) {
            const p21_entity *e = &d->ents[i];
            if (e->section != s || !e->n_parts) continue;
            p21_entity_write(d, e, out);
            sl_buf_putc(out, '\n');
        }
        sl_buf_puts(out, "ENDSEC;\n");
    }
    sl_buf_puts(out, "END-ISO-10303-21;\n");
}

sl_status p21_doc_write_file(const p21_doc *d, const p21_write_opts *opts, const char *path, sl_err *err) {
    sl_buf b;
    sl_buf_init(&b);
    p21_doc_write(d, opts, &b);
    if (b.failed) {
        sl_buf_release(&b);
        return sl_err_set(err, SL_ERR_NOMEM, "out of memory writing '%s'", path);
    }
    sl_status s = sl_file_write_atomic(path, b.data, b.len, err);
    sl_buf_release(&b);
    return s;
}
