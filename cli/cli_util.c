/* cli_util.c - helpers shared by the subcommands: usage errors, progress, file lists. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int cli_wants_help(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return 1;
    return 0;
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "steplm %s: error: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'steplm %s --help')\n", cmd);
    return CLI_USAGE;
}

void cli_print_err(const sl_err *err) {
    char line[1024];
    sl_err_format(err, line, sizeof line);
    fprintf(stderr, "%s\n", line);
}

void cli_progress(const char *what, size_t done, size_t total, double t0) {
    if (!isatty(2) || total == 0) return;
    double el = sl_time_sec() - t0;
    double eta = done ? el * (double)(total - done) / (double)done : 0;
    int w = 30, fill = (int)((double)w * (double)done / (double)total);
    fprintf(stderr, "\r%s [", what);
    for (int i = 0; i < w; i++) fputc(i < fill ? '#' : '.', stderr);
    fprintf(stderr, "] %zu/%zu  %.1fs  eta %.1fs ", done, total, el, eta);
    if (done >= total) fputc('\n', stderr);
    fflush(stderr);
}

int cli_parse_long(const char *s, long lo, long hi, long *v) {
    char *end;
    errno = 0;
    long x = s ? strtol(s, &end, 10) : 0;
    if (!s || end == s || *end || errno || x < lo || x > hi) return -1;
    *v = x;
    return 0;
}

int cli_parse_double(const char *s, double lo, double hi, double *v) {
    char *end;
    errno = 0;
    double x = s ? strtod(s, &end) : 0;
    if (!s || end == s || *end || errno || !isfinite(x) || x < lo || x > hi) return -1;
    *v = x;
    return 0;
}

int cli_parse_shard(const char *s, unsigned *i, unsigned *n) {
    char *end;
    unsigned long a = strtoul(s, &end, 10);
    if (end == s || *end != '/') return -1;
    const char *p = end + 1;
    unsigned long b = strtoul(p, &end, 10);
    if (end == p || *end || b == 0 || a >= b || b > 1000000) return -1;
    *i = (unsigned)a;
    *n = (unsigned)b;
    return 0;
}

typedef struct { char **v; long n, cap; } strvec;

static int vec_push(strvec *sv, const char *s) {
    if (sv->n == sv->cap) {
        long nc = sv->cap ? sv->cap * 2 : 64;
        char **nv = realloc(sv->v, (size_t)nc * sizeof *nv);
        if (!nv) return -1;
        sv->v = nv;
        sv->cap = nc;
    }
    sv->v[sv->n] = strdup(s);
    return sv->v[sv->n++] ? 0 : -1;
}

static int has_ext(const char *name, const char *const *exts) {
    if (!exts) return 1;
    size_t ln = strlen(name);
    for (; *exts; exts++) {
        size_t le = strlen(*exts);
        if (ln >= le && !strcasecmp(name + ln - le, *exts)) return 1;
    }
    return 0;
}

static int walk(const char *dir, const char *const *exts, strvec *sv, int depth) {
    if (depth > 64) return 0;
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) && rc == 0) {
        if (e->d_name[0] == '.') continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(n);
        if (!p) { rc = -1; break; }
        snprintf(p, n, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0) {
            if (S_ISDIR(st.st_mode)) rc = walk(p, exts, sv, depth + 1);
            else if (S_ISREG(st.st_mode) && has_ext(e->d_name, exts)) rc = vec_push(sv, p);
        }
        free(p);
    }
    closedir(d);
    return rc;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

long cli_collect_files(char **args, int n_args, const char *const *exts, char ***out) {
    strvec sv = {0};
    for (int i = 0; i < n_args; i++) {
        struct stat st;
        if (stat(args[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            size_t before = (size_t)sv.n;
            if (walk(args[i], exts, &sv, 0)) { cli_free_files(sv.v, sv.n); return -1; }
            qsort(sv.v + before, (size_t)sv.n - before, sizeof *sv.v, cmp_str);
        } else if (vec_push(&sv, args[i])) {
            cli_free_files(sv.v, sv.n);
            return -1;
        }
    }
    *out = sv.v;
    return sv.n;
}

void cli_free_files(char **files, long n) {
    for (long i = 0; i < n; i++) free(files[i]);
    free(files);
}
