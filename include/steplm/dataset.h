/* steplm/dataset.h - `steplm dataset build`: from a corpus to leak-free RAG
 * training records.
 *
 * Inputs (dataset_input_read_*):
 *   - a synth corpus (issue 6): DIR/manifest.jsonl (or manifest-*.jsonl shards),
 *     one meta line per part, with DIR/<id>/part.step and DIR/<id>/part.lua. The
 *     corpus assigns each part's split from its parameters; that split is kept.
 *     One caption per part is used: the first of the wanted level, or with level
 *     "any" one picked by a seeded hash of the id.
 *   - STEP-LLM-style data: a captions CSV (model_id,isDescribable,description)
 *     and a directory holding <model_id>/<first *.step or *.stp in name order>
 *     (or <model_id>.step) per model.
 *
 * The build (dataset_build):
 *   1. items that are not describable or have an empty caption are dropped;
 *   2. the split is assigned to all remaining items BEFORE anything else (seeded,
 *      data_split_assign; the corpus' own split for synth parts), so no filter
 *      and no shard can move an item from one split to another;
 *   3. per item, in parallel (the expensive part, cached in OUTDIR/cache, one
 *      file per item written atomically, keyed by the STEP bytes and the
 *      options): parse, count entities (drop if > max_entities), round, then
 *      reserialize (pre/post order, annotations) - or keep the file's own order -
 *      take the DATA section, count its tokens with the tokenizer when one is
 *      given (drop if > max_tokens);
 *   4. a retrieval index over the kept items with their split tags (by default one
 *      BM25 document per item holding all its captions); each item is paired
 *      with the best TRAIN item that is not itself and, for val/test items, has
 *      no caption equal (normalised) to the query's (twins, DATA_DUP_* policy);
 *   5. OUTDIR/{train,val,test}.jsonl are written (temp file + rename), records
 *      in id order, then OUTDIR/summary.json.
 * The JSONL bytes depend only on the input, the options and the seed - not on
 * the thread count, the cache state or earlier interrupted runs.
 *
 * With a shard (shard_n > 1) only step 3 runs, for the items whose position in
 * the id-sorted list is i mod n; a later run without a shard finds them cached.
 * Nothing here prints; progress goes to a callback. */
#ifndef STEPLM_DATASET_H
#define STEPLM_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "steplm/retrieval.h"
#include "steplm/util.h"

enum { DATASET_SYNTH = 1, DATASET_STEPLLM = 2 };

typedef struct dataset_item {
    const char *id, *caption;
    const char *caption_level;   /* synth: "abstract" | "partial" | "precise"; else NULL */
    const char *step_path;       /* NULL when no STEP file was found */
    const char *program_path;    /* synth: DIR/<id>/part.lua; else NULL */
    const char *family;          /* synth family; else NULL */
    const char *params_json;     /* synth "parameters" object (compact JSON); else NULL */
    int describable;
    int split;                   /* RETRIEVAL_SPLIT_* given by the corpus, or NONE */
    retrieval_meta meta;         /* synth: size_mm extents, diameter and stated sizes, genus */
    float size_mm[3];            /* synth: bounding-box extents (0 = unknown), for stats */
    const char **captions;       /* every caption of the item, the chosen one first */
    int n_captions;              /* >= 1 (synth: all levels); 0 means just caption */
} dataset_item;

typedef struct dataset_input {
    int kind;                    /* DATASET_SYNTH | DATASET_STEPLLM */
    dataset_item *v;
    size_t n, cap;
    sl_arena arena;
} dataset_input;

void dataset_input_init(dataset_input *in);
void dataset_input_release(dataset_input *in);

/* Synth corpus in dir. level: "any" (default when NULL), "abstract", "partial"
 * or "precise"; seed picks the caption for "any". Items are sorted by id;
 * a duplicate id is an error. */
sl_status dataset_input_read_synth(const char *dir, const char *level, uint64_t seed,
                                   dataset_input *in, sl_err *err);
/* STEP-LLM-style: captions file (CSV, or JSONL by data_captions_read_file) and
 * the directory of per-model STEP folders. Items keep the file's row order; a
 * duplicate model_id is an error. */
sl_status dataset_input_read_stepllm(const char *captions, const char *steps_dir,
                                     dataset_input *in, sl_err *err);
/* Decide what path is: a directory with manifest.jsonl (or manifest-*.jsonl) is
 * a synth corpus; a directory holding exactly one *.csv is STEP-LLM-style with
 * that CSV and the directory itself as steps dir; a .csv/.jsonl file is
 * STEP-LLM-style with its own directory as steps dir. Writes the captions path
 * (STEP-LLM) into captions_out. Returns DATASET_SYNTH, DATASET_STEPLLM or 0
 * (err says why). */
int dataset_input_detect(const char *path, char *captions_out, size_t n_out, sl_err *err);

