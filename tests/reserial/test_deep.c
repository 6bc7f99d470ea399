/* test_deep.c - depth and cycles without recursion limits, and the checkers
 * themselves.
 *  1. a chain #1 -> #2 -> ... -> #N with N = 1,000,000 (the DFS path is N long):
 *     pre order keeps #i -> #i+1, post order writes it backwards (#i -> #i-1);
 *     max_depth = N; the restored documents are isomorphic to the input.
 *  2. a ring of 100,000 (nobody is a root): one cyclic start, one cycle edge, in
 *     post order exactly one forward reference, reported and annotated.
 *  3. the checkers reject a wrong id map and tampered annotation counts.
 * Under AddressSanitizer the chain is 250,000 long (the 1e6 run takes ~10 s of CPU
 * there); the release build runs the full 1e6. */
#include "test.h"
#include "rs_pipeline.h"

static void chain_text(sl_buf *b, size_t n, int ring) {
    sl_buf_puts(b, "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\nFILE_NAME('','',(''),(''),'','','');\n"
                   "FILE_SCHEMA(('X'));\nENDSEC;\nDATA;\n");
    for (size_t i = 1; i <= n; i++) {
        if (i < n) sl_buf_printf(b, "#%zu=LINK('',#%zu);\n", i, i + 1);
        else if (ring) sl_buf_printf(b, "#%zu=LINK('',#1);\n", i);
        else sl_buf_printf(b, "#%zu=LINK('',$);\n", i);
    }
    sl_buf_puts(b, "ENDSEC;\nEND-ISO-10303-21;\n");
}

static p21_doc *parse(const sl_buf *b) {
    p21_doc *d = NULL;
    sl_err err = {0};
    p21_doc_read_mem("x", b->data, b->len, NULL, &d, &err);
    return d;
}

int main(void) {
#if defined(__SANITIZE_ADDRESS__)
    const size_t N = 250000;
#else
    const size_t N = 1000000;
#endif
    sl_buf in;
    sl_buf_init(&in);
    chain_text(&in, N, 0);
    p21_doc *a = parse(&in);
    CHECK(a && p21_doc_n_errors(a) == 0);
    for (int order = 0; order < 2; order++) {
        reserial_opts o;
        reserial_opts_default(&o);
        o.order = order ? RESERIAL_POST : RESERIAL_PRE;
        o.annotate = 1;
        reserial_result r;
        reserial_result_init(&r);
        sl_err err = {0};
        CHECK(reserial_text("chain", in.data, in.len, &o, &r, &err) == SL_OK);
        CHECK_EQ_INT(r.stats.n_written, N);
        CHECK_EQ_INT(r.stats.max_depth, N);
        CHECK_EQ_INT(r.stats.n_roots, 1);
        p21_doc *od = parse(&r.text);
        CHECK(od && p21_doc_n_errors(od) == 0 && p21_doc_n_entities(od) == N);
        if (od) {
            CHECK_EQ_INT(p21_doc_check_refs(od), 0);
            const p21_entity *e = p21_doc_find(od, 1);
            if (order == 0) CHECK(e && e->n_refs == 1 && e->refs[0] == 2);
            else CHECK(e && e->n_refs == 0);
            e = p21_doc_find(od, N);
            if (order == 0) CHECK(e && e->n_refs == 0);
            else CHECK(e && e->n_refs == 1 && e->refs[0] == N - 1);
            char why[300] = "";
            CHECK_MSG(iso_check(a, od, r.new_ids, why, sizeof why), "%s", why);
        }
        p21_doc_free(od);
        reserial_result_release(&r);
    }
    p21_doc_free(a);

    /* 2. ring */
    const size_t M = 100000;
    sl_buf_clear(&in);
    chain_text(&in, M, 1);
    rs_tally t = {0};
    CHECK(rs_property("ring", in.data, in.len, 0, &t));
    CHECK_EQ_INT(t.cycle_edges, 4);          /* one per configuration */
    reserial_opts o;
    reserial_opts_default(&o);
    o.order = RESERIAL_POST;
    o.annotate = 1;
    reserial_result r;
    reserial_result_init(&r);
    sl_err err = {0};
    CHECK(reserial_text("ring", in.data, in.len, &o, &r, &err) == SL_OK);
    CHECK_EQ_INT(r.stats.n_roots, 0);
    CHECK_EQ_INT(r.stats.n_cyclic_starts, 1);
    CHECK_EQ_INT(r.stats.n_cycle_edges, 1);
    /* DFS from old #1: the path is #1..#M, #M's reference to #1 closes the cycle;
     * post order writes #M first (new #1) and #1 last (new #M): the edge is 1 -> M */
    CHECK(r.cycle_edges[0] == 1 && r.cycle_edges[1] == M);
    char line[64];
    snprintf(line, sizeof line, "/* CYCLE #1 -> #%zu */", M);
    CHECK(strstr(r.text.data, line) != NULL);
    CHECK(strstr(r.text.data, "/* SECTION CYCLIC roots=1 entities=100000 */") != NULL);

    /* 3. the checkers can fail */
    a = parse(&in);
    p21_doc *b = parse(&r.text);
    char why[300];
    CHECK(a && b && iso_check(a, b, r.new_ids, why, sizeof why));
    uint64_t t0 = r.new_ids[0];
    r.new_ids[0] = r.new_ids[1];
    r.new_ids[1] = t0;
    CHECK(a && b && !iso_check(a, b, r.new_ids, why, sizeof why));
    size_t nr, nf;
    CHECK(ann_check(r.text.data, &nr, &nf, why, sizeof why) && nr == 1);
    char *tampered = strdup(r.text.data);
    char *p = strstr(tampered, "entities=100000 depth=");
    if (p) p[9] = '2';                        /* entities=200000 */
    CHECK(p && !ann_check(tampered, &nr, &nf, why, sizeof why));
    free(tampered);
    p21_doc_free(a);
    p21_doc_free(b);
    reserial_result_release(&r);
    sl_buf_release(&in);
    return test_finish("test_deep");
}
