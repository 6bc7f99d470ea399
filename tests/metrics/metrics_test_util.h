/* metrics_test_util.h - shared by tests/metrics: reading the Open3D reference data
 * in ../shared/data/metrics (raw float64 point sets, manifests, reference.csv). */
#ifndef STEPLM_METRICS_TEST_UTIL_H
#define STEPLM_METRICS_TEST_UTIL_H

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "steplm/util.h"

#define REF_DIR "../shared/data/metrics"

static inline int ref_available(void) {
    struct stat st;
    return stat(REF_DIR "/points/manifest.json", &st) == 0;
}

/* raw little-endian float64 (n, 3); returns malloc'd array, *n points */
static inline double *ref_read_f64(const char *file, size_t *n) {
    char path[512];
    snprintf(path, sizeof path, REF_DIR "/points/%s", file);
    char *data = NULL;
    size_t len = 0;
    if (sl_file_read(path, &data, &len, 0, NULL) != SL_OK) return NULL;
    *n = len / 24;
    double *p = malloc(len ? len : 1);
    if (p) memcpy(p, data, len);
    free(data);
    return p;
}

static inline cJSON *ref_read_json(const char *rel) {
    char path[512];
    snprintf(path, sizeof path, REF_DIR "/%s", rel);
    char *data = NULL;
    size_t len = 0;
    if (sl_file_read(path, &data, &len, 0, NULL) != SL_OK) return NULL;
    cJSON *j = cJSON_Parse(data);
    free(data);
    return j;
}

static inline double json_num(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}
static inline const char *json_str(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

#endif
