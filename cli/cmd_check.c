/* cmd_check.c - `steplm check FILE... [--json]`: parse and validate STEP files. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "p21_util.h"

static const char *usage =
    "usage: steplm check FILE|DIR... [--json] [--max-errors N] [--warnings]\n\n"
    "Parse and validate ISO 10303-21 (STEP) files: syntax, duplicate and undefined\n"
    "ids, reference cycles, completeness (ENDSEC; and END-ISO-10303-21;), and the\n"
    "argument counts, kinds and reference types of known entity types.\n"
    "Directories are searched for *.step, *.stp, *.p21.\n\n"
    "  --json          one JSON object per file on stdout:\n"
    "                  {\"file\",\"ok\",\"complete\",\"entities\",\"n_errors\",\"n_warnings\",\n"
    "                   \"errors\":[{\"line\",\"col\",\"id\",\"msg\"}],\"warnings\":[...]}\n"
    "  --max-errors N  diagnostics shown per file in text mode (default 20; all are counted)\n"
    "  --warnings      also show warnings in text mode\n\n"
    "Exit status: 0 when every file is valid (warnings allowed), 1 otherwise, 2 usage.\n";

static void json_diags(sl_buf *b, const p21_doc *doc, int sev) {
    int first = 1;
    sl_buf_putc(b, '[');
    for (size_t i = 0; i < p21_doc_n_diags(doc); i++) {
        const p21_diag *g = p21_doc_diag(doc, i);
        if (g->severity != sev) continue;
        if (!first) sl_buf_putc(b, ',');
        first = 0;
        sl_buf_printf(b, "{\"line\":%u,\"col\":%u,\"id\":%llu,\"msg\":", g->line, g->col,
                      (unsigned long long)g->id);
        sl_buf_json_str(b, g->msg, strlen(g->msg));
        sl_buf_putc(b, '}');
    }
    sl_buf_putc(b, ']');
}

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) { fputs(usage, stdout); return CLI_OK; }
    int json = 0, show_warn = 0;
    long max_err = 20;
    char **paths = calloc((size_t)argc, sizeof *paths);
    int n_paths = 0;
    if (!paths) return CLI_FAIL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--warnings")) show_warn = 1;
        else if (!strcmp(argv[i], "--max-errors")) {
            if (++i >= argc || cli_parse_long(argv[i], 0, LONG_MAX, &max_err)) {
                free(paths);
                return cli_usage_error("check", "--max-errors needs a non-negative number");
            }
        } else if (argv[i][0] == '-' && argv[i][1]) {
            free(paths);
            return cli_usage_error("check", "unknown option '%s'", argv[i]);
        } else paths[n_paths++] = argv[i];
    }
    if (!n_paths) { free(paths); return cli_usage_error("check", "no input files"); }
    static const char *const exts[] = {".step", ".stp", ".p21", NULL};
    char **files;
    long n_files = cli_collect_files(paths, n_paths, exts, &files);
    free(paths);
    if (n_files < 0) { fprintf(stderr, "steplm check: error: cannot list the inputs\n"); return CLI_FAIL; }
    int all_ok = 1;
    size_t n_bad = 0;
    double t0 = sl_time_sec();
    sl_buf b;
    sl_buf_init(&b);
    for (long f = 0; f < n_files; f++) {
        p21_doc *doc = NULL;
        sl_err err = {0};
        p21_doc_read_file(files[f], NULL, &doc, &err);
        if (!doc) {                       /* could not read at all (i/o, memory) */
            all_ok = 0;
            n_bad++;
            if (json) {
                sl_buf_clear(&b);
                sl_buf_puts(&b, "{\"file\":");
                sl_buf_json_str(&b, files[f], strlen(files[f]));
                sl_buf_puts(&b, ",\"ok\":false,\"complete\":false,\"entities\":0,\"n_errors\":1,\"n_warnings\":0,"
                                "\"errors\":[{\"line\":0,\"col\":0,\"id\":0,\"msg\":");
                sl_buf_json_str(&b, err.msg, strlen(err.msg));
                sl_buf_puts(&b, "}],\"warnings\":[]}");
                puts(b.data);
            } else {
                cli_print_err(&err);
            }
            continue;
        }
        cli_p21_validate(doc);
        int ok = p21_doc_n_errors(doc) == 0;
        if (!ok) { all_ok = 0; n_bad++; }
        if (json) {
            sl_buf_clear(&b);
            sl_buf_puts(&b, "{\"file\":");
            sl_buf_json_str(&b, files[f], strlen(files[f]));
            sl_buf_printf(&b, ",\"ok\":%s,\"complete\":%s,\"entities\":%zu,\"n_errors\":%zu,\"n_warnings\":%zu,\"errors\":",
                          ok ? "true" : "false", p21_doc_complete(doc) ? "true" : "false",
                          p21_doc_n_entities(doc), p21_doc_n_errors(doc), p21_doc_n_warnings(doc));
            json_diags(&b, doc, P21_ERROR);
            sl_buf_puts(&b, ",\"warnings\":");
            json_diags(&b, doc, P21_WARNING);
            sl_buf_putc(&b, '}');
            puts(b.data);
        } else {
            cli_p21_print_diags(doc, (size_t)max_err, show_warn);
            if (n_files > 1 && ok && p21_doc_n_warnings(doc) && !show_warn)
                fprintf(stderr, "%s: %zu warnings (use --warnings to see them)\n", files[f], p21_doc_n_warnings(doc));
        }
        p21_doc_free(doc);
        if (n_files > 1) cli_progress("check", (size_t)f + 1, (size_t)n_files, t0);
    }
    if (!json)
        printf("%ld file%s checked: %ld valid, %zu with errors\n", n_files, n_files == 1 ? "" : "s",
               n_files - (long)n_bad, n_bad);
    sl_buf_release(&b);
    cli_free_files(files, n_files);
    return all_ok ? CLI_OK : CLI_FAIL;
}

const struct cli_cmd steplm_cmd_check = {"check", "parse and validate STEP files (syntax, references, schema)", run};
