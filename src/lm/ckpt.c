/* ckpt.c - model files: safetensors weights, a Hugging Face style
 * config.json, and the model directory (config.json + model.safetensors +
 * tokenizer.bpe).
 *
 * safetensors: 8-byte little-endian header length, a JSON header mapping
 * tensor names to dtype, shape and [begin, end) byte offsets into the data
 * that follows, then the data. Written F32 little-endian with a
 * "steplm_fnv1a64" hash of the data in __metadata__, which the reader checks
 * when present, so a flipped byte is reported rather than loaded. F32, BF16
 * and F16 tensors are read (converted to fp32). Every offset and size is
 * checked against the file before use: a truncated or corrupt file is an
 * error that names the file and what is wrong, never a crash. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cjson/cJSON.h>

#include "lm/internal.h"

#define ST_MAX_HEADER (100u << 20)

static void put_le64(unsigned char *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static uint64_t get_le64(const unsigned char *p) { uint64_t v = 0; for (int i = 7; i >= 0; i--) v = v << 8 | p[i]; return v; }

sl_status lm_st_write(const char *path, const lm_st_entry *e, int n, const char *meta_json, sl_err *err) {
    size_t data_n = 0;
    for (int i = 0; i < n; i++) {
        size_t k = 1;
        for (int j = 0; j < e[i].n_dim; j++) k *= (size_t)e[i].shape[j];
        data_n += k * 4;
    }
    unsigned char *data = malloc(data_n ? data_n : 1);
    if (!data) return sl_err_set(err, SL_ERR_NOMEM, "out of memory writing %s", path);
    sl_buf h;
    sl_buf_init(&h);
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        size_t k = 1;
        for (int j = 0; j < e[i].n_dim; j++) k *= (size_t)e[i].shape[j];
        for (size_t q = 0; q < k; q++) {   /* explicit little-endian */
            uint32_t u;
            memcpy(&u, &e[i].data[q], 4);
            unsigned char *o = data + at + 4 * q;
            o[0] = (unsigned char)u; o[1] = (unsigned char)(u >> 8); o[2] = (unsigned char)(u >> 16); o[3] = (unsigned char)(u >> 24);
        }
        sl_buf_puts(&h, i ? "," : "{");
        sl_buf_json_str(&h, e[i].name, strlen(e[i].name));
        sl_buf_puts(&h, ":{\"dtype\":\"F32\",\"shape\":[");
        for (int j = 0; j < e[i].n_dim; j++) sl_buf_printf(&h, "%s%d", j ? "," : "", e[i].shape[j]);
        sl_buf_printf(&h, "],\"data_offsets\":[%zu,%zu]}", at, at + 4 * k);
        at += 4 * k;
    }
    sl_buf_printf(&h, "%s\"__metadata__\":{\"format\":\"pt\",\"steplm_fnv1a64\":\"%016llx\"", n ? "," : "{",
                  (unsigned long long)sl_hash64(data, data_n));
    if (meta_json && *meta_json) sl_buf_printf(&h, ",%s", meta_json);
    sl_buf_puts(&h, "}}");
    while (h.len % 8) sl_buf_putc(&h, ' ');
    size_t total = 8 + h.len + data_n;
    unsigned char *file = h.failed ? NULL : malloc(total);
    sl_status st;
    if (!file) st = sl_err_set(err, SL_ERR_NOMEM, "out of memory writing %s", path);
    else {
        put_le64(file, h.len);
        memcpy(file + 8, h.data, h.len);
        memcpy(file + 8 + h.len, data, data_n);
        st = sl_file_write_atomic(path, file, total, err);
    }
    free(file); free(data);
    sl_buf_release(&h);
    return st;
}

static float bf16_to_f32(uint16_t v) { uint32_t u = (uint32_t)v << 16; float f; memcpy(&f, &u, 4); return f; }
static float f16_to_f32(uint16_t h) {
    int s = h >> 15, e = (h >> 10) & 31, mnt = h & 1023;
    float v;
    if (e == 0) v = ldexpf((float)mnt, -24);
    else if (e == 31) v = mnt ? NAN : INFINITY;
    else v = ldexpf((float)(mnt | 1024), e - 25);
    return s ? -v : v;
}

