/* captions.c - caption tables: STEP-LLM's CSV (model_id,isDescribable,description)
 * and a JSONL equivalent. Strings live in the table's arena. Errors name
 * file:line:col of the offending byte (lines count every newline, including
 * those inside quoted fields). */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "steplm/data.h"

#define CSV_MAX_FIELD (1u << 20)
#define CSV_MAX_FIELDS 64

void data_captions_init(data_captions *c) {
    memset(c, 0, sizeof *c);
    sl_arena_init(&c->arena, 1 << 16);
}

void data_captions_release(data_captions *c) {
    free(c->v);
    sl_arena_release(&c->arena);
    memset(c, 0, sizeof *c);
}

static sl_status at(sl_err *err, sl_status st, const char *file, uint32_t line, uint32_t col,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static sl_status at(sl_err *err, sl_status st, const char *file, uint32_t line, uint32_t col,
                    const char *fmt, ...) {
    if (err) {
        memset(err, 0, sizeof *err);
        if (file) snprintf(err->file, sizeof err->file, "%s", file);
        else snprintf(err->file, sizeof err->file, "<captions>");
        err->line = line;
        err->col = col;
    }
    va_list ap;
    va_start(ap, fmt);
    sl_err_setv(err, st, fmt, ap);
    va_end(ap);
    return st;
}

static int push(data_captions *c, const char *id, size_t n_id, const char *cap, size_t n_cap,
                int describable, uint32_t line) {
    if (sl_grow((void **)&c->v, &c->cap, c->n, sizeof *c->v, 256)) return -1;
    data_caption *r = &c->v[c->n];
    r->id = sl_arena_strndup(&c->arena, id, n_id);
    r->caption = sl_arena_strndup(&c->arena, cap, n_cap);
    if (!r->id || !r->caption) return -1;
    r->describable = describable;
    r->line = line;
    r->split = RETRIEVAL_SPLIT_NONE;
    retrieval_meta_init_unknown(&r->meta);
    c->n++;
    return 0;
}

/* one field: [start, end) into the record's unescape buffer, with its position */
typedef struct csv_field { size_t start, len; uint32_t line, col; } csv_field;

static int parse_bool(const char *s, size_t n, int *v) {
    static const char *const t[] = {"true", "1", "yes"}, *const f[] = {"false", "0", "no"};
    for (int i = 0; i < 3; i++) {
        if (strlen(t[i]) == n && !strncasecmp(s, t[i], n)) { *v = 1; return 0; }
        if (strlen(f[i]) == n && !strncasecmp(s, f[i], n)) { *v = 0; return 0; }
    }
    return -1;
}

sl_status data_captions_read_csv(const char *text, size_t n, const char *file, data_captions *out,
                                 sl_err *err) {
    size_t p = 0;
    uint32_t line = 1, col = 1;
    if (n >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) p = 3;
    sl_buf fb;              /* unescaped fields of the current record */
    sl_buf_init(&fb);
    csv_field f[CSV_MAX_FIELDS];
    int col_id = -1, col_desc = -1, col_desc_ok = -1, n_cols = 0, header = 1;
    sl_status st = SL_OK;
    while (p < n) {
        /* parse one record */
        int nf = 0;
        uint32_t rec_line = line;
        sl_buf_clear(&fb);
        int rec_end = 0;
        while (!rec_end) {
            if (nf == CSV_MAX_FIELDS) {
                st = at(err, SL_ERR_LIMIT, file, line, col, "more than %d fields in a record", CSV_MAX_FIELDS);
                goto done;
            }
            csv_field *fl = &f[nf++];
            fl->start = fb.len;
            fl->line = line;
            fl->col = col;
            if (p < n && text[p] == '"') {
                uint32_t ql = line, qc = col;
                p++; col++;
                for (;;) {
                    if (p >= n) {
                        st = at(err, SL_ERR_SYNTAX, file, ql, qc, "unterminated quoted field");
                        goto done;
                    }
                    char c = text[p];
                    if (c == '"') {
                        if (p + 1 < n && text[p + 1] == '"') {
                            sl_buf_putc(&fb, '"');
                            p += 2; col += 2;
                            continue;
                        }
                        p++; col++;
                        break;
                    }
                    sl_buf_putc(&fb, c);
                    p++;
                    if (c == '\n' || (c == '\r' && !(p < n && text[p] == '\n'))) { line++; col = 1; }
                    else col++;
                }
                if (p < n && text[p] != ',' && text[p] != '\n' && text[p] != '\r') {
                    st = at(err, SL_ERR_SYNTAX, file, line, col,
                            "unexpected character after a closing quote (a quote inside a quoted "
                            "field must be doubled)");
                    goto done;
                }
            } else {
                while (p < n && text[p] != ',' && text[p] != '\n' && text[p] != '\r') {
                    if (text[p] == '"') {
                        st = at(err, SL_ERR_SYNTAX, file, line, col,
                                "quote inside an unquoted field (quote the whole field)");
                        goto done;
                    }
                    sl_buf_putc(&fb, text[p]);
                    p++; col++;
                }
            }
            fl->len = fb.len - fl->start;
            sl_buf_putc(&fb, 0);
            if (fl->len > CSV_MAX_FIELD) {
                st = at(err, SL_ERR_LIMIT, file, fl->line, fl->col, "field longer than %u bytes",
                        CSV_MAX_FIELD);
                goto done;
            }
            if (p < n && text[p] == ',') { p++; col++; continue; }
            /* end of record: newline or end of input */
            if (p < n && text[p] == '\r') p++;
            if (p < n && text[p] == '\n') p++;
            line++; col = 1;
            rec_end = 1;
        }
        if (fb.failed) { st = at(err, SL_ERR_NOMEM, file, rec_line, 1, "out of memory"); goto done; }
        if (nf == 1 && f[0].len == 0) continue;   /* blank line */
        if (header) {
            header = 0;
            n_cols = nf;
            for (int i = 0; i < nf; i++) {
                const char *h = fb.data + f[i].start;
                if (!strcasecmp(h, "model_id")) col_id = i;
                else if (!strcasecmp(h, "description")) col_desc = i;
                else if (!strcasecmp(h, "isDescribable")) col_desc_ok = i;
            }
            if (col_id < 0 || col_desc < 0) {
                st = at(err, SL_ERR_INVALID, file, rec_line, 1,
                        "header must name the columns model_id and description");
                goto done;
            }
            continue;
        }
        if (nf != n_cols) {
            st = at(err, SL_ERR_SYNTAX, file, rec_line, 1, "expected %d fields, found %d", n_cols, nf);
            goto done;
        }
        int ok = 1;
        if (col_desc_ok >= 0 &&
            parse_bool(fb.data + f[col_desc_ok].start, f[col_desc_ok].len, &ok) != 0) {
            st = at(err, SL_ERR_INVALID, file, f[col_desc_ok].line, f[col_desc_ok].col,
                    "isDescribable must be True or False, not '%s'", fb.data + f[col_desc_ok].start);
            goto done;
        }
        if (f[col_id].len == 0) {
            st = at(err, SL_ERR_INVALID, file, f[col_id].line, f[col_id].col, "empty model_id");
            goto done;
        }
        if (push(out, fb.data + f[col_id].start, f[col_id].len, fb.data + f[col_desc].start,
                 f[col_desc].len, ok, rec_line)) {
            st = at(err, SL_ERR_NOMEM, file, rec_line, 1, "out of memory");
            goto done;
        }
    }
    if (header) st = at(err, SL_ERR_INVALID, file, 1, 1, "empty CSV (no header)");
done:
    sl_buf_release(&fb);
    return st;
}

sl_status data_captions_read_jsonl(const char *text, size_t n, const char *file,
                                   data_captions *out, sl_err *err) {
    size_t p = 0;
    uint32_t line = 0;
    while (p < n) {
        size_t e = p;
        while (e < n && text[e] != '\n') e++;
        line++;
        size_t s = p;
        p = e < n ? e + 1 : e;
        while (s < e && (text[s] == ' ' || text[s] == '\t' || text[s] == '\r')) s++;
        if (s == e) continue;
        const char *end = NULL;
        cJSON *o = cJSON_ParseWithLengthOpts(text + s, e - s, &end, 0);
        if (!o || !cJSON_IsObject(o)) {
            size_t lstart = s;
            while (lstart > 0 && text[lstart - 1] != '\n') lstart--;
            uint32_t c = 1;
            if (end && end >= text + s && end <= text + e) c = (uint32_t)(end - (text + lstart)) + 1;
            else c = (uint32_t)(s - lstart) + 1;
            cJSON_Delete(o);
            return at(err, SL_ERR_SYNTAX, file, line, c, "not a JSON object");
        }
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
        if (!id) id = cJSON_GetObjectItemCaseSensitive(o, "model_id");
        const cJSON *cap = cJSON_GetObjectItemCaseSensitive(o, "caption");
        if (!cap) cap = cJSON_GetObjectItemCaseSensitive(o, "description");
        const cJSON *ok = cJSON_GetObjectItemCaseSensitive(o, "isDescribable");
        if (!cJSON_IsString(id) || !id->valuestring[0] || !cJSON_IsString(cap)) {
            cJSON_Delete(o);
            return at(err, SL_ERR_INVALID, file, line, 1,
                      "record needs string fields \"id\" and \"caption\"");
        }
        int d = ok ? cJSON_IsTrue(ok) : 1;
        int r = push(out, id->valuestring, strlen(id->valuestring), cap->valuestring,
                     strlen(cap->valuestring), d, line);
        if (r) {
            cJSON_Delete(o);
            return at(err, SL_ERR_NOMEM, file, line, 1, "out of memory");
        }
        data_caption *dc = &out->v[out->n - 1];
        const char *bad = NULL;
        const cJSON *sp = cJSON_GetObjectItemCaseSensitive(o, "split");
        if (sp) {
            int sv = cJSON_IsString(sp) ? retrieval_split_parse(sp->valuestring) : -1;
            if (sv < 0) bad = "\"split\" must be \"train\", \"val\", \"test\" or \"none\"";
            else dc->split = sv;
        }
        const cJSON *bb = cJSON_GetObjectItemCaseSensitive(o, "bbox_mm");
        if (bb) {
            if (!cJSON_IsArray(bb) || cJSON_GetArraySize(bb) != 3) bad = "\"bbox_mm\" must be [x, y, z]";
            for (int i = 0; !bad && i < 3; i++) {
                const cJSON *x = cJSON_GetArrayItem(bb, i);
                if (!cJSON_IsNumber(x) || !(x->valuedouble >= 0)) bad = "\"bbox_mm\" must hold numbers >= 0";
                else dc->meta.bbox_mm[i] = (float)x->valuedouble;
            }
        }
        const cJSON *dm = cJSON_GetObjectItemCaseSensitive(o, "dims_mm");
        if (dm && !bad) {
            if (!cJSON_IsArray(dm) || cJSON_GetArraySize(dm) > RETRIEVAL_META_DIMS)
                bad = "\"dims_mm\" must be an array of at most 6 numbers";
            for (int i = 0; !bad && i < cJSON_GetArraySize(dm); i++) {
                const cJSON *x = cJSON_GetArrayItem(dm, i);
                if (!cJSON_IsNumber(x) || !(x->valuedouble > 0)) bad = "\"dims_mm\" must hold numbers > 0";
                else dc->meta.dims_mm[dc->meta.n_dims++] = (float)x->valuedouble;
            }
        }
        const cJSON *nh = cJSON_GetObjectItemCaseSensitive(o, "n_holes");
        if (nh && !bad) {
            if (!cJSON_IsNumber(nh) || nh->valuedouble < 0 || nh->valuedouble > 1e6 ||
                nh->valuedouble != (double)(int)nh->valuedouble)
                bad = "\"n_holes\" must be an integer >= 0";
            else dc->meta.n_holes = (int)nh->valuedouble;
        }
        cJSON_Delete(o);
        if (bad) return at(err, SL_ERR_INVALID, file, line, 1, "%s", bad);
    }
    return SL_OK;
}

sl_status data_captions_read_file(const char *path, data_captions *out, sl_err *err) {
    char *data = NULL;
    size_t n = 0;
    sl_status st = sl_file_read(path, &data, &n, 0, err);
    if (st) {
        if (err && !err->file[0]) snprintf(err->file, sizeof err->file, "%s", path);
        return st;
    }
    size_t lp = strlen(path);
    int jsonl = (lp >= 6 && !strcasecmp(path + lp - 6, ".jsonl")) ||
                (lp >= 5 && !strcasecmp(path + lp - 5, ".json"));
    st = jsonl ? data_captions_read_jsonl(data, n, path, out, err)
               : data_captions_read_csv(data, n, path, out, err);
    free(data);
    return st;
}
