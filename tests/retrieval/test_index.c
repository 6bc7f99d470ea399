/* test_index.c - BM25 scores against hand-computed values, filters, dense exact
 * search against a brute-force double-precision scan, int8 search, geometry
 * re-ranking, thread-count independence, and the file format (round trip,
 * truncated and corrupt files). */
#include <math.h>
#include <stdint.h>
#include <unistd.h>

#include "steplm/retrieval.h"
#include "test.h"

static retrieval_index *build_bm25(const char *const *caps, const int *splits, int n) {
    retrieval_builder *b = retrieval_builder_new(NULL);
    sl_err err = {0};
    char id[32];
    for (int i = 0; i < n; i++) {
        snprintf(id, sizeof id, "m%03d", i);
        CHECK(retrieval_builder_add(b, id, caps[i], splits ? splits[i] : RETRIEVAL_SPLIT_NONE, NULL,
                                    &err) == SL_OK);
    }
    retrieval_index *idx = NULL;
    CHECK(retrieval_builder_finish(b, &idx, &err) == SL_OK);
    return idx;
}

static void test_bm25_hand(void) {
    /* N = 3, doc lengths 1, 2, 1, avgdl = 4/3. Query "hole": df = 1,
     * idf = ln(1 + (3 - 1 + 0.5)/(1 + 0.5)) = ln(8/3) = 0.98082925;
     * doc 1: tf 1, dl 2: K = 1.2 (0.25 + 0.75 * 2 / (4/3)) = 1.65,
     * score = idf * 2.2 / (1 + 1.65) = 0.81427334. */
    const char *caps[] = {"plate", "plate hole", "rod"};
    retrieval_index *idx = build_bm25(caps, NULL, 3);
    retrieval_query_opts o;
    retrieval_query_opts_init(&o);
    retrieval_hit h[4];
    int n = 0;
    sl_err err = {0};
    CHECK(retrieval_query(idx, "Holes!", NULL, NULL, &o, h, &n, &err) == SL_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(h[0].index, 1);
    CHECK_NEAR(h[0].score, 0.81427334, 1e-6);
    /* "plate": df = 2, idf = ln(1 + 1.5/2.5) = ln 1.6 = 0.47000363.
     * doc 0 (dl 1): K = 1.2 (0.25 + 0.75 * 0.75) = 0.975, s = idf * 2.2 / 1.975 = 0.52354834
     * doc 1 (dl 2): K = 1.65, s = idf * 2.2 / 2.65 = 0.39019169 */
    CHECK(retrieval_query(idx, "plate", NULL, NULL, &o, h, &n, &err) == SL_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(h[0].index, 0);
    CHECK_NEAR(h[0].score, 0.52354834, 1e-6);
    CHECK_EQ_INT(h[1].index, 1);
    CHECK_NEAR(h[1].score, 0.39019169, 1e-6);
    /* exclusion by index and "no match" */
    o.exclude_index = 0;
    CHECK(retrieval_query(idx, "plate", NULL, NULL, &o, h, &n, &err) == SL_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(h[0].index, 1);
    CHECK(retrieval_query(idx, "gear", NULL, NULL, &o, h, &n, &err) == SL_OK);
    CHECK_EQ_INT(n, 0);
    o.k = 0;
    CHECK(retrieval_query(idx, "plate", NULL, NULL, &o, h, &n, &err) == SL_ERR_ARG);
    o.k = 1;
    o.kind = RETRIEVAL_KIND_DENSE;
    CHECK(retrieval_query(idx, "plate", NULL, NULL, &o, h, &n, &err) == SL_ERR_ARG);
    CHECK_EQ_INT(retrieval_index_find(idx, "m002"), 2);
    CHECK_EQ_INT(retrieval_index_find(idx, "m9"), -1);
    retrieval_index_free(idx);
}

static void test_filters(void) {
    const char *caps[] = {"a flat plate", "a flat plate", "A flat plate.", "a flat plate 40 mm",
                          "a rod"};
    int splits[] = {RETRIEVAL_SPLIT_TRAIN, RETRIEVAL_SPLIT_VAL, RETRIEVAL_SPLIT_TRAIN,
                    RETRIEVAL_SPLIT_TRAIN, RETRIEVAL_SPLIT_TEST};
    retrieval_index *idx = build_bm25(caps, splits, 5);
    retrieval_query_opts o;
    retrieval_query_opts_init(&o);
    o.k = 5;
    retrieval_hit h[5];
    int n = 0;
    sl_err err = {0};
    o.split_mask = RETRIEVAL_SPLIT_BIT(RETRIEVAL_SPLIT_TRAIN);
    CHECK(retrieval_query(idx, "a flat plate", NULL, NULL, &o, h, &n, &err) == SL_OK);
    CHECK_EQ_INT(n, 3);
    for (int i = 0; i < n; i++) CHECK_EQ_INT(retrieval_index_split(idx, (size_t)h[i].index), 0);
    /* same normalised caption excluded: entries 0, 1, 2 share "a flat plate" */
    o.split_mask = 0;
    o.exclude_caption_hash = retrieval_caption_hash("a flat plate");
    CHECK(retrieval_query(idx, "a flat plate", NULL, NULL, &o, h, &n, &err) == SL_OK);
    CHECK_EQ_INT(n, 2);               /* entry 3, then "a rod" through the token "a" */
    CHECK_EQ_INT(h[0].index, 3);
    CHECK_EQ_INT(h[1].index, 4);
    /* ... only in val: 0 and 2 come back, 1 does not */
    o.exclude_caption_split_mask = RETRIEVAL_SPLIT_BIT(RETRIEVAL_SPLIT_VAL);
    CHECK(retrieval_query(idx, "a flat plate", NULL, NULL, &o, h, &n, &err) == SL_OK);
    CHECK_EQ_INT(n, 4);
    for (int i = 0; i < n; i++) CHECK(h[i].index != 1);
    /* ties are broken by entry index: 0 before 2 (identical captions, identical score) */
    CHECK_EQ_INT(h[0].index, 0);
    CHECK_EQ_INT(h[1].index, 2);
    retrieval_index_free(idx);
    /* duplicate ids are an error */
    retrieval_builder *b = retrieval_builder_new(NULL);
    CHECK(retrieval_builder_add(b, "x", "a", 0, NULL, &err) == SL_OK);
    CHECK(retrieval_builder_add(b, "x", "b", 0, NULL, &err) == SL_OK);
    CHECK(retrieval_builder_add(b, "", "b", 0, NULL, &err) == SL_ERR_ARG);
    CHECK(retrieval_builder_finish(b, &idx, &err) == SL_ERR_INVALID);
    CHECK(idx == NULL);
}

/* deterministic gaussian-ish vectors */
static double urand(uint64_t *s) {
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(*s >> 11) / 9007199254740992.0;
}

enum { N_DENSE = 3000, DIM = 48, N_Q = 20, K = 10 };

static void test_dense(void) {
    static float v[N_DENSE * DIM], q[N_Q * DIM];
    uint64_t s = 42;
    for (int i = 0; i < N_DENSE * DIM; i++) v[i] = (float)(urand(&s) - 0.5);
    /* queries: noisy copies of entries 7, 157, ... */
    for (int j = 0; j < N_Q; j++)
        for (int d = 0; d < DIM; d++)
            q[j * DIM + d] = v[(7 + 150 * j) * DIM + d] + 0.05f * (float)(urand(&s) - 0.5);
    retrieval_build_opts bo;
    retrieval_build_opts_init(&bo);
    bo.kinds = RETRIEVAL_KIND_DENSE | RETRIEVAL_KIND_DENSE_Q8;
    bo.dim = DIM;
    retrieval_builder *b = retrieval_builder_new(&bo);
    sl_err err = {0};
    char id[32];
    for (int i = 0; i < N_DENSE; i++) {
        snprintf(id, sizeof id, "v%d", i);
        CHECK(retrieval_builder_add_vec(b, id, "", i % 3, NULL, v + i * DIM, &err) == SL_OK);
    }
    retrieval_index *idx = NULL, *idx_q8 = NULL;
    CHECK(retrieval_builder_finish(b, &idx, &err) == SL_OK);
    bo.kinds = RETRIEVAL_KIND_DENSE_Q8;
    b = retrieval_builder_new(&bo);
    for (int i = 0; i < N_DENSE; i++) {
        snprintf(id, sizeof id, "v%d", i);
        CHECK(retrieval_builder_add_vec(b, id, "", i % 3, NULL, v + i * DIM, &err) == SL_OK);
    }
    CHECK(retrieval_builder_finish(b, &idx_q8, &err) == SL_OK);
    if (!idx || !idx_q8) return;
    retrieval_query_opts o;
    retrieval_query_opts_init(&o);
    o.k = K;
    int exact_ok = 1, thread_ok = 1, rerank_ok = 1, q8_top1 = 0, q8_recall = 0;
    for (int j = 0; j < N_Q; j++) {
        const float *qv = q + j * DIM;
        /* brute force in double */
        double qn = 0, best[K];
        long besti[K];
        for (int d = 0; d < DIM; d++) qn += (double)qv[d] * qv[d];
        for (int t = 0; t < K; t++) { best[t] = -2; besti[t] = -1; }
        for (int i = 0; i < N_DENSE; i++) {
            double dot = 0, vn = 0;
            for (int d = 0; d < DIM; d++) {
                dot += (double)qv[d] * v[i * DIM + d];
                vn += (double)v[i * DIM + d] * v[i * DIM + d];
            }
            double c = dot / sqrt(qn * vn);
            if (c > best[K - 1]) {
                int t = K - 1;
                while (t > 0 && c > best[t - 1]) { best[t] = best[t - 1]; besti[t] = besti[t - 1]; t--; }
                best[t] = c;
                besti[t] = i;
            }
        }
        retrieval_hit h1[K], h3[K], hq[K];
        int n1 = 0, n3 = 0, nq = 0;
        o.kind = RETRIEVAL_KIND_DENSE;
        o.n_threads = 1;
        CHECK(retrieval_query_vec(idx, qv, NULL, &o, h1, &n1, &err) == SL_OK);
        o.n_threads = 3;
        CHECK(retrieval_query_vec(idx, qv, NULL, &o, h3, &n3, &err) == SL_OK);
        CHECK_EQ_INT(n1, K);
        for (int t = 0; t < K && t < n1; t++) {
            if (fabs(h1[t].score - best[t]) > 1e-5) exact_ok = 0;
            if (h1[t].index != besti[t] && fabs(best[t] - (t + 1 < K ? best[t + 1] : -2)) > 1e-5)
                exact_ok = 0;
            if (h1[t].index != h3[t].index || h1[t].score != h3[t].score) thread_ok = 0;
        }
        /* int8 scan re-ranked by the float32 rows present in this index: exact top-k */
        o.kind = RETRIEVAL_KIND_DENSE_Q8;
        CHECK(retrieval_query_vec(idx, qv, NULL, &o, hq, &nq, &err) == SL_OK);
        CHECK_EQ_INT(nq, K);
        for (int t = 0; t < K && t < nq; t++) if (hq[t].index != h1[t].index) rerank_ok = 0;
        /* int8 only: approximate */
        CHECK(retrieval_query_vec(idx_q8, qv, NULL, &o, hq, &nq, &err) == SL_OK);
        q8_top1 += nq > 0 && hq[0].index == 7 + 150 * j;
        for (int t = 0; t < nq; t++)
            for (int u = 0; u < K; u++) q8_recall += hq[t].index == besti[u];
    }
    CHECK(rerank_ok);
    retrieval_index_free(idx_q8);
    CHECK(exact_ok);
    CHECK(thread_ok);
    CHECK_EQ_INT(q8_top1, N_Q);
    CHECK_MSG(q8_recall >= (int)(0.8 * N_Q * K), "int8 recall@10 %d / %d", q8_recall, N_Q * K);
    /* stored rows are the unit-length inputs */
    {
        float row[DIM];
        double nn = 0;
        for (int d = 0; d < DIM; d++) nn += (double)v[5 * DIM + d] * v[5 * DIM + d];
        CHECK(retrieval_index_vector(idx, 5, row) == SL_OK);
        double maxerr = 0;
        for (int d = 0; d < DIM; d++) maxerr = fmax(maxerr, fabs(row[d] - v[5 * DIM + d] / sqrt(nn)));
        CHECK_NEAR(maxerr, 0, 1e-6);
        CHECK(retrieval_index_vector(idx, N_DENSE, row) == SL_ERR_ARG);
    }
    /* split filter on a dense query */
    retrieval_hit h[K];
    int n = 0;
    o.kind = RETRIEVAL_KIND_DENSE;
    o.split_mask = RETRIEVAL_SPLIT_BIT(2);
    CHECK(retrieval_query_vec(idx, q, NULL, &o, h, &n, &err) == SL_OK);
    CHECK_EQ_INT(n, K);
    for (int t = 0; t < n; t++) CHECK_EQ_INT(h[t].index % 3, 2);
    retrieval_index_free(idx);
}

static void test_geo(void) {
    /* same caption, different sizes: only the metadata can tell them apart */
    retrieval_builder *b = retrieval_builder_new(NULL);
    sl_err err = {0};
    float sizes[4][3] = {{10, 10, 2}, {100, 50, 5}, {200, 100, 5}, {60, 50, 5}};
    char id[16];
    for (int i = 0; i < 4; i++) {
        retrieval_meta m;
        retrieval_meta_init_unknown(&m);
        for (int d = 0; d < 3; d++) m.bbox_mm[d] = sizes[i][d];
        snprintf(id, sizeof id, "p%d", i);
        CHECK(retrieval_builder_add(b, id, "a rectangular plate", 0, &m, &err) == SL_OK);
    }
    CHECK(retrieval_builder_add(b, "rod", "a rod", 0, NULL, &err) == SL_OK);
    retrieval_index *idx = NULL;
    CHECK(retrieval_builder_finish(b, &idx, &err) == SL_OK);
    retrieval_query_opts o;
    retrieval_query_opts_init(&o);
    o.k = 4;
    retrieval_hit h[4];
    int n = 0;
    CHECK(retrieval_query(idx, "A rectangular plate, 10 x 5 cm", NULL, NULL, &o, h, &n, &err) == SL_OK);
    CHECK_EQ_INT(h[0].index, 0);      /* no re-ranking: ties in index order */
    o.geo_rerank = 1;
    CHECK(retrieval_query(idx, "A rectangular plate, 10 x 5 cm", NULL, NULL, &o, h, &n, &err) == SL_OK);
    CHECK_EQ_INT(n, 4);
    CHECK_EQ_INT(h[0].index, 1);      /* 100 x 50 fits exactly */
    CHECK_NEAR(h[0].misfit, 0, 1e-6);
    /* next: 60x50x5 (misfit |ln(100/60)|/2 = 0.2554) before 200x100x5 (ln 2 / 2 = 0.3466) */
    CHECK_EQ_INT(h[1].index, 3);
    CHECK_NEAR(h[1].misfit, log(100.0 / 60.0) / 2, 1e-6);
    CHECK_EQ_INT(h[2].index, 2);
    CHECK_NEAR(h[2].misfit, log(2.0) / 2, 1e-6);
    /* no sizes in the caption: no re-ranking */
    CHECK(retrieval_query(idx, "A rectangular plate", NULL, NULL, &o, h, &n, &err) == SL_OK);
    CHECK_EQ_INT(h[0].index, 0);
    CHECK(h[0].misfit < 0);
    retrieval_index_free(idx);
}

static long file_size(const char *p) {
    FILE *f = fopen(p, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void copy_modified(const char *src, const char *dst, long keep, long flip_at) {
    FILE *f = fopen(src, "rb"), *g = fopen(dst, "wb");
    long i = 0;
    int c;
    while ((c = fgetc(f)) != EOF && (keep < 0 || i < keep)) {
        if (i == flip_at) c ^= 0x40;
        fputc(c, g);
        i++;
    }
    fclose(f);
    fclose(g);
}

static void test_file(void) {
    char dir[] = "/tmp/steplm_test_index_XXXXXX";
    if (!mkdtemp(dir)) TEST_SKIP("no temp dir");
    char path[256], bad[256];
    snprintf(path, sizeof path, "%s/a.idx", dir);
    snprintf(bad, sizeof bad, "%s/b.idx", dir);
    retrieval_build_opts bo;
    retrieval_build_opts_init(&bo);
    bo.kinds = 7;
    bo.dim = 32;
    bo.embed = retrieval_embed_hash_ngram;
    bo.embed_name = RETRIEVAL_EMBED_HASH_NAME;
    retrieval_builder *b = retrieval_builder_new(&bo);
    const char *caps[] = {"A flat rectangular plate.", "A cylindrical rod with a conical tip.",
                          "A hexagonal nut with a central threaded hole.", "A rectangular block.",
                          "A cylindrical rod."};
    sl_err err = {0};
    char id[16];
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "%08d", 10001 + i);
        retrieval_meta m;
        retrieval_meta_init_unknown(&m);
        m.n_holes = i;
        CHECK(retrieval_builder_add(b, id, caps[i], i % 3, &m, &err) == SL_OK);
    }
    retrieval_index *idx = NULL;
    CHECK(retrieval_builder_finish(b, &idx, &err) == SL_OK);
    CHECK(retrieval_index_save(idx, path, &err) == SL_OK);
    retrieval_index *ld = NULL;
    CHECK(retrieval_index_load(path, 1, &ld, &err) == SL_OK);
    if (!ld) { retrieval_index_free(idx); return; }
    CHECK_EQ_INT(retrieval_index_count(ld), 5);
    CHECK_EQ_INT(retrieval_index_kinds(ld), 7);
    CHECK_EQ_INT(retrieval_index_dim(ld), 32);
    CHECK_STR(retrieval_index_embed_name(ld), RETRIEVAL_EMBED_HASH_NAME);
    for (size_t i = 0; i < 5; i++) {
        CHECK_STR(retrieval_index_id(ld, i), retrieval_index_id(idx, i));
        CHECK_STR(retrieval_index_caption(ld, i), caps[i]);
        CHECK_EQ_INT(retrieval_index_split(ld, i), (int)(i % 3));
        CHECK_EQ_INT(retrieval_index_meta(ld, i)->n_holes, (int)i);
    }
    CHECK_EQ_INT(retrieval_index_find(ld, "00010003"), 2);
    unsigned kinds[3] = {RETRIEVAL_KIND_BM25, RETRIEVAL_KIND_DENSE, RETRIEVAL_KIND_DENSE_Q8};
    for (int k = 0; k < 3; k++) {
        retrieval_query_opts o;
        retrieval_query_opts_init(&o);
        o.k = 3;
        o.kind = kinds[k];
        retrieval_hit h1[3], h2[3];
        int n1 = 0, n2 = 0;
        CHECK(retrieval_query(idx, "cylindrical rod", retrieval_embed_hash_ngram, NULL, &o, h1, &n1, &err) == SL_OK);
        CHECK(retrieval_query(ld, "cylindrical rod", retrieval_embed_hash_ngram, NULL, &o, h2, &n2, &err) == SL_OK);
        CHECK_EQ_INT(n1, n2);
        for (int t = 0; t < n1 && t < n2; t++) {
            CHECK_EQ_INT(h1[t].index, h2[t].index);
            CHECK(h1[t].score == h2[t].score);
        }
        CHECK(n1 > 0 && (h1[0].index == 1 || h1[0].index == 4));
    }
    retrieval_index_free(ld);
    retrieval_index_free(idx);

    long size = file_size(path);
    /* truncated by one byte, to the header, to nothing */
    long cuts[3] = {size - 1, 256, 0};
    for (int c = 0; c < 3; c++) {
        copy_modified(path, bad, cuts[c], -1);
        ld = NULL;
        memset(&err, 0, sizeof err);
        CHECK(retrieval_index_load(bad, 0, &ld, &err) == SL_ERR_INVALID);
        CHECK(ld == NULL);
        CHECK_MSG(strstr(err.msg, "truncated") != NULL, "cut %ld: %s", cuts[c], err.msg);
        CHECK_STR(err.file, bad);
    }
    /* bad magic, damaged header field (n), damaged payload byte */
    struct { long at; int verify; const char *says; } dmg[] = {
        {0, 0, "bad magic"}, {24, 0, "header"}, {size - 40, 1, "checksum"}, {300, 1, "checksum"}};
    for (int c = 0; c < 4; c++) {
        copy_modified(path, bad, -1, dmg[c].at);
        ld = NULL;
        memset(&err, 0, sizeof err);
        CHECK(retrieval_index_load(bad, dmg[c].verify, &ld, &err) == SL_ERR_INVALID);
        CHECK(ld == NULL);
        CHECK_MSG(strstr(err.msg, dmg[c].says) != NULL, "damage at %ld: %s", dmg[c].at, err.msg);
    }
    /* structural damage without the checksum: a posting that names entry 2^30 */
    {
        FILE *f = fopen(path, "rb");
        unsigned char hdr[256 + 24 * 17];
        CHECK(fread(hdr, 1, sizeof hdr, f) == sizeof hdr);
        fclose(f);
        uint32_t n_sec;
        memcpy(&n_sec, hdr + 116, 4);
        long post_at = -1;
        for (uint32_t i = 0; i < n_sec && i < 17; i++) {
            uint32_t tag;
            uint64_t off;
            memcpy(&tag, hdr + 256 + 24 * i, 4);
            memcpy(&off, hdr + 256 + 24 * i + 8, 8);
            if (tag == 12) post_at = (long)off;   /* SEC_POST: {u32 doc, u32 tf} */
        }
        CHECK(post_at > 0);
        copy_modified(path, bad, -1, post_at + 3);   /* doc id's high byte ^= 0x40 */
        ld = NULL;
        CHECK(retrieval_index_load(bad, 0, &ld, &err) == SL_ERR_INVALID);
        CHECK_MSG(strstr(err.msg, "postings") != NULL, "%s", err.msg);
    }
    CHECK(retrieval_index_load("/nonexistent/x.idx", 0, &ld, &err) == SL_ERR_IO);
    unlink(path);
    unlink(bad);
    rmdir(dir);
}

int main(void) {
    test_bm25_hand();
    test_filters();
    test_dense();
    test_geo();
    test_file();
    return test_finish("retrieval/index");
}
