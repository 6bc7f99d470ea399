/* infer.c - generation with a KV cache and the sampler.
 *
 * A step takes N rows, each with a cache slot and a position, writes their
 * keys and values into the cache, then attends over the slot's cache up to
 * the row's position (causal by construction). Up to 16 rows (decode, short
 * prompts, speculative checks) run in the decoding team: one parallel region,
 * the decode kernels of matvec.c on packed weights; more rows (long prompts)
 * run through sgemm on the fp32 master weights. Prefill runs the prompt as N
 * rows of slot 0 once; the G samples then copy that prefix into their own
 * slots and decode together, one row per live sample per step, so the
 * weights stream through memory once per step for all G samples. Speculative
 * greedy decoding (one sample) checks a draft's K proposals as one step of
 * K + 1 rows.
 *
 * The sampler applies, in order: the logits hook, the repetition penalty,
 * then greedy argmax (temperature 0) or temperature, top-k, top-p and a draw
 * from the sample's own generator (seeded from seed and the sample index, so a
 * sample does not depend on how many others run beside it). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <omp.h>
#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include "lm/internal.h"

void lm_sample_opts_default(lm_sample_opts *o) {
    memset(o, 0, sizeof *o);
    o->temperature = 1.0f;
    o->top_p = 1.0f;
    o->rep_penalty = 1.0f;
    o->max_new = 256;
    o->n_samples = 1;
    o->stop_token = -1;
    o->draft_weights = LM_WEIGHTS_BF16;
}

void lm_generation_release(lm_generation *g) {
    if (!g) return;
    for (int i = 0; i < g->n_samples; i++) free(g->tokens ? g->tokens[i] : NULL);
    free(g->tokens); free(g->n_tokens); free(g->stop_reason);
    memset(g, 0, sizeof *g);
}

typedef struct kv_cache {
    int G, S;                 /* slots, positions per slot */
    float *k;                 /* (L, G, n_kv_head, head_dim, S): keys transposed, so that the
                                 scores of 16 positions are one vector per head dimension */
    float *v;                 /* (L, G, S, kvd) */
} kv_cache;

/* up to this many rows go through the matvec kernels (weights streamed once,
 * reused from L1 across rows); more rows (prefill, large G) through sgemm on
 * the fp32 master weights */
#define MV_MAX_ROWS 16

typedef struct infer_ws {
    int N;                    /* capacity in rows */
    float *x, *hn, *q, *k, *v, *y, *h1, *h3, *tmp, *logits; /* (N, .) */
    float *att;               /* (threads, S) */
    float *hn_t;              /* (threads, N, d): each thread's copy of a normed input (decode team) */
    float *o;                 /* (N, d): output of the o / down projection before the residual add */
    float *lt, *lo;           /* (threads, N, r), (threads, N, max out): LoRA scratch per thread */
    int n_thr, max_out, team_rows;
} infer_ws;

static void ws_free(infer_ws *w) {
    free(w->x); free(w->hn); free(w->q); free(w->k); free(w->v); free(w->y);
    free(w->h1); free(w->h3); free(w->tmp); free(w->logits); free(w->att);
    free(w->hn_t); free(w->o); free(w->lt); free(w->lo);
}

static int ws_init(infer_ws *w, const lm_model *m, int N, int S) {
    memset(w, 0, sizeof *w);
    size_t n = N, d = m->c.d, f = m->c.ffn, kvd = m->kvd, r = m->lora_r ? m->lora_r : 1;
    w->N = N;
    w->n_thr = omp_get_max_threads();
    w->x = lm_calloc(n * d); w->hn = lm_calloc(n * d); w->q = lm_calloc(n * d);
    w->k = lm_calloc(n * kvd); w->v = lm_calloc(n * kvd); w->y = lm_calloc(n * d);
    w->h1 = lm_calloc(n * f); w->h3 = lm_calloc(n * f); w->tmp = lm_calloc(n * r);
    w->logits = lm_calloc(n * m->c.vocab);
    w->att = lm_calloc((size_t)w->n_thr * S);
    size_t nt = w->n_thr, nd = n < MV_MAX_ROWS ? n : MV_MAX_ROWS;   /* the team runs at most MV_MAX_ROWS rows */
    w->max_out = (int)(f > d ? f : d);
    w->team_rows = (int)nd;
    w->hn_t = lm_calloc(nt * nd * d);
    w->o = lm_calloc(n * d);
    w->lt = lm_calloc(nt * nd * r);
    w->lo = lm_calloc(m->lora_r ? nt * nd * w->max_out : 1);
    if (!w->x || !w->hn || !w->q || !w->k || !w->v || !w->y || !w->h1 || !w->h3 || !w->tmp || !w->logits || !w->att ||
        !w->hn_t || !w->o || !w->lt || !w->lo) {
        ws_free(w);
        return -1;
    }
    return 0;
}

/* Weights as decoding reads them: a bf16 or int8 copy made for this
 * generation (lm_sample_opts.weights), or fp32; packed for the decode kernels
 * (lm_mv_pack) where the shapes allow. An fp32 packed copy doubles the weight
 * memory, so above DW_PACK_F32_MAX decoding reads the master weights in
 * place (same results, 10-30 % slower at batch 1). */
#define DW_PACK_F32_MAX ((size_t)2 << 30)

typedef struct dec_weights {
    lm_wref *w;               /* (L, 7) in lm_lora_dims kind order */
    lm_wref head;
    void *buf;                /* the copy, or NULL */
    float *scales;            /* int8 row scales */
} dec_weights;

static void dw_free(dec_weights *dw) { free(dw->w); free(dw->buf); free(dw->scales); }

