/* fuzz_schema.c - libFuzzer target for schema_check_doc: any text the reader
 * accepts (also with errors) is checked against the table, strict and lenient;
 * the check must not crash, and the number of errors it returns must equal the
 * growth of the document's error count. */
#include <stdint.h>
#include <stdlib.h>

#include "steplm/p21.h"
#include "steplm/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > (1u << 20)) return 0;
    p21_read_opts o;
    p21_read_opts_default(&o);
    o.max_depth = 64;
    for (int strict = 0; strict < 2; strict++) {
        p21_doc *doc = NULL;
        p21_doc_read_mem("fuzz", (const char *)data, size, &o, &doc, NULL);
        if (!doc) return 0;
        schema_check_opts so;
        schema_check_opts_default(&so);
        so.strict = strict;
        so.max_similar_warnings = strict ? 0 : 3;
        size_t before = p21_doc_n_errors(doc);
        size_t n = schema_check_doc(doc, &so);
        if (p21_doc_n_errors(doc) != before + n) abort();
        p21_doc_free(doc);
    }
    return 0;
}
