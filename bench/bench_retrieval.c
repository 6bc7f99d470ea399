/* bench_retrieval.c - build and query latency of the caption index at scale.
 *
 *   bench_retrieval [N] [DIM] [N_QUERIES] [--no-dense] [--no-bm25]
 *   bench_retrieval N --quality       (retrieval quality on a proxy corpus, below)
 *   bench_retrieval N --dataset       (the dataset loop on N parts, below)
 *
 * Dense: N synthetic vectors (DIM floats: 1000 cluster centres plus noise, a
 * fixed seed), exact float32 cosine and int8 search; queries are noisy copies
 * of cluster centres; int8 recall@10 is measured against exact.
 * BM25: N synthetic captions from a template grammar (families, adjectives,
 * features, sizes with mixed units), queries are other captions of the grammar.
 * Prints one JSON line per measurement. Results depend only on the seed. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "steplm/data.h"
#include "steplm/retrieval.h"

static uint64_t rng_next(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double rng_unif(uint64_t *s) { return (double)(rng_next(s) >> 11) / 9007199254740992.0; }
static double rng_gauss(uint64_t *s) {
    double u = rng_unif(s) + 1e-300, v = rng_unif(s);
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n ? v[n / 2] : 0;
}

static retrieval_index *dense_build(long n, int dim, unsigned kinds, const float *centres,
                                    int n_centres, double *t_add, double *t_fin) {
    uint64_t s = 777;   /* same rows for every kind */
    float *row = malloc((size_t)dim * sizeof *row);
    retrieval_build_opts bo;
    retrieval_build_opts_init(&bo);
    bo.kinds = kinds;
    bo.dim = dim;
    bo.embed_name = "synthetic";
    retrieval_builder *b = retrieval_builder_new(&bo);
    sl_err err = {0};
    char id[32];
    double t0 = sl_time_sec();
    for (long i = 0; i < n; i++) {
        const float *c = centres + (size_t)(rng_next(&s) % (uint64_t)n_centres) * (size_t)dim;
        for (int d = 0; d < dim; d++) row[d] = c[d] + 0.866f * (float)(2 * rng_unif(&s) - 1);   /* sd 0.5 */
        snprintf(id, sizeof id, "v%ld", i);
        if (retrieval_builder_add_vec(b, id, "", (int)(i % 3), NULL, row, &err)) {
            fprintf(stderr, "add: %s\n", err.msg);
            exit(1);
        }
    }
    *t_add = sl_time_sec() - t0;
    retrieval_index *idx = NULL;
    t0 = sl_time_sec();
    if (retrieval_builder_finish(b, &idx, &err)) {
        fprintf(stderr, "finish: %s\n", err.msg);
        exit(1);
    }
    *t_fin = sl_time_sec() - t0;
    free(row);
    return idx;
}

enum { K_DENSE = 10 };

/* median latency of one kind over the queries; recall against exact (if given) */
static void dense_run(const retrieval_index *idx, unsigned kind, const float *q, int n_q, int dim,
                      long *exact, const char *name, long n) {
    double *lat = malloc((size_t)n_q * sizeof *lat);
    int recall = 0, top1 = 0;
    sl_err err = {0};
    for (int j = 0; j < n_q; j++) {
        retrieval_query_opts o;
        retrieval_query_opts_init(&o);
        o.k = K_DENSE;
        o.kind = kind;
        retrieval_hit h[K_DENSE];
        int nh = 0;
        double t = sl_time_sec();
        retrieval_query_vec(idx, q + (size_t)j * dim, NULL, &o, h, &nh, &err);
        lat[j] = sl_time_sec() - t;
        long *ex = exact + (size_t)j * K_DENSE;
        if (kind == RETRIEVAL_KIND_DENSE && !strcmp(name, "f32_exact")) {
            for (int a = 0; a < K_DENSE; a++) ex[a] = a < nh ? h[a].index : -1;
            continue;
        }
        for (int a = 0; a < nh; a++)
            for (int c = 0; c < K_DENSE; c++) recall += h[a].index == ex[c];
        top1 += nh && h[0].index == ex[0];
    }
    double m = median(lat, n_q);
    double bytes = (double)n * dim * (kind == RETRIEVAL_KIND_DENSE ? 4 : 1);
    printf("{\"bench\":\"dense_query\",\"kind\":\"%s\",\"n\":%ld,\"dim\":%d,\"threads\":%d,"
           "\"median_ms\":%.2f,\"GB_per_s\":%.1f", name, n, dim, omp_get_max_threads(), m * 1e3,
           bytes / m / 1e9);
    if (strcmp(name, "f32_exact"))
        printf(",\"recall_at_10\":%.3f,\"top1_agree\":%.3f", (double)recall / (n_q * K_DENSE),
               (double)top1 / n_q);
    printf("}\n");
    fflush(stdout);
    free(lat);
}