static size_t dw_elem(lm_weights type) { return type == LM_WEIGHTS_BF16 ? 2 : type == LM_WEIGHTS_Q8 ? 1 : 4; }

/* point *r at rows x in of src as the copy holds them (converted per type,
 * packed if pack); advances the buffers. tmp: room for one converted matrix. */
static void dw_put(lm_wref *r, lm_weights type, int pack, const float *src, int rows, int in, char **at, float **sc,
                   void *tmp) {
    size_t n = (size_t)rows * in, elem = dw_elem(type);
    if (type == LM_WEIGHTS_F32 && !pack) { r->f32 = src; return; }
    const void *rm = src;     /* row-major, converted */
    if (type == LM_WEIGHTS_BF16) {
        lm_bf16_from_f32(pack ? tmp : (void *)*at, src, n);
        rm = pack ? tmp : *at;
    } else if (type == LM_WEIGHTS_Q8) {
        lm_q8_from_f32(pack ? tmp : (void *)*at, *sc, src, rows, in);
        rm = pack ? tmp : *at;
        r->scale = *sc;
        *sc += rows;
    }
    if (pack) lm_mv_pack(*at, rm, elem, rows, in);
    if (type == LM_WEIGHTS_BF16) r->bf16 = (const uint16_t *)*at;
    else if (type == LM_WEIGHTS_Q8) r->q8 = (const int8_t *)*at;
    else r->f32 = (const float *)*at;
    r->packed = pack;
    *at += n * elem;
}

static int dw_init(dec_weights *dw, lm_model *m, lm_weights type) {
    int L = m->c.n_layer, d = m->c.d, V = m->c.vocab;
    memset(dw, 0, sizeof *dw);
    dw->w = calloc((size_t)L * 7, sizeof(lm_wref));
    if (!dw->w) return -1;
    size_t elem = dw_elem(type), total = (size_t)V * d, rows = V, max_n = (size_t)V * d;
    int packable = lm_mv_packable(V, d);
    for (int k = 0; k < 7; k++) {
        int in, out;
        lm_lora_dims(m, k, &in, &out);
        total += (size_t)L * in * out;
        rows += (size_t)L * out;
        max_n = (size_t)in * out > max_n ? (size_t)in * out : max_n;
        packable = packable && lm_mv_packable(out, in);
    }
    int pack = packable && (type != LM_WEIGHTS_F32 || total * elem <= DW_PACK_F32_MAX);
    void *tmp = NULL;
    if (type != LM_WEIGHTS_F32 || pack) dw->buf = malloc(elem * total);
    if (type == LM_WEIGHTS_Q8) dw->scales = malloc(sizeof(float) * rows);
    if (pack && type != LM_WEIGHTS_F32) tmp = malloc(elem * max_n);
    if (((type != LM_WEIGHTS_F32 || pack) && !dw->buf) || (type == LM_WEIGHTS_Q8 && !dw->scales) ||
        (pack && type != LM_WEIGHTS_F32 && !tmp)) {
        free(tmp);
        dw_free(dw);
        return -1;
    }
    char *at = dw->buf;
    float *sc = dw->scales;
    for (int l = 0; l < L; l++)
        for (int k = 0; k < 7; k++) {
            int in, out;
            lm_lora_dims(m, k, &in, &out);
            dw_put(&dw->w[l * 7 + k], type, pack, lm_base_weight(m, k, l), out, in, &at, &sc, tmp);
        }
    dw_put(&dw->head, type, pack, m->p.lm_head, V, d, &at, &sc, tmp);
    free(tmp);
    return 0;
}

/* y = x W^T (+ LoRA) for N > MV_MAX_ROWS rows (prefill): sgemm on the fp32 master weights */
static void proj(lm_model *m, infer_ws *w, int kind, int l, const float *x, float *y, int N) {
    int in, out;
    lm_lora_dims(m, kind, &in, &out);
    lm_mm_xwt(x, lm_base_weight(m, kind, l), y, N, in, out, 0.0f);
    if (m->lora_r) {
        int r = m->lora_r;
        const float *A = m->lp.a[kind] + (size_t)l * r * in, *B = m->lp.b[kind] + (size_t)l * out * r;
        lm_mm_xwt(x, A, w->tmp, N, in, r, 0.0f);
        lm_gemm(0, 1, N, out, r, m->lora_alpha / r, w->tmp, r, B, r, 1.0f, y, out);
    }
}

/* One query row of one head over np cached positions (key element e of
 * position j at kt[e S + j], value j at vb + j kvd): scores, softmax,
 * weighted sum of values into y[hd]; q is scaled in place. sc: np floats. Every score is the same
 * chain of multiply-adds over e whatever np is. */
