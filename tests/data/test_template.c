/* test_template.c - golden test of STEP-LLM's prompt templates and of the
 * DATA-section text they carry.
 *
 * Expected text typed by hand from ../shared/research/stepllm-code-facts.md:
 *   §5.3 "Prompt templates" - RAG: one paragraph line, TWO blank lines, the
 *        caption block, the "### retrieved relevant step file:" block, then
 *        "### output:"; no-RAG: the shorter paragraph, ONE blank line. Filled
 *        by str.format; at inference the output slot is empty, so the prompt
 *        ends with "### output:\n".
 *   §0.1 "DATA-section text": from the first line containing "DATA;" to the
 *        end, each line stripped, joined by '\n', no final newline.
 * The worked example of §1.6 (its first and last lines) serves as DATA text. */
#include <cjson/cJSON.h>

#include "steplm/data.h"
#include "test.h"

static const char *caption = "A flat rectangular plate.";
static const char *retrieved =
    "DATA;\n"
    "/* PRODUCT_CATEGORY_RELATIONSHIP Section - 1 root entities */\n"
    "#1 = PRODUCT_CATEGORY_RELATIONSHIP( 'NONE', 'NONE', #2, #3 );\n"
    "ENDSEC;\n"
    "END-ISO-10303-21;";

static const char *golden_rag =
    "You are a CAD model generation assistant trained to produce STEP (.step) files based on "
    "textual descriptions. Given the following object description and relevant retrieved CAD "
    "data, generate a STEP file that accurately represents the described object.\n"
    "\n"
    "\n"
    "### caption:\n"
    "A flat rectangular plate.\n"
    "\n"
    "### retrieved relevant step file:\n"
    "DATA;\n"
    "/* PRODUCT_CATEGORY_RELATIONSHIP Section - 1 root entities */\n"
    "#1 = PRODUCT_CATEGORY_RELATIONSHIP( 'NONE', 'NONE', #2, #3 );\n"
    "ENDSEC;\n"
    "END-ISO-10303-21;\n"
    "\n"
    "### output:\n";

static const char *golden_norag =
    "You are a CAD model generation assistant trained to produce STEP (.step) files based on "
    "textual descriptions. Given the following object description, generate a STEP file that "
    "accurately represents the described object.\n"
    "\n"
    "### caption:\n"
    "A flat rectangular plate.\n"
    "\n"
    "### output:\n";

static void test_prompts(void) {
    sl_buf b;
    sl_buf_init(&b);
    CHECK(data_prompt_rag(&b, caption, retrieved, NULL) == SL_OK);
    CHECK_STR(b.data, golden_rag);
    CHECK_EQ_INT(b.len, strlen(golden_rag));
    sl_buf_clear(&b);
    CHECK(data_prompt_norag(&b, caption, NULL) == SL_OK);
    CHECK_STR(b.data, golden_norag);
    /* training text: the target follows the marker directly */
    sl_buf_clear(&b);
    CHECK(data_prompt_norag(&b, caption, "DATA;\nENDSEC;") == SL_OK);
    size_t gl = strlen(golden_norag);
    CHECK(b.len == gl + 13 && !memcmp(b.data, golden_norag, gl) && !strcmp(b.data + gl, "DATA;\nENDSEC;"));
    /* the "relavant" typo of the paper-era evaluation driver is not used */
    sl_buf_clear(&b);
    data_prompt_rag(&b, caption, retrieved, NULL);
    CHECK(strstr(b.data, "relavant") == NULL);
    sl_buf_release(&b);
}

static void test_data_section(void) {
    const char *file =
        "ISO-10303-21;\r\n"
        "HEADER;\r\n"
        "FILE_SCHEMA( ( 'AUTOMOTIVE_DESIGN { 1 0 10303 214 1 1 1 1 }' ) );\r\n"
        "ENDSEC;\r\n"
        "  DATA;  \r\n"
        "#1 = PRODUCT_CATEGORY_RELATIONSHIP( 'NONE', 'NONE',\r\n"
        "    #2, #3 );\r\n"
        "\r\n"
        "ENDSEC;\r"
        "END-ISO-10303-21;\n";
    sl_buf b;
    sl_buf_init(&b);
    sl_err err = {0};
    CHECK(data_step_data_section(file, strlen(file), &b, &err) == SL_OK);
    CHECK_STR(b.data, "DATA;\n"
                      "#1 = PRODUCT_CATEGORY_RELATIONSHIP( 'NONE', 'NONE',\n"
                      "#2, #3 );\n"
                      "\n"
                      "ENDSEC;\n"
                      "END-ISO-10303-21;");
    sl_buf_clear(&b);
    CHECK(data_step_data_section("HEADER;\nENDSEC;\n", 16, &b, &err) == SL_ERR_INVALID);
    sl_buf_release(&b);
}

static void test_record(void) {
    sl_buf b;
    sl_buf_init(&b);
    data_record r = {0};
    r.id = "00010007";
    r.caption = caption;
    r.split = 1;
    r.retrieved_id = "00010001";
    r.retrieved_caption = "A \"flat\" plate\\\t\x01\x7f.";
    r.retrieved_step = retrieved;
    r.step = "DATA;\nENDSEC;\nEND-ISO-10303-21;";
    CHECK(data_record_write_jsonl(&b, &r) == SL_OK);
    CHECK(b.len > 0 && b.data[b.len - 1] == '\n' && !memchr(b.data, '\n', b.len - 1));
    cJSON *o = cJSON_Parse(b.data);
    CHECK(o != NULL);
    if (o) {
        CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "id")), "00010007");
        CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "split")), "val");
        CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "retrieved_caption")), r.retrieved_caption);
        CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "prompt")), golden_rag);
        CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "prompt_norag")), golden_norag);
        CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "step")), r.step);
        CHECK(cJSON_GetObjectItem(o, "program") == NULL);
        cJSON_Delete(o);
    }
    sl_buf_release(&b);
}

int main(void) {
    test_prompts();
    test_data_section();
    test_record();
    return test_finish("data/template");
}
