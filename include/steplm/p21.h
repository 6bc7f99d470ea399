/* steplm/p21.h - ISO 10303-21 (STEP Part 21) exchange structure: read, inspect,
 * validate references, write canonical text.
 *
 * Data model. A p21_doc owns everything it holds: the input text (values point
 * into it, zero-copy), an arena for parsed values, the entity array (in file
 * order), an #id -> entity map, interned type names, and a list of diagnostics.
 * Freeing the doc frees all of it at once. Nothing here knows about geometry or
 * about the schema; the schema module checks argument kinds and types on top.
 *
 * Values. Every parameter is a p21_value (16 bytes):
 *   P21_INT, P21_REAL  text = source spelling (kept unless rewritten), len = length
 *   P21_STRING         text = raw contents between the quotes, escapes NOT decoded
 *                      ('' and \X2\..\X0\ etc. as written); p21_string_decode gives UTF-8
 *   P21_ENUM           text = name between the dots (.T. -> "T")
 *   P21_BINARY         text = hex digits between the double quotes
 *   P21_REF            ref  = entity id (#12 -> 12)
 *   P21_LIST           items[0..len-1]
 *   P21_TYPED          typed parameter NAME(x): items[0] is a P21_KEYWORD with the
 *                      name, items[1] the argument (use p21_typed_name/p21_typed_arg)
 *   P21_NULL ($), P21_DERIVED (*), P21_KEYWORD (internal)
 * Text is NOT NUL-terminated; always use len.
 *
 * Entities. A simple instance #12=TYPE(a,b) has one part; a complex instance
 * #12=(A(..)B(..)) has one part per partial type, flag P21_ENT_COMPLEX set (also for
 * a complex instance with a single part, so it writes back the same way). Each part
 * has an interned type index and its argument list (a P21_LIST value).
 *
 * Diagnostics. Reading and validation never stop at the first problem: each
 * problem becomes a p21_diag (severity, line, col, #id, message). The first
 * P21_MAX_KEPT_DIAGS are kept in full, the rest counted in n_errors/n_warnings.
 * Positions are 1-based line and column (in bytes) of the source text. */
#ifndef STEPLM_P21_H
#define STEPLM_P21_H

#include <stddef.h>
#include <stdint.h>
#include "steplm/util.h"

typedef enum p21_kind {
    P21_NULL = 0, P21_DERIVED, P21_INT, P21_REAL, P21_STRING, P21_ENUM, P21_BINARY,
    P21_REF, P21_LIST, P21_TYPED, P21_KEYWORD
} p21_kind;

typedef struct p21_value p21_value;
struct p21_value {
    uint8_t kind;          /* p21_kind */
    uint8_t flags;         /* P21_VAL_* */
    uint16_t reserved;
    uint32_t len;          /* text length, or number of list items */
    union {
        const char *text;
        uint64_t ref;
        p21_value *items;
    } u;
};
enum { P21_VAL_REWRITTEN = 1 };   /* text no longer the source spelling */

typedef struct p21_part {
    uint32_t type;         /* index into the doc's interned type names */
    p21_value args;        /* always P21_LIST */
} p21_part;

typedef struct p21_entity {
    uint64_t id;           /* #id */
    uint32_t line, col;    /* position of the '#' */
    uint32_t n_parts;
    uint16_t flags;        /* P21_ENT_* */
    uint16_t section;      /* index of the DATA section it is in (0-based) */
    p21_part *parts;
    uint32_t n_refs;       /* references anywhere in the arguments, in text order */
    uint64_t *refs;        /* ids (may be undefined; check with p21_doc_find) */
} p21_entity;
enum { P21_ENT_COMPLEX = 1, P21_ENT_BAD = 2 /* had a syntax error, arguments partial */ };

typedef enum p21_severity { P21_ERROR = 0, P21_WARNING = 1 } p21_severity;

typedef struct p21_diag {
    uint8_t severity;      /* p21_severity */
    uint32_t line, col;
    uint64_t id;           /* 0 when not inside an entity */
    char *msg;             /* in the doc's arena */
} p21_diag;

#define P21_MAX_KEPT_DIAGS 1000

