/* test_pipeline.c - a STEP-LLM-style input (tests/data/stepllm: captions.csv
 * with model_id,isDescribable,description and <id>/<id>.step files, as in
 * seed 001 "Build the Full RAG Dataset") through the dataset loop, without
 * the reserializer (the DATA section is taken as it is; rounding and DFS order
 * are other modules' work).
 *
 * Golden: each record's prompt must equal the RAG template of facts §5.3 filled
 * with the caption and the retrieved sample's DATA section, byte for byte; the
 * DATA sections below were written by hand from the files by the §0.1 rule
 * (lines from "DATA;" on, stripped, '\n'-joined, no final newline). */
#include <cjson/cJSON.h>

#include "steplm/data.h"
#include "test.h"

static const char *const data_of[5] = {
    "DATA;\n"
    "#1 = CARTESIAN_POINT( '', ( 0.000000, 0.000000, 0.000000 ) );\n"
    "#2 = DIRECTION( '', ( 0.000000, 0.000000, 1.000000 ) );\n"
    "ENDSEC;\n"
    "END-ISO-10303-21;",
    /* CRLF file, indented first entity, two-line entity */
    "DATA;\n"
    "#1 = CARTESIAN_POINT( '', ( 1.000000, 2.000000, 0.000000 ) );\n"
    "#2 = VERTEX_POINT( '',\n"
    "#1 );\n"
    "ENDSEC;\n"
    "END-ISO-10303-21;",
    "DATA;\n"
    "/* a comment line */\n"
    "#1 = CYLINDRICAL_SURFACE( '', #2, 4.000000 );\n"
    "#2 = AXIS2_PLACEMENT_3D( '', #3, $, $ );\n"
    "#3 = CARTESIAN_POINT( '', ( 0.000000, 0.000000, 0.000000 ) );\n"
    "ENDSEC;\n"
    "END-ISO-10303-21;",
    /* no final newline in the file */
    "DATA;\n"
    "#1 = CONICAL_SURFACE( '', #2, 2.000000, 0.523599 );\n"
    "#2 = AXIS2_PLACEMENT_3D( '', #3, $, $ );\n"
    "#3 = CARTESIAN_POINT( '', ( 0.000000, 0.000000, 10.000000 ) );\n"
    "ENDSEC;\n"
    "END-ISO-10303-21;",
    NULL};

static const char *rag_para =
    "You are a CAD model generation assistant trained to produce STEP (.step) files based on "
    "textual descriptions. Given the following object description and relevant retrieved CAD "
    "data, generate a STEP file that accurately represents the described object.\n\n\n";
static const char *norag_para =
    "You are a CAD model generation assistant trained to produce STEP (.step) files based on "
    "textual descriptions. Given the following object description, generate a STEP file that "
    "accurately represents the described object.\n\n";

typedef struct sink { sl_buf all; int n_lines; int bad_split; } sink;

static int emit(void *ctx, int split, const char *line, size_t n) {
    sink *s = ctx;
    if (split < 0 || split > 2) s->bad_split = 1;
    sl_buf_append(&s->all, line, n);
    s->n_lines++;
    return 0;
}

static int id_index(const char *id) { return id ? atoi(id) - 1 : -1; }