static void bench_dense(long n, int dim, int n_q) {
    uint64_t s = 12345;
    const int n_centres = 1000;
    float *centres = malloc((size_t)n_centres * (size_t)dim * sizeof *centres);
    for (long i = 0; i < (long)n_centres * dim; i++) centres[i] = (float)rng_gauss(&s);
    /* queries: a random cluster centre plus fresh noise, like the entries */
    float *q = malloc((size_t)n_q * (size_t)dim * sizeof *q);
    for (int j = 0; j < n_q; j++) {
        const float *c = centres + (size_t)(rng_next(&s) % (uint64_t)n_centres) * (size_t)dim;
        for (int d = 0; d < dim; d++) q[(size_t)j * dim + d] = c[d] + 0.5f * (float)rng_gauss(&s);
    }
    long *exact = malloc((size_t)n_q * K_DENSE * sizeof *exact);
    double ta, tf;
    /* float32 + int8 in one index: exact, and int8 scan with float32 re-ranking */
    retrieval_index *idx = dense_build(n, dim, RETRIEVAL_KIND_DENSE | RETRIEVAL_KIND_DENSE_Q8, centres,
                                       n_centres, &ta, &tf);
    printf("{\"bench\":\"dense_build\",\"kinds\":\"f32+int8\",\"n\":%ld,\"dim\":%d,\"threads\":%d,"
           "\"add_s\":%.3f,\"finish_s\":%.3f}\n", n, dim, omp_get_max_threads(), ta, tf);
    dense_run(idx, RETRIEVAL_KIND_DENSE, q, n_q, dim, exact, "f32_exact", n);
    dense_run(idx, RETRIEVAL_KIND_DENSE_Q8, q, n_q, dim, exact, "int8_scan_f32_rerank", n);
    retrieval_index_free(idx);
    /* int8 only: a quarter of the memory, approximate */
    idx = dense_build(n, dim, RETRIEVAL_KIND_DENSE_Q8, centres, n_centres, &ta, &tf);
    printf("{\"bench\":\"dense_build\",\"kinds\":\"int8\",\"n\":%ld,\"dim\":%d,\"threads\":%d,"
           "\"add_s\":%.3f,\"finish_s\":%.3f}\n", n, dim, omp_get_max_threads(), ta, tf);
    dense_run(idx, RETRIEVAL_KIND_DENSE_Q8, q, n_q, dim, exact, "int8", n);
    retrieval_index_free(idx);
    free(q); free(exact); free(centres);
}

static const char *const fam[] = {"plate", "rod", "bracket", "flange", "nut", "bolt", "washer",
    "block", "shaft", "pipe", "elbow", "gear", "spacer", "bushing", "clip", "hinge", "housing",
    "cover", "knob", "pulley", "disc", "ring", "frame", "beam", "channel", "tube", "cap", "pin",
    "wedge", "hook"};
static const char *const adj[] = {"flat", "cylindrical", "rectangular", "hexagonal", "hollow",
    "thin", "thick", "L-shaped", "U-shaped", "T-shaped", "conical", "square", "circular", "curved",
    "stepped", "tapered", "slotted", "threaded", "round", "long"};