typedef struct p21_header_entry {   /* FILE_DESCRIPTION(...), FILE_NAME(...), ... */
    uint32_t type;
    p21_value args;
    uint32_t line, col;
} p21_header_entry;

typedef struct p21_section {        /* a DATA section; params is a LIST or P21_NULL */
    p21_value params;
    uint32_t line, col;
} p21_section;

typedef struct p21_doc p21_doc;

typedef struct p21_read_opts {
    size_t max_file_bytes;      /* 0 = no limit */
    size_t max_token_bytes;     /* longest string / binary / number; default 64 MiB */
    uint32_t max_depth;         /* list nesting; default 256 */
    uint64_t max_entities;      /* default 2^31 */
} p21_read_opts;

/* Fills defaults. */
void p21_read_opts_default(p21_read_opts *o);

/* Parse a Part 21 text. name is used in diagnostics (the file path). On return
 * *out holds a document unless memory ran out (then *out is NULL and the status is
 * SL_ERR_NOMEM). The status is SL_OK when the text parsed without errors, otherwise
 * SL_ERR_SYNTAX / SL_ERR_LIMIT with the first error in *err; the document then
 * still holds everything that could be recovered, plus all diagnostics.
 * p21_doc_read_mem copies the text; p21_doc_read_owned takes ownership of a
 * malloc'd buffer of n + 1 bytes with text[n] == 0 (freed with the document, also
 * on failure); sl_file_read returns such a buffer. */
sl_status p21_doc_read_mem(const char *name, const char *text, size_t n,
                           const p21_read_opts *opts, p21_doc **out, sl_err *err);
sl_status p21_doc_read_owned(const char *name, char *text, size_t n,
                             const p21_read_opts *opts, p21_doc **out, sl_err *err);
sl_status p21_doc_read_file(const char *path, const p21_read_opts *opts,
                            p21_doc **out, sl_err *err);

/* A new empty document (for building one in code). NULL on out of memory. */
p21_doc *p21_doc_new(const char *name);
void p21_doc_free(p21_doc *doc);

/* ---- inspection ---------------------------------------------------------- */
const char *p21_doc_name(const p21_doc *doc);
size_t p21_doc_n_entities(const p21_doc *doc);
p21_entity *p21_doc_entity(const p21_doc *doc, size_t i);       /* file order */
p21_entity *p21_doc_find(const p21_doc *doc, uint64_t id);      /* NULL if undefined */
size_t p21_doc_n_header(const p21_doc *doc);
const p21_header_entry *p21_doc_header(const p21_doc *doc, size_t i);
size_t p21_doc_n_sections(const p21_doc *doc);
const p21_section *p21_doc_section(const p21_doc *doc, size_t i);
/* Interned type names ("CARTESIAN_POINT"). */
size_t p21_doc_n_types(const p21_doc *doc);
const char *p21_doc_type_name(const p21_doc *doc, uint32_t type);
/* Index of a type name, or UINT32_MAX if no entity in the doc has it. */
uint32_t p21_doc_type_find(const p21_doc *doc, const char *name);
/* Intern a name (for documents built in code). UINT32_MAX on out of memory. */
uint32_t p21_doc_type_intern(p21_doc *doc, const char *name, size_t len);
/* Part of entity e with the given type name, or NULL. */
const p21_part *p21_entity_part(const p21_doc *doc, const p21_entity *e, const char *type);
/* Type name of a simple instance, or of the first part of a complex one. */
const char *p21_entity_type_name(const p21_doc *doc, const p21_entity *e);

/* Header entry by type name (e.g. "FILE_SCHEMA"), or NULL. */
const p21_header_entry *p21_doc_header_find(const p21_doc *doc, const char *type);
/* true when the text ended with ENDSEC; after DATA and END-ISO-10303-21; (the
 * STEP-LLM "complete" test). */
int p21_doc_complete(const p21_doc *doc);

/* Values. */
double p21_value_real(const p21_value *v);    /* INT or REAL; NaN otherwise */
int p21_value_int(const p21_value *v, int64_t *out);  /* 0 ok, -1 not an int / overflow */
/* Name of a typed parameter ("LENGTH_MEASURE"), NUL-terminated (interned by the
 * reader; values built in code must point it at a NUL-terminated string too). */
