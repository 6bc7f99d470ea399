/* retrieval_internal.h - pieces shared by the retrieval sources (not public). */
#ifndef STEPLM_RETRIEVAL_INTERNAL_H
#define STEPLM_RETRIEVAL_INTERNAL_H

#include "steplm/retrieval.h"

/* Bump whenever normalisation, caption hashes or BM25 terms change: stored
 * hashes and postings would no longer match queries. Index files record it. */
#define RETR_NORM_VERSION 1u

/* Captions longer than this many tokens are cut (captions are 2..30 words). */
#define RETR_MAX_TOKENS 512

typedef struct retr_tok {
    char text[RETRIEVAL_MAX_TOKEN];
    double len_mm;      /* > 0 for a length quantity, else 0 */
} retr_tok;

/* Normalised tokens of text (rule in retrieval.h). Returns the count (<= max). */
int retr_tokenize(const char *text, retr_tok *toks, int max);

uint64_t retr_hash_bytes(const void *p, size_t n, uint64_t seed);
uint64_t retr_mix64(uint64_t x);

/* The index, in memory or mapped from a file. Arrays point either into heap
 * blocks owned by the index or into the mapping. */
typedef struct retr_post { uint32_t doc, tf; } retr_post;

struct retrieval_index {
    uint64_t n;                  /* entries */
    unsigned kinds;
    uint32_t dim;
    char embed_name[64];
    float k1, b, avgdl;
    /* strings: offsets (n+1) into a byte pool; each string is NUL-terminated */
    const uint64_t *id_off; const char *id_pool;
    const uint64_t *cap_off; const char *cap_pool;
    const uint8_t *split;        /* (n) */
    const uint64_t *cap_hash;    /* (n) */
    const retrieval_meta *meta;  /* (n) */
    /* id lookup: open addressing, n_id_slots power of two, slot = entry+1, 0 empty */
    uint64_t n_id_slots; const uint32_t *id_slots;
    /* BM25 */
    uint64_t n_terms;
    const uint64_t *term_off; const char *term_pool;   /* term strings (n_terms+1) */
    const uint64_t *post_off;                          /* (n_terms+1) into post */
    const retr_post *post;
    const uint32_t *doc_len;                           /* (n) tokens per entry */
    uint64_t n_term_slots; const uint32_t *term_slots; /* slot = term+1, 0 empty */
    /* dense */
    const float *vec;            /* (n, dim), unit length */
    const int8_t *qvec;          /* (n, dim) */
    const float *qscale;         /* (n): vec ~= qvec * qscale */
    /* ownership */
    void *map; size_t map_len;   /* mmap'd file, or NULL */
    void **owned; int n_owned;   /* heap blocks to free */
};

void retr_unmap(void *p, size_t n);

#endif
