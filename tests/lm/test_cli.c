/* test_cli.c - the language-model commands end to end through the steplm
 * binary: tokenizer train / encode / decode round trip, train from a JSON
 * config, sample (JSON output, several samples), exit codes for usage and
 * input errors, and the OpenBLAS core the CLI selects when
 * OPENBLAS_CORETYPE is unset (it re-executes itself with SkylakeX on
 * AVX-512 CPUs). */
#include <stdarg.h>
#include "test.h"
#include "steplm/lm.h"

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...) {
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return rc == -1 ? -1 : (rc >> 8) & 0xff;
}

static char *slurp(const char *p) {
    char *d = NULL;
    size_t n;
    if (sl_file_read(p, &d, &n, 0, NULL)) return NULL;
    return d;
}

int main(void) {
    const char *bin = test_steplm_bin();
    const char *src = "../shared/data/step/real/brepnet/tests/test_data/simple_solids/block.step";
    FILE *f = fopen(src, "rb");
    if (!f) src = "tests/lm/data/overfit50.jsonl";
    else fclose(f);
    CHECK_EQ_INT(sh("%s tokenizer train tests/lm/data/overfit50.jsonl %s --vocab 400 -o build/t_cli.bpe 2>/dev/null", bin, src), 0);
    CHECK_EQ_INT(sh("%s tokenizer encode --tokenizer build/t_cli.bpe %s -o build/t_cli.ids 2>/dev/null", bin, src), 0);
    CHECK_EQ_INT(sh("%s tokenizer decode --tokenizer build/t_cli.bpe build/t_cli.ids -o build/t_cli.out", bin), 0);
    CHECK_EQ_INT(sh("cmp -s %s build/t_cli.out", src), 0);
    CHECK_EQ_INT(sh("%s tokenizer encode build/t_cli.ids 2>/dev/null", bin), 2);
    CHECK_EQ_INT(sh("%s tokenizer frobnicate 2>/dev/null", bin), 2);
    CHECK_EQ_INT(sh("%s tokenizer decode --tokenizer build/t_cli.bpe %s -o build/t_cli.x 2>/dev/null", bin, src) != 0, 1);
    CHECK_EQ_INT(sh("%s tokenizer --help >/dev/null", bin), 0);

    const char *cfg = "{\"train\": \"tests/lm/data/overfit50.jsonl\", \"out\": \"build/t_cli_model\", \"tokenizer\": \"build/t_cli.bpe\","
                      " \"d\": 32, \"n_layer\": 1, \"n_head\": 2, \"ffn\": 48, \"seq\": 400, \"batch\": 2, \"steps\": 2, \"save_every\": 0}";
    sl_file_write_atomic("build/t_cli_cfg.json", cfg, strlen(cfg), NULL);
    CHECK_EQ_INT(sh("%s train --config build/t_cli_cfg.json --json > build/t_cli_train.txt 2>/dev/null", bin), 0);
    char *tr = slurp("build/t_cli_train.txt");
    CHECK(tr && strstr(tr, "\"tokens_per_s\""));
    free(tr);
    CHECK_EQ_INT(sh("test -s build/t_cli_model/model.safetensors -a -s build/t_cli_model/config.json -a -s build/t_cli_model/tokenizer.bpe"
                    " -a -s build/t_cli_model/optim.safetensors"), 0);
    CHECK_EQ_INT(sh("env -u OPENBLAS_CORETYPE %s sample --model build/t_cli_model --prompt '### caption:\n"
                    "a plate\n\n### output:\n' --n 3 --temperature 0.9 --top-k 20 --seed 4 --max-new 6 --json --verbose"
                    " > build/t_cli_sample.json 2> build/t_cli_sample.err", bin), 0);
    char *js = slurp("build/t_cli_sample.json"), *er = slurp("build/t_cli_sample.err");
    CHECK(js && strstr(js, "\"sample\": 2") && strstr(js, "\"text\""));
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) CHECK_MSG(er && strstr(er, "OpenBLAS core SkylakeX"), "stderr: %s", er ? er : "");
    free(js); free(er);
    CHECK_EQ_INT(sh("%s sample --model build/no_such_model --prompt x 2>build/t_cli_err.txt", bin), 1);
    er = slurp("build/t_cli_err.txt");
    CHECK(er && strstr(er, "error"));
    free(er);
    CHECK_EQ_INT(sh("%s sample --model build/t_cli_model 2>/dev/null", bin), 2);
    CHECK_EQ_INT(sh("%s train 2>/dev/null", bin), 2);
    CHECK_EQ_INT(sh("%s train --config build/no_such.json 2>/dev/null", bin), 1);
    /* numbers are whole strings in range, or a usage error that names the option */
    const char *bad[] = {"--n abc", "--n 0", "--temperature 0.5x", "--temperature -1", "--top-p 1.5", "--top-k 3.5",
                         "--seed -2", "--max-new 1e3", "--rep-penalty 0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char opt[32];
        sscanf(bad[i], "%31s", opt);
        CHECK_EQ_INT(sh("%s sample --model build/t_cli_model --prompt x %s 2>build/t_cli_err.txt", bin, bad[i]), 2);
        er = slurp("build/t_cli_err.txt");
        CHECK_MSG(er && strstr(er, opt), "'%s': %s", bad[i], er ? er : "");
        free(er);
    }
    CHECK_EQ_INT(sh("%s train --config build/t_cli_cfg.json --steps 10x 2>/dev/null", bin), 2);
    /* --draft: speculative greedy decoding prints exactly what plain greedy decoding prints */
    CHECK_EQ_INT(sh("%s sample --model build/t_cli_model --prompt x --max-new 40 > build/t_cli_g0.txt", bin), 0);
    CHECK_EQ_INT(sh("%s sample --model build/t_cli_model --prompt x --max-new 40 --draft q8 --draft-k 5 > build/t_cli_g1.txt", bin), 0);
    CHECK_EQ_INT(sh("cmp -s build/t_cli_g0.txt build/t_cli_g1.txt"), 0);
    CHECK_EQ_INT(sh("%s sample --model build/t_cli_model --prompt x --draft q8 --n 2 2>/dev/null", bin), 2);
    CHECK_EQ_INT(sh("%s sample --model build/t_cli_model --prompt x --draft-k 16 2>/dev/null", bin), 2);
    /* --eval: sampling options are refused, --weights is honoured */
    CHECK_EQ_INT(sh("%s sample --model build/t_cli_model --eval tests/lm/data/overfit50.jsonl --temperature 0.7 2>/dev/null", bin), 2);
    CHECK_EQ_INT(sh("head -3 tests/lm/data/overfit50.jsonl > build/t_cli_eval.jsonl"), 0);
    CHECK_EQ_INT(sh("%s sample --model build/t_cli_model --eval build/t_cli_eval.jsonl --weights q8 --json > build/t_cli_ev.txt", bin), 0);
    js = slurp("build/t_cli_ev.txt");
    CHECK(js && strstr(js, "\"records\": 3"));
    free(js);
    return test_finish("lm/cli");
}
