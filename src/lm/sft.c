/* sft.c - supervised fine-tuning on (prompt, target) JSONL records.
 *
 * An example is tokens(prompt) ++ tokens(target) ++ <|endoftext|>, cut to
 * seq + 1 tokens. The loss covers only the target tokens and the end token:
 * as STEP-LLM does it (research notes §6), everything up to and including
 * the prompt (which ends with "### output:\n") is masked.
 *
 * Batching is by length buckets: each epoch the examples are shuffled by
 * seed, cut into windows of 32 batches, sorted by length inside a window,
 * split into batches, and the batches shuffled again; a batch is padded only
 * to its own longest example. The schedule is a pure function of (seed,
 * micro-batch index), which is what makes resume exact.
 *
 * Output directory: config.json, model.safetensors, tokenizer.bpe (the
 * model), lora.safetensors (when adapters train), optim.safetensors (AdamW
 * moments; metadata: step). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "lm/internal.h"

void lm_train_cfg_default(lm_train_cfg *c) {
    memset(c, 0, sizeof *c);
    c->model = (lm_config){0, 128, 4, 4, 0, 344, 256, 0, 10000.0f, 1e-5f};   /* n_kv_head 0: = n_head */
    strcpy(c->prompt_field, "prompt");
    strcpy(c->target_field, "step");
    c->tok_vocab = 2048;
    strcpy(c->out_dir, "lm-out");
    c->batch = 8; c->grad_accum = 1; c->steps = 1000;
    c->lr = 1e-3f; c->min_lr = 1e-4f; c->weight_decay = 0.1f; c->beta1 = 0.9f; c->beta2 = 0.95f; c->eps = 1e-8f;
    c->grad_clip = 1.0f; c->warmup = 50; c->sched = LM_SCHED_COSINE;
    c->val_every = 100; c->save_every = 500; c->val_batches = 8;
    c->seed = 1;
    c->lora_alpha = 16.0f;
}

static int get_num(cJSON *j, const char *k, double *v) {
    cJSON *x = cJSON_GetObjectItem(j, k);
    if (!x) return 0;
    if (cJSON_IsBool(x)) { *v = cJSON_IsTrue(x); return 1; }
    if (!cJSON_IsNumber(x)) return -1;
    *v = x->valuedouble;
    return 1;
}

static int get_str(cJSON *j, const char *k, char *dst, size_t n) {
    cJSON *x = cJSON_GetObjectItem(j, k);
    if (!x) return 0;
    if (!cJSON_IsString(x) || strlen(x->valuestring) >= n) return -1;
    strcpy(dst, x->valuestring);
    return 1;
}

