/* cmd_round.c - `steplm round IN -o OUT [--decimals N]`: round the reals of the DATA section. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "reserial_util.h"

static const char *usage =
    "usage: steplm round IN -o OUT [--decimals N] [--style steplm|stepllm]\n"
    "                   [--list FILE] [--force] [--shard i/n] [--summary FILE] [-j N] [--json]\n\n"
    "Round every REAL in the DATA section to N decimals (default 6) and write the file\n"
    "in canonical Part 21 form. Only parsed numbers are touched: never strings,\n"
    "integers, enumerations or the HEADER.\n"
    "  steplm style (default): the shortest fixed-point spelling that keeps a '.'\n"
    "      (1.00000000000000 -> 1.0, -1.2E-16 -> 0.0, zeros are never signed);\n"
    "      a typed measure such as LENGTH_MEASURE(1.E-07) that would round to zero keeps\n"
    "      N significant digits (1.0E-07); |x| >= 1e15 is written as d.dddE+xx.\n"
    "  stepllm style: what STEP-LLM's round_step_numbers.py does to a number: the\n"
    "      mantissa of digits.digits[E..] printed with exactly N decimals, the exponent\n"
    "      text kept, '2.' and lower-case 'e' forms left alone.\n\n"
    "IN may be a file or a directory (batch mode: every *.step/*.stp/*.p21 below it,\n"
    "written under OUT with the same relative path); --list FILE reads the inputs\n"
    "from FILE (one path a line). Batch mode uses all cores (-j N to limit), shows a\n"
    "progress bar on a terminal, skips inputs whose output exists (--force redoes\n"
    "them), writes every output atomically, processes only every n-th file from i\n"
    "with --shard i/n, and writes a summary JSON (done, skipped, failed with the\n"
    "reason) to OUT/round-summary.json or --summary FILE. OUT may be '-' (stdout)\n"
    "for a single file. Exit status 0 when every file was done or skipped, 1 when\n"
    "one failed, 2 usage.\n";

static int extra(cli_rs_job *job, int argc, char **argv, int i) {
    if (!strcmp(argv[i], "--decimals") || !strcmp(argv[i], "--round")) {
        char *end;
        long d = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : -1;
        if (i + 1 >= argc || *end || d < 0 || d > RESERIAL_MAX_DECIMALS) {
            cli_usage_error("round", "%s needs a number in 0..%d", argv[i], RESERIAL_MAX_DECIMALS);
            return -1;
        }
        job->decimals = (int)d;
        return 2;
    }
    if (!strcmp(argv[i], "--style")) {
        if (i + 1 < argc && !strcmp(argv[i + 1], "steplm")) job->style = RESERIAL_ROUND_STEPLM;
        else if (i + 1 < argc && !strcmp(argv[i + 1], "stepllm")) job->style = RESERIAL_ROUND_STEPLLM;
        else { cli_usage_error("round", "--style needs steplm or stepllm"); return -1; }
        return 2;
    }
    return 0;
}

static int run(int argc, char **argv) {
    cli_rs_job job = {.kind = CLI_RS_ROUND, .decimals = 6, .style = RESERIAL_ROUND_STEPLM};
    return cli_rs_main("round", usage, argc, argv, &job, extra);
}

const struct cli_cmd steplm_cmd_round = {"round", "round the reals of STEP files to N decimals (file or batch)", run};
