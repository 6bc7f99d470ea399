/* cmd_train.c - `steplm train --config CFG.json`: supervised fine-tuning of a
 * decoder-only transformer (or LoRA adapters on one) on JSONL records. */
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lm_util.h"
#include "steplm/lm.h"

static const char *usage =
    "usage: steplm train --config CFG.json [--resume] [--steps N] [--log-every K] [--json]\n\n"
    "Trains on JSONL records {\"prompt\": ..., \"step\": ...} (field names configurable). The loss\n"
    "covers the target and the end token only. Writes OUT/config.json, model.safetensors,\n"
    "tokenizer.bpe, optim.safetensors (and lora.safetensors with lora_rank > 0).\n\n"
    "config keys (defaults): train (required), val, out (lm-out), prompt_field (prompt),\n"
    "  target_field (step), tokenizer (path; default: train one with tok_vocab 2048 tokens),\n"
    "  init_from (model dir), d 128, n_layer 4, n_head 4, n_kv_head, ffn 344, seq 256, tie,\n"
    "  batch 8, grad_accum 1, steps 1000, lr 1e-3, min_lr 1e-4, warmup 50,\n"
    "  schedule (cosine|linear|constant), weight_decay 0.1, beta1 0.9, beta2 0.95, eps 1e-8,\n"
    "  grad_clip 1.0, val_every 100, val_batches 8, save_every 500, seed 1,\n"
    "  lora_rank 0, lora_alpha 16, resume false\n";

typedef struct prog { int every, json; } prog;

static void fmt_eta(double s, char *b, size_t n) {
    if (!(s >= 0) || s > 1e8) { snprintf(b, n, "?"); return; }
    long t = (long)s;
    if (t >= 3600) snprintf(b, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else snprintf(b, n, "%ldm%02lds", t / 60, t % 60);
}

static void on_progress(void *ctx, const lm_train_progress *p) {
    prog *g = ctx;
    if (p->is_val) {
        if (g->json) printf("{\"step\": %ld, \"val_loss\": %.6f}\n", p->step, p->val_loss);
        else fprintf(stderr, "step %ld/%ld  val_loss %.4f\n", p->step, p->total, p->val_loss);
        fflush(stdout);
        return;
    }
    if (p->step % g->every && p->step != p->total && p->step != 1) return;
    char eta[32];
    fmt_eta(p->eta_s, eta, sizeof eta);
    if (g->json) printf("{\"step\": %ld, \"loss\": %.6f, \"lr\": %.3g, \"grad_norm\": %.4f, \"tokens_per_s\": %.1f, \"eta_s\": %.1f}\n",
                        p->step, p->loss, p->lr, p->grad_norm, p->tokens_per_s, p->eta_s);
    else fprintf(stderr, "step %ld/%ld  loss %.4f  lr %.2e  gnorm %.3f  %.0f tok/s  ETA %s\n", p->step, p->total, p->loss,
                 p->lr, p->grad_norm, p->tokens_per_s, eta);
    fflush(stdout);
}

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) { fputs(usage, stdout); return CLI_OK; }
    lm_cli_ensure_blas_env(argc, argv);
    const char *cfg_path = NULL;
    int resume = 0, json = 0, every = 10;
    long steps = -1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc) cfg_path = argv[++i];
        else if (!strcmp(argv[i], "--resume")) resume = 1;
        else if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--steps") && i + 1 < argc) {
            if (cli_parse_long(argv[++i], 1, LONG_MAX, &steps)) return cli_usage_error("train", "--steps needs a whole number > 0");
        } else if (!strcmp(argv[i], "--log-every") && i + 1 < argc) {
            long v;
            if (cli_parse_long(argv[++i], 1, 1L << 30, &v)) return cli_usage_error("train", "--log-every needs a whole number > 0");
            every = (int)v;
        }
        else return cli_usage_error("train", "unknown argument '%s'", argv[i]);
    }
    if (!cfg_path) return cli_usage_error("train", "--config CFG.json is required");
    if (every < 1) every = 1;
    sl_err err = {0};
    char *txt;
    size_t n;
    if (sl_file_read(cfg_path, &txt, &n, 1 << 20, &err)) { cli_print_err(&err); return CLI_FAIL; }
    lm_train_cfg cfg;
    lm_train_cfg_default(&cfg);
    sl_status st = lm_train_cfg_from_json(txt, &cfg, &err);
    free(txt);
    if (st) {
        if (!err.file[0]) snprintf(err.file, sizeof err.file, "%.255s", cfg_path);
        cli_print_err(&err);
        return CLI_FAIL;
    }
    if (resume) cfg.resume = 1;
    if (steps >= 0) cfg.steps = steps;
    prog g = {every, json};
    if (!json) fprintf(stderr, "steplm train: %s -> %s (%ld steps, batch %d x %d, OpenBLAS core %s)\n", cfg.train_path,
                       cfg.out_dir, cfg.steps, cfg.batch, cfg.grad_accum, lm_cli_blas_core());
    if (lm_train_run(&cfg, on_progress, &g, &err)) { cli_print_err(&err); return CLI_FAIL; }
    return CLI_OK;
}

const struct cli_cmd steplm_cmd_train = {"train", "train a transformer LM (SFT, LoRA) from a JSON config", run};