int main(void) {
    data_captions caps;
    data_captions_init(&caps);
    sl_err err = {0};
    CHECK(data_captions_read_file("tests/data/stepllm/captions.csv", &caps, &err) == SL_OK);
    data_sample samples[8];
    sl_buf steps[8];
    size_t n = 0;
    for (size_t i = 0; i < caps.n; i++) {
        if (!caps.v[i].describable) continue;            /* 00000005 is not */
        char path[256], *text = NULL;
        size_t len = 0;
        snprintf(path, sizeof path, "tests/data/stepllm/%s/%s.step", caps.v[i].id, caps.v[i].id);
        CHECK(sl_file_read(path, &text, &len, 0, &err) == SL_OK);
        sl_buf_init(&steps[n]);
        CHECK(data_step_data_section(text, len, &steps[n], &err) == SL_OK);
        free(text);
        memset(&samples[n], 0, sizeof samples[n]);
        samples[n].id = caps.v[i].id;
        samples[n].caption = caps.v[i].caption;
        samples[n].step = steps[n].data;
        retrieval_meta_init_unknown(&samples[n].meta);
        n++;
    }
    CHECK_EQ_INT(n, 4);
    for (size_t i = 0; i < n; i++) CHECK_STR(samples[i].step, data_of[i]);

    data_build_cfg cfg;
    data_build_cfg_init(&cfg);
    cfg.split.seed = 42;
    cfg.split.train_frac = 0.5;      /* 4 samples: 2 train, 1 test, 1 val */
    cfg.split.test_frac = 0.25;
    sink out1 = {0}, out2 = {0};
    sl_buf_init(&out1.all);
    sl_buf_init(&out2.all);
    data_build_stats stats;
    cfg.pair.n_threads = 1;
    CHECK(data_build_records(samples, n, &cfg, emit, &out1, &stats, &err) == SL_OK);
    cfg.pair.n_threads = 3;
    CHECK(data_build_records(samples, n, &cfg, emit, &out2, NULL, &err) == SL_OK);
    CHECK_EQ_INT(out1.n_lines, 4);
    CHECK(!out1.bad_split);
    CHECK(out1.all.len == out2.all.len && !memcmp(out1.all.data, out2.all.data, out1.all.len));
    CHECK_EQ_INT(stats.n[RETRIEVAL_SPLIT_TRAIN], 2);
    CHECK_EQ_INT(stats.n[RETRIEVAL_SPLIT_TEST], 1);
    CHECK_EQ_INT(stats.n[RETRIEVAL_SPLIT_VAL], 1);
    CHECK_EQ_INT(stats.n_unpaired, 0);

    /* every record: leak-free pairing, golden prompts */
    const char *line = out1.all.data;
    int n_checked = 0;
    char split_of[4][8] = {{0}};
    for (int r = 0; r < 4 && line && *line; r++) {
        const char *nl = strchr(line, '\n');
        cJSON *o = cJSON_ParseWithLength(line, (size_t)(nl - line));
        CHECK(o != NULL);
        if (!o) break;
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(o, "id"));
        int self = id_index(id);
        CHECK(self == r);                                   /* records in sample order */
        snprintf(split_of[r], sizeof split_of[r], "%s", cJSON_GetStringValue(cJSON_GetObjectItem(o, "split")));
        const char *rid = cJSON_GetStringValue(cJSON_GetObjectItem(o, "retrieved_id"));
        int other = id_index(rid);
        CHECK(other >= 0 && other < 4 && other != self);
        if (other >= 0 && other < 4 && self >= 0 && self < 4) {
            sl_buf want;
            sl_buf_init(&want);
            sl_buf_puts(&want, rag_para);
            sl_buf_puts(&want, "### caption:\n");
            sl_buf_puts(&want, samples[self].caption);
            sl_buf_puts(&want, "\n\n### retrieved relevant step file:\n");
            sl_buf_puts(&want, data_of[other]);
            sl_buf_puts(&want, "\n\n### output:\n");
            CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "prompt")), want.data);
            sl_buf_clear(&want);
            sl_buf_puts(&want, norag_para);
            sl_buf_puts(&want, "### caption:\n");
            sl_buf_puts(&want, samples[self].caption);
            sl_buf_puts(&want, "\n\n### output:\n");
            CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "prompt_norag")), want.data);
            CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "step")), data_of[self]);
            CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "retrieved_caption")), samples[other].caption);
            sl_buf_release(&want);
            n_checked++;
        }
        cJSON_Delete(o);
        line = nl ? nl + 1 : NULL;
    }
    CHECK_EQ_INT(n_checked, 4);
    /* retrieved examples come from train only */
    line = out1.all.data;
    for (int r = 0; r < 4 && line && *line; r++) {
        const char *nl = strchr(line, '\n');
        cJSON *o = cJSON_ParseWithLength(line, (size_t)(nl - line));
        int other = id_index(cJSON_GetStringValue(cJSON_GetObjectItem(o, "retrieved_id")));
        if (other >= 0 && other < 4) CHECK_STR(split_of[other], "train");
        cJSON_Delete(o);
        line = nl ? nl + 1 : NULL;
    }
    for (size_t i = 0; i < n; i++) sl_buf_release(&steps[i]);
    sl_buf_release(&out1.all);
    sl_buf_release(&out2.all);
    data_captions_release(&caps);
    return test_finish("data/pipeline");
}
