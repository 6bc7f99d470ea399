/* test_round.c - rounding, hand-derived expectations.
 * steplm style: shortest fixed point with a '.', unsigned zero, measure exception,
 * exponent form from 1e15 up. stepllm style: the behaviour of round_step_numbers.py
 * as documented (with examples) in ../shared/research/stepllm-code-facts.md §3.
 * Ties: 0.0078125 is exactly representable, so %.6f rounds the tie to even
 * (0.007812); 0.1234565 and 1.005 are stored slightly below the decimal, so they
 * round down. */
#include "test.h"
#include "steplm/reserial.h"

static const char *rnd(const char *in, int dec, reserial_round_style st, int measure) {
    static char out[128];
    size_t n = reserial_round_real(in, strlen(in), dec, st, measure, out, sizeof out);
    return n ? out : "(kept)";
}

int main(void) {
    const reserial_round_style L = RESERIAL_ROUND_STEPLM, S = RESERIAL_ROUND_STEPLLM;
    CHECK_STR(rnd("1.00000000000000", 6, L, 0), "1.0");
    CHECK_STR(rnd("-12.7000001", 6, L, 0), "-12.7");
    CHECK_STR(rnd("0.1234565", 6, L, 0), "0.123456");
    CHECK_STR(rnd("2.0000005", 6, L, 0), "2.000001");
    CHECK_STR(rnd("0.0078125", 6, L, 0), "0.007812");
    CHECK_STR(rnd("-0.0000001", 6, L, 0), "0.0");
    CHECK_STR(rnd("-0.000000", 6, L, 0), "0.0");
    CHECK_STR(rnd("-0.", 6, L, 0), "0.0");
    CHECK_STR(rnd("-1.2246467991473532E-16", 6, L, 0), "0.0");
    CHECK_STR(rnd("2.5E-3", 6, L, 0), "0.0025");
    CHECK_STR(rnd("9.9999999E-05", 6, L, 0), "0.0001");
    CHECK_STR(rnd("3.", 6, L, 0), "3.0");
    CHECK_STR(rnd("+4.25", 6, L, 0), "4.25");
    CHECK_STR(rnd("1.E-07", 6, L, 0), "0.0");
    CHECK_STR(rnd("1.E-07", 6, L, 1), "1.0E-07");        /* a tolerance keeps its value */
    CHECK_STR(rnd("1.23456789E-09", 6, L, 1), "1.23457E-09");
    CHECK_STR(rnd("0.5", 6, L, 1), "0.5");               /* measures round like the rest otherwise */
    CHECK_STR(rnd("0.0000001", 6, L, 1), "1.0E-07");     /* a plain-decimal tolerance too */
    CHECK_STR(rnd("0.0000001", 6, L, 0), "0.0");
    CHECK_STR(rnd("-3.46944695195361E-18", 6, L, 0), "0.0");
    CHECK_STR(rnd("1.2345678E+02", 6, L, 0), "123.45678");
    CHECK_STR(rnd("1.0E+20", 6, L, 0), "1.0E+20");
    CHECK_STR(rnd("-1.5E+15", 6, L, 0), "-1.5E+15");
    CHECK_STR(rnd("123456789012345.0", 6, L, 0), "123456789012345.0");
    CHECK_STR(rnd("1.0E+999", 6, L, 0), "(kept)");       /* not a finite double */
    CHECK_STR(rnd("2.5", 0, L, 0), "2.0");               /* ties to even */
    CHECK_STR(rnd("3.5", 0, L, 0), "4.0");
    CHECK_STR(rnd("1.005", 2, L, 0), "1.0");
    CHECK_STR(rnd("0.333333333", 3, L, 0), "0.333");
    /* stepllm style, the documented examples */
    CHECK_STR(rnd("1.00000000000000E-17", 6, S, 0), "1.000000E-17");
    CHECK_STR(rnd("1.0E+000", 6, S, 0), "1.000000E+000");
    CHECK_STR(rnd("9.9999999E-05", 6, S, 0), "10.000000E-05");
    CHECK_STR(rnd("-0.0000001", 6, S, 0), "-0.000000");
    CHECK_STR(rnd("1.9999999", 6, S, 0), "2.000000");
    CHECK_STR(rnd("0.1234565", 6, S, 0), "0.123456");
    CHECK_STR(rnd("2.0000005", 6, S, 0), "2.000001");
    CHECK_STR(rnd("0.0078125", 6, S, 0), "0.007812");
    CHECK_STR(rnd("0.", 6, S, 0), "(kept)");
    CHECK_STR(rnd("2.", 6, S, 0), "(kept)");
    CHECK_STR(rnd("3.E-05", 6, S, 0), "(kept)");
    CHECK_STR(rnd("1.5e-3", 6, S, 0), "(kept)");

    /* decimal fast path vs the binary rule: an oracle written here with strtod and
     * printf, on 200,000 random decimal spellings of both styles */
    {
        sl_rng g;
        sl_rng_seed(&g, 2026);
        int bad = 0;
        for (int it = 0; it < 200000 && bad < 5; it++) {
            char in[64], want[160], tmp[160];
            int dec = (int)(sl_rng_next(&g) % 9);
            int id = (int)(sl_rng_next(&g) % 12), fd = (int)(sl_rng_next(&g) % 18);
            size_t k = 0;
            if (sl_rng_next(&g) % 2) in[k++] = '-';
            for (int q = 0; q < id + 1; q++) in[k++] = (char)('0' + (q == 0 && sl_rng_next(&g) % 2 ? 0 : sl_rng_next(&g) % 10));
            in[k++] = '.';
            for (int q = 0; q < fd; q++) {   /* runs of 9s, 0s and 5s make carries and near-ties */
                unsigned r = (unsigned)(sl_rng_next(&g) % 13);
                in[k++] = (char)('0' + (r < 10 ? r : r == 10 ? 9 : r == 11 ? 0 : 5));
            }
            if (sl_rng_next(&g) % 3 == 0)          /* exponent forms too */
                k += (size_t)snprintf(in + k, sizeof in - k, "E%+d", (int)(sl_rng_next(&g) % 41) - 25);
            in[k] = 0;
            double x = strtod(in, NULL);
            if (fabs(x) >= 1e15) continue;            /* exponent form there: explicit cases above */
            for (int style = 0; style < 2; style++) {
                if (style == 0) {
                    int m = snprintf(tmp, sizeof tmp, "%.*f", dec, x);
                    char *dot = strchr(tmp, '.');
                    if (!dot) { tmp[m++] = '.'; tmp[m++] = '0'; tmp[m] = 0; }
                    else {
                        while (m > (dot - tmp) + 2 && tmp[m - 1] == '0') m--;
                        tmp[m] = 0;
                    }
                    int zero = strspn(tmp[0] == '-' ? tmp + 1 : tmp, "0.") == strlen(tmp[0] == '-' ? tmp + 1 : tmp);
                    snprintf(want, sizeof want, "%s", zero ? "0.0" : tmp);
                } else {
                    if (fd == 0 || strchr(in, 'E')) continue;   /* "12." is left alone; exponents: mantissa rule */
                    const char *mag = in[0] == '-' ? in + 1 : in;
                    snprintf(want, sizeof want, "%s%.*f", in[0] == '-' ? "-" : "", dec, strtod(mag, NULL));
                }
                const char *got = rnd(in, dec, style ? S : L, 0);
                if (strcmp(got, want)) { bad++; CHECK_MSG(0, "%s dec=%d style=%d: got %s want %s", in, dec, style, got, want); }
            }
        }
        CHECK_EQ_INT(bad, 0);
    }

    /* on a document: DATA reals only, never the header, strings, integers or enums */
    const char *text =
        "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('Open CASCADE 7.6'),'2;1');\n"
        "FILE_NAME('a 1.5 b','2018-04-29T08:34:40',(''),(''),'x 3.14159265','',''); FILE_SCHEMA(('S'));\nENDSEC;\nDATA;\n"
        "#1=CARTESIAN_POINT('Part 12.5',(1.23456789,-0.00000001,2.));\n"
        "#2=UNCERTAINTY_MEASURE_WITH_UNIT(LENGTH_MEASURE(1.E-07),#3,'distance_accuracy_value','1.2345678');\n"
        "#3=(LENGTH_UNIT()NAMED_UNIT(*)SI_UNIT(.MILLI.,.METRE.));\n"
        "#4=B_SPLINE_CURVE_WITH_KNOTS('',3,(#1,#1),.UNSPECIFIED.,.F.,.F.,(4,4),(0.,1.00000000000001),.UNSPECIFIED.);\n"
        "ENDSEC;\nEND-ISO-10303-21;\n";
    p21_doc *d = NULL;
    sl_err err = {0};
    CHECK(p21_doc_read_mem("t", text, strlen(text), NULL, &d, &err) == SL_OK);
    size_t n_rw = 0;
    CHECK(reserial_round_doc(d, 6, L, &n_rw, &err) == SL_OK);
    sl_buf b;
    sl_buf_init(&b);
    p21_doc_write(d, NULL, &b);
    const char *want =
        "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('Open CASCADE 7.6'),'2;1');\n"
        "FILE_NAME('a 1.5 b','2018-04-29T08:34:40',(''),(''),'x 3.14159265','','');\nFILE_SCHEMA(('S'));\nENDSEC;\nDATA;\n"
        "#1=CARTESIAN_POINT('Part 12.5',(1.234568,0.0,2.0));\n"
        "#2=UNCERTAINTY_MEASURE_WITH_UNIT(LENGTH_MEASURE(1.0E-07),#3,'distance_accuracy_value','1.2345678');\n"
        "#3=(LENGTH_UNIT()NAMED_UNIT(*)SI_UNIT(.MILLI.,.METRE.));\n"
        "#4=B_SPLINE_CURVE_WITH_KNOTS('',3,(#1,#1),.UNSPECIFIED.,.F.,.F.,(4,4),(0.0,1.0),.UNSPECIFIED.);\n"
        "ENDSEC;\nEND-ISO-10303-21;\n";
    CHECK_STR(b.data, want);
    CHECK_EQ_INT(n_rw, 6);   /* 1.23456789 -0.00000001 2. 1.E-07 0. 1.00000000000001, nothing else */
    const p21_entity *e1 = p21_doc_find(d, 1);
    CHECK(e1 && (e1->parts[0].args.u.items[1].u.items[0].flags & P21_VAL_REWRITTEN));
    CHECK(e1 && e1->parts[0].args.u.items[1].u.items[0].kind == P21_REAL);
    /* the rewritten text parses again as the same kinds */
    p21_doc *d2 = NULL;
    CHECK(p21_doc_read_mem("t2", b.data, b.len, NULL, &d2, &err) == SL_OK);
    const p21_entity *f1 = d2 ? p21_doc_find(d2, 1) : NULL;
    CHECK(f1 && f1->parts[0].args.u.items[1].u.items[1].kind == P21_REAL);
    p21_doc_free(d2);
    /* idempotent */
    CHECK(reserial_round_doc(d, 6, L, &n_rw, &err) == SL_OK);
    CHECK_EQ_INT(n_rw, 0);
    CHECK(reserial_round_doc(d, 18, L, &n_rw, &err) == SL_ERR_ARG);
    sl_buf_release(&b);
    p21_doc_free(d);
    return test_finish("test_round");
}