static const char *const feat[] = {"a central hole", "two mounting holes", "four holes",
    "a flanged base", "a conical tip", "rounded corners", "a rectangular cutout", "a slot",
    "chamfered edges", "a threaded bore", "six bolt holes", "a keyway", "a groove", "fillets",
    "an open top", "a raised boss"};
static const char *const unit[] = {"mm", " mm", " cm", " in"};

static void make_caption(uint64_t *s, char *out, size_t n) {
    const char *a = adj[rng_next(s) % 20], *f = fam[rng_next(s) % 30];
    int with = (int)(rng_next(s) % 3);
    int size = (int)(rng_next(s) % 4);
    size_t k = (size_t)snprintf(out, n, "A %s %s", a, f);
    if (with) k += (size_t)snprintf(out + k, n - k, " with %s", feat[rng_next(s) % 16]);
    if (with == 2) k += (size_t)snprintf(out + k, n - k, " and %s", feat[rng_next(s) % 16]);
    if (size) {
        int u = (int)(rng_next(s) % 4);
        int v = 5 + (int)(rng_next(s) % 200);
        k += (size_t)snprintf(out + k, n - k, ", %d%s long", u == 2 ? v / 10 : u == 3 ? v / 25 : v, unit[u]);
    }
    snprintf(out + k, n - k, ".");
}

static void bench_bm25(long n, int n_q, const char *tmpdir) {
    uint64_t s = 777;
    retrieval_builder *b = retrieval_builder_new(NULL);
    sl_err err = {0};
    char id[32], cap[256];
    double t0 = sl_time_sec();
    for (long i = 0; i < n; i++) {
        make_caption(&s, cap, sizeof cap);
        snprintf(id, sizeof id, "%08ld", i);
        retrieval_builder_add(b, id, cap, (int)(i % 3), NULL, &err);
    }
    double t_add = sl_time_sec() - t0;
    retrieval_index *idx = NULL;
    t0 = sl_time_sec();
    if (retrieval_builder_finish(b, &idx, &err)) {
        fprintf(stderr, "finish: %s\n", err.msg);
        exit(1);
    }
    double t_build = sl_time_sec() - t0;
    char path[512];
    snprintf(path, sizeof path, "%s/bench_bm25.idx", tmpdir);
    t0 = sl_time_sec();
    if (retrieval_index_save(idx, path, &err)) { fprintf(stderr, "save: %s\n", err.msg); exit(1); }
    double t_save = sl_time_sec() - t0;
    retrieval_index *ld = NULL;
    t0 = sl_time_sec();
    if (retrieval_index_load(path, 0, &ld, &err)) { fprintf(stderr, "load: %s\n", err.msg); exit(1); }
    double t_load = sl_time_sec() - t0;
    retrieval_index_free(ld);
    t0 = sl_time_sec();
    if (retrieval_index_load(path, 1, &ld, &err)) { fprintf(stderr, "load: %s\n", err.msg); exit(1); }
    double t_load_v = sl_time_sec() - t0;
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long bytes = ftell(f);
    fclose(f);
    printf("{\"bench\":\"bm25_build\",\"n\":%ld,\"add_s\":%.3f,\"finish_s\":%.3f,\"save_s\":%.3f,"
           "\"load_s\":%.4f,\"load_verify_s\":%.3f,\"file_MB\":%.1f}\n", n, t_add, t_build, t_save,
           t_load, t_load_v, (double)bytes / 1e6);
    double *lat = malloc((size_t)n_q * sizeof *lat), *lat_geo = malloc((size_t)n_q * sizeof *lat_geo);
    long touched = 0;
    for (int j = 0; j < n_q; j++) {
        make_caption(&s, cap, sizeof cap);
        retrieval_query_opts o;
        retrieval_query_opts_init(&o);
        o.k = 10;
        o.split_mask = RETRIEVAL_SPLIT_BIT(RETRIEVAL_SPLIT_TRAIN);
        retrieval_hit h[10];
        int nh = 0;
        double t = sl_time_sec();
        retrieval_query(ld, cap, NULL, NULL, &o, h, &nh, &err);
        lat[j] = sl_time_sec() - t;
        touched += nh;
        o.geo_rerank = 1;
        t = sl_time_sec();
        retrieval_query(ld, cap, NULL, NULL, &o, h, &nh, &err);
        lat_geo[j] = sl_time_sec() - t;
    }
    printf("{\"bench\":\"bm25_query\",\"n\":%ld,\"k\":10,\"median_ms\":%.2f,\"median_geo_ms\":%.2f,"
           "\"hits\":%ld}\n", n, median(lat, n_q) * 1e3, median(lat_geo, n_q) * 1e3, touched);
    fflush(stdout);
    retrieval_index_free(ld);
    retrieval_index_free(idx);
    unlink(path);
    free(lat);
    free(lat_geo);
}

