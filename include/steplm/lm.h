/* steplm/lm.h - the language-model engine: a byte-level BPE tokenizer, a
 * Llama-style decoder-only transformer (forward, backward, AdamW), LoRA
 * adapters, KV-cache inference with a seedable sampler, SFT training and
 * checkpoints (safetensors + JSON config + tokenizer + optimizer state).
 *
 * Data model, stated once:
 *  - fp32 everywhere; a Linear weight is [out, in] and computes y = x W^T
 *    (PyTorch / Hugging Face layout), so Llama-architecture safetensors load
 *    tensor for tensor.
 *  - RoPE is "rotate half": dimension i pairs with i + head_dim/2, angle =
 *    pos * theta^(-2i/head_dim). RMSNorm: x / sqrt(mean(x^2) + eps) * w.
 *    MLP: w2(silu(w1 x) * w3 x). Heads are contiguous head_dim slices.
 *  - Token ids are int32. A target id < 0 means "no loss at this position".
 *
 * Nothing here prints or exits; errors come back as sl_status + sl_err.
 * Results do not depend on the OpenMP thread count (per-thread slots,
 * reductions in index order; tested bit for bit). Matmuls go through
 * OpenBLAS, which lm_model_new switches to one thread (steplm splits large
 * products across its own OpenMP threads). Set
 * OPENBLAS_CORETYPE=SkylakeX in the environment before the process starts on
 * CPUs that OpenBLAS 0.3.21 does not recognise (it reads it at load time). */
#ifndef STEPLM_LM_H
#define STEPLM_LM_H

#include <stddef.h>
#include <stdint.h>
#include "steplm/util.h"

/* ======================================================================== */
/* Tokenizer: byte-level BPE                                                 */
/* ======================================================================== */

/* Special tokens every steplm tokenizer carries, in this id order right after
 * the 256 byte tokens. The section markers are the STEP-LLM prompt template's
 * headers (research notes §5.3), so a prompt ends in one token. */
enum {
    LM_TOK_EOT = 256,        /* "<|endoftext|>" */
    LM_TOK_PAD,              /* "<|pad|>" */
    LM_TOK_CAPTION,          /* "### caption:\n" */
    LM_TOK_RETRIEVED,        /* "### retrieved relevant step file:\n" */
    LM_TOK_OUTPUT,           /* "### output:\n" */
    LM_TOK_N_BASE            /* first merge id */
};

typedef enum lm_pretok {
    LM_PRETOK_GENERIC = 0,   /* letters / digits / spaces / punctuation runs */
    LM_PRETOK_STEP = 1       /* STEP-aware: #ids, numbers, KEYWORDS, 'strings' */
} lm_pretok;

typedef struct lm_tokenizer lm_tokenizer;

/* Train on the concatenation of texts (n_texts buffers). vocab_size >=
 * LM_TOK_N_BASE; fewer merges result when the data runs out of pairs.
 * Special-token strings in the training text are not merged across. */
sl_status lm_tokenizer_train(const char *const *texts, const size_t *lens, size_t n_texts,
                             int vocab_size, lm_pretok pretok, lm_tokenizer **out, sl_err *err);
/* A tokenizer with no merges (bytes + specials). */
lm_tokenizer *lm_tokenizer_new_bytes(lm_pretok pretok);
void lm_tokenizer_free(lm_tokenizer *t);
int lm_tokenizer_vocab_size(const lm_tokenizer *t);
/* Encode n bytes. With allow_special, the special-token strings map to their
 * ids; otherwise they are ordinary bytes. *ids is malloc'd (caller frees).
 * decode(encode(x)) == x for any bytes. */
sl_status lm_tokenizer_encode(lm_tokenizer *t, const char *text, size_t n, int allow_special,
                              int32_t **ids, size_t *n_ids, sl_err *err);
