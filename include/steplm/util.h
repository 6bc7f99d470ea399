/* steplm/util.h - small shared building blocks: status codes, diagnostics,
 * an arena allocator, a growable byte buffer, whole-file read and atomic write.
 *
 * Nothing here prints or exits. Functions that can fail return an sl_status
 * and, where a caller passes an sl_err, fill it with a message that says
 * where and what (file:line:col when the error has a position).
 * No global mutable state. */
#ifndef STEPLM_UTIL_H
#define STEPLM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

typedef enum sl_status {
    SL_OK = 0,
    SL_ERR_NOMEM,     /* allocation failed or a hard cap was reached */
    SL_ERR_IO,        /* file could not be opened, read or written */
    SL_ERR_SYNTAX,    /* input text is malformed */
    SL_ERR_INVALID,   /* input parsed but violates a rule (schema, geometry, ...) */
    SL_ERR_LIMIT,     /* input exceeds a configured limit (size, depth, count) */
    SL_ERR_ARG,       /* caller passed an invalid argument */
    SL_ERR_UNSUPPORTED
} sl_status;

const char *sl_status_str(sl_status s);

/* A located error message. file may be NULL; line/col are 1-based, 0 = unknown. */
typedef struct sl_err {
    sl_status status;
    char file[256];
    uint32_t line, col;
    uint64_t id;         /* entity #id the error belongs to, 0 = none */
    char msg[512];
} sl_err;

/* Fill *err (if non-NULL) and return status. printf-style message. */
sl_status sl_err_set(sl_err *err, sl_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
sl_status sl_err_setv(sl_err *err, sl_status status, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* Format as "file:line:col: error: msg" (parts that are unknown are left out). */
void sl_err_format(const sl_err *err, char *out, size_t n_out);

/* ---- arena: bump allocator in chained blocks, freed at once ------------- */
typedef struct sl_arena_block sl_arena_block;
typedef struct sl_arena {
    sl_arena_block *head;
    size_t block_size;      /* default size of new blocks */
    size_t n_bytes;         /* total bytes handed out */
    size_t cap_bytes;       /* hard cap on n_bytes, 0 = none */
} sl_arena;

void sl_arena_init(sl_arena *a, size_t block_size);
void sl_arena_release(sl_arena *a);
/* Returns NULL when out of memory or over the cap. Memory is 16-byte aligned. */
void *sl_arena_alloc(sl_arena *a, size_t n);
void *sl_arena_calloc(sl_arena *a, size_t n);
char *sl_arena_strndup(sl_arena *a, const char *s, size_t n);
/* mark/reset for scratch use: everything allocated after the mark is dropped. */
typedef struct sl_arena_mark { sl_arena_block *block; size_t used; size_t n_bytes; } sl_arena_mark;
sl_arena_mark sl_arena_get_mark(const sl_arena *a);
void sl_arena_reset(sl_arena *a, sl_arena_mark m);

/* ---- growable arrays ------------------------------------------------------ */
/* Make room in array *p (elements of elem bytes, capacity *cap) for element
 * index n: when n >= *cap the capacity doubles (or becomes first). 0 on
 * success; -1 on overflow or out of memory, leaving *p and *cap as they were. */
int sl_grow(void **p, size_t *cap, size_t n, size_t elem, size_t first);

/* ---- growable byte buffer, always NUL-terminated ------------------------ */
typedef struct sl_buf {
    char *data;
    size_t len, cap;
    int failed;             /* sticky: an allocation failed, contents truncated */
} sl_buf;

void sl_buf_init(sl_buf *b);
void sl_buf_release(sl_buf *b);
void sl_buf_clear(sl_buf *b);
int sl_buf_reserve(sl_buf *b, size_t extra);       /* 0 on success */
void sl_buf_append(sl_buf *b, const void *p, size_t n);
void sl_buf_puts(sl_buf *b, const char *s);
void sl_buf_putc(sl_buf *b, char c);
void sl_buf_printf(sl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal (with quotes), escaping as needed. */
void sl_buf_json_str(sl_buf *b, const char *s, size_t n);

/* ---- files -------------------------------------------------------------- */
/* Read a whole file into a malloc'd buffer with a NUL after the last byte.
 * Caller frees *data with free(). max_bytes = 0 means no limit. */
sl_status sl_file_read(const char *path, char **data, size_t *n, size_t max_bytes, sl_err *err);
/* Write bytes to path atomically: a temp file in the same directory, then
 * rename (no fsync). On failure nothing is left at path (an old file stays
 * untouched). A path that exists and is not a regular file (/dev/null, a FIFO)
 * is written in place, never replaced. */
sl_status sl_file_write_atomic(const char *path, const void *data, size_t n, sl_err *err);

/* ---- misc --------------------------------------------------------------- */
double sl_time_sec(void);                 /* monotonic clock, seconds */
uint64_t sl_hash64(const void *p, size_t n);   /* FNV-1a 64 */
/* splitmix64 / xoshiro256** generator; state passed in, never global. */
typedef struct sl_rng { uint64_t s[4]; } sl_rng;
void sl_rng_seed(sl_rng *r, uint64_t seed);
uint64_t sl_rng_next(sl_rng *r);
double sl_rng_uniform(sl_rng *r);        /* [0, 1) */

#endif