static void attend_row(float *q, const float *kt, int S, const float *vb, int kvd, int np, int hd, float scale,
                       float *sc, float *y) {
    float *qs = q;            /* scaled in place (the query is not needed afterwards) */
    for (int e = 0; e < hd; e++) qs[e] = q[e] * scale;
    int j = 0;
#ifdef __AVX512F__
    for (; j + 128 <= np; j += 128) {   /* eight independent chains of hd multiply-adds */
        __m512 a[8];
        for (int u = 0; u < 8; u++) a[u] = _mm512_setzero_ps();
        for (int e = 0; e < hd; e++) {
            const float *ke = kt + (size_t)e * S + j;
            __m512 qe = _mm512_set1_ps(qs[e]);
            a[0] = _mm512_fmadd_ps(qe, _mm512_loadu_ps(ke), a[0]);
            a[1] = _mm512_fmadd_ps(qe, _mm512_loadu_ps(ke + 16), a[1]);
            a[2] = _mm512_fmadd_ps(qe, _mm512_loadu_ps(ke + 32), a[2]);
            a[3] = _mm512_fmadd_ps(qe, _mm512_loadu_ps(ke + 48), a[3]);
            a[4] = _mm512_fmadd_ps(qe, _mm512_loadu_ps(ke + 64), a[4]);
            a[5] = _mm512_fmadd_ps(qe, _mm512_loadu_ps(ke + 80), a[5]);
            a[6] = _mm512_fmadd_ps(qe, _mm512_loadu_ps(ke + 96), a[6]);
            a[7] = _mm512_fmadd_ps(qe, _mm512_loadu_ps(ke + 112), a[7]);
        }
        for (int u = 0; u < 8; u++) _mm512_storeu_ps(sc + j + 16 * u, a[u]);
    }
    for (; j + 64 <= np; j += 64) {
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (int e = 0; e < hd; e++) {
            const float *ke = kt + (size_t)e * S + j;
            __m512 qe = _mm512_set1_ps(qs[e]);
            a0 = _mm512_fmadd_ps(qe, _mm512_loadu_ps(ke), a0);
            a1 = _mm512_fmadd_ps(qe, _mm512_loadu_ps(ke + 16), a1);
            a2 = _mm512_fmadd_ps(qe, _mm512_loadu_ps(ke + 32), a2);
            a3 = _mm512_fmadd_ps(qe, _mm512_loadu_ps(ke + 48), a3);
        }
        _mm512_storeu_ps(sc + j, a0); _mm512_storeu_ps(sc + j + 16, a1);
        _mm512_storeu_ps(sc + j + 32, a2); _mm512_storeu_ps(sc + j + 48, a3);
    }
    for (; j < np; j += 16) {
        __mmask16 mk = np - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (np - j)) - 1u);
        __m512 a0 = _mm512_setzero_ps();
        for (int e = 0; e < hd; e++)
            a0 = _mm512_fmadd_ps(_mm512_set1_ps(qs[e]), _mm512_maskz_loadu_ps(mk, kt + (size_t)e * S + j), a0);
        _mm512_mask_storeu_ps(sc + j, mk, a0);
    }
#else
    for (j = 0; j < np; j++) sc[j] = 0.0f;
    for (int e = 0; e < hd; e++)
        for (j = 0; j < np; j++) sc[j] += qs[e] * kt[(size_t)e * S + j];
#endif
    float mx = -INFINITY;
    for (j = 0; j < np; j++) mx = sc[j] > mx ? sc[j] : mx;
#pragma omp simd
    for (j = 0; j < np; j++) sc[j] = lm_expf(sc[j] - mx);
    float sum = 0.0f;
    for (j = 0; j < np; j++) sum += sc[j];
#ifdef __AVX512F__
    if (hd % 16 == 0) {
        /* 16 value lanes at a time; positions j mod 4 into four accumulators
         * summed at the end, so that the multiply-adds do not wait on each
         * other (one chain of np dependent adds was most of the step) */
        __m512 inv = _mm512_set1_ps(1.0f / sum);
        for (int u = 0; u < hd / 16; u++) {
            const float *vu = vb + 16 * u;
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (j = 0; j + 4 <= np; j += 4) {
                a0 = _mm512_fmadd_ps(_mm512_set1_ps(sc[j]), _mm512_loadu_ps(vu + (size_t)j * kvd), a0);
                a1 = _mm512_fmadd_ps(_mm512_set1_ps(sc[j + 1]), _mm512_loadu_ps(vu + (size_t)(j + 1) * kvd), a1);
                a2 = _mm512_fmadd_ps(_mm512_set1_ps(sc[j + 2]), _mm512_loadu_ps(vu + (size_t)(j + 2) * kvd), a2);
                a3 = _mm512_fmadd_ps(_mm512_set1_ps(sc[j + 3]), _mm512_loadu_ps(vu + (size_t)(j + 3) * kvd), a3);
            }
            for (; j < np; j++) a0 = _mm512_fmadd_ps(_mm512_set1_ps(sc[j]), _mm512_loadu_ps(vu + (size_t)j * kvd), a0);
            __m512 acc = _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3));
            _mm512_storeu_ps(y + 16 * u, _mm512_mul_ps(acc, inv));
        }
        return;
    }
#endif
    for (int e = 0; e < hd; e++) y[e] = 0.0f;
    for (j = 0; j < np; j++) {
        const float *vj = vb + (size_t)j * kvd;
        for (int e = 0; e < hd; e++) y[e] += sc[j] * vj[e];
    }
    for (int e = 0; e < hd; e++) y[e] /= sum;
}

/* the token embeddings of N rows into x */
static void embed_rows(const lm_model *m, const int32_t *tok, int N, float *x) {
    int d = m->c.d;
    for (int i = 0; i < N; i++) memcpy(x + (size_t)i * d, m->p.tok_emb + (size_t)tok[i] * d, sizeof(float) * d);
}

/* key / value elements [e0, e1) of one row into layer l's cache (slot, position) */
static void cache_put(kv_cache *kc, int l, int kvd, int slot, int pos, const float *k, const float *v, int e0, int e1) {
    size_t layer = (size_t)l * kc->G * kc->S * kvd;
    float *kt = kc->k + layer + (size_t)slot * kvd * kc->S + pos;   /* keys transposed: element e at e S */
    for (int e = e0; e < e1; e++) kt[(size_t)e * kc->S] = k[e];
    memcpy(kc->v + layer + ((size_t)slot * kc->S + pos) * kvd + e0, v + e0, sizeof(float) * (size_t)(e1 - e0));
}

