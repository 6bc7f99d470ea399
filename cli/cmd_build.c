/* cmd_build.c - `steplm build SPEC.json -o OUT.step [--mesh OUT.stl]`: build solids
 * from a JSON feature tree, check them, write STEP (and optionally a mesh). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "model_out.h"
#include "steplm/brep_write.h"
#include "steplm/build.h"
#include "steplm/mesh.h"
#include "steplm/tess.h"

static const char *usage =
    "usage: steplm build SPEC.json -o OUT.step [--mesh OUT.{stl,obj,ply}] [--deflection D] [--json]\n\n"
    "Builds solids from a JSON feature tree, checks each one (closed shell, no free\n"
    "edges, consistent outward orientation, Euler-Poincare) and writes them as a STEP\n"
    "AP214 file (several parts: an assembly). Nothing is written when anything fails.\n"
    "All lengths in mm, angles in degrees.\n\n"
    "  -o OUT.step      output STEP file (written atomically)\n"
    "  --mesh FILE      also write a triangle mesh of all parts (placed)\n"
    "  --deflection D   chordal deflection of that mesh in mm (default 0.01)\n"
    "  --json           print the summary as JSON\n\n"
    "Spec: a part {\"name\", \"color\":[r,g,b], \"body\":BODY, \"features\":[FEATURE...]}, or\n"
    "{\"assembly\":\"name\", \"parts\":[PART...]} where a part may have \"placement\":FRAME.\n"
    "  BODY    {\"op\":\"box\",\"size\":[x,y,z]} | {\"op\":\"cylinder\",\"r\",\"h\"} |\n"
    "          {\"op\":\"cone\",\"r1\",\"r2\",\"h\"} | {\"op\":\"sphere\",\"r\"} | {\"op\":\"torus\",\"R\",\"r\"} |\n"
    "          {\"op\":\"wedge\",\"size\":[x,y,z],\"ltx\"} | {\"op\":\"prism\",\"n\",\"r\",\"h\"} |\n"
    "          {\"op\":\"extrude\",\"sketch\":SKETCH,\"distance\",\"distance_back\"?,\"symmetric\"?,\n"
    "           \"edges\"?:{\"top\":{\"fillet\":r}|{\"chamfer\":d},\"bottom\":...},\"draft_deg\"?} |\n"
    "          {\"op\":\"revolve\",\"sketch\":SKETCH,\"axis\":{\"point\":[x,y],\"dir\":[x,y]},\"angle_deg\"}\n"
    "          primitives take \"frame\":FRAME (default: world; box corner at its origin);\n"
    "          any body takes \"transform\":{\"rotate\":{\"axis\",\"angle_deg\",\"point\"?},\"translate\":[x,y,z]}\n"
    "  FRAME   {\"origin\":[x,y,z],\"z\":[..],\"x\":[..]} or \"XY\" | \"XZ\" | \"YZ\" or\n"
    "          {\"plane\":\"XY\",\"offset\":d}\n"
    "  SKETCH  {\"plane\":FRAME, \"loops\":[LOOP...], \"fillet\"?:r, \"chamfer\"?:d}  (loop 0 outer)\n"
    "  LOOP    {\"circle\":{\"center\":[x,y],\"r\"}} | {\"rect\":{\"min\":[x,y],\"max\":[x,y]}} |\n"
    "          {\"polygon\":[[x,y],...]} | {\"slot\":{\"a\":[x,y],\"b\":[x,y],\"r\"}} |\n"
    "          {\"ellipse\":{\"center\",\"a\",\"b\",\"rot_deg\"}} |\n"
    "          {\"path\":[{\"start\":[x,y]}, {\"line\":[x,y]}, {\"arc\":{\"to\",\"center\",\"ccw\"}},\n"
    "                   {\"arc\":{\"to\",\"mid\"}}, {\"bspline\":{\"degree\",\"points\",\"weights\"?,\"knots\"?}}]}\n"
    "          each loop may carry \"fillet\":r or \"chamfer\":d for its line-line corners\n"
    "  FEATURE {\"op\":\"stack\",\"body\":BODY}      body sitting on a planar face, inside it\n"
    "          {\"op\":\"cut\",\"sketch\":SKETCH,\"depth\":d | \"through\":true}\n"
    "                  sketch on a planar face, cut into the material (holes, slots, pockets)\n"
    "          {\"op\":\"subtract\",\"body\":BODY}   body with a planar face on a face of the part\n"
    "          {\"op\":\"pattern\",\"linear\":{\"count\",\"step\":[x,y,z]} |\n"
    "                  \"polar\":{\"count\",\"center\":[x,y,z],\"axis\":[x,y,z],\"angle_deg\"},\n"
    "                  \"feature\":FEATURE}\n\n"
    "Example (a plate with four holes and a boss):\n"
    "  {\"name\":\"plate\",\"color\":[0.7,0.7,0.75],\n"
    "   \"body\":{\"op\":\"box\",\"size\":[80,60,10]},\n"
    "   \"features\":[\n"
    "     {\"op\":\"pattern\",\"linear\":{\"count\":2,\"step\":[60,0,0]},\"feature\":\n"
    "      {\"op\":\"pattern\",\"linear\":{\"count\":2,\"step\":[0,40,0]},\"feature\":\n"
    "       {\"op\":\"cut\",\"through\":true,\"sketch\":{\"plane\":{\"plane\":\"XY\",\"offset\":10},\n"
    "        \"loops\":[{\"circle\":{\"center\":[10,10],\"r\":4}}]}}}},\n"
    "     {\"op\":\"stack\",\"body\":{\"op\":\"cylinder\",\"r\":12,\"h\":15,\n"
    "       \"frame\":{\"origin\":[40,30,10]}}}]}\n\n"
    "Exit status: 0 written, 1 spec/geometry error (nothing written), 2 usage.\n";

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) { fputs(usage, stdout); return CLI_OK; }
    const char *spec = NULL, *out = NULL, *mesh_out = NULL;
    double defl = 0.01;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-o") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(a, "--mesh") && i + 1 < argc) mesh_out = argv[++i];
        else if (!strcmp(a, "--deflection") && i + 1 < argc) {
            if (cli_parse_double(argv[++i], 0, 1e9, &defl) || !(defl > 0))
                return cli_usage_error("build", "--deflection needs a positive number");
        } else if (!strcmp(a, "--json")) json = 1;
        else if (a[0] == '-' && a[1]) return cli_usage_error("build", "unknown option '%s'", a);
        else if (!spec) spec = a;
        else return cli_usage_error("build", "more than one spec file");
    }
    if (!spec) return cli_usage_error("build", "no spec file");
    if (!out) return cli_usage_error("build", "no output (-o OUT.step)");
    char *text = NULL;
    size_t n = 0;
    sl_err err = {0};
    if (sl_file_read(spec, &text, &n, 64u << 20, &err)) { cli_print_err(&err); return CLI_FAIL; }
    build_model m;
    sl_status st = build_model_from_json(text, n, &m, &err);
    free(text);
    if (st) {
        if (!err.file[0]) snprintf(err.file, sizeof err.file, "%s", spec);
        cli_print_err(&err);
        return CLI_FAIL;
    }
    cli_model_out o = {"build", out, mesh_out, defl, json};
    int rc = cli_model_write(&m, &o);
    build_model_release(&m);
    return rc;
}

const struct cli_cmd steplm_cmd_build = {"build", "build solids from a JSON feature tree and write STEP", run};
