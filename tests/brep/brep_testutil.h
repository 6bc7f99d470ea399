/* brep_testutil.h - shared by the brep tests: rewrite one entity of a STEP text;
 * mesh a solid and take its properties. */
#ifndef TESTS_BREP_TESTUTIL_H
#define TESTS_BREP_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steplm/brep.h"
#include "steplm/tess.h"

/* Copy of text with the line starting with prefix (e.g. "#9=") replaced by line
 * (given without ';'; it may hold several entities). NULL when prefix is missing. */
static inline char *step_patch(const char *text, const char *prefix, const char *line) {
    const char *p = strstr(text, prefix);
    if (!p) return NULL;
    const char *e = strchr(p, '\n');
    size_t n = strlen(text) + strlen(line) + 8;
    char *out = malloc(n);
    if (!out) return NULL;
    snprintf(out, n, "%.*s%s;%s", (int)(p - text), text, line, e ? e : "");
    return out;
}

/* Mesh solid `solid` of b (every instance when solid < 0) at deflection defl_mm
 * (other options at their defaults); properties in *p, the report in *rep. */
static inline sl_status tess_measure(const brep *b, long solid, double defl_mm, mesh_props *p, tess_report *rep) {
    tess_opts o;
    tess_opts_default(&o);
    o.deflection_mm = defl_mm;
    mesh m;
    mesh_init(&m);
    memset(rep, 0, sizeof *rep);
    sl_status st = solid < 0 ? tess_brep(b, &o, &m, NULL, rep) : tess_solid(b, (uint32_t)solid, &o, &m, rep);
    mesh_compute_props(&m, p);
    mesh_release(&m);
    return st;
}

#endif
