/* steplm/reserial.h - STEP-LLM style preprocessing, done losslessly: rounding of
 * reals, depth-first reserialization with renumbering, structural annotations as
 * Part 21 comments, restore, and a compatibility mode that reproduces the layout of
 * the released STEP-LLM restructurer.
 *
 * Rounding (reserial_round_doc). Only P21_REAL values of DATA entities are touched
 * (never strings, integers, enumerations or the HEADER): the parsed number is
 * rounded to N decimals and respelled in the doc's memory (flag P21_VAL_REWRITTEN).
 * Canonical spelling ("steplm" style): the shortest fixed-point text of the value
 * rounded to N decimals, keeping at least one digit after the point, so it still
 * lexes as a REAL: 1.00000000000000 -> 1.0, -12.7000001 -> -12.7, 2.5E-3 -> 0.0025,
 * -0.000000 / -1.2E-16 -> 0.0 (a zero is always "0.0", never signed). Two
 * exceptions, both documented in docs/reserial.md:
 *  - a nonzero value that would round to 0 and is the argument of a typed measure
 *    parameter (LENGTH_MEASURE(1.E-07), the tolerance of an uncertainty) keeps N
 *    significant digits in exponent form (1.0E-07): a zero tolerance is not a model;
 *  - |x| >= 1e15 is written in exponent form with N significant digits (1.0E+20);
 *    fixed point would only add noise digits.
 * The rounded decimal is the one nearest to the binary value (glibc printf rounding).
 * Numbers that overflow a double (1.0E+999) are left as written.
 * The "stepllm" style reproduces round_step_numbers.py on parsed numbers: a REAL
 * written digits.digits[E...] (uppercase E) gets its mantissa printed with exactly N
 * decimals and its exponent text copied; "2.", "1.5e-3" are left as they are; the
 * sign is kept (-0.0000001 -> -0.000000).
 *
 * Reserialization (reserial_run). Roots are the entities no other entity refers
 * to; they are visited in order of a type priority table (see reserial_root_rank),
 * roots of equal rank by a structural hash of their subtree (types, argument
 * values, decoded strings, referrer counts; ids play no part), then by position in
 * the input. So the output does not depend on how the ids were chosen or the lines
 * ordered, except for cycle-only entities and roots of identical structure
 * (stats.n_root_ties). From each root an iterative depth-first
 * search visits the children in argument order; an entity already visited is not
 * visited again (shared entities are written once). Entities left unvisited (only
 * reachable through cycles) start further searches in input order. The output is
 * numbered 1..n in output order:
 *   pre   an entity is written when it is first reached (parent before children,
 *         the STEP-LLM order);
 *   post  an entity is written when its whole subtree is done, so every reference
 *         points to an already written (smaller) id. The only exceptions are the
 *         references that close a cycle: an edge to an entity still on the DFS
 *         path (a back edge) points forward. They are counted in n_cycle_edges and
 *         listed in cycle_edges (new ids), and annotated with a CYCLE comment.
 * Both orders walk the same DFS tree, so blocks and statistics agree.
 * Every entity of the input appears exactly once. References to undefined ids make
 * the run fail (SL_ERR_INVALID) unless allow_dangling is set; then they are
 * numbered n+1, n+2, ... in order of first appearance (still dangling, but never
 * colliding with a written id).
 *
 * Annotations (annotate = 1), all Part 21 comments alone on their line, so an
 * annotated file is valid STEP and reading it gives the same entities. Grammar:
 *   line      := OPEN " " body " " CLOSE          (OPEN, CLOSE: the comment delimiters)
 *   body      := header | section | begin | end | cycle
 *   header    := "STEPLM reserial v1 order=" ("pre"|"post") " entities=" N
 *                " roots=" N " cycle_edges=" N
 *   section   := "SECTION " CLASS " roots=" N " entities=" N
 *   begin     := "BEGIN " KIND " " I " " TYPE " entities=" N " depth=" N
 *                " types=" TYPE ":" N ("," TYPE ":" N)*
 *   end       := "END " KIND " " I
 *   cycle     := "CYCLE #" ID " -> #" ID
 *   CLASS     := "PRODUCT" | "PRESENTATION" | "SHAPE" | "OTHER" | "CYCLIC"
 *   KIND      := "ROOT" | "FACE"
 * The header comes right after DATA;. One section line precedes the roots of each
 * non-empty priority class. BEGIN ROOT i / END ROOT i enclose the entities written
 * for the i-th root (1-based, whole file); BEGIN FACE j / END FACE j enclose the
 * entities written for the j-th face (ADVANCED_FACE, FACE_SURFACE, ORIENTED_FACE,
 * FACE) inside a root block (face blocks do not nest). entities = entities inside
 * the block, depth = levels of the DFS tree inside the block (a lone entity has
 * depth 1), types = entities per type inside the block, most frequent first, ties
 * by name (a complex instance counts under its first part's type). A CYCLE line
 * follows the entity whose reference closes a cycle.
 */
