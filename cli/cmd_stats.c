/* cmd_stats.c - `steplm stats FILE [--json]`: what a STEP file holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "p21_util.h"

static const char *usage =
    "usage: steplm stats FILE [--json]\n\n"
    "Entity count, histogram of entity types (a complex instance counts once per\n"
    "partial type), schema name, originating system and authoring tool of a STEP file.\n\n"
    "  --json   one JSON object: {\"file\",\"entities\",\"complex\",\"sections\",\"schema\",\n"
    "           \"originating_system\",\"preprocessor_version\",\"n_errors\",\"types\":{NAME:count}}\n";

typedef struct { const char *name; size_t n; } type_count;

static int cmp_count(const void *a, const void *b) {
    const type_count *x = a, *y = b;
    if (x->n != y->n) return x->n < y->n ? 1 : -1;
    return strcmp(x->name, y->name);
}

/* raw string argument i of a header entry, decoded to UTF-8 into out */
static void header_string(const p21_doc *doc, const char *entry, uint32_t arg, int first_of_list, sl_buf *out) {
    const p21_header_entry *h = p21_doc_header_find(doc, entry);
    if (!h || arg >= h->args.len) return;
    const p21_value *v = &h->args.u.items[arg];
    if (first_of_list && v->kind == P21_LIST && v->len) v = &v->u.items[0];
    if (v->kind == P21_STRING) p21_string_decode(v->u.text, v->len, out, NULL);
}

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) { fputs(usage, stdout); return CLI_OK; }
    int json = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error("stats", "unknown option '%s'", argv[i]);
        else if (path) return cli_usage_error("stats", "one file at a time");
        else path = argv[i];
    }
    if (!path) return cli_usage_error("stats", "no input file");
    p21_doc *doc = NULL;
    sl_err err = {0};
    p21_doc_read_file(path, NULL, &doc, &err);
    if (!doc) { cli_print_err(&err); return CLI_FAIL; }
    if (p21_doc_n_errors(doc)) cli_p21_print_diags(doc, 5, 0);

    size_t nt = p21_doc_n_types(doc), n_complex = 0;
    type_count *tc = calloc(nt ? nt : 1, sizeof *tc);
    if (!tc) { p21_doc_free(doc); return CLI_FAIL; }
    for (size_t t = 0; t < nt; t++) tc[t].name = p21_doc_type_name(doc, (uint32_t)t);
    for (size_t i = 0; i < p21_doc_n_entities(doc); i++) {
        const p21_entity *e = p21_doc_entity(doc, i);
        if (e->flags & P21_ENT_COMPLEX) n_complex++;
        for (uint32_t p = 0; p < e->n_parts; p++) tc[e->parts[p].type].n++;
    }
    qsort(tc, nt, sizeof *tc, cmp_count);
    sl_buf schema, orig, prep;
    sl_buf_init(&schema); sl_buf_init(&orig); sl_buf_init(&prep);
    header_string(doc, "FILE_SCHEMA", 0, 1, &schema);
    header_string(doc, "FILE_NAME", 5, 0, &prep);
    header_string(doc, "FILE_NAME", 6, 0, &orig);
    const char *sch = schema.data ? schema.data : "", *org = orig.data ? orig.data : "", *pre = prep.data ? prep.data : "";
    if (json) {
        sl_buf b;
        sl_buf_init(&b);
        sl_buf_puts(&b, "{\"file\":");
        sl_buf_json_str(&b, path, strlen(path));
        sl_buf_printf(&b, ",\"entities\":%zu,\"complex\":%zu,\"sections\":%zu,\"schema\":",
                      p21_doc_n_entities(doc), n_complex, p21_doc_n_sections(doc));
        sl_buf_json_str(&b, sch, strlen(sch));
        sl_buf_puts(&b, ",\"originating_system\":");
        sl_buf_json_str(&b, org, strlen(org));
        sl_buf_puts(&b, ",\"preprocessor_version\":");
        sl_buf_json_str(&b, pre, strlen(pre));
        sl_buf_printf(&b, ",\"n_errors\":%zu,\"types\":{", p21_doc_n_errors(doc));
        for (size_t t = 0; t < nt; t++) {
            if (!tc[t].n) continue;
            if (t) sl_buf_putc(&b, ',');
            sl_buf_json_str(&b, tc[t].name, strlen(tc[t].name));
            sl_buf_printf(&b, ":%zu", tc[t].n);
        }
        sl_buf_puts(&b, "}}");
        puts(b.data);
        sl_buf_release(&b);
    } else {
        printf("file:                 %s\n", path);
        printf("entities:             %zu (%zu complex)\n", p21_doc_n_entities(doc), n_complex);
        printf("DATA sections:        %zu\n", p21_doc_n_sections(doc));
        printf("schema:               %s\n", sch);
        printf("originating system:   %s\n", org);
        printf("preprocessor version: %s\n", pre);
        printf("errors:               %zu\n", p21_doc_n_errors(doc));
        printf("entity types:         %zu\n", nt);
        for (size_t t = 0; t < nt; t++)
            if (tc[t].n) printf("  %8zu  %s\n", tc[t].n, tc[t].name);
    }
    sl_buf_release(&schema); sl_buf_release(&orig); sl_buf_release(&prep);
    free(tc);
    int rc = p21_doc_n_errors(doc) ? CLI_FAIL : CLI_OK;
    p21_doc_free(doc);
    return rc;
}

const struct cli_cmd steplm_cmd_stats = {"stats", "entity count, type histogram, schema and origin of a STEP file", run};
