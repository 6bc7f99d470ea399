/* main.c - the steplm command: dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_cmds.h"

#define STEPLM_VERSION "0.1.0"

static void print_usage(FILE *f) {
    fprintf(f, "steplm %s - text to CAD, in C\n\n"
               "usage: steplm <command> [options]\n       steplm <command> --help\n\ncommands:\n",
            STEPLM_VERSION);
    for (const struct cli_cmd *const *c = cli_cmds; *c; c++)
        fprintf(f, "  %-14s %s\n", (*c)->name, (*c)->summary);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        print_usage(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
        print_usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "version")) {
        printf("steplm %s\n", STEPLM_VERSION);
        return CLI_OK;
    }
    for (const struct cli_cmd *const *c = cli_cmds; *c; c++)
        if (!strcmp((*c)->name, name)) return (*c)->run(argc - 1, argv + 1);
    fprintf(stderr, "steplm: error: unknown command '%s' (see 'steplm --help')\n", name);
    return CLI_USAGE;
}
