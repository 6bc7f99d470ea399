/* synth_round.c - the round faces of a B-rep (cylinders and tori) with their radii,
 * sense (hole or boss) and closure (all the way round or a partial arc), so that the
 * diameters and radii a caption states can be checked against the part itself, not
 * only against the parameters that were meant to make it. Read-only on the brep: it
 * uses the public geometry evaluation (geom_surf_eval, geom_surf_normal) and the
 * edge sampler (brep_edge_point), nothing of the reader's or tessellator's internals.
 *
 * Sense. For a face on a cylinder (axis through o along z) the outward normal of the
 * face is n = s (Su x Sv) / |Su x Sv| with s = -1 when the face is reversed (the
 * material is on the side opposite to the surface normal), +1 otherwise. Let w be the
 * vector from the axis to the face point, perpendicular to the axis. If n . w > 0
 * the outside of the solid is away from the axis: the material is inside the
 * cylinder (a shaft, a boss). If n . w < 0 the outside is towards the axis: the
 * material surrounds the cylinder (a hole, a bore). For ISO 10303-42's cylinder
 * S = o + r(cos u x + sin u y) + v z in a right-handed frame, Su x Sv = r(cos u x +
 * sin u y) = w, so a hole is exactly a reversed face; but the rule above is evaluated
 * through geom_surf_normal at a point of the face, so it does not rely on that. For a
 * torus the same holds with w measured from the tube's centre circle. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "steplm/brep.h"
#include "steplm/geom.h"
#include "steplm/synth.h"

/* boundary samples per curved edge: a full circle then leaves gaps of 2 pi / 64 */
#define ROUND_SAMPLES 64
/* the largest angular gap (radians) a face may leave and still count as full */
#define ROUND_FULL_GAP (15.0 * M_PI / 180.0)

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* angle of p about the frame's z axis */
static double angle_about(const geom_frame *f, vec3 p) {
    vec3 d = v3_sub(p, f->o);
    return atan2(v3_dot(d, f->y), v3_dot(d, f->x));
}

/* Boundary samples of face f: angles about s's axis into ang (grown as needed),
 * the first sample point into *p0. Returns the number, or -1 when out of memory. */
static long face_angles(const brep *b, const brep_face *f, const geom_surf *s, double **ang, size_t *cap,
                        vec3 *p0, int *have_p0) {
    long n = 0;
    for (uint32_t li = 0; li < f->n_loops; li++) {
        const brep_loop *l = &b->loops[f->first_loop + li];
        if (!l->n_coedges && l->vertex >= 0 && (size_t)l->vertex < b->n_verts) {
            vec3 p = b->verts[l->vertex].p;
            if (!*have_p0) { *p0 = p; *have_p0 = 1; }
            if (sl_grow((void **)ang, cap, (size_t)n, sizeof **ang, 256)) return -1;
            (*ang)[n++] = angle_about(&s->f, p);
        }
        for (uint32_t ci = 0; ci < l->n_coedges; ci++) {
            uint32_t ei = b->coedges[l->first_coedge + ci].edge;
            if (ei >= b->n_edges) continue;
            const brep_edge *e = &b->edges[ei];
            int ns = e->curve < 0 || b->curves[e->curve]->kind == GEOM_CURVE_LINE ? 1 : ROUND_SAMPLES;
            if (sl_grow((void **)ang, cap, (size_t)(n + ns), sizeof **ang, 256)) return -1;
            for (int k = 0; k <= ns; k++) {
                vec3 p = brep_edge_point(b, e, (double)k / ns);
                if (!isfinite(p.x) || !isfinite(p.y) || !isfinite(p.z)) continue;
                if (!*have_p0) { *p0 = p; *have_p0 = 1; }
                (*ang)[n++] = angle_about(&s->f, p);
            }
        }
    }
    return n;
}

/* the largest gap between consecutive angles on the circle (2 pi when none) */
static double largest_gap(double *ang, long n) {
    if (n <= 0) return 2 * M_PI;
    qsort(ang, (size_t)n, sizeof *ang, cmp_double);
    double g = ang[0] + 2 * M_PI - ang[n - 1];
    for (long i = 1; i < n; i++)
        if (ang[i] - ang[i - 1] > g) g = ang[i] - ang[i - 1];
    return g;
}

