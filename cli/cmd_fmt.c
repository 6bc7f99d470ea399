/* cmd_fmt.c - `steplm fmt IN -o OUT`: rewrite a STEP file in canonical form. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "p21_util.h"

static const char *usage =
    "usage: steplm fmt IN.step -o OUT.step [--force]\n\n"
    "Rewrite a STEP file in steplm's canonical Part 21 text: one entity per line,\n"
    "no spaces, comments dropped, strings re-encoded to legal Part 21 where needed\n"
    "(non-ASCII as \\X2\\...\\X0\\). Numbers keep their spelling. Entity ids and order\n"
    "are kept. The output is written atomically; OUT may be '-' for stdout.\n\n"
    "  --force   write even when the input has syntax errors (entities that could\n"
    "            not be parsed are dropped); without it such input writes nothing\n";

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) { fputs(usage, stdout); return CLI_OK; }
    const char *in = NULL, *out = NULL;
    int force = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o")) {
            if (++i >= argc) return cli_usage_error("fmt", "-o needs a file name");
            out = argv[i];
        } else if (!strcmp(argv[i], "--force")) force = 1;
        else if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error("fmt", "unknown option '%s'", argv[i]);
        else if (in) return cli_usage_error("fmt", "one input file at a time");
        else in = argv[i];
    }
    if (!in) return cli_usage_error("fmt", "no input file");
    if (!out) return cli_usage_error("fmt", "no output file (-o OUT)");
    p21_doc *doc = NULL;
    sl_err err = {0};
    p21_doc_read_file(in, NULL, &doc, &err);
    if (!doc) { cli_print_err(&err); return CLI_FAIL; }
    if (p21_doc_n_errors(doc)) {
        cli_p21_print_diags(doc, 20, 0);
        if (!force) {
            fprintf(stderr, "steplm fmt: error: '%s' has errors; nothing written (use --force to write anyway)\n", in);
            p21_doc_free(doc);
            return CLI_FAIL;
        }
    }
    int rc = CLI_OK;
    if (!strcmp(out, "-")) {
        sl_buf b;
        sl_buf_init(&b);
        p21_doc_write(doc, NULL, &b);
        if (b.failed || fwrite(b.data, 1, b.len, stdout) != b.len) rc = CLI_FAIL;
        sl_buf_release(&b);
    } else if (p21_doc_write_file(doc, NULL, out, &err) != SL_OK) {
        cli_print_err(&err);
        rc = CLI_FAIL;
    }
    p21_doc_free(doc);
    return rc;
}

const struct cli_cmd steplm_cmd_fmt = {"fmt", "rewrite a STEP file in canonical form", run};
