/* test_schema_corpus.c - acceptance on the real corpus: every file that
 * OpenCASCADE reads (occt_read_ok = true in manifest.csv) gets zero schema
 * errors, except the files with genuine defects listed below, each of which
 * must produce its located error. */
#include <string.h>

#include "test.h"
#include "steplm/p21.h"
#include "steplm/schema.h"

#define ROOT "../shared/data/step/real/"

#define STRIDE 1   /* check every n-th file (all: the sanitizer run takes seconds) */

typedef struct defect {
    const char *relpath;
    uint32_t line, col;
    uint64_t id;
    const char *msg;
    size_t n_errors;       /* schema errors the file must produce in all */
    const char *why;
} defect;

static const defect defects[] = {
    {"occt-data-pr946/bug29478.stp", 123, 1, 111,
     "part REPRESENTATION_ITEM of a complex instance expects 1 argument (name), got 0", 1,
     "an OpenCASCADE bug reproducer: the complex B-spline surface #111 writes REPRESENTATION_ITEM() "
     "without its mandatory name (ISO 10303-43: representation_item.name : label)"},
};

/* Split one CSV line (RFC 4180 quoting) into fields; returns the count. */
static int csv_split(char *s, char **fields, int max) {
    int n = 0;
    while (*s && n < max) {
        char *out = s, *start = s;
        if (*s == '"') {
            s++;
            for (;;) {
                if (!*s) break;
                if (*s == '"' && s[1] == '"') { *out++ = '"'; s += 2; continue; }
                if (*s == '"') { s++; break; }
                *out++ = *s++;
            }
        } else {
            while (*s && *s != ',' && *s != '\n' && *s != '\r') *out++ = *s++;
        }
        fields[n++] = start;
        char c = *s;
        *out = 0;
        if (c == ',') s++;          /* out never passes s: fields are unquoted in place */
        else break;
    }
    return n;
}

int main(void) {
    FILE *f = fopen(ROOT "manifest.csv", "r");
    if (!f) TEST_SKIP("corpus not found at " ROOT);
    static char line[1 << 16];
    char *fields[64];
    int col_path = -1, col_ok = -1;
    if (fgets(line, sizeof line, f)) {
        int n = csv_split(line, fields, 64);
        for (int i = 0; i < n; i++) {
            if (!strcmp(fields[i], "relpath")) col_path = i;
            if (!strcmp(fields[i], "occt_read_ok")) col_ok = i;
        }
    }
    CHECK(col_path >= 0 && col_ok >= 0);
    size_t n_rows = 0, n_ok = 0, n_checked = 0, n_defects_seen = 0;
    schema_check_opts o;
    schema_check_opts_default(&o);
    while (col_ok >= 0 && fgets(line, sizeof line, f)) {
        int n = csv_split(line, fields, 64);
        if (n <= col_ok) continue;
        n_rows++;
        if (strcmp(fields[col_ok], "true")) continue;
        n_ok++;
        const defect *d = NULL;
        for (size_t k = 0; k < sizeof defects / sizeof defects[0]; k++)
            if (!strcmp(defects[k].relpath, fields[col_path])) d = &defects[k];
        if (!d && (n_ok % STRIDE) != 0) continue;
        char path[1024];
        snprintf(path, sizeof path, ROOT "%s", fields[col_path]);
        p21_doc *doc = NULL;
        sl_err err;
        p21_doc_read_file(path, NULL, &doc, &err);
        CHECK_MSG(doc != NULL, "%s: not read: %s", path, err.msg);
        if (!doc) continue;
        n_checked++;
        size_t d0 = p21_doc_n_diags(doc);
        size_t ne = schema_check_doc(doc, &o);
        if (d) {
            n_defects_seen++;
            int found = 0;
            for (size_t i = d0; i < p21_doc_n_diags(doc); i++) {
                const p21_diag *g = p21_doc_diag(doc, i);
                if (g->severity == P21_ERROR && g->line == d->line && g->col == d->col && g->id == d->id &&
                    strstr(g->msg, d->msg))
                    found = 1;
            }
            CHECK_MSG(found, "%s: expected error at %u:%u #%llu: %s (%s)", path, d->line, d->col,
                      (unsigned long long)d->id, d->msg, d->why);
            CHECK_MSG(ne == d->n_errors, "%s: %zu schema errors, expected %zu", path, ne, d->n_errors);
        } else {
            CHECK_MSG(ne == 0, "%s: %zu schema errors", path, ne);
            if (ne) {
                for (size_t i = d0, shown = 0; i < p21_doc_n_diags(doc) && shown < 5; i++) {
                    const p21_diag *g = p21_doc_diag(doc, i);
                    if (g->severity != P21_ERROR) continue;
                    char buf[800];
                    p21_diag_format(doc, g, buf, sizeof buf);
                    fprintf(stderr, "    %s\n", buf);
                    shown++;
                }
            }
        }
        p21_doc_free(doc);
    }
    fclose(f);
    fprintf(stderr, "manifest rows %zu, occt_read_ok %zu, checked %zu (stride %d)\n", n_rows, n_ok, n_checked,
            STRIDE);
    CHECK(n_rows >= 300);
    CHECK(n_ok >= 290);
    CHECK(n_checked >= n_ok / STRIDE);
    CHECK_EQ_INT(n_defects_seen, sizeof defects / sizeof defects[0]);
    return test_finish("test_schema_corpus");
}