sl_status lm_train_cfg_from_json(const char *json, lm_train_cfg *c, sl_err *err) {
    cJSON *j = cJSON_Parse(json);
    if (!cJSON_IsObject(j)) { cJSON_Delete(j); return sl_err_set(err, SL_ERR_SYNTAX, "training config is not a JSON object"); }
    struct { const char *k; char *dst; size_t n; } strs[] = {
        {"train", c->train_path, sizeof c->train_path}, {"val", c->val_path, sizeof c->val_path},
        {"prompt_field", c->prompt_field, sizeof c->prompt_field}, {"target_field", c->target_field, sizeof c->target_field},
        {"tokenizer", c->tokenizer_path, sizeof c->tokenizer_path}, {"out", c->out_dir, sizeof c->out_dir},
        {"init_from", c->init_from, sizeof c->init_from}};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        if (get_str(j, strs[i].k, strs[i].dst, strs[i].n) < 0) {
            cJSON_Delete(j);
            return sl_err_set(err, SL_ERR_INVALID, "training config: '%s' must be a string", strs[i].k);
        }
    struct { const char *k; int kind; void *dst; double lo, hi; } nums[] = {
        {"d", 0, &c->model.d, 2, 1 << 16}, {"n_layer", 0, &c->model.n_layer, 1, 1024}, {"n_head", 0, &c->model.n_head, 1, 1024},
        {"n_kv_head", 0, &c->model.n_kv_head, 0, 1024}, {"ffn", 0, &c->model.ffn, 1, 1 << 18}, {"seq", 0, &c->model.seq, 2, 1 << 20},
        {"tie", 0, &c->model.tie, 0, 1}, {"tok_vocab", 0, &c->tok_vocab, LM_TOK_N_BASE, 1 << 22},
        {"batch", 0, &c->batch, 1, 1 << 16}, {"grad_accum", 0, &c->grad_accum, 1, 1 << 16},
        {"steps", 1, &c->steps, 0, 1e12}, {"warmup", 1, &c->warmup, 0, 1e12},
        {"lr", 2, &c->lr, 0, 10}, {"min_lr", 2, &c->min_lr, 0, 10}, {"weight_decay", 2, &c->weight_decay, 0, 10},
        {"beta1", 2, &c->beta1, 0, 1}, {"beta2", 2, &c->beta2, 0, 1}, {"eps", 2, &c->eps, 0, 1},
        {"grad_clip", 2, &c->grad_clip, 0, 1e9}, {"val_every", 0, &c->val_every, 0, 1e9},
        {"save_every", 0, &c->save_every, 0, 1e9}, {"val_batches", 0, &c->val_batches, 0, 1e9},
        {"lora_rank", 0, &c->lora_rank, 0, 4096}, {"lora_alpha", 2, &c->lora_alpha, 0, 1e6},
        {"resume", 0, &c->resume, 0, 1}, {"stop_after", 1, &c->stop_after, 0, 1e12}, {"rope_theta", 2, &c->model.rope_theta, 1, 1e9}};
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
        double v = 0;
        int r = get_num(j, nums[i].k, &v);
        if (r == 0) continue;
        if (r < 0 || v < nums[i].lo || v > nums[i].hi) {
            cJSON_Delete(j);
            return sl_err_set(err, SL_ERR_INVALID, "training config: '%s' must be a number in [%g, %g]", nums[i].k, nums[i].lo, nums[i].hi);
        }
        if (nums[i].kind == 0) *(int *)nums[i].dst = (int)v;
        else if (nums[i].kind == 1) *(long *)nums[i].dst = (long)v;
        else *(float *)nums[i].dst = (float)v;
    }
    double sd;
    if (get_num(j, "seed", &sd) > 0) c->seed = (uint64_t)sd;
    char sch[32] = "";
    if (get_str(j, "schedule", sch, sizeof sch) > 0) {
        if (!strcmp(sch, "cosine")) c->sched = LM_SCHED_COSINE;
        else if (!strcmp(sch, "linear")) c->sched = LM_SCHED_LINEAR;
        else if (!strcmp(sch, "constant")) c->sched = LM_SCHED_CONSTANT;
        else { cJSON_Delete(j); return sl_err_set(err, SL_ERR_INVALID, "training config: schedule '%s' (cosine, linear, constant)", sch); }
    }
    cJSON_Delete(j);
    if (!c->model.n_kv_head) c->model.n_kv_head = c->model.n_head;
    if (!c->train_path[0]) return sl_err_set(err, SL_ERR_INVALID, "training config: 'train' (a JSONL file) is required");
    return SL_OK;
}

/* ---- data ------------------------------------------------------------------- */

void lm_sft_data_release(lm_sft_data *d) {
    for (size_t i = 0; i < d->n; i++) free(d->ids[i]);
    free(d->ids); free(d->n_ids); free(d->n_prompt);
    memset(d, 0, sizeof *d);
}

