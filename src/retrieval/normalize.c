/* normalize.c - caption normalisation, stated sizes and hole counts, and the
 * baseline hashed n-gram embedding. The rule is documented in retrieval.h.
 * Pure functions of their input: no state, no heap allocation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retrieval_internal.h"

uint64_t retr_mix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

uint64_t retr_hash_bytes(const void *p, size_t n, uint64_t seed) {
    const unsigned char *s = p;
    uint64_t h = 0xCBF29CE484222325ull ^ retr_mix64(seed);
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001B3ull;
    }
    return retr_mix64(h);
}

/* ---- lexer: words, numbers, and the symbols that matter for units -------- */
enum { RAW_WORD, RAW_NUM, RAW_SYM };
typedef struct raw_tok {
    int type;
    double value;                       /* RAW_NUM */
    char text[RETRIEVAL_MAX_TOKEN];     /* lower-case word, or symbol: " * x deg */
} raw_tok;

static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(int c) { return c >= '0' && c <= '9'; }

static int lex(const char *s, raw_tok *out, int max) {
    int n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p && n < max) {
        raw_tok *t = &out[n];
        if (is_alpha(*p)) {
            size_t k = 0;
            while (is_alpha(*p)) {
                if (k + 1 < sizeof t->text) t->text[k++] = (char)(*p | 0x20);
                p++;
            }
            t->text[k] = 0;
            t->type = RAW_WORD;
            n++;
        } else if (is_digit(*p)) {
            char num[64];
            size_t k = 0;
            while (is_digit(*p) || (*p == '.' && is_digit(p[1]) && !memchr(num, '.', k))) {
                if (k + 1 < sizeof num) num[k++] = (char)*p;
                p++;
            }
            num[k] = 0;
            t->type = RAW_NUM;
            t->value = strtod(num, NULL);
            snprintf(t->text, sizeof t->text, "%s", num);
            n++;
        } else if (*p == '"' || *p == '*') {
            t->type = RAW_SYM;
            t->text[0] = (char)*p;
            t->text[1] = 0;
            p++;
            n++;
        } else if (p[0] == 0xC2 && p[1] == 0xB0) {          /* U+00B0 degree sign */
            t->type = RAW_SYM;
            strcpy(t->text, "deg");
            p += 2;
            n++;
        } else if (p[0] == 0xC3 && p[1] == 0x97) {          /* U+00D7 multiplication sign */
            t->type = RAW_WORD;
            strcpy(t->text, "x");
            p += 2;
            n++;
        } else {
            p++;
        }
    }
    return n;
}

/* Unit of a raw token: mm per unit for lengths, or -1 for an angle, 0 none. */
static double unit_scale(const raw_tok *t) {
    static const struct { const char *w; double mm; } units[] = {
        {"mm", 1}, {"millimeter", 1}, {"millimeters", 1}, {"millimetre", 1}, {"millimetres", 1},
        {"cm", 10}, {"centimeter", 10}, {"centimeters", 10}, {"centimetre", 10},
        {"centimetres", 10}, {"m", 1000}, {"meter", 1000}, {"meters", 1000}, {"metre", 1000},
        {"metres", 1000}, {"in", 25.4}, {"inch", 25.4}, {"inches", 25.4}, {"\"", 25.4},
        {"ft", 304.8}, {"foot", 304.8}, {"feet", 304.8},
        {"deg", -1}, {"degree", -1}, {"degrees", -1},
    };
    if (t->type == RAW_NUM) return 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (!strcmp(t->text, units[i].w)) return units[i].mm;
    return 0;
}

static int is_chain_word(const raw_tok *t) {
    return (t->type == RAW_WORD && (!strcmp(t->text, "x") || !strcmp(t->text, "by"))) ||
           (t->type == RAW_SYM && !strcmp(t->text, "*"));
}

/* Round to 3 significant digits and print without trailing zeros. */
static void fmt_value(double v, const char *suffix, char *out, size_t n_out) {
    char num[48];
    if (!(v > 0) || !isfinite(v)) {
        snprintf(out, n_out, "0%s", suffix);
        return;
    }
    int d = 2 - (int)floor(log10(v));
    double scale = pow(10.0, d);
    double r = round(v * scale) / scale;
    if (r >= 1e15) {
        snprintf(num, sizeof num, "%.3g", r);
    } else {
        snprintf(num, sizeof num, "%.*f", d > 0 ? d : 0, r);
        if (strchr(num, '.')) {
            size_t k = strlen(num);
            while (k > 0 && num[k - 1] == '0') num[--k] = 0;
            if (k > 0 && num[k - 1] == '.') num[--k] = 0;
        }
    }
    snprintf(out, n_out, "%s%s", num, suffix);
}