/* ---- quality proxy --------------------------------------------------------------
 * A stand-in for the synth corpus of issue 6 (not yet built): parts of 12
 * families with random key sizes, captions from 2-3 paraphrases per family,
 * half of them stating sizes in mm, cm or inches. Split 70/10/20 by the data
 * rule; held-out (val + test) captions query train. Family match: top-1 family
 * equals the query's. Geometry: for held-out captions that state sizes, the
 * top-1 part's sizes are closer to the query part's than those of a random
 * same-family train part (distance: mean |ln ratio| of sorted bbox extents). */
#define N_FAM 12
static const char *const fam_text[N_FAM][3] = {
    {"A flat rectangular plate", "A thin rectangular plate", "A flat plate with square corners"},
    {"A rectangular block", "A solid rectangular block", "A cuboid block"},
    {"A cylindrical rod", "A long round rod", "A solid cylindrical bar"},
    {"A hollow cylindrical pipe", "A hollow tube", "A straight pipe section"},
    {"A flat washer with a central hole", "A thin washer with a round hole", "A flat annular washer"},
    {"A circular flange with bolt holes", "A round flange with a central bore and bolt holes", "A pipe flange with a bolt circle"},
    {"A hexagonal nut with a central threaded hole", "A hex nut with a threaded hole", "A six-sided nut"},
    {"An L-shaped bracket with mounting holes", "A right-angle bracket with holes", "An L-shaped mounting bracket"},
    {"A spur gear with teeth around its rim", "A toothed gear wheel", "A spur gear with a central bore"},
    {"A stepped cylindrical shaft", "A stepped shaft with a keyway", "A shaft with two diameters"},
    {"A cylindrical spacer with a through hole", "A short hollow spacer", "A round spacer sleeve"},
    {"A flat circular disc", "A round disk", "A thin circular disc"}};

static double urange(uint64_t *s, double lo, double hi) { return lo + (hi - lo) * rng_unif(s); }

typedef struct part { int fam; float bbox[3]; char cap[256]; } part;

static void make_part(uint64_t *s, part *p) {
    int f = (int)(rng_next(s) % N_FAM);
    double a, b, c;
    switch (f) {
    case 0: a = urange(s, 20, 300); b = urange(s, 10, 200); c = urange(s, 1, 10); break;
    case 1: a = urange(s, 10, 100); b = urange(s, 10, 100); c = urange(s, 10, 100); break;
    case 2: a = urange(s, 20, 500); b = c = urange(s, 2, 30); break;
    case 3: a = urange(s, 20, 800); b = c = urange(s, 10, 150); break;
    case 4: a = b = urange(s, 5, 60); c = urange(s, 0.5, 4); break;
    case 5: a = b = urange(s, 40, 300); c = urange(s, 5, 30); break;
    case 6: a = b = urange(s, 5, 40); c = urange(s, 3, 25); break;
    case 7: a = urange(s, 20, 150); b = urange(s, 20, 150); c = urange(s, 10, 80); break;
    case 8: a = b = urange(s, 20, 200); c = urange(s, 5, 40); break;
    case 9: a = urange(s, 50, 600); b = c = urange(s, 8, 60); break;
    case 10: a = b = urange(s, 5, 40); c = urange(s, 3, 60); break;
    default: a = b = urange(s, 20, 300); c = urange(s, 1, 10); break;
    }
    p->fam = f;
    p->bbox[0] = (float)a; p->bbox[1] = (float)b; p->bbox[2] = (float)c;
    size_t k = (size_t)snprintf(p->cap, sizeof p->cap, "%s", fam_text[f][rng_next(s) % 3]);
    if (rng_next(s) % 2) {      /* state the sizes: two largest, in one of three units */
        double d[3] = {a, b, c}, t;
        for (int i = 0; i < 2; i++)
            for (int j = i + 1; j < 3; j++)
                if (d[j] > d[i]) { t = d[i]; d[i] = d[j]; d[j] = t; }
        int u = (int)(rng_next(s) % 3);
        double sc = u == 0 ? 1 : u == 1 ? 0.1 : 1 / 25.4;
        const char *un = u == 0 ? "mm" : u == 1 ? "cm" : "in";
        k += (size_t)snprintf(p->cap + k, sizeof p->cap - k, ", %.3g x %.3g %s", d[0] * sc, d[1] * sc, un);
    }
    snprintf(p->cap + k, sizeof p->cap - k, ".");
}

