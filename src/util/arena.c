/* arena.c - bump allocator in a chain of blocks. One arena per document / B-rep;
 * released in one call. Allocation failure returns NULL (never aborts). */
#include "steplm/util.h"

#include <stdlib.h>
#include <string.h>

struct sl_arena_block {
    sl_arena_block *prev;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

void sl_arena_init(sl_arena *a, size_t block_size) {
    memset(a, 0, sizeof *a);
    a->block_size = block_size ? block_size : (size_t)1 << 16;
}

void sl_arena_release(sl_arena *a) {
    sl_arena_block *b = a->head;
    while (b) {
        sl_arena_block *p = b->prev;
        free(b);
        b = p;
    }
    a->head = NULL;
    a->n_bytes = 0;
}

void *sl_arena_alloc(sl_arena *a, size_t n) {
    if (n == 0) n = 1;
    if (n > SIZE_MAX / 2) return NULL;
    n = (n + 15) & ~(size_t)15;
    if (a->cap_bytes && a->n_bytes + n > a->cap_bytes) return NULL;
    sl_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = a->block_size;
        if (size < n) size = n;
        b = malloc(sizeof *b + size);
        if (!b) return NULL;
        b->prev = a->head;
        b->size = size;
        b->used = 0;
        a->head = b;
        /* grow block size geometrically so huge inputs need few blocks */
        if (a->block_size < ((size_t)1 << 26)) a->block_size *= 2;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->n_bytes += n;
    return p;
}

void *sl_arena_calloc(sl_arena *a, size_t n) {
    void *p = sl_arena_alloc(a, n);
    if (p) memset(p, 0, n);
    return p;
}

char *sl_arena_strndup(sl_arena *a, const char *s, size_t n) {
    char *p = sl_arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

sl_arena_mark sl_arena_get_mark(const sl_arena *a) {
    sl_arena_mark m = {a->head, a->head ? a->head->used : 0, a->n_bytes};
    return m;
}

void sl_arena_reset(sl_arena *a, sl_arena_mark m) {
    while (a->head && a->head != m.block) {
        sl_arena_block *p = a->head->prev;
        free(a->head);
        a->head = p;
    }
    if (a->head) a->head->used = m.used;
    a->n_bytes = m.n_bytes;
}
