/* cmd_sample.c - `steplm sample --model DIR --prompt TEXT`: generate with a
 * KV cache (greedy, temperature, top-k, top-p, repetition penalty). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lm_util.h"
#include "steplm/lm.h"

static const char *usage =
    "usage: steplm sample --model DIR (--prompt TEXT | --prompt-file F) [--n G] [--temperature T]\n"
    "                     [--top-k K] [--top-p P] [--rep-penalty R] [--seed S] [--max-new N]\n"
    "                     [--stop STR]... [--lora FILE] [--weights f32|bf16|q8] [--draft bf16|q8|f32]\n"
    "                     [--draft-k K] [--json] [--verbose]\n"
    "       steplm sample --model DIR --eval FILE.jsonl [--prompt-field F] [--target-field F] [--lora FILE]\n"
    "                     [--weights f32|bf16|q8] [--json]\n\n"
    "--eval greedy-decodes the prompt of every record and counts exact (byte for byte)\n"
    "reproductions of its target.\n"
    "Generates G samples from one prompt (prefilled once, decoded together). Temperature 0\n"
    "is greedy. A sample ends at <|endoftext|>, a stop string, N new tokens or the model's\n"
    "context length. The prompt may contain the special-token strings (<|endoftext|>,\n"
    "'### caption:\\n', '### output:\\n', ...).\n"
    "--weights: precision of the weights while decoding (default f32). bf16 and q8 (int8,\n"
    "one scale per row) are copies that halve / quarter the bytes read per token; greedy\n"
    "tokens can differ from f32 where the top logits are close.\n"
    "--draft: speculative greedy decoding (temperature 0, --n 1): a bf16 / int8 copy proposes\n"
    "K tokens (--draft-k, 1..15, default 4), the model checks them in one pass. The output is\n"
    "exactly the greedy output; it is faster where the weights do not fit in cache.\n";

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) { fputs(usage, stdout); return CLI_OK; }
    lm_cli_ensure_blas_env(argc, argv);
    const char *dir = NULL, *prompt = NULL, *pfile = NULL, *lora = NULL, *eval = NULL;
    const char *pfield = "prompt", *tfield = "step";
    const char *stops[16];
    int n_stop = 0, json = 0, verbose = 0, n_sampling = 0;   /* n_sampling: options --eval does not take */
    long lv;
    double dv;
    lm_sample_opts o;
    lm_sample_opts_default(&o);
    o.temperature = 0.0f;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--json")) { json = 1; continue; }
        if (!strcmp(a, "--verbose")) { verbose = 1; continue; }
        if (!v) return cli_usage_error("sample", "option '%s' needs a value (or is unknown)", a);
        i++;
        if (!strcmp(a, "--model")) dir = v;
        else if (!strcmp(a, "--prompt")) prompt = v;
        else if (!strcmp(a, "--prompt-file")) pfile = v;
        else if (!strcmp(a, "--lora")) lora = v;
        else if (!strcmp(a, "--eval")) eval = v;
        else if (!strcmp(a, "--prompt-field")) pfield = v;
        else if (!strcmp(a, "--target-field")) tfield = v;
        else if (!strcmp(a, "--n")) {
            if (cli_parse_long(v, 1, 4096, &lv)) return cli_usage_error("sample", "--n needs a whole number in [1, 4096]");
            o.n_samples = (int)lv;
            n_sampling++;
        } else if (!strcmp(a, "--temperature")) {
            if (cli_parse_double(v, 0, 1e6, &dv)) return cli_usage_error("sample", "--temperature needs a number >= 0");
            o.temperature = (float)dv;
            n_sampling++;
        } else if (!strcmp(a, "--top-k")) {
            if (cli_parse_long(v, 0, 1L << 30, &lv)) return cli_usage_error("sample", "--top-k needs a whole number >= 0");
            o.top_k = (int)lv;
            n_sampling++;
        } else if (!strcmp(a, "--top-p")) {
            if (cli_parse_double(v, 0, 1, &dv) || !(dv > 0)) return cli_usage_error("sample", "--top-p needs a number in (0, 1]");
            o.top_p = (float)dv;
            n_sampling++;
        } else if (!strcmp(a, "--rep-penalty")) {
            if (cli_parse_double(v, 0, 1e6, &dv) || !(dv > 0)) return cli_usage_error("sample", "--rep-penalty needs a number > 0");
            o.rep_penalty = (float)dv;
            n_sampling++;
        } else if (!strcmp(a, "--seed")) {
            char *end;
            errno = 0;
            o.seed = strtoull(v, &end, 10);
            if (end == v || *end || errno || v[0] == '-') return cli_usage_error("sample", "--seed needs a whole number >= 0");
            n_sampling++;
        }
        else if (!strcmp(a, "--weights")) {
            if (!strcmp(v, "f32")) o.weights = LM_WEIGHTS_F32;
            else if (!strcmp(v, "bf16")) o.weights = LM_WEIGHTS_BF16;
            else if (!strcmp(v, "q8")) o.weights = LM_WEIGHTS_Q8;
            else return cli_usage_error("sample", "--weights must be f32, bf16 or q8");
        }
        else if (!strcmp(a, "--draft")) {
            if (!strcmp(v, "f32")) o.draft_weights = LM_WEIGHTS_F32;
            else if (!strcmp(v, "bf16")) o.draft_weights = LM_WEIGHTS_BF16;
            else if (!strcmp(v, "q8")) o.draft_weights = LM_WEIGHTS_Q8;
            else return cli_usage_error("sample", "--draft must be bf16, q8 or f32");
            if (!o.draft_k) o.draft_k = 4;
            n_sampling++;
        } else if (!strcmp(a, "--draft-k")) {
            if (cli_parse_long(v, 1, 15, &lv)) return cli_usage_error("sample", "--draft-k needs a whole number in [1, 15]");
            o.draft_k = (int)lv;
            n_sampling++;
        }
        else if (!strcmp(a, "--max-new")) {
            if (cli_parse_long(v, 0, 1L << 30, &lv)) return cli_usage_error("sample", "--max-new needs a whole number >= 0");
            o.max_new = (int)lv;
            n_sampling++;
        } else if (!strcmp(a, "--stop")) {
            if (n_stop == 16) return cli_usage_error("sample", "at most 16 --stop strings");
            stops[n_stop++] = v;
            n_sampling++;
        }
        else return cli_usage_error("sample", "unknown option '%s'", a);
    }
    if (eval && n_sampling)
        return cli_usage_error("sample", "--eval decodes greedily to the end token; --n, --temperature, --top-k, --top-p, "
                                         "--rep-penalty, --seed, --max-new, --stop and --draft do not apply");
    if (dir && eval && !prompt && !pfile) {
        sl_err err = {0};
        lm_model *m;
        lm_tokenizer *tok;
        if (lm_checkpoint_load(dir, &m, &tok, &err)) { cli_print_err(&err); return CLI_FAIL; }
        if (!tok) { fprintf(stderr, "steplm sample: error: %s has no tokenizer.bpe\n", dir); lm_model_free(m); return CLI_FAIL; }
        lm_sft_data d;
        int rc = CLI_OK, n_ok = 0;
        double t0 = sl_time_sec();
        if (lora && lm_lora_attach_file(m, lora, &err)) { cli_print_err(&err); rc = CLI_FAIL; }
        else if (lm_sft_load_jsonl(eval, tok, pfield, tfield, lm_model_config(m)->seq, &d, &err)) { cli_print_err(&err); rc = CLI_FAIL; }
        else {
            int *ex = calloc(d.n ? d.n : 1, sizeof(int));
            if (lm_sft_exact_match(m, tok, &d, o.weights, &n_ok, ex, &err)) { cli_print_err(&err); rc = CLI_FAIL; }
            else {
                if (json) printf("{\"records\": %zu, \"exact\": %d, \"seconds\": %.2f}\n", d.n, n_ok, sl_time_sec() - t0);
                else {
                    printf("exact %d / %zu\n", n_ok, d.n);
                    for (size_t i = 0; i < d.n; i++) if (!ex[i]) printf("  record %zu differs\n", i + 1);
                }
            }
            free(ex);
            lm_sft_data_release(&d);
        }
        lm_tokenizer_free(tok);
        lm_model_free(m);
        return rc;
    }
    if (!dir || (!prompt == !pfile)) return cli_usage_error("sample", "--model DIR and one of --prompt / --prompt-file are required");
    if (o.n_samples < 1 || o.n_samples > 4096) return cli_usage_error("sample", "--n must be in [1, 4096]");
    if (o.temperature < 0 || o.top_p <= 0 || o.top_p > 1 || o.rep_penalty <= 0 || o.max_new < 0)
        return cli_usage_error("sample", "invalid sampling parameter");
    if (o.draft_k && (o.temperature > 0 || o.n_samples != 1))
        return cli_usage_error("sample", "--draft is greedy decoding of one sample (no --temperature, --n 1)");
    sl_err err = {0};
    lm_model *m;
    lm_tokenizer *tok;
    if (lm_checkpoint_load(dir, &m, &tok, &err)) { cli_print_err(&err); return CLI_FAIL; }
    if (!tok) { fprintf(stderr, "steplm sample: error: %s has no tokenizer.bpe\n", dir); lm_model_free(m); return CLI_FAIL; }
    int rc = CLI_OK;
    char *pbuf = NULL;
    size_t pn = prompt ? strlen(prompt) : 0;
    if (pfile && sl_file_read(pfile, &pbuf, &pn, 0, &err)) { cli_print_err(&err); rc = CLI_FAIL; }
    if (rc == CLI_OK && lora) {
        if (lm_lora_attach_file(m, lora, &err)) { cli_print_err(&err); rc = CLI_FAIL; }
    }
    int32_t *ids = NULL;
    size_t k = 0;
    if (rc == CLI_OK && lm_tokenizer_encode(tok, pbuf ? pbuf : prompt, pn, 1, &ids, &k, &err)) { cli_print_err(&err); rc = CLI_FAIL; }
    if (rc == CLI_OK) {
        o.stop_token = LM_TOK_EOT;
        o.stop_strings = stops;
        o.n_stop = n_stop;
        o.tok = tok;
        lm_generation g;
        if (lm_generate(m, ids, (int)k, &o, &g, &err)) { cli_print_err(&err); rc = CLI_FAIL; }
        else {
            static const char *const why[] = {"max_new", "end_token", "stop_string", "hook", "context_full"};
            if (json) printf("[");
            for (int s = 0; s < g.n_samples; s++) {
                sl_buf txt;
                sl_buf_init(&txt);
                lm_tokenizer_decode(tok, g.tokens[s], (size_t)g.n_tokens[s], &txt, NULL);
                if (json) {
                    printf("%s\n  {\"sample\": %d, \"n_tokens\": %d, \"stop\": \"%s\", \"text\": ", s ? "," : "", s, g.n_tokens[s], why[g.stop_reason[s]]);
                    sl_buf out; sl_buf_init(&out);
                    sl_buf_json_str(&out, txt.data ? txt.data : "", txt.len);
                    fwrite(out.data, 1, out.len, stdout);
                    sl_buf_release(&out);
                    printf("}");
                } else {
                    if (g.n_samples > 1) printf("--- sample %d (%d tokens, %s) ---\n", s, g.n_tokens[s], why[g.stop_reason[s]]);
                    fwrite(txt.data ? txt.data : "", 1, txt.len, stdout);
                    printf("\n");
                }
                sl_buf_release(&txt);
            }
            if (json) printf("\n]\n");
            if (verbose) {
                long n_tok = 0;   /* tokens after each sample's first, which comes from the prefill */
                for (int s = 0; s < g.n_samples; s++) n_tok += g.n_tokens[s] > 0 ? g.n_tokens[s] - 1 : 0;
                fprintf(stderr, "prompt %zu tokens, prefill %.1f ms, %ld tokens in %.3f s (%.1f tokens/s, %ld decode rows), OpenBLAS core %s\n",
                        k, g.prefill_s * 1e3, n_tok, g.decode_s, g.decode_s > 0 ? n_tok / g.decode_s : 0.0, g.n_decoded,
                        lm_cli_blas_core());
                if (o.draft_k) fprintf(stderr, "draft: %ld tokens proposed, %ld accepted\n", g.n_drafted, g.n_accepted);
            }
            lm_generation_release(&g);
        }
    }
    free(ids); free(pbuf);
    lm_tokenizer_free(tok);
    lm_model_free(m);
    return rc;
}

const struct cli_cmd steplm_cmd_sample = {"sample", "generate text from a trained model (KV cache, sampling)", run};