static double size_dist(const float *a, const float *b) {
    float x[3] = {a[0], a[1], a[2]}, y[3] = {b[0], b[1], b[2]}, t;
    for (int i = 0; i < 2; i++)
        for (int j = i + 1; j < 3; j++) {
            if (x[j] > x[i]) { t = x[i]; x[i] = x[j]; x[j] = t; }
            if (y[j] > y[i]) { t = y[i]; y[i] = y[j]; y[j] = t; }
        }
    double s = 0;
    for (int i = 0; i < 3; i++) s += fabs(log(x[i] / y[i]));
    return s / 3;
}

static void bench_quality(long n) {
    uint64_t s = 2024;
    part *parts = malloc((size_t)n * sizeof *parts);
    const char **ids = malloc((size_t)n * sizeof *ids), **caps = malloc((size_t)n * sizeof *caps);
    char (*idbuf)[24] = malloc((size_t)n * sizeof *idbuf);
    uint8_t *split = malloc((size_t)n);
    for (long i = 0; i < n; i++) {
        make_part(&s, &parts[i]);
        snprintf(idbuf[i], sizeof idbuf[i], "q%07ld", i);
        ids[i] = idbuf[i];
        caps[i] = parts[i].cap;
    }
    data_split_cfg sc;
    data_split_cfg_init(&sc);
    sc.seed = 1;
    sl_err err = {0};
    data_split_assign(ids, caps, (size_t)n, &sc, split, &err);
    long *train = malloc((size_t)n * sizeof *train), *fam_train[N_FAM];
    long n_fam_train[N_FAM] = {0}, n_train = 0;
    for (int f = 0; f < N_FAM; f++) fam_train[f] = malloc((size_t)n * sizeof(long));
    for (long i = 0; i < n; i++)
        if (split[i] == RETRIEVAL_SPLIT_TRAIN) {
            train[n_train++] = i;
            fam_train[parts[i].fam][n_fam_train[parts[i].fam]++] = i;
        }
    retrieval_build_opts bo;
    retrieval_build_opts_init(&bo);
    bo.kinds = RETRIEVAL_KIND_BM25 | RETRIEVAL_KIND_DENSE;
    bo.dim = 256;
    bo.embed = retrieval_embed_hash_ngram;
    bo.embed_name = RETRIEVAL_EMBED_HASH_NAME;
    retrieval_builder *b = retrieval_builder_new(&bo);
    for (long i = 0; i < n; i++) {
        retrieval_meta m;
        retrieval_meta_init_unknown(&m);
        memcpy(m.bbox_mm, parts[i].bbox, sizeof m.bbox_mm);
        retrieval_builder_add(b, ids[i], caps[i], split[i], &m, &err);
    }
    retrieval_index *idx = NULL;
    if (retrieval_builder_finish(b, &idx, &err)) { fprintf(stderr, "%s\n", err.msg); exit(1); }
    long n_q = 0, fam_ok[2] = {0, 0}, n_sized = 0, geo_win = 0, nogeo_win = 0;
    for (long i = 0; i < n; i++) {
        if (split[i] == RETRIEVAL_SPLIT_TRAIN) continue;
        n_q++;
        retrieval_query_opts o;
        retrieval_query_opts_init(&o);
        o.k = 1;
        o.split_mask = RETRIEVAL_SPLIT_BIT(RETRIEVAL_SPLIT_TRAIN);
        o.n_threads = 1;
        retrieval_hit h;
        int nh = 0;
        unsigned kinds[2] = {RETRIEVAL_KIND_BM25, RETRIEVAL_KIND_DENSE};
        for (int k = 0; k < 2; k++) {
            o.kind = kinds[k];
            retrieval_query(idx, caps[i], retrieval_embed_hash_ngram, NULL, &o, &h, &nh, &err);
            fam_ok[k] += nh && parts[h.index].fam == parts[i].fam;
        }
        double l[4];
        if (retrieval_caption_lengths_mm(caps[i], l, 4) == 0) continue;
        n_sized++;
        int f = parts[i].fam;
        long r = fam_train[f][rng_next(&s) % (uint64_t)n_fam_train[f]];
        double d_rand = size_dist(parts[i].bbox, parts[r].bbox);
        o.kind = RETRIEVAL_KIND_BM25;
        retrieval_query(idx, caps[i], NULL, NULL, &o, &h, &nh, &err);
        nogeo_win += nh && parts[h.index].fam == f && size_dist(parts[i].bbox, parts[h.index].bbox) < d_rand;
        o.geo_rerank = 1;
        retrieval_query(idx, caps[i], NULL, NULL, &o, &h, &nh, &err);
        geo_win += nh && parts[h.index].fam == f && size_dist(parts[i].bbox, parts[h.index].bbox) < d_rand;
    }
    printf("{\"bench\":\"quality_proxy\",\"parts\":%ld,\"train\":%ld,\"held_out\":%ld,"
           "\"family_top1_bm25\":%.4f,\"family_top1_dense_hash\":%.4f,\"sized_queries\":%ld,"
           "\"closer_than_random_same_family_geo\":%.4f,\"closer_than_random_same_family_bm25_only\":%.4f}\n",
           n, n_train, n_q, (double)fam_ok[0] / n_q, (double)fam_ok[1] / n_q, n_sized,
           (double)geo_win / n_sized, (double)nogeo_win / n_sized);
    retrieval_index_free(idx);
    for (int f = 0; f < N_FAM; f++) free(fam_train[f]);
    free(train); free(parts); free(ids); free(caps); free(idbuf); free(split);
}

