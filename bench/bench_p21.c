/* bench_p21.c - Part 21 parse throughput over a set of files (single thread).
 * usage: bench_p21 [--repeat N] [--json] FILE|DIR...
 * Files are read into memory first; only parsing is timed (best of N passes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steplm/p21.h"
#include "../cli/cli.h"

int main(int argc, char **argv) {
    int repeat = 3, json = 0, n_paths = 0;
    char **paths = calloc((size_t)argc, sizeof *paths);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--json")) json = 1;
        else paths[n_paths++] = argv[i];
    }
    static const char *const exts[] = {".step", ".stp", ".p21", NULL};
    char **files;
    long n = cli_collect_files(paths, n_paths, exts, &files);
    if (n <= 0) { fprintf(stderr, "bench_p21: no input files\n"); return 2; }
    char **data = calloc((size_t)n, sizeof *data);
    size_t *len = calloc((size_t)n, sizeof *len), total = 0, n_ent = 0;
    for (long i = 0; i < n; i++) {
        sl_err err;
        if (sl_file_read(files[i], &data[i], &len[i], 0, &err)) { fprintf(stderr, "%s: %s\n", files[i], err.msg); return 1; }
        total += len[i];
    }
    double best = 1e30;
    for (int r = 0; r < repeat; r++) {
        double t0 = sl_time_sec();
        n_ent = 0;
        for (long i = 0; i < n; i++) {
            char *copy = malloc(len[i] + 1);   /* the reader takes ownership of its buffer */
            memcpy(copy, data[i], len[i] + 1);
            p21_doc *doc;
            p21_doc_read_owned(files[i], copy, len[i], NULL, &doc, NULL);
            if (doc) n_ent += p21_doc_n_entities(doc);
            p21_doc_free(doc);
        }
        double t = sl_time_sec() - t0;
        if (t < best) best = t;
    }
    double mbs = (double)total / 1e6 / best;
    if (json)
        printf("{\"files\":%ld,\"bytes\":%zu,\"entities\":%zu,\"seconds\":%.4f,\"mb_per_s\":%.1f,\"entities_per_s\":%.0f}\n",
               n, total, n_ent, best, mbs, (double)n_ent / best);
    else
        printf("p21 parse: %ld files, %.1f MB, %zu entities in %.3f s: %.1f MB/s, %.2f M entities/s\n",
               n, (double)total / 1e6, n_ent, best, mbs, (double)n_ent / best / 1e6);
    for (long i = 0; i < n; i++) free(data[i]);
    free(data); free(len); free(paths);
    cli_free_files(files, n);
    return 0;
}
