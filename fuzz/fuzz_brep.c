/* fuzz_brep.c - libFuzzer target: Part 21 text -> B-rep -> tessellation -> mesh
 * properties. Any input must give a located error or a (possibly partial) mesh,
 * never a crash, a hang or a leak. The deflection is tied to the model size and
 * the per-face point budget is small so a hostile file cannot make it slow. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "steplm/brep.h"
#include "steplm/p21.h"
#include "steplm/tess.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > (1u << 20)) return 0;
    p21_doc *doc = NULL;
    sl_err err = {0};
    p21_read_opts ro;
    p21_read_opts_default(&ro);
    ro.max_entities = 100000;
    p21_doc_read_mem("fuzz.step", (const char *)data, size, &ro, &doc, &err);
    if (!doc) return 0;
    brep *b = NULL;
    brep_from_p21(doc, &b, &err);
    p21_doc_free(doc);
    if (!b) return 0;
    tess_opts o;
    tess_opts_default(&o);
    o.max_points_per_face = 2000;
    double bb[6];
    if (brep_bbox_estimate(b, bb) == 0) {
        double d = sqrt((bb[3] - bb[0]) * (bb[3] - bb[0]) + (bb[4] - bb[1]) * (bb[4] - bb[1]) +
                        (bb[5] - bb[2]) * (bb[5] - bb[2]));
        if (isfinite(d) && d > 0) o.deflection_mm = 0.01 * d;
    }
    if (b->n_instances <= 64) {
        mesh m;
        mesh_init(&m);
        tess_report rep = {0};
        tess_brep(b, &o, &m, NULL, &rep);
        mesh_props p;
        mesh_compute_props(&m, &p);
        mesh_release(&m);
    }
    brep_free(b);
    return 0;
}
