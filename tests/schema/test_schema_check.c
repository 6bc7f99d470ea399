/* test_schema_check.c - schema_check_doc on small hand-written STEP snippets.
 *
 * Every expectation is derived by hand from the EXPRESS definitions of ISO
 * 10303-42/-41/-43 (attribute order and types quoted in the comments), not from
 * the table under test: snippets that must pass cleanly, and snippets that must
 * produce one specific located error or warning. */
#include <string.h>

#include "test.h"
#include "steplm/p21.h"
#include "steplm/schema.h"

#define HEADER_LINES 7
static const char *head =
    "ISO-10303-21;\n"
    "HEADER;\n"
    "FILE_DESCRIPTION((''),'2;1');\n"
    "FILE_NAME('t','',(''),(''),'','','');\n"
    "FILE_SCHEMA(('AUTOMOTIVE_DESIGN'));\n"
    "ENDSEC;\n"
    "DATA;\n";
static const char *tail = "ENDSEC;\nEND-ISO-10303-21;\n";

/* Parse head + body + tail and run the schema check. */
static p21_doc *run(const char *body, int strict, size_t *n_err) {
    size_t n = strlen(head) + strlen(body) + strlen(tail);
    char *text = malloc(n + 1);
    strcpy(text, head);
    strcat(text, body);
    strcat(text, tail);
    p21_doc *doc = NULL;
    sl_err err;
    sl_status st = p21_doc_read_mem("snippet", text, n, NULL, &doc, &err);
    free(text);
    CHECK_MSG(st == SL_OK, "snippet does not parse: %s", err.msg);
    if (!doc) return NULL;
    schema_check_opts o;
    schema_check_opts_default(&o);
    o.strict = strict;
    o.max_similar_warnings = 0;
    *n_err = schema_check_doc(doc, &o);
    return doc;
}

static void dump(const p21_doc *doc) {
    for (size_t i = 0; i < p21_doc_n_diags(doc); i++) {
        char line[800];
        p21_diag_format(doc, p21_doc_diag(doc, i), line, sizeof line);
        fprintf(stderr, "    %s\n", line);
    }
}

/* Is there a diagnostic of severity sev at body line `line` for #id whose
 * message contains `msg`? */
static int has(const p21_doc *doc, int sev, uint32_t line, uint64_t id, const char *msg) {
    for (size_t i = 0; i < p21_doc_n_diags(doc); i++) {
        const p21_diag *d = p21_doc_diag(doc, i);
        if (d->severity == sev && d->line == line + HEADER_LINES && d->id == id && strstr(d->msg, msg)) return 1;
    }
    return 0;
}

/* One snippet that must give exactly n_errors errors, one of them as described. */
static void expect(const char *what, const char *body, int strict, int sev, uint32_t line, uint64_t id,
                   const char *msg, size_t n_errors) {
    size_t ne = 0;
    p21_doc *doc = run(body, strict, &ne);
    if (!doc) return;
    int ok = has(doc, sev, line, id, msg);
    CHECK_MSG(ok, "%s: expected %s at line %u #%llu containing \"%s\"", what,
              sev == P21_ERROR ? "error" : "warning", line + HEADER_LINES, (unsigned long long)id, msg);
    CHECK_MSG(ne == n_errors, "%s: %zu errors, expected %zu", what, ne, n_errors);
    if (!ok || ne != n_errors) dump(doc);
    p21_doc_free(doc);
}

/* A valid little B-rep fragment with units, contexts, a complex rational
 * B-spline surface and styled items: no errors, no warnings. */
