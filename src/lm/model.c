/* model.c - a Llama-style decoder in fp32: parameter layout, training
 * forward/backward, AdamW, learning-rate schedules.
 *
 * Memory is laid out as in llm.c: all parameters live in one allocation with
 * named pointers carved out of it (lm_params), and gradients, the two AdamW
 * moments and the activations likewise. Every tensor of one kind is stacked
 * over the layers, (L, ...). Matmuls are OpenBLAS sgemm calls (row-major,
 * weights [out, in], y = x W^T); the elementwise work runs under OpenMP with
 * each thread writing its own rows, so results do not depend on the thread
 * count. Attention materialises the causal (T x T) probabilities per layer
 * and head, and skips the masked upper triangle block by block.
 *
 * Not here: inference with a KV cache (infer.c), LoRA bookkeeping (lora.c),
 * file formats (ckpt.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <omp.h>

#include "lm/internal.h"

#define ATT_BLK 128   /* query rows per causal attention block */

sl_status lm_config_check(const lm_config *c, sl_err *err) {
    if (c->vocab < 2 || c->vocab > (1 << 24)) return sl_err_set(err, SL_ERR_INVALID, "lm config: vocab %d out of range", c->vocab);
    if (c->d < 2 || c->n_layer < 1 || c->n_head < 1 || c->ffn < 1 || c->seq < 1)
        return sl_err_set(err, SL_ERR_INVALID, "lm config: d, n_layer, n_head, ffn and seq must be positive");
    if (c->d % c->n_head || (c->d / c->n_head) % 2)
        return sl_err_set(err, SL_ERR_INVALID, "lm config: d %d must split into %d heads of even size", c->d, c->n_head);
    if (c->n_kv_head < 1 || c->n_head % c->n_kv_head)
        return sl_err_set(err, SL_ERR_INVALID, "lm config: n_head %d not a multiple of n_kv_head %d", c->n_head, c->n_kv_head);
    if (!(c->norm_eps > 0) || !(c->rope_theta > 0))
        return sl_err_set(err, SL_ERR_INVALID, "lm config: norm_eps and rope_theta must be positive");
    if ((double)c->d * c->ffn * c->n_layer > 4e10 || (double)c->seq > (1 << 20))
        return sl_err_set(err, SL_ERR_LIMIT, "lm config: model too large");
    return SL_OK;
}

/* sizes of the parameter kinds, in lm_params order */
static void param_sizes(const lm_config *c, size_t sz[LM_N_PARAM_KINDS]) {
    size_t V = c->vocab, d = c->d, L = c->n_layer, f = c->ffn;
    size_t kvd = (size_t)c->n_kv_head * (c->d / c->n_head);
    sz[0] = V * d; sz[1] = L * d; sz[2] = L * d * d; sz[3] = L * kvd * d; sz[4] = L * kvd * d;
    sz[5] = L * d * d; sz[6] = L * d; sz[7] = L * f * d; sz[8] = L * f * d; sz[9] = L * d * f;
    sz[10] = d; sz[11] = c->tie ? 0 : V * d;
}

void lm_params_point(lm_params *p, float *base, const lm_config *c) {
    size_t sz[LM_N_PARAM_KINDS];
    param_sizes(c, sz);
    float **ptrs[LM_N_PARAM_KINDS] = {&p->tok_emb, &p->attn_norm, &p->wq, &p->wk, &p->wv, &p->wo,
                                      &p->mlp_norm, &p->w1, &p->w3, &p->w2, &p->norm, &p->lm_head};
    float *at = base;
    for (int i = 0; i < LM_N_PARAM_KINDS; i++) { *ptrs[i] = at; at += sz[i]; }
    if (c->tie) p->lm_head = p->tok_emb;
}

size_t lm_params_count(const lm_config *c) {
    size_t sz[LM_N_PARAM_KINDS], n = 0;
    param_sizes(c, sz);
    for (int i = 0; i < LM_N_PARAM_KINDS; i++) n += sz[i];
    return n;
}

