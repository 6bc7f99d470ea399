/* test_property.c - the reserialize -> restore -> isomorphism property (see
 * rs_pipeline.h) on (1) the corpus files of at most 50 kB (every build, fast under
 * ASan; test_corpus_full covers all of them) and (2) 300 random entity graphs
 * from a seeded generator: random ids with gaps in shuffled order, shared
 * children, duplicate references, references nested in lists and typed values,
 * complex instances, strings holding '#12', ';', quotes and non-ASCII, several
 * roots, cycles through later ids, self references, and (with allow_dangling)
 * undefined references. */
#include "test.h"
#include "../p21/corpus.h"
#include "rs_pipeline.h"

static void put_value(sl_buf *b, sl_rng *g, const uint64_t *ids, size_t k, size_t n, int depth, int allow_cycles) {
    unsigned r = (unsigned)(sl_rng_next(g) % 14);
    if (depth > 3 && r >= 10) r = 0;
    switch (r) {
    case 0: case 1: case 2:         /* reference to a later entity (DAG), sometimes any (cycles) */
        if (k + 1 < n) sl_buf_printf(b, "#%llu", (unsigned long long)ids[k + 1 + sl_rng_next(g) % (n - k - 1)]);
        else if (allow_cycles) sl_buf_printf(b, "#%llu", (unsigned long long)ids[sl_rng_next(g) % n]);
        else sl_buf_puts(b, "$");
        break;
    case 3: sl_buf_printf(b, "%lld", (long long)(sl_rng_next(g) % 2001) - 1000); break;
    case 4: sl_buf_printf(b, "%.*f", (int)(sl_rng_next(g) % 15), (sl_rng_uniform(g) - 0.5) * 1000); break;
    case 5: sl_buf_printf(b, "%.3E", (sl_rng_uniform(g) - 0.5) * 1e-9); break;
    case 6: {
        static const char *const strs[] = {"", "a #12 b", "semi;colon", "it''s", "\\X2\\00E9\\X0\\t\\X2\\00E9\\X0\\",
                                           "Context #1", "/* not a comment */", "x"};
        sl_buf_printf(b, "'%s'", strs[sl_rng_next(g) % 8]);
        break;
    }
    case 7: sl_buf_puts(b, sl_rng_next(g) % 2 ? ".T." : ".UNSPECIFIED."); break;
    case 8: sl_buf_puts(b, sl_rng_next(g) % 2 ? "$" : "*"); break;
    case 9: sl_buf_puts(b, "\"0FF\""); break;
    case 10: case 11: case 12: {    /* list */
        unsigned m = (unsigned)(sl_rng_next(g) % 5);
        sl_buf_putc(b, '(');
        for (unsigned i = 0; i < m; i++) {
            if (i) sl_buf_putc(b, ',');
            put_value(b, g, ids, k, n, depth + 1, allow_cycles);
        }
        sl_buf_putc(b, ')');
        break;
    }
    default:                        /* typed */
        sl_buf_puts(b, sl_rng_next(g) % 2 ? "LENGTH_MEASURE(" : "DESCRIPTIVE_MEASURE(");
        put_value(b, g, ids, k, n, depth + 1, allow_cycles);
        sl_buf_putc(b, ')');
        break;
    }
}

