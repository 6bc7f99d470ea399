/* fuzz_reserial.c - libFuzzer target for reserialization, restore and both
 * rounding styles. Oracle: an input that parses without errors must reserialize
 * (both orders, annotated, undefined references allowed) into text that parses
 * without errors with the same number of entities, restore must give that count
 * again, and the stepllm layout must not crash (its restore may legitimately fail). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "steplm/reserial.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count(const char *t, size_t n) {
    p21_doc *d = NULL;
    sl_status s = p21_doc_read_mem("x", t, n, NULL, &d, NULL);
    size_t c = (s == SL_OK && d && p21_doc_n_errors(d) == 0) ? p21_doc_n_entities(d) : (size_t)-1;
    p21_doc_free(d);
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > (1u << 18)) return 0;
    const char *text = (const char *)data;
    size_t n_in = count(text, size);
    if (n_in == (size_t)-1) return 0;
    for (int v = 0; v < 4; v++) {
        reserial_opts o;
        reserial_opts_default(&o);
        o.order = v & 1 ? RESERIAL_POST : RESERIAL_PRE;
        o.annotate = 1;
        o.allow_dangling = 1;
        if (v == 2) o.round_decimals = 3;
        if (v == 3) { o.format = RESERIAL_FMT_STEPLLM; o.round_decimals = 6; }
        reserial_result r;
        reserial_result_init(&r);
        if (reserial_text("fuzz", text, size, &o, &r, NULL) != SL_OK) __builtin_trap();
        if (v < 3 && count(r.text.data, r.text.len) != n_in) __builtin_trap();
        sl_buf b;
        sl_buf_init(&b);
        sl_status s = reserial_restore("fuzz", r.text.data, r.text.len, &b, NULL);
        if (v < 3 && (s != SL_OK || count(b.data, b.len) != n_in)) __builtin_trap();
        sl_buf_release(&b);
        reserial_result_release(&r);
    }
    return 0;
}
