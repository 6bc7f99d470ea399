/* test_schema_occt.c - OpenCASCADE as an independent oracle for argument counts.
 *
 * OCCT's STEP reader checks every entity it knows against its own (AP214-based)
 * schema while loading; DRAW prints the failures with `data f` after `xload`, as
 * "Count of Parameters is not N for <type>" when an instance or a complex-instance
 * part has the wrong number of arguments. Over the OCCT regression files
 * (occt-data-pr946, 145 files including its bug reproducers) this test requires:
 * a file gets such an OCCT failure exactly when schema_check_doc reports a
 * wrong-count error, and, for each of them, on the same entity type.
 * Skipped (77) when occt-draw is not installed. Labelled nosan (runs DRAW). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "steplm/p21.h"
#include "steplm/schema.h"

#define DIR "../shared/data/step/real/occt-data-pr946"

static int have(const char *cmd) {
    char buf[256];
    snprintf(buf, sizeof buf, "command -v %s >/dev/null 2>&1", cmd);
    return system(buf) == 0;
}

int main(void) {
    const char *draw = have("occt-draw") ? "occt-draw" : have("DRAWEXE") ? "DRAWEXE" : NULL;
    if (!draw) TEST_SKIP("occt-draw / DRAWEXE not installed (make peers)");
    char tmp[] = "/tmp/steplm_schema_occt_XXXXXX";
    if (!mkdtemp(tmp)) TEST_SKIP("no temporary directory");
    char list[600], tcl[600], out[600], cmd[4096];
    snprintf(list, sizeof list, "%s/files", tmp);
    snprintf(tcl, sizeof tcl, "%s/check.tcl", tmp);
    snprintf(out, sizeof out, "%s/out.txt", tmp);
    snprintf(cmd, sizeof cmd, "find " DIR " -type f \\( -iname '*.stp' -o -iname '*.step' \\) | sort > %s", list);
    if (system(cmd) != 0) TEST_SKIP("cannot list " DIR);
    FILE *fl = fopen(list, "r"), *ft = fopen(tcl, "w");
    if (!fl || !ft) TEST_SKIP("cannot write the DRAW script");
    fprintf(ft, "pload DATAEXCHANGEKERNEL\n");
    char path[1024];
    int n_files = 0;
    while (fgets(path, sizeof path, fl)) {
        path[strcspn(path, "\n")] = 0;
        fprintf(ft, "puts \"=== %s\"\ncatch {xload \"%s\"} r\ncatch {data f} res\nputs $res\n", path, path);
        n_files++;
    }
    fclose(fl);
    fclose(ft);
    /* DRAW loads its plugins by unversioned names; Debian ships only libTK*.so.7 */
    snprintf(cmd, sizeof cmd,
             "L=%s/libs; mkdir -p $L; ldconfig -p | awk '/libTK[A-Za-z0-9]*\\.so\\.7 /{print $NF}' | "
             "while read -r f; do b=$(basename $f); ln -sf $f $L/${b%%.7}; done; "
             "LD_LIBRARY_PATH=$L${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} timeout 600 %s -b -f %s > %s 2>&1",
             tmp, draw, tcl, out);
    int rc = system(cmd);
    FILE *fo = fopen(out, "r");
    if (rc != 0 || !fo) TEST_SKIP("DRAW did not run (rc %d)", rc);

    /* per file: the types OCCT reports with a wrong parameter count */
    static char line[1 << 16];
    char cur[1024] = "";
    char occt_types[4096] = "";
    int n_seen = 0, n_occt_files = 0, n_ours_files = 0;
    schema_check_opts so;
    schema_check_opts_default(&so);
    int done = 0;
    while (!done) {
        char *l = fgets(line, sizeof line, fo);
        if (!l || !strncmp(line, "=== ", 4)) {
            if (cur[0]) {          /* judge the previous file */
                n_seen++;
                p21_doc *doc = NULL;
                sl_err err;
                p21_doc_read_file(cur, NULL, &doc, &err);
                char ours[4096] = "";
                if (doc) {
                    size_t d0 = p21_doc_n_diags(doc);
                    schema_check_doc(doc, &so);
                    for (size_t i = d0; i < p21_doc_n_diags(doc); i++) {
                        const p21_diag *g = p21_doc_diag(doc, i);
                        const char *m = g->msg, *x;
                        if (g->severity != P21_ERROR || !strncmp(m, "HEADER", 6)) continue;
                        /* "TYPE expects N arguments" or "part TYPE of a complex instance expects" */
                        if (!strncmp(m, "part ", 5)) m += 5;
                        if (!(x = strstr(m, " expects ")) || !strstr(x, " argument")) continue;
                        if (strchr(m, ':') && strchr(m, ':') < x) continue;   /* attribute-level */
                        char t[128];
                        size_t tl = strcspn(m, " ");
                        snprintf(t, sizeof t, "%.*s", (int)(tl < 127 ? tl : 127), m);
                        for (char *p = t; *p; p++) if (*p >= 'A' && *p <= 'Z') *p = (char)(*p + 32);
                        if (!strstr(ours, t) && strlen(ours) + tl + 2 < sizeof ours) { strcat(ours, t); strcat(ours, " "); }
                    }
                    p21_doc_free(doc);
                }
                if (occt_types[0]) n_occt_files++;
                if (ours[0]) n_ours_files++;
                CHECK_MSG(!!occt_types[0] == !!ours[0], "%s: OCCT count failures [%s], ours [%s]", cur,
                          occt_types, ours);
                /* the same entity types */
                char tmpt[4096];
                snprintf(tmpt, sizeof tmpt, "%s", occt_types);
                for (char *tok = strtok(tmpt, " "); tok; tok = strtok(NULL, " "))
                    CHECK_MSG(strstr(ours, tok) != NULL, "%s: OCCT reports a count failure for %s, we do not",
                              cur, tok);
            }
            if (!l) { done = 1; break; }
            snprintf(cur, sizeof cur, "%.1000s", line + 4);
            cur[strcspn(cur, "\n")] = 0;
            occt_types[0] = 0;
            continue;
        }
        const char *c = strstr(line, "Count of Parameters is not ");
        if (c) {
            const char *f = strstr(c, " for ");
            if (f) {
                char t[128];
                size_t tl = strcspn(f + 5, " \r\n");
                snprintf(t, sizeof t, "%.*s", (int)(tl < 127 ? tl : 127), f + 5);
                if (!strstr(occt_types, t) && strlen(occt_types) + tl + 2 < sizeof occt_types) {
                    strcat(occt_types, t);
                    strcat(occt_types, " ");
                }
            }
        }
    }
    fclose(fo);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) fprintf(stderr, "note: could not remove %s\n", tmp);
    fprintf(stderr, "%d files; OCCT count failures in %d, schema count errors in %d\n", n_seen, n_occt_files,
            n_ours_files);
    CHECK_EQ_INT(n_seen, n_files);
    CHECK(n_seen >= 100);
    CHECK(n_occt_files >= 1);   /* the oracle did detect something (bug29478, trj4) */
    return test_finish("test_schema_occt");
}
