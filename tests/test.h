/* test.h - the tiny harness every test program uses. A test program is one ctest;
 * it runs its checks, prints each failure with file:line, and returns non-zero if
 * any failed. TEST_SKIP(reason) exits with 77, which ctest reports as skipped
 * (never as passed). */
#ifndef STEPLM_TEST_H
#define STEPLM_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static int test_n_checks, test_n_failed;

#define CHECK(cond) do { test_n_checks++; if (!(cond)) { test_n_failed++; \
    fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_MSG(cond, ...) do { test_n_checks++; if (!(cond)) { test_n_failed++; \
    fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)
#define CHECK_EQ_INT(a, b) do { long long va_ = (long long)(a), vb_ = (long long)(b); test_n_checks++; \
    if (va_ != vb_) { test_n_failed++; fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", \
    __FILE__, __LINE__, #a, #b, va_, vb_); } } while (0)
#define CHECK_STR(a, b) do { const char *sa_ = (a), *sb_ = (b); test_n_checks++; \
    if (!sa_ || !sb_ || strcmp(sa_, sb_)) { test_n_failed++; fprintf(stderr, \
    "%s:%d: %s == %s failed:\n  got:      \"%s\"\n  expected: \"%s\"\n", __FILE__, __LINE__, #a, #b, \
    sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)"); } } while (0)
/* |a - b| <= tol */
#define CHECK_NEAR(a, b, tol) do { double va_ = (a), vb_ = (b), t_ = (tol); test_n_checks++; \
    if (!(fabs(va_ - vb_) <= t_)) { test_n_failed++; fprintf(stderr, \
    "%s:%d: %s ~ %s failed: %.17g vs %.17g (tol %g)\n", __FILE__, __LINE__, #a, #b, va_, vb_, t_); } } while (0)
/* relative: |a - b| <= tol * max(|a|, |b|, tiny) */
#define CHECK_REL(a, b, tol) do { double va_ = (a), vb_ = (b), t_ = (tol); test_n_checks++; \
    double m_ = fmax(fmax(fabs(va_), fabs(vb_)), 1e-300); \
    if (!(fabs(va_ - vb_) <= t_ * m_)) { test_n_failed++; fprintf(stderr, \
    "%s:%d: %s ~ %s failed: %.17g vs %.17g (rel %g > %g)\n", __FILE__, __LINE__, #a, #b, va_, vb_, \
    fabs(va_ - vb_) / m_, t_); } } while (0)

#define TEST_SKIP(...) do { fprintf(stderr, "SKIPPED: "); fprintf(stderr, __VA_ARGS__); \
    fputc('\n', stderr); exit(77); } while (0)

static inline int test_finish(const char *name) {
    fprintf(stderr, "%s: %d checks, %d failed\n", name, test_n_checks, test_n_failed);
    if (test_n_checks == 0) { fprintf(stderr, "%s: no checks ran\n", name); return 1; }
    return test_n_failed ? 1 : 0;
}

/* Run a shell command, capture up to n_out - 1 bytes of its stdout (NUL-terminated);
 * returns its exit status, or -1 when it could not run or died from a signal. */
static inline int test_run_capture(const char *cmd, char *out, size_t n_out) {
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t got = fread(out, 1, n_out - 1, p);
    out[got] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* path of the steplm binary under test (set by ctest), for CLI tests */
static inline const char *test_steplm_bin(void) {
    const char *b = getenv("STEPLM_BIN");
    return b ? b : "build/steplm";
}

#endif
