/* mesh_internal.h - helpers shared inside the mesh module (not public). */
#ifndef STEPLM_MESH_INTERNAL_H
#define STEPLM_MESH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Stable sort of (key[i], val[i]) pairs by key (LSD radix, bytes that are the same
 * in every key are skipped). 0, or -1 out of memory (arrays untouched). */
int mesh_sort_pairs(uint64_t *key, uint32_t *val, size_t n);

#endif
