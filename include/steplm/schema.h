/* steplm/schema.h - entity signatures of the STEP application protocols that real
 * CAD files use (AP203, AP214, AP242, plus the AP209/AP224 parts found in the
 * reference corpus), and a checker that validates a parsed Part 21 document
 * against them.
 *
 * The table. One constant, sorted table (generated from src/schema/entities.txt
 * by src/schema/gen_table.py; no runtime parsing, no mutable state). For each
 * entity type: its name (upper case, as Part 21 writes it), whether it is
 * ABSTRACT, its supertypes in EXPRESS order, its own explicit attributes, and
 * its "layout": the attribute list a simple instance carries (inherited
 * attributes first, depth-first over the supertypes in declared order, each
 * supertype once), with attributes that a subtype redeclares as DERIVED marked
 * (Part 21 writes them as '*').
 *
 * Attribute types are schema_type records: simple kinds (REAL, INTEGER,
 * NUMBER, STRING, LOGICAL, BOOLEAN, BINARY), ENUM with its values, ENTITY (a
 * reference to one entity type or any subtype), SELECT (entity types and/or
 * defined types; a defined type inside a select is written as a typed
 * parameter such as LENGTH_MEASURE(1.)), and aggregates LIST/SET/BAG/ARRAY
 * with bounds and an element type. Defined types (LENGTH_MEASURE, LABEL...)
 * are types with a name whose kind is their underlying kind.
 *
 * Lookups are binary searches over the sorted names (case-insensitive); "is
 * a" tests are one bit test in a precomputed ancestor set. */
#ifndef STEPLM_SCHEMA_H
#define STEPLM_SCHEMA_H

#include <stddef.h>
#include <stdint.h>
#include "steplm/p21.h"

typedef enum schema_kind {
    SCHEMA_REAL = 0, SCHEMA_INTEGER, SCHEMA_NUMBER, SCHEMA_STRING, SCHEMA_LOGICAL,
    SCHEMA_BOOLEAN, SCHEMA_BINARY, SCHEMA_ENUM, SCHEMA_ENTITY, SCHEMA_SELECT,
    SCHEMA_LIST, SCHEMA_SET, SCHEMA_BAG, SCHEMA_ARRAY
} schema_kind;

typedef struct schema_type {
    uint8_t kind;          /* schema_kind */
    int32_t lo, hi;        /* aggregates: bounds; hi = -1 for '?' (unbounded) */
    uint32_t elem;         /* aggregates: element type; ENTITY: entity index */
    uint32_t first, n;     /* ENUM: values; SELECT: defined-type alternatives */
    uint32_t mask;         /* ENTITY/SELECT: set of allowed entity types (schema_mask) */
    uint8_t any_ref;       /* SELECT: any entity reference is allowed;
                              ENUM: values not listed (any value accepted) */
    int32_t base;          /* defined type declared as another defined type, else -1 */
    const char *name;      /* defined type name (upper case), "" when anonymous */
} schema_type;

enum { SCHEMA_ABSTRACT = 1 };

typedef struct schema_entity {
    const char *name;      /* upper case */
    uint16_t flags;        /* SCHEMA_ABSTRACT */
    uint16_t n_supers;
    uint32_t first_super;  /* schema_entity_super(e, k) */
    uint32_t n_own, first_own;   /* own explicit attributes (schema_attr_at) */
    uint32_t n_layout, first_layout; /* simple-instance attribute list */
    uint32_t index;        /* position in the sorted table */
} schema_entity;

typedef struct schema_attr {
    const char *name;      /* lower case, as in EXPRESS */
    uint32_t owner;        /* entity index that declares it */
    uint32_t type;         /* schema_type index */
    uint8_t optional;
    uint32_t n_derived_by, first_derived_by;  /* subtypes that redeclare it DERIVED
                                                 (schema_attr_derived_by) */
} schema_attr;

