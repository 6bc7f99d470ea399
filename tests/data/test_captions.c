/* test_captions.c - the caption CSV reader (STEP-LLM's model_id,isDescribable,
 * description files, facts §0.2: standard CSV quoting, True/False) and JSONL.
 * Error positions are counted by hand from the inputs below. */
#include "steplm/data.h"
#include "test.h"

static sl_status rd(const char *s, data_captions *c, sl_err *err) {
    data_captions_init(c);
    memset(err, 0, sizeof *err);
    return data_captions_read_csv(s, strlen(s), "caps.csv", c, err);
}

static void test_ok(void) {
    const char *csv =
        "\xEF\xBB\xBFmodel_id,isDescribable,description\r\n"
        "00010007,True,A flat rectangular plate.\r\n"
        "00010008,True,\"A flange, with 4 holes.\"\r\n"
        "00010009,False,\r\n"
        "\r\n"
        "00010010,true,\"A \"\"quoted\"\" part\nspanning two lines\"\n"
        "00010011,TRUE,A plate 40mm";            /* no final newline */
    data_captions c;
    sl_err err;
    CHECK(rd(csv, &c, &err) == SL_OK);
    CHECK_EQ_INT(c.n, 5);
    if (c.n == 5) {
        CHECK_STR(c.v[0].id, "00010007");
        CHECK_STR(c.v[0].caption, "A flat rectangular plate.");
        CHECK_EQ_INT(c.v[0].describable, 1);
        CHECK_EQ_INT(c.v[0].line, 2);
        CHECK_STR(c.v[1].caption, "A flange, with 4 holes.");
        CHECK_EQ_INT(c.v[2].describable, 0);
        CHECK_STR(c.v[2].caption, "");
        CHECK_STR(c.v[3].caption, "A \"quoted\" part\nspanning two lines");
        CHECK_EQ_INT(c.v[3].line, 6);
        CHECK_EQ_INT(c.v[4].line, 8);
        CHECK_STR(c.v[4].caption, "A plate 40mm");
        CHECK_EQ_INT(c.v[4].split, RETRIEVAL_SPLIT_NONE);
    }
    data_captions_release(&c);
    /* columns in another order, an extra column (the old token_count), no isDescribable */
    CHECK(rd("description,token_count,model_id\nA rod.,866,42\n", &c, &err) == SL_OK);
    CHECK_EQ_INT(c.n, 1);
    if (c.n) {
        CHECK_STR(c.v[0].id, "42");
        CHECK_STR(c.v[0].caption, "A rod.");
        CHECK_EQ_INT(c.v[0].describable, 1);
    }
    data_captions_release(&c);
}

static void expect_err(const char *csv, sl_status st, unsigned line, unsigned col, const char *words) {
    data_captions c;
    sl_err err;
    CHECK_EQ_INT(rd(csv, &c, &err), st);
    CHECK_STR(err.file, "caps.csv");
    CHECK_MSG(err.line == line && err.col == col, "at %u:%u, expected %u:%u (%s)", err.line, err.col,
              line, col, err.msg);
    CHECK_MSG(strstr(err.msg, words) != NULL, "message '%s' lacks '%s'", err.msg, words);
    data_captions_release(&c);
}

static void test_errors(void) {
    const char *h = "model_id,isDescribable,description\n";
    char buf[256];
    /* unterminated quote: reported at the opening quote, line 3 col 8 */
    snprintf(buf, sizeof buf, "%s1,True,ok\n2,True,\"never closed\n", h);
    expect_err(buf, SL_ERR_SYNTAX, 3, 8, "unterminated");
    /* quote inside an unquoted field: line 2, col 10 ('a' at 8, 'b' 9, '"' 10) */
    snprintf(buf, sizeof buf, "%s1,True,ab\"c\n", h);
    expect_err(buf, SL_ERR_SYNTAX, 2, 10, "quote inside");
    /* text after a closing quote: "ab"x -> the x at col 12 */
    snprintf(buf, sizeof buf, "%s1,True,\"ab\"x\n", h);
    expect_err(buf, SL_ERR_SYNTAX, 2, 12, "closing quote");
    /* wrong field count on line 3 */
    snprintf(buf, sizeof buf, "%s1,True,ok\r\n2,True,a,b\r\n", h);
    expect_err(buf, SL_ERR_SYNTAX, 3, 1, "expected 3 fields, found 4");
    /* bad isDescribable, at its field: line 2 col 3 */
    snprintf(buf, sizeof buf, "%s1,maybe,x\n", h);
    expect_err(buf, SL_ERR_INVALID, 2, 3, "isDescribable");
    expect_err("id,text\n1,a\n", SL_ERR_INVALID, 1, 1, "model_id");
    expect_err("", SL_ERR_INVALID, 1, 1, "empty");
    /* a quoted newline moves the line count: error on line 4 */
    snprintf(buf, sizeof buf, "%s1,True,\"two\nlines\"\n2,True,\"x\"y\n", h);
    expect_err(buf, SL_ERR_SYNTAX, 4, 11, "closing quote");
}

static void test_jsonl(void) {
    const char *j =
        "{\"id\": \"a1\", \"caption\": \"A plate 100 x 50 mm.\", \"split\": \"train\", "
        "\"bbox_mm\": [100, 50, 5], \"n_holes\": 4}\n"
        "\n"
        "{\"model_id\": \"a2\", \"description\": \"A rod.\", \"isDescribable\": false, \"dims_mm\": [8]}\n";
    data_captions c;
    data_captions_init(&c);
    sl_err err = {0};
    CHECK(data_captions_read_jsonl(j, strlen(j), "c.jsonl", &c, &err) == SL_OK);
    CHECK_EQ_INT(c.n, 2);
    if (c.n == 2) {
        CHECK_EQ_INT(c.v[0].split, RETRIEVAL_SPLIT_TRAIN);
        CHECK_NEAR(c.v[0].meta.bbox_mm[1], 50, 0);
        CHECK_EQ_INT(c.v[0].meta.n_holes, 4);
        CHECK_EQ_INT(c.v[1].describable, 0);
        CHECK_EQ_INT(c.v[1].line, 3);
        CHECK_EQ_INT(c.v[1].meta.n_dims, 1);
        CHECK_EQ_INT(c.v[1].meta.n_holes, -1);
    }
    data_captions_release(&c);
    data_captions_init(&c);
    const char *bad = "{\"id\": \"a1\", \"caption\": \"x\"}\n{\"id\": \"a2\", \"caption\": }\n";
    CHECK(data_captions_read_jsonl(bad, strlen(bad), "c.jsonl", &c, &err) == SL_ERR_SYNTAX);
    CHECK_EQ_INT(err.line, 2);
    data_captions_release(&c);
    data_captions_init(&c);
    const char *bad2 = "{\"id\": \"a1\", \"caption\": \"x\", \"split\": \"dev\"}\n";
    CHECK(data_captions_read_jsonl(bad2, strlen(bad2), "c.jsonl", &c, &err) == SL_ERR_INVALID);
    data_captions_release(&c);
}

int main(void) {
    test_ok();
    test_errors();
    test_jsonl();
    return test_finish("data/captions");
}
