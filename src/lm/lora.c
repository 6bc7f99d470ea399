/* lora.c - low-rank adapters on the seven projections of every layer.
 *
 * For a base weight W [out, in] the adapted layer computes
 *     y = x W^T + (alpha / r) (x A^T) B^T,   A (r, in), B (out, r).
 * A starts as N(0, 1/in) (Kaiming-like), B as zeros, so attaching changes
 * nothing until training moves B. While adapters are attached, training
 * computes gradients and AdamW moments for the adapters only: the base
 * parameters are read, never written. All adapter tensors live in one
 * allocation, laid out kind by kind and stacked over layers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "lm/internal.h"

static const char *const kind_names[7] = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                                          "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};

void lm_lora_dims(const lm_model *m, int kind, int *in, int *out) {
    int d = m->c.d, f = m->c.ffn, kvd = m->kvd;
    switch (kind) {
    case 0: case 3: *in = d; *out = d; break;
    case 1: case 2: *in = d; *out = kvd; break;
    case 4: case 5: *in = d; *out = f; break;
    default: *in = f; *out = d; break;
    }
}

float *lm_base_weight(lm_model *m, int kind, int l) {
    int in, out;
    lm_lora_dims(m, kind, &in, &out);
    float *base[7] = {m->p.wq, m->p.wk, m->p.wv, m->p.wo, m->p.w1, m->p.w3, m->p.w2};
    return base[kind] + (size_t)l * in * out;
}

static void lora_point(lm_model *m, lm_lora_params *lp, float *at) {
    size_t L = m->c.n_layer, r = m->lora_r;
    for (int k = 0; k < 7; k++) {
        int in, out;
        lm_lora_dims(m, k, &in, &out);
        lp->a[k] = at; at += L * r * in;
        lp->b[k] = at; at += L * out * r;
    }
}

sl_status lm_lora_attach(lm_model *m, int rank, float alpha, uint64_t seed, sl_err *err) {
    if (rank < 1 || rank > m->c.d) return sl_err_set(err, SL_ERR_ARG, "lora rank %d out of range", rank);
    lm_lora_detach(m);
    size_t n = 0, L = m->c.n_layer;
    for (int k = 0; k < 7; k++) {
        int in, out;
        lm_lora_dims(m, k, &in, &out);
        n += L * rank * (size_t)(in + out);
    }
    m->lora = lm_calloc(n);
    if (!m->lora) return sl_err_set(err, SL_ERR_NOMEM, "out of memory for LoRA adapters");
    m->lora_r = rank;
    m->lora_alpha = alpha;
    m->n_lora = n;
    lora_point(m, &m->lp, m->lora);
    sl_rng r;
    sl_rng_seed(&r, seed);
    for (int k = 0; k < 7; k++) {
        int in, out;
        lm_lora_dims(m, k, &in, &out);
        float sd = 1.0f / sqrtf((float)in);
        for (size_t i = 0; i < L * rank * (size_t)in; i++) m->lp.a[k][i] = sd * lm_randn(&r);
    }
    /* the optimizer now tracks the adapters */
    free(m->adam_m); free(m->adam_v);
    m->adam_m = m->adam_v = NULL;
    m->n_adam = 0;
    if (m->acts) return lm_lora_train_init(m, err);
    return SL_OK;
}

sl_status lm_lora_train_init(lm_model *m, sl_err *err) {
    if (m->lora_r == 0 || !m->acts) return SL_OK;
    size_t rows = (size_t)m->max_B * m->c.seq;
    if (!m->lora_grad) {
        m->lora_grad = lm_calloc(m->n_lora);
        if (!m->lora_grad) return sl_err_set(err, SL_ERR_NOMEM, "out of memory for LoRA gradients");
        lora_point(m, &m->lg, m->lora_grad);
    }
    if (m->lora_xa_rows < rows) {
        free(m->lora_xa);
        free(m->lora_tmp);
        m->lora_xa = lm_calloc((size_t)m->c.n_layer * 7 * rows * m->lora_r);
        m->lora_tmp = lm_calloc(rows * m->lora_r);
        if (!m->lora_xa || !m->lora_tmp) { m->lora_xa_rows = 0; return sl_err_set(err, SL_ERR_NOMEM, "out of memory for LoRA activations"); }
        m->lora_xa_rows = rows;
    }
    return SL_OK;
}

void lm_lora_zero_grad(lm_model *m) {
    if (m->lora_grad) memset(m->lora_grad, 0, sizeof(float) * m->n_lora);
}

float *lm_lora_xa(lm_model *m, int kind, int l, int N) {
    (void)N;
    return m->lora_xa + ((size_t)l * 7 + kind) * m->lora_xa_rows * m->lora_r;
}

void lm_lora_detach(lm_model *m) {
    if (m->lora_r && m->adam_m) { free(m->adam_m); free(m->adam_v); m->adam_m = m->adam_v = NULL; m->n_adam = 0; }
    free(m->lora); free(m->lora_grad); free(m->lora_xa); free(m->lora_tmp);
    m->lora = m->lora_grad = m->lora_xa = m->lora_tmp = NULL;
    m->lora_xa_rows = 0;
    m->lora_r = 0;
    m->n_lora = 0;
    memset(&m->lp, 0, sizeof m->lp);
    memset(&m->lg, 0, sizeof m->lg);
}

int lm_lora_rank(const lm_model *m) { return m->lora_r; }
float lm_lora_alpha(const lm_model *m) { return m->lora_alpha; }
lm_lora_params *lm_lora_get(lm_model *m) { return m->lora_r ? &m->lp : NULL; }
float *lm_lora_data(lm_model *m, size_t *n) { if (n) *n = m->n_lora; return m->lora; }

void lm_lora_merge(lm_model *m) {
    if (!m->lora_r) return;
    int r = m->lora_r;
    float s = m->lora_alpha / r;
    for (int k = 0; k < 7; k++) {
        int in, out;
        lm_lora_dims(m, k, &in, &out);
        for (int l = 0; l < m->c.n_layer; l++) {
            float *W = lm_base_weight(m, k, l);
            const float *A = m->lp.a[k] + (size_t)l * r * in, *B = m->lp.b[k] + (size_t)l * out * r;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, out, in, r, s, B, r, A, in, 1.0f, W, in);
        }
    }
    lm_lora_detach(m);
}

int lm_lora_n_tensors(const lm_model *m) { return m->lora_r ? 14 * m->c.n_layer : 0; }

/* PEFT-style names: base_model.model.model.layers.{l}.{proj}.lora_{A,B}.weight */
float *lm_lora_tensor(lm_model *m, int i, char *name, size_t n_name, int shape[2]) {
    int l = i / 14, k = (i % 14) / 2, isb = i % 2, r = m->lora_r, in, out;
    lm_lora_dims(m, k, &in, &out);
    snprintf(name, n_name, "base_model.model.model.layers.%d.%s.lora_%c.weight", l, kind_names[k], isb ? 'B' : 'A');
    if (isb) { shape[0] = out; shape[1] = r; return m->lp.b[k] + (size_t)l * out * r; }
    shape[0] = r; shape[1] = in;
    return m->lp.a[k] + (size_t)l * r * in;
}