static void stem_word(char *w) {
    size_t n = strlen(w);
    if (n <= 3 || w[n - 1] != 's') return;
    if (w[n - 2] == 's' || w[n - 2] == 'u' || w[n - 2] == 'i') return;
    if (n > 4 && w[n - 2] == 'e' &&
        (w[n - 3] == 'x' || (w[n - 3] == 'h' && (w[n - 4] == 'c' || w[n - 4] == 's')))) {
        w[n - 2] = 0;
        return;
    }
    w[n - 1] = 0;
}

int retr_tokenize(const char *text, retr_tok *toks, int max) {
    raw_tok raw[RETR_MAX_TOKENS];
    int n_raw = lex(text ? text : "", raw, RETR_MAX_TOKENS);
    int n = 0;
    for (int i = 0; i < n_raw && n < max; i++) {
        raw_tok *t = &raw[i];
        if (t->type == RAW_NUM) {
            int j = i;   /* last number of the chain starting at i */
            while (j + 2 < n_raw && is_chain_word(&raw[j + 1]) && raw[j + 2].type == RAW_NUM) j += 2;
            double u = j + 1 < n_raw ? unit_scale(&raw[j + 1]) : 0;
            if (u != 0) {
                for (int q = i; q <= j && n < max; q += 2) {
                    double v = raw[q].value * (u > 0 ? u : 1);
                    fmt_value(v, u > 0 ? "mm" : "deg", toks[n].text, sizeof toks[n].text);
                    toks[n].len_mm = u > 0 ? strtod(toks[n].text, NULL) : 0;
                    n++;
                }
                i = j + 1;   /* skip the unit */
            } else {
                fmt_value(t->value, "", toks[n].text, sizeof toks[n].text);
                toks[n].len_mm = 0;
                n++;
            }
        } else if (t->type == RAW_WORD) {
            snprintf(toks[n].text, sizeof toks[n].text, "%s", t->text);
            stem_word(toks[n].text);
            toks[n].len_mm = 0;
            n++;
        }
        /* unconsumed symbols are dropped */
    }
    return n;
}

size_t retrieval_normalize_caption(const char *text, char *out, size_t n_out) {
    retr_tok toks[RETR_MAX_TOKENS];
    int n = retr_tokenize(text, toks, RETR_MAX_TOKENS);
    size_t need = 0, w = 0;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(toks[i].text);
        size_t add = l + (i > 0);
        if (out && n_out && w == need && w + add < n_out) {
            if (i > 0) out[w++] = ' ';
            memcpy(out + w, toks[i].text, l);
            w += l;
        }
        need += add;
    }
    if (out && n_out) out[w] = 0;
    return need;
}

uint64_t retrieval_caption_hash(const char *text) {
    retr_tok toks[RETR_MAX_TOKENS];
    int n = retr_tokenize(text, toks, RETR_MAX_TOKENS);
    uint64_t h = retr_hash_bytes("", 0, 0x5EED);
    for (int i = 0; i < n; i++)
        h = retr_hash_bytes(toks[i].text, strlen(toks[i].text), h);
    return h ? h : 1;
}

int retrieval_caption_lengths_mm(const char *text, double *lengths_mm, int max) {
    retr_tok toks[RETR_MAX_TOKENS];
    int n = retr_tokenize(text, toks, RETR_MAX_TOKENS), k = 0;
    for (int i = 0; i < n && k < max; i++)
        if (toks[i].len_mm > 0) lengths_mm[k++] = toks[i].len_mm;
    return k;
}

static int count_word(const char *w) {
    static const char *const words[] = {"zero", "one", "two", "three", "four", "five", "six",
                                        "seven", "eight", "nine", "ten", "eleven", "twelve"};
    for (int i = 0; i < 13; i++)
        if (!strcmp(w, words[i])) return i;
    if (!strcmp(w, "a") || !strcmp(w, "an") || !strcmp(w, "single")) return 1;
    if (!strcmp(w, "pair")) return 2;
    return -1;
}

static int is_count_stop(const char *w) {
    static const char *const stop[] = {"with", "and", "or", "of", "in", "on", "for", "to", "has",
                                       "have", "multiple", "several", "many", "various", "some",
                                       "numerous", "hole", "the", "at", "through"};
    for (size_t i = 0; i < sizeof stop / sizeof stop[0]; i++)
        if (!strcmp(w, stop[i])) return 1;
    return 0;
}

