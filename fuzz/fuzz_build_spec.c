/* fuzz_build_spec.c - JSON feature trees from arbitrary bytes: parse, build, check
 * and write STEP to memory. Any input must end in SL_OK or an error, never a crash,
 * a leak or a hang (specs are size- and work-limited). */
#include <stddef.h>
#include <stdint.h>

#include "steplm/brep_write.h"
#include "steplm/build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 16384) return 0;
    build_model m;
    sl_err err = {0};
    if (build_model_from_json((const char *)data, size, &m, &err) != SL_OK) return 0;
    brep_write_part parts[16] = {{0}};
    size_t n = m.n_parts < 16 ? m.n_parts : 16;
    for (size_t i = 0; i < n; i++) {
        parts[i].solid = m.parts[i].solid;
        parts[i].name = m.parts[i].name;
    }
    sl_buf out;
    sl_buf_init(&out);
    brep_write_step(m.b, parts, n, NULL, &out, &err);
    sl_buf_release(&out);
    build_model_release(&m);
    return 0;
}
