/* mesh_sort.c - radix sort of 64-bit keys with a 32-bit payload: the edge tables
 * of mesh properties and crack closing sort millions of half-edges per corpus run,
 * where qsort's comparator calls dominated. */
#include "mesh_internal.h"

#include <stdlib.h>
#include <string.h>

int mesh_sort_pairs(uint64_t *key, uint32_t *val, size_t n) {
    if (n < 2) return 0;
    size_t (*cnt)[256] = calloc(8, sizeof *cnt);
    uint64_t *k2 = malloc(n * sizeof *k2);
    uint32_t *v2 = malloc(n * sizeof *v2);
    if (!cnt || !k2 || !v2) { free(cnt); free(k2); free(v2); return -1; }
    for (size_t i = 0; i < n; i++)
        for (int d = 0; d < 8; d++) cnt[d][(key[i] >> (8 * d)) & 0xff]++;
    uint64_t *ks = key, *kd = k2;
    uint32_t *vs = val, *vd = v2;
    for (int d = 0; d < 8; d++) {
        if (cnt[d][(key[0] >> (8 * d)) & 0xff] == n) continue;   /* this byte never varies */
        size_t pos[256], s = 0;
        for (int b = 0; b < 256; b++) { pos[b] = s; s += cnt[d][b]; }
        for (size_t i = 0; i < n; i++) {
            size_t p = pos[(ks[i] >> (8 * d)) & 0xff]++;
            kd[p] = ks[i];
            vd[p] = vs[i];
        }
        uint64_t *tk = ks; ks = kd; kd = tk;
        uint32_t *tv = vs; vs = vd; vd = tv;
    }
    if (ks != key) {
        memcpy(key, ks, n * sizeof *key);
        memcpy(val, vs, n * sizeof *val);
    }
    free(cnt); free(k2); free(v2);
    return 0;
}
