/* reserial_int.h - pieces shared by the reserial sources. Not a public header. */
#ifndef STEPLM_RESERIAL_INT_H
#define STEPLM_RESERIAL_INT_H

#include "steplm/reserial.h"

/* The reference graph of a doc: for entity i (file order) its children (entity
 * indices of the defined references, in argument order, duplicates kept, self
 * references kept) are child[off[i] .. off[i+1]). */
typedef struct reserial_graph {
    size_t n;
    uint32_t *off;        /* n + 1 */
    uint32_t *child;
    uint32_t *indeg;      /* references from other entities */
    size_t n_dangling_refs;
} reserial_graph;

sl_status reserial__graph_build(const p21_doc *doc, reserial_graph *g, sl_err *err);
void reserial__graph_release(reserial_graph *g);
/* Structural hash of every entity: its types and argument values with each
 * reference replaced by the hash of the referenced entity (ids play no part), so
 * equal subgraphs hash equal whatever their numbering or file order; each entity's
 * number of referrers is mixed in; strings hash decoded. A reference closing a
 * cycle contributes a constant. Computed for the entities reachable from starts
 * (in that order); h has g->n slots, the others are left as they are. */
sl_status reserial__graph_hash(const p21_doc *doc, const reserial_graph *g, const uint32_t *starts, size_t n_starts,
                               uint64_t *h, sl_err *err);
/* entity index of a pointer returned by p21_doc_find */
size_t reserial__index_of(const p21_doc *doc, const p21_entity *e);

/* Value writer with a reference callback. style 0: canonical (no spaces);
 * style 1: Onshape spacing "( a, b )", "(  )" for an empty list. */
typedef void (*reserial_put_ref)(void *ctx, uint64_t old_id, sl_buf *out);
void reserial__write_value(const p21_doc *doc, const p21_value *v, int style,
                           reserial_put_ref put_ref, void *ctx, sl_buf *out);
/* "#<id>=" + body + ";" canonical, or "#<id> = " + body + ";" Onshape style */
void reserial__write_entity(const p21_doc *doc, const p21_entity *e, uint64_t new_id, int style,
                            reserial_put_ref put_ref, void *ctx, sl_buf *out);
void reserial__put_u64(sl_buf *out, uint64_t x);
void reserial__write_header(const p21_doc *doc, int style, sl_buf *out);

/* A growable array of elements of `size` bytes (set size, zero the rest). */
typedef struct reserial_vec { void *p; size_t n, cap, size; } reserial_vec;
/* Appends one uninitialised element; NULL when out of memory. (reserial_run.c) */
void *reserial__vec_push(reserial_vec *v);

/* STEP-LLM layout (reserial_stepllm.c). */
sl_status reserial__run_stepllm(p21_doc *doc, const reserial_opts *opts, const reserial_graph *g,
                                reserial_result *r, sl_err *err);

#endif
