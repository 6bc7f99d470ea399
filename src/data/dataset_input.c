/* dataset_input.c - the inputs of `steplm dataset build`: a synth corpus
 * (manifest.jsonl + per-part folders) or STEP-LLM-style data (captions CSV +
 * per-model STEP folders). See steplm/dataset.h. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "steplm/data.h"
#include "steplm/dataset.h"

void dataset_input_init(dataset_input *in) {
    memset(in, 0, sizeof *in);
    sl_arena_init(&in->arena, 1 << 16);
}

void dataset_input_release(dataset_input *in) {
    free(in->v);
    sl_arena_release(&in->arena);
    memset(in, 0, sizeof *in);
}

static dataset_item *push_item(dataset_input *in) {
    if (sl_grow((void **)&in->v, &in->cap, in->n, sizeof *in->v, 256)) return NULL;
    dataset_item *it = &in->v[in->n++];
    memset(it, 0, sizeof *it);
    it->describable = 1;
    it->split = RETRIEVAL_SPLIT_NONE;
    retrieval_meta_init_unknown(&it->meta);
    return it;
}

static const char *adup(dataset_input *in, const char *s) {
    return s ? sl_arena_strndup(&in->arena, s, strlen(s)) : NULL;
}

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int ends_with_ci(const char *s, const char *suf) {
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && !strcasecmp(s + n - k, suf);
}

static uint64_t mix64(uint64_t x) {
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27; x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static int cmp_item_id(const void *a, const void *b) {
    return strcmp(((const dataset_item *)a)->id, ((const dataset_item *)b)->id);
}

/* ---- synth ------------------------------------------------------------------ */
static void add_dim(retrieval_meta *m, double v) {
    if (!(v > 0) || !isfinite(v)) return;
    for (int k = 0; k < m->n_dims; k++)
        if (fabs(m->dims_mm[k] - v) <= 1e-3 * v) return;
    if (m->n_dims < RETRIEVAL_META_DIMS) m->dims_mm[m->n_dims++] = (float)v;
}

static sl_status synth_line(dataset_input *in, const char *dir, const char *file, uint32_t line,
                            const char *text, size_t n, const char *level, uint64_t seed,
                            sl_err *err) {
    cJSON *o = cJSON_ParseWithLength(text, n);
    sl_status st = SL_OK;
    if (!o || !cJSON_IsObject(o)) {
        st = sl_err_set(err, SL_ERR_SYNTAX, "%s:%u:1: error: not a JSON object", file, line);
        goto done;
    }
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "id"));
    const cJSON *caps = cJSON_GetObjectItemCaseSensitive(o, "captions");
    if (!id || !*id || !cJSON_IsArray(caps)) {
        st = sl_err_set(err, SL_ERR_INVALID, "%s:%u:1: error: manifest line needs \"id\" and \"captions\"",
                        file, line);
        goto done;
    }
    if (strchr(id, '/') || !strcmp(id, ".") || !strcmp(id, "..")) {
        st = sl_err_set(err, SL_ERR_INVALID, "%s:%u:1: error: bad part id '%s'", file, line, id);
        goto done;
    }
    /* caption: among those of the wanted level (all with "any"), one picked by a
     * seeded hash of the id */
    int n_ok = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, caps) {
        const char *lv = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "level"));
        const char *tx = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "text"));
        if (tx && (!strcmp(level, "any") || (lv && !strcmp(lv, level)))) n_ok++;
    }
    dataset_item *it = push_item(in);
    if (!it) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
    it->id = adup(in, id);
    it->caption = "";
    if (n_ok > 0) {
        int pick = (int)(mix64(sl_hash64(id, strlen(id)) ^ mix64(seed ^ 0x5eed)) % (uint64_t)n_ok);
        cJSON_ArrayForEach(c, caps) {
            const char *lv = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "level"));
            const char *tx = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "text"));
            if (!(tx && (!strcmp(level, "any") || (lv && !strcmp(lv, level))))) continue;
            if (pick-- == 0) {
                it->caption = adup(in, tx);
                it->caption_level = lv ? adup(in, lv) : NULL;
                break;
            }
        }
    }
    /* every caption, the chosen one first */
    int n_all = cJSON_GetArraySize(caps);
    it->captions = sl_arena_alloc(&in->arena, (size_t)(n_all + 1) * sizeof *it->captions);
    if (!it->captions) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
    it->captions[it->n_captions++] = it->caption;
    cJSON_ArrayForEach(c, caps) {
        const char *tx = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "text"));
        if (tx && *tx && strcmp(tx, it->caption)) it->captions[it->n_captions++] = adup(in, tx);
    }
    for (int k = 0; k < it->n_captions; k++)
        if (!it->captions[k]) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); goto done; }
    const char *fam = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "family"));
    it->family = fam ? adup(in, fam) : NULL;
    const cJSON *par = cJSON_GetObjectItemCaseSensitive(o, "parameters");
    if (cJSON_IsObject(par)) {
        char *p = cJSON_PrintUnformatted(par);
        if (p) { it->params_json = adup(in, p); cJSON_free(p); }
    }
    const char *sp = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "split"));
    if (sp) {
        int s = retrieval_split_parse(sp);
        if (s < 0 || s > RETRIEVAL_SPLIT_TEST) {
            st = sl_err_set(err, SL_ERR_INVALID, "%s:%u:1: error: bad split '%s'", file, line, sp);
            goto done;
        }
        it->split = s;
    }
    /* metadata for geometry-aware retrieval: extents, diameter about z, every
     * length a caption of the part states, genus as the hole count */
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(o, "size_mm");
    if (cJSON_IsArray(size) && cJSON_GetArraySize(size) == 3) {
        for (int k = 0; k < 3; k++) it->meta.bbox_mm[k] = (float)cJSON_GetArrayItem(size, k)->valuedouble;
        memcpy(it->size_mm, it->meta.bbox_mm, sizeof it->size_mm);
    } else {
        const cJSON *bb = cJSON_GetObjectItemCaseSensitive(o, "bbox_mm");
        if (cJSON_IsArray(bb) && cJSON_GetArraySize(bb) == 6)
            for (int k = 0; k < 3; k++)
                it->size_mm[k] = it->meta.bbox_mm[k] = (float)(cJSON_GetArrayItem(bb, k + 3)->valuedouble -
                                                               cJSON_GetArrayItem(bb, k)->valuedouble);
    }
    const cJSON *dz = cJSON_GetObjectItemCaseSensitive(o, "diameter_z_mm");
    if (cJSON_IsNumber(dz)) add_dim(&it->meta, dz->valuedouble);
    cJSON_ArrayForEach(c, caps) {
        const cJSON *cl, *claims = cJSON_GetObjectItemCaseSensitive(c, "claims");
        cJSON_ArrayForEach(cl, claims) {
            const cJSON *mm = cJSON_GetObjectItemCaseSensitive(cl, "mm");
            if (cJSON_IsNumber(mm)) add_dim(&it->meta, mm->valuedouble);
        }
    }
    const cJSON *genus = cJSON_GetObjectItemCaseSensitive(o, "genus");
    if (cJSON_IsNumber(genus) && genus->valuedouble >= 0) it->meta.n_holes = (int32_t)genus->valuedouble;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/part.step", dir, id);
    it->step_path = adup(in, path);
    snprintf(path, sizeof path, "%s/%s/part.lua", dir, id);
    it->program_path = adup(in, path);
    if (!it->id || !it->step_path || !it->program_path) st = sl_err_set(err, SL_ERR_NOMEM, "out of memory");