static void random_file(sl_buf *b, uint64_t seed, int allow_cycles, int dangling) {
    sl_rng g;
    sl_rng_seed(&g, seed);
    size_t n = 1 + sl_rng_next(&g) % 120;
    uint64_t *ids = malloc(n * sizeof *ids);
    size_t *perm = malloc(n * sizeof *perm);
    uint64_t next = 1;
    for (size_t i = 0; i < n; i++) { next += 1 + sl_rng_next(&g) % 7; ids[i] = next; perm[i] = i; }
    for (size_t i = n; i > 1; i--) {   /* shuffle: ids are not in topological order */
        size_t j = sl_rng_next(&g) % i, t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
        uint64_t u = ids[i - 1]; ids[i - 1] = ids[j]; ids[j] = u;
    }
    static const char *const types[] = {"CARTESIAN_POINT", "ADVANCED_FACE", "PRODUCT", "STYLED_ITEM",
                                        "SHAPE_DEFINITION_REPRESENTATION", "EDGE_CURVE", "B_SPLINE_CURVE",
                                        "PRESENTATION_LAYER_ASSIGNMENT", "X_TYPE"};
    sl_buf_puts(b, "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('random'),'2;1');\n"
                   "FILE_NAME('r.step','2026-01-01T00:00:00',(''),(''),'','','');\nFILE_SCHEMA(('X'));\nENDSEC;\nDATA;\n");
    for (size_t k = 0; k < n; k++) {
        sl_buf_printf(b, "#%llu=", (unsigned long long)ids[k]);
        int complex = sl_rng_next(&g) % 10 == 0;
        unsigned parts = complex ? 1 + (unsigned)(sl_rng_next(&g) % 3) : 1;
        if (complex) sl_buf_putc(b, '(');
        for (unsigned p = 0; p < parts; p++) {
            sl_buf_puts(b, complex ? (p == 0 ? "A_PART" : p == 1 ? "B_PART" : "C_PART") : types[sl_rng_next(&g) % 9]);
            sl_buf_putc(b, '(');
            unsigned m = (unsigned)(sl_rng_next(&g) % 5);
            for (unsigned i = 0; i < m; i++) {
                if (i) sl_buf_putc(b, ',');
                if (dangling && sl_rng_next(&g) % 25 == 0) sl_buf_printf(b, "#%llu", (unsigned long long)(900000 + sl_rng_next(&g) % 5));
                else if (allow_cycles && sl_rng_next(&g) % 30 == 0) sl_buf_printf(b, "#%llu", (unsigned long long)ids[k]);
                else put_value(b, &g, ids, k, n, 0, allow_cycles && sl_rng_next(&g) % 4 == 0);
            }
            sl_buf_putc(b, ')');
        }
        if (complex) sl_buf_putc(b, ')');
        sl_buf_puts(b, ";\n");
    }
    sl_buf_puts(b, "ENDSEC;\nEND-ISO-10303-21;\n");
    free(ids);
    free(perm);
}

int main(void) {
    rs_tally t = {0};
    /* (1) corpus subset */
    corpus c;
    if (corpus_open(&c)) TEST_SKIP("../shared/data/step/real/manifest.csv not found");
    corpus_row row;
    size_t n_corpus = 0;
    while (corpus_next(&c, &row)) {
        if (strtoul(corpus_get(&c, &row, "size_bytes"), NULL, 10) > 50000) continue;
        char path[1024];
        snprintf(path, sizeof path, CORPUS_DIR "/%s", corpus_get(&c, &row, "relpath"));
        char *text;
        size_t n;
        sl_err err;
        if (sl_file_read(path, &text, &n, 0, &err)) { CHECK_MSG(0, "%s", err.msg); continue; }
        n_corpus += rs_property(path, text, n, 0, &t);
        free(text);
    }
    corpus_close(&c);
    CHECK_MSG(n_corpus >= 100, "only %zu corpus files checked", n_corpus);
    /* (2) random graphs */
    size_t n_random = 0;
    sl_buf b;
    sl_buf_init(&b);
    for (uint64_t seed = 1; seed <= 300; seed++) {
        sl_buf_clear(&b);
        int cycles = seed % 3 == 0, dangling = seed % 7 == 0;
        random_file(&b, seed, cycles, dangling);
        char name[64];
        snprintf(name, sizeof name, "random-%llu", (unsigned long long)seed);
        int ok = rs_property(name, b.data, b.len, dangling, &t);
        CHECK_MSG(ok, "%s: generated text does not parse", name);
        n_random += ok;
    }
    sl_buf_release(&b);
    CHECK(t.cycle_edges > 0);      /* the generator does produce cycles */
    CHECK(t.faces > 0);
    fprintf(stderr, "property: %zu corpus files, %zu random graphs, %zu outputs (%zu schema-clean), %zu face blocks, %zu cycle edges, "
                    "%zu references checked in post order\n", n_corpus, n_random, t.outputs, t.schema_clean, t.faces, t.cycle_edges,
            t.forward_checked);
    return test_finish("test_property");
}
