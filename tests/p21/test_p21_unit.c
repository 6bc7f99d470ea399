/* test_p21_unit.c - the Part 21 reader, writer and string codec on small inputs
 * whose expected values follow by hand from ISO 10303-21. */
#include "test.h"
#include "steplm/p21.h"

static p21_doc *parse(const char *text, sl_status want) {
    p21_doc *d = NULL;
    sl_err err = {0};
    sl_status s = p21_doc_read_mem("t.step", text, strlen(text), NULL, &d, &err);
    CHECK_MSG(s == want, "status %d (%s), expected %d", s, err.msg, want);
    return d;
}

static void check_decode(const char *raw, const char *utf8) {
    sl_buf b;
    sl_buf_init(&b);
    p21_string_decode(raw, strlen(raw), &b, NULL);
    CHECK_STR(b.data ? b.data : "", utf8);
    sl_buf_release(&b);
}

static void check_encode(const char *utf8, const char *raw) {
    sl_buf b;
    sl_buf_init(&b);
    p21_string_encode(utf8, strlen(utf8), &b);
    CHECK_STR(b.data ? b.data : "", raw);
    sl_buf_release(&b);
}

#define HDR "ISO-10303-21;\nHEADER;\nFILE_SCHEMA(('AUTOMOTIVE_DESIGN'));\nENDSEC;\n"