/* one query head of one row over its slot's cache of layer l (kv head kh) into y */
static void attend_cached(const lm_model *m, const kv_cache *kc, int l, int slot, int pos, int kh, float *q, float *sc,
                          float *y) {
    int kvd = m->kvd, hd = m->hd;
    size_t layer = (size_t)l * kc->G * kc->S * kvd;
    const float *kb = kc->k + layer + ((size_t)slot * kvd + (size_t)kh * hd) * kc->S;
    const float *vb = kc->v + layer + (size_t)slot * kc->S * kvd + (size_t)kh * hd;
    attend_row(q, kb, kc->S, vb, kvd, pos + 1, hd, 1.0f / sqrtf((float)hd), sc, y);
}

/* Run N > MV_MAX_ROWS rows (token tok[i], cache slot slot[i], position
 * pos[i]); logits for the last n_out rows land in w->logits (n_out, V). */
static void forward_rows(lm_model *m, const dec_weights *dw, kv_cache *kc, infer_ws *w, const int32_t *tok, const int *slot,
                         const int *pos, int N, int n_out) {
    const lm_config *c = &m->c;
    int d = c->d, f = c->ffn, kvd = m->kvd, H = c->n_head, hd = m->hd, grp = H / c->n_kv_head;
    const lm_params *p = &m->p;
    embed_rows(m, tok, N, w->x);
    for (int l = 0; l < c->n_layer; l++) {
        lm_rmsnorm_fwd(w->x, p->attn_norm + (size_t)l * d, w->hn, NULL, N, d, c->norm_eps);
        proj(m, w, 0, l, w->hn, w->q, N);
        proj(m, w, 1, l, w->hn, w->k, N);
        proj(m, w, 2, l, w->hn, w->v, N);
        lm_rope(w->q, N, d, H, hd, pos, 0, m->rope_cos, m->rope_sin, 1.0f);
        lm_rope(w->k, N, kvd, c->n_kv_head, hd, pos, 0, m->rope_cos, m->rope_sin, 1.0f);
        for (int i = 0; i < N; i++) cache_put(kc, l, kvd, slot[i], pos[i], w->k + (size_t)i * kvd, w->v + (size_t)i * kvd, 0, kvd);
#pragma omp parallel for schedule(static) num_threads(w->n_thr) if ((double)N * H * (pos[N - 1] + 1) * hd > 4e6)
        for (int ih = 0; ih < N * H; ih++) {
            int i = ih / H, h = ih % H;
            attend_cached(m, kc, l, slot[i], pos[i], h / grp, w->q + (size_t)i * d + (size_t)h * hd,
                          w->att + (size_t)omp_get_thread_num() * kc->S, w->y + (size_t)i * d + (size_t)h * hd);
        }
        proj(m, w, 3, l, w->y, w->hn, N);
        for (size_t i = 0; i < (size_t)N * d; i++) w->x[i] += w->hn[i];
        lm_rmsnorm_fwd(w->x, p->mlp_norm + (size_t)l * d, w->hn, NULL, N, d, c->norm_eps);
        proj(m, w, 4, l, w->hn, w->h1, N);
        proj(m, w, 5, l, w->hn, w->h3, N);
        for (size_t i = 0; i < (size_t)N * f; i++) {
            float z = w->h1[i];
            w->h1[i] = z / (1.0f + lm_expf(-z)) * w->h3[i];
        }
        proj(m, w, 6, l, w->h1, w->hn, N);
        for (size_t i = 0; i < (size_t)N * d; i++) w->x[i] += w->hn[i];
    }
    const float *xo = w->x + (size_t)(N - n_out) * d;
    lm_rmsnorm_fwd(xo, p->norm, w->hn, NULL, n_out, d, c->norm_eps);
    if (n_out <= MV_MAX_ROWS) lm_mv(&dw->head, w->hn, w->logits, n_out, d, c->vocab, w->n_thr);
    else lm_mm_xwt(w->hn, p->lm_head, w->logits, n_out, d, c->vocab, 0.0f);
}

/* ---- the decoding team -------------------------------------------------------
 * A step of N <= MV_MAX_ROWS rows (decode, short prompts) runs in one parallel
 * region. Every product is split by output rows, in blocks of 8, across the
 * team; cache writes and attention by (row, head); a barrier stands wherever a
 * step reads what another thread wrote. Each thread normalises the residual
 * stream into its own buffer (the same arithmetic on the same data), so the
 * norms need no barrier of their own. One parallel region per step instead of
 * one per product: at batch 1 a product of cfg1 is ~50 us of work, and a
 * region's start and join cost more than a barrier.
 *
 * Every output element comes from the same code in the same order whatever
 * the team size (lm_mv_rows does not depend on where a split falls), so
 * results do not depend on the thread count. */

/* rows [r0, r1) of `out` for thread t of nt, in blocks of 8 */
static void team_split(int out, int t, int nt, int *r0, int *r1) {
    int per = ((out + nt - 1) / nt + 7) / 8 * 8;
    *r0 = t * per < out ? t * per : out;
    *r1 = *r0 + per < out ? *r0 + per : out;
}

/* this thread's output columns of y = x W^T (+ LoRA: x A^T in full, then its
 * columns of (x A^T) B^T, scaled and added) */
