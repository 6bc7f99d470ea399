/* test_schema_bad.c - every file in tests/schema/bad/ must give the located error
 * listed in tests/schema/bad/EXPECT when read and schema-checked, formatted the way
 * `steplm check` prints diagnostics (p21_diag_format: "file:line:col: error: ..."),
 * and no other file-level problem (each file is syntactically valid Part 21). */
#include <string.h>

#include "test.h"
#include "steplm/p21.h"
#include "steplm/schema.h"

#define BAD_DIR "tests/schema/bad"

int main(void) {
    FILE *f = fopen(BAD_DIR "/EXPECT", "r");
    CHECK_MSG(f != NULL, "cannot open " BAD_DIR "/EXPECT (run from the repository root)");
    if (!f) return test_finish("test_schema_bad");
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        line[strcspn(line, "\n")] = 0;
        char *file = strtok(line, " ");
        char *pos = strtok(NULL, " ");
        char *msg = strtok(NULL, "");
        if (!file || !pos || !msg) { CHECK_MSG(0, "bad EXPECT line"); continue; }
        char path[512];
        snprintf(path, sizeof path, BAD_DIR "/%s", file);
        p21_doc *doc = NULL;
        sl_err err;
        sl_status st = p21_doc_read_file(path, NULL, &doc, &err);
        CHECK_MSG(st == SL_OK && doc, "%s: does not parse cleanly: %s", path, err.msg);
        if (!doc) continue;
        CHECK_MSG(p21_doc_check_refs(doc) == 0, "%s: reference errors", path);
        size_t ne = schema_check_doc(doc, NULL);
        CHECK_MSG(ne >= 1, "%s: no schema error", path);
        char want[600];
        snprintf(want, sizeof want, "%s:%s: error: ", path, pos);
        int found = 0;
        for (size_t i = 0; i < p21_doc_n_diags(doc); i++) {
            char out[1024];
            p21_diag_format(doc, p21_doc_diag(doc, i), out, sizeof out);
            if (!strncmp(out, want, strlen(want)) && strstr(out, msg)) found = 1;
        }
        CHECK_MSG(found, "%s: expected \"%s... %s\"", path, want, msg);
        if (!found)
            for (size_t i = 0; i < p21_doc_n_diags(doc); i++) {
                char out[1024];
                p21_diag_format(doc, p21_doc_diag(doc, i), out, sizeof out);
                fprintf(stderr, "    got: %s\n", out);
            }
        p21_doc_free(doc);
        n++;
    }
    fclose(f);
    CHECK(n >= 12);
    return test_finish("test_schema_bad");
}
