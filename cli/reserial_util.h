/* reserial_util.h - the driver shared by `steplm round`, `reserialize` and
 * `restore`: option parsing common to the three, single-file and batch mode
 * (directory or list file in, directory out, OpenMP over files, progress bar,
 * resumable, --shard i/n, summary JSON). */
#ifndef STEPLM_CLI_RESERIAL_UTIL_H
#define STEPLM_CLI_RESERIAL_UTIL_H

#include "steplm/reserial.h"

typedef enum { CLI_RS_ROUND, CLI_RS_RESERIALIZE, CLI_RS_RESTORE } cli_rs_kind;

typedef struct cli_rs_job {
    cli_rs_kind kind;
    reserial_opts opts;          /* reserialize */
    int decimals;                /* round */
    reserial_round_style style;  /* round */
} cli_rs_job;

/* Per-file outcome. */
typedef struct cli_rs_file {
    int status;                  /* 0 done, 1 skipped (output exists), 2 failed */
    char *reason;                /* failed: the located error (malloc'd) */
    size_t bytes_in, entities;
    reserial_stats stats;
} cli_rs_file;

/* Process one file: read in_path, write out_path ("-" = stdout) atomically. */
void cli_rs_process(const cli_rs_job *job, const char *in_path, const char *out_path, cli_rs_file *res);

/* Parse the common options (IN, -o, --list, --force, --shard, --summary, --json,
 * -j) after the command-specific ones were taken out by `extra` (returns the number
 * of argv slots it consumed at i, 0 if not its option, -1 on a usage error it
 * already reported), then run. Returns the exit code. */
int cli_rs_main(const char *cmd, const char *usage, int argc, char **argv, cli_rs_job *job,
                int (*extra)(cli_rs_job *job, int argc, char **argv, int i));

#endif
