/* steplm/synth.h - a synthetic corpus of captioned parts from part families.
 *
 * A family (data/families/<name>.lua, format in docs/synth.md) declares parameter
 * ranges, a constraint, a CAD program body and caption templates. Instance `index`
 * of a corpus belongs to family index % n_families; its parameters, split and
 * captions are drawn from a generator seeded by (seed, family, index) alone, so an
 * instance is the same whatever the thread count, shard or resume history.
 *
 * An instance is accepted only when the whole chain holds: the program runs in the
 * sandbox, the kernel builds and checks the solid, the STEP text it writes parses
 * with no reference errors, reads back as a B-rep whose mesh is watertight, and every
 * measured number a caption states (bounding-box extents, diameters, hole counts,
 * the diameters of holes, bores and shafts, fillet radii) agrees with that part
 * within the tolerance. Nothing here prints or writes files;
 * the CLI (`steplm synth`) does. */
#ifndef STEPLM_SYNTH_H
#define STEPLM_SYNTH_H

#include <stddef.h>
#include <stdint.h>
#include "steplm/sandbox.h"
#include "steplm/util.h"

typedef struct brep brep;

typedef struct synth_family {
    char name[64];
    char level[8];          /* ReCAD level: L, F, S, SE, MSE */
    char *src;              /* the family file (malloc'd, NUL-terminated) */
    size_t n_src;
} synth_family;

typedef struct synth_set {
    synth_family *fams;     /* sorted by name */
    size_t n;
} synth_set;

/* Load families from dir: list "all" (every <name>.lua not starting with '_') or a
 * comma-separated list of names. Each file is run once to check that it returns a
 * well-formed family. Errors name the file. */
sl_status synth_set_load(synth_set *s, const char *dir, const char *list, sl_err *err);
void synth_set_release(synth_set *s);

typedef struct synth_opts {
    uint64_t seed;
    int n_captions;         /* captions per level (abstract, partial, precise); default 2 */
    double deflection_mm;   /* tessellation used to measure (default 0.02) */
    double tol_mm;          /* claims vs measurement (default 0.1) */
    sandbox_limits lim;     /* for the CAD program */
    int max_redraws;        /* kernel failures (build, STEP, mesh) redrawn this often; default 3 */
} synth_opts;
void synth_opts_default(synth_opts *o);

/* A kind of round face found on a part: a cylindrical face (radius) or a toroidal
 * face (tube radius r_mm about a circle of radius axis_r_mm). Faces of the same
 * kind, sense and closure whose radii agree to 1e-6 mm share one entry.
 *   concave: the material lies outside the cylinder (tube): a hole or bore, not a
 *            boss or shaft. Decided from the face's outward normal (the surface
 *            normal Su x Sv, negated when the face is reversed) against the direction
 *            from the axis (tube circle) to the face: pointing back towards the axis
 *            means the solid is on the far side.
 *   full:    the face goes all the way round its axis (its boundary leaves no
 *            angular gap wider than 15 degrees); a rounded corner or a flute does not. */
enum { SYNTH_ROUND_CYL = 1, SYNTH_ROUND_TORUS = 2 };
typedef struct synth_round {
    double r_mm;
    double axis_r_mm;       /* torus: radius of the tube's centre circle; 0 for cylinders */
    uint8_t kind, concave, full;
    uint32_t n_faces;
} synth_round;
#define SYNTH_MAX_ROUND 48

/* What is measured on a part (from its STEP text re-read, except the exact
 * area/volume which come from the built solid). */
typedef struct synth_measure {
    double bbox_mm[6];      /* xmin ymin zmin xmax ymax zmax of the mesh */
    double d_mm;            /* 2 x largest distance of a mesh vertex from the z axis */
    double area_mm2, volume_mm3;          /* exact, build_solid_props */
    double mesh_area_mm2, mesh_volume_mm3;
    long genus;             /* mesh genus, -1 when not watertight */
    int watertight;
    int watertight_default; /* also watertight meshed at 0.001 x the bbox diagonal (props' default) */
    size_t n_faces, n_tris, n_ref_errors;
    /* round faces of the B-rep (synth_measure_round): n_round entries; more distinct
     * kinds than fit (or no memory to sample a face) set round_overflow, and a claim
     * found in none of the entries kept then fails as usual */
    size_t n_round, n_round_faces;
    int round_overflow;
    synth_round round[SYNTH_MAX_ROUND];
} synth_measure;