static sl_status st_fail(sl_err *err, const char *path, sl_status s, const char *what) {
    sl_err_set(err, s, "%s", what);
    if (err) snprintf(err->file, sizeof err->file, "%.255s", path);
    return s;
}

sl_status lm_st_read(const char *path, const lm_st_entry *e, int n, char **meta, sl_err *err) {
    if (meta) *meta = NULL;
    char *raw;
    size_t sz;
    sl_status st = sl_file_read(path, &raw, &sz, 0, err);
    if (st) return st;
    st = lm_st_parse(raw, sz, path, e, n, meta, err);
    free(raw);
    return st;
}

sl_status lm_st_parse(const char *raw, size_t sz, const char *path, const lm_st_entry *e, int n, char **meta,
                      sl_err *err) {
    if (meta) *meta = NULL;
    sl_status st = SL_OK;
    const unsigned char *b = (const unsigned char *)raw;
    char msg[400];
    cJSON *hdr = NULL;
    if (sz < 8) { st = st_fail(err, path, SL_ERR_SYNTAX, "truncated safetensors file: fewer than 8 bytes"); goto out; }
    uint64_t hl = get_le64(b);
    if (hl > ST_MAX_HEADER || hl > sz - 8) {
        snprintf(msg, sizeof msg, "truncated or corrupt safetensors file: header of %llu bytes but the file has %zu",
                 (unsigned long long)hl, sz);
        st = st_fail(err, path, SL_ERR_SYNTAX, msg);
        goto out;
    }
    hdr = cJSON_ParseWithLength(raw + 8, (size_t)hl);
    if (!cJSON_IsObject(hdr)) { st = st_fail(err, path, SL_ERR_SYNTAX, "corrupt safetensors header: not a JSON object"); goto out; }
    const unsigned char *data = b + 8 + hl;
    size_t data_n = sz - 8 - (size_t)hl;
    /* every tensor must lie inside the data */
    cJSON *it;
    cJSON_ArrayForEach(it, hdr) {
        if (!strcmp(it->string, "__metadata__")) continue;
        cJSON *off = cJSON_GetObjectItem(it, "data_offsets");
        cJSON *o0 = cJSON_GetArrayItem(off, 0), *o1 = cJSON_GetArrayItem(off, 1);
        if (cJSON_GetArraySize(off) != 2 || !cJSON_IsNumber(o0) || !cJSON_IsNumber(o1)) {
            snprintf(msg, sizeof msg, "corrupt safetensors header: tensor '%.200s' has no data_offsets", it->string);
            st = st_fail(err, path, SL_ERR_SYNTAX, msg);
            goto out;
        }
        if (o1->valuedouble > (double)data_n) {
            snprintf(msg, sizeof msg, "truncated safetensors file: tensor '%.200s' ends at byte %.0f of %zu data bytes",
                     it->string, o1->valuedouble, data_n);
            st = st_fail(err, path, SL_ERR_SYNTAX, msg);
            goto out;
        }
    }
    cJSON *md = cJSON_GetObjectItem(hdr, "__metadata__");
    cJSON *hash = cJSON_GetObjectItem(md, "steplm_fnv1a64");
    if (cJSON_IsString(hash)) {
        char want[32];
        snprintf(want, sizeof want, "%016llx", (unsigned long long)sl_hash64(data, data_n));
        if (strcmp(want, hash->valuestring)) {
            st = st_fail(err, path, SL_ERR_INVALID, "corrupt safetensors file: the data does not match its recorded hash");
            goto out;
        }
    }
    for (int i = 0; i < n; i++) {
        cJSON *t = cJSON_GetObjectItem(hdr, e[i].name);
        if (!t) {
            snprintf(msg, sizeof msg, "tensor '%.200s' missing", e[i].name);
            st = st_fail(err, path, SL_ERR_INVALID, msg);
            goto out;
        }
        cJSON *dt = cJSON_GetObjectItem(t, "dtype"), *shp = cJSON_GetObjectItem(t, "shape"), *off = cJSON_GetObjectItem(t, "data_offsets");
        int esz = 0;
        if (cJSON_IsString(dt)) esz = !strcmp(dt->valuestring, "F32") ? 4 : (!strcmp(dt->valuestring, "BF16") || !strcmp(dt->valuestring, "F16")) ? 2 : 0;
        if (!esz) {
            snprintf(msg, sizeof msg, "tensor '%.200s': unsupported dtype (F32, BF16, F16 are read)", e[i].name);
            st = st_fail(err, path, SL_ERR_UNSUPPORTED, msg);
            goto out;
        }
        int ok = cJSON_GetArraySize(shp) == e[i].n_dim;
        size_t numel = 1;
        for (int j = 0; ok && j < e[i].n_dim; j++) {
            ok = cJSON_GetArrayItem(shp, j)->valuedouble == e[i].shape[j];
            numel *= (size_t)e[i].shape[j];
        }
        if (!ok) {
            snprintf(msg, sizeof msg, "tensor '%.200s': shape does not match the config (want [%d%s%d])", e[i].name,
                     e[i].shape[0], e[i].n_dim > 1 ? ", " : "", e[i].n_dim > 1 ? e[i].shape[1] : 0);
            if (e[i].n_dim < 2) { char *p = strstr(msg, ", 0]"); if (p) strcpy(p, "]"); }
            st = st_fail(err, path, SL_ERR_INVALID, msg);
            goto out;
        }
        double b0 = cJSON_GetArrayItem(off, 0)->valuedouble, b1 = cJSON_GetArrayItem(off, 1)->valuedouble;
        if (!(b0 >= 0 && b1 >= b0 && b1 <= (double)data_n && (size_t)(b1 - b0) == numel * esz)) {
            snprintf(msg, sizeof msg, "tensor '%.200s': data_offsets out of range or wrong size", e[i].name);
            st = st_fail(err, path, SL_ERR_INVALID, msg);
            goto out;
        }
        const unsigned char *p = data + (size_t)b0;
        for (size_t q = 0; q < numel; q++) {
            if (esz == 4) {
                uint32_t u = (uint32_t)p[4 * q] | (uint32_t)p[4 * q + 1] << 8 | (uint32_t)p[4 * q + 2] << 16 | (uint32_t)p[4 * q + 3] << 24;
                memcpy(&e[i].data[q], &u, 4);
            } else {
                uint16_t u = (uint16_t)(p[2 * q] | p[2 * q + 1] << 8);
                e[i].data[q] = dt->valuestring[0] == 'B' ? bf16_to_f32(u) : f16_to_f32(u);
            }
        }
    }
    if (meta && md) *meta = cJSON_PrintUnformatted(md);
out:
    cJSON_Delete(hdr);
    return st;
}