/* ---- the dataset loop ------------------------------------------------------------
 * data_build_records on n proxy parts with synthetic DATA sections of ~20 KB
 * (about 5k Llama tokens, the median STEP-LLM record), written to three JSONL
 * files under TMPDIR. Measures split + index + pairing + formatting + writing,
 * not reading, rounding, reserializing or tokenizing STEP files. */
typedef struct ds_sink { FILE *f[3]; size_t bytes; } ds_sink;

static int ds_emit(void *ctx, int split, const char *line, size_t n) {
    ds_sink *d = ctx;
    d->bytes += n;
    return fwrite(line, 1, n, d->f[split]) == n ? 0 : -1;
}

static void bench_dataset(long n, const char *tmpdir) {
    uint64_t s = 99;
    part *parts = malloc((size_t)n * sizeof *parts);
    data_sample *smp = calloc((size_t)n, sizeof *smp);
    char (*idbuf)[24] = malloc((size_t)n * sizeof *idbuf);
    char **steps = malloc((size_t)n * sizeof *steps);
    size_t total = 0;
    for (long i = 0; i < n; i++) {
        make_part(&s, &parts[i]);
        snprintf(idbuf[i], sizeof idbuf[i], "%08ld", i);
        size_t cap = 24000, k = 0;
        steps[i] = malloc(cap);
        k += (size_t)snprintf(steps[i] + k, cap - k, "DATA;");
        for (int e = 1; k + 120 < cap - 2000; e++)
            k += (size_t)snprintf(steps[i] + k, cap - k, "\n#%d = CARTESIAN_POINT( '', ( %.6f, %.6f, %.6f ) );",
                                  e, urange(&s, -100, 100), urange(&s, -100, 100), urange(&s, -100, 100));
        k += (size_t)snprintf(steps[i] + k, cap - k, "\nENDSEC;\nEND-ISO-10303-21;");
        total += k;
        smp[i].id = idbuf[i];
        smp[i].caption = parts[i].cap;
        smp[i].step = steps[i];
        retrieval_meta_init_unknown(&smp[i].meta);
        memcpy(smp[i].meta.bbox_mm, parts[i].bbox, sizeof smp[i].meta.bbox_mm);
    }
    ds_sink d = {{0}, 0};
    const char *names[3] = {"train", "val", "test"};
    char path[600];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/bench_ds_%s.jsonl", tmpdir, names[i]);
        d.f[i] = fopen(path, "wb");
        if (!d.f[i]) { fprintf(stderr, "cannot write %s\n", path); exit(1); }
    }
    data_build_cfg cfg;
    data_build_cfg_init(&cfg);
    cfg.split.seed = 1;
    cfg.pair.geo_rerank = 1;
    data_build_stats st;
    sl_err err = {0};
    double t0 = sl_time_sec();
    clock_t c0 = clock();   /* CPU time of all threads: the shared machine inflates wall time */
    if (data_build_records(smp, (size_t)n, &cfg, ds_emit, &d, &st, &err)) {
        fprintf(stderr, "dataset: %s\n", err.msg);
        exit(1);
    }
    for (int i = 0; i < 3; i++) fclose(d.f[i]);
    double t = sl_time_sec() - t0, cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
    printf("{\"bench\":\"dataset_loop\",\"parts\":%ld,\"threads\":%d,\"step_MB_in\":%.1f,\"jsonl_MB_out\":%.1f,"
           "\"seconds\":%.2f,\"cpu_s\":%.2f,\"index_s\":%.2f,\"pair_s\":%.2f,\"format_write_s\":%.2f,"
           "\"train\":%zu,\"val\":%zu,\"test\":%zu,\"unpaired\":%zu,\"twins\":%zu}\n",
           n, omp_get_max_threads(), total / 1e6, d.bytes / 1e6, t, cpu, st.seconds_index, st.seconds_pair,
           st.seconds_write, st.n[0], st.n[1], st.n[2], st.n_unpaired, st.n_twin);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/bench_ds_%s.jsonl", tmpdir, names[i]);
        unlink(path);
    }
    for (long i = 0; i < n; i++) free(steps[i]);
    free(steps); free(parts); free(smp); free(idbuf);
}

int main(int argc, char **argv) {
    long n = 1000000;
    int dim = 384, n_q = 50, dense = 1, bm25 = 1, pos = 0, quality = 0, dataset = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--no-dense")) dense = 0;
        else if (!strcmp(argv[i], "--dataset")) dataset = 1;
        else if (!strcmp(argv[i], "--quality")) quality = 1;
        else if (!strcmp(argv[i], "--no-bm25")) bm25 = 0;
        else if (pos == 0) { n = atol(argv[i]); pos++; }
        else if (pos == 1) { dim = atoi(argv[i]); pos++; }
        else { n_q = atoi(argv[i]); pos++; }
    }
    if (n < 10 || dim < 1 || n_q < 1) {
        fprintf(stderr, "usage: bench_retrieval [N] [DIM] [N_QUERIES] [--no-dense] [--no-bm25] | N --quality | N --dataset\n");
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    if (!tmp) tmp = "/tmp";
    if (quality) {
        bench_quality(n);
        return 0;
    }
    if (dataset) {
        bench_dataset(n, tmp);
        return 0;
    }
    if (bm25) bench_bm25(n, n_q, tmp);
    if (dense) bench_dense(n, dim, n_q);
    return 0;
}