sl_status lm_sft_load_jsonl(const char *path, lm_tokenizer *tok, const char *pf, const char *tf, int max_len,
                            lm_sft_data *out, sl_err *err) {
    memset(out, 0, sizeof *out);
    char *txt;
    size_t n;
    sl_status st = sl_file_read(path, &txt, &n, 0, err);
    if (st) return st;
    size_t cap = 0;
    uint32_t line = 0;
    for (char *p = txt, *nl; p < txt + n; p = nl + 1) {
        nl = memchr(p, '\n', txt + n - p);
        if (!nl) nl = txt + n;
        line++;
        char *q = p;
        while (q < nl && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
        if (q == nl) continue;
        cJSON *j = cJSON_ParseWithLength(p, nl - p);
        cJSON *jp = cJSON_GetObjectItem(j, pf), *jt = cJSON_GetObjectItem(j, tf);
        if (!cJSON_IsString(jp) || !cJSON_IsString(jt)) {
            if (!j) st = sl_err_set(err, SL_ERR_SYNTAX, "line is not valid JSON");
            else st = sl_err_set(err, SL_ERR_INVALID, "record lacks string fields '%s' and '%s'", pf, tf);
            cJSON_Delete(j);
            if (err) { snprintf(err->file, sizeof err->file, "%s", path); err->line = line; err->col = 1; }
            goto fail;
        }
        int32_t *a = NULL, *b = NULL;
        size_t na, nb;
        st = lm_tokenizer_encode(tok, jp->valuestring, strlen(jp->valuestring), 1, &a, &na, err);
        if (!st) st = lm_tokenizer_encode(tok, jt->valuestring, strlen(jt->valuestring), 0, &b, &nb, err);
        cJSON_Delete(j);
        if (st) { free(a); free(b); goto fail; }
        size_t tot = na + nb + 1;
        if (tot > (size_t)max_len) tot = (size_t)max_len;
        if (na + 1 >= tot) { free(a); free(b); out->n_skipped++; continue; }   /* nothing to learn */
        if (out->n == cap) {
            cap = cap ? cap * 2 : 256;
            int32_t **ni = realloc(out->ids, sizeof(int32_t *) * cap);
            if (ni) out->ids = ni;
            int *nn = realloc(out->n_ids, sizeof(int) * cap);
            if (nn) out->n_ids = nn;
            int *np = realloc(out->n_prompt, sizeof(int) * cap);
            if (np) out->n_prompt = np;
            if (!ni || !nn || !np) { free(a); free(b); st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto fail; }
        }
        int32_t *e = malloc(sizeof(int32_t) * (tot ? tot : 1));
        if (!e) { free(a); free(b); st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto fail; }
        for (size_t i = 0; i < tot; i++) e[i] = i < na ? a[i] : i < na + nb ? b[i - na] : LM_TOK_EOT;
        free(a); free(b);
        out->ids[out->n] = e;
        out->n_ids[out->n] = (int)tot;
        out->n_prompt[out->n] = (int)(na < tot ? na : tot);
        out->n++;
    }
    free(txt);
    return SL_OK;
fail:
    free(txt);
    lm_sft_data_release(out);
    return st;
}

void lm_sft_make_batch(const lm_sft_data *d, const size_t *idx, int B, int T, int32_t *ids, int32_t *targets) {
    for (int b = 0; b < B; b++) {
        const int32_t *e = d->ids[idx[b]];
        int n = d->n_ids[idx[b]], np = d->n_prompt[idx[b]];
        for (int t = 0; t < T; t++) {
            ids[b * T + t] = t < n ? e[t] : LM_TOK_PAD;
            /* position t predicts token t+1; loss where t+1 is a target token */
            targets[b * T + t] = (t + 1 < n && t + 1 >= np) ? e[t + 1] : -1;
        }
    }
}

/* ---- schedule --------------------------------------------------------------- */

typedef struct sched {
    const lm_sft_data *d;
    int B;
    uint64_t seed;
    long epoch;             /* cached epoch, -1 none */
    size_t *order;          /* (n_batches * B) example ids of the cached epoch */
    size_t n_batches;
} sched;

static void shuffle(size_t *a, size_t n, sl_rng *r) {
    for (size_t i = n; i > 1; i--) {
        size_t j = sl_rng_next(r) % i, t = a[i - 1];
        a[i - 1] = a[j]; a[j] = t;
    }
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* sort example ids by (length, id): keys pack both into one integer */
static void sort_by_len(const lm_sft_data *d, size_t *a, size_t n, uint64_t *key) {
    for (size_t i = 0; i < n; i++) key[i] = (uint64_t)d->n_ids[a[i]] << 40 | a[i];
    qsort(key, n, sizeof(uint64_t), cmp_u64);
    for (size_t i = 0; i < n; i++) a[i] = (size_t)(key[i] & ((1ull << 40) - 1));
}

/* examples of micro-batch q; returns the batch's T */
static int sched_batch(sched *s, long q, size_t *idx) {
    size_t n = s->d->n, B = (size_t)s->B;
    s->n_batches = (n + B - 1) / B;
    long ep = q / (long)s->n_batches;
    if (ep != s->epoch) {
        sl_rng r;
        sl_rng_seed(&r, s->seed * 1000003ull + (uint64_t)ep);
        size_t *perm = s->order;
        for (size_t i = 0; i < n; i++) perm[i] = i;
        shuffle(perm, n, &r);
        /* pad to whole batches by repeating from the start */
        for (size_t i = n; i < s->n_batches * B; i++) perm[i] = perm[i - n];
        size_t win = 32 * B;
        uint64_t *key = malloc(sizeof(uint64_t) * win);
        for (size_t w = 0; key && w < s->n_batches * B; w += win) {
            size_t e = w + win < s->n_batches * B ? w + win : s->n_batches * B;
            sort_by_len(s->d, perm + w, e - w, key);
        }
        free(key);
        /* shuffle batch order */
        size_t *bo = malloc(sizeof(size_t) * s->n_batches), *tmp = malloc(sizeof(size_t) * s->n_batches * B);
        if (bo && tmp) {
            for (size_t i = 0; i < s->n_batches; i++) bo[i] = i;
            shuffle(bo, s->n_batches, &r);
            for (size_t i = 0; i < s->n_batches; i++) memcpy(tmp + i * B, perm + bo[i] * B, sizeof(size_t) * B);
            memcpy(perm, tmp, sizeof(size_t) * s->n_batches * B);
        }
        free(bo); free(tmp);
        s->epoch = ep;
    }
    size_t k = (size_t)(q % (long)s->n_batches);
    int T = 1;
    for (size_t b = 0; b < B; b++) {
        idx[b] = s->order[k * B + b];
        int l = s->d->n_ids[idx[b]] - 1;
        if (l > T) T = l;
    }
    return T;
}

/* ---- training --------------------------------------------------------------- */

static sl_status save_all(lm_model *m, const lm_tokenizer *tok, const lm_train_cfg *cfg, long step, sl_err *err) {
    sl_status st = lm_checkpoint_save(m, tok, cfg->out_dir, err);
    if (st) return st;
    size_t n;
    float *mm = lm_model_adam_m(m, &n), *vv = lm_model_adam_v(m, NULL);
    if (!mm) return SL_OK;
    lm_st_entry e[2] = {{"adam_m", mm, {(int)n, 0}, 1}, {"adam_v", vv, {(int)n, 0}, 1}};
    char meta[96], path[1024];
    snprintf(meta, sizeof meta, "\"step\":\"%ld\"", step);
    snprintf(path, sizeof path, "%s/optim.safetensors", cfg->out_dir);
    return lm_st_write(path, e, 2, meta, err);
}

static float eval_loss(lm_model *m, const lm_sft_data *val, int B, int n_batches, int32_t *ids, int32_t *tg, sl_err *err) {
    if (!val->n) return NAN;
    double tot = 0;
    long cnt = 0;
    size_t *idx = malloc(sizeof(size_t) * B);
    if (!idx) return NAN;
    for (int k = 0; k < n_batches && (size_t)k * B < val->n; k++) {
        int T = 1, nb = 0;
        for (int b = 0; b < B && (size_t)(k * B + b) < val->n; b++) {
            idx[nb++] = (size_t)k * B + b;
            if (val->n_ids[k * B + b] - 1 > T) T = val->n_ids[k * B + b] - 1;
        }
        lm_sft_make_batch(val, idx, nb, T, ids, tg);
        float loss;
        int nv;
        if (lm_model_forward(m, ids, tg, nb, T, &loss, &nv, err)) break;
        if (nv) { tot += (double)loss * nv; cnt += nv; }
    }
    free(idx);
    return cnt ? (float)(tot / cnt) : NAN;
}

/* the prompt and target strings of every record, separated by <|endoftext|>
 * (a boundary the tokenizer trainer does not merge across) */
static sl_status jsonl_texts(const char *path, const char *pf, const char *tf, sl_buf *out, sl_err *err) {
    char *txt;
    size_t n;
    sl_status st = sl_file_read(path, &txt, &n, 0, err);
    if (st) return st;
    for (char *p = txt, *nl; p < txt + n; p = nl + 1) {
        nl = memchr(p, '\n', txt + n - p);
        if (!nl) nl = txt + n;
        cJSON *j = cJSON_ParseWithLength(p, nl - p);
        cJSON *a = cJSON_GetObjectItem(j, pf), *b = cJSON_GetObjectItem(j, tf);
        if (cJSON_IsString(a)) { sl_buf_puts(out, a->valuestring); sl_buf_puts(out, "<|endoftext|>"); }
        if (cJSON_IsString(b)) { sl_buf_puts(out, b->valuestring); sl_buf_puts(out, "<|endoftext|>"); }
        cJSON_Delete(j);
    }
    free(txt);
    return out->failed ? sl_err_set(err, SL_ERR_NOMEM, "out of memory") : SL_OK;
}

static int file_exists(const char *p) { FILE *f = fopen(p, "rb"); if (f) fclose(f); return f != NULL; }

sl_status lm_train_run(const lm_train_cfg *cfg, lm_progress_fn progress, void *ctx, sl_err *err) {
    lm_tokenizer *tok = NULL;
    lm_model *m = NULL;
    lm_sft_data tr = {0}, va = {0};
    sched sc = {0};
    int32_t *ids = NULL, *tg = NULL;
    size_t *idx = NULL;
    sl_status st = SL_OK;
    char path[1024];
    int resuming = 0;
    snprintf(path, sizeof path, "%s/optim.safetensors", cfg->out_dir);
    if (cfg->resume && file_exists(path)) resuming = 1;

    /* model and tokenizer */
    const char *from = resuming && !cfg->lora_rank ? cfg->out_dir : cfg->init_from[0] ? cfg->init_from : NULL;
    if (from) {
        if ((st = lm_checkpoint_load(from, &m, &tok, err))) goto out;
        if (cfg->tokenizer_path[0] && !resuming) {
            lm_tokenizer_free(tok); tok = NULL;
            if ((st = lm_tokenizer_load(cfg->tokenizer_path, &tok, err))) goto out;
        }
        if (!tok) { st = sl_err_set(err, SL_ERR_INVALID, "%s: no tokenizer.bpe in the model directory", from); goto out; }
    } else {
        if (cfg->tokenizer_path[0]) {
            if ((st = lm_tokenizer_load(cfg->tokenizer_path, &tok, err))) goto out;
        } else {
            /* train a tokenizer on the training texts */
            sl_buf all;
            sl_buf_init(&all);
            if ((st = jsonl_texts(cfg->train_path, cfg->prompt_field, cfg->target_field, &all, err))) { sl_buf_release(&all); goto out; }
            const char *t = all.data ? all.data : "";
            size_t n = all.len;
            st = lm_tokenizer_train(&t, &n, 1, cfg->tok_vocab, LM_PRETOK_STEP, &tok, err);
            sl_buf_release(&all);
            if (st) goto out;
        }
        lm_config mc = cfg->model;
        mc.vocab = lm_tokenizer_vocab_size(tok);
        if (!mc.n_kv_head) mc.n_kv_head = mc.n_head;
        if ((st = lm_model_new(&mc, &m, err))) goto out;
        lm_model_init_random(m, 0.02f, cfg->seed);
    }
    if (lm_tokenizer_vocab_size(tok) > m->c.vocab) { st = sl_err_set(err, SL_ERR_INVALID, "tokenizer larger than the model's vocabulary"); goto out; }
    if (cfg->lora_rank > 0) {
        if ((st = lm_lora_attach(m, cfg->lora_rank, cfg->lora_alpha, cfg->seed + 17, err))) goto out;
        if (resuming) {
            snprintf(path, sizeof path, "%s/lora.safetensors", cfg->out_dir);
            if ((st = lm_lora_load(m, path, err))) goto out;
        }
    }
    /* data */
    if ((st = lm_sft_load_jsonl(cfg->train_path, tok, cfg->prompt_field, cfg->target_field, m->c.seq + 1, &tr, err))) goto out;
    if (!tr.n) {
        st = sl_err_set(err, SL_ERR_INVALID, "%s: no training records with target tokens within seq %d (%zu skipped)",
                        cfg->train_path, m->c.seq, tr.n_skipped);
        goto out;
    }
    if (cfg->val_path[0] &&
        (st = lm_sft_load_jsonl(cfg->val_path, tok, cfg->prompt_field, cfg->target_field, m->c.seq + 1, &va, err))) goto out;
    int B = cfg->batch;
    if ((st = lm_model_train_init(m, B, err))) goto out;
    ids = malloc(sizeof(int32_t) * B * m->c.seq);
    tg = malloc(sizeof(int32_t) * B * m->c.seq);
    idx = malloc(sizeof(size_t) * B);
    sc = (sched){&tr, B, cfg->seed, -1, malloc(sizeof(size_t) * (tr.n + B)), 0};
    if (!ids || !tg || !idx || !sc.order) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto out; }

    long start = 0;
    if (resuming) {
        /* moments exist after the first step: take one zero-lr step to allocate, then load */
        size_t n_tr = m->lora_r ? m->n_lora : m->n_params;
        m->adam_m = lm_calloc(n_tr); m->adam_v = lm_calloc(n_tr); m->n_adam = n_tr;
        if (!m->adam_m || !m->adam_v) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto out; }
        lm_st_entry e[2] = {{"adam_m", m->adam_m, {(int)n_tr, 0}, 1}, {"adam_v", m->adam_v, {(int)n_tr, 0}, 1}};
        char *meta = NULL;
        snprintf(path, sizeof path, "%s/optim.safetensors", cfg->out_dir);
        if ((st = lm_st_read(path, e, 2, &meta, err))) goto out;
        cJSON *mj = cJSON_Parse(meta ? meta : "{}");
        cJSON *sj = cJSON_GetObjectItem(mj, "step");
        if (cJSON_IsString(sj)) start = atol(sj->valuestring);
        cJSON_Delete(mj);
        free(meta);
        if (start <= 0) { st = sl_err_set(err, SL_ERR_INVALID, "%s: no step recorded", path); goto out; }
    }
    lm_adamw opt = {cfg->lr, cfg->beta1, cfg->beta2, cfg->eps, cfg->weight_decay, cfg->grad_clip};
    double t0 = sl_time_sec();
    long tokens = 0;
    for (long step = start + 1; step <= cfg->steps; step++) {
        lm_model_zero_grad(m);
        double lsum = 0;
        int lcnt = 0;
        for (int a = 0; a < cfg->grad_accum; a++) {
            long q = (step - 1) * cfg->grad_accum + a;
            int T = sched_batch(&sc, q, idx);
            lm_sft_make_batch(&tr, idx, B, T, ids, tg);
            float loss;
            int nv;
            if ((st = lm_model_forward(m, ids, tg, B, T, &loss, &nv, err))) goto out;
            lm_model_backward(m, 1.0f / cfg->grad_accum);
            if (nv) { lsum += loss; lcnt++; }
            for (int i = 0; i < B * T; i++) tokens += ids[i] != LM_TOK_PAD;
        }
        float lr = lm_lr_at(cfg->sched, cfg->lr, cfg->min_lr, cfg->warmup, cfg->steps, step);
        float gn = lm_model_adamw_step(m, &opt, lr, step);
        if (progress) {
            double dt = sl_time_sec() - t0;
            lm_train_progress p = {step, cfg->steps, lcnt ? (float)(lsum / lcnt) : NAN, lr, gn, tokens / (dt > 0 ? dt : 1e-9),
                                   dt / (step - start) * (cfg->steps - step), 0, NAN};
            progress(ctx, &p);
        }
        if (cfg->val_every > 0 && va.n && (step % cfg->val_every == 0 || step == cfg->steps)) {
            float vl = eval_loss(m, &va, B, cfg->val_batches ? cfg->val_batches : 1, ids, tg, err);
            if (progress) {
                lm_train_progress p = {step, cfg->steps, NAN, lr, gn, 0, 0, 1, vl};
                progress(ctx, &p);
            }
        }
        int stop = cfg->stop_after > 0 && step >= cfg->stop_after;
        if ((cfg->save_every > 0 && step % cfg->save_every == 0) || step == cfg->steps || stop)
            if ((st = save_all(m, tok, cfg, step, err))) goto out;
        if (stop) break;
    }
    if (start >= cfg->steps && (st = save_all(m, tok, cfg, start, err))) goto out;
out:
    free(ids); free(tg); free(idx); free(sc.order);
    lm_sft_data_release(&tr);
    lm_sft_data_release(&va);
    lm_model_free(m);
    lm_tokenizer_free(tok);
    return st;
}