/* ---- model tensors ---------------------------------------------------------- */

static lm_st_entry *model_entries(lm_model *m, char (*names)[128], int *n) {
    int k = lm_model_n_tensors(m);
    lm_st_entry *e = calloc(k, sizeof *e);
    if (!e) return NULL;
    for (int i = 0; i < k; i++) {
        e[i].data = lm_model_tensor(m, i, names[i], 128, e[i].shape, &e[i].n_dim);
        e[i].name = names[i];
    }
    *n = k;
    return e;
}

sl_status lm_model_save_safetensors(lm_model *m, const char *path, sl_err *err) {
    int k = lm_model_n_tensors(m), n;
    char (*names)[128] = malloc(sizeof(*names) * k);
    lm_st_entry *e = names ? model_entries(m, names, &n) : NULL;
    sl_status st = e ? lm_st_write(path, e, n, NULL, err) : sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    free(e); free(names);
    return st;
}

sl_status lm_model_load_safetensors(lm_model *m, const char *path, sl_err *err) {
    int k = lm_model_n_tensors(m), n;
    char (*names)[128] = malloc(sizeof(*names) * k);
    lm_st_entry *e = names ? model_entries(m, names, &n) : NULL;
    sl_status st = e ? lm_st_read(path, e, n, NULL, err) : sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    free(e); free(names);
    return st;
}