/* Appends the bytes of ids to out. Unknown ids are an SL_ERR_INVALID error. */
sl_status lm_tokenizer_decode(const lm_tokenizer *t, const int32_t *ids, size_t n_ids, sl_buf *out,
                              sl_err *err);
/* Bytes of one token (pointer into the tokenizer) or NULL for a bad id. */
const char *lm_tokenizer_token(const lm_tokenizer *t, int32_t id, size_t *len);
sl_status lm_tokenizer_save(const lm_tokenizer *t, const char *path, sl_err *err);
sl_status lm_tokenizer_load(const char *path, lm_tokenizer **out, sl_err *err);
sl_status lm_tokenizer_from_text(const char *text, size_t n, const char *name, lm_tokenizer **out,
                                 sl_err *err);
void lm_tokenizer_to_text(const lm_tokenizer *t, sl_buf *out);

/* ======================================================================== */
/* Model                                                                     */
/* ======================================================================== */

typedef struct lm_config {
    int vocab;          /* V */
    int d;              /* model width */
    int n_layer;        /* L */
    int n_head;         /* H; head_dim = d / H */
    int n_kv_head;      /* grouped-query attention: H % n_kv_head == 0 */
    int ffn;            /* SwiGLU hidden width */
    int seq;            /* max sequence length (training and KV cache) */
    int tie;            /* 1: lm_head shares tok_emb */
    float rope_theta;   /* 10000 */
    float norm_eps;     /* 1e-5 */
} lm_config;

/* Check a config for consistency; fills err on a bad value. */
sl_status lm_config_check(const lm_config *c, sl_err *err);

/* Named views into one flat parameter (or gradient, or moment) array, in the
 * llm.c manner: each tensor of one kind is stacked over the layers. */
typedef struct lm_params {
    float *tok_emb;     /* (V, d) */
    float *attn_norm;   /* (L, d) */
    float *wq;          /* (L, d, d)        [out, in] */
    float *wk;          /* (L, kvd, d)      kvd = n_kv_head * head_dim */
    float *wv;          /* (L, kvd, d) */
    float *wo;          /* (L, d, d) */
    float *mlp_norm;    /* (L, d) */
    float *w1;          /* (L, f, d)  gate */
    float *w3;          /* (L, f, d)  up */
    float *w2;          /* (L, d, f)  down */
    float *norm;        /* (d) */
    float *lm_head;     /* (V, d); == tok_emb when tied */
} lm_params;

enum { LM_N_PARAM_KINDS = 12 };

/* LoRA: y = x W^T + (alpha/r) (x A^T) B^T on wq, wk, wv, wo, w1, w3, w2. */
typedef struct lm_lora_params {
    float *a[7];        /* (L, r, in)  kinds in order q k v o w1 w3 w2 */
    float *b[7];        /* (L, out, r) */
} lm_lora_params;

typedef struct lm_model lm_model;

/* A model with its parameters allocated (zero). */
sl_status lm_model_new(const lm_config *c, lm_model **out, sl_err *err);
void lm_model_free(lm_model *m);
const lm_config *lm_model_config(const lm_model *m);
/* parameter views and the flat array */
lm_params *lm_model_params(lm_model *m);
float *lm_model_param_data(lm_model *m, size_t *n_floats);
/* Init as tiny_lm.py does: N(0, std) for matrices, 1 for norm weights. */
void lm_model_init_random(lm_model *m, float std, uint64_t seed);
/* Tensor table for I/O: i-th tensor's Hugging Face Llama name, shape and data.
 * Returns the number of tensors; names are written into name (n_name). */
int lm_model_n_tensors(const lm_model *m);
float *lm_model_tensor(lm_model *m, int i, char *name, size_t n_name, int shape[2], int *n_dim);
/* total number of parameter floats (the flat array's length) */
size_t lm_model_n_params(const lm_model *m);

/* ---- training ----------------------------------------------------------- */
/* Prepare buffers for batches up to B x seq tokens (activations, including
 * the (L, B, H, seq, seq) attention probabilities, and gradients; the AdamW
 * moments come with the first optimizer step). */
