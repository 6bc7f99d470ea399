/* cmd_tokenizer.c - `steplm tokenizer train|encode|decode`: byte-level BPE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "steplm/lm.h"

static const char *usage =
    "usage: steplm tokenizer train FILE|DIR... --vocab N -o TOK [--pretok step|generic] [--json]\n"
    "       steplm tokenizer encode --tokenizer TOK IN -o IDS [--special] [--json]\n"
    "       steplm tokenizer decode --tokenizer TOK IDS -o OUT\n\n"
    "train   learn a byte-level BPE vocabulary of N tokens (256 bytes + 5 special\n"
    "        tokens + merges) from text files (directories: *.step *.stp *.txt *.jsonl)\n"
    "encode  write the token ids of IN as little-endian uint32 (--special: map the\n"
    "        special-token strings such as <|endoftext|> and '### output:\\n' to their ids)\n"
    "decode  write the bytes of the little-endian uint32 ids in IDS\n";

static int do_train(int argc, char **argv) {
    int vocab = 0, json = 0;
    const char *out = NULL;
    lm_pretok pt = LM_PRETOK_STEP;
    char **files = calloc((size_t)argc, sizeof(char *));
    int nf = 0;
    if (!files) return CLI_FAIL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--vocab") && i + 1 < argc) {
            long v;
            if (cli_parse_long(argv[++i], 1, 1L << 24, &v)) { free(files); return cli_usage_error("tokenizer", "--vocab needs a whole number > 0"); }
            vocab = (int)v;
        }
        else if (!strcmp(argv[i], "-o") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--pretok") && i + 1 < argc) {
            const char *v = argv[++i];
            if (!strcmp(v, "step")) pt = LM_PRETOK_STEP;
            else if (!strcmp(v, "generic")) pt = LM_PRETOK_GENERIC;
            else { free(files); return cli_usage_error("tokenizer", "--pretok must be step or generic"); }
        } else if (argv[i][0] == '-') { free(files); return cli_usage_error("tokenizer", "unknown option '%s'", argv[i]); }
        else files[nf++] = argv[i];
    }
    if (!nf || !out || vocab < LM_TOK_N_BASE) {
        free(files);
        return cli_usage_error("tokenizer", "train needs FILE..., -o TOK and --vocab N (N >= %d)", LM_TOK_N_BASE);
    }
    static const char *const exts[] = {".step", ".stp", ".txt", ".jsonl", NULL};
    char **paths;
    long np = cli_collect_files(files, nf, exts, &paths);
    free(files);
    if (np <= 0) { fprintf(stderr, "steplm tokenizer: error: no input files\n"); return CLI_FAIL; }
    char **texts = calloc((size_t)np, sizeof(char *));
    size_t *lens = calloc((size_t)np, sizeof(size_t)), total = 0;
    sl_err err = {0};
    int rc = CLI_OK;
    for (long i = 0; i < np && rc == CLI_OK; i++) {
        if (sl_file_read(paths[i], &texts[i], &lens[i], 0, &err)) { cli_print_err(&err); rc = CLI_FAIL; }
        total += lens[i];
    }
    if (rc == CLI_OK) {
        double t0 = sl_time_sec();
        lm_tokenizer *t;
        if (lm_tokenizer_train((const char *const *)texts, lens, (size_t)np, vocab, pt, &t, &err) ||
            lm_tokenizer_save(t, out, &err)) {
            cli_print_err(&err);
            rc = CLI_FAIL;
        } else {
            double dt = sl_time_sec() - t0;
            if (json) printf("{\"files\": %ld, \"bytes\": %zu, \"vocab\": %d, \"seconds\": %.3f}\n", np, total, lm_tokenizer_vocab_size(t), dt);
            else fprintf(stderr, "trained %d tokens on %ld files (%zu bytes) in %.2f s -> %s\n", lm_tokenizer_vocab_size(t), np, total, dt, out);
            lm_tokenizer_free(t);
        }
    }
    for (long i = 0; i < np; i++) free(texts[i]);
    free(texts); free(lens);
    cli_free_files(paths, np);
    return rc;
}

static int do_encode_decode(int argc, char **argv, int encode) {
    const char *tp = NULL, *in = NULL, *out = NULL;
    int special = 0, json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--tokenizer") && i + 1 < argc) tp = argv[++i];
        else if (!strcmp(argv[i], "-o") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--special")) special = 1;
        else if (!strcmp(argv[i], "--json")) json = 1;
        else if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error("tokenizer", "unknown option '%s'", argv[i]);
        else if (!in) in = argv[i];
        else return cli_usage_error("tokenizer", "one input file expected");
    }
    if (!tp || !in || !out) return cli_usage_error("tokenizer", "%s needs --tokenizer TOK, an input and -o OUT", argv[0]);
    sl_err err = {0};
    lm_tokenizer *t;
    if (lm_tokenizer_load(tp, &t, &err)) { cli_print_err(&err); return CLI_FAIL; }
    char *data;
    size_t n;
    int rc = CLI_OK;
    if (sl_file_read(in, &data, &n, 0, &err)) { cli_print_err(&err); lm_tokenizer_free(t); return CLI_FAIL; }
    if (encode) {
        int32_t *ids;
        size_t k;
        double t0 = sl_time_sec();
        if (lm_tokenizer_encode(t, data, n, special, &ids, &k, &err)) { cli_print_err(&err); rc = CLI_FAIL; }
        else {
            double dt = sl_time_sec() - t0;
            unsigned char *le = malloc(k * 4 + 1);
            for (size_t i = 0; le && i < k; i++) {
                uint32_t v = (uint32_t)ids[i];
                le[4 * i] = (unsigned char)v; le[4 * i + 1] = (unsigned char)(v >> 8);
                le[4 * i + 2] = (unsigned char)(v >> 16); le[4 * i + 3] = (unsigned char)(v >> 24);
            }
            if (!le || sl_file_write_atomic(out, le, k * 4, &err)) { cli_print_err(&err); rc = CLI_FAIL; }
            else if (json) printf("{\"bytes\": %zu, \"tokens\": %zu, \"bytes_per_token\": %.4f, \"mb_per_s\": %.2f}\n", n, k,
                                  k ? (double)n / k : 0.0, dt > 0 ? n / dt / 1e6 : 0.0);
            else fprintf(stderr, "%zu bytes -> %zu tokens (%.3f bytes/token) in %.3f s\n", n, k, k ? (double)n / k : 0.0, dt);
            free(le);
            free(ids);
        }
    } else {
        if (n % 4) {
            fprintf(stderr, "%s: error: size %zu is not a multiple of 4 (little-endian uint32 ids)\n", in, n);
            rc = CLI_FAIL;
        } else {
            size_t k = n / 4;
            int32_t *ids = malloc(k * 4 + 4);
            const unsigned char *b = (const unsigned char *)data;
            for (size_t i = 0; ids && i < k; i++)
                ids[i] = (int32_t)((uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 | (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24);
            sl_buf ob;
            sl_buf_init(&ob);
            if (!ids || lm_tokenizer_decode(t, ids, k, &ob, &err) || sl_file_write_atomic(out, ob.data ? ob.data : "", ob.len, &err)) {
                if (err.file[0] == 0) snprintf(err.file, sizeof err.file, "%.255s", in);
                cli_print_err(&err);
                rc = CLI_FAIL;
            }
            sl_buf_release(&ob);
            free(ids);
        }
    }
    free(data);
    lm_tokenizer_free(t);
    return rc;
}

static int run(int argc, char **argv) {
    if (argc < 2 || cli_wants_help(argc, argv)) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (!strcmp(argv[1], "train")) return do_train(argc - 1, argv + 1);
    if (!strcmp(argv[1], "encode")) return do_encode_decode(argc - 1, argv + 1, 1);
    if (!strcmp(argv[1], "decode")) return do_encode_decode(argc - 1, argv + 1, 0);
    return cli_usage_error("tokenizer", "unknown action '%s' (train, encode, decode)", argv[1]);
}

const struct cli_cmd steplm_cmd_tokenizer = {"tokenizer", "train, encode and decode with a byte-level BPE tokenizer", run};