enum { SCHEMA_NOT_DERIVED = 0, SCHEMA_DERIVED = 1,
       SCHEMA_MAYBE_DERIVED = 2 /* derived in some editions: '*' or a value */ };

typedef struct schema_slot {
    uint16_t attr;         /* schema_attr index */
    uint8_t derived;       /* SCHEMA_*DERIVED for a simple instance of this entity */
} schema_slot;

/* ---- the table ------------------------------------------------------------ */
size_t schema_n_entities(void);
const schema_entity *schema_entity_at(size_t i);            /* sorted by name */
/* Case-insensitive lookup; NULL if the type is not in the table. */
const schema_entity *schema_entity_find(const char *name, size_t len);
const schema_entity *schema_entity_super(const schema_entity *e, size_t k);
/* true when entity index sub is super or one of its (transitive) subtypes. */
int schema_is_a(uint32_t sub, uint32_t super);
/* Simple-instance layout of e: n_layout slots. */
const schema_slot *schema_entity_layout(const schema_entity *e);
size_t schema_n_attrs(void);
const schema_attr *schema_attr_at(size_t i);
/* k-th subtype redeclaring a as DERIVED; *maybe (if non-NULL) is set when only
 * some editions of the schema derive it. */
const schema_entity *schema_attr_derived_by(const schema_attr *a, size_t k, int *maybe);
size_t schema_n_types(void);
const schema_type *schema_type_at(size_t i);
/* Defined type by name (case-insensitive), NULL if unknown. */
const schema_type *schema_type_find(const char *name, size_t len);
size_t schema_type_index(const schema_type *t);
/* ENUM: value k (upper case, without dots). */
const char *schema_enum_value(const schema_type *t, size_t k);
/* SELECT: defined-type alternative k (nested selects flattened). */
const schema_type *schema_select_item(const schema_type *t, size_t k);
/* ENTITY/SELECT: whether entity index e is one of the listed entity types
 * (not counting subtypes: use schema_entity_matches for the full test). */
int schema_mask_has(uint32_t mask, uint32_t e);
/* Whether an instance of entity index e is acceptable where type t (ENTITY or
 * SELECT) is expected: e is a subtype of one of the allowed types. */
int schema_entity_matches(const schema_type *t, uint32_t e);
/* Compact text of a type: "LIST [1:3] OF LENGTH_MEASURE", "CARTESIAN_POINT",
 * "SELECT (...)" is written as the select's name. Always NUL-terminated. */
void schema_type_describe(const schema_type *t, char *out, size_t n_out);

/* ---- checking a document ---------------------------------------------------- */
typedef struct schema_check_opts {
    /* Leniencies that real CAD files need (see docs/schema.md). strict = 1 turns
     * each of them into an error. */
    int strict;
    /* Report at most this many warnings of one kind (entity type + attribute +
     * problem), then one summary warning; 0 = no limit. Errors are never capped
     * (the doc keeps the first P21_MAX_KEPT_DIAGS in full and counts the rest). */
    uint32_t max_similar_warnings;
} schema_check_opts;

void schema_check_opts_default(schema_check_opts *o);

/* Check every entity of doc against the table: argument counts, argument kinds,
 * enumeration values, aggregate bounds, '$' and '*', typed parameters, and the
 * types of referenced entities (via the supertype graph; complex instances count
 * as all of their parts). Unknown entity types are warnings. Complex instances:
 * each part must hold that type's own attributes; parts must be known, in
 * alphabetical order (warning) and every supertype of a part must be present.
 * The HEADER entities (FILE_DESCRIPTION, FILE_NAME, FILE_SCHEMA, ...) are checked
 * too when the document has a header. Entities flagged P21_ENT_BAD are skipped.
 * Adds diagnostics to doc (line/col/#id of the instance); returns the number of
 * errors added. o may be NULL (defaults). Typical use, after reading:
 *     n_errors += p21_doc_check_refs(doc) + schema_check_doc(doc, NULL); */
size_t schema_check_doc(p21_doc *doc, const schema_check_opts *o);

#endif