int retrieval_caption_hole_count(const char *text) {
    retr_tok toks[RETR_MAX_TOKENS];
    int n = retr_tokenize(text, toks, RETR_MAX_TOKENS);
    int total = 0, found = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(toks[i].text, "hole")) continue;
        int count = -1;
        for (int j = i - 1; j >= 0 && j >= i - 3; j--) {
            const char *w = toks[j].text;
            char *end;
            long v = strtol(w, &end, 10);
            if (*end == 0 && end != w && v >= 0 && v <= 100000) { count = (int)v; break; }
            int c = count_word(w);
            if (c >= 0) { count = c; break; }
            if (is_count_stop(w)) break;
        }
        if (count < 0) return -1;   /* "holes" without a number: unknown */
        total += count;
        found = 1;
    }
    return found ? total : -1;
}

void retrieval_meta_init_unknown(retrieval_meta *m) {
    memset(m, 0, sizeof *m);
    m->n_holes = -1;
}

double retrieval_meta_misfit(const retrieval_meta *m, const double *lengths_mm, int n_lengths,
                             int n_holes) {
    const double cap = log(4.0);
    double sum = 0;
    int n_used = 0;
    float vals[3 + RETRIEVAL_META_DIMS];
    int n_vals = 0;
    for (int i = 0; i < 3; i++)
        if (m->bbox_mm[i] > 0) vals[n_vals++] = m->bbox_mm[i];
    for (int i = 0; i < m->n_dims && i < RETRIEVAL_META_DIMS; i++)
        if (m->dims_mm[i] > 0) vals[n_vals++] = m->dims_mm[i];
    if (n_vals > 0) {
        for (int j = 0; j < n_lengths; j++) {
            if (!(lengths_mm[j] > 0)) continue;
            double best = cap;
            for (int v = 0; v < n_vals; v++) {
                double e = fabs(log(lengths_mm[j] / vals[v]));
                if (e < best) best = e;
            }
            sum += best;
            n_used++;
        }
    }
    double misfit = n_used ? sum / n_used : 0;
    int hole_known = n_holes >= 0 && m->n_holes >= 0;
    if (hole_known && n_holes != m->n_holes) misfit += 0.5;
    if (!n_used && !hole_known) return -1;
    return misfit;
}

int retrieval_embed_hash_ngram(void *ctx, const char *text, float *out, int dim) {
    (void)ctx;
    if (!out || dim <= 0) return -1;
    retr_tok toks[RETR_MAX_TOKENS];
    int n = retr_tokenize(text, toks, RETR_MAX_TOKENS);
    memset(out, 0, (size_t)dim * sizeof *out);
    for (int i = 0; i < n; i++) {
        const char *w = toks[i].text;
        size_t l = strlen(w);
        uint64_t h = retr_hash_bytes(w, l, 0x70CE);
        out[h % (uint64_t)dim] += (h >> 63) ? -2.0f : 2.0f;
        /* character 3-grams of "<w>" with boundary marks */
        char pad[RETRIEVAL_MAX_TOKEN + 2];
        pad[0] = '<';
        memcpy(pad + 1, w, l);
        pad[l + 1] = '>';
        for (size_t s = 0; s + 3 <= l + 2; s++) {
            uint64_t g = retr_hash_bytes(pad + s, 3, 0x3647);
            out[g % (uint64_t)dim] += (g >> 63) ? -1.0f : 1.0f;
        }
    }
    double ss = 0;
    for (int i = 0; i < dim; i++) ss += (double)out[i] * out[i];
    if (ss > 0) {
        float inv = (float)(1.0 / sqrt(ss));
        for (int i = 0; i < dim; i++) out[i] *= inv;
    }
    return 0;
}

const char *retrieval_split_name(int split) {
    switch (split) {
    case RETRIEVAL_SPLIT_TRAIN: return "train";
    case RETRIEVAL_SPLIT_VAL: return "val";
    case RETRIEVAL_SPLIT_TEST: return "test";
    default: return "none";
    }
}

int retrieval_split_parse(const char *name) {
    if (!name) return -1;
    if (!strcmp(name, "train")) return RETRIEVAL_SPLIT_TRAIN;
    if (!strcmp(name, "val")) return RETRIEVAL_SPLIT_VAL;
    if (!strcmp(name, "test")) return RETRIEVAL_SPLIT_TEST;
    if (!strcmp(name, "none")) return RETRIEVAL_SPLIT_NONE;
    return -1;
}
