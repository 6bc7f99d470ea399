/* cmd_mesh.c - `steplm mesh IN.step -o OUT.{stl,obj,ply}`: tessellate every placed
 * solid of a STEP file into one triangle mesh (a directory in, a directory out). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "brep_util.h"
#include "cli.h"

static const char *usage =
    "usage: steplm mesh IN.step -o OUT.{stl,obj,ply} [--deflection D | --rel R] [--angle A]\n"
    "       steplm mesh DIR... -o OUTDIR [--format stl|obj|ply] [--shard i/n]\n\n"
    "Meshes all solids and sheets of a STEP file (every placed assembly instance) in\n"
    "millimetres. Faces that cannot be meshed are reported and skipped.\n\n"
    "  -o PATH         output file (format from its extension; .stl = binary STL,\n"
    "                  --format stla for ASCII STL) or, for several inputs, a directory\n"
    "  --deflection D  chordal deflection in mm (default: R x bbox diagonal)\n"
    "  --rel R         relative deflection (default 0.001)\n"
    "  --angle A       angular tolerance in radians (default 0.5)\n"
    "  --format F      stl, stla (ASCII STL), obj or ply\n"
    "  --shard i/n     only inputs with index %% n == i\n";

static mesh_format fmt_of(const char *s) {
    if (!strcmp(s, "stl")) return MESH_FMT_STL;
    if (!strcmp(s, "stla")) return MESH_FMT_STL_ASCII;
    if (!strcmp(s, "obj")) return MESH_FMT_OBJ;
    if (!strcmp(s, "ply")) return MESH_FMT_PLY;
    return MESH_FMT_AUTO;
}

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) { fputs(usage, stdout); return CLI_OK; }
    brep_cli_opts o = {0, 0.001, 0.5};
    const char *outp = NULL, *fmt_name = NULL;
    unsigned sh_i = 0, sh_n = 1;
    char **ins = calloc((size_t)argc, sizeof *ins);
    int n_in = 0;
    if (!ins) return CLI_FAIL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int tess;
        if (!strcmp(a, "-o") && i + 1 < argc) outp = argv[++i];
        else if (!strcmp(a, "--format") && i + 1 < argc) fmt_name = argv[++i];
        else if (!strcmp(a, "--shard") && i + 1 < argc) {
            if (cli_parse_shard(argv[++i], &sh_i, &sh_n)) { free(ins); return cli_usage_error("mesh", "bad --shard"); }
        } else if (i + 1 < argc && (tess = brep_cli_tess_option(a, argv[i + 1], &o)) != 0) {
            if (tess < 0) { free(ins); return cli_usage_error("mesh", "%s needs a positive number", a); }
            i++;
        } else if (a[0] == '-' && a[1]) { free(ins); return cli_usage_error("mesh", "unknown option '%s'", a); }
        else ins[n_in++] = argv[i];
    }
    if (!n_in) { free(ins); return cli_usage_error("mesh", "no input"); }
    if (!outp) { free(ins); return cli_usage_error("mesh", "no output (-o)"); }
    mesh_format fmt = fmt_name ? fmt_of(fmt_name) : MESH_FMT_AUTO;
    if (fmt_name && fmt == MESH_FMT_AUTO) { free(ins); return cli_usage_error("mesh", "unknown format '%s'", fmt_name); }
    static const char *const exts[] = {".step", ".stp", NULL};
    char **files;
    long nf = cli_collect_files(ins, n_in, exts, &files);
    struct stat st;
    int single = n_in == 1 && stat(ins[0], &st) == 0 && !S_ISDIR(st.st_mode);
    free(ins);
    if (nf < 0) { fprintf(stderr, "steplm mesh: error: cannot list inputs\n"); return CLI_FAIL; }
    if (!single) {
        if (!fmt_name) fmt = MESH_FMT_STL;
        mkdir(outp, 0777);
    }
    long n_sel = 0;
    for (long i = 0; i < nf; i++) if ((unsigned long)i % sh_n == sh_i) files[n_sel++] = files[i];
    for (long i = n_sel; i < nf; i++) free(files[i]);
    int *fail = calloc((size_t)(n_sel ? n_sel : 1), sizeof *fail);
    char (*msgs)[600] = calloc((size_t)(n_sel ? n_sel : 1), sizeof *msgs);
    if (!fail || !msgs) { free(fail); free(msgs); cli_free_files(files, n_sel); return CLI_FAIL; }
    double t0 = sl_time_sec();
    size_t done = 0;
    #pragma omp parallel for schedule(dynamic, 1)
    for (long i = 0; i < n_sel; i++) {
        brep_cli_result r;
        mesh m;
        mesh_init(&m);
        char path[4096];
        if (single) snprintf(path, sizeof path, "%s", outp);
        else {
            const char *base = strrchr(files[i], '/');
            base = base ? base + 1 : files[i];
            const char *ext = fmt == MESH_FMT_OBJ ? "obj" : fmt == MESH_FMT_PLY ? "ply" : "stl";
            snprintf(path, sizeof path, "%s/%s.%s", outp, base, ext);
        }
        if (brep_cli_process(files[i], &o, &m, &r) || !r.renderable) {
            fail[i] = 1;
            snprintf(msgs[i], sizeof msgs[i], "%s", r.msg[0] ? r.msg : "no triangles");
        } else {
            sl_err err;
            memset(&err, 0, sizeof err);
            if (mesh_write_file(&m, path, fmt, &err)) {
                fail[i] = 1;
                sl_err_format(&err, msgs[i], sizeof msgs[i]);
            } else if (r.msg[0]) snprintf(msgs[i], sizeof msgs[i], "%s", r.msg);
        }
        mesh_release(&m);
        #pragma omp critical
        {
            done++;
            if (n_sel > 1) cli_progress("mesh", done, (size_t)n_sel, t0);
        }
    }
    int rc = CLI_OK;
    for (long i = 0; i < n_sel; i++) {
        if (msgs[i][0]) {
            if (fail[i] && !strstr(msgs[i], "error")) fprintf(stderr, "%s: error: %s\n", files[i], msgs[i]);
            else fprintf(stderr, "%s\n", msgs[i]);
        }
        if (fail[i]) rc = CLI_FAIL;
    }
    free(fail); free(msgs);
    cli_free_files(files, n_sel);
    return rc;
}

const struct cli_cmd steplm_cmd_mesh = {"mesh", "tessellate a STEP file's solids into STL/OBJ/PLY", run};
