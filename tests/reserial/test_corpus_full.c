/* test_corpus_full.c - the reserial property (rs_pipeline.h) on every file of the
 * real corpus: both orders, with and without annotations. Too slow for the
 * sanitizer build (label nosan in tests.cmake); test_property runs the files of at
 * most 50 kB everywhere. The two corpus files with genuine syntax defects
 * (tests/p21/test_corpus.c) must be refused with a located error instead. */
#include "test.h"
#include "../p21/corpus.h"
#include "rs_pipeline.h"

int main(void) {
    corpus c;
    if (corpus_open(&c)) TEST_SKIP("../shared/data/step/real/manifest.csv not found");
    corpus_row row;
    rs_tally t = {0};
    size_t n_files = 0, n_checked = 0, n_refused = 0;
    while (corpus_next(&c, &row)) {
        char path[1024];
        snprintf(path, sizeof path, CORPUS_DIR "/%s", corpus_get(&c, &row, "relpath"));
        char *text;
        size_t n;
        sl_err err = {0};
        if (sl_file_read(path, &text, &n, 0, &err)) { CHECK_MSG(0, "%s", err.msg); continue; }
        n_files++;
        if (rs_property(path, text, n, 0, &t)) n_checked++;
        else {
            reserial_result r;
            reserial_result_init(&r);
            sl_status s = reserial_text(path, text, n, NULL, &r, &err);
            CHECK_MSG(s != SL_OK && err.line > 0, "%s: damaged input not refused with a position", path);
            reserial_result_release(&r);
            n_refused++;
        }
        free(text);
    }
    corpus_close(&c);
    CHECK_MSG(n_files >= 300, "only %zu files", n_files);
    CHECK_EQ_INT(n_refused, 2);
    fprintf(stderr, "corpus: %zu files, %zu checked (%zu outputs (%zu schema-clean), %zu face blocks, %zu cycle edges, %zu references "
                    "checked in post order), %zu damaged inputs refused\n",
            n_files, n_checked, t.outputs, t.schema_clean, t.faces, t.cycle_edges, t.forward_checked, n_refused);
    return test_finish("test_corpus_full");
}