sl_status lm_model_train_init(lm_model *m, int max_batch, sl_err *err);
/* Forward over ids (B, T) with targets (B, T) (NULL: no loss). Keeps the
 * activations for backward. Returns mean cross-entropy over targets >= 0
 * in *loss (NaN if none), and the count in *n_valid. */
sl_status lm_model_forward(lm_model *m, const int32_t *ids, const int32_t *targets, int B, int T,
                           float *loss, int *n_valid, sl_err *err);
/* logits of the last forward: (B, T, V) */
const float *lm_model_logits(const lm_model *m);
/* Accumulate d(loss_scale * loss)/d(params) of the last forward into the
 * gradients (call lm_model_zero_grad first). With LoRA attached and
 * lora_only, only adapter gradients are computed. */
void lm_model_backward(lm_model *m, float loss_scale);
void lm_model_zero_grad(lm_model *m);
float *lm_model_grad_data(lm_model *m, size_t *n_floats);
lm_params *lm_model_grads(lm_model *m);

typedef struct lm_adamw {
    float lr, beta1, beta2, eps, weight_decay;
    float grad_clip;    /* max global L2 norm, 0 = off */
} lm_adamw;
/* One AdamW step (torch semantics) on the trainable set; returns the grad
 * norm before clipping. step is 1-based. */
float lm_model_adamw_step(lm_model *m, const lm_adamw *opt, float lr, long step);
/* moments of the trainable set (for the optimizer-state file) */
float *lm_model_adam_m(lm_model *m, size_t *n);
float *lm_model_adam_v(lm_model *m, size_t *n);

/* learning rate at step (1-based) for warmup then cosine / linear decay
 * to min_lr over total steps */
typedef enum lm_sched { LM_SCHED_COSINE = 0, LM_SCHED_LINEAR, LM_SCHED_CONSTANT } lm_sched;
float lm_lr_at(lm_sched s, float lr, float min_lr, long warmup, long total, long step);

/* ---- LoRA ---------------------------------------------------------------- */
/* Attach rank-r adapters (A ~ N(0, 1/r) scaled, B = 0, so the model is
 * unchanged at start). After this, training updates only the adapters. */
sl_status lm_lora_attach(lm_model *m, int rank, float alpha, uint64_t seed, sl_err *err);
int lm_lora_rank(const lm_model *m);
float lm_lora_alpha(const lm_model *m);
lm_lora_params *lm_lora_get(lm_model *m);
float *lm_lora_data(lm_model *m, size_t *n_floats);
/* W += (alpha/r) B A for every adapted matrix, then drop the adapters. */
void lm_lora_merge(lm_model *m);
void lm_lora_detach(lm_model *m);
int lm_lora_n_tensors(const lm_model *m);
float *lm_lora_tensor(lm_model *m, int i, char *name, size_t n_name, int shape[2]);

/* ---- inference ----------------------------------------------------------- */
/* A logits hook: may change logits[0..V) of sample g (e.g. set -INFINITY to
 * forbid tokens) given the tokens generated so far for it. Return non-zero
 * to stop that sample. */
typedef int (*lm_logits_hook)(void *ctx, int g, const int32_t *gen, int n_gen, float *logits, int V);

/* Precision of the weights during generation. The lower ones are copies
 * made per lm_generate call, or once per lm_decoder (the fp32 master weights are untouched);
 * activations, sums and the KV cache stay fp32 ("weight-only"). They halve /
 * quarter the bytes a decode step streams; greedy tokens can differ from
 * fp32 where the top logits are close (untrained models). Prefill of more
 * than 16 rows uses the fp32 weights. */
typedef enum lm_weights {
    LM_WEIGHTS_F32 = 0,
    LM_WEIGHTS_BF16,        /* bfloat16, rounded to nearest even */
    LM_WEIGHTS_Q8           /* int8, one fp32 scale per output row (max |w| / 127) */
} lm_weights;