static sl_status lora_io(lm_model *m, const char *path, int save, sl_err *err) {
    int k = lm_lora_n_tensors(m);
    if (!k) return sl_err_set(err, SL_ERR_ARG, "no LoRA adapters attached");
    char (*names)[128] = malloc(sizeof(*names) * k);
    lm_st_entry *e = calloc(k, sizeof *e);
    sl_status st;
    if (!names || !e) st = sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    else {
        for (int i = 0; i < k; i++) {
            e[i].data = lm_lora_tensor(m, i, names[i], 128, e[i].shape);
            e[i].name = names[i];
            e[i].n_dim = 2;
        }
        char meta[128];
        snprintf(meta, sizeof meta, "\"lora_rank\":\"%d\",\"lora_alpha\":\"%g\"", m->lora_r, m->lora_alpha);
        st = save ? lm_st_write(path, e, k, meta, err) : lm_st_read(path, e, k, NULL, err);
    }
    free(e); free(names);
    return st;
}

sl_status lm_lora_save(lm_model *m, const char *path, sl_err *err) { return lora_io(m, path, 1, err); }
sl_status lm_lora_load(lm_model *m, const char *path, sl_err *err) { return lora_io(m, path, 0, err); }

sl_status lm_lora_attach_file(lm_model *m, const char *path, sl_err *err) {
    char *meta = NULL;
    sl_status st = lm_st_read(path, NULL, 0, &meta, err);
    if (st) return st;
    cJSON *j = cJSON_Parse(meta ? meta : "{}");
    cJSON *r = cJSON_GetObjectItem(j, "lora_rank"), *a = cJSON_GetObjectItem(j, "lora_alpha");
    int rank = cJSON_IsString(r) ? atoi(r->valuestring) : 0;
    float alpha = cJSON_IsString(a) ? (float)atof(a->valuestring) : (float)rank;
    cJSON_Delete(j);
    free(meta);
    if (rank < 1) {
        sl_err_set(err, SL_ERR_INVALID, "no lora_rank in the file's metadata");
        if (err) snprintf(err->file, sizeof err->file, "%.255s", path);
        return SL_ERR_INVALID;
    }
    if ((st = lm_lora_attach(m, rank, alpha, 0, err))) return st;
    return lm_lora_load(m, path, err);
}

/* ---- config.json ------------------------------------------------------------- */

sl_status lm_config_to_json(const lm_config *c, sl_buf *out) {
    sl_buf_printf(out,
                  "{\n  \"architectures\": [\"LlamaForCausalLM\"],\n  \"model_type\": \"llama\",\n"
                  "  \"vocab_size\": %d,\n  \"hidden_size\": %d,\n  \"num_hidden_layers\": %d,\n"
                  "  \"num_attention_heads\": %d,\n  \"num_key_value_heads\": %d,\n  \"intermediate_size\": %d,\n"
                  "  \"max_position_embeddings\": %d,\n  \"tie_word_embeddings\": %s,\n  \"rope_theta\": %.9g,\n"
                  "  \"rms_norm_eps\": %.9g,\n  \"hidden_act\": \"silu\",\n  \"torch_dtype\": \"float32\"\n}\n",
                  c->vocab, c->d, c->n_layer, c->n_head, c->n_kv_head, c->ffn, c->seq, c->tie ? "true" : "false",
                  c->rope_theta, c->norm_eps);
    return out->failed ? SL_ERR_NOMEM : SL_OK;
}

