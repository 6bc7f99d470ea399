/* cmd_props.c - `steplm props IN.step|DIR... [--json]`: read B-rep solids, mesh
 * them, report renderability, area, volume, bounding box, genus, watertightness. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brep_util.h"
#include "cli.h"

static const char *usage =
    "usage: steplm props IN.step|DIR... [--json] [--deflection D | --rel R] [--angle A]\n"
    "                    [--shard i/n]\n\n"
    "Reads every solid of a STEP file (assemblies: every placed instance), meshes it\n"
    "and reports what the mesh says. Directories are walked for .step/.stp files and\n"
    "processed on all cores; one line (JSON with --json) per file, in file order.\n\n"
    "  --json          JSON: {\"renderable\",\"solids\",\"shells\",\"faces\",\"faces_failed\",\n"
    "                  \"triangles\",\"area_mm2\",\"volume_mm3\",\"bbox_mm\":[6],\"genus\",\n"
    "                  \"watertight\",\"unit\",...}; one object per line for several files\n"
    "  --deflection D  chordal deflection in mm (default: R x bbox diagonal)\n"
    "  --rel R         relative deflection (default 0.001)\n"
    "  --angle A       angular tolerance in radians (default 0.5)\n"
    "  --shard i/n     only files with index %% n == i\n"
    "Exit status 1 when a file cannot be read or yields no mesh.\n";

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) { fputs(usage, stdout); return CLI_OK; }
    brep_cli_opts o = {0, 0.001, 0.5};
    int json = 0;
    unsigned sh_i = 0, sh_n = 1;
    char **ins = calloc((size_t)argc, sizeof *ins);
    int n_in = 0;
    if (!ins) return CLI_FAIL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int tess;
        if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--shard") && i + 1 < argc) {
            const char *v = argv[++i];
            if (cli_parse_shard(v, &sh_i, &sh_n)) { free(ins); return cli_usage_error("props", "bad --shard '%s'", v); }
        } else if (i + 1 < argc && (tess = brep_cli_tess_option(a, argv[i + 1], &o)) != 0) {
            if (tess < 0) { free(ins); return cli_usage_error("props", "%s needs a positive number", a); }
            i++;
        } else if (a[0] == '-' && a[1]) { free(ins); return cli_usage_error("props", "unknown option '%s'", a); }
        else ins[n_in++] = argv[i];
    }
    if (!n_in) { free(ins); return cli_usage_error("props", "no input"); }
    static const char *const exts[] = {".step", ".stp", NULL};
    char **files;
    long nf = cli_collect_files(ins, n_in, exts, &files);
    free(ins);
    if (nf < 0) { fprintf(stderr, "steplm props: error: cannot list inputs\n"); return CLI_FAIL; }
    long n_sel = 0;
    for (long i = 0; i < nf; i++) if ((unsigned long)i % sh_n == sh_i) files[n_sel++] = files[i];
    for (long i = n_sel; i < nf; i++) free(files[i]);
    brep_cli_result *res = calloc((size_t)(n_sel ? n_sel : 1), sizeof *res);
    if (!res) { cli_free_files(files, n_sel); return CLI_FAIL; }
    double t0 = sl_time_sec();
    size_t done = 0;
    #pragma omp parallel for schedule(dynamic, 1)
    for (long i = 0; i < n_sel; i++) {
        brep_cli_process(files[i], &o, NULL, &res[i]);
        #pragma omp critical
        {
            done++;
            if (n_sel > 1) cli_progress("props", done, (size_t)n_sel, t0);
        }
    }
    int rc = CLI_OK;
    sl_buf b;
    sl_buf_init(&b);
    for (long i = 0; i < n_sel; i++) {
        brep_cli_result *r = &res[i];
        if (!r->read_ok || !r->renderable) rc = CLI_FAIL;
        if (r->msg[0] && (!r->read_ok || n_sel == 1)) fprintf(stderr, "%s\n", r->msg);
        sl_buf_clear(&b);
        if (json) brep_cli_json(files[i], r, &b);
        else if (n_sel == 1)
            sl_buf_printf(&b, "renderable   %s\nunit         %s\nsolids       %zu\nshells       %zu\nfaces        %zu\n"
                              "faces_failed %zu\ntriangles    %zu\narea_mm2     %.6f\nvolume_mm3   %.6f\n"
                              "bbox_mm      %.6g %.6g %.6g  %.6g %.6g %.6g\ngenus        %ld\nwatertight   %s",
                          r->renderable ? "yes" : "no", r->unit, r->solids, r->shells, r->faces, r->faces_failed,
                          r->triangles, r->area_mm2, r->volume_mm3, r->bbox_mm[0], r->bbox_mm[1], r->bbox_mm[2],
                          r->bbox_mm[3], r->bbox_mm[4], r->bbox_mm[5], r->genus, r->watertight ? "yes" : "no");
        else
            sl_buf_printf(&b, "%s\t%s\tsolids=%zu faces=%zu failed=%zu tris=%zu area=%.6g volume=%.6g genus=%ld watertight=%d",
                          files[i], r->renderable ? "ok" : "FAIL", r->solids, r->faces, r->faces_failed, r->triangles,
                          r->area_mm2, r->volume_mm3, r->genus, r->watertight);
        fputs(b.data ? b.data : "", stdout);
        fputc('\n', stdout);
    }
    sl_buf_release(&b);
    free(res);
    cli_free_files(files, n_sel);
    return rc;
}

const struct cli_cmd steplm_cmd_props = {"props", "mesh a STEP file's solids and report area, volume, bbox, genus", run};
