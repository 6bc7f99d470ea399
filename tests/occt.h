/* occt.h - helpers for tests that cross-check against OpenCASCADE through
 * ../shared/tools/occt/occt-draw-measure.sh (one CSV row per STEP file; the
 * columns are those of ../shared/data/step/real/manifest.csv). */
#ifndef STEPLM_TEST_OCCT_H
#define STEPLM_TEST_OCCT_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"

#define OCCT_MEASURE_SCRIPT "../shared/tools/occt/occt-draw-measure.sh"

/* Skip the test (exit 77, reported as skipped) unless DRAW and the script are there. */
static inline void test_occt_require(void) {
    if (system("command -v DRAWEXE >/dev/null 2>&1 || command -v occt-draw >/dev/null 2>&1") != 0)
        TEST_SKIP("occt-draw (DRAWEXE) is not installed");
    if (access(OCCT_MEASURE_SCRIPT, X_OK) != 0) TEST_SKIP("%s not found", OCCT_MEASURE_SCRIPT);
}

/* Field k (0-based) of a CSV line whose fields before k hold no quoted commas;
 * -1 when the line has fewer fields. */
static inline int test_csv_field(const char *line, int k, char *out, size_t n) {
    const char *p = line;
    for (int i = 0; i < k; i++) {
        p = strchr(p, ',');
        if (!p) return -1;
        p++;
    }
    size_t l = strcspn(p, ",\n");
    if (l >= n) l = n - 1;
    memcpy(out, p, l);
    out[l] = 0;
    return 0;
}

#endif