/* ---- build ------------------------------------------------------------------ */
enum { DATASET_ORDER_PRE = 0, DATASET_ORDER_POST = 1, DATASET_ORDER_KEEP = 2 };
enum { DATASET_RAG_BM25 = 0, DATASET_RAG_DENSE = 1, DATASET_RAG_GEO = 2 };

/* Reasons an item is dropped (summary "filtered"). */
enum {
    DATASET_DROP_NOT_DESCRIBABLE = 0,
    DATASET_DROP_EMPTY_CAPTION,
    DATASET_DROP_MISSING_STEP,
    DATASET_DROP_READ_ERROR,
    DATASET_DROP_PARSE_ERROR,
    DATASET_DROP_TOO_MANY_ENTITIES,
    DATASET_DROP_RESERIALIZE_ERROR,
    DATASET_DROP_NO_DATA_SECTION,
    DATASET_DROP_OVER_TOKEN_BUDGET,
    DATASET_DROP_MISSING_PROGRAM,
    DATASET_DROP_N
};
const char *dataset_drop_name(int reason);

typedef void (*dataset_progress_fn)(void *ctx, const char *stage, size_t done, size_t total);

typedef struct dataset_cfg {
    uint64_t seed;               /* split seed (STEP-LLM inputs) */
    int group_by_caption;        /* equal normalised captions share a split (STEP-LLM inputs) */
    size_t max_entities;         /* default 500; 0 = no limit */
    int order;                   /* DATASET_ORDER_*; default PRE */
    int annotate;                /* reserial annotations */
    int stepllm_format;          /* RESERIAL_FMT_STEPLLM layout instead of steplm's */
    int round_decimals;          /* default 6; -1 = no rounding */
    int rag;                     /* DATASET_RAG_*; default BM25 */
    int dim;                     /* dense: vector size (default 256) */
    double geo_weight;           /* geo: weight of the size misfit (0 = retrieval default 1) */
    int geo_pool;                /* geo: BM25 candidates re-ranked (0 = retrieval default) */
    int twins;                   /* DATA_DUP_* policy for caption twins (default CROSS_SPLIT) */
    int index_all_captions;      /* how train items are indexed: 2 (default) one document per
                                  * item holding all its captions (synth: every level), and a
                                  * val/test query never gets an item having its caption among
                                  * any of them; 1 one entry per caption (entries with the
                                  * query's caption and items whose record caption equals it
                                  * are excluded); 0 only the record caption */
    const char *tokenizer_text;  /* lm BPE tokenizer file contents (NUL-terminated); NULL = none */
    size_t max_tokens;           /* token budget of the target DATA section; 0 = none */
    unsigned shard_i, shard_n;   /* shard_n <= 1: the whole build */
    int n_threads;               /* 0 = OpenMP default */
    int no_cache;                /* 1: neither read nor write OUTDIR/cache */
    dataset_progress_fn progress;
    void *progress_ctx;
} dataset_cfg;

void dataset_cfg_init(dataset_cfg *c);

typedef struct dataset_summary {
    size_t n_items, n_kept, n_prepped;
    size_t n_split[3];           /* records written per split */
    size_t n_drop[DATASET_DROP_N];
    size_t n_unpaired, n_twin;
    size_t n_cache_hits, n_cache_writes;
    size_t bytes_written;
    double seconds_read, seconds_prep, seconds_index, seconds_pair, seconds_write, seconds_total;
    int n_threads;
} dataset_summary;

/* Run the build into outdir (created if missing). Writes
 * outdir/{train,val,test}.jsonl and outdir/summary.json (shards:
 * outdir/summary-<i>of<n>.json only). input_desc is stored in the summary. */
sl_status dataset_build(const dataset_input *in, const char *outdir, const char *input_desc,
                        const dataset_cfg *cfg, dataset_summary *sum, sl_err *err);

/* Summary JSON text (what summary.json holds). */
void dataset_summary_json(const dataset_summary *s, const dataset_cfg *cfg, const char *input_desc,
                          int kind, sl_buf *out);

/* ---- stats -------------------------------------------------------------------
 * Reads outdir/{train,val,test}.jsonl and writes a JSON report: records per
 * split; histograms of DATA-section tokens (when records carry n_tokens), bytes
 * and entity counts; for records with a "family" (synth): the rate at which the
 * retrieved part's family equals the query's (val+test queries, and train), and
 * the rate at which the retrieved part's parameters are closer to the query's
 * (mean |ln(a/b)| over the family's numeric parameters) than those of a random
 * other train part of the same family (seeded), over val+test queries whose
 * retrieved part has the same family; also restricted to captions stating a
 * length. */
sl_status dataset_stats_json(const char *outdir, uint64_t seed, sl_buf *out, sl_err *err);

#endif
