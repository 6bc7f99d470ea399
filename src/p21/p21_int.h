/* p21_int.h - the p21 document's private layout, shared by the reader, the writer
 * and the document functions. Not a public header. */
#ifndef STEPLM_P21_INT_H
#define STEPLM_P21_INT_H

#include "steplm/p21.h"

struct p21_doc {
    char *name;
    char *text;                 /* owned input text (values point into it), may be NULL */
    size_t n_text;
    sl_arena arena;             /* values, parts, refs, strings, messages */

    p21_entity *ents;           /* file order */
    size_t n_ents, cap_ents;

    uint64_t *map_keys;         /* id -> entity index, open addressing, key 0 = empty */
    uint32_t *map_vals;
    size_t map_cap, map_n;      /* cap is a power of two */
    uint32_t *dense;            /* id -> entity index + 1 for ids < n_dense (most files
                                   number their entities densely), 0 = absent */
    size_t n_dense;
    struct { uint32_t len; uint32_t type; } type_cache[256];  /* last interned name per hash slot */

    const char **type_names;    /* interned, NUL-terminated, in the arena */
    uint32_t *type_lens;
    size_t n_types, cap_types;
    uint32_t *type_slots;       /* hash -> type index + 1, 0 = empty */
    size_t type_slot_cap;

    p21_header_entry *hdr;
    size_t n_hdr, cap_hdr;
    p21_section *secs;
    size_t n_secs, cap_secs;

    p21_diag *diags;
    size_t n_diags, cap_diags;
    size_t n_errors, n_warnings;

    int complete;               /* ENDSEC after DATA and END-ISO-10303-21 seen */
};

/* id map */
int p21__map_put(p21_doc *doc, uint64_t id, uint32_t idx);   /* -1 oom, 1 exists, 0 ok */
long p21__map_get(const p21_doc *doc, uint64_t id);          /* -1 if absent */
/* appends a zeroed entity slot; NULL on oom */
p21_entity *p21__ents_push(p21_doc *doc);
void p21__add_diagv(p21_doc *doc, p21_severity sev, uint32_t line, uint32_t col,
                    uint64_t id, const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));
int p21__collect_refs(p21_doc *doc, p21_entity *e);

#endif