void *lm_calloc(size_t n_floats) {
    if (n_floats == 0) n_floats = 1;
    size_t bytes = n_floats * sizeof(float);
    bytes = (bytes + 63) / 64 * 64;
    void *p = aligned_alloc(64, bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

sl_status lm_model_new(const lm_config *c, lm_model **out, sl_err *err) {
    *out = NULL;
    sl_status st = lm_config_check(c, err);
    if (st) return st;
    lm_model *m = calloc(1, sizeof *m);
    if (!m) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    m->c = *c;
    m->hd = c->d / c->n_head;
    m->kvd = c->n_kv_head * m->hd;
    m->n_params = lm_params_count(c);
    m->n_thr = 1;
    lm_blas_single_thread();
    m->params = lm_calloc(m->n_params);
    /* rope tables (seq, hd/2), angles in double as PyTorch's reference does */
    size_t nr = (size_t)c->seq * (m->hd / 2);
    m->rope_cos = lm_calloc(nr);
    m->rope_sin = lm_calloc(nr);
    if (!m->params || !m->rope_cos || !m->rope_sin) {
        lm_model_free(m);
        return sl_err_set(err, SL_ERR_NOMEM, "out of memory for %zu parameters", m->n_params);
    }
    lm_params_point(&m->p, m->params, c);
    int h2 = m->hd / 2;
    for (int t = 0; t < c->seq; t++)
        for (int i = 0; i < h2; i++) {
            double inv = pow((double)c->rope_theta, -(double)(2 * i) / m->hd);
            double ang = (double)t * inv;
            m->rope_cos[(size_t)t * h2 + i] = (float)cos(ang);
            m->rope_sin[(size_t)t * h2 + i] = (float)sin(ang);
        }
    /* norm weights default to 1 */
    for (size_t i = 0; i < (size_t)c->n_layer * c->d; i++) m->p.attn_norm[i] = m->p.mlp_norm[i] = 1.0f;
    for (int i = 0; i < c->d; i++) m->p.norm[i] = 1.0f;
    *out = m;
    return SL_OK;
}

void lm_model_free(lm_model *m) {
    if (!m) return;
    lm_lora_detach(m);   /* first: it owns the moments while adapters are attached */
    free(m->params); free(m->grads); free(m->adam_m); free(m->adam_v);
    free(m->acts); free(m->scratch);
    free(m->rope_cos); free(m->rope_sin);
    free(m->ids); free(m->targets);
    free(m);
}

const lm_config *lm_model_config(const lm_model *m) { return &m->c; }
lm_params *lm_model_params(lm_model *m) { return &m->p; }
float *lm_model_param_data(lm_model *m, size_t *n) { if (n) *n = m->n_params; return m->params; }
size_t lm_model_n_params(const lm_model *m) { return m->n_params; }
lm_params *lm_model_grads(lm_model *m) { return &m->g; }
float *lm_model_grad_data(lm_model *m, size_t *n) { if (n) *n = m->n_params; return m->grads; }

/* Box-Muller normal from the seeded generator */
float lm_randn(sl_rng *r) {
    double u1 = sl_rng_uniform(r), u2 = sl_rng_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

void lm_model_init_random(lm_model *m, float std, uint64_t seed) {
    sl_rng r;
    sl_rng_seed(&r, seed);
    size_t sz[LM_N_PARAM_KINDS];
    param_sizes(&m->c, sz);
    float *at = m->params;
    for (int k = 0; k < LM_N_PARAM_KINDS; k++) {
        int is_norm = (k == 1 || k == 6 || k == 10);
        for (size_t i = 0; i < sz[k]; i++) at[i] = is_norm ? 1.0f : std * lm_randn(&r);
        at += sz[k];
    }
}

/* ---- tensor table (Hugging Face Llama names) ---------------------------- */
int lm_model_n_tensors(const lm_model *m) {
    return 2 + 9 * m->c.n_layer + (m->c.tie ? 0 : 1);
}

float *lm_model_tensor(lm_model *m, int i, char *name, size_t n_name, int shape[2], int *n_dim) {
    const lm_config *c = &m->c;
    int d = c->d, f = c->ffn, kvd = m->kvd;
    if (i == 0) {
        snprintf(name, n_name, "model.embed_tokens.weight");
        shape[0] = c->vocab; shape[1] = d; *n_dim = 2;
        return m->p.tok_emb;
    }
    i--;
    if (i < 9 * c->n_layer) {
        int l = i / 9, k = i % 9;
        static const char *const nm[9] = {"input_layernorm.weight", "self_attn.q_proj.weight",
            "self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.o_proj.weight",
            "post_attention_layernorm.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight",
            "mlp.down_proj.weight"};
        snprintf(name, n_name, "model.layers.%d.%s", l, nm[k]);
        *n_dim = 2;
        switch (k) {
        case 0: shape[0] = d; *n_dim = 1; return m->p.attn_norm + (size_t)l * d;
        case 1: shape[0] = d; shape[1] = d; return m->p.wq + (size_t)l * d * d;
        case 2: shape[0] = kvd; shape[1] = d; return m->p.wk + (size_t)l * kvd * d;
        case 3: shape[0] = kvd; shape[1] = d; return m->p.wv + (size_t)l * kvd * d;
        case 4: shape[0] = d; shape[1] = d; return m->p.wo + (size_t)l * d * d;
        case 5: shape[0] = d; *n_dim = 1; return m->p.mlp_norm + (size_t)l * d;
        case 6: shape[0] = f; shape[1] = d; return m->p.w1 + (size_t)l * f * d;
        case 7: shape[0] = f; shape[1] = d; return m->p.w3 + (size_t)l * f * d;
        default: shape[0] = d; shape[1] = f; return m->p.w2 + (size_t)l * d * f;
        }
    }
    i -= 9 * c->n_layer;
    if (i == 0) {
        snprintf(name, n_name, "model.norm.weight");
        shape[0] = d; *n_dim = 1;
        return m->p.norm;
    }
    snprintf(name, n_name, "lm_head.weight");
    shape[0] = c->vocab; shape[1] = d; *n_dim = 2;
    return m->p.lm_head;
}

/* ---- building blocks ----------------------------------------------------- */

/* y[N, out] (+)= x[N, in] W[out, in]^T */
void lm_mm_xwt(const float *x, const float *W, float *y, int N, int in, int out, float beta) {
    if (N == 1) lm_gemv(W, x, y, out, in, beta);
    else lm_gemm(0, 1, N, out, in, 1.0f, x, in, W, in, beta, y, out);
}

/* dx[N, in] (+)= dy[N, out] W[out, in] */
static void mm_dx(const float *dy, const float *W, float *dx, int N, int in, int out, float beta) {
    lm_gemm(0, 0, N, in, out, 1.0f, dy, out, W, in, beta, dx, in);
}

/* dW[out, in] += dy[N, out]^T x[N, in] */
static void mm_dw(const float *dy, const float *x, float *dW, int N, int in, int out) {
    lm_gemm(1, 0, out, in, N, 1.0f, dy, out, x, in, 1.0f, dW, in);
}

/* out = x / sqrt(mean(x^2) + eps) * w, row by row; rstd saved per row */
void lm_rmsnorm_fwd(const float *x, const float *w, float *out, float *rstd, int N, int d, float eps) {
#pragma omp parallel for schedule(static) if ((size_t)N * d > (1 << 18))
    for (int i = 0; i < N; i++) {
        const float *xi = x + (size_t)i * d;
        float *oi = out + (size_t)i * d;
        float ss = 0.0f;
#pragma omp simd reduction(+ : ss)
        for (int j = 0; j < d; j++) ss += xi[j] * xi[j];
        float r = 1.0f / sqrtf(ss / d + eps);
        if (rstd) rstd[i] = r;
        for (int j = 0; j < d; j++) oi[j] = xi[j] * r * w[j];
    }
}

/* dx += d/dx; dw += d/dw (dw accumulated in row order on one thread) */
static void rmsnorm_bwd(const float *x, const float *w, const float *rstd, const float *dout, float *dx,
                        float *dw, int N, int d) {
#pragma omp parallel for schedule(static) if ((size_t)N * d > (1 << 18))
    for (int i = 0; i < N; i++) {
        const float *xi = x + (size_t)i * d, *gi = dout + (size_t)i * d;
        float *dxi = dx + (size_t)i * d;
        float r = rstd[i], dot = 0.0f;
#pragma omp simd reduction(+ : dot)
        for (int j = 0; j < d; j++) dot += gi[j] * w[j] * xi[j];
        float c = dot * r * r * r / d;
        for (int j = 0; j < d; j++) dxi[j] += gi[j] * w[j] * r - xi[j] * c;
    }
    if (!dw) return;
    for (int i = 0; i < N; i++) {
        const float *xi = x + (size_t)i * d, *gi = dout + (size_t)i * d;
        float r = rstd[i];
        for (int j = 0; j < d; j++) dw[j] += gi[j] * xi[j] * r;
    }
}

/* rotate-half RoPE on rows of n_heads * hd at positions pos[i] (or pos0 + i
 * within sequences of length T when pos is NULL); sign -1 applies the inverse
 * rotation (the backward pass). */
void lm_rope(float *x, int N, int stride, int n_heads, int hd, const int *pos, int T, const float *cosT,
             const float *sinT, float sign) {
    int h2 = hd / 2;
#pragma omp parallel for schedule(static) if ((size_t)N * stride > (1 << 18))
    for (int i = 0; i < N; i++) {
        int p = pos ? pos[i] : i % T;
        const float *cs = cosT + (size_t)p * h2, *sn = sinT + (size_t)p * h2;
        for (int h = 0; h < n_heads; h++) {
            float *v = x + (size_t)i * stride + (size_t)h * hd;
            for (int j = 0; j < h2; j++) {
                float a = v[j], b = v[j + h2], c = cs[j], s = sign * sn[j];
                v[j] = a * c - b * s;
                v[j + h2] = b * c + a * s;
            }
        }
    }
}

static inline float silu(float x) { return x / (1.0f + lm_expf(-x)); }

/* ---- activation layout ---------------------------------------------------- */
/* Offsets of each activation for a batch of BT = B*T rows (T <= seq). The
 * attention probabilities take (L, B, H, T, T). */
typedef struct acts {
    float *res0;   /* (L, BT, d) input of each layer */
    float *hn1;    /* (L, BT, d) attn_norm output */
    float *rstd1;  /* (L, BT) */
    float *q;      /* (L, BT, d) after RoPE */
    float *k;      /* (L, BT, kvd) after RoPE */
    float *v;      /* (L, BT, kvd) */
    float *att;    /* (L, B, H, T, T) softmax probabilities, causal */
    float *y;      /* (L, BT, d) attention output before wo */
    float *res1;   /* (L, BT, d) after the attention residual */
    float *hn2;    /* (L, BT, d) */
    float *rstd2;  /* (L, BT) */
    float *h1;     /* (L, BT, f) w1 x (gate, before silu) */
    float *h3;     /* (L, BT, f) w3 x (up) */
    float *gact;   /* (L, BT, f) silu(h1) * h3 */
    float *resf;   /* (BT, d) final residual */
    float *hnf;    /* (BT, d) */
    float *rstdf;  /* (BT) */
    float *logits; /* (BT, V) */
} acts;

/* layer l's slices of the per-layer activations (the other fields as they are) */
static acts acts_at_layer(const acts *a, int l, int B, int H, int T, int d, int kvd, int f) {
    size_t BT = (size_t)B * T, L = (size_t)l;
    acts r = *a;
    r.res0 += L * BT * d; r.hn1 += L * BT * d; r.q += L * BT * d; r.y += L * BT * d;
    r.res1 += L * BT * d; r.hn2 += L * BT * d;
    r.k += L * BT * kvd; r.v += L * BT * kvd;
    r.att += L * B * H * T * T;
    r.h1 += L * BT * f; r.h3 += L * BT * f; r.gact += L * BT * f;
    return r;
}

static size_t acts_layout(const lm_model *m, int B, int T, acts *a, float *base) {
    size_t L = m->c.n_layer, BT = (size_t)B * T, d = m->c.d, f = m->c.ffn, kvd = m->kvd;
    size_t H = m->c.n_head, V = m->c.vocab;
    size_t sz[18] = {L * BT * d, L * BT * d, L * BT, L * BT * d, L * BT * kvd, L * BT * kvd,
                     L * B * H * T * T, L * BT * d, L * BT * d, L * BT * d, L * BT, L * BT * f,
                     L * BT * f, L * BT * f, BT * d, BT * d, BT, BT * V};
    float **p[18] = {&a->res0, &a->hn1, &a->rstd1, &a->q, &a->k, &a->v, &a->att, &a->y, &a->res1,
                     &a->hn2, &a->rstd2, &a->h1, &a->h3, &a->gact, &a->resf, &a->hnf, &a->rstdf,
                     &a->logits};
    size_t n = 0;
    for (int i = 0; i < 18; i++) {
        if (base) *p[i] = base + n;
        n += (sz[i] + 15) / 16 * 16;
    }
    return n;
}

/* scratch for backward: dres, dtmp (BT,d); dq (BT,d); dk, dv (BT,kvd);
 * dh1, dh3 (BT,f); dP (T,T); dlogits (BT,V) */
typedef struct scratch {
    float *dres, *dtmp, *dq, *dk, *dv, *dh1, *dh3, *dP, *dlogits;
} scratch;

static size_t scratch_layout(const lm_model *m, int B, int T, scratch *s, float *base) {
    size_t BT = (size_t)B * T, d = m->c.d, f = m->c.ffn, kvd = m->kvd, V = m->c.vocab;
    size_t sz[9] = {BT * d, BT * d, BT * d, BT * kvd, BT * kvd, BT * f, BT * f, (size_t)m->n_thr * T * T, BT * V};
    float **p[9] = {&s->dres, &s->dtmp, &s->dq, &s->dk, &s->dv, &s->dh1, &s->dh3, &s->dP, &s->dlogits};
    size_t n = 0;
    for (int i = 0; i < 9; i++) {
        if (base) *p[i] = base + n;
        n += (sz[i] + 15) / 16 * 16;
    }
    return n;
}

sl_status lm_model_train_init(lm_model *m, int max_batch, sl_err *err) {
    if (max_batch < 1) return sl_err_set(err, SL_ERR_ARG, "batch must be >= 1");
    if (m->acts && max_batch <= m->max_B) return SL_OK;
    free(m->acts); free(m->scratch); free(m->ids); free(m->targets);
    m->acts = NULL; m->scratch = NULL;
    acts a;
    scratch s;
    m->n_thr = omp_get_max_threads();
    size_t na = acts_layout(m, max_batch, m->c.seq, &a, NULL);
    size_t ns = scratch_layout(m, max_batch, m->c.seq, &s, NULL);
    m->acts = lm_calloc(na);
    m->scratch = lm_calloc(ns);
    m->ids = malloc(sizeof(int32_t) * (size_t)max_batch * m->c.seq);
    m->targets = malloc(sizeof(int32_t) * (size_t)max_batch * m->c.seq);
    if (!m->grads) {
        m->grads = lm_calloc(m->n_params);
        if (m->grads) lm_params_point(&m->g, m->grads, &m->c);
    }
    if (!m->acts || !m->scratch || !m->ids || !m->targets || !m->grads) {
        free(m->acts); free(m->scratch); free(m->ids); free(m->targets);
        m->acts = m->scratch = NULL; m->ids = m->targets = NULL;
        return sl_err_set(err, SL_ERR_NOMEM, "out of memory for training buffers (%zu floats)", na + ns);
    }
    m->max_B = max_batch;
    return lm_lora_train_init(m, err);
}

const float *lm_model_logits(const lm_model *m) {
    acts a;
    acts_layout(m, m->B, m->T, &a, m->acts);
    return a.logits;
}

/* ---- LoRA-aware projections -------------------------------------------- */
/* kind: 0 q, 1 k, 2 v, 3 o, 4 w1, 5 w3, 6 w2 */
static void proj_fwd(lm_model *m, int kind, int l, const float *x, const float *W, float *y, int N, int in,
                     int out) {
    lm_mm_xwt(x, W, y, N, in, out, 0.0f);
    if (m->lora_r > 0) {
        int r = m->lora_r;
        const float *A = m->lp.a[kind] + (size_t)l * r * in, *Bm = m->lp.b[kind] + (size_t)l * out * r;
        float *xa = lm_lora_xa(m, kind, l, N);
        lm_mm_xwt(x, A, xa, N, in, r, 0.0f);
        float s = m->lora_alpha / r;
        lm_gemm(0, 1, N, out, r, s, xa, r, Bm, r, 1.0f, y, out);
    }
}

/* dx (+)= dy W (+ LoRA path); dW += dy^T x unless only adapters train */
static void proj_bwd(lm_model *m, scratch *s, int kind, int l, const float *x, const float *W, float *dW,
                     const float *dy, float *dx, float dx_beta, int N, int in, int out) {
    mm_dx(dy, W, dx, N, in, out, dx_beta);
    if (!m->lora_r) {
        mm_dw(dy, x, dW, N, in, out);
        return;
    }
    int r = m->lora_r;
    float sc = m->lora_alpha / r;
    const float *A = m->lp.a[kind] + (size_t)l * r * in, *Bm = m->lp.b[kind] + (size_t)l * out * r;
    float *dA = m->lg.a[kind] + (size_t)l * r * in, *dB = m->lg.b[kind] + (size_t)l * out * r;
    const float *xa = lm_lora_xa(m, kind, l, N);
    /* dB += sc dy^T xa ; dxa = sc dy B ; dA += dxa^T x ; dx += dxa A */
    lm_gemm(1, 0, out, r, N, sc, dy, out, xa, r, 1.0f, dB, r);
    lm_gemm(0, 0, N, r, out, sc, dy, out, Bm, r, 0.0f, m->lora_tmp, r);
    mm_dw(m->lora_tmp, x, dA, N, in, r);
    mm_dx(m->lora_tmp, A, dx, N, in, r, 1.0f);
}

/* ---- forward ------------------------------------------------------------ */

/* causal softmax of rows [r0, r1) of a (T x T) score block whose columns
 * [0, r1) are filled; writes zeros above the diagonal up to r1 */
static void causal_softmax_rows(float *S, int T, int r0, int r1) {
    for (int i = r0; i < r1; i++) {
        float *row = S + (size_t)i * T;
        float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
        for (int j = 0; j <= i; j++) mx = row[j] > mx ? row[j] : mx;
        float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
        for (int j = 0; j <= i; j++) { float e = lm_expf(row[j] - mx); row[j] = e; sum += e; }
        float inv = 1.0f / sum;
#pragma omp simd
        for (int j = 0; j <= i; j++) row[j] *= inv;
        for (int j = i + 1; j < r1; j++) row[j] = 0.0f;
    }
}

/* Causal attention for one layer, all (b, head) pairs. Work items are
 * (b, kv head) groups so that the heads sharing a key/value head (GQA) run
 * on one thread, which then owns that group's dK and dV rows in backward.
 * Products are cut into blocks of ATT_BLK query rows that only see keys
 * [0, r1): the masked upper triangle is never computed. */
static void attn_fwd(const float *q, const float *k, const float *v, float *att, float *y, int B, int T, int d, int kvd,
                     int H, int grp, int hd, float scale) {
    int n_items = B * (H / grp);
#pragma omp parallel for schedule(dynamic, 1) if (n_items > 1 && (double)T * T * hd * n_items > 2e7)
    for (int it = 0; it < n_items; it++) {
        int b = it / (H / grp), kh = it % (H / grp);
        const float *kb = k + (size_t)b * T * kvd + (size_t)kh * hd;
        const float *vb = v + (size_t)b * T * kvd + (size_t)kh * hd;
        for (int h = kh * grp; h < (kh + 1) * grp; h++) {
            const float *qb = q + (size_t)b * T * d + (size_t)h * hd;
            float *P = att + ((size_t)b * H + h) * T * T;
            float *yb = y + (size_t)b * T * d + (size_t)h * hd;
            for (int r0 = 0; r0 < T; r0 += ATT_BLK) {
                int r1 = r0 + ATT_BLK < T ? r0 + ATT_BLK : T;
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r1 - r0, r1, hd, scale, qb + (size_t)r0 * d, d,
                            kb, kvd, 0.0f, P + (size_t)r0 * T, T);
                causal_softmax_rows(P, T, r0, r1);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r1 - r0, hd, r1, 1.0f, P + (size_t)r0 * T, T,
                            vb, kvd, 0.0f, yb + (size_t)r0 * d, d);
            }
        }
    }
}

/* dq (B*T, d), dk and dv (B*T, kvd) from dy; dPs holds n_thr (T, T) buffers */
static void attn_bwd(const float *q, const float *k, const float *v, const float *att, const float *dy, float *dq,
                     float *dk, float *dv, float *dPs, int B, int T, int d, int kvd, int H, int grp, int hd, float scale,
                     int n_thr) {
    int n_items = B * (H / grp);
    memset(dk, 0, sizeof(float) * (size_t)B * T * kvd);
    memset(dv, 0, sizeof(float) * (size_t)B * T * kvd);
#pragma omp parallel for schedule(dynamic, 1) num_threads(n_thr) if (n_items > 1 && (double)T * T * hd * n_items > 2e7)
    for (int it = 0; it < n_items; it++) {
        int b = it / (H / grp), kh = it % (H / grp);
        float *dP = dPs + (size_t)omp_get_thread_num() * T * T;
        const float *kb = k + (size_t)b * T * kvd + (size_t)kh * hd;
        const float *vb = v + (size_t)b * T * kvd + (size_t)kh * hd;
        float *dkb = dk + (size_t)b * T * kvd + (size_t)kh * hd;
        float *dvb = dv + (size_t)b * T * kvd + (size_t)kh * hd;
        for (int h = kh * grp; h < (kh + 1) * grp; h++) {
            const float *qb = q + (size_t)b * T * d + (size_t)h * hd;
            const float *P = att + ((size_t)b * H + h) * T * T;
            const float *dyb = dy + (size_t)b * T * d + (size_t)h * hd;
            float *dqb = dq + (size_t)b * T * d + (size_t)h * hd;
            for (int r0 = 0; r0 < T; r0 += ATT_BLK) {
                int r1 = r0 + ATT_BLK < T ? r0 + ATT_BLK : T, nr = r1 - r0;
                float *dPb = dP + (size_t)r0 * T;
                const float *Pb = P + (size_t)r0 * T;
                /* dP = dY V^T ; dV += P^T dY */
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nr, r1, hd, 1.0f, dyb + (size_t)r0 * d, d, vb, kvd,
                            0.0f, dPb, T);
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r1, hd, nr, 1.0f, Pb, T, dyb + (size_t)r0 * d, d,
                            1.0f, dvb, kvd);
                /* dS = P (dP - rowdot(P, dP)) * scale, in place; zero above the diagonal */
                for (int i = r0; i < r1; i++) {
                    const float *pr = P + (size_t)i * T;
                    float *dr = dP + (size_t)i * T;
                    float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
                    for (int j = 0; j <= i; j++) dot += pr[j] * dr[j];
#pragma omp simd
                    for (int j = 0; j <= i; j++) dr[j] = pr[j] * (dr[j] - dot) * scale;
                    for (int j = i + 1; j < r1; j++) dr[j] = 0.0f;
                }
                /* dQ = dS K ; dK += dS^T Q */
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nr, hd, r1, 1.0f, dPb, T, kb, kvd, 0.0f,
                            dqb + (size_t)r0 * d, d);
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r1, hd, nr, 1.0f, dPb, T, qb + (size_t)r0 * d, d,
                            1.0f, dkb, kvd);
            }
        }
    }
}

