/* golden.h - the golden specs of tests/build/specs with hand-derived values,
 * shared by test_build.c and test_build_occt.c. */
#ifndef STEPLM_TEST_BUILD_GOLDEN_H
#define STEPLM_TEST_BUILD_GOLDEN_H
#include <math.h>

#define PI M_PI

typedef struct expect {
    const char *spec;     /* tests/build/specs/<name>.json */
    double volume, area;  /* hand-derived; area < 0: not checked (B-spline arc length) */
    long genus;           /* per part, summed */
    double r_min;         /* smallest radius of curvature (for the mesh bound), 0 = planar only */
} expect;

/* L-profile 60x8 + 8x32 with 5 convex and 1 concave 90-degree corners filleted r = 2:
 * each convex corner removes (1 - pi/4) r^2, the concave one adds it back. */
#define L_AREA (736.0 - 4 * (1 - PI / 4) * 4)
#define SLOT_AREA(l, r) (2 * (r) * (l) + PI * (r) * (r))

#define N_GOLDEN_MAX 32

/* The table is filled at run time: its hand-derived values call sqrt, tan and cos,
 * which GCC folds into constants but clang (used by `make fuzz`) does not accept in a
 * static initializer. Returns the number of entries. */
static size_t golden_get(expect *out) {
    const expect golden[] = {
    /* plate 80x60x10, 4 through holes r 4, boss r 12 h 15 on top */
    {"plate4", 48000 - 4 * PI * 16 * 10 + PI * 144 * 15,
     2 * (80 * 60 + 80 * 10 + 60 * 10) - 8 * PI * 16 + 4 * 2 * PI * 4 * 10 + 2 * PI * 12 * 15, 4, 4},
    /* revolved flange (r 10..50, h 10) + hub (r 10..20, h 20), 6 holes r 4 */
    {"flange", PI * (2500 - 100) * 10 + PI * (400 - 100) * 20 - 6 * PI * 16 * 10,
     PI * (2500 - 100) + PI * (2500 - 400) + PI * (400 - 100) + 2 * PI * 50 * 10 + 2 * PI * 20 * 20 +
         2 * PI * 10 * 30 - 12 * PI * 16 + 6 * 2 * PI * 4 * 10, 7, 4},
    /* filleted L extruded 30, stadium slot (l 20, r 4) through the 8 mm leg */
    {"bracket", L_AREA * 30 - SLOT_AREA(20, 4) * 8,
     /* 2 caps + walls (perimeter 200, each of the 6 corners trades 2r of line for a
      * quarter circle) - the slot twice + the slot's wall */
     2 * L_AREA + 30 * (200 + 6 * (PI - 4)) - 2 * SLOT_AREA(20, 4) + 8 * (40 + 8 * PI), 1, 2},
    /* block 50x40x20, pocket 30x20 (corner fillets r 3) depth 5, counterbore r 5 depth 4
     * then hole r 2.5 through the remaining 16 */
    {"pocket", 40000 - (600 - 4 * (1 - PI / 4) * 9) * 5 - PI * 25 * 4 - PI * 6.25 * 16,
     /* box 7600; the pocket floor replaces what the top loses, its walls add perimeter
      * (100 with 4 quarter-circle corners r 3) x 5; counterbore and hole: top -25 pi,
      * counterbore floor 25 pi - 6.25 pi, walls 2 pi 5 4 + 2 pi 2.5 16, bottom -6.25 pi */
     7600 + 5 * (100 + 4 * (1.5 * PI - 6)) - 12.5 * PI + 40 * PI + 80 * PI, 1, 2.5},
    /* rectangle r 10..20, h 0..10 revolved by 90 degrees */
    {"sector", PI / 4 * (400 - 100) * 10, 2 * 100 + PI / 4 * (400 - 100) * 2 + PI / 2 * (20 + 10) * 10, 0, 10},
    /* trapezoid (0,0) (20,0) (12,10) (0,10) revolved by 180 degrees: half a frustum */
    {"halfdisk", PI * 10 / 3 * (400 + 240 + 144) / 2,
     (PI * 400 + PI * 144) / 2 + PI * (20 + 12) * sqrt(64 + 100) / 2 + 2 * (20 + 12) / 2.0 * 10, 0, 12},
    /* rectangle 40x20 + parabolic cap (2/3 of the 40x20 triangle), ellipse hole 6x3, h 10 */
    {"curves", (800 + 2.0 / 3 * 400 - PI * 18) * 10, -1, 1, 1.5},
    /* 30x20 rectangle, corners chamfered 3, slot hole (l 18, r 1.5), h 12 symmetric;
     * hexagon prism r 5 h 4 on top */
    {"chamfered", (600 - 4 * 4.5 - SLOT_AREA(18, 1.5)) * 12 + 1.5 * sqrt(3) * 25 * 4,
     /* caps 2 (582 - slot), walls 12 x (outer perimeter 76 + 4 x 3 sqrt 2, slot 36 + 3 pi),
      * hexagon prism adds its 6 walls 5 x 4 (its top replaces the contact area) */
     2 * (582 - SLOT_AREA(18, 1.5)) + 12 * (76 + 12 * sqrt(2) + 36 + 3 * PI) + 120, 1, 1.5},
    /* assembly: block 30x20x10 with hole r 3, pin r 2.5 h 25 through it, ball r 4 */
    {"assembly", 6000 - PI * 90 + PI * 6.25 * 25 + 4.0 / 3 * PI * 64,
     /* block 2200 - 2 x 9 pi + hole wall 60 pi; pin 2 x 6.25 pi + 125 pi; ball 64 pi */
     2200 + 42 * PI + 137.5 * PI + 64 * PI, 1, 2.5},
    /* rectangle 30x20 extruded 10, top edges filleted r 3 (sharp corners: elliptic miters),
     * bottom edges chamfered 2. Cross-section inset s(t) at height t into a band:
     * fillet s = r - sqrt(r^2 - t^2), chamfer s = t; V = int (a - 2s)(b - 2s) dt gives
     * ab h - 2(a+b) r^2 (1 - pi/4) + 4 r^3 (5/3 - pi/2) - (a+b) c^2 + 4 c^3 / 3. */
    {"boxedges", 6000 - 2 * 50 * 9 * (1 - PI / 4) + 4 * 27 * (5.0 / 3 - PI / 2) - 50 * 4 + 4 * 8 / 3.0,
     /* top 24 x 14, bottom 26 x 16, walls 100 x 5; a fillet band over a side of length
      * L is r int (L - 2r + 2r cos phi) dphi = r ((L - 2r) pi/2 + 2r), summed
      * 3 (38 pi + 24); a chamfer band is c sqrt 2 (L - c), summed 2 sqrt 2 (100 - 8) */
     336 + 416 + 500 + 3 * (38 * PI + 24) + 2 * sqrt(2) * 92, 0, 2},
    /* torus R 10 r 3, cone r 5 h 10, frustum r 5/3 h 10, wedge 10x5x4 (top 3 long),
     * hexagonal prism r 5 h 10 (placed on its side) */
    {"prims", 2 * PI * PI * 10 * 9 + PI * 25 * 10 / 3 + PI * 10 / 3 * (25 + 15 + 9) + (10 + 3) / 2.0 * 4 * 5 +
                  1.5 * sqrt(3) * 25 * 10,
     4 * PI * PI * 30 + (PI * 25 + PI * 5 * sqrt(125)) + (PI * 25 + PI * 9 + PI * 8 * sqrt(104)) +
         (2 * (10 + 3) / 2.0 * 4 + 10 * 5 + 3 * 5 + 4 * 5 + sqrt(49 + 16) * 5) + (3 * sqrt(3) * 25 + 6 * 5 * 10),
     1, 3},
    /* C section (40x30 minus the 35x20 gap) extruded 20; a through hole r 3 from the top
     * stops at the top flange (5 thick), it does not cross the gap; a post r 4 h 6
     * stands on the lower flange inside the gap */
    {"cshape", 500 * 20 - PI * 9 * 5 + PI * 16 * 6,
     /* 2 x 500 + perimeter 210 x 20; hole: -2 x 9 pi + 30 pi; post wall 2 pi 4 6 */
     1000 + 210 * 20 + 12 * PI + 48 * PI, 1, 3},
    /* surface of revolution: a frustum r 10 -> 5, h 10 whose slanted side is a degree-1
     * B-spline (the lateral area is pi (10 + 5) sqrt(5^2 + 10^2)) */
    {"sweeps", PI * 10 / 3 * (100 + 50 + 25), PI * 100 + PI * 25 + PI * 15 * sqrt(125), 0, 5},
    /* 30x20 rectangle extruded 10 with a 10-degree draft: the inset at height z is
     * s = z tan(10 deg), V = int (a - 2s)(b - 2s) dz = ab h - (a+b) h^2 t + 4/3 h^3 t^2;
     * on top a boss r 4 h 6 with a -5-degree draft (grows): a frustum r 4 -> 4 + 6 tan 5 */
    {"draft", 6000 - 50 * 100 * tan(PI / 18) + 4.0 / 3 * 1000 * tan(PI / 18) * tan(PI / 18) +
                  PI * 6 / 3 * (16 + 4 * (4 + 6 * tan(PI / 36)) + (4 + 6 * tan(PI / 36)) * (4 + 6 * tan(PI / 36))),
     /* bottom 600, top (30 - 2d)(20 - 2d) with d = 10 tan 10, four trapezoid walls of slant
      * 10 / cos 10 and mean length (L + L - 2d) / 2; boss: frustum wall
      * pi (r1 + r2) sqrt(6^2 + (r2 - r1)^2) and top pi r2^2, minus its 16 pi footprint */
     600 + (30 - 20 * tan(PI / 18)) * (20 - 20 * tan(PI / 18)) + (200 - 80 * tan(PI / 18)) / 2 * 10 / cos(PI / 18) +
         PI * (8 + 6 * tan(PI / 36)) * sqrt(36 + 36 * tan(PI / 36) * tan(PI / 36)) +
         PI * (4 + 6 * tan(PI / 36)) * (4 + 6 * tan(PI / 36)) - 16 * PI,
     0, 4},
    /* plate 100x40x5; linear pattern of 4 ribs 4x30 (corners filleted r 1) h 12 stacked on
     * top; polar pattern of 3 holes r 2 (0, 45, 90 degrees about (50, 20)) through the plate */
    {"ribs", 100 * 40 * 5 + 4 * (4 * 30 - 4 * (1 - PI / 4)) * 12 - 3 * PI * 4 * 5,
     /* plate 9400; each rib adds its walls (perimeter 68 - 8 + 2 pi) x 12; each hole
      * -2 x 4 pi + 2 pi 2 5 */
     9400 + 4 * 12 * (60 + 2 * PI) + 3 * 12 * PI, 3, 1},
    /* block 40x40x10 with a wedge 10x6x8 (triangular, 10 x 8 / 2 section, 6 deep) rotated
     * 90 degrees about z and moved onto the top face */
    {"wedgeboss", 16000 + 10 * 8 / 2.0 * 6,
     /* box 4800; the wedge adds 2 triangles (40 each), the 8 x 6 back, the slanted
      * sqrt(10^2 + 8^2) x 6 face; its 10 x 6 base and the covered top cancel */
     4800 + 80 + 48 + 6 * sqrt(164) - 60 + 0, 0, 0},
    /* plate 60x60x5 with a through hole r 3; a tube (r 10 / 6, h 8) stacked around it (the
     * plate shows through the tube's bore, with the hole); a rectangular ring groove
     * (12x54 outer, 6x48 island) 2 deep. Area: plate 8400, hole 12 pi, tube walls
     * 160 pi + 96 pi (its top replaces the covered annulus), groove walls (132 + 108) x 2 */
    {"tube", 18000 - PI * 9 * 5 + PI * 64 * 8 - (12 * 54 - 6 * 48) * 2, 8400 + 268 * PI + 480, 1, 3},
    /* annulus r 8..20, h 8, both top rims filleted r 2. Pappus: each rim removes a
     * spandrel (corner square minus quarter disk, area (1 - pi/4) r^2) whose centroid
     * lies r / (6 (1 - pi/4)) from the fillet's circle centre towards the rim corner.
     * Outer rim: centre at radius 20 - r, centroid outward; hole rim: centre at 8 + r,
     * centroid inward. Removed: 2 pi ((20 - r)(1 - pi/4) r^2 + r^3/6) and
     * 2 pi ((8 + r)(1 - pi/4) r^2 - r^3/6). */
    {"washer", PI * (400 - 64) * 8 - 2 * PI * (18 * (1 - PI / 4) * 4 + 8.0 / 6) - 2 * PI * (10 * (1 - PI / 4) * 4 - 8.0 / 6),
     /* bottom 336 pi, walls 2 pi 20 6 + 2 pi 8 6, top pi (18^2 - 10^2); the quarter-torus
      * bands by Pappus: arc length pi r / 2 = pi at radius 18 + 2r/pi and 10 - 2r/pi */
     336 * PI + 240 * PI + 96 * PI + 224 * PI + 2 * PI * (18 + 4 / PI) * PI + 2 * PI * (10 - 4 / PI) * PI, 1, 2},
    };
    size_t n = sizeof golden / sizeof golden[0];
    for (size_t i = 0; i < n && i < N_GOLDEN_MAX; i++) out[i] = golden[i];
    return n < N_GOLDEN_MAX ? n : N_GOLDEN_MAX;
}

#endif
