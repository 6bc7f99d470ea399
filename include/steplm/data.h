/* steplm/data.h - dataset pieces: STEP-LLM prompt templates, the DATA-section
 * text of a STEP file, caption tables (CSV / JSONL), the seeded split, leak-free
 * retrieval pairing and JSONL records.
 *
 * `steplm dataset build` is meant to be a thin loop over these functions:
 *   read captions -> filter describable -> (reserialize, count tokens, filter:
 *   other modules) -> data_split_assign -> build a retrieval index holding every
 *   sample with its split -> data_pair_retrieve -> data_record_write_jsonl.
 * Nothing here prints or exits. */
#ifndef STEPLM_DATA_H
#define STEPLM_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "steplm/retrieval.h"
#include "steplm/util.h"

/* ---- STEP-LLM prompt templates (facts file §5.3, seed 001 "Prompt Template") --
 * RAG:    paragraph (with "and relevant retrieved CAD data"), two blank lines,
 *         "### caption:\n{caption}\n\n### retrieved relevant step file:\n{retrieved}\n\n### output:\n"
 * no-RAG: paragraph, one blank line, "### caption:\n{caption}\n\n### output:\n"
 * output (the target DATA section) is appended after "### output:\n" when
 * non-NULL; with output NULL the text is the inference prompt. The EOS string
 * that training appends after the output is not part of these functions.
 * Appends to out; returns SL_ERR_NOMEM if the buffer failed. */
sl_status data_prompt_rag(sl_buf *out, const char *caption, const char *retrieved_step,
                          const char *output);
sl_status data_prompt_norag(sl_buf *out, const char *caption, const char *output);

/* The DATA-section text of a STEP file as STEP-LLM feeds it to the model
 * (facts §0.1): every line from the first line that contains "DATA;" to the
 * end of the file, each stripped of leading/trailing whitespace, joined by
 * '\n', no final newline. Lines end at "\n", "\r\n" or "\r" (Python text
 * mode). SL_ERR_INVALID if no line contains "DATA;". Appends to out. */
sl_status data_step_data_section(const char *text, size_t n, sl_buf *out, sl_err *err);

/* ---- caption tables ---------------------------------------------------------- */
typedef struct data_caption {
    const char *id;          /* model_id, verbatim (e.g. "00010007") */
    const char *caption;     /* description, verbatim */
    int describable;         /* isDescribable; 1 when the column is absent */
    uint32_t line;           /* 1-based line of the record in its file */
    int split;               /* RETRIEVAL_SPLIT_* from JSONL "split", else RETRIEVAL_SPLIT_NONE */
    retrieval_meta meta;     /* from JSONL "bbox_mm", "dims_mm", "n_holes"; else unknown */
} data_caption;

typedef struct data_captions {
    data_caption *v;
    size_t n, cap;
    sl_arena arena;          /* strings */
} data_captions;

void data_captions_init(data_captions *c);
void data_captions_release(data_captions *c);

/* CSV with a header naming model_id, description and optionally isDescribable
 * (other columns are ignored). RFC 4180 quoting: a field may be quoted with
 * '"', holding commas, newlines and doubled quotes; records end with LF, CRLF
 * or CR; a UTF-8 BOM is skipped; blank lines are skipped. isDescribable is
 * True/False (any case) or 1/0. Errors carry file:line:col (file may be NULL):
 * unterminated quote, a quote inside an unquoted field, text after a closing
 * quote, wrong field count, bad isDescribable, missing columns. Appends. */
sl_status data_captions_read_csv(const char *text, size_t n, const char *file, data_captions *out,
                                 sl_err *err);
/* JSONL: one object per non-blank line with "id" (or "model_id") and
 * "caption" (or "description") strings; optional "isDescribable" (bool),
 * "split" ("train"|"val"|"test"), "bbox_mm" ([x,y,z]), "dims_mm" (up to
 * RETRIEVAL_META_DIMS numbers) and "n_holes" (integer). */
sl_status data_captions_read_jsonl(const char *text, size_t n, const char *file,
                                   data_captions *out, sl_err *err);
/* Read a file; ".jsonl" / ".json" by JSONL rules, anything else as CSV. */
sl_status data_captions_read_file(const char *path, data_captions *out, sl_err *err);

/* ---- split ------------------------------------------------------------------
 * Rule: every sample gets the key u = mix64(hash64(key) ^ mix64(seed)), where
 * key is its id (or, with group_by_caption, its normalised caption, so that
 * equal captions share a split). Samples (groups) are sorted by (u, key) -
 * an order that depends on neither the input order nor the thread count - and
 * cut like STEP-LLM's data_split.py: n_train = floor(N * train_frac),
 * n_test = floor(N * test_frac), val = the rest (defaults 0.7 / 0.2, i.e.
 * 70/10/20 train/val/test). With groups, a group goes to train while fewer
 * than n_train samples were assigned before it, then to test while fewer than
 * n_train + n_test, then to val. */