#ifndef STEPLM_RESERIAL_H
#define STEPLM_RESERIAL_H

#include <stddef.h>
#include <stdint.h>
#include "steplm/p21.h"
#include "steplm/util.h"

typedef enum reserial_order { RESERIAL_PRE = 0, RESERIAL_POST = 1 } reserial_order;
typedef enum reserial_format { RESERIAL_FMT_STEPLM = 0, RESERIAL_FMT_STEPLLM = 1 } reserial_format;
typedef enum reserial_round_style { RESERIAL_ROUND_STEPLM = 0, RESERIAL_ROUND_STEPLLM = 1 } reserial_round_style;

#define RESERIAL_MAX_DECIMALS 17

typedef struct reserial_opts {
    reserial_order order;       /* default RESERIAL_PRE */
    reserial_format format;     /* default RESERIAL_FMT_STEPLM */
    int annotate;               /* 1: write the annotation comments (steplm format) */
    int round_decimals;         /* -1 (default): no rounding; 0..17 */
    int allow_dangling;         /* 0 (default): undefined references fail the run */
} reserial_opts;

void reserial_opts_default(reserial_opts *o);

typedef struct reserial_stats {
    size_t n_entities;          /* entities in the input */
    size_t n_written;           /* entity lines written (== n_entities in steplm format) */
    size_t n_roots;             /* entities nobody references */
    size_t n_cyclic_starts;     /* searches started at unvisited entities (cycles only) */
    size_t n_cycle_edges;       /* back edges (references closing a cycle) */
    size_t n_dangling;          /* distinct undefined ids referenced */
    size_t n_rounded;           /* reals respelled */
    size_t max_depth;           /* depth of the DFS forest (a lone root: 1) */
    size_t n_faces;             /* FACE blocks */
    size_t n_root_ties;         /* roots with the same rank and structural hash as the
                                   previous root: their order is the input order */
    /* stepllm format only: what the released layout loses */
    size_t n_dropped;           /* entities not written */
    size_t n_dropped_roots;     /* roots of unexpected type or complex */
    size_t n_colours_merged;    /* COLOUR_RGB entities folded into the grey one */
} reserial_stats;

/* Result of a run; release with reserial_result_release. */
typedef struct reserial_result {
    sl_buf text;                /* the output file */
    reserial_stats stats;
    /* new id of each input entity, indexed like p21_doc_entity (0 = not written,
     * stepllm format only) */
    uint64_t *new_ids;
    size_t n_new_ids;
    /* steplm post order: (from, to) new ids of the references that point forward */
    uint64_t *cycle_edges;      /* 2 * n_cycle_edges values */
} reserial_result;

void reserial_result_init(reserial_result *r);
void reserial_result_release(reserial_result *r);

/* Round every REAL in the DATA section of doc to decimals (0..17) places, in place.
 * *n_rewritten (may be NULL) gets the number of values respelled. */
sl_status reserial_round_doc(p21_doc *doc, int decimals, reserial_round_style style,
                             size_t *n_rewritten, sl_err *err);

/* Round one REAL spelling. measure = 1 when the value is the argument of a typed
 * parameter (see above). Writes a NUL-terminated spelling to out (n_out >= 64 is
 * always enough for decimals <= 17 and |x| < 1e15, else the text is kept) and
 * returns its length; returns 0 when the text must be kept as it is. */
size_t reserial_round_real(const char *text, size_t len, int decimals, reserial_round_style style,
                           int measure, char *out, size_t n_out);

/* Priority class and rank of a root type (lower first). Classes: 0 PRODUCT
 * (product structure and context), 1 PRESENTATION, 2 SHAPE (shape
 * representations and their relationships), 3 OTHER. The rank orders types inside
 * the classes; the table is in docs/reserial.md and src/reserial/reserial_order.c. */
int reserial_root_rank(const char *type_name, int *class_out);
const char *reserial_class_name(int cls);

/* Reserialize doc into r->text according to opts. The doc is modified only by
 * rounding (when round_decimals >= 0). */
sl_status reserial_run(p21_doc *doc, const reserial_opts *opts, reserial_result *r, sl_err *err);

/* Convenience: parse text (name for diagnostics), reserialize. Parse errors fail
 * with the first error located in *err. */
sl_status reserial_text(const char *name, const char *text, size_t n, const reserial_opts *opts,
                        reserial_result *r, sl_err *err);

/* Restore: turn an annotated file (steplm or stepllm format) back into a plain
 * canonical Part 21 file (p21_doc_write). For the stepllm format the #ID_k
 * placeholders are replaced by the ids given in the "ID_k = n" comment lines and
 * the empty name of the unified colour "COLOUR_RGB( , ..." becomes ''. Entities keep
 * their ids (the restored file of a steplm output is numbered 1..n in output order).
 * Fails on text that does not parse afterwards. */
sl_status reserial_restore(const char *name, const char *text, size_t n, sl_buf *out, sl_err *err);

#endif
