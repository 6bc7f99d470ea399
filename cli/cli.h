/* cli.h - shared pieces of the steplm command line. The CLI is the only code that
 * prints to a user or exits. Each subcommand lives in cli/cmd_<name>.c and defines
 *     const struct cli_cmd steplm_cmd_<name> = {"<name>", "one-line summary", run};
 * The build generates the command table from those files. */
#ifndef STEPLM_CLI_H
#define STEPLM_CLI_H

#include <stdio.h>
#include "steplm/util.h"

struct cli_cmd {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);   /* argv[0] is the subcommand name */
};

/* exit codes */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* true if argv holds -h or --help */
int cli_wants_help(int argc, char **argv);
/* print "steplm <cmd>: error: msg" to stderr; returns CLI_USAGE */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* print an sl_err as "file:line:col: error: msg" */
void cli_print_err(const sl_err *err);
/* progress bar on stderr, only when stderr is a terminal; done == total ends the line */
void cli_progress(const char *what, size_t done, size_t total, double t0);
/* Parse "i/n" into 0 <= i < n; 0 on success. */
int cli_parse_shard(const char *s, unsigned *i, unsigned *n);
/* Whole-string numbers: 0 when s is a number in [lo, hi] (finite for doubles),
 * -1 otherwise ("12x", "", "nan", out of range). */
int cli_parse_long(const char *s, long lo, long hi, long *v);
int cli_parse_double(const char *s, double lo, double hi, double *v);
/* Collect input files: each arg is a file, or a directory walked recursively for
 * names ending in one of exts (e.g. {".step", ".stp", NULL}, case-insensitive).
 * Sorted, malloc'd array of malloc'd strings; returns count or -1 on error. */
long cli_collect_files(char **args, int n_args, const char *const *exts, char ***out);
void cli_free_files(char **files, long n);

#endif
