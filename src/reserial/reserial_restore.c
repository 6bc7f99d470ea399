/* reserial_restore.c - annotated text back to a plain canonical Part 21 file.
 * steplm annotations are comments, which the reader skips. The stepllm format also
 * needs two textual repairs before it parses: the "#ID_k" placeholders on a
 * MECHANICAL_DESIGN_GEOMETRIC_PRESENTATION_REPRESENTATION line are replaced by the
 * ids of the "/ * ID_k = n * /" lines that follow it (up to the next such line),
 * and the unified colour's empty first parameter "COLOUR_RGB( ," gets the name ''. */
#include "reserial_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MDGPR "MECHANICAL_DESIGN_GEOMETRIC_PRESENTATION_REPRESENTATION"

static const char *find_in(const char *s, const char *e, const char *w) {
    size_t wl = strlen(w);
    for (const char *p = s; p + wl <= e; p++) {
        p = memchr(p, w[0], (size_t)(e - p));
        if (!p || p + wl > e) return NULL;
        if (!memcmp(p, w, wl)) return p;
    }
    return NULL;
}

/* Rewrite a stepllm text into out. Returns 0, or -1 when a placeholder has no id. */
static int repair_stepllm(const char *text, size_t n, sl_buf *out, sl_err *err) {
    const char *end = text + n;
    const char *p = text;
    while (p < end) {
        const char *le = memchr(p, '\n', (size_t)(end - p));
        le = le ? le + 1 : end;
        const char *ph = find_in(p, le, "#ID_");
        if (ph && find_in(p, le, MDGPR)) {
            /* gather the ID_k = n lines until the next MDGPR line */
            uint64_t *ids = NULL;
            size_t n_ids = 0, cap = 0;
            const char *q = le;
            while (q < end) {
                const char *qe = memchr(q, '\n', (size_t)(end - q));
                qe = qe ? qe + 1 : end;
                if (find_in(q, qe, MDGPR)) break;
                const char *a = find_in(q, qe, "/* ID_");
                if (a) {
                    char *x;
                    unsigned long long k = strtoull(a + 6, &x, 10);
                    while (*x == ' ') x++;
                    if (*x == '=') {
                        unsigned long long v = strtoull(x + 1, NULL, 10);
                        if (k >= 1 && k < 100000000) {
                            if (k > cap) {
                                size_t nc = cap ? cap : 16;
                                while (nc < k) nc *= 2;
                                uint64_t *ni = realloc(ids, nc * sizeof *ni);
                                if (!ni) { free(ids); return -1; }
                                memset(ni + cap, 0, (nc - cap) * sizeof *ni);
                                ids = ni;
                                cap = nc;
                            }
                            ids[k - 1] = v;
                            if (k > n_ids) n_ids = k;
                        }
                    }
                }
                q = qe;
            }
            const char *s = p;
            while ((ph = find_in(s, le, "#ID_"))) {
                sl_buf_append(out, s, (size_t)(ph - s));
                char *x;
                unsigned long long k = strtoull(ph + 4, &x, 10);
                if (k < 1 || k > n_ids || !ids[k - 1]) {
                    free(ids);
                    sl_err_set(err, SL_ERR_SYNTAX, "placeholder #ID_%llu has no '/* ID_%llu = n */' line", k, k);
                    return -1;
                }
                sl_buf_printf(out, "#%llu", (unsigned long long)ids[k - 1]);
                s = x;
            }
            sl_buf_append(out, s, (size_t)(le - s));
            free(ids);
        } else {
            /* "#n = COLOUR_RGB( ," at the start of the line, nowhere else (not in strings) */
            const char *x = p;
            while (x < le && (*x == ' ' || *x == '\t')) x++;
            int hit = 0;
            if (x < le && *x == '#') {
                x++;
                const char *d0 = x;
                while (x < le && *x >= '0' && *x <= '9') x++;
                if (x > d0) {
                    while (x < le && *x == ' ') x++;
                    if (x < le && *x == '=') {
                        x++;
                        while (x < le && *x == ' ') x++;
                        if ((size_t)(le - x) > 11 && !memcmp(x, "COLOUR_RGB(", 11)) {
                            x += 11;
                            while (x < le && (*x == ' ' || *x == '\t')) x++;
                            hit = x < le && *x == ',';
                        }
                    }
                }
            }
            if (hit) {
                sl_buf_append(out, p, (size_t)(x - p));
                sl_buf_puts(out, "''");
                sl_buf_append(out, x, (size_t)(le - x));
                p = le;
                continue;
            }
            sl_buf_append(out, p, (size_t)(le - p));
        }
        p = le;
    }
    return 0;
}

sl_status reserial_restore(const char *name, const char *text, size_t n, sl_buf *out, sl_err *err) {
    sl_buf fixed;
    sl_buf_init(&fixed);
    const char *src = text;
    size_t sn = n;
    if ((find_in(text, text + n, "#ID_") && find_in(text, text + n, "/* ID_")) || find_in(text, text + n, "COLOUR_RGB( ,")) {
        if (repair_stepllm(text, n, &fixed, err)) {
            sl_buf_release(&fixed);
            return err && err->status ? err->status : SL_ERR_NOMEM;
        }
        if (fixed.failed) { sl_buf_release(&fixed); return sl_err_set(err, SL_ERR_NOMEM, "out of memory"); }
        src = fixed.data ? fixed.data : "";
        sn = fixed.len;
    }
    p21_doc *doc = NULL;
    sl_status s = p21_doc_read_mem(name, src, sn, NULL, &doc, err);
    sl_buf_release(&fixed);
    if (!doc) return s ? s : SL_ERR_NOMEM;
    if (s == SL_OK) {
        p21_doc_write(doc, NULL, out);
        if (out->failed) s = sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    }
    p21_doc_free(doc);
    return s;
}
