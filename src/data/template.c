/* template.c - STEP-LLM's prompt templates, byte for byte, and the DATA-section
 * text the templates carry. Source of the text: facts file §5.3 (the training
 * templates of llama3_SFT_response.py, with "relevant", not the "relavant"
 * typo of the paper-era evaluation driver) and §0.1 (DATA-section rule).
 * Seed 001's README shows the same words wrapped for display; the code's
 * version is one paragraph line, which is what the model was trained on. */
#include <string.h>

#include "steplm/data.h"

static const char rag_head[] =
    "You are a CAD model generation assistant trained to produce STEP (.step) files based on "
    "textual descriptions. Given the following object description and relevant retrieved CAD "
    "data, generate a STEP file that accurately represents the described object.\n"
    "\n"
    "\n"
    "### caption:\n";
static const char rag_mid[] = "\n\n### retrieved relevant step file:\n";
static const char norag_head[] =
    "You are a CAD model generation assistant trained to produce STEP (.step) files based on "
    "textual descriptions. Given the following object description, generate a STEP file that "
    "accurately represents the described object.\n"
    "\n"
    "### caption:\n";
static const char out_mark[] = "\n\n### output:\n";

sl_status data_prompt_rag(sl_buf *out, const char *caption, const char *retrieved_step,
                          const char *output) {
    sl_buf_puts(out, rag_head);
    sl_buf_puts(out, caption ? caption : "");
    sl_buf_puts(out, rag_mid);
    sl_buf_puts(out, retrieved_step ? retrieved_step : "");
    sl_buf_puts(out, out_mark);
    if (output) sl_buf_puts(out, output);
    return out->failed ? SL_ERR_NOMEM : SL_OK;
}

sl_status data_prompt_norag(sl_buf *out, const char *caption, const char *output) {
    sl_buf_puts(out, norag_head);
    sl_buf_puts(out, caption ? caption : "");
    sl_buf_puts(out, out_mark);
    if (output) sl_buf_puts(out, output);
    return out->failed ? SL_ERR_NOMEM : SL_OK;
}

/* Python str.strip() whitespace (ASCII part) */
static int is_ws(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
           c == '\x1c' || c == '\x1d' || c == '\x1e' || c == '\x1f';
}

sl_status data_step_data_section(const char *text, size_t n, sl_buf *out, sl_err *err) {
    size_t pos = 0;
    int started = 0, first = 1;
    while (pos < n) {
        size_t s = pos, e = pos;
        while (e < n && text[e] != '\n' && text[e] != '\r') e++;
        size_t next = e;
        if (next < n) next += (text[next] == '\r' && next + 1 < n && text[next + 1] == '\n') ? 2 : 1;
        if (!started) {
            for (size_t i = s; i + 5 <= e && !started; i++)
                if (!memcmp(text + i, "DATA;", 5)) started = 1;
        }
        if (started) {
            while (s < e && is_ws(text[s])) s++;
            while (e > s && is_ws(text[e - 1])) e--;
            if (!first) sl_buf_putc(out, '\n');
            sl_buf_append(out, text + s, e - s);
            first = 0;
        }
        pos = next;
    }
    if (!started) return sl_err_set(err, SL_ERR_INVALID, "no line contains 'DATA;'");
    return out->failed ? sl_err_set(err, SL_ERR_NOMEM, "out of memory") : SL_OK;
}
