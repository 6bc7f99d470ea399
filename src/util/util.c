/* util.c - status strings, located errors, byte buffers, files, clock, rng.
 * The arena lives in arena.c. */
#include "steplm/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *sl_status_str(sl_status s) {
    switch (s) {
    case SL_OK: return "ok";
    case SL_ERR_NOMEM: return "out of memory";
    case SL_ERR_IO: return "i/o error";
    case SL_ERR_SYNTAX: return "syntax error";
    case SL_ERR_INVALID: return "invalid input";
    case SL_ERR_LIMIT: return "limit exceeded";
    case SL_ERR_ARG: return "invalid argument";
    case SL_ERR_UNSUPPORTED: return "unsupported";
    }
    return "unknown status";
}

sl_status sl_err_setv(sl_err *err, sl_status status, const char *fmt, va_list ap) {
    if (err) {
        err->status = status;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    }
    return status;
}

sl_status sl_err_set(sl_err *err, sl_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sl_err_setv(err, status, fmt, ap);
    va_end(ap);
    return status;
}

void sl_err_format(const sl_err *err, char *out, size_t n_out) {
    if (!n_out) return;
    const char *f = err->file[0] ? err->file : NULL;
    if (f && err->line && err->col)
        snprintf(out, n_out, "%s:%u:%u: error: %s", f, err->line, err->col, err->msg);
    else if (f && err->line)
        snprintf(out, n_out, "%s:%u: error: %s", f, err->line, err->msg);
    else if (f)
        snprintf(out, n_out, "%s: error: %s", f, err->msg);
    else
        snprintf(out, n_out, "error: %s", err->msg);
}

/* ---- buffer ----------------------------------------------------------- */
void sl_buf_init(sl_buf *b) { memset(b, 0, sizeof *b); }

int sl_grow(void **p, size_t *cap, size_t n, size_t elem, size_t first) {
    if (n < *cap) return 0;
    size_t nc = *cap ? *cap : (first ? first : 1);
    while (nc <= n) {
        if (nc > SIZE_MAX / 2) return -1;
        nc *= 2;
    }
    if (elem && nc > SIZE_MAX / elem) return -1;
    void *q = realloc(*p, nc * elem);
    if (!q) return -1;
    *p = q;
    *cap = nc;
    return 0;
}

void sl_buf_release(sl_buf *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

void sl_buf_clear(sl_buf *b) {
    b->len = 0;
    if (b->data) b->data[0] = 0;
}

int sl_buf_reserve(sl_buf *b, size_t extra) {
    if (b->failed) return -1;
    if (extra > SIZE_MAX / 2 - b->len) { b->failed = 1; return -1; }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) { b->failed = 1; return -1; }
    b->data = p;
    b->cap = cap;
    return 0;
}

void sl_buf_append(sl_buf *b, const void *p, size_t n) {
    if (sl_buf_reserve(b, n)) return;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

void sl_buf_puts(sl_buf *b, const char *s) { sl_buf_append(b, s, strlen(s)); }

void sl_buf_putc(sl_buf *b, char c) {
    if (b->len + 1 < b->cap) {
        b->data[b->len++] = c;
        b->data[b->len] = 0;
        return;
    }
    sl_buf_append(b, &c, 1);
}

void sl_buf_printf(sl_buf *b, const char *fmt, ...) {
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) { b->failed = 1; return; }
    if ((size_t)n < sizeof tmp) { sl_buf_append(b, tmp, (size_t)n); return; }
    if (sl_buf_reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sl_buf_json_str(sl_buf *b, const char *s, size_t n) {
    /* runs of bytes that need no escape are copied at once: records carry whole
     * STEP files, so this is a hot loop */
    sl_buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) continue;
        sl_buf_append(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': sl_buf_puts(b, "\\\""); break;
        case '\\': sl_buf_puts(b, "\\\\"); break;
        case '\n': sl_buf_puts(b, "\\n"); break;
        case '\r': sl_buf_puts(b, "\\r"); break;
        case '\t': sl_buf_puts(b, "\\t"); break;
        default: sl_buf_printf(b, "\\u%04x", c);
        }
    }
    sl_buf_append(b, s + run, n - run);
    sl_buf_putc(b, '"');
}

