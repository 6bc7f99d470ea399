/* corpus.h - iterate over ../shared/data/step/real/manifest.csv rows (for tests).
 * Header-only; a row gives the path and a few columns by name. */
#ifndef STEPLM_TEST_CORPUS_H
#define STEPLM_TEST_CORPUS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CORPUS_DIR "../shared/data/step/real"
#define CORPUS_MAX_COLS 64

typedef struct corpus_row {
    int n;
    char *col[CORPUS_MAX_COLS];
} corpus_row;

typedef struct corpus {
    FILE *f;
    char header_buf[4096];
    corpus_row header;
    char line[1 << 16];
} corpus;

/* split one CSV line in place (RFC 4180 quotes) */
static inline void corpus_split(char *s, corpus_row *r) {
    r->n = 0;
    while (*s && r->n < CORPUS_MAX_COLS) {
        char *out = s, *start = s;
        if (*s == '"') {
            s++;
            for (;;) {
                if (*s == '"' && s[1] == '"') { *out++ = '"'; s += 2; }
                else if (*s == '"') { s++; break; }
                else if (!*s) break;
                else *out++ = *s++;
            }
            while (*s && *s != ',') s++;
        } else {
            while (*s && *s != ',' && *s != '\n' && *s != '\r') *out++ = *s++;
        }
        int end = !*s || *s == '\n' || *s == '\r';
        if (*s) s++;
        *out = 0;
        r->col[r->n++] = start;
        if (end) break;
    }
}

static inline int corpus_open(corpus *c) {
    c->f = fopen(CORPUS_DIR "/manifest.csv", "r");
    if (!c->f || !fgets(c->header_buf, sizeof c->header_buf, c->f)) return -1;
    corpus_split(c->header_buf, &c->header);
    return 0;
}

static inline int corpus_next(corpus *c, corpus_row *r) {
    if (!fgets(c->line, sizeof c->line, c->f)) return 0;
    corpus_split(c->line, r);
    return 1;
}

static inline const char *corpus_get(const corpus *c, const corpus_row *r, const char *name) {
    for (int i = 0; i < c->header.n && i < r->n; i++)
        if (!strcmp(c->header.col[i], name)) return r->col[i];
    return "";
}

static inline void corpus_close(corpus *c) { if (c->f) fclose(c->f); }

#endif
