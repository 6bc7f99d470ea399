/* test_normalize.c - caption normalisation, stated sizes and hole counts,
 * metadata misfit and the baseline embedding. Expected values are worked out
 * by hand from the rule in retrieval.h (unit factors: 1 in = 25.4 mm,
 * 1 ft = 304.8 mm; 3 significant digits). */
#include <math.h>

#include "steplm/retrieval.h"
#include "test.h"

static const char *norm(const char *s) {
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    retrieval_normalize_caption(s, buf[k], sizeof buf[k]);
    return buf[k];
}

static void test_units(void) {
    /* the four spellings of 40 mm: 1.575 in = 40.005 mm -> 40.0 at 3 digits */
    CHECK_STR(norm("40mm"), "40mm");
    CHECK_STR(norm("40 mm"), "40mm");
    CHECK_STR(norm("4 cm"), "40mm");
    CHECK_STR(norm("1.575 in"), "40mm");
    CHECK_STR(norm("1.575\""), "40mm");
    CHECK_STR(norm("40.0 millimetres"), "40mm");
    CHECK_STR(norm("0.04 m"), "40mm");
    CHECK_STR(norm("0.5 in"), "12.7mm");           /* 12.7 exactly */
    CHECK_STR(norm("2 ft"), "610mm");              /* 609.6 -> 3 digits -> 610 */
    CHECK_STR(norm("1234.5 mm"), "1230mm");
    CHECK_STR(norm("0.0123 in"), "0.312mm");       /* 0.31242 -> 0.312 (3 digits) */
    CHECK_STR(norm("40 x 20 x 10 mm plate"), "40mm 20mm 10mm plate");
    CHECK_STR(norm("40x20mm"), "40mm 20mm");
    CHECK_STR(norm("3 by 2 in"), "76.2mm 50.8mm");
    CHECK_STR(norm("A pipe elbow with a 90-degree bend"), "a pipe elbow with a 90deg bend");
    CHECK_STR(norm("45\xC2\xB0 chamfer"), "45deg chamfer");
    CHECK_STR(norm("2 x 3 grid"), "2 x 3 grid");    /* no unit: plain numbers */
    CHECK_STR(norm("version 2.50"), "version 2.5");
    CHECK_STR(norm("holes in the plate"), "hole in the plate");  /* 'in' after a word stays */
}

static void test_words(void) {
    CHECK_STR(norm("A cylindrical rod with a conical tip and a flanged base."),
              "a cylindrical rod with a conical tip and a flanged base");
    CHECK_STR(norm("An L-shaped bracket with multiple holes for mounting."),
              "an l shaped bracket with multiple hole for mounting");
    CHECK_STR(norm("Boxes, glass, axis, bus, gears, notches"), "box glass axis bus gear notch");
    CHECK_STR(norm("  "), "");
    CHECK_STR(norm(""), "");
    /* truncation: returns the full length, writes whole tokens only */
    char small[8];
    size_t need = retrieval_normalize_caption("flat rectangular plate", small, sizeof small);
    CHECK_EQ_INT(need, 22);
    CHECK_STR(small, "flat");
    CHECK(retrieval_caption_hash("A Plate, 40mm.") == retrieval_caption_hash("a plate 40 mm"));
    CHECK(retrieval_caption_hash("A plate 4 cm") == retrieval_caption_hash("a plate 40 mm"));
    CHECK(retrieval_caption_hash("a plate 41 mm") != retrieval_caption_hash("a plate 40 mm"));
    CHECK(retrieval_caption_hash("a plate") != retrieval_caption_hash("plate a"));
}

