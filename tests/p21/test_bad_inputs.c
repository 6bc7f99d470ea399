/* test_bad_inputs.c - every file in tests/p21/bad/ (and a few generated hostile
 * inputs) must make `steplm check` exit with status 1 and print the located error
 * listed in tests/p21/bad/EXPECT. Run under ASan/UBSan too (the sanitizer build's
 * binary), so a crash or a leak fails the test. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

#define BAD_DIR "tests/p21/bad"

/* run `steplm check path`, capture stdout+stderr; returns exit status or -1 */
static int run_check(const char *path, char *out, size_t n_out) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' check '%s' 2>&1", test_steplm_bin(), path);
    return test_run_capture(cmd, out, n_out);
}

static void expect_error(const char *path, const char *pos, const char *msg) {
    static char out[1 << 16];
    int rc = run_check(path, out, sizeof out);
    CHECK_MSG(rc == 1, "%s: exit status %d, expected 1\n%s", path, rc, out);
    char want[4200];
    snprintf(want, sizeof want, "%s:%s: error: ", path, pos);
    const char *hit = strstr(out, want);
    int ok = 0;
    while (hit && !ok) {
        const char *eol = strchr(hit, '\n');
        size_t ll = eol ? (size_t)(eol - hit) : strlen(hit);
        char line[2048];
        snprintf(line, sizeof line, "%.*s", (int)(ll < sizeof line - 1 ? ll : sizeof line - 1), hit);
        ok = strstr(line, msg) != NULL;
        hit = strstr(hit + 1, want);
    }
    CHECK_MSG(ok, "%s: expected '%s...%s' in:\n%s", path, want, msg, out);
}

static const char *tmpdir(void) {
    static char d[] = "/tmp/steplm_bad_XXXXXX";
    static int made = 0;
    if (!made) { if (!mkdtemp(d)) return "/tmp"; made = 1; }
    return d;
}

static void write_file(const char *path, const char *head, const char *fill, size_t n_fill,
                       size_t repeat, const char *tail) {
    FILE *f = fopen(path, "wb");
    if (!f) { CHECK_MSG(0, "cannot write %s", path); return; }
    fputs(head, f);
    for (size_t i = 0; i < repeat; i++) fwrite(fill, 1, n_fill, f);
    fputs(tail, f);
    fclose(f);
}

/* a complete header, so that the only errors are the ones each input is about */
#define HDR "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\n" \
    "FILE_NAME('t.step','2026-01-01T00:00:00',(''),(''),'','','');\n" \
    "FILE_SCHEMA(('AUTOMOTIVE_DESIGN'));\nENDSEC;\nDATA;\n"

int main(void) {
    FILE *ex = fopen(BAD_DIR "/EXPECT", "r");
    if (!ex) { fprintf(stderr, "cannot open " BAD_DIR "/EXPECT (run from the repo root)\n"); return 1; }
    char line[1024];
    int n_cases = 0;
    char listed[200][256];
    while (fgets(line, sizeof line, ex)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        line[strcspn(line, "\n")] = 0;
        char file[256], pos[32];
        int used = 0;
        if (sscanf(line, "%255s %31s %n", file, pos, &used) < 2) { CHECK_MSG(0, "bad EXPECT line: %s", line); continue; }
        char path[512];
        snprintf(path, sizeof path, BAD_DIR "/%s", file);
        expect_error(path, pos, line + used);
        if (n_cases < 200) snprintf(listed[n_cases], sizeof listed[0], "%s", file);
        n_cases++;
    }
    fclose(ex);
    CHECK_MSG(n_cases >= 25, "only %d bad-input cases", n_cases);
    /* every file in the directory must have an expectation */
    DIR *d = opendir(BAD_DIR);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!strstr(e->d_name, ".step")) continue;
        int found = 0;
        for (int i = 0; i < n_cases && i < 200; i++) found |= !strcmp(listed[i], e->d_name);
        CHECK_MSG(found, "%s has no line in EXPECT", e->d_name);
    }
    if (d) closedir(d);

    /* generated hostile inputs */
    char p[512];
    snprintf(p, sizeof p, "%s/deep.step", tmpdir());   /* a list nested a million deep */
    write_file(p, HDR "#1=X(", "(", 1, 1000000, "));\nENDSEC;\nEND-ISO-10303-21;\n");
    expect_error(p, "8:261", "lists nested deeper than 256 levels");
    snprintf(p, sizeof p, "%s/huge_string.step", tmpdir());   /* a 100 MB string */
    write_file(p, HDR "#1=PRODUCT('", "abcdefghij", 10, 10 * 1000 * 1000, "','',());\nENDSEC;\nEND-ISO-10303-21;\n");
    expect_error(p, "8:12", "longer than the limit");
    snprintf(p, sizeof p, "%s/huge_number.step", tmpdir());
    write_file(p, HDR "#1=X(", "9", 1, 10000, ".);\nENDSEC;\nEND-ISO-10303-21;\n");
    expect_error(p, "8:6", "number longer than 4096 characters");
    snprintf(p, sizeof p, "%s/many_errors.step", tmpdir());   /* 5000 bad reals + 4999 duplicate ids: all counted, 20 shown */
    write_file(p, HDR, "#1=X(.5);\n", 10, 5000, "ENDSEC;\nEND-ISO-10303-21;\n");
    expect_error(p, "8:6", "a real number must start with a digit");
    static char out[1 << 16];
    run_check(p, out, sizeof out);
    CHECK_MSG(strstr(out, "and 9979 more errors") != NULL, "error count missing:\n%.2000s", out);
    /* a missing file and a directory with no STEP files */
    CHECK(run_check("/nonexistent/x.step", out, sizeof out) == 1 && strstr(out, "cannot open"));
    const char *gen[] = {"deep", "huge_string", "huge_number", "many_errors"};
    for (int i = 0; i < 4; i++) { snprintf(p, sizeof p, "%s/%s.step", tmpdir(), gen[i]); unlink(p); }
    rmdir(tmpdir());
    return test_finish("test_bad_inputs");
}