/* ---- files ------------------------------------------------------------ */
sl_status sl_file_read(const char *path, char **data, size_t *n, size_t max_bytes, sl_err *err) {
    *data = NULL;
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return sl_err_set(err, SL_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return sl_err_set(err, SL_ERR_IO, "'%s' is a directory", path);
    }
    size_t cap = (st.st_size > 0 && S_ISREG(st.st_mode)) ? (size_t)st.st_size + 1 : 65536;
    if (max_bytes && cap > max_bytes + 1) {
        fclose(f);
        return sl_err_set(err, SL_ERR_LIMIT, "'%s' is larger than the limit of %zu bytes", path, max_bytes);
    }
    char *buf = malloc(cap);
    if (!buf) { fclose(f); return sl_err_set(err, SL_ERR_NOMEM, "out of memory reading '%s'", path); }
    size_t len = 0;
    for (;;) {
        if (len + 1 >= cap) {
            if (max_bytes && len >= max_bytes) {
                free(buf); fclose(f);
                return sl_err_set(err, SL_ERR_LIMIT, "'%s' is larger than the limit of %zu bytes", path, max_bytes);
            }
            size_t ncap = cap * 2;
            char *nb = realloc(buf, ncap);
            if (!nb) { free(buf); fclose(f); return sl_err_set(err, SL_ERR_NOMEM, "out of memory reading '%s'", path); }
            buf = nb; cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - 1 - len, f);
        len += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) { free(buf); return sl_err_set(err, SL_ERR_IO, "error reading '%s'", path); }
    buf[len] = 0;
    *data = buf;
    *n = len;
    return SL_OK;
}

/* write all of data to an open fd; 0 or errno */
static int write_all(int fd, const void *data, size_t n) {
    const char *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

sl_status sl_file_write_atomic(const char *path, const void *data, size_t n, sl_err *err) {
    /* An existing path that is not a regular file (/dev/null, a FIFO, a terminal)
     * is written in place: renaming a temp file over it would replace the device
     * node with a regular file (this happened to /dev/null). */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) return sl_err_set(err, SL_ERR_IO, "cannot write '%s': is a directory", path);
        int fd = open(path, O_WRONLY);
        if (fd < 0) return sl_err_set(err, SL_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
        int e = write_all(fd, data, n);
        if (close(fd) != 0 && !e) e = errno;
        if (e) return sl_err_set(err, SL_ERR_IO, "cannot write '%s': %s", path, strerror(e));
        return SL_OK;
    }
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 32);
    if (!tmp) return sl_err_set(err, SL_ERR_NOMEM, "out of memory");
    snprintf(tmp, pl + 32, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        sl_status s = sl_err_set(err, SL_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
        free(tmp);
        return s;
    }
    const char *p = data;
    size_t left = n;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd); unlink(tmp);
            sl_status s = sl_err_set(err, SL_ERR_IO, "cannot write '%s': %s", path, strerror(e));
            free(tmp);
            return s;
        }
        p += w;
        left -= (size_t)w;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        sl_status s = sl_err_set(err, SL_ERR_IO, "cannot write '%s': %s", path, strerror(e));
        free(tmp);
        return s;
    }
    free(tmp);
    return SL_OK;
}

double sl_time_sec(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

uint64_t sl_hash64(const void *p, size_t n) {
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) { h ^= s[i]; h *= 1099511628211ull; }
    return h;
}

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void sl_rng_seed(sl_rng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t sl_rng_next(sl_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double sl_rng_uniform(sl_rng *r) { return (double)(sl_rng_next(r) >> 11) * 0x1.0p-53; }
