/* lm_ref.h - load the PyTorch reference state in ../shared/data/lm (shared by
 * the lm tests). */
#ifndef LM_REF_H
#define LM_REF_H

#include <cjson/cJSON.h>
#include "steplm/lm.h"

typedef struct lm_ref {
    cJSON *json;
    char *bin; size_t n_bin;
    lm_config cfg;
    int batch;
} lm_ref;

#define LM_REF_DIR "../shared/data/lm/"

/* 0 on success, -1 if the files are missing */
static int lm_ref_load(lm_ref *r) {
    char *txt = NULL; size_t n;
    memset(r, 0, sizeof *r);
    if (sl_file_read(LM_REF_DIR "tiny_ref.json", &txt, &n, 0, NULL)) return -1;
    if (sl_file_read(LM_REF_DIR "tiny_ref.bin", &r->bin, &r->n_bin, 0, NULL)) { free(txt); return -1; }
    r->json = cJSON_Parse(txt);
    free(txt);
    if (!r->json) return -1;
    cJSON *c = cJSON_GetObjectItem(r->json, "config");
    r->cfg.vocab = cJSON_GetObjectItem(c, "vocab")->valueint;
    r->cfg.d = cJSON_GetObjectItem(c, "d")->valueint;
    r->cfg.n_layer = cJSON_GetObjectItem(c, "n_layer")->valueint;
    r->cfg.n_head = cJSON_GetObjectItem(c, "n_head")->valueint;
    r->cfg.n_kv_head = r->cfg.n_head;
    r->cfg.ffn = cJSON_GetObjectItem(c, "ffn")->valueint;
    r->cfg.seq = cJSON_GetObjectItem(c, "seq")->valueint;
    r->cfg.tie = cJSON_IsTrue(cJSON_GetObjectItem(c, "tie"));
    r->cfg.rope_theta = (float)cJSON_GetObjectItem(c, "rope_theta")->valuedouble;
    r->cfg.norm_eps = (float)cJSON_GetObjectItem(c, "norm_eps")->valuedouble;
    r->batch = cJSON_GetObjectItem(r->json, "batch")->valueint;
    return 0;
}

static void lm_ref_free(lm_ref *r) { cJSON_Delete(r->json); free(r->bin); }

/* pointer to a named tensor in the .bin and its element count */
static const void *lm_ref_tensor(const lm_ref *r, const char *name, size_t *n_elem) {
    cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(r->json, "tensors")) {
        if (strcmp(cJSON_GetObjectItem(t, "name")->valuestring, name)) continue;
        size_t off = (size_t)cJSON_GetObjectItem(t, "offset")->valuedouble;
        size_t nb = (size_t)cJSON_GetObjectItem(t, "nbytes")->valuedouble;
        if (off + nb > r->n_bin) return NULL;
        if (n_elem) *n_elem = nb / 4;
        return r->bin + off;
    }
    return NULL;
}

/* map a torch parameter name to its slice in an lm_params view */
static float *lm_ref_param(lm_params *p, const lm_config *c, const char *name, size_t *n) {
    int l, d = c->d, f = c->ffn, kvd = c->n_kv_head * (c->d / c->n_head);
    char rest[64];
    if (!strcmp(name, "tok_emb.weight")) { *n = (size_t)c->vocab * d; return p->tok_emb; }
    if (!strcmp(name, "norm.weight")) { *n = d; return p->norm; }
    if (!strcmp(name, "lm_head.weight")) { *n = (size_t)c->vocab * d; return p->lm_head; }
    if (sscanf(name, "blocks.%d.%63s", &l, rest) != 2) return NULL;
    if (!strcmp(rest, "attn_norm.weight")) { *n = d; return p->attn_norm + (size_t)l * d; }
    if (!strcmp(rest, "mlp_norm.weight")) { *n = d; return p->mlp_norm + (size_t)l * d; }
    if (!strcmp(rest, "attn.wq.weight")) { *n = (size_t)d * d; return p->wq + (size_t)l * d * d; }
    if (!strcmp(rest, "attn.wk.weight")) { *n = (size_t)kvd * d; return p->wk + (size_t)l * kvd * d; }
    if (!strcmp(rest, "attn.wv.weight")) { *n = (size_t)kvd * d; return p->wv + (size_t)l * kvd * d; }
    if (!strcmp(rest, "attn.wo.weight")) { *n = (size_t)d * d; return p->wo + (size_t)l * d * d; }
    if (!strcmp(rest, "mlp.w1.weight")) { *n = (size_t)f * d; return p->w1 + (size_t)l * f * d; }
    if (!strcmp(rest, "mlp.w3.weight")) { *n = (size_t)f * d; return p->w3 + (size_t)l * f * d; }
    if (!strcmp(rest, "mlp.w2.weight")) { *n = (size_t)d * f; return p->w2 + (size_t)l * d * f; }
    return NULL;
}

/* load the reference's initial weights into m; 0 on success */
static int lm_ref_set_params(const lm_ref *r, lm_model *m) {
    cJSON *it;
    lm_params *p = lm_model_params(m);
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(r->json, "param_order")) {
        char nm[128];
        size_t n, nr;
        snprintf(nm, sizeof nm, "param.%s", it->valuestring);
        float *dst = lm_ref_param(p, lm_model_config(m), it->valuestring, &n);
        const float *src = lm_ref_tensor(r, nm, &nr);
        if (!dst || !src || n != nr) return -1;
        memcpy(dst, src, n * 4);
    }
    return 0;
}

/* max |a - b| / max |b| */
static double lm_ref_relerr(const float *a, const float *b, size_t n) {
    double md = 0, mb = 0;
    for (size_t i = 0; i < n; i++) {
        double dd = fabs((double)a[i] - b[i]);
        if (dd > md || dd != dd) md = dd != dd ? INFINITY : dd;
        if (fabs(b[i]) > mb) mb = fabs(b[i]);
    }
    return mb > 0 ? md / mb : md;
}

#endif