static void team_proj(lm_model *m, infer_ws *w, const dec_weights *dw, int kind, int l, const float *x, float *y, int N,
                      int t, int nt) {
    int in, out, r0, r1;
    lm_lora_dims(m, kind, &in, &out);
    team_split(out, t, nt, &r0, &r1);
    if (r0 >= r1) return;
    lm_mv_rows(&dw->w[l * 7 + kind], x, y, N, in, out, r0, r1);
    if (m->lora_r) {
        int r = m->lora_r;
        lm_wref A = {0}, B = {0};
        A.f32 = m->lp.a[kind] + (size_t)l * r * in;
        B.f32 = m->lp.b[kind] + (size_t)l * out * r;
        float *xa = w->lt + (size_t)t * w->team_rows * r, *ob = w->lo + (size_t)t * w->team_rows * w->max_out;
        lm_mv_rows(&A, x, xa, N, in, r, 0, r);
        lm_mv_rows(&B, xa, ob, N, r, out, r0, r1);
        float s = m->lora_alpha / r;
        for (int i = 0; i < N; i++)
            for (int j = r0; j < r1; j++) y[(size_t)i * out + j] += s * ob[(size_t)i * out + j];
    }
}

/* this thread's columns of x += o */
static void team_residual(float *x, const float *o, int N, int d, int t, int nt) {
    int r0, r1;
    team_split(d, t, nt, &r0, &r1);
    for (int i = 0; i < N; i++)
        for (int j = r0; j < r1; j++) x[(size_t)i * d + j] += o[(size_t)i * d + j];
}

/* Below this many multiply-adds per step a second thread costs more in
 * barriers than it saves (the test models of tests/lm stay on one thread,
 * cfg1 at batch 1 does 5.8 M). */
#define TEAM_MIN_MACS 5e5

static void forward_team(lm_model *m, const dec_weights *dw, kv_cache *kc, infer_ws *w, const int32_t *tok,
                         const int *slot, const int *pos, int N, int n_out) {
    const lm_config *c = &m->c;
    int d = c->d, f = c->ffn, kvd = m->kvd, H = c->n_head, KH = c->n_kv_head, hd = m->hd, grp = H / KH, S = kc->S;
    const lm_params *p = &m->p;
    double macs = (double)N * ((double)c->n_layer * ((double)d * (2 * d + 2 * kvd) + 3.0 * d * f) + (double)d * c->vocab);
    int nt = macs >= TEAM_MIN_MACS ? w->n_thr : 1;
    embed_rows(m, tok, N, w->x);
#pragma omp parallel num_threads(nt)
    {
        int t = omp_get_thread_num(), tn = omp_get_num_threads();
        float *hn = w->hn_t + (size_t)t * w->team_rows * d, *sc = w->att + (size_t)t * S;
        for (int l = 0; l < c->n_layer; l++) {
            lm_rmsnorm_fwd(w->x, p->attn_norm + (size_t)l * d, hn, NULL, N, d, c->norm_eps);
            team_proj(m, w, dw, 0, l, hn, w->q, N, t, tn);
            team_proj(m, w, dw, 1, l, hn, w->k, N, t, tn);
            team_proj(m, w, dw, 2, l, hn, w->v, N, t, tn);
#pragma omp barrier
            /* keys rotated into the cache (stored transposed), values beside them */
            int nu = N * KH;
            for (int u = nu * t / tn; u < nu * (t + 1) / tn; u++) {
                int i = u / KH, kh = u % KH;
                float *kr = w->k + (size_t)i * kvd;
                lm_rope(kr + (size_t)kh * hd, 1, hd, 1, hd, pos + i, 0, m->rope_cos, m->rope_sin, 1.0f);
                cache_put(kc, l, kvd, slot[i], pos[i], kr, w->v + (size_t)i * kvd, kh * hd, (kh + 1) * hd);
            }
#pragma omp barrier
            nu = N * H;
            for (int u = nu * t / tn; u < nu * (t + 1) / tn; u++) {
                int i = u / H, h = u % H;
                float *qv = w->q + (size_t)i * d + (size_t)h * hd;
                lm_rope(qv, 1, hd, 1, hd, pos + i, 0, m->rope_cos, m->rope_sin, 1.0f);
                attend_cached(m, kc, l, slot[i], pos[i], h / grp, qv, sc, w->y + (size_t)i * d + (size_t)h * hd);
            }
#pragma omp barrier
            team_proj(m, w, dw, 3, l, w->y, w->o, N, t, tn);
            team_residual(w->x, w->o, N, d, t, tn);
#pragma omp barrier
            lm_rmsnorm_fwd(w->x, p->mlp_norm + (size_t)l * d, hn, NULL, N, d, c->norm_eps);
            team_proj(m, w, dw, 4, l, hn, w->h1, N, t, tn);
            team_proj(m, w, dw, 5, l, hn, w->h3, N, t, tn);
            int r0, r1;
            team_split(f, t, tn, &r0, &r1);
            for (int i = 0; i < N; i++)
                for (int j = r0; j < r1; j++) {
                    float z = w->h1[(size_t)i * f + j];
                    w->h1[(size_t)i * f + j] = z / (1.0f + lm_expf(-z)) * w->h3[(size_t)i * f + j];
                }
#pragma omp barrier
            team_proj(m, w, dw, 6, l, w->h1, w->o, N, t, tn);
            team_residual(w->x, w->o, N, d, t, tn);
#pragma omp barrier
        }
        lm_rmsnorm_fwd(w->x + (size_t)(N - n_out) * d, p->norm, hn, NULL, n_out, d, c->norm_eps);
        int r0, r1;
        team_split(c->vocab, t, tn, &r0, &r1);
        if (r0 < r1) lm_mv_rows(&dw->head, hn, w->logits, n_out, d, c->vocab, r0, r1);
    }
}

static void forward_step(lm_model *m, const dec_weights *dw, kv_cache *kc, infer_ws *w, const int32_t *tok,
                         const int *slot, const int *pos, int N, int n_out) {
    if (N <= MV_MAX_ROWS) forward_team(m, dw, kc, w, tok, slot, pos, N, n_out);
    else forward_rows(m, dw, kc, w, tok, slot, pos, N, n_out);
}