sl_status lm_model_forward(lm_model *m, const int32_t *ids, const int32_t *targets, int B, int T, float *loss,
                           int *n_valid, sl_err *err) {
    const lm_config *c = &m->c;
    if (!m->acts || B > m->max_B || T > c->seq || B < 1 || T < 1)
        return sl_err_set(err, SL_ERR_ARG, "forward: batch %dx%d exceeds the prepared %dx%d", B, T, m->max_B, c->seq);
    int BT = B * T, d = c->d, f = c->ffn, kvd = m->kvd, H = c->n_head, hd = m->hd, V = c->vocab;
    int grp = H / c->n_kv_head;
    for (int i = 0; i < BT; i++)
        if (ids[i] < 0 || ids[i] >= V) return sl_err_set(err, SL_ERR_INVALID, "forward: token id %d out of range", ids[i]);
    m->B = B; m->T = T;
    memcpy(m->ids, ids, sizeof(int32_t) * BT);
    if (targets) memcpy(m->targets, targets, sizeof(int32_t) * BT);
    else for (int i = 0; i < BT; i++) m->targets[i] = -1;
    acts a;
    acts_layout(m, B, T, &a, m->acts);
    const lm_params *p = &m->p;
    float scale = 1.0f / sqrtf((float)hd);

    /* embedding */
    for (int i = 0; i < BT; i++) memcpy(a.res0 + (size_t)i * d, p->tok_emb + (size_t)ids[i] * d, sizeof(float) * d);

    for (int l = 0; l < c->n_layer; l++) {
        acts al = acts_at_layer(&a, l, B, H, T, d, kvd, f);
        float *x = al.res0, *hn1 = al.hn1, *q = al.q, *k = al.k, *v = al.v, *att = al.att, *y = al.y;
        float *res1 = al.res1, *hn2 = al.hn2, *h1 = al.h1, *h3 = al.h3, *g = al.gact;
        lm_rmsnorm_fwd(x, p->attn_norm + (size_t)l * d, hn1, a.rstd1 + (size_t)l * BT, BT, d, c->norm_eps);
        proj_fwd(m, 0, l, hn1, p->wq + (size_t)l * d * d, q, BT, d, d);
        proj_fwd(m, 1, l, hn1, p->wk + (size_t)l * kvd * d, k, BT, d, kvd);
        proj_fwd(m, 2, l, hn1, p->wv + (size_t)l * kvd * d, v, BT, d, kvd);
        lm_rope(q, BT, d, H, hd, NULL, T, m->rope_cos, m->rope_sin, 1.0f);
        lm_rope(k, BT, kvd, c->n_kv_head, hd, NULL, T, m->rope_cos, m->rope_sin, 1.0f);
        attn_fwd(q, k, v, att, y, B, T, d, kvd, H, grp, hd, scale);
        /* res1 = x + y wo^T */
        proj_fwd(m, 3, l, y, p->wo + (size_t)l * d * d, res1, BT, d, d);
#pragma omp parallel for schedule(static) if (BT * d > (1 << 18))
        for (int i = 0; i < BT; i++)
            for (int j = 0; j < d; j++) res1[(size_t)i * d + j] += x[(size_t)i * d + j];
        lm_rmsnorm_fwd(res1, p->mlp_norm + (size_t)l * d, hn2, a.rstd2 + (size_t)l * BT, BT, d, c->norm_eps);
        proj_fwd(m, 4, l, hn2, p->w1 + (size_t)l * f * d, h1, BT, d, f);
        proj_fwd(m, 5, l, hn2, p->w3 + (size_t)l * f * d, h3, BT, d, f);
#pragma omp parallel for schedule(static) if (BT * d > (1 << 18))
        for (int i = 0; i < BT; i++)
#pragma omp simd
            for (int j = 0; j < f; j++) {
                size_t o = (size_t)i * f + j;
                g[o] = silu(h1[o]) * h3[o];
            }
        float *xn = l + 1 < c->n_layer ? a.res0 + (size_t)(l + 1) * BT * d : a.resf;
        proj_fwd(m, 6, l, g, p->w2 + (size_t)l * d * f, xn, BT, f, d);
#pragma omp parallel for schedule(static) if (BT * d > (1 << 18))
        for (int i = 0; i < BT; i++)
            for (int j = 0; j < d; j++) xn[(size_t)i * d + j] += res1[(size_t)i * d + j];
    }
    lm_rmsnorm_fwd(a.resf, p->norm, a.hnf, a.rstdf, BT, d, c->norm_eps);
    lm_mm_xwt(a.hnf, p->lm_head, a.logits, BT, d, V, 0.0f);

    /* loss: mean cross-entropy over valid targets, summed in row order */
    int nv = 0;
    for (int i = 0; i < BT; i++) {
        if (m->targets[i] >= V) return sl_err_set(err, SL_ERR_INVALID, "forward: target id %d out of range", m->targets[i]);
        nv += m->targets[i] >= 0;
    }
    scratch s;
    scratch_layout(m, B, T, &s, m->scratch);
    float *row_loss = s.dres; /* reuse as (BT) */
#pragma omp parallel for schedule(static) if ((size_t)BT * V > (1 << 18))
    for (int i = 0; i < BT; i++) {
        int t = m->targets[i];
        if (t < 0) { row_loss[i] = 0.0f; continue; }
        const float *lg = a.logits + (size_t)i * V;
        float mx = -INFINITY;
        for (int j = 0; j < V; j++) mx = lg[j] > mx ? lg[j] : mx;
        float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
        for (int j = 0; j < V; j++) sum += lm_expf(lg[j] - mx);
        row_loss[i] = (float)(log((double)sum) + mx - lg[t]);
    }
    double tot = 0.0;
    for (int i = 0; i < BT; i++) tot += row_loss[i];
    m->n_valid = nv;
    if (loss) *loss = nv ? (float)(tot / nv) : NAN;
    if (n_valid) *n_valid = nv;
    return SL_OK;
}

