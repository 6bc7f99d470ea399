/* test_build_cli.c - `steplm build` on invalid specs: a clear error on stderr,
 * exit status 1, and no output file; and on a valid spec: STEP + mesh written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

/* scratch files go to $TMPDIR (default /tmp), not into a build tree */
static const char *tmpdir(void) {
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

static int exists(const char *p) { struct stat st; return stat(p, &st) == 0; }

static void run_bad(const char *name, const char *json, const char *expect) {
    char spec[256], out[256], errf[256], cmd[1024];
    int pid = (int)getpid();
    snprintf(spec, sizeof spec, "%s/steplm-tb-%s-%d.json", tmpdir(), name, pid);
    snprintf(out, sizeof out, "%s/steplm-tb-%s-%d.step", tmpdir(), name, pid);
    snprintf(errf, sizeof errf, "%s/steplm-tb-%s-%d.err", tmpdir(), name, pid);
    FILE *f = fopen(spec, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(json, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s build %s -o %s 2> %s", test_steplm_bin(), spec, out, errf);
    int rc = system(cmd);
    CHECK_MSG(WIFEXITED(rc) && WEXITSTATUS(rc) == 1, "%s: exit status %d", name, rc);
    CHECK_MSG(!exists(out), "%s: an output file was written", name);
    char msg[2048] = "";
    f = fopen(errf, "r");
    if (f) { size_t n = fread(msg, 1, sizeof msg - 1, f); msg[n] = 0; fclose(f); }
    CHECK_MSG(strstr(msg, expect) != NULL, "%s: stderr \"%s\" lacks \"%s\"", name, msg, expect);
    CHECK_MSG(strstr(msg, "error") != NULL, "%s: no 'error' in \"%s\"", name, msg);
    unlink(spec); unlink(errf); unlink(out);
}

int main(void) {
    run_bad("selfx",
            "{\"body\":{\"op\":\"extrude\",\"distance\":5,\"sketch\":{\"plane\":\"XY\",\"loops\":"
            "[{\"polygon\":[[0,0],[10,0],[10,10],[4,-3],[0,10]]}]}}}",
            "intersects itself");
    run_bad("hole_outside",
            "{\"body\":{\"op\":\"extrude\",\"distance\":5,\"sketch\":{\"plane\":\"XY\",\"loops\":"
            "[{\"rect\":{\"min\":[0,0],\"max\":[10,10]}},{\"circle\":{\"center\":[20,5],\"r\":2}}]}}}",
            "outside the outer loop");
    run_bad("stack_outside",
            "{\"body\":{\"op\":\"box\",\"size\":[20,20,5]},\"features\":[{\"op\":\"stack\",\"body\":"
            "{\"op\":\"cylinder\",\"r\":6,\"h\":5,\"frame\":{\"origin\":[18,10,5]}}}]}",
            "not strictly inside");
    run_bad("fillet_big",
            "{\"body\":{\"op\":\"extrude\",\"distance\":5,\"sketch\":{\"plane\":\"XY\",\"fillet\":6,\"loops\":"
            "[{\"rect\":{\"min\":[0,0],\"max\":[10,10]}}]}}}",
            "too large");
    run_bad("crossing_loops",
            "{\"body\":{\"op\":\"extrude\",\"distance\":5,\"sketch\":{\"plane\":\"XY\",\"loops\":"
            "[{\"rect\":{\"min\":[0,0],\"max\":[10,10]}},{\"circle\":{\"center\":[3,3],\"r\":2}},"
            "{\"circle\":{\"center\":[5,3],\"r\":2}}]}}}",
            "cross");
    run_bad("open_path",
            "{\"body\":{\"op\":\"extrude\",\"distance\":5,\"sketch\":{\"plane\":\"XY\",\"loops\":"
            "[{\"path\":[{\"start\":[0,0]},{\"line\":[10,0]},{\"arc\":{\"to\":[0,0],\"center\":[3,3]}}]}]}}}",
            "differ");
    run_bad("deep_pocket",
            "{\"body\":{\"op\":\"box\",\"size\":[20,20,5]},\"features\":[{\"op\":\"cut\",\"depth\":8,"
            "\"sketch\":{\"plane\":{\"plane\":\"XY\",\"offset\":5},\"loops\":[{\"circle\":{\"center\":[10,10],\"r\":3}}]}}]}",
            "exceeds");
    run_bad("covers_hole",
            "{\"body\":{\"op\":\"box\",\"size\":[30,30,5]},\"features\":[{\"op\":\"cut\",\"through\":true,"
            "\"sketch\":{\"plane\":{\"plane\":\"XY\",\"offset\":5},\"loops\":[{\"circle\":{\"center\":[15,15],\"r\":2}}]}},"
            "{\"op\":\"stack\",\"body\":{\"op\":\"cylinder\",\"r\":6,\"h\":4,\"frame\":{\"origin\":[15,15,5]}}}]}",
            "covers a hole");
    run_bad("syntax", "{\"body\": {\"op\": \"box\", ", "JSON syntax");
    /* valid: STEP and STL written */
    char cmd[1024], out[256], stl[256];
    snprintf(out, sizeof out, "%s/steplm-tb-ok-%d.step", tmpdir(), (int)getpid());
    snprintf(stl, sizeof stl, "%s/steplm-tb-ok-%d.stl", tmpdir(), (int)getpid());
    snprintf(cmd, sizeof cmd, "%s build tests/build/specs/plate4.json -o %s --mesh %s > /dev/null", test_steplm_bin(), out, stl);
    CHECK(system(cmd) == 0);
    CHECK(exists(out) && exists(stl));
    snprintf(cmd, sizeof cmd, "%s check %s > /dev/null", test_steplm_bin(), out);
    CHECK(system(cmd) == 0);
    /* every golden spec: built, then `steplm check` and `steplm props` accept the file */
    static const char *const golden[] = {"plate4", "flange", "bracket", "pocket", "sector", "halfdisk", "curves",
                                         "chamfered", "assembly", "boxedges", "prims", "cshape", "sweeps",
                                         "washer", "draft", "ribs", "wedgeboss", "tube"};
    for (size_t i = 0; i < sizeof golden / sizeof golden[0]; i++) {
        snprintf(cmd, sizeof cmd, "%s build tests/build/specs/%s.json -o %s > /dev/null && %s check %s > /dev/null",
                 test_steplm_bin(), golden[i], out, test_steplm_bin(), out);
        CHECK_MSG(system(cmd) == 0, "%s: build + check failed", golden[i]);
        snprintf(cmd, sizeof cmd, "%s props --json %s | grep -q '\"renderable\":true'", test_steplm_bin(), out);
        CHECK_MSG(system(cmd) == 0, "%s: props says not renderable", golden[i]);
    }
    snprintf(cmd, sizeof cmd, "%s build --help | grep -q '\"op\":\"stack\"'", test_steplm_bin());
    CHECK(system(cmd) == 0);
    unlink(out); unlink(stl);
    return test_finish("build/test_build_cli");
}