sl_status lm_sft_exact_match(lm_model *m, const lm_tokenizer *tok, const lm_sft_data *d, lm_weights weights,
                             int *n_exact, int *exact, sl_err *err) {
    *n_exact = 0;
    lm_decoder *dec;
    sl_status st = lm_decoder_new(m, weights, 0, LM_WEIGHTS_F32, &dec, err);   /* the weights prepared once */
    if (st) return st;
    sl_buf want, got;
    sl_buf_init(&want);
    sl_buf_init(&got);
    for (size_t i = 0; i < d->n; i++) {
        int np = d->n_prompt[i], nt = d->n_ids[i] - np;
        if (exact) exact[i] = 0;
        if (np < 1) continue;
        /* the target without its end token */
        int body = nt > 0 && d->ids[i][d->n_ids[i] - 1] == LM_TOK_EOT ? nt - 1 : nt;
        lm_sample_opts o;
        lm_sample_opts_default(&o);
        o.temperature = 0;
        o.max_new = body + 8;
        o.stop_token = LM_TOK_EOT;
        o.weights = weights;
        lm_generation g;
        if ((st = lm_decoder_generate(dec, d->ids[i], np, &o, &g, err))) break;
        sl_buf_clear(&want);
        sl_buf_clear(&got);
        lm_tokenizer_decode(tok, d->ids[i] + np, (size_t)body, &want, NULL);
        lm_tokenizer_decode(tok, g.tokens[0], (size_t)g.n_tokens[0], &got, NULL);
        int ok = g.stop_reason[0] == 1 && want.len == got.len && (!want.len || !memcmp(want.data, got.data, want.len));
        lm_generation_release(&g);
        if (ok) { (*n_exact)++; if (exact) exact[i] = 1; }
    }
    sl_buf_release(&want);
    sl_buf_release(&got);
    lm_decoder_free(dec);
    return st;
}
