/* fuzz_mesh_read.c - libFuzzer target for the mesh readers. The first byte picks the
 * format (auto, STL, ASCII STL, OBJ, PLY, XYZ); the rest is the file. A successful read
 * must give a mesh whose triangle indices are in range and whose coordinates are finite. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "steplm/mesh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    mesh_format fmt = (mesh_format)(data[0] % 6);
    mesh m;
    sl_err e;
    if (mesh_read_mem("fuzz", (const char *)data + 1, size - 1, fmt, &m, &e) == SL_OK) {
        for (size_t i = 0; i < 3 * m.n_tris; i++)
            if (m.tris[i] >= m.n_verts) abort();
        for (size_t i = 0; i < 3 * m.n_verts; i++)
            if (!isfinite(m.verts[i])) abort();
        mesh_release(&m);
    }
    return 0;
}