int main(void) {
    /* values of every kind */
    p21_doc *d = parse(HDR "DATA;\n"
                       "#1=CARTESIAN_POINT('pt',(1.,-2.5E-03,3));\n"
                       "#2 = /* c */ X ( $ , * , .T. , \"0F3\" , ( (#1) , () ) , LENGTH_MEASURE ( 1.000E+00 ) ) ;\n"
                       "#30=(A()B(1)C('s'));\n"
                       "ENDSEC;\nEND-ISO-10303-21;\n", SL_OK);
    CHECK_EQ_INT(p21_doc_n_entities(d), 3);
    const p21_entity *e = p21_doc_find(d, 1);
    CHECK(e && e->n_parts == 1 && !(e->flags & P21_ENT_COMPLEX));
    CHECK_STR(p21_entity_type_name(d, e), "CARTESIAN_POINT");
    const p21_value *args = e->parts[0].args.u.items;
    CHECK_EQ_INT(e->parts[0].args.len, 2);
    CHECK(args[0].kind == P21_STRING && args[0].len == 2 && !memcmp(args[0].u.text, "pt", 2));
    CHECK(args[1].kind == P21_LIST && args[1].len == 3);
    CHECK(args[1].u.items[0].kind == P21_REAL);
    CHECK(args[1].u.items[2].kind == P21_INT);
    CHECK_NEAR(p21_value_real(&args[1].u.items[1]), -0.0025, 0);
    int64_t iv = 0;
    CHECK(p21_value_int(&args[1].u.items[2], &iv) == 0 && iv == 3);
    CHECK(p21_value_int(&args[1].u.items[0], &iv) == -1);
    CHECK_EQ_INT(e->line, 6);
    CHECK_EQ_INT(e->col, 1);

    e = p21_doc_find(d, 2);
    CHECK(e && e->parts[0].args.len == 6);
    args = e->parts[0].args.u.items;
    CHECK(args[0].kind == P21_NULL && args[1].kind == P21_DERIVED);
    CHECK(args[2].kind == P21_ENUM && args[2].len == 1 && args[2].u.text[0] == 'T');
    CHECK(args[3].kind == P21_BINARY && args[3].len == 3 && !memcmp(args[3].u.text, "0F3", 3));
    CHECK(args[4].kind == P21_LIST && args[4].len == 2 && args[4].u.items[0].len == 1 && args[4].u.items[1].len == 0);
    CHECK(args[4].u.items[0].u.items[0].kind == P21_REF && args[4].u.items[0].u.items[0].u.ref == 1);
    CHECK(args[5].kind == P21_TYPED);
    CHECK_STR(p21_typed_name(d, &args[5]) ? "LENGTH_MEASURE" : "", "LENGTH_MEASURE");
    CHECK(!strncmp(p21_typed_name(d, &args[5]), "LENGTH_MEASURE", 14));
    CHECK(p21_typed_arg(&args[5])->len == 9 && !memcmp(p21_typed_arg(&args[5])->u.text, "1.000E+00", 9));
    CHECK(e->n_refs == 1 && e->refs[0] == 1);

    e = p21_doc_find(d, 30);
    CHECK(e && (e->flags & P21_ENT_COMPLEX) && e->n_parts == 3);
    CHECK(p21_entity_part(d, e, "B") && p21_entity_part(d, e, "B")->args.len == 1);
    CHECK(p21_entity_part(d, e, "D") == NULL);
    CHECK(p21_doc_complete(d));

    /* canonical text, written by hand: no spaces, comments gone, numbers as spelled */
    sl_buf out;
    sl_buf_init(&out);
    p21_doc_write(d, NULL, &out);
    CHECK_STR(out.data, "ISO-10303-21;\nHEADER;\nFILE_SCHEMA(('AUTOMOTIVE_DESIGN'));\nENDSEC;\nDATA;\n"
                        "#1=CARTESIAN_POINT('pt',(1.,-2.5E-03,3));\n"
                        "#2=X($,*,.T.,\"0F3\",((#1),()),LENGTH_MEASURE(1.000E+00));\n"
                        "#30=(A()B(1)C('s'));\nENDSEC;\nEND-ISO-10303-21;\n");
    sl_buf_release(&out);
    p21_doc_free(d);

    /* several DATA sections, CRLF, BOM, comments at odd places; positions in CRLF text */
    d = parse("\xEF\xBB\xBFISO-10303-21;\r\nHEADER;\r\nFILE_SCHEMA(('X'));\r\nENDSEC;\r\n"
              "DATA;\r\n#1=A(1);\r\nENDSEC;\r\nDATA('sec2',(#1));\r\n  /* x */#2=B(#1);\r\nENDSEC;\r\nEND-ISO-10303-21;\r\n", SL_OK);
    CHECK_EQ_INT(p21_doc_n_sections(d), 2);
    CHECK(p21_doc_find(d, 2) && p21_doc_find(d, 2)->section == 1);
    CHECK_EQ_INT(p21_doc_find(d, 2)->line, 9);
    CHECK_EQ_INT(p21_doc_find(d, 2)->col, 10);
    CHECK(p21_doc_section(d, 1)->params.kind == P21_LIST && p21_doc_section(d, 1)->params.len == 2);
    sl_buf_init(&out);
    p21_doc_write(d, NULL, &out);
    CHECK_STR(out.data, "ISO-10303-21;\nHEADER;\nFILE_SCHEMA(('X'));\nENDSEC;\nDATA;\n#1=A(1);\nENDSEC;\n"
                        "DATA('sec2',(#1));\n#2=B(#1);\nENDSEC;\nEND-ISO-10303-21;\n");
    sl_buf_release(&out);
    p21_doc_free(d);

    /* completeness: the STEP-LLM "complete" test */
    d = parse(HDR "DATA;\n#1=A(1);\n", SL_ERR_SYNTAX);
    CHECK(d && !p21_doc_complete(d) && p21_doc_n_errors(d) >= 1);
    p21_doc_free(d);

    /* string codec, decoded by hand */
    check_decode("it''s", "it's");
    check_decode("a\\\\b", "a\\b");
    check_decode("caf\\X2\\00E9\\X0\\", "caf\xC3\xA9");             /* U+00E9 */
    check_decode("\\X\\E9", "\xC3\xA9");                            /* 8-bit code E9 */
    check_decode("\\S\\e", "\xC3\xA5");                             /* 'e' + 128 = 0xE5 */
    check_decode("\\X4\\0001F600\\X0\\", "\xF0\x9F\x98\x80");       /* U+1F600 */
    check_decode("\\X2\\D83DDE00\\X0\\", "\xF0\x9F\x98\x80");       /* UTF-16 surrogate pair */
    check_decode("\\X2\\03B103B2\\X0\\", "\xCE\xB1\xCE\xB2");       /* two code points */
    check_decode("C:\\Users\\x", "C:\\Users\\x");                   /* unknown escape kept */
    check_decode("ab\ncd", "abcd");                                 /* line breaks not part of strings */
    check_encode("caf\xC3\xA9", "caf\\X2\\00E9\\X0\\");
    check_encode("it's \\", "it''s \\\\");
    check_encode("\xF0\x9F\x98\x80", "\\X4\\0001F600\\X0\\");
    check_encode("a\nb", "a\\X\\0Ab");
    check_encode("\xCE\xB1\xCE\xB2!", "\\X2\\03B103B2\\X0\\!");

    /* a UTF-8 product name is written as legal Part 21 and reads back the same */
    d = parse(HDR "DATA;\n#1=PRODUCT('Zahnrad \xC3\xBC\xE2\x82\xAC','',\"0\",());\nENDSEC;\nEND-ISO-10303-21;\n", SL_OK);
    sl_buf_init(&out);
    p21_doc_write(d, NULL, &out);
    CHECK(strstr(out.data, "#1=PRODUCT('Zahnrad \\X2\\00FC20AC\\X0\\','',\"0\",());") != NULL);
    for (size_t i = 0; i < out.len; i++) CHECK((unsigned char)out.data[i] < 0x80);
    p21_doc *d2 = NULL;
    CHECK(p21_doc_read_mem("t2", out.data, out.len, NULL, &d2, NULL) == SL_OK);
    char why[256] = "";
    CHECK_MSG(d2 && p21_doc_equal(d, d2, why, sizeof why), "%s", why);
    p21_doc_free(d2);
    sl_buf_release(&out);
    p21_doc_free(d);

    /* equality notices a changed number */
    d = parse(HDR "DATA;\n#1=A(1.);\nENDSEC;\nEND-ISO-10303-21;\n", SL_OK);
    d2 = parse(HDR "DATA;\n#1=A(1.0);\nENDSEC;\nEND-ISO-10303-21;\n", SL_OK);
    CHECK(!p21_doc_equal(d, d2, why, sizeof why));
    CHECK(strstr(why, "#1") != NULL);
    p21_doc_free(d2);

    /* building: duplicate ids are refused */
    p21_part part = {p21_doc_type_intern(d, "B", 1), {.kind = P21_LIST}};
    sl_err err;
    CHECK(p21_doc_add_entity(d, 1, 0, &part, 1, &err) == SL_ERR_INVALID);
    CHECK(p21_doc_add_entity(d, 7, 0, &part, 1, &err) == SL_OK);
    CHECK(p21_doc_find(d, 7) != NULL);
    p21_doc_free(d);

    /* an integer id and value overflow */
    d = parse(HDR "DATA;\n#1=A(99999999999999999999);\nENDSEC;\nEND-ISO-10303-21;\n", SL_OK);
    CHECK(p21_value_int(&p21_doc_find(d, 1)->parts[0].args.u.items[0], &iv) == -1);
    p21_doc_free(d);

    /* lower-case section keywords are read with a warning (as OpenCASCADE does) */
    d = parse("ISO-10303-21;\nHeader;\nFILE_SCHEMA(('X'));\nEndSec;\nData;\n#1=A(1);\nEndSec;\nEND-ISO-10303-21;\n", SL_OK);
    CHECK(d && p21_doc_n_entities(d) == 1 && p21_doc_n_warnings(d) == 1);
    p21_doc_free(d);

    /* cycle through presentation entities: warning; through geometry: error */
    d = parse(HDR "DATA;\n#1=STYLED_ITEM('',(),#2);\n#2=DRAUGHTING_CALLOUT('',(#1));\nENDSEC;\nEND-ISO-10303-21;\n", SL_OK);
    CHECK(p21_doc_check_refs(d) == 0 && p21_doc_n_warnings(d) == 1);
    p21_doc_free(d);
    d = parse(HDR "DATA;\n#1=LINE('',#2,#3);\n#2=CARTESIAN_POINT('',#1);\n#3=VECTOR('',#1,1.);\nENDSEC;\nEND-ISO-10303-21;\n", SL_OK);
    CHECK(p21_doc_check_refs(d) == 2);
    p21_doc_free(d);
    return test_finish("test_p21_unit");
}
