/* bench_schema.c - cost of schema_check_doc next to parsing, over a set of files
 * (single thread), and a per-file report of the schema diagnostics.
 * usage: bench_schema [--repeat N] [--strict] [--show N] [--quiet] FILE|DIR...
 *   --show N   print the first N schema diagnostics of each file (default 3)
 *   --quiet    only the summary line
 *   --cap N    max_similar_warnings (default 10; 0 = report every warning)
 * Parsing and checking are timed separately (best of N passes); MB/s are
 * relative to the file sizes. One line per file: errors and warnings the
 * schema check added. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steplm/p21.h"
#include "steplm/schema.h"
#include "../cli/cli.h"

int main(int argc, char **argv) {
    int repeat = 3, n_paths = 0, quiet = 0, show = 3;
    schema_check_opts so;
    schema_check_opts_default(&so);
    char **paths = calloc((size_t)argc, sizeof *paths);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--show") && i + 1 < argc) show = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--strict")) so.strict = 1;
        else if (!strcmp(argv[i], "--cap") && i + 1 < argc) so.max_similar_warnings = (uint32_t)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--quiet")) quiet = 1;
        else paths[n_paths++] = argv[i];
    }
    static const char *const exts[] = {".step", ".stp", ".p21", NULL};
    char **files;
    long n = cli_collect_files(paths, n_paths, exts, &files);
    if (n <= 0) { fprintf(stderr, "bench_schema: no input files\n"); return 2; }
    size_t total = 0, n_ent = 0, files_with_errors = 0, sum_err = 0, sum_warn = 0;
    double best_parse = 0, best_check = 0;
    for (int r = 0; r < repeat; r++) {
        double tp = 0, tc = 0;
        total = n_ent = files_with_errors = sum_err = sum_warn = 0;
        for (long i = 0; i < n; i++) {
            char *data;
            size_t len;
            sl_err err;
            if (sl_file_read(files[i], &data, &len, 0, &err)) { fprintf(stderr, "%s: %s\n", files[i], err.msg); return 1; }
            total += len;
            p21_doc *doc = NULL;
            double t0 = sl_time_sec();
            p21_doc_read_owned(files[i], data, len, NULL, &doc, NULL);
            double t1 = sl_time_sec();
            if (!doc) continue;
            size_t e0 = p21_doc_n_errors(doc), w0 = p21_doc_n_warnings(doc), d0 = p21_doc_n_diags(doc);
            size_t ne = schema_check_doc(doc, &so);
            double t2 = sl_time_sec();
            tp += t1 - t0;
            tc += t2 - t1;
            n_ent += p21_doc_n_entities(doc);
            size_t nw = p21_doc_n_warnings(doc) - w0;
            (void)e0;
            sum_err += ne;
            sum_warn += nw;
            if (ne) files_with_errors++;
            if (r == 0 && !quiet) {
                printf("%s: schema %zu errors, %zu warnings\n", files[i], ne, nw);
                int shown = 0;
                for (size_t k = d0; k < p21_doc_n_diags(doc) && shown < show; k++, shown++) {
                    char line[800];
                    p21_diag_format(doc, p21_doc_diag(doc, k), line, sizeof line);
                    printf("  %s\n", line);
                }
            }
            p21_doc_free(doc);
        }
        if (r == 0 || tp < best_parse) best_parse = tp;
        if (r == 0 || tc < best_check) best_check = tc;
    }
    printf("schema check: %ld files, %.1f MB, %zu entities; %zu files with schema errors, %zu errors, %zu warnings\n",
           n, (double)total / 1e6, n_ent, files_with_errors, sum_err, sum_warn);
    printf("parse %.3f s (%.1f MB/s), check %.3f s (%.1f MB/s), check adds %.1f%% to parse time\n",
           best_parse, (double)total / 1e6 / best_parse, best_check, (double)total / 1e6 / best_check,
           100.0 * best_check / best_parse);
    free(paths);
    cli_free_files(files, n);
    return 0;
}
