/* step_patch.h - shared by the brep tests: rewrite one entity of a STEP text. */
#ifndef TESTS_BREP_STEP_PATCH_H
#define TESTS_BREP_STEP_PATCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copy of text with the line starting with prefix (e.g. "#9=") replaced by line
 * (given without ';'; it may hold several entities). NULL when prefix is missing. */
static char *step_patch(const char *text, const char *prefix, const char *line) {
    const char *p = strstr(text, prefix);
    if (!p) return NULL;
    const char *e = strchr(p, '\n');
    size_t n = strlen(text) + strlen(line) + 8;
    char *out = malloc(n);
    if (!out) return NULL;
    snprintf(out, n, "%.*s%s;%s", (int)(p - text), text, line, e ? e : "");
    return out;
}

#endif