done:
    cJSON_Delete(o);
    return st;
}

static sl_status read_manifest(dataset_input *in, const char *dir, const char *path, const char *level,
                               uint64_t seed, sl_err *err) {
    char *text = NULL;
    size_t n = 0;
    sl_status st = sl_file_read(path, &text, &n, 0, err);
    if (st) return st;
    uint32_t line = 0;
    for (size_t s = 0; s < n && !st;) {
        size_t e = s;
        while (e < n && text[e] != '\n') e++;
        line++;
        size_t k = s;
        while (k < e && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r')) k++;
        if (k < e) st = synth_line(in, dir, path, line, text + s, e - s, level, seed, err);
        s = e + 1;
    }
    free(text);
    return st;
}

sl_status dataset_input_read_synth(const char *dir, const char *level, uint64_t seed,
                                   dataset_input *in, sl_err *err) {
    if (!level) level = "any";
    if (strcmp(level, "any") && strcmp(level, "abstract") && strcmp(level, "partial") &&
        strcmp(level, "precise"))
        return sl_err_set(err, SL_ERR_ARG, "unknown caption level '%s'", level);
    in->kind = DATASET_SYNTH;
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.jsonl", dir);
    sl_status st = SL_OK;
    if (is_file(path)) {
        st = read_manifest(in, dir, path, level, seed, err);
    } else {
        /* shards of a corpus: manifest-<i>of<n>.jsonl, in name order */
        DIR *d = opendir(dir);
        if (!d) return sl_err_set(err, SL_ERR_IO, "%s: cannot open directory", dir);
        char **names = NULL;
        size_t nn = 0, cap = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (strncmp(de->d_name, "manifest-", 9) || !ends_with_ci(de->d_name, ".jsonl")) continue;
            if (nn == cap) {
                cap = cap ? cap * 2 : 16;
                char **t = realloc(names, cap * sizeof *t);
                if (!t) break;
                names = t;
            }
            names[nn++] = strdup(de->d_name);
        }
        closedir(d);
        for (size_t i = 0; i + 1 < nn; i++)
            for (size_t j = i + 1; j < nn; j++)
                if (strcmp(names[j], names[i]) < 0) { char *t = names[i]; names[i] = names[j]; names[j] = t; }
        if (!nn) st = sl_err_set(err, SL_ERR_IO, "%s: no manifest.jsonl", dir);
        for (size_t i = 0; i < nn; i++) {
            if (!st && names[i]) {
                snprintf(path, sizeof path, "%s/%s", dir, names[i]);
                st = read_manifest(in, dir, path, level, seed, err);
            }
            free(names[i]);
        }
        free(names);
    }
    if (st) return st;
    if (in->n > 1) qsort(in->v, in->n, sizeof *in->v, cmp_item_id);
    for (size_t i = 1; i < in->n; i++)
        if (!strcmp(in->v[i].id, in->v[i - 1].id))
            return sl_err_set(err, SL_ERR_INVALID, "%s: part '%s' appears twice in the manifest", dir,
                              in->v[i].id);
    return SL_OK;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- STEP-LLM-style ----------------------------------------------------------- */
/* <steps>/<id>/: the first *.step / *.stp in name order; else <steps>/<id>.step|.stp */
static const char *find_step(dataset_input *in, const char *steps_dir, const char *id) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", steps_dir, id);
    DIR *d = opendir(path);
    if (d) {
        char best[1024] = {0};
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!ends_with_ci(de->d_name, ".step") && !ends_with_ci(de->d_name, ".stp")) continue;
            if (strlen(de->d_name) >= sizeof best) continue;
            if (!best[0] || strcmp(de->d_name, best) < 0) snprintf(best, sizeof best, "%s", de->d_name);
        }
        closedir(d);
        if (best[0]) {
            char full[5200];
            snprintf(full, sizeof full, "%s/%s", path, best);
            if (is_file(full)) return adup(in, full);
        }
    }
    static const char *const exts[] = {".step", ".stp", ".STEP", ".STP"};
    for (int k = 0; k < 4; k++) {
        char full[5200];
        snprintf(full, sizeof full, "%s/%s%s", steps_dir, id, exts[k]);
        if (is_file(full)) return adup(in, full);
    }
    return NULL;
}

