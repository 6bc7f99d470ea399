/* cmd_restore.c - `steplm restore IN -o OUT`: annotated file -> plain canonical file. */
#include "cli.h"
#include "reserial_util.h"

static const char *usage =
    "usage: steplm restore IN -o OUT [--list FILE] [--force] [--shard i/n] [--summary FILE] [-j N]\n\n"
    "Strip the annotations of a reserialized file and write it in canonical Part 21\n"
    "form (one entity per line, no comments), ids as they are. Also accepts the\n"
    "STEP-LLM layout (--format stepllm, or the released dataset): the #ID_k\n"
    "placeholders are replaced by the ids of their '/* ID_k = n */' lines and the\n"
    "unified colour's empty name becomes ''. What STEP-LLM dropped stays dropped.\n"
    "IN may be a file or a directory (batch mode, same options as reserialize;\n"
    "summary in OUT/restore-summary.json). Exit status 0 ok, 1 failure, 2 usage.\n";

static int run(int argc, char **argv) {
    cli_rs_job job = {.kind = CLI_RS_RESTORE};
    return cli_rs_main("restore", usage, argc, argv, &job, NULL);
}

const struct cli_cmd steplm_cmd_restore = {"restore", "strip reserialization annotations, write canonical STEP", run};
