/* fuzz_p21.c - libFuzzer target for the Part 21 reader and writer.
 * Beyond "no crash": every input that parses without errors must survive
 * write -> read with an equal document, and writing must be stable. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steplm/p21.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > (1u << 20)) return 0;
    p21_read_opts o;
    p21_read_opts_default(&o);
    o.max_depth = 64;
    p21_doc *doc = NULL;
    p21_doc_read_mem("fuzz", (const char *)data, size, &o, &doc, NULL);
    if (!doc) return 0;
    p21_doc_check_refs(doc);
    sl_buf a, b;
    sl_buf_init(&a);
    sl_buf_init(&b);
    p21_doc_write(doc, NULL, &a);
    for (size_t i = 0; i < p21_doc_n_diags(doc); i++) {
        char line[1024];
        p21_diag_format(doc, p21_doc_diag(doc, i), line, sizeof line);
    }
    /* string decoding of every string must not crash */
    for (size_t i = 0; i < p21_doc_n_entities(doc); i++) {
        const p21_entity *e = p21_doc_entity(doc, i);
        for (uint32_t p = 0; p < e->n_parts; p++)
            for (uint32_t k = 0; k < e->parts[p].args.len; k++) {
                const p21_value *v = &e->parts[p].args.u.items[k];
                if (v->kind == P21_STRING) {
                    sl_buf s;
                    sl_buf_init(&s);
                    p21_string_decode(v->u.text, v->len, &s, NULL);
                    sl_buf t;
                    sl_buf_init(&t);
                    p21_string_encode(s.data ? s.data : "", s.len, &t);
                    sl_buf_release(&t);
                    sl_buf_release(&s);
                }
            }
    }
    if (p21_doc_n_errors(doc) == 0 && !a.failed) {
        p21_doc *doc2 = NULL;
        sl_status st = p21_doc_read_mem("fuzz2", a.data, a.len, &o, &doc2, NULL);
        if (!doc2 || st != SL_OK) { fprintf(stderr, "rewritten text does not parse\n%s\n", a.data); abort(); }
        char why[256];
        if (!p21_doc_equal(doc, doc2, why, sizeof why)) { fprintf(stderr, "round trip differs: %s\n", why); abort(); }
        p21_doc_write(doc2, NULL, &b);
        if (b.len != a.len || memcmp(a.data, b.data, a.len)) { fprintf(stderr, "writing is not stable\n"); abort(); }
        p21_doc_free(doc2);
    }
    sl_buf_release(&a);
    sl_buf_release(&b);
    p21_doc_free(doc);
    return 0;
}