/* ---- sampler --------------------------------------------------------------- */

static int cmp_desc(const void *a, const void *b) {
    const float *x = a, *y = b;   /* pairs (value, index) */
    if (x[0] != y[0]) return x[0] > y[0] ? -1 : 1;
    return x[1] < y[1] ? -1 : x[1] > y[1];
}

int lm_sample_pick(float *logits, int V, const lm_sample_opts *o, const int32_t *seen, int n_seen, sl_rng *rng,
                   float *scratch) {
    if (o->rep_penalty != 1.0f && o->rep_penalty > 0) {
        /* once per distinct token: mark in scratch */
        for (int j = 0; j < V; j++) scratch[j] = 0.0f;
        for (int i = 0; i < n_seen; i++) {
            int t = seen[i];
            if (t < 0 || t >= V || scratch[t] != 0.0f) continue;
            scratch[t] = 1.0f;
            logits[t] = logits[t] > 0 ? logits[t] / o->rep_penalty : logits[t] * o->rep_penalty;
        }
    }
    int best = 0;
    for (int j = 1; j < V; j++) if (logits[j] > logits[best]) best = j;
    if (!(o->temperature > 0) || !(logits[best] > -INFINITY)) return best;
    float it = 1.0f / o->temperature;
    for (int j = 0; j < V; j++) logits[j] *= it;
    float *pr = scratch;          /* (value, index) pairs, 2V floats */
    int n = 0;
    for (int j = 0; j < V; j++)
        if (logits[j] > -INFINITY) { pr[2 * n] = logits[j]; pr[2 * n + 1] = (float)j; n++; }
    int need_sort = (o->top_k > 0 && o->top_k < n) || (o->top_p > 0 && o->top_p < 1.0f);
    if (need_sort) qsort(pr, n, 2 * sizeof(float), cmp_desc);
    if (o->top_k > 0 && o->top_k < n) n = o->top_k;
    float mx = need_sort ? pr[0] : logits[best];
    double sum = 0.0;
    for (int i = 0; i < n; i++) { pr[2 * i] = expf(pr[2 * i] - mx); sum += pr[2 * i]; }
    if (need_sort && o->top_p > 0 && o->top_p < 1.0f) {
        double acc = 0.0;
        int keep = n;
        for (int i = 0; i < n; i++) {
            acc += pr[2 * i] / sum;
            if (acc >= o->top_p) { keep = i + 1; break; }
        }
        n = keep;
        sum = 0.0;
        for (int i = 0; i < n; i++) sum += pr[2 * i];
    }
    double u = sl_rng_uniform(rng) * sum, acc = 0.0;
    for (int i = 0; i < n; i++) {
        acc += pr[2 * i];
        if (u < acc) return (int)pr[2 * i + 1];
    }
    return (int)pr[2 * (n - 1) + 1];
}

/* ---- generation ------------------------------------------------------------ */

static int ends_with_stop(const sl_buf *text, const lm_sample_opts *o) {
    for (int s = 0; s < o->n_stop; s++) {
        size_t n = strlen(o->stop_strings[s]);
        if (n && text->len >= n && !memcmp(text->data + text->len - n, o->stop_strings[s], n)) return 1;
    }
    return 0;
}

/* what choosing a token needs */
typedef struct gen_state {
    const lm_sample_opts *o;
    lm_generation *out;
    int32_t **seen;           /* [G] prompt + generated */
    sl_buf *text;             /* [G] decoded text, for stop strings */
    sl_rng *rng;
    float *lg, *scratch;
    int V, n_prompt, max_new;
} gen_state;

/* Choose sample g's next token from its logits (the hook, then lm_sample_pick)
 * and append it. Returns the stop reason (0 max_new, 1 stop token, 2 stop
 * string, 3 hook), or -1 to go on; *t gets the token chosen. */
static int take_token(gen_state *s, int g, const float *logits, int *t) {
    const lm_sample_opts *o = s->o;
    memcpy(s->lg, logits, sizeof(float) * s->V);
    int n_gen = s->out->n_tokens[g];
    if (o->hook && o->hook(o->hook_ctx, g, s->out->tokens[g], n_gen, s->lg, s->V)) return 3;
    *t = lm_sample_pick(s->lg, s->V, o, s->seen[g], s->n_prompt + n_gen, &s->rng[g], s->scratch);
    if (*t == o->stop_token) return 1;
    s->out->tokens[g][n_gen] = *t;
    s->seen[g][s->n_prompt + n_gen] = *t;
    s->out->n_tokens[g] = ++n_gen;
    if (o->n_stop) {
        size_t len;
        const char *str = lm_tokenizer_token(o->tok, *t, &len);
        if (str) sl_buf_append(&s->text[g], str, len);
        if (ends_with_stop(&s->text[g], o)) return 2;
    }
    return n_gen >= s->max_new ? 0 : -1;
}

static int argmax(const float *x, int n) {
    int b = 0;
    for (int j = 1; j < n; j++) if (x[j] > x[b]) b = j;
    return b;
}

/* the weights decoding reads, prepared once for any number of generations */
struct lm_decoder {
    lm_model *m;
    lm_weights weights, draft_weights;
    int has_draft;
    dec_weights dw, dd;
    double prep_s;            /* time the copies took */
};

