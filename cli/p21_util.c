/* p21_util.c - CLI helpers for commands that read STEP files. */
#include <stdio.h>
#include <string.h>

#include "p21_util.h"
#include "steplm/schema.h"

void cli_p21_print_diags(const p21_doc *doc, size_t max_shown, int show_warnings) {
    size_t shown = 0, n = p21_doc_n_diags(doc);
    char line[1024];
    for (size_t i = 0; i < n && shown < max_shown; i++) {
        const p21_diag *g = p21_doc_diag(doc, i);
        if (g->severity == P21_WARNING && !show_warnings) continue;
        p21_diag_format(doc, g, line, sizeof line);
        fprintf(stderr, "%s\n", line);
        shown++;
    }
    size_t total = p21_doc_n_errors(doc) + (show_warnings ? p21_doc_n_warnings(doc) : 0);
    if (total > shown)
        fprintf(stderr, "%s: ... and %zu more %s\n", p21_doc_name(doc), total - shown,
                show_warnings ? "diagnostics" : "errors");
}

size_t cli_p21_validate(p21_doc *doc) {
    size_t n = p21_doc_check_refs(doc);
    n += schema_check_doc(doc, NULL);
    return n;
}