typedef struct synth_instance {
    char id[96];            /* "<index, 6 digits>-<family>" */
    long index;
    const synth_family *fam;
    char split[8];          /* train, val, test */
    int attempts;           /* parameter draws until the constraint and split guard held */
    int redraws;            /* whole draws redone because the kernel failed on them */
    char first_failure[256];/* the kernel's message for the first redrawn draw */
    sl_buf program;         /* part.lua */
    sl_buf step;            /* part.step */
    sl_buf meta;            /* meta.json, one line (also the manifest line) */
    synth_measure m;
} synth_instance;

void synth_instance_init(synth_instance *in);
void synth_instance_release(synth_instance *in);

/* The id of instance index (no building). */
void synth_instance_id(const synth_set *s, long index, char *out, size_t n_out);

/* Make instance index: draw, run, build, write STEP, measure, caption, check.
 * When the kernel fails on a draw (build, STEP re-read, watertight mesh) the instance
 * is drawn again from a derived seed, up to o->max_redraws times; in->redraws and
 * in->first_failure say so (the CLI counts them). A family or caption error is not
 * redrawn. On failure err says which stage failed ("part.lua:7: ...", "caption 3:
 * ..."); in->program holds the last program drawn. */
sl_status synth_make(const synth_set *s, long index, const synth_opts *o, synth_instance *in, sl_err *err);

/* Only the draw of instance index (no building): its split, the program text and
 * the positions of its split keys in their ranges (0..1, up to 3, *n_pos of them). */
sl_status synth_draw(const synth_set *s, long index, const synth_opts *o, char split[8], sl_buf *program,
                     double pos[3], int *n_pos, sl_err *err);

/* Measure a STEP text: parse (errors fail), reference checks, B-rep read, round
 * faces (synth_measure_round), mesh at deflection_mm, mesh properties.
 * area_mm2/volume_mm3 are set to the mesh values. */
sl_status synth_measure_step(const char *name, const char *text, size_t n, double deflection_mm,
                             synth_measure *m, sl_err *err);

/* Fill m's round-face fields (n_round, n_round_faces, round_overflow, round[]) from
 * the faces of b's solids; the other fields are left alone. Read-only on b. */
void synth_measure_round(const brep *b, synth_measure *m);

/* Check every claim of a captions JSON list ([{level,text,claims:[{key,mm,num,unit}]}])
 * or of a meta JSON object holding "captions": the number is in the text, it
 * converts back to mm within tol_mm, and keyed claims agree with m within tol_mm:
 *   "x","y","z"  bounding-box extents     "d"      2 x largest distance from z
 *   "holes"      genus (exactly)
 *   "hole_d"     some concave cylindrical face, or concave torus tube (a bent bore),
 *                has this diameter
 *   "cyl_d"      some cylindrical face of either sense (shaft, boss, hub, bore) has it
 *   "fillet_r"   some cylindrical face that does not go all the way round (a rounded
 *                corner, a flute) has this radius
 *   "bend_r"     some toroidal face's tube follows a circle of this radius
 * An unknown key is an error. Counts checked claims into *n_checked (may be NULL). */
sl_status synth_check_claims(const char *json, size_t n, const synth_measure *m, double tol_mm,
                             size_t *n_checked, sl_err *err);

/* The claim keys above, in a fixed order: synth_claim_key(i) for 0 <= i < SYNTH_N_KEYS. */
#define SYNTH_N_KEYS 9
const char *synth_claim_key(int i);
/* synth_check_claims that also counts checked claims per key (n_by_key[SYNTH_N_KEYS],
 * added to, not reset; may be NULL). */
sl_status synth_check_claims_by_key(const char *json, size_t n, const synth_measure *m, double tol_mm,
                                    size_t *n_checked, size_t *n_by_key, sl_err *err);

#endif