sl_status lm_decoder_new(lm_model *m, lm_weights weights, int with_draft, lm_weights draft_weights, lm_decoder **out,
                         sl_err *err) {
    *out = NULL;
    lm_decoder *d = calloc(1, sizeof *d);
    if (!d) return sl_err_set(err, SL_ERR_NOMEM, "out of memory for the decoder");
    double t0 = sl_time_sec();
    d->m = m;
    d->weights = weights;
    d->draft_weights = draft_weights;
    if (dw_init(&d->dw, m, weights)) { free(d); return sl_err_set(err, SL_ERR_NOMEM, "out of memory for the decode weights"); }
    if (with_draft && dw_init(&d->dd, m, draft_weights)) {
        dw_free(&d->dw);
        free(d);
        return sl_err_set(err, SL_ERR_NOMEM, "out of memory for the draft weights");
    }
    d->has_draft = with_draft;
    d->prep_s = sl_time_sec() - t0;
    *out = d;
    return SL_OK;
}

void lm_decoder_free(lm_decoder *d) {
    if (!d) return;
    dw_free(&d->dw);
    if (d->has_draft) dw_free(&d->dd);
    free(d);
}

sl_status lm_generate(lm_model *m, const int32_t *prompt, int n_prompt, const lm_sample_opts *o, lm_generation *out,
                      sl_err *err) {
    memset(out, 0, sizeof *out);
    lm_decoder *d;
    sl_status st = lm_decoder_new(m, o->weights, o->draft_k > 0, o->draft_weights, &d, err);
    if (st) return st;
    st = lm_decoder_generate(d, prompt, n_prompt, o, out, err);
    if (!st) out->prefill_s += d->prep_s;   /* the copies count as prefill time */
    lm_decoder_free(d);
    return st;
}

