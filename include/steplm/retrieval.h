/* steplm/retrieval.h - caption index for retrieval-augmented prompts.
 *
 * An index holds N entries. Entry i has an id (string, unique), a caption, a
 * split tag (train/val/test/none), the hash of its normalised caption and
 * optional geometry metadata. It can carry any of three search structures:
 *   - BM25 over normalised caption tokens (needs no model; the default);
 *     length quantities ("40mm") are left out of BM25 terms - sizes are
 *     compared by geometry re-ranking instead of exact token matches,
 *   - dense vectors (float32, unit length) searched by exact cosine,
 *   - the same vectors quantised to int8 (one scale per vector), ~4x smaller.
 * Vectors come from an embedding callback the builder is given; a hashed
 * character n-gram embedding (retrieval_embed_hash_ngram) is provided as a
 * *baseline* that needs no model - it is not a learned embedding.
 *
 * Queries return the top k entries in a total order (score descending, entry
 * index ascending), so results never depend on the thread count. Filters:
 * an excluded entry index, a split mask, and "same normalised caption" with a
 * split mask of its own (used for leak-free pairing, see steplm/data.h).
 * Geometry-aware re-ranking uses dimensions stated in the query caption
 * (numbers with length units) and the per-entry metadata.
 *
 * Save writes one binary file (versioned header, section table, checksum);
 * load maps it read-only with mmap. The library never prints or exits. */
#ifndef STEPLM_RETRIEVAL_H
#define STEPLM_RETRIEVAL_H

#include <stddef.h>
#include <stdint.h>

#include "steplm/util.h"

/* ---- caption normalisation ---------------------------------------------
 * Rule (also in docs/retrieval.md):
 *  1. ASCII letters are lower-cased; a token is a run of letters, or a number
 *     (digits with at most one '.' followed by a digit). Every other byte
 *     separates tokens ("L-shaped" -> "l" "shaped").
 *  2. A number directly followed by a unit word becomes one quantity token:
 *     lengths mm|millimeter(s)|millimetre(s)|cm|centimeter(s)|m|meter(s)|metre(s)
 *     |in|inch|inches|"|ft|foot|feet -> "<value>mm" with the value converted to
 *     millimetres; angles deg|degree(s)|° -> "<value>deg". A chain of numbers
 *     joined by "x", "*" or "by" takes the unit of its last number
 *     ("40 x 20 x 10 mm" -> "40mm" "20mm" "10mm").
 *  3. Values (with or without unit) are rounded to 3 significant digits and
 *     written without trailing zeros: "40mm" = "40 mm" = "4 cm" = "1.575 in"
 *     -> "40mm"; "0.5 in" -> "12.7mm"; "2.50" -> "2.5".
 *  4. Plural 's' is stripped from words longer than 3 letters ("holes" ->
 *     "hole"), "-es" after x/ch/sh ("boxes" -> "box"); not after ss/us/is.
 * The normalised caption is the tokens joined by single spaces. */
#define RETRIEVAL_MAX_TOKEN 64
#define RETRIEVAL_MAX_DIMS 16

/* Normalise text into out (NUL-terminated, truncated at a token boundary if
 * n_out is too small). Returns the length the full result needs (like
 * snprintf, excluding the NUL). */
size_t retrieval_normalize_caption(const char *text, char *out, size_t n_out);
/* 64-bit hash of the normalised caption (equal captions after normalisation
 * hash equal). Never returns 0. */
uint64_t retrieval_caption_hash(const char *text);
/* Lengths stated in text (quantity tokens with a length unit), in mm, in
 * order of appearance; at most max. Returns the count found (<= max). */
int retrieval_caption_lengths_mm(const char *text, double *lengths_mm, int max);
/* Number of holes stated in text ("4 holes", "four mounting holes", "a
 * central hole" -> 1), or -1 if none is stated. */
int retrieval_caption_hole_count(const char *text);

/* ---- per-entry metadata for geometry-aware re-ranking -------------------
 * All lengths in mm. bbox_mm holds the axis-aligned extents (any order);
 * dims_mm holds other key lengths (hole diameters, thickness, ...).
 * Unknown: bbox_mm all 0, n_dims 0, n_holes -1. */
