/* p21_util.h - CLI helpers for commands that read STEP files. */
#ifndef STEPLM_CLI_P21_UTIL_H
#define STEPLM_CLI_P21_UTIL_H

#include "steplm/p21.h"

/* Print up to max_shown diagnostics as "file:line:col: error: #id: msg", then a count of the rest. */
void cli_p21_print_diags(const p21_doc *doc, size_t max_shown, int show_warnings);
/* Full validation on top of parsing: references, cycles, schema. Returns errors added. */
size_t cli_p21_validate(p21_doc *doc);

#endif