sl_status dataset_input_read_stepllm(const char *captions, const char *steps_dir,
                                     dataset_input *in, sl_err *err) {
    in->kind = DATASET_STEPLLM;
    data_captions caps;
    data_captions_init(&caps);
    sl_status st = data_captions_read_file(captions, &caps, err);
    for (size_t i = 0; i < caps.n && !st; i++) {
        const data_caption *c = &caps.v[i];
        if (!c->id || !*c->id || strchr(c->id, '/') || !strcmp(c->id, ".") || !strcmp(c->id, "..")) {
            st = sl_err_set(err, SL_ERR_INVALID, "%s:%u:1: error: bad model_id '%s'", captions, c->line,
                            c->id ? c->id : "");
            break;
        }
        dataset_item *it = push_item(in);
        if (!it) { st = sl_err_set(err, SL_ERR_NOMEM, "out of memory"); break; }
        it->id = adup(in, c->id);
        it->caption = adup(in, c->caption ? c->caption : "");
        it->describable = c->describable;
        it->split = c->split;
        it->meta = c->meta;
        it->step_path = c->describable ? find_step(in, steps_dir, c->id) : NULL;
        if (!it->id || !it->caption) st = sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    }
    data_captions_release(&caps);
    if (st) return st;
    /* duplicate ids: sort a copy of the pointers */
    const char **ids = malloc((in->n + 1) * sizeof *ids);
    if (!ids) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < in->n; i++) ids[i] = in->v[i].id;
    qsort(ids, in->n, sizeof *ids, cmp_str);
    for (size_t i = 1; i < in->n && !st; i++)
        if (!strcmp(ids[i], ids[i - 1]))
            st = sl_err_set(err, SL_ERR_INVALID, "%s: model_id '%s' appears twice", captions, ids[i]);
    free(ids);
    return st;
}

int dataset_input_detect(const char *path, char *captions_out, size_t n_out, sl_err *err) {
    char p[4096];
    if (is_dir(path)) {
        snprintf(p, sizeof p, "%s/manifest.jsonl", path);
        if (is_file(p)) return DATASET_SYNTH;
        DIR *d = opendir(path);
        if (!d) { sl_err_set(err, SL_ERR_IO, "%s: cannot open directory", path); return 0; }
        int n_csv = 0, n_manifest = 0;
        struct dirent *de;
        char csv[1024] = {0};
        while ((de = readdir(d))) {
            if (!strncmp(de->d_name, "manifest-", 9) && ends_with_ci(de->d_name, ".jsonl")) n_manifest++;
            if (ends_with_ci(de->d_name, ".csv")) {
                n_csv++;
                snprintf(csv, sizeof csv, "%s", de->d_name);
            }
        }
        closedir(d);
        if (n_manifest) return DATASET_SYNTH;
        if (n_csv == 1) {
            snprintf(captions_out, n_out, "%s/%s", path, csv);
            return DATASET_STEPLLM;
        }
        sl_err_set(err, SL_ERR_ARG,
                   "%s: neither a synth corpus (manifest.jsonl) nor a folder with one captions CSV (%d found); "
                   "use --csv FILE --steps DIR",
                   path, n_csv);
        return 0;
    }
    if (is_file(path) && (ends_with_ci(path, ".csv") || ends_with_ci(path, ".jsonl"))) {
        snprintf(captions_out, n_out, "%s", path);
        return DATASET_STEPLLM;
    }
    sl_err_set(err, SL_ERR_ARG, "%s: not a corpus directory or a captions file", path);
    return 0;
}