/* ---- backward ----------------------------------------------------------- */

void lm_model_zero_grad(lm_model *m) {
    if (m->lora_r > 0) lm_lora_zero_grad(m);
    else if (m->grads) memset(m->grads, 0, sizeof(float) * m->n_params);
}

void lm_model_backward(lm_model *m, float loss_scale) {
    const lm_config *c = &m->c;
    int B = m->B, T = m->T, BT = B * T, d = c->d, f = c->ffn, kvd = m->kvd, H = c->n_head, hd = m->hd, V = c->vocab;
    int grp = H / c->n_kv_head;
    int base_grads = m->lora_r == 0;
    if (m->n_valid == 0) return;
    acts a;
    scratch s;
    acts_layout(m, B, T, &a, m->acts);
    scratch_layout(m, B, T, &s, m->scratch);
    const lm_params *p = &m->p;
    lm_params *gp = &m->g;
    float scale = 1.0f / sqrtf((float)hd);
    float inv_n = loss_scale / (float)m->n_valid;

    /* dlogits = (softmax - onehot) / n */
#pragma omp parallel for schedule(static) if ((size_t)BT * V > (1 << 18))
    for (int i = 0; i < BT; i++) {
        float *dl = s.dlogits + (size_t)i * V;
        int t = m->targets[i];
        if (t < 0) { memset(dl, 0, sizeof(float) * V); continue; }
        const float *lg = a.logits + (size_t)i * V;
        float mx = -INFINITY;
        for (int j = 0; j < V; j++) mx = lg[j] > mx ? lg[j] : mx;
        float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
        for (int j = 0; j < V; j++) { dl[j] = lm_expf(lg[j] - mx); sum += dl[j]; }
        float is = inv_n / sum;
        for (int j = 0; j < V; j++) dl[j] *= is;
        dl[t] -= inv_n;
    }
    /* lm_head */
    if (base_grads) mm_dw(s.dlogits, a.hnf, gp->lm_head, BT, d, V);
    mm_dx(s.dlogits, p->lm_head, s.dtmp, BT, d, V, 0.0f);
    memset(s.dres, 0, sizeof(float) * (size_t)BT * d);
    rmsnorm_bwd(a.resf, p->norm, a.rstdf, s.dtmp, s.dres, base_grads ? gp->norm : NULL, BT, d);
    /* s.dres now holds d loss / d (output of the last layer) */

    for (int l = c->n_layer - 1; l >= 0; l--) {
        acts al = acts_at_layer(&a, l, B, H, T, d, kvd, f);
        float *x = al.res0, *hn1 = al.hn1, *q = al.q, *k = al.k, *v = al.v, *att = al.att, *y = al.y;
        float *res1 = al.res1, *hn2 = al.hn2, *h1 = al.h1, *h3 = al.h3, *g = al.gact;
        /* MLP: xn = res1 + w2(g); dres flows to res1 directly */
        proj_bwd(m, &s, 6, l, g, p->w2 + (size_t)l * d * f, gp->w2 + (size_t)l * d * f, s.dres, s.dh1, 0.0f, BT, f, d);
        /* s.dh1 holds dg; split into dh1 (gate) and dh3 (up) */
#pragma omp parallel for schedule(static) if (BT * d > (1 << 18))
        for (int i = 0; i < BT; i++)
#pragma omp simd
            for (int j = 0; j < f; j++) {
                size_t o = (size_t)i * f + j;
                float z = h1[o], sg = 1.0f / (1.0f + lm_expf(-z)), dg = s.dh1[o];
                s.dh3[o] = dg * z * sg;
                s.dh1[o] = dg * h3[o] * sg * (1.0f + z * (1.0f - sg));
            }
        proj_bwd(m, &s, 4, l, hn2, p->w1 + (size_t)l * f * d, gp->w1 + (size_t)l * f * d, s.dh1, s.dtmp, 0.0f, BT, d, f);
        proj_bwd(m, &s, 5, l, hn2, p->w3 + (size_t)l * f * d, gp->w3 + (size_t)l * f * d, s.dh3, s.dtmp, 1.0f, BT, d, f);
        rmsnorm_bwd(res1, p->mlp_norm + (size_t)l * d, a.rstd2 + (size_t)l * BT, s.dtmp, s.dres,
                    base_grads ? gp->mlp_norm + (size_t)l * d : NULL, BT, d);
        /* attention: res1 = x + wo(y) */
        proj_bwd(m, &s, 3, l, y, p->wo + (size_t)l * d * d, gp->wo + (size_t)l * d * d, s.dres, s.dtmp, 0.0f, BT, d, d);
        /* s.dtmp = dy */
        attn_bwd(q, k, v, att, s.dtmp, s.dq, s.dk, s.dv, s.dP, B, T, d, kvd, H, grp, hd, scale, m->n_thr);
        /* undo RoPE on dq, dk (the rotation is orthogonal: its transpose is the inverse) */
        lm_rope(s.dq, BT, d, H, hd, NULL, T, m->rope_cos, m->rope_sin, -1.0f);
        lm_rope(s.dk, BT, kvd, c->n_kv_head, hd, NULL, T, m->rope_cos, m->rope_sin, -1.0f);
        proj_bwd(m, &s, 0, l, hn1, p->wq + (size_t)l * d * d, gp->wq + (size_t)l * d * d, s.dq, s.dtmp, 0.0f, BT, d, d);
        proj_bwd(m, &s, 1, l, hn1, p->wk + (size_t)l * kvd * d, gp->wk + (size_t)l * kvd * d, s.dk, s.dtmp, 1.0f, BT, d, kvd);
        proj_bwd(m, &s, 2, l, hn1, p->wv + (size_t)l * kvd * d, gp->wv + (size_t)l * kvd * d, s.dv, s.dtmp, 1.0f, BT, d, kvd);
        rmsnorm_bwd(x, p->attn_norm + (size_t)l * d, a.rstd1 + (size_t)l * BT, s.dtmp, s.dres,
                    base_grads ? gp->attn_norm + (size_t)l * d : NULL, BT, d);
    }
    /* embedding: rows in token order on one thread (deterministic) */
    if (base_grads)
        for (int i = 0; i < BT; i++) {
            float *ge = gp->tok_emb + (size_t)m->ids[i] * d;
            const float *gi = s.dres + (size_t)i * d;
            for (int j = 0; j < d; j++) ge[j] += gi[j];
        }
}

