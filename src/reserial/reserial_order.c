/* reserial_order.c - the root priority table. Roots are written class by class
 * (PRODUCT, PRESENTATION, SHAPE, OTHER), and by rank inside a class; ties are
 * broken by a structural hash (reserial_run.c), then by input order. Exact names are looked up first, then the keyword rules in order;
 * "names containing W" means W at the start of the name or right after a '_'.
 *
 *  rank class         types
 *   0   PRODUCT       PRODUCT_CATEGORY_RELATIONSHIP
 *   1   PRODUCT       PRODUCT_RELATED_PRODUCT_CATEGORY, PRODUCT_CATEGORY
 *   2   PRODUCT       APPLICATION_PROTOCOL_DEFINITION
 *   3   PRODUCT       other PRODUCT*, APPLICATION_CONTEXT
 *   4   PRODUCT       management data: APPLIED_*, CC_DESIGN_*, PERSON*, ORGANIZATION*,
 *                     APPROVAL*, DATE*, SECURITY_CLASSIFICATION*, DOCUMENT*,
 *                     CALENDAR_DATE, LOCAL_TIME, COORDINATED_UNIVERSAL_TIME_OFFSET
 *  10   PRESENTATION  MECHANICAL_DESIGN_GEOMETRIC_PRESENTATION_REPRESENTATION
 *  11   PRESENTATION  DRAUGHTING_MODEL
 *  12   PRESENTATION  PRESENTATION_LAYER_ASSIGNMENT
 *  13   PRESENTATION  names containing PRESENTATION, STYLED_ITEM, STYLE, COLOUR,
 *                     DRAUGHTING, ANNOTATION, INVISIBILITY, CAMERA
 *  20   SHAPE         SHAPE_DEFINITION_REPRESENTATION
 *  21   SHAPE         names containing REPRESENTATION_RELATIONSHIP
 *  22   SHAPE         CONTEXT_DEPENDENT_SHAPE_REPRESENTATION
 *  23   SHAPE         names containing USAGE_OCCURRENCE
 *  24   SHAPE         names containing REPRESENTATION, PROPERTY_DEFINITION, SHAPE_ASPECT
 *  30   OTHER         everything else (loose geometry, ...)
 * A complex instance is ranked by the type of its first part. */
#include "reserial_int.h"

#include <string.h>

static const struct { const char *name; int rank; } exact[] = {
    {"PRODUCT_CATEGORY_RELATIONSHIP", 0},
    {"PRODUCT_RELATED_PRODUCT_CATEGORY", 1},
    {"PRODUCT_CATEGORY", 1},
    {"APPLICATION_PROTOCOL_DEFINITION", 2},
    {"APPLICATION_CONTEXT", 3},
    {"CALENDAR_DATE", 4},
    {"LOCAL_TIME", 4},
    {"COORDINATED_UNIVERSAL_TIME_OFFSET", 4},
    {"MECHANICAL_DESIGN_GEOMETRIC_PRESENTATION_REPRESENTATION", 10},
    {"DRAUGHTING_MODEL", 11},
    {"PRESENTATION_LAYER_ASSIGNMENT", 12},
    {"SHAPE_DEFINITION_REPRESENTATION", 20},
    {"CONTEXT_DEPENDENT_SHAPE_REPRESENTATION", 22},
};

static const struct { const char *word; int prefix; int rank; } rules[] = {
    {"PRODUCT", 1, 3},
    {"APPLIED_", 1, 4}, {"CC_DESIGN_", 1, 4}, {"PERSON", 1, 4}, {"ORGANIZATION", 1, 4},
    {"APPROVAL", 1, 4}, {"DATE", 1, 4}, {"SECURITY_CLASSIFICATION", 1, 4}, {"DOCUMENT", 1, 4},
    {"PRESENTATION", 0, 13}, {"STYLED_ITEM", 0, 13}, {"STYLE", 0, 13}, {"COLOUR", 0, 13},
    {"DRAUGHTING", 0, 13}, {"ANNOTATION", 0, 13}, {"INVISIBILITY", 0, 13}, {"CAMERA", 0, 13},
    {"REPRESENTATION_RELATIONSHIP", 0, 21},
    {"USAGE_OCCURRENCE", 0, 23},
    {"REPRESENTATION", 0, 24}, {"PROPERTY_DEFINITION", 0, 24}, {"SHAPE_ASPECT", 0, 24},
};

int reserial_root_rank(const char *t, int *class_out) {
    int rank = 30;
    int found = 0;
    for (size_t i = 0; i < sizeof exact / sizeof exact[0] && !found; i++)
        if (!strcmp(t, exact[i].name)) { rank = exact[i].rank; found = 1; }
    for (size_t i = 0; i < sizeof rules / sizeof rules[0] && !found; i++) {
        const char *w = rules[i].word;
        if (rules[i].prefix) {
            if (!strncmp(t, w, strlen(w))) { rank = rules[i].rank; found = 1; }
            continue;
        }
        /* a word inside the name: at its start or after '_' (so REPRESENTATION,
         * which contains PRESENTATION, is not taken for a presentation type) */
        for (const char *p = strstr(t, w); p && !found; p = strstr(p + 1, w))
            if (p == t || p[-1] == '_') { rank = rules[i].rank; found = 1; }
    }
    if (class_out) *class_out = rank / 10;
    return rank;
}

const char *reserial_class_name(int cls) {
    static const char *const names[] = {"PRODUCT", "PRESENTATION", "SHAPE", "OTHER", "CYCLIC"};
    return cls >= 0 && cls <= 4 ? names[cls] : "OTHER";
}