static const char *good =
    "#1=CARTESIAN_POINT('',(0.,0.,0.));\n"                                   /* 1 */
    "#2=DIRECTION('',(0.,0.,1.));\n"
    "#3=DIRECTION('',(1.,0.,0.));\n"
    "#4=AXIS2_PLACEMENT_3D('',#1,#2,#3);\n"
    "#5=PLANE('',#4);\n"                                                     /* 5 */
    "#6=VERTEX_POINT('',#1);\n"
    "#7=CARTESIAN_POINT('',(1.,0.,0.));\n"
    "#8=VERTEX_POINT('',#7);\n"
    "#9=VECTOR('',#3,1.);\n"
    "#10=LINE('',#1,#9);\n"                                                  /* 10 */
    "#11=EDGE_CURVE('',#6,#8,#10,.T.);\n"
    "#12=ORIENTED_EDGE('',*,*,#11,.F.);\n"
    "#13=EDGE_LOOP('',(#12));\n"
    "#14=FACE_OUTER_BOUND('',#13,.T.);\n"
    "#15=ADVANCED_FACE('',(#14),#5,.T.);\n"                                  /* 15 */
    "#16=CLOSED_SHELL('',(#15));\n"
    "#17=MANIFOLD_SOLID_BREP('solid',#16);\n"
    "#18=(LENGTH_UNIT()NAMED_UNIT(*)SI_UNIT(.MILLI.,.METRE.));\n"
    "#19=(NAMED_UNIT(*)PLANE_ANGLE_UNIT()SI_UNIT($,.RADIAN.));\n"
    "#20=(NAMED_UNIT(*)SI_UNIT($,.STERADIAN.)SOLID_ANGLE_UNIT());\n"         /* 20 */
    "#21=UNCERTAINTY_MEASURE_WITH_UNIT(LENGTH_MEASURE(1.E-07),#18,'distance_accuracy_value','');\n"
    "#22=(GEOMETRIC_REPRESENTATION_CONTEXT(3)GLOBAL_UNCERTAINTY_ASSIGNED_CONTEXT((#21))"
    "GLOBAL_UNIT_ASSIGNED_CONTEXT((#18,#19,#20))REPRESENTATION_CONTEXT('ctx','3D'));\n"
    "#23=ADVANCED_BREP_SHAPE_REPRESENTATION('',(#17,#4),#22);\n"
    "#24=(BOUNDED_SURFACE()B_SPLINE_SURFACE(1,1,((#1,#7),(#1,#7)),.UNSPECIFIED.,.F.,.F.,.F.)"
    "B_SPLINE_SURFACE_WITH_KNOTS((2,2),(2,2),(0.,1.),(0.,1.),.UNSPECIFIED.)"
    "GEOMETRIC_REPRESENTATION_ITEM()RATIONAL_B_SPLINE_SURFACE(((1.,1.),(1.,1.)))"
    "REPRESENTATION_ITEM('')SURFACE());\n"
    "#25=ADVANCED_FACE('',(#14),#24,.F.);\n"                                 /* 25 */
    "#26=COLOUR_RGB('',0.8,0.8,0.8);\n"
    "#27=FILL_AREA_STYLE_COLOUR('',#26);\n"
    "#28=FILL_AREA_STYLE('',(#27));\n"
    "#29=SURFACE_STYLE_FILL_AREA(#28);\n"
    "#30=SURFACE_SIDE_STYLE('',(#29));\n"                                    /* 30 */
    "#31=SURFACE_STYLE_USAGE(.BOTH.,#30);\n"
    "#32=PRESENTATION_STYLE_ASSIGNMENT((#31));\n"
    "#33=STYLED_ITEM('color',(#32),#17);\n"
    "#34=TRIMMED_CURVE('',#10,(PARAMETER_VALUE(0.)),(#7),.T.,.PARAMETER.);\n"
    "#35=CIRCLE('',#4,2.5);\n"                                               /* 35 */
    "#36=B_SPLINE_CURVE_WITH_KNOTS('',1,(#1,#7),.UNSPECIFIED.,.F.,.U.,(2,2),(0.,1.),.UNSPECIFIED.);\n"
    "#37=(CONVERSION_BASED_UNIT('DEGREE',#38)NAMED_UNIT(*)PLANE_ANGLE_UNIT());\n"
    "#38=PLANE_ANGLE_MEASURE_WITH_UNIT(PLANE_ANGLE_MEASURE(0.0174532925),#19);\n"
    "#39=SI_UNIT(*,$,.SECOND.);\n";