static void test_sizes(void) {
    double l[8];
    int n = retrieval_caption_lengths_mm("a 40 x 20 mm plate with a 0.5 in hole, 90 deg", l, 8);
    CHECK_EQ_INT(n, 3);
    CHECK_NEAR(l[0], 40, 1e-9);
    CHECK_NEAR(l[1], 20, 1e-9);
    CHECK_NEAR(l[2], 12.7, 1e-9);
    CHECK_EQ_INT(retrieval_caption_lengths_mm("a plate", l, 8), 0);
    CHECK_EQ_INT(retrieval_caption_hole_count("A plate with 4 holes."), 4);
    CHECK_EQ_INT(retrieval_caption_hole_count("A flange with four mounting holes"), 4);
    CHECK_EQ_INT(retrieval_caption_hole_count("A hexagonal nut with a central threaded hole."), 1);
    CHECK_EQ_INT(retrieval_caption_hole_count("a plate with a 10 mm hole"), 1);
    CHECK_EQ_INT(retrieval_caption_hole_count("6 bolt holes and a central hole"), 7);
    CHECK_EQ_INT(retrieval_caption_hole_count("A bracket with multiple holes"), -1);
    CHECK_EQ_INT(retrieval_caption_hole_count("A flat rectangular plate."), -1);
}

static void test_misfit(void) {
    retrieval_meta m;
    retrieval_meta_init_unknown(&m);
    double l[2] = {40, 20};
    CHECK_NEAR(retrieval_meta_misfit(&m, l, 2, -1), -1, 0);   /* nothing to compare */
    m.bbox_mm[0] = 40; m.bbox_mm[1] = 20; m.bbox_mm[2] = 10;
    CHECK_NEAR(retrieval_meta_misfit(&m, l, 2, -1), 0, 1e-12);
    double l80 = 80;   /* nearest is 40: |ln 2| */
    CHECK_NEAR(retrieval_meta_misfit(&m, &l80, 1, -1), log(2.0), 1e-12);
    double l1000 = 1000;   /* capped at ln 4 */
    CHECK_NEAR(retrieval_meta_misfit(&m, &l1000, 1, -1), log(4.0), 1e-12);
    m.n_holes = 4;
    CHECK_NEAR(retrieval_meta_misfit(&m, l, 2, 4), 0, 1e-12);
    CHECK_NEAR(retrieval_meta_misfit(&m, l, 2, 3), 0.5, 1e-12);
    CHECK_NEAR(retrieval_meta_misfit(&m, NULL, 0, 3), 0.5, 1e-12);
    m.dims_mm[0] = 12.7f; m.n_dims = 1;
    double l127 = 12.7;
    CHECK_NEAR(retrieval_meta_misfit(&m, &l127, 1, -1), 0, 1e-6);
}

static double cosine(const float *a, const float *b, int d) {
    double s = 0;
    for (int i = 0; i < d; i++) s += (double)a[i] * b[i];
    return s;
}

static void test_embed(void) {
    enum { D = 128 };
    float a[D], b[D], c[D], e[D];
    CHECK_EQ_INT(retrieval_embed_hash_ngram(NULL, "A cylindrical rod with a flanged base.", a, D), 0);
    CHECK_EQ_INT(retrieval_embed_hash_ngram(NULL, "a cylindrical rod with flanged base", b, D), 0);
    CHECK_EQ_INT(retrieval_embed_hash_ngram(NULL, "A hexagonal nut.", c, D), 0);
    CHECK_EQ_INT(retrieval_embed_hash_ngram(NULL, "A Cylindrical ROD with a flanged base", e, D), 0);
    CHECK_NEAR(cosine(a, a, D), 1.0, 1e-5);                 /* unit length */
    CHECK_NEAR(cosine(a, e, D), 1.0, 1e-5);                 /* same normalised caption */
    CHECK(cosine(a, b, D) > cosine(a, c, D) + 0.3);        /* near caption beats unrelated */
    CHECK(retrieval_embed_hash_ngram(NULL, "x", a, 0) != 0);
}

int main(void) {
    test_units();
    test_words();
    test_sizes();
    test_misfit();
    test_embed();
    return test_finish("retrieval/normalize");
}
