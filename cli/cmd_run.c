/* cmd_run.c - `steplm run PROG.lua -o OUT.step`: run a CAD program in the sandbox. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "model_out.h"
#include "steplm/cadprog.h"

static const char *usage =
    "usage: steplm run PROG.lua [-o OUT.step] [--mesh OUT.{stl,obj,ply}] [--emit-json]\n"
    "                  [--json] [--max-instructions N] [--max-memory MB] [--max-seconds S]\n\n"
    "Runs a CAD program (Lua calling steplm's CAD API, see docs/cad-api.md) in a sandbox\n"
    "with no file, process or network access, builds the parts it made, checks them and\n"
    "writes STEP (AP214; several parts: an assembly). Nothing is written on any error;\n"
    "errors print as PROG.lua:LINE: error: message.\n\n"
    "  -o OUT.step            STEP output (written atomically)\n"
    "  --mesh FILE            also write a triangle mesh of the parts\n"
    "  --deflection D         mesh chordal deflection in mm (default 0.01)\n"
    "  --emit-json            print the feature tree the program made (the JSON `steplm build` reads)\n"
    "  --json                 print the build summary as JSON\n"
    "  --max-instructions N   VM instruction budget (default 200000000)\n"
    "  --max-memory MB        memory cap (default 256)\n"
    "  --max-seconds S        wall-clock limit (default 10)\n\n"
    "Example:\n"
    "  part(\"plate\", box(80, 60, 8), {\n"
    "    hole(6, 10, 10, plane(XY, 8)), hole(6, 70, 10, plane(XY, 8)),\n"
    "    hole(6, 10, 50, plane(XY, 8)), hole(6, 70, 50, plane(XY, 8)),\n"
    "  })\n\n"
    "Exit status: 0 ok, 1 program or geometry error (nothing written), 2 usage.\n";

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) { fputs(usage, stdout); return CLI_OK; }
    const char *prog = NULL;
    cli_model_out o = {"run", NULL, NULL, 0.01, 0};
    int emit = 0;
    sandbox_limits lim;
    sandbox_limits_default(&lim);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "-o") && more) o.step_path = argv[++i];
        else if (!strcmp(a, "--mesh") && more) o.mesh_path = argv[++i];
        else if (!strcmp(a, "--deflection") && more) {
            if (cli_parse_double(argv[++i], 0, 1e9, &o.deflection_mm) || !(o.deflection_mm > 0))
                return cli_usage_error("run", "--deflection needs a number > 0 (mm)");
        }
        else if (!strcmp(a, "--emit-json")) emit = 1;
        else if (!strcmp(a, "--json")) o.json = 1;
        else if (!strcmp(a, "--max-instructions") && more) {
            long v;
            if (cli_parse_long(argv[++i], 1, LONG_MAX, &v)) return cli_usage_error("run", "--max-instructions needs a whole number > 0");
            lim.max_instructions = (unsigned long long)v;
        } else if (!strcmp(a, "--max-memory") && more) {
            long v;
            if (cli_parse_long(argv[++i], 1, 1L << 30, &v)) return cli_usage_error("run", "--max-memory needs a whole number of MiB > 0");
            lim.max_memory_bytes = (size_t)v << 20;
        } else if (!strcmp(a, "--max-seconds") && more) {
            if (cli_parse_double(argv[++i], 0, 1e7, &lim.max_seconds) || !(lim.max_seconds > 0))
                return cli_usage_error("run", "--max-seconds needs a number > 0");
        }
        else if (a[0] == '-' && a[1]) return cli_usage_error("run", "unknown option or missing value '%s'", a);
        else if (prog) return cli_usage_error("run", "one program at a time");
        else prog = a;
    }
    if (!prog) return cli_usage_error("run", "no program");
    if (!o.step_path && !o.mesh_path && !emit) return cli_usage_error("run", "nothing to do: give -o, --mesh or --emit-json");
    if (!(o.deflection_mm > 0)) return cli_usage_error("run", "--deflection needs a positive number");
    char *src;
    size_t n;
    sl_err err = {0};
    if (sl_file_read(prog, &src, &n, 16u << 20, &err)) { cli_print_err(&err); return CLI_FAIL; }
    sl_buf json;
    sl_buf_init(&json);
    sandbox_result res;
    sl_status st = cadprog_run(prog, src, n, NULL, &lim, &json, &res, &err);
    free(src);
    if (res.output.len) fputs(res.output.data, stderr);   /* the program's print() */
    sl_buf_release(&res.output);
    if (st) { cli_print_err(&err); sl_buf_release(&json); return CLI_FAIL; }
    if (emit) printf("%s\n", json.data);
    int rc = CLI_OK;
    if (o.step_path || o.mesh_path) {
        build_model m;
        if (cadprog_build(prog, json.data, json.len, &m, &err)) {
            cli_print_err(&err);
            rc = CLI_FAIL;
        } else {
            rc = cli_model_write(&m, &o);
            build_model_release(&m);
        }
    }
    sl_buf_release(&json);
    return rc;
}

const struct cli_cmd steplm_cmd_run = {"run", "run a CAD program (sandboxed Lua) and write STEP", run};