/* ---- optimizer ------------------------------------------------------------ */

float lm_model_adamw_step(lm_model *m, const lm_adamw *o, float lr, long step) {
    float *w, *gr;
    size_t n;
    if (m->lora_r > 0) { w = m->lora; gr = m->lora_grad; n = m->n_lora; }
    else { w = m->params; gr = m->grads; n = m->n_params; }
    if (!m->adam_m) {
        m->adam_m = lm_calloc(n);
        m->adam_v = lm_calloc(n);
        m->n_adam = n;
        if (!m->adam_m || !m->adam_v) return NAN;
    }
    /* global norm, summed in fixed chunks then in order */
    enum { CH = 4096 };
    size_t n_ch = (n + CH - 1) / CH;
    double *part = malloc(sizeof(double) * (n_ch ? n_ch : 1));
    if (!part) return NAN;
#pragma omp parallel for schedule(static) if (n_ch > 64)
    for (size_t ci = 0; ci < n_ch; ci++) {
        size_t e = (ci + 1) * CH < n ? (ci + 1) * CH : n;
        double ss = 0.0;
        for (size_t i = ci * CH; i < e; i++) ss += (double)gr[i] * gr[i];
        part[ci] = ss;
    }
    double tot = 0.0;
    for (size_t ci = 0; ci < n_ch; ci++) tot += part[ci];
    free(part);
    float norm = (float)sqrt(tot);
    float clip = 1.0f;
    if (o->grad_clip > 0 && norm > o->grad_clip) clip = o->grad_clip / (norm + 1e-6f);
    float b1 = o->beta1, b2 = o->beta2;
    float bc1 = 1.0f - powf(b1, (float)step), bc2 = 1.0f - powf(b2, (float)step);
    float *mm = m->adam_m, *vv = m->adam_v;
    float decay = 1.0f - lr * o->weight_decay, step_size = lr / bc1, bc2s = sqrtf(bc2);
#pragma omp parallel for schedule(static) if (n > (1 << 18))
    for (size_t i = 0; i < n; i++) {
        float g = gr[i] * clip;
        w[i] *= decay;
        mm[i] = b1 * mm[i] + (1.0f - b1) * g;
        vv[i] = b2 * vv[i] + (1.0f - b2) * g * g;
        w[i] -= step_size * mm[i] / (sqrtf(vv[i]) / bc2s + o->eps);
    }
    return norm;
}

float *lm_model_adam_m(lm_model *m, size_t *n) { if (n) *n = m->n_adam; return m->adam_m; }
float *lm_model_adam_v(lm_model *m, size_t *n) { if (n) *n = m->n_adam; return m->adam_v; }

float lm_lr_at(lm_sched s, float lr, float min_lr, long warmup, long total, long step) {
    if (warmup > 0 && step <= warmup) return lr * (float)step / (float)warmup;
    if (s == LM_SCHED_CONSTANT || total <= warmup) return lr;
    double t = (double)(step - warmup) / (double)(total - warmup);
    if (t > 1) t = 1;
    if (s == LM_SCHED_LINEAR) return (float)(lr + (min_lr - lr) * t);
    return (float)(min_lr + 0.5 * (lr - min_lr) * (1.0 + cos(3.141592653589793 * t)));
}