sl_status lm_config_from_json(const char *json, lm_config *c, sl_err *err) {
    cJSON *j = cJSON_Parse(json);
    if (!cJSON_IsObject(j)) { cJSON_Delete(j); return sl_err_set(err, SL_ERR_SYNTAX, "config is not a JSON object"); }
    static const char *const keys[7] = {"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                                        "num_key_value_heads", "intermediate_size", "max_position_embeddings"};
    int *dst[7] = {&c->vocab, &c->d, &c->n_layer, &c->n_head, &c->n_kv_head, &c->ffn, &c->seq};
    memset(c, 0, sizeof *c);
    for (int i = 0; i < 7; i++) {
        cJSON *v = cJSON_GetObjectItem(j, keys[i]);
        if (!cJSON_IsNumber(v)) {
            if (i == 4) { *dst[4] = *dst[3]; continue; }
            cJSON_Delete(j);
            return sl_err_set(err, SL_ERR_INVALID, "config: '%s' missing or not a number", keys[i]);
        }
        if (v->valuedouble < 0 || v->valuedouble > 1e9) { cJSON_Delete(j); return sl_err_set(err, SL_ERR_INVALID, "config: '%s' out of range", keys[i]); }
        *dst[i] = v->valueint;
    }
    c->tie = cJSON_IsTrue(cJSON_GetObjectItem(j, "tie_word_embeddings"));
    cJSON *rt = cJSON_GetObjectItem(j, "rope_theta"), *ne = cJSON_GetObjectItem(j, "rms_norm_eps");
    c->rope_theta = cJSON_IsNumber(rt) ? (float)rt->valuedouble : 10000.0f;
    c->norm_eps = cJSON_IsNumber(ne) ? (float)ne->valuedouble : 1e-5f;
    cJSON_Delete(j);
    return lm_config_check(c, err);
}

/* ---- model directory ----------------------------------------------------- */

static sl_status make_dir(const char *dir, sl_err *err) {
    if (mkdir(dir, 0777) && errno != EEXIST) return sl_err_set(err, SL_ERR_IO, "%s: cannot create directory: %s", dir, strerror(errno));
    return SL_OK;
}

sl_status lm_checkpoint_save(lm_model *m, const lm_tokenizer *tok, const char *dir, sl_err *err) {
    char path[1024];
    sl_status st = make_dir(dir, err);
    if (st) return st;
    sl_buf b;
    sl_buf_init(&b);
    lm_config_to_json(&m->c, &b);
    snprintf(path, sizeof path, "%s/config.json", dir);
    st = sl_file_write_atomic(path, b.data, b.len, err);
    sl_buf_release(&b);
    if (st) return st;
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    if ((st = lm_model_save_safetensors(m, path, err))) return st;
    if (tok) {
        snprintf(path, sizeof path, "%s/tokenizer.bpe", dir);
        if ((st = lm_tokenizer_save(tok, path, err))) return st;
    }
    if (m->lora_r) {
        snprintf(path, sizeof path, "%s/lora.safetensors", dir);
        if ((st = lm_lora_save(m, path, err))) return st;
    }
    return SL_OK;
}

sl_status lm_checkpoint_load(const char *dir, lm_model **mo, lm_tokenizer **tok, sl_err *err) {
    char path[1024], *txt;
    size_t n;
    *mo = NULL;
    if (tok) *tok = NULL;
    snprintf(path, sizeof path, "%s/config.json", dir);
    sl_status st = sl_file_read(path, &txt, &n, 1 << 20, err);
    if (st) return st;
    lm_config c;
    st = lm_config_from_json(txt, &c, err);
    free(txt);
    if (st) { if (err) snprintf(err->file, sizeof err->file, "%.255s", path); return st; }
    lm_model *m;
    if ((st = lm_model_new(&c, &m, err))) return st;
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    if ((st = lm_model_load_safetensors(m, path, err))) { lm_model_free(m); return st; }
    if (tok) {
        snprintf(path, sizeof path, "%s/tokenizer.bpe", dir);
        FILE *f = fopen(path, "rb");
        if (f) {
            fclose(f);
            if ((st = lm_tokenizer_load(path, tok, err))) { lm_model_free(m); return st; }
            int tv = lm_tokenizer_vocab_size(*tok);
            if (tv > c.vocab) {
                lm_tokenizer_free(*tok); *tok = NULL; lm_model_free(m);
                return sl_err_set(err, SL_ERR_INVALID, "%s: tokenizer has %d tokens but the model only %d", path, tv, c.vocab);
            }
        }
    }
    *mo = m;
    return SL_OK;
}