typedef struct lm_sample_opts {
    float temperature;      /* 0 = greedy */
    int top_k;              /* 0 = off */
    float top_p;            /* 1 = off */
    float rep_penalty;      /* 1 = off; > 1 discourages tokens already seen */
    uint64_t seed;
    int max_new;            /* tokens to generate per sample */
    int n_samples;          /* G */
    int stop_token;         /* generation of this id ends a sample (-1: none) */
    const char *const *stop_strings; int n_stop;  /* end when decoded text ends with one */
    const lm_tokenizer *tok;/* needed for stop strings */
    lm_logits_hook hook; void *hook_ctx;
    lm_weights weights;     /* the weights decoding reads (default fp32; see lm_weights) */
    /* Speculative greedy decoding (greedy, one sample): a copy of the model in
     * draft_weights proposes draft_k tokens (1..15), the model verifies them and
     * the token after them in one pass of k + 1 rows. Every token is still
     * chosen from the model's own logits, which come out bit-identical to
     * step-by-step decoding, so the output is exactly the greedy output; the
     * hook and the repetition penalty see the same calls. 0 = off (default). */
    int draft_k;
    lm_weights draft_weights;   /* default bf16 */
} lm_sample_opts;

void lm_sample_opts_default(lm_sample_opts *o);

typedef struct lm_generation {
    int n_samples;
    int32_t **tokens;       /* [G] malloc'd generated ids (prompt excluded) */
    int *n_tokens;          /* [G] */
    int *stop_reason;       /* [G] 0 max_new, 1 stop token, 2 stop string, 3 hook, 4 seq full */
    double prefill_s, decode_s;
    long n_decoded;         /* decode forward rows */
    long n_drafted, n_accepted;   /* speculative decoding: tokens proposed, tokens accepted */
} lm_generation;
void lm_generation_release(lm_generation *g);

/* The weights decoding reads (packed fp32, or bf16 / int8 copies, and a draft
 * copy for speculative decoding) prepared once for several generations; valid
 * while the model's weights stay as they are. lm_generate prepares and frees
 * one per call. lm_decoder_generate is lm_generate with a prepared decoder: the
 * options' weights (and draft_weights when draft_k > 0) must be the ones it
 * was made for. */
typedef struct lm_decoder lm_decoder;
sl_status lm_decoder_new(lm_model *m, lm_weights weights, int with_draft, lm_weights draft_weights, lm_decoder **out,
                         sl_err *err);
void lm_decoder_free(lm_decoder *d);

/* Generate opts->n_samples continuations of one prompt with a KV cache: the
 * prompt is prefilled once and its cache copied to every sample; live
 * samples decode together as one batch. The stop token is not included in
 * the output; the token that completes a stop string is. Sample g draws from
 * its own generator seeded from (seed, g), so it does not depend on G.
 * Caller releases *out with lm_generation_release. */
sl_status lm_generate(lm_model *m, const int32_t *prompt, int n_prompt, const lm_sample_opts *opts,
                      lm_generation *out, sl_err *err);
sl_status lm_decoder_generate(lm_decoder *d, const int32_t *prompt, int n_prompt, const lm_sample_opts *opts,
                              lm_generation *out, sl_err *err);
/* Pick a token from logits (modified in place) per opts; seen = tokens for the
 * repetition penalty (applied once per distinct token, HF style: divide a
 * positive logit, multiply a negative one). scratch: 2 V floats. */
int lm_sample_pick(float *logits, int V, const lm_sample_opts *o, const int32_t *seen, int n_seen,
                   sl_rng *rng, float *scratch);

/* ======================================================================== */
/* Checkpoints and SFT                                                       */
/* ======================================================================== */

/* safetensors: write the model's tensors (F32) to path atomically with
 * metadata (a content hash that load verifies if present). */
