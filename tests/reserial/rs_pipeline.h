/* rs_pipeline.h - the property every reserial test applies to a file: for both
 * orders, with and without annotations: reserialize -> (output parses with no
 * errors, its references check clean when the input's do, annotations well formed)
 * -> restore -> the restored document is isomorphic to the input under the
 * returned id map; in post order every reference points to a smaller id except the
 * reported cycle-closing edges. Include after test.h. */
#ifndef STEPLM_TEST_RS_PIPELINE_H
#define STEPLM_TEST_RS_PIPELINE_H

#include "steplm/reserial.h"
#include "steplm/schema.h"
#include "rs_check.h"

typedef struct rs_tally { size_t files, outputs, faces, cycle_edges, forward_checked, schema_clean; } rs_tally;

static inline int rs_edge_listed(const reserial_result *r, uint64_t from, uint64_t to) {
    for (size_t i = 0; i < r->stats.n_cycle_edges; i++)
        if (r->cycle_edges[2 * i] == from && r->cycle_edges[2 * i + 1] == to) return 1;
    return 0;
}

/* Returns 0 when the input itself does not parse cleanly (nothing checked). */
static inline int rs_property(const char *name, const char *text, size_t n, int allow_dangling, rs_tally *t) {
    p21_doc *a = NULL;
    sl_err err = {0};
    if (p21_doc_read_mem(name, text, n, NULL, &a, &err) != SL_OK) { p21_doc_free(a); return 0; }
    int input_refs_ok = p21_doc_check_refs(a) == 0;
    size_t input_schema_errors = schema_check_doc(a, NULL);   /* what `steplm check` adds */
    t->files++;
    for (int order = 0; order < 2; order++)
        for (int ann = 0; ann < 2; ann++) {
            reserial_opts o;
            reserial_opts_default(&o);
            o.order = order ? RESERIAL_POST : RESERIAL_PRE;
            o.annotate = ann;
            o.allow_dangling = allow_dangling;
            reserial_result r;
            reserial_result_init(&r);
            sl_status s = reserial_text(name, text, n, &o, &r, &err);
            CHECK_MSG(s == SL_OK, "%s order=%d ann=%d: %s", name, order, ann, err.msg);
            if (s) { reserial_result_release(&r); continue; }
            t->outputs++;
            t->cycle_edges += r.stats.n_cycle_edges;
            /* the output is valid Part 21 */
            p21_doc *od = NULL;
            sl_status ps = p21_doc_read_mem("out", r.text.data, r.text.len, NULL, &od, &err);
            CHECK_MSG(ps == SL_OK && od && p21_doc_n_errors(od) == 0, "%s order=%d ann=%d: output does not parse: %s",
                      name, order, ann, err.msg);
            if (od && input_refs_ok) {
                size_t e = p21_doc_check_refs(od);
                if (e) {
                    char line[600];
                    p21_diag_format(od, p21_doc_diag(od, 0), line, sizeof line);
                    CHECK_MSG(0, "%s order=%d ann=%d: output has %zu reference errors: %s", name, order, ann, e, line);
                }
            }
            if (od) {   /* the schema sees the same entities: the same number of errors (zero for a valid input) */
                size_t before = p21_doc_n_errors(od);
                size_t e = schema_check_doc(od, NULL);
                CHECK_MSG(e == input_schema_errors, "%s order=%d ann=%d: %zu schema errors, input has %zu", name, order,
                          ann, e, input_schema_errors);
                if (e != input_schema_errors && e) {
                    char line[600];
                    p21_diag_format(od, p21_doc_diag(od, before < p21_doc_n_diags(od) ? before : 0), line, sizeof line);
                    fprintf(stderr, "  first: %s\n", line);
                }
                t->schema_clean += e == 0;
            }
            p21_doc_free(od);
            if (ann) {
                char why[300];
                size_t nr, nf;
                CHECK_MSG(ann_check(r.text.data, &nr, &nf, why, sizeof why), "%s order=%d: annotations: %s", name, order, why);
                t->faces += nf;
            }
            /* restore, compare */
            sl_buf rb;
            sl_buf_init(&rb);
            s = reserial_restore("out", r.text.data, r.text.len, &rb, &err);
            CHECK_MSG(s == SL_OK, "%s order=%d ann=%d: restore failed: %s", name, order, ann, err.msg);
            p21_doc *b = NULL;
            if (s == SL_OK) p21_doc_read_mem("restored", rb.data, rb.len, NULL, &b, &err);
            CHECK_MSG(b && p21_doc_n_errors(b) == 0, "%s: restored text does not parse", name);
            if (b) {
                char why[600] = "";
                CHECK_MSG(iso_check(a, b, r.new_ids, why, sizeof why), "%s order=%d ann=%d: not isomorphic: %s", name,
                          order, ann, why);
                /* numbering is 1..n */
                size_t nb = p21_doc_n_entities(b);
                for (size_t i = 0; i < nb; i++)
                    if (p21_doc_entity(b, i)->id != i + 1) { CHECK_MSG(0, "%s: restored ids not 1..n in order", name); break; }
                if (order) {
                    size_t bad = 0;
                    for (size_t i = 0; i < nb; i++) {
                        const p21_entity *e = p21_doc_entity(b, i);
                        for (uint32_t k = 0; k < e->n_refs; k++) {
                            t->forward_checked++;
                            if (e->refs[k] >= e->id && !rs_edge_listed(&r, e->id, e->refs[k]) &&
                                p21_doc_find(b, e->refs[k])) bad++;
                        }
                    }
                    CHECK_MSG(bad == 0, "%s: post order has %zu unlisted forward references", name, bad);
                }
            }
            p21_doc_free(b);
            sl_buf_release(&rb);
            reserial_result_release(&r);
        }
    p21_doc_free(a);
    return 1;
}

#endif