typedef struct data_split_cfg {
    uint64_t seed;
    double train_frac, test_frac;
    int group_by_caption;
} data_split_cfg;

void data_split_cfg_init(data_split_cfg *c);
/* split_out[i] gets RETRIEVAL_SPLIT_TRAIN/VAL/TEST. captions may be NULL
 * unless group_by_caption. */
sl_status data_split_assign(const char *const *ids, const char *const *captions, size_t n,
                            const data_split_cfg *cfg, uint8_t *split_out, sl_err *err);

/* ---- leak-free pairing --------------------------------------------------------
 * For every entry i of idx (which holds all samples with their split tags),
 * retrieve one example: only from train, never i itself, and, by policy,
 * not an entry with the same normalised caption:
 *   DATA_DUP_CROSS_SPLIT (default): excluded when it comes from a split other
 *       than i's (so val/test queries never get their caption twin from train);
 *   DATA_DUP_ALL: always excluded (train and eval prompts look alike);
 *   DATA_DUP_ALLOW: only i itself is excluded (STEP-LLM-like, for ablations).
 * retrieved_out[i] = entry index or -1 when nothing passes. Parallel over
 * entries; the result does not depend on the thread count. */
enum { DATA_DUP_CROSS_SPLIT = 0, DATA_DUP_ALL = 1, DATA_DUP_ALLOW = 2 };

typedef struct data_pair_cfg {
    unsigned kind;                  /* RETRIEVAL_KIND_*; 0 = index default */
    int geo_rerank;
    int dup_policy;
    retrieval_embed_fn embed;       /* for dense kinds */
    void *embed_ctx;
    int n_threads;                  /* 0 = OpenMP default */
} data_pair_cfg;

void data_pair_cfg_init(data_pair_cfg *c);
sl_status data_pair_retrieve(const retrieval_index *idx, const data_pair_cfg *cfg,
                             long *retrieved_out, sl_err *err);

/* ---- JSONL records ------------------------------------------------------------
 * One line: {"id","split","caption","retrieved_id","retrieved_caption",
 * "prompt","prompt_norag", then each non-NULL target field: "step",
 * "program", "nurbs_json", "graph"} and a final '\n'. prompt uses the RAG
 * template with retrieved_step (the retrieved sample's DATA section; when
 * retrieved_id is NULL the RAG prompt is left empty); targets are not put in
 * the prompts. */
typedef struct data_record {
    const char *id, *caption;
    int split;
    const char *retrieved_id, *retrieved_caption, *retrieved_step;
    const char *step, *program, *nurbs_json, *graph;
} data_record;

sl_status data_record_write_jsonl(sl_buf *out, const data_record *r);

/* ---- the dataset loop ----------------------------------------------------------
 * Given samples that already passed the filters (describable, entity count,
 * token budget) and carry their target texts, data_build_records splits them,
 * builds a retrieval index over all of them (tagged with their split), pairs
 * each with a train example (data_pair_retrieve) and hands one JSONL line per
 * sample to emit, in sample order, with the sample's split. Records are
 * formatted in parallel; emit is called from one thread at a time. emit
 * returns 0 to go on, non-zero to stop (the build then fails with SL_ERR_IO). */
typedef struct data_sample {
    const char *id, *caption;
    const char *step;                  /* target DATA section (also the retrieved text) */
    const char *program, *nurbs_json, *graph;   /* optional targets, NULL = absent */
    retrieval_meta meta;               /* for geometry-aware retrieval; unknown is fine */
} data_sample;

typedef struct data_build_cfg {
    data_split_cfg split;
    data_pair_cfg pair;                /* pair.kind picks the index kind (0 = BM25) */
    int dim;                           /* dense kinds: vector size (embedding in pair.embed) */
    const char *embed_name;
} data_build_cfg;

typedef struct data_build_stats {
    size_t n[3];                       /* records per split (RETRIEVAL_SPLIT_*) */
    size_t n_unpaired;                 /* records with no retrieved example */
    size_t n_twin;                     /* retrieved example has the same normalised caption */
    double seconds_index, seconds_pair, seconds_write;
} data_build_stats;

typedef int (*data_emit_fn)(void *ctx, int split, const char *line, size_t n);

void data_build_cfg_init(data_build_cfg *c);
sl_status data_build_records(const data_sample *samples, size_t n, const data_build_cfg *cfg,
                             data_emit_fn emit, void *emit_ctx, data_build_stats *stats,
                             sl_err *err);

#endif