int main(void) {
    /* ---- a clean fragment passes, also in strict mode ---- */
    {
        size_t ne = 99;
        p21_doc *doc = run(good, 0, &ne);
        CHECK_EQ_INT(ne, 0);
        CHECK_EQ_INT(p21_doc_n_warnings(doc), 0);
        if (ne || p21_doc_n_warnings(doc)) dump(doc);
        p21_doc_free(doc);
        doc = run(good, 1, &ne);
        CHECK_EQ_INT(ne, 0);
        if (ne) dump(doc);
        p21_doc_free(doc);
    }

    /* ---- argument counts ---- */
    /* cartesian_point: name (representation_item), coordinates: 2 arguments */
    expect("count", "#1=CARTESIAN_POINT('',(0.,0.,0.),1.);\n", 0, P21_ERROR, 1, 1,
           "CARTESIAN_POINT expects 2 arguments (name, coordinates), got 3", 1);
    /* advanced_face inherits name, bounds (face), face_geometry, same_sense (face_surface) */
    expect("count inherited", "#5=ADVANCED_FACE('',(),#6);\n#6=PLANE('',$);\n", 0, P21_ERROR, 1, 5,
           "ADVANCED_FACE expects 4 arguments (name, bounds, face_geometry, same_sense), got 3", 1);

    /* ---- argument kinds ---- */
    expect("string for list", "#1=CARTESIAN_POINT('','abc');\n", 0, P21_ERROR, 1, 1,
           "CARTESIAN_POINT: attribute 2 'coordinates' expects LIST [1:3] OF LENGTH_MEASURE, got STRING", 1);
    expect("string for real", "#1=CARTESIAN_POINT('',(0.,0.,0.));\n#2=DIRECTION('',(0.,0.,1.));\n"
           "#3=AXIS2_PLACEMENT_3D('',#1,#2,$);\n#4=CIRCLE('',#3,'r');\n", 0, P21_ERROR, 4, 4,
           "CIRCLE: attribute 3 'radius' expects POSITIVE_LENGTH_MEASURE, got STRING", 1);
    expect("element kind", "#2=DIRECTION('',(1.,'a',0.));\n", 0, P21_ERROR, 1, 2,
           "DIRECTION: attribute 2 'direction_ratios' element 2 expects REAL, got STRING", 1);
    expect("list for reference", "#1=CARTESIAN_POINT('',(0.,0.,0.));\n#7=VERTEX_POINT('',(#1));\n", 0,
           P21_ERROR, 2, 7, "VERTEX_POINT: attribute 2 'vertex_geometry' expects POINT, got LIST of 1", 1);
    expect("bad boolean", "#1=CARTESIAN_POINT('',(0.,0.,0.));\n#2=VERTEX_POINT('',#1);\n"
           "#3=DIRECTION('',(1.,0.,0.));\n#4=VECTOR('',#3,1.);\n#5=LINE('',#1,#4);\n"
           "#9=EDGE_CURVE('',#2,#2,#5,.X.);\n", 0, P21_ERROR, 6, 9,
           "EDGE_CURVE: attribute 5 'same_sense' expects BOOLEAN, got .X.", 1);
    expect("unknown enum value", "#1=(LENGTH_UNIT()NAMED_UNIT(*)SI_UNIT(.MILLI.,.FOOT.));\n", 0, P21_ERROR,
           1, 1, "SI_UNIT: attribute 2 'name' expects SI_UNIT_NAME, got .FOOT.", 1);
    expect("non-integral real for integer",
           "#1=CARTESIAN_POINT('',(0.,0.,0.));\n#2=CARTESIAN_POINT('',(1.,0.,0.));\n"
           "#3=B_SPLINE_CURVE_WITH_KNOTS('',2.5,(#1,#2),.UNSPECIFIED.,.F.,.F.,(2,2),(0.,1.),.UNSPECIFIED.);\n",
           0, P21_ERROR, 3, 3, "B_SPLINE_CURVE_WITH_KNOTS: attribute 2 'degree' expects INTEGER, got REAL 2.5", 1);
    expect("star in explicit slot", "#1=CARTESIAN_POINT('',(0.,0.,0.));\n#2=DIRECTION('',(0.,0.,1.));\n"
           "#3=AXIS2_PLACEMENT_3D('',#1,#2,$);\n#4=CIRCLE('',*,1.);\n", 0, P21_ERROR, 4, 4,
           "CIRCLE: attribute 2 'position' is not a derived attribute; '*' is not allowed", 1);
    expect("typed parameter outside the select",
           "#1=(LENGTH_UNIT()NAMED_UNIT(*)SI_UNIT(.MILLI.,.METRE.));\n"
           "#2=UNCERTAINTY_MEASURE_WITH_UNIT(LABEL('x'),#1,'d','');\n", 0, P21_ERROR, 2, 2,
           "UNCERTAINTY_MEASURE_WITH_UNIT: attribute 1 'value_component' expects MEASURE_VALUE, got LABEL(...)", 1);

    /* ---- reference types ---- */
    /* line: pnt cartesian_point, dir vector; #2 is a DIRECTION -> two errors */
    expect("wrong reference type", "#1=CARTESIAN_POINT('',(0.,0.,0.));\n#2=DIRECTION('',(1.,0.,0.));\n"
           "#8=LINE('',#2,#2);\n", 0, P21_ERROR, 3, 8, "LINE: attribute 2 'pnt' expects CARTESIAN_POINT, got #2 (DIRECTION)", 2);
    expect("wrong reference type 2", "#1=CARTESIAN_POINT('',(0.,0.,0.));\n#2=DIRECTION('',(1.,0.,0.));\n"
           "#8=LINE('',#2,#2);\n", 0, P21_ERROR, 3, 8, "LINE: attribute 3 'dir' expects VECTOR, got #2 (DIRECTION)", 2);
    /* a subtype is accepted where its supertype is required (face_bound <- face_outer_bound is
     * used in the good fragment); a SELECT takes any of its entity types: conic.position is
     * axis2_placement = SELECT(axis2_placement_2d, axis2_placement_3d); an AXIS1_PLACEMENT is not */
    expect("select reference", "#1=CARTESIAN_POINT('',(0.,0.,0.));\n#2=DIRECTION('',(1.,0.,0.));\n"
           "#3=AXIS1_PLACEMENT('',#1,#2);\n#4=CIRCLE('',#3,1.);\n", 0, P21_ERROR, 4, 4,
           "CIRCLE: attribute 2 'position' expects AXIS2_PLACEMENT, got #3 (AXIS1_PLACEMENT)", 1);
    /* reference to a complex instance: judged by all of its parts. A complex unit is not a surface. */
    expect("reference to complex instance",
           "#1=(LENGTH_UNIT()NAMED_UNIT(*)SI_UNIT(.MILLI.,.METRE.));\n#2=EDGE_LOOP('',());\n"
           "#3=FACE_OUTER_BOUND('',#2,.T.);\n#4=ADVANCED_FACE('',(#3),#1,.T.);\n", 0, P21_ERROR, 4, 4,
           "ADVANCED_FACE: attribute 3 'face_geometry' expects SURFACE, got #1 (LENGTH_UNIT)", 1);

    /* ---- complex instances ---- */
    expect("complex part count", "#1=(LENGTH_UNIT(1.)NAMED_UNIT(*)SI_UNIT(.MILLI.,.METRE.));\n", 0, P21_ERROR,
           1, 1, "part LENGTH_UNIT of a complex instance expects 0 arguments, got 1", 1);
    expect("complex part kind", "#1=(LENGTH_UNIT()NAMED_UNIT(*)SI_UNIT('milli',.METRE.));\n", 0, P21_ERROR,
           1, 1, "SI_UNIT: attribute 1 'prefix' expects SI_PREFIX, got STRING", 1);
    expect("complex missing supertype", "#1=(LENGTH_UNIT()SI_UNIT(.MILLI.,.METRE.));\n", 0, P21_ERROR, 1, 1,
           "complex instance has part LENGTH_UNIT but not its supertype NAMED_UNIT", 2);
    expect("complex duplicate part", "#1=(LENGTH_UNIT()NAMED_UNIT(*)NAMED_UNIT(*)SI_UNIT(.MILLI.,.METRE.));\n", 0,
           P21_ERROR, 1, 1, "complex instance holds part NAMED_UNIT twice", 1);
    expect("complex derived slot", "#1=(LENGTH_UNIT()NAMED_UNIT(*)SI_UNIT(.MILLI.,.METRE.));\n"
           "#2=(LENGTH_UNIT()NAMED_UNIT(*));\n", 0, P21_ERROR, 2, 2,
           "NAMED_UNIT: attribute 1 'dimensions' is not a derived attribute; '*' is not allowed", 1);
    expect("complex order", "#1=(SI_UNIT(.MILLI.,.METRE.)NAMED_UNIT(*)LENGTH_UNIT());\n", 0, P21_WARNING, 1, 1,
           "complex instance parts are not in alphabetical order", 0);
    expect("complex unknown part", "#1=(LENGTH_UNIT()NAMED_UNIT(*)SI_UNIT(.MILLI.,.METRE.)ZZ_CUSTOM(1));\n", 0,
           P21_WARNING, 1, 1, "unknown entity type ZZ_CUSTOM", 0);

    /* ---- leniencies: warnings by default, errors when strict ---- */
    const char *dollar = "#1=CARTESIAN_POINT($,(0.,0.,0.));\n";
    expect("$ in mandatory", dollar, 0, P21_WARNING, 1, 1, "CARTESIAN_POINT: attribute 1 'name' is not OPTIONAL but is $", 0);
    expect("$ in mandatory, strict", dollar, 1, P21_ERROR, 1, 1, "attribute 1 'name' is not OPTIONAL but is $", 1);
    const char *bounds = "#2=DIRECTION('',(1.));\n";
    expect("aggregate bounds", bounds, 0, P21_WARNING, 1, 2,
           "DIRECTION: attribute 2 'direction_ratios' expects LIST [2:3] OF REAL, got 1 element", 0);
    expect("aggregate bounds, strict", bounds, 1, P21_ERROR, 1, 2, "got 1 element", 1);
    const char *untyped = "#1=(LENGTH_UNIT()NAMED_UNIT(*)SI_UNIT(.MILLI.,.METRE.));\n"
                          "#2=UNCERTAINTY_MEASURE_WITH_UNIT(0.001,#1,'d','');\n";
    expect("untyped select value", untyped, 0, P21_WARNING, 2, 2, "untyped REAL 0.001 in SELECT MEASURE_VALUE", 0);
    expect("untyped select value, strict", untyped, 1, P21_ERROR, 2, 2, "untyped REAL 0.001", 1);
    expect("value in derived slot", "#1=CARTESIAN_POINT('',(0.,0.,0.));\n#2=VERTEX_POINT('',#1);\n"
           "#3=DIRECTION('',(1.,0.,0.));\n#4=VECTOR('',#3,1.);\n#5=LINE('',#1,#4);\n"
           "#6=EDGE_CURVE('',#2,#2,#5,.T.);\n#7=ORIENTED_EDGE('',#2,*,#6,.T.);\n", 0, P21_WARNING, 7, 7,
           "ORIENTED_EDGE: attribute 2 'edge_start' is DERIVED in this instance and should be written '*'", 0);
    expect("integral real for integer", "#1=INTEGER_REPRESENTATION_ITEM('n',3.);\n", 0, P21_WARNING, 1, 1,
           "INTEGER_REPRESENTATION_ITEM: attribute 2 'the_value' expects INTEGER, got REAL 3.", 0);
    expect("integer for real, strict", "#2=DIRECTION('',(1,0,0));\n", 1, P21_ERROR, 1, 2,
           "attribute 2 'direction_ratios' element 1 expects REAL, got INTEGER 1", 3);
    expect("unknown type", "#1=MY_VENDOR_THING('x',1);\n", 0, P21_WARNING, 1, 1,
           "unknown entity type MY_VENDOR_THING", 0);
    expect("abstract type", "#1=CARTESIAN_POINT('',(0.,0.,0.));\n#2=COORDINATES_LIST('',1,((0.,0.,0.)));\n"
           "#3=TESSELLATED_FACE('',#2,1,(),$);\n", 0, P21_WARNING, 3, 3, "TESSELLATED_FACE is ABSTRACT", 0);

    /* ---- HEADER section (ISO 10303-21 header_section_schema) ---- */
    {
        static const char *text =
            "ISO-10303-21;\nHEADER;\n"
            "FILE_DESCRIPTION((('nested')),'2;1');\n"                        /* line 3: kind, warning */
            "FILE_NAME('t','',(''),(''),'','');\n"                           /* line 4: 6 of 7 arguments */
            "ENDSEC;\nDATA;\n#1=CARTESIAN_POINT('',(0.,0.,0.));\nENDSEC;\nEND-ISO-10303-21;\n";
        p21_doc *doc = NULL;
        sl_err err;
        p21_doc_read_mem("hdr", text, strlen(text), NULL, &doc, &err);
        CHECK(doc != NULL);
        if (doc) {
            size_t ne = schema_check_doc(doc, NULL);
            CHECK_EQ_INT(ne, 2);   /* FILE_NAME count, FILE_SCHEMA missing */
            int count = 0, missing = 0, kind = 0;
            for (size_t i = 0; i < p21_doc_n_diags(doc); i++) {
                const p21_diag *d = p21_doc_diag(doc, i);
                if (d->severity == P21_ERROR && d->line == 4 && d->col == 1 &&
                    strstr(d->msg, "HEADER FILE_NAME expects 7 arguments (name, time_stamp, author,") &&
                    strstr(d->msg, "got 6")) count = 1;
                if (d->severity == P21_ERROR && strstr(d->msg, "HEADER lacks FILE_SCHEMA")) missing = 1;
                if (d->severity == P21_WARNING && d->line == 3 &&
                    strstr(d->msg, "HEADER FILE_DESCRIPTION: argument 1 expects LIST OF STRING")) kind = 1;
            }
            CHECK(count);
            CHECK(missing);
            CHECK(kind);
            if (!count || !missing || !kind) dump(doc);
            p21_doc_free(doc);
        }
    }

    /* ---- warning cap: repeated warnings of one kind are summarised ---- */
    {
        char body[4096] = "";
        for (int i = 1; i <= 30; i++) {
            char line[80];
            snprintf(line, sizeof line, "#%d=CARTESIAN_POINT($,(0.,0.,0.));\n", i);
            strcat(body, line);
        }
        size_t n = strlen(head) + strlen(body) + strlen(tail);
        char *text = malloc(n + 1);
        snprintf(text, n + 1, "%s%s%s", head, body, tail);
        p21_doc *doc = NULL;
        sl_err err;
        p21_doc_read_mem("cap", text, n, NULL, &doc, &err);
        free(text);
        schema_check_opts o;
        schema_check_opts_default(&o);
        o.max_similar_warnings = 5;
        CHECK_EQ_INT(schema_check_doc(doc, &o), 0);
        CHECK_EQ_INT(p21_doc_n_warnings(doc), 6);   /* 5 in full + 1 summary */
        int found = 0;
        for (size_t i = 0; i < p21_doc_n_diags(doc); i++)
            found |= strstr(p21_doc_diag(doc, i)->msg, "25 more warnings like: CARTESIAN_POINT") != NULL;
        CHECK(found);
        p21_doc_free(doc);
    }
    return test_finish("test_schema_check");
}