sl_status lm_decoder_generate(lm_decoder *dec, const int32_t *prompt, int n_prompt, const lm_sample_opts *o,
                              lm_generation *out, sl_err *err) {
    memset(out, 0, sizeof *out);
    lm_model *m = dec->m;
    const lm_config *c = &m->c;
    int G = o->n_samples, V = c->vocab;
    if (G < 1 || G > 4096) return sl_err_set(err, SL_ERR_ARG, "n_samples %d out of range", G);
    if (n_prompt < 1) return sl_err_set(err, SL_ERR_ARG, "the prompt must hold at least one token");
    if (n_prompt > c->seq) return sl_err_set(err, SL_ERR_LIMIT, "prompt of %d tokens exceeds the model's %d positions", n_prompt, c->seq);
    if (o->n_stop && !o->tok) return sl_err_set(err, SL_ERR_ARG, "stop strings need a tokenizer");
    int spec = o->draft_k > 0;
    if (o->draft_k < 0 || o->draft_k > MV_MAX_ROWS - 1)
        return sl_err_set(err, SL_ERR_ARG, "draft_k %d out of range [0, %d]", o->draft_k, MV_MAX_ROWS - 1);
    if (spec && (o->temperature > 0 || G != 1))
        return sl_err_set(err, SL_ERR_ARG, "speculative decoding is greedy and for one sample (temperature 0, n_samples 1)");
    if (o->weights != dec->weights || (spec && (!dec->has_draft || o->draft_weights != dec->draft_weights)))
        return sl_err_set(err, SL_ERR_ARG, "the decoder was prepared for other weights than the options ask for");
    for (int i = 0; i < n_prompt; i++)
        if (prompt[i] < 0 || prompt[i] >= V) return sl_err_set(err, SL_ERR_INVALID, "prompt token %d out of range", prompt[i]);
    int max_new = o->max_new < 0 ? 0 : o->max_new;
    int S = n_prompt + max_new < c->seq ? n_prompt + max_new : c->seq;
    kv_cache kc = {G, S, NULL, NULL};
    size_t kvn = (size_t)c->n_layer * G * S * m->kvd;
    kc.k = lm_calloc(kvn);
    kc.v = lm_calloc(kvn);
    kv_cache kd = {1, S, spec ? lm_calloc(kvn) : NULL, spec ? lm_calloc(kvn) : NULL};   /* the draft's cache */
    infer_ws w;
    int wrows = n_prompt > G ? n_prompt : G;
    if (wrows < o->draft_k + 1) wrows = o->draft_k + 1;
    int *slot = malloc(sizeof(int) * wrows), *pos = malloc(sizeof(int) * wrows), *live = malloc(sizeof(int) * G);
    int32_t *tok = malloc(sizeof(int32_t) * wrows);
    float *scratch = lm_calloc((size_t)2 * V), *lg = lm_calloc(V);
    sl_rng *rng = malloc(sizeof(sl_rng) * G);
    sl_buf *text = calloc(G, sizeof(sl_buf));
    int32_t **seen = calloc(G, sizeof(int32_t *));
    out->n_samples = G;
    out->tokens = calloc(G, sizeof(int32_t *));
    out->n_tokens = calloc(G, sizeof(int));
    out->stop_reason = calloc(G, sizeof(int));
    int32_t *draft = malloc(sizeof(int32_t) * (o->draft_k + 1));
    int ok = kc.k && kc.v && slot && pos && live && tok && scratch && lg && rng && text && seen && out->tokens &&
             out->n_tokens && out->stop_reason && draft && (!spec || (kd.k && kd.v));
    int have_w = 0;
    if (ok) ok = have_w = !ws_init(&w, m, wrows, S);
    const dec_weights *dw = &dec->dw, *dd = &dec->dd;
    for (int g = 0; ok && g < G; g++) {
        out->tokens[g] = malloc(sizeof(int32_t) * (max_new + 1));
        seen[g] = malloc(sizeof(int32_t) * (n_prompt + max_new + 1));
        if (!out->tokens[g] || !seen[g]) ok = 0;
        else memcpy(seen[g], prompt, sizeof(int32_t) * n_prompt);
        sl_buf_init(&text[g]);
        sl_rng_seed(&rng[g], o->seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)(g + 1)));
    }
    if (!ok) {
        if (have_w) ws_free(&w);
        free(kd.k); free(kd.v); free(draft);
        free(kc.k); free(kc.v); free(slot); free(pos); free(live); free(tok); free(scratch); free(lg); free(rng);
        if (seen) for (int g = 0; g < G; g++) free(seen[g]);
        free(seen);
        if (text) for (int g = 0; g < G; g++) sl_buf_release(&text[g]);
        free(text);
        lm_generation_release(out);
        return sl_err_set(err, SL_ERR_NOMEM, "out of memory for generation");
    }

    double t0 = sl_time_sec();
    for (int i = 0; i < n_prompt; i++) { slot[i] = 0; pos[i] = i; tok[i] = prompt[i]; }
    if (spec) forward_step(m, dd, &kd, &w, tok, slot, pos, n_prompt, 1);   /* before the model's: w.logits */
    forward_step(m, dw, &kc, &w, tok, slot, pos, n_prompt, 1);
    for (int l = 0; l < c->n_layer; l++)
        for (int g = 1; g < G; g++) {
            size_t base = (size_t)l * G * S * m->kvd, n = (size_t)n_prompt * m->kvd;
            for (int e = 0; e < m->kvd; e++)
                memcpy(kc.k + base + ((size_t)g * m->kvd + e) * S, kc.k + base + (size_t)e * S, sizeof(float) * n_prompt);
            memcpy(kc.v + base + (size_t)g * S * m->kvd, kc.v + base, sizeof(float) * n);
        }
    double t1 = sl_time_sec();
    out->prefill_s = t1 - t0;
    gen_state gs = {o, out, seen, text, rng, lg, scratch, V, n_prompt, max_new};
    if (spec) {
        /* P: position of t, the last token chosen, not yet run through the model;
         * the draft's cache holds the positions below dvalid */
        int t = -1, P = n_prompt, dvalid = n_prompt;
        int reason = take_token(&gs, 0, w.logits, &t);
        while (reason < 0) {
            if (P >= S) { reason = 4; break; }
            int n_gen = out->n_tokens[0], k = o->draft_k;
            if (k > S - 1 - P) k = S - 1 - P;
            if (k > max_new - n_gen - 1) k = max_new - n_gen - 1;
            if (k < 0) k = 0;
            if (k > 0) {
                /* the draft catches up on the chosen tokens (normally t alone), then proposes */
                int nc = P - dvalid + 1;
                for (int i = 0; i < nc; i++) { slot[i] = 0; pos[i] = dvalid + i; tok[i] = seen[0][dvalid + i]; }
                forward_step(m, dd, &kd, &w, tok, slot, pos, nc, 1);
                draft[0] = argmax(w.logits, V);
                for (int j = 1; j < k; j++) {
                    slot[0] = 0; pos[0] = P + j; tok[0] = draft[j - 1];
                    forward_step(m, dd, &kd, &w, tok, slot, pos, 1, 1);
                    draft[j] = argmax(w.logits, V);
                }
                dvalid = P + k;
                out->n_drafted += k;
            }
            /* the model on t and the k proposals at once: row r gives the logits of position P + r + 1 */
            for (int i = 0; i <= k; i++) { slot[i] = 0; pos[i] = P + i; tok[i] = i ? draft[i - 1] : t; }
            forward_step(m, dw, &kc, &w, tok, slot, pos, k + 1, k + 1);
            out->n_decoded += k + 1;
            int r = 0;
            for (; r <= k; r++) {
                int c2 = -1;
                reason = take_token(&gs, 0, w.logits + (size_t)r * V, &c2);
                if (reason >= 0) break;
                if (r < k && c2 == draft[r]) { out->n_accepted++; continue; }
                t = c2;        /* the model's token where it departs from the draft, or the one after all k */
                break;
            }
            if (reason >= 0) break;
            P += r + 1;
            if (dvalid > P) dvalid = P;
        }
        out->stop_reason[0] = reason;
    } else {
        /* the first token of every sample comes from the prompt's last logits */
        int n_live = 0;
        for (int g = 0; g < G; g++) live[n_live++] = g;
        int cur_pos = n_prompt;       /* position of the token being sampled */
        const float *src_logits = w.logits;
        int first = 1;
        while (n_live > 0) {
            int n_next = 0;
            for (int r = 0; r < n_live; r++) {
                int g = live[r], t = -1;
                int reason = take_token(&gs, g, first ? src_logits : w.logits + (size_t)r * V, &t);
                if (reason >= 0) { out->stop_reason[g] = reason; continue; }
                live[n_next] = g;
                slot[n_next] = g;
                pos[n_next] = cur_pos;
                tok[n_next] = t;
                n_next++;
            }
            first = 0;
            n_live = n_next;
            if (!n_live) break;
            if (cur_pos >= S) {  /* cache full */
                for (int r = 0; r < n_live; r++) out->stop_reason[live[r]] = 4;
                break;
            }
            forward_step(m, dw, &kc, &w, tok, slot, pos, n_live, n_live);
            out->n_decoded += n_live;
            cur_pos++;
        }
    }
    out->decode_s = sl_time_sec() - t1;
    free(kd.k); free(kd.v); free(draft);
    free(kc.k); free(kc.v); free(slot); free(pos); free(live); free(tok); free(scratch); free(lg); free(rng);
    for (int g = 0; g < G; g++) { free(seen[g]); sl_buf_release(&text[g]); }
    free(seen); free(text);
    ws_free(&w);
    return SL_OK;
}