#define RETRIEVAL_META_DIMS 6
typedef struct retrieval_meta {
    float bbox_mm[3];
    float dims_mm[RETRIEVAL_META_DIMS];
    int32_t n_dims;
    int32_t n_holes;
} retrieval_meta;

void retrieval_meta_init_unknown(retrieval_meta *m);
/* How badly an entry's metadata fits a caption's stated lengths and hole
 * count: the mean over stated lengths L of min over the entry's lengths v of
 * |ln(L/v)| (capped at ln 4), plus 0.5 if a stated hole count differs from a
 * known one. 0 = perfect fit; returns -1 if the caption states nothing the
 * metadata can be compared with. */
double retrieval_meta_misfit(const retrieval_meta *m, const double *lengths_mm, int n_lengths,
                             int n_holes);

/* ---- embeddings ---------------------------------------------------------
 * An embedding function writes dim floats for text into out and returns 0,
 * or non-zero on failure. The index normalises vectors to unit length.
 * retrieval_builder_finish calls it from several OpenMP threads at once: it
 * must be thread-safe for one ctx (or embed beforehand and use add_vec). */
typedef int (*retrieval_embed_fn)(void *ctx, const char *text, float *out, int dim);

/* BASELINE embedding, not a learned model: signed feature hashing of the
 * normalised caption's character 3-grams (with word-boundary marks) and
 * whole tokens (weight 2) into dim buckets. ctx is unused (may be NULL).
 * Its name in index files is RETRIEVAL_EMBED_HASH_NAME. */
int retrieval_embed_hash_ngram(void *ctx, const char *text, float *out, int dim);
#define RETRIEVAL_EMBED_HASH_NAME "hash-ngram-v1"

/* ---- split tags ---------------------------------------------------------- */
enum {
    RETRIEVAL_SPLIT_TRAIN = 0,
    RETRIEVAL_SPLIT_VAL = 1,
    RETRIEVAL_SPLIT_TEST = 2,
    RETRIEVAL_SPLIT_NONE = 3
};
#define RETRIEVAL_SPLIT_BIT(s) (1u << (s))
#define RETRIEVAL_SPLIT_ALL 0xFu
const char *retrieval_split_name(int split);     /* "train", "val", "test", "none" */
int retrieval_split_parse(const char *name);     /* -1 if unknown */

/* ---- index --------------------------------------------------------------- */
enum {
    RETRIEVAL_KIND_BM25 = 1u << 0,
    RETRIEVAL_KIND_DENSE = 1u << 1,     /* float32 vectors, exact cosine */
    RETRIEVAL_KIND_DENSE_Q8 = 1u << 2   /* int8 vectors, approximate cosine; with float32
                                         * vectors also present, the int8 scan picks 4x
                                         * the candidates and float32 ranks them */
};

typedef struct retrieval_index retrieval_index;
typedef struct retrieval_builder retrieval_builder;

typedef struct retrieval_build_opts {
    unsigned kinds;                 /* RETRIEVAL_KIND_* bits; 0 = BM25 only */
    retrieval_embed_fn embed;       /* required for the dense kinds */
    void *embed_ctx;
    const char *embed_name;         /* stored in the file, e.g. RETRIEVAL_EMBED_HASH_NAME */
    int dim;                        /* vector dimension for the dense kinds (1..65536) */
    float bm25_k1, bm25_b;          /* 0 = defaults 1.2, 0.75 */
} retrieval_build_opts;

void retrieval_build_opts_init(retrieval_build_opts *o);

/* Builder: add entries, then finish. Ids must be unique and non-empty.
 * meta may be NULL (unknown). Errors are returned when adding (bad argument)
 * or when finishing (duplicate id, embedding failure). */
retrieval_builder *retrieval_builder_new(const retrieval_build_opts *opts);
void retrieval_builder_free(retrieval_builder *b);
sl_status retrieval_builder_add(retrieval_builder *b, const char *id, const char *caption,
                                int split, const retrieval_meta *meta, sl_err *err);