const char *p21_typed_name(const p21_doc *doc, const p21_value *v);
const p21_value *p21_typed_arg(const p21_value *v);
/* Decode a raw STRING value (escapes '' \\ \X\hh \X2\..\X0\ \X4\..\X0\ \S\c \P?\) to
 * UTF-8 appended to out. Returns SL_OK, or SL_ERR_SYNTAX with a message for a
 * malformed escape (out then holds a best-effort decoding). */
sl_status p21_string_decode(const char *raw, size_t n, sl_buf *out, sl_err *err);
/* Encode UTF-8 text as a legal raw Part 21 string body (no surrounding quotes):
 * ' -> '', \ -> \\, non-ASCII -> \X2\hhhh..\X0\ (or \X4\ beyond the BMP),
 * control characters -> \X\hh. Invalid UTF-8 bytes are encoded as \X\hh. */
void p21_string_encode(const char *utf8, size_t n, sl_buf *out);

/* ---- diagnostics --------------------------------------------------------- */
size_t p21_doc_n_errors(const p21_doc *doc);     /* all errors, kept or not */
size_t p21_doc_n_warnings(const p21_doc *doc);
size_t p21_doc_n_diags(const p21_doc *doc);      /* kept ones */
const p21_diag *p21_doc_diag(const p21_doc *doc, size_t i);
/* Add a diagnostic (used by the validators built on top, e.g. schema/). */
void p21_doc_add_diag(p21_doc *doc, p21_severity sev, uint32_t line, uint32_t col,
                      uint64_t id, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Format diagnostic i as "name:line:col: error: #id: msg". */
void p21_diag_format(const p21_doc *doc, const p21_diag *d, char *out, size_t n_out);

/* Reference checks: undefined references and reference cycles (each cycle
 * reported once). Duplicate ids are reported while reading. Iterative (no
 * recursion). Adds diagnostics; returns the number of errors it added. */
size_t p21_doc_check_refs(p21_doc *doc);

/* ---- building and rewriting --------------------------------------------- */
/* Memory owned by the doc, for values built or rewritten by callers. */
void *p21_doc_alloc(p21_doc *doc, size_t n);
/* Append an entity (copying parts/args shallowly: values must live in the doc's
 * memory or outlive it). Fails on duplicate id. Recomputes refs. */
sl_status p21_doc_add_entity(p21_doc *doc, uint64_t id, int complex,
                             const p21_part *parts, uint32_t n_parts, sl_err *err);
/* Recompute e->refs after its arguments were changed. */
sl_status p21_entity_update_refs(p21_doc *doc, p21_entity *e);
/* Replace the header with the given entries (copied shallowly). */
sl_status p21_doc_set_header(p21_doc *doc, const p21_header_entry *h, size_t n);

/* ---- writing ------------------------------------------------------------- */
typedef struct p21_write_opts {
    int one_line_per_entity;  /* 1 (default): canonical */
} p21_write_opts;

/* Canonical text: "ISO-10303-21;", HEADER entries, one DATA section per source
 * section, one entity per line "#id=TYPE(a,b);" in the doc's entity order, no
 * spaces, strings re-encoded when their raw form is not legal printable Part 21,
 * numbers as their stored text. Appends to out. */
void p21_doc_write(const p21_doc *doc, const p21_write_opts *opts, sl_buf *out);
/* Write one value / one entity (no trailing newline) - for other writers. */
void p21_value_write(const p21_doc *doc, const p21_value *v, sl_buf *out);
void p21_entity_write(const p21_doc *doc, const p21_entity *e, sl_buf *out);
/* Write to path atomically. */
sl_status p21_doc_write_file(const p21_doc *doc, const p21_write_opts *opts,
                             const char *path, sl_err *err);

/* Structural equality of two documents: same header values, same sections, same
 * entities by id with equal types and argument values (strings compared after
 * decoding, numbers by their text). On difference, fills why (if non-NULL). */
int p21_doc_equal(const p21_doc *a, const p21_doc *b, char *why, size_t n_why);

#endif