sl_status lm_model_save_safetensors(lm_model *m, const char *path, sl_err *err);
/* Load tensors by name into an existing model (shapes must match). */
sl_status lm_model_load_safetensors(lm_model *m, const char *path, sl_err *err);
sl_status lm_lora_save(lm_model *m, const char *path, sl_err *err);
sl_status lm_lora_load(lm_model *m, const char *path, sl_err *err);
/* Attach adapters with the rank and alpha recorded in the file, then load them. */
sl_status lm_lora_attach_file(lm_model *m, const char *path, sl_err *err);

sl_status lm_config_to_json(const lm_config *c, sl_buf *out);
sl_status lm_config_from_json(const char *json, lm_config *c, sl_err *err);

/* Model directory: config.json, model.safetensors, tokenizer.bpe. */
sl_status lm_checkpoint_save(lm_model *m, const lm_tokenizer *tok, const char *dir, sl_err *err);
sl_status lm_checkpoint_load(const char *dir, lm_model **m, lm_tokenizer **tok, sl_err *err);

typedef struct lm_train_cfg {
    lm_config model;
    char train_path[512], val_path[512];   /* JSONL */
    char prompt_field[64], target_field[64];
    char tokenizer_path[512];              /* existing tokenizer; empty: train one */
    int tok_vocab;                         /* when training one */
    char out_dir[512];
    char init_from[512];                   /* model dir to start from (LoRA base) */
    int batch, grad_accum;
    long steps;
    float lr, min_lr, weight_decay, beta1, beta2, eps, grad_clip;
    long warmup; lm_sched sched;
    int val_every, save_every, val_batches;
    uint64_t seed;
    int lora_rank; float lora_alpha;
    int resume;
    long stop_after;                        /* end this run (after saving) at this step; 0 = run to steps */
} lm_train_cfg;

void lm_train_cfg_default(lm_train_cfg *c);
sl_status lm_train_cfg_from_json(const char *json, lm_train_cfg *c, sl_err *err);

/* Progress callback (the CLI prints; the library never does). */
typedef struct lm_train_progress {
    long step, total;
    float loss, lr, grad_norm;
    double tokens_per_s, eta_s;
    int is_val; float val_loss;
} lm_train_progress;
typedef void (*lm_progress_fn)(void *ctx, const lm_train_progress *p);

/* An SFT example: ids and the index of the first loss position. */
typedef struct lm_sft_data {
    int32_t **ids; int *n_ids; int *n_prompt;
    size_t n;
    size_t n_skipped;   /* records whose prompt leaves no target token within max_len */
} lm_sft_data;
sl_status lm_sft_load_jsonl(const char *path, lm_tokenizer *tok, const char *prompt_field,
                            const char *target_field, int max_len, lm_sft_data *out, sl_err *err);
void lm_sft_data_release(lm_sft_data *d);
/* Fill ids/targets (B, T) from examples idx[0..B): target = next token for
 * positions at or after the prompt's last token, -1 elsewhere; pad id pad. */
void lm_sft_make_batch(const lm_sft_data *d, const size_t *idx, int B, int T, int32_t *ids,
                       int32_t *targets);

/* Greedy-decode each example's prompt (ending at <|endoftext|>) and count
 * the examples whose output bytes equal the target's bytes exactly.
 * exact[i] (if non-NULL, d->n entries) gets 1 per exact example. weights:
 * the precision decoding reads the weights in (lm_sample_opts.weights). */
sl_status lm_sft_exact_match(lm_model *m, const lm_tokenizer *tok, const lm_sft_data *d, lm_weights weights,
                             int *n_exact, int *exact, sl_err *err);

/* Run SFT per cfg. Writes checkpoints to cfg->out_dir (config.json,
 * model.safetensors, tokenizer.bpe, optim.safetensors, lora.safetensors). */
sl_status lm_train_run(const lm_train_cfg *cfg, lm_progress_fn progress, void *ctx, sl_err *err);

#endif
