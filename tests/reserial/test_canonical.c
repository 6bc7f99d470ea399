/* test_canonical.c - the reserialized text depends on the model, not on how the
 * file happened to be written: renaming every id (random distinct ids), shuffling
 * the entity lines and respelling strings (the canonical writer re-encodes
 * non-ASCII) gives byte-identical output, in both orders with annotations. The
 * documented exceptions, counted and reported when the outputs differ: files with
 * cycles (cycle-only entities start in input order) and files where two roots of
 * the same rank have the same structure (stats.n_root_ties; they keep input order,
 * which matters when they share entities differently). Run on the hand-made
 * Onshape-style files and the corpus files of at most 50 kB. */
#include "test.h"
#include "../p21/corpus.h"
#include "steplm/reserial.h"

/* rewrite ids in place (all references first, then the ids) and write the entities in shuffled order */
static void permuted_text(const char *text, size_t n, uint64_t seed, sl_buf *out) {
    p21_doc *d = NULL;
    p21_doc_read_mem("p", text, n, NULL, &d, NULL);
    size_t ne = p21_doc_n_entities(d);
    sl_rng g;
    sl_rng_seed(&g, seed);
    uint64_t *nid = malloc((ne ? ne : 1) * sizeof *nid);
    size_t *perm = malloc((ne ? ne : 1) * sizeof *perm);
    for (size_t i = 0; i < ne; i++) { nid[i] = 7 + 3 * i + sl_rng_next(&g) % 3; perm[i] = i; }
    for (size_t i = ne; i > 1; i--) {
        size_t j = sl_rng_next(&g) % i;
        uint64_t t = nid[i - 1]; nid[i - 1] = nid[j]; nid[j] = t;
        size_t u = perm[i - 1]; perm[i - 1] = perm[j]; perm[j] = u;
    }
    const p21_entity *base = p21_doc_entity(d, 0);
    for (size_t i = 0; i < ne; i++) {
        p21_entity *e = p21_doc_entity(d, i);
        for (uint32_t p = 0; p < e->n_parts; p++) {
            size_t sp = 0, cap = 64;
            p21_value **stack = malloc(cap * sizeof *stack);
            stack[sp++] = &e->parts[p].args;
            while (sp) {
                p21_value *v = stack[--sp];
                if (v->kind == P21_REF) {
                    const p21_entity *c = p21_doc_find(d, v->u.ref);   /* the map still has the old ids */
                    if (c) v->u.ref = nid[c - base];
                } else if (v->kind == P21_LIST || v->kind == P21_TYPED) {
                    if (sp + v->len > cap) {
                        while (sp + v->len > cap) cap *= 2;
                        stack = realloc(stack, cap * sizeof *stack);
                    }
                    for (uint32_t k = 0; k < v->len; k++) stack[sp++] = &v->u.items[k];
                }
            }
            free(stack);
        }
    }
    for (size_t i = 0; i < ne; i++) p21_doc_entity(d, i)->id = nid[i];
    sl_buf_puts(out, "ISO-10303-21;\nHEADER;\n");
    for (size_t i = 0; i < p21_doc_n_header(d); i++) {
        const p21_header_entry *h = p21_doc_header(d, i);
        sl_buf_puts(out, p21_doc_type_name(d, h->type));
        p21_value_write(d, &h->args, out);
        sl_buf_puts(out, ";\n");
    }
    sl_buf_puts(out, "ENDSEC;\nDATA;\n");
    for (size_t i = 0; i < ne; i++) {
        p21_entity_write(d, p21_doc_entity(d, perm[i]), out);
        sl_buf_putc(out, '\n');
    }
    sl_buf_puts(out, "ENDSEC;\nEND-ISO-10303-21;\n");
    free(nid);
    free(perm);
    p21_doc_free(d);
}

static int n_same, n_cyclic, n_ties;

static void check_file(const char *name, const char *text, size_t n, uint64_t seed) {
    p21_doc *d = NULL;
    if (p21_doc_read_mem(name, text, n, NULL, &d, NULL) != SL_OK) { p21_doc_free(d); return; }
    p21_doc_free(d);
    sl_buf alt;
    sl_buf_init(&alt);
    permuted_text(text, n, seed, &alt);
    for (int order = 0; order < 2; order++) {
        reserial_opts o;
        reserial_opts_default(&o);
        o.order = order ? RESERIAL_POST : RESERIAL_PRE;
        o.annotate = 1;
        o.allow_dangling = 1;
        reserial_result a, b;
        reserial_result_init(&a);
        reserial_result_init(&b);
        sl_err err = {0};
        CHECK(reserial_text(name, text, n, &o, &a, &err) == SL_OK);
        CHECK(reserial_text(name, alt.data, alt.len, &o, &b, &err) == SL_OK);
        int same = a.text.len == b.text.len && !memcmp(a.text.data, b.text.data, a.text.len);
        if (same) n_same++;
        else if (a.stats.n_cycle_edges || a.stats.n_cyclic_starts) n_cyclic++;
        else if (a.stats.n_root_ties) {
            n_ties++;
            if (getenv("RS_TIES")) fprintf(stderr, "tie: %s\n", name);
        }
        else {
            CHECK_MSG(same, "%s order=%d: output depends on ids or line order", name, order);
            if (getenv("RS_DUMP") && strstr(name, getenv("RS_DUMP"))) {   /* debugging aid: RS_DUMP=part-of-name */
                FILE *f = fopen("/tmp/rs_canon_a.step", "w"), *h = fopen("/tmp/rs_canon_b.step", "w");
                if (f) { fwrite(a.text.data, 1, a.text.len, f); fclose(f); }
                if (h) { fwrite(b.text.data, 1, b.text.len, h); fclose(h); }
            }
        }
        reserial_result_release(&a);
        reserial_result_release(&b);
    }
    sl_buf_release(&alt);
}

int main(void) {
    static const char *const files[] = {"tests/reserial/stepllm/onshape1.step", "tests/reserial/stepllm/onshape2.step",
                                        "tests/reserial/stepllm/onshape3.step"};
    for (size_t i = 0; i < 3; i++) {
        char *t;
        size_t n;
        sl_err err;
        if (sl_file_read(files[i], &t, &n, 0, &err)) { CHECK_MSG(0, "%s", err.msg); continue; }
        for (uint64_t seed = 1; seed <= 5; seed++) check_file(files[i], t, n, seed);
        free(t);
    }
    corpus c;
    if (corpus_open(&c)) TEST_SKIP("../shared/data/step/real/manifest.csv not found");
    corpus_row row;
    while (corpus_next(&c, &row)) {
        if (strtoul(corpus_get(&c, &row, "size_bytes"), NULL, 10) > 50000) continue;
        char path[1024];
        snprintf(path, sizeof path, CORPUS_DIR "/%s", corpus_get(&c, &row, "relpath"));
        char *t;
        size_t n;
        sl_err err;
        if (sl_file_read(path, &t, &n, 0, &err)) continue;
        check_file(path, t, n, 42);
        free(t);
    }
    corpus_close(&c);
    CHECK(n_same >= 200);
    fprintf(stderr, "canonical: %d outputs identical after renaming and shuffling, %d skipped (cycles), "
                    "%d skipped (roots with equal structure)\n", n_same, n_cyclic, n_ties);
    return test_finish("test_canonical");
}