/* Add a precomputed vector instead of calling the embedding function (for
 * vectors produced elsewhere, e.g. benchmarks). vec has opts.dim floats. */
sl_status retrieval_builder_add_vec(retrieval_builder *b, const char *id, const char *caption,
                                    int split, const retrieval_meta *meta, const float *vec,
                                    sl_err *err);
/* Build the index (OpenMP inside). The builder is consumed and freed in all
 * cases. On success *out is a new index the caller frees. */
sl_status retrieval_builder_finish(retrieval_builder *b, retrieval_index **out, sl_err *err);

void retrieval_index_free(retrieval_index *idx);
/* Save to path atomically (temp + rename). */
sl_status retrieval_index_save(const retrieval_index *idx, const char *path, sl_err *err);
/* Map an index file read-only. verify != 0 also checks the payload checksum
 * (reads the whole file once). A wrong magic, unknown version, truncated file,
 * bad section table or checksum mismatch is an error naming the file. */
sl_status retrieval_index_load(const char *path, int verify, retrieval_index **out, sl_err *err);

size_t retrieval_index_count(const retrieval_index *idx);
unsigned retrieval_index_kinds(const retrieval_index *idx);
int retrieval_index_dim(const retrieval_index *idx);
const char *retrieval_index_embed_name(const retrieval_index *idx);   /* "" if none */
const char *retrieval_index_id(const retrieval_index *idx, size_t i);
const char *retrieval_index_caption(const retrieval_index *idx, size_t i);
int retrieval_index_split(const retrieval_index *idx, size_t i);
uint64_t retrieval_index_caption_hash_at(const retrieval_index *idx, size_t i);
const retrieval_meta *retrieval_index_meta(const retrieval_index *idx, size_t i);
/* Copy entry i's stored unit vector (float32, or int8 dequantised) into out
 * (dim floats). SL_ERR_ARG if the index has no vectors or i is out of range. */
sl_status retrieval_index_vector(const retrieval_index *idx, size_t i, float *out);
/* Entry index of id, or -1. */
long retrieval_index_find(const retrieval_index *idx, const char *id);

/* ---- queries ------------------------------------------------------------- */
typedef struct retrieval_query_opts {
    int k;                          /* results wanted (>= 1) */
    unsigned kind;                  /* one RETRIEVAL_KIND_*; 0 = BM25 if present, else dense */
    long exclude_index;             /* entry never returned; -1 = none */
    unsigned split_mask;            /* candidates must have their split bit set; 0 = all */
    uint64_t exclude_caption_hash;  /* 0 = none; else skip candidates with this caption hash */
    unsigned exclude_caption_split_mask;  /* ... whose split bit is in this mask (0 = any) */
    int geo_rerank;                 /* re-rank by metadata fit when the caption states sizes */
    double geo_weight;              /* final = base/best_base - geo_weight * misfit; 0 = 1.0 */
    int geo_pool;                   /* candidates re-ranked; 0 = max(32k, 256) */
    int n_threads;                  /* 0 = OpenMP default; results never depend on it */
} retrieval_query_opts;

void retrieval_query_opts_init(retrieval_query_opts *o);

typedef struct retrieval_hit {
    long index;          /* entry index */
    float score;         /* final score (after re-ranking if any) */
    float base_score;    /* BM25 score or cosine */
    float misfit;        /* geometry misfit, -1 if not computed */
} retrieval_hit;

/* Top hits for a caption. Writes up to opts->k hits (fewer if fewer entries
 * pass the filters) and returns the count in *n_hits. Dense kinds call the
 * embedding function given here (it must match the one used at build; the
 * index records its name). */
sl_status retrieval_query(const retrieval_index *idx, const char *caption,
                          retrieval_embed_fn embed, void *embed_ctx,
                          const retrieval_query_opts *opts, retrieval_hit *hits, int *n_hits,
                          sl_err *err);
/* Same with a query vector (dim floats, need not be normalised); dense kinds only. */
sl_status retrieval_query_vec(const retrieval_index *idx, const float *vec, const char *caption,
                              const retrieval_query_opts *opts, retrieval_hit *hits, int *n_hits,
                              sl_err *err);

#endif