/* +1 material inside (boss, shaft), -1 material outside (hole, bore), 0 undecided:
 * the face's outward normal at the surface point nearest p (see the file comment) */
static int face_sense(const geom_surf *s, int reversed, vec3 p) {
    const geom_frame *f = &s->f;
    vec3 d = v3_sub(p, f->o);
    double x = v3_dot(d, f->x), y = v3_dot(d, f->y), z = v3_dot(d, f->z);
    double u = atan2(y, x), v, rho = sqrt(x * x + y * y);
    vec3 w;                       /* from the axis (tube circle) to the surface point */
    if (s->kind == GEOM_SURF_CYLINDER) {
        v = z;
        w = v3_add(v3_scale(f->x, cos(u)), v3_scale(f->y, sin(u)));
    } else {                      /* torus: v is the angle around the tube */
        v = atan2(z, rho - s->r1);
        vec3 c = v3_add(f->o, v3_scale(v3_add(v3_scale(f->x, cos(u)), v3_scale(f->y, sin(u))), s->r1));
        vec3 q;
        geom_surf_eval(s, u, v, 0, &q);
        w = v3_sub(q, c);
    }
    vec3 n = geom_surf_normal(s, u, v);
    if (reversed) n = v3_scale(n, -1);
    double dot = v3_dot(n, v3_norm(w));
    return dot > 1e-6 ? 1 : dot < -1e-6 ? -1 : 0;
}

static void add_round(synth_measure *m, int kind, double r, double axis_r, int concave, int full) {
    m->n_round_faces++;
    for (size_t i = 0; i < m->n_round; i++) {
        synth_round *e = &m->round[i];
        if (e->kind == kind && e->concave == concave && e->full == full && fabs(e->r_mm - r) <= 1e-6 &&
            fabs(e->axis_r_mm - axis_r) <= 1e-6) {
            e->n_faces++;
            return;
        }
    }
    if (m->n_round == SYNTH_MAX_ROUND) { m->round_overflow = 1; return; }
    synth_round *e = &m->round[m->n_round++];
    e->r_mm = r;
    e->axis_r_mm = axis_r;
    e->kind = (uint8_t)kind;
    e->concave = (uint8_t)concave;
    e->full = (uint8_t)full;
    e->n_faces = 1;
}

void synth_measure_round(const brep *b, synth_measure *m) {
    m->n_round = m->n_round_faces = 0;
    m->round_overflow = 0;
    memset(m->round, 0, sizeof m->round);
    double *ang = NULL;
    size_t cap = 0;
    for (size_t si = 0; si < b->n_solids; si++) {
        const brep_solid *so = &b->solids[si];
        if (so->kind != BREP_SOLID) continue;
        for (uint32_t hi = 0; hi < so->n_shells; hi++) {
            const brep_shell *sh = &b->shells[so->first_shell + hi];
            for (uint32_t fi = 0; fi < sh->n_faces; fi++) {
                const brep_face *f = &b->faces[sh->first_face + fi];
                if (f->surf < 0 || (size_t)f->surf >= b->n_surfs) continue;
                const geom_surf *s = b->surfs[f->surf];
                int kind = s->kind == GEOM_SURF_CYLINDER ? SYNTH_ROUND_CYL
                         : s->kind == GEOM_SURF_TORUS    ? SYNTH_ROUND_TORUS : 0;
                if (!kind) continue;
                vec3 p0 = {0, 0, 0};
                int have_p0 = 0;
                long n = face_angles(b, f, s, &ang, &cap, &p0, &have_p0);
                if (n < 0) { m->round_overflow = 1; free(ang); return; }
                if (!have_p0) continue;
                int sense = face_sense(s, f->reversed, p0);
                if (!sense) continue;
                int full = largest_gap(ang, n) < ROUND_FULL_GAP;
                if (kind == SYNTH_ROUND_CYL) add_round(m, kind, s->r1, 0, sense < 0, full);
                else add_round(m, kind, s->r2, s->r1, sense < 0, full);
            }
        }
    }
    free(ang);
}
