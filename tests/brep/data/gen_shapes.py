#!/usr/bin/python3
"""gen_shapes.py - writes the hand-made STEP test solids of tests/brep/data/.

Each file is a minimal AP214 B-rep (MANIFOLD_SOLID_BREP in an
ADVANCED_BREP_SHAPE_REPRESENTATION, millimetres unless stated) whose exact area,
volume and genus follow from its dimensions by elementary formulas; the
expected values live in tests/brep/test_brep_shapes.c (derived by hand, not
from steplm). Run: /usr/bin/python3 tests/brep/data/gen_shapes.py
"""
import math, os

OUT = os.path.dirname(os.path.abspath(__file__))


class Step:
    def __init__(self):
        self.lines = []
        self.n = 0

    def add(self, text):
        self.n += 1
        self.lines.append('#%d=%s;' % (self.n, text))
        return '#%d' % self.n

    def pt(self, p):
        return self.add("CARTESIAN_POINT('',(%s))" % ','.join('%.17g' % c for c in p))

    def dir(self, d):
        return self.add("DIRECTION('',(%s))" % ','.join('%.17g' % c for c in d))

    def ax(self, o, z=(0, 0, 1), x=(1, 0, 0)):
        return self.add("AXIS2_PLACEMENT_3D('',%s,%s,%s)" % (self.pt(o), self.dir(z), self.dir(x)))

    def vertex(self, p):
        return self.add("VERTEX_POINT('',%s)" % self.pt(p))

    def line_edge(self, v0, v1, p0, p1):
        d = [b - a for a, b in zip(p0, p1)]
        l = math.sqrt(sum(c * c for c in d))
        vec = self.add("VECTOR('',%s,%.17g)" % (self.dir([c / l for c in d]), l))
        ln = self.add("LINE('',%s,%s)" % (self.pt(p0), vec))
        return self.add("EDGE_CURVE('',%s,%s,%s,.T.)" % (v0, v1, ln))

    def circle_edge(self, v, centre, r, z=(0, 0, 1), x=(1, 0, 0)):
        c = self.add("CIRCLE('',%s,%.17g)" % (self.ax(centre, z, x), r))
        return self.add("EDGE_CURVE('',%s,%s,%s,.T.)" % (v, v, c))

    def oe(self, e, sense=True):
        return self.add("ORIENTED_EDGE('',*,*,%s,%s)" % (e, '.T.' if sense else '.F.'))

    def loop(self, oes, outer=True):
        l = self.add("EDGE_LOOP('',(%s))" % ','.join(oes))
        return self.add("%s('',%s,.T.)" % ('FACE_OUTER_BOUND' if outer else 'FACE_BOUND', l))

    def face(self, bounds, surf, same=True):
        return self.add("ADVANCED_FACE('',(%s),%s,%s)" % (','.join(bounds), surf, '.T.' if same else '.F.'))

    def write(self, name, faces, unit='mm'):
        shell = self.add("CLOSED_SHELL('',(%s))" % ','.join(faces))
        brep = self.add("MANIFOLD_SOLID_BREP('',%s)" % shell)
        if unit == 'inch':
            mm = self.add("(LENGTH_UNIT()NAMED_UNIT(*)SI_UNIT(.MILLI.,.METRE.))")
            meas = self.add("LENGTH_MEASURE_WITH_UNIT(LENGTH_MEASURE(25.4),%s)" % mm)
            dim = self.add("DIMENSIONAL_EXPONENTS(1.,0.,0.,0.,0.,0.,0.)")
            lu = self.add("(CONVERSION_BASED_UNIT('INCH',%s)LENGTH_UNIT()NAMED_UNIT(%s))" % (meas, dim))
        else:
            lu = self.add("(LENGTH_UNIT()NAMED_UNIT(*)SI_UNIT(.MILLI.,.METRE.))")
        au = self.add("(NAMED_UNIT(*)PLANE_ANGLE_UNIT()SI_UNIT($,.RADIAN.))")
        su = self.add("(NAMED_UNIT(*)SI_UNIT($,.STERADIAN.)SOLID_ANGLE_UNIT())")
        unc = self.add("UNCERTAINTY_MEASURE_WITH_UNIT(LENGTH_MEASURE(1.E-07),%s,'','')" % lu)
        ctx = self.add("(GEOMETRIC_REPRESENTATION_CONTEXT(3)GLOBAL_UNCERTAINTY_ASSIGNED_CONTEXT((%s))"
                       "GLOBAL_UNIT_ASSIGNED_CONTEXT((%s,%s,%s))REPRESENTATION_CONTEXT('',''))" % (unc, lu, au, su))
        origin = self.ax((0, 0, 0))
        rep = self.add("ADVANCED_BREP_SHAPE_REPRESENTATION('',(%s,%s),%s)" % (brep, origin, ctx))
        app = self.add("APPLICATION_CONTEXT('automotive design')")
        pc = self.add("PRODUCT_CONTEXT('',%s,'mechanical')" % app)
        prod = self.add("PRODUCT('%s','%s','',(%s))" % (name, name, pc))
        pdc = self.add("PRODUCT_DEFINITION_CONTEXT('part definition',%s,'design')" % app)
        pdf = self.add("PRODUCT_DEFINITION_FORMATION('','',%s)" % prod)
        pd = self.add("PRODUCT_DEFINITION('design','',%s,%s)" % (pdf, pdc))
        pds = self.add("PRODUCT_DEFINITION_SHAPE('','',%s)" % pd)
        self.add("SHAPE_DEFINITION_REPRESENTATION(%s,%s)" % (pds, rep))
        text = ("ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('%s'),'2;1');\n"
                "FILE_NAME('%s.step','2026-01-01T00:00:00',(''),(''),'gen_shapes.py','gen_shapes.py','');\n"
                "FILE_SCHEMA(('AUTOMOTIVE_DESIGN { 1 0 10303 214 1 1 1 1 }'));\nENDSEC;\nDATA;\n%s\nENDSEC;\n"
                "END-ISO-10303-21;\n") % (name, name, '\n'.join(self.lines))
        with open(os.path.join(OUT, name + '.step'), 'w') as f:
            f.write(text)


def box(s, x0, y0, z0, a, b, c):
    """Six planar faces of an axis-aligned box; returns the face ids."""
    P = [(x0 + a * (i & 1), y0 + b * ((i >> 1) & 1), z0 + c * ((i >> 2) & 1)) for i in range(8)]
    V = [s.vertex(p) for p in P]
    E = {}

    def edge(i, j):
        if (i, j) in E:
            return E[(i, j)], True
        if (j, i) in E:
            return E[(j, i)], False
        E[(i, j)] = s.line_edge(V[i], V[j], P[i], P[j])
        return E[(i, j)], True

    # each face: corner indices counter-clockwise seen from outside, outward normal, x dir
    quads = [((0, 2, 3, 1), (0, 0, -1), (1, 0, 0)), ((4, 5, 7, 6), (0, 0, 1), (1, 0, 0)),
             ((0, 1, 5, 4), (0, -1, 0), (1, 0, 0)), ((2, 6, 7, 3), (0, 1, 0), (1, 0, 0)),
             ((0, 4, 6, 2), (-1, 0, 0), (0, 1, 0)), ((1, 3, 7, 5), (1, 0, 0), (0, 1, 0))]
    faces = []
    for q, n, x in quads:
        oes = []
        for k in range(4):
            e, fw = edge(q[k], q[(k + 1) % 4])
            oes.append(s.oe(e, fw))
        pl = s.add("PLANE('',%s)" % s.ax(P[q[0]], n, x))
        faces.append(s.face([s.loop(oes)], pl))
    return faces


def gen_box():
    s = Step()
    s.write('box', box(s, 0, 0, 0, 10, 20, 30))


def gen_box_inch():
    s = Step()
    s.write('box_inch', box(s, 0, 0, 0, 1, 2, 3), unit='inch')


def cylinder_faces(s, cx, cy, z0, r, h, hole=False):
    """Side face of a cylinder (seam at +x), plus the two circle edges."""
    pb, pt = (cx + r, cy, z0), (cx + r, cy, z0 + h)
    vb, vt = s.vertex(pb), s.vertex(pt)
    cb = s.circle_edge(vb, (cx, cy, z0), r)
    ct = s.circle_edge(vt, (cx, cy, z0 + h), r)
    seam = s.line_edge(vb, vt, pb, pt)
    surf = s.add("CYLINDRICAL_SURFACE('',%s,%.17g)" % (s.ax((cx, cy, z0)), r))
    # outward side (solid cylinder): loop bottom circle forward, seam up, top circle back, seam down
    loop = s.loop([s.oe(cb, True), s.oe(seam, True), s.oe(ct, False), s.oe(seam, False)])
    side = s.face([loop], surf, same=not hole)
    return side, cb, ct


def gen_cylinder():
    s = Step()
    r, h = 5.0, 12.0
    side, cb, ct = cylinder_faces(s, 0, 0, 0, r, h)
    bot = s.face([s.loop([s.oe(cb, False)])], s.add("PLANE('',%s)" % s.ax((0, 0, 0), (0, 0, -1), (1, 0, 0))))
    top = s.face([s.loop([s.oe(ct, True)])], s.add("PLANE('',%s)" % s.ax((0, 0, h))))
    s.write('cylinder', [side, bot, top])


def gen_cone():
    s = Step()
    r1, r2, h = 6.0, 2.0, 8.0
    pb, pt = (r1, 0, 0), (r2, 0, h)
    vb, vt = s.vertex(pb), s.vertex(pt)
    cb = s.circle_edge(vb, (0, 0, 0), r1)
    ct = s.circle_edge(vt, (0, 0, h), r2)
    seam = s.line_edge(vb, vt, pb, pt)
    semi = math.atan((r1 - r2) / h)
    # the cone narrows with v: radius r1 + v tan(a) needs a negative angle, so the
    # axis points down from the top circle instead (radius r2 at v = 0, grows downwards)
    surf = s.add("CONICAL_SURFACE('',%s,%.17g,%.17g)" % (s.ax((0, 0, h), (0, 0, -1), (1, 0, 0)), r2, semi))
    side = s.face([s.loop([s.oe(cb, True), s.oe(seam, True), s.oe(ct, False), s.oe(seam, False)])], surf)
    bot = s.face([s.loop([s.oe(cb, False)])], s.add("PLANE('',%s)" % s.ax((0, 0, 0), (0, 0, -1), (1, 0, 0))))
    top = s.face([s.loop([s.oe(ct, True)])], s.add("PLANE('',%s)" % s.ax((0, 0, h))))
    s.write('cone', [side, bot, top])


def gen_sphere():
    s = Step()
    r = 7.0
    ps, pn = (0, 0, -r), (0, 0, r)
    vs, vn = s.vertex(ps), s.vertex(pn)
    # seam: half circle in the xz plane from the south to the north pole through +x
    c = s.add("CIRCLE('',%s,%.17g)" % (s.ax((0, 0, 0), (0, -1, 0), (1, 0, 0)), r))
    seam = s.add("EDGE_CURVE('',%s,%s,%s,.T.)" % (vs, vn, c))
    surf = s.add("SPHERICAL_SURFACE('',%s,%.17g)" % (s.ax((0, 0, 0)), r))
    f = s.face([s.loop([s.oe(seam, True), s.oe(seam, False)])], surf)
    s.write('sphere', [f])


def gen_cut_sphere():
    # sphere r 7 with the cap x > 4 cut off by the plane x = 4: the spherical face
    # is the sphere minus a disk-like cap, holds both poles and meets the seam of
    # the default (u, v) range; one circle of radius sqrt(33) bounds both faces
    s = Step()
    r, d = 7.0, 4.0
    rho = math.sqrt(r * r - d * d)
    v = s.vertex((d, 0, rho))
    # axis -x: walking it keeps the big part on the left, seen from outside
    c = s.circle_edge(v, (d, 0, 0), rho, z=(-1, 0, 0), x=(0, 0, 1))
    surf = s.add("SPHERICAL_SURFACE('',%s,%.17g)" % (s.ax((0, 0, 0)), r))
    f = s.face([s.loop([s.oe(c, True)])], surf)
    cap = s.face([s.loop([s.oe(c, False)])], s.add("PLANE('',%s)" % s.ax((d, 0, 0), (1, 0, 0), (0, 1, 0))))
    s.write('cut_sphere', [f, cap])


def gen_torus():
    s = Step()
    R, r = 10.0, 3.0
    p = (R + r, 0, 0)
    v = s.vertex(p)
    cu = s.circle_edge(v, (0, 0, 0), R + r)                       # around the axis (u)
    cv = s.circle_edge(v, (R, 0, 0), r, z=(0, -1, 0), x=(1, 0, 0))  # around the tube (v)
    surf = s.add("TOROIDAL_SURFACE('',%s,%.17g,%.17g)" % (s.ax((0, 0, 0)), R, r))
    f = s.face([s.loop([s.oe(cu, True), s.oe(cv, True), s.oe(cu, False), s.oe(cv, False)])], surf)
    s.write('torus', [f])


def write_plate(n):
    s = Step()
    a, b, t, rh = 10.0 * (n + 1), 20.0, 4.0, 2.5
    # build the box by hand so the top and bottom faces can take inner loops
    P = [(a * (i & 1), b * ((i >> 1) & 1), t * ((i >> 2) & 1)) for i in range(8)]
    V = [s.vertex(p) for p in P]
    E = {}

    def edge(i, j):
        if (i, j) in E:
            return E[(i, j)], True
        if (j, i) in E:
            return E[(j, i)], False
        E[(i, j)] = s.line_edge(V[i], V[j], P[i], P[j])
        return E[(i, j)], True

    holes = []
    faces = []
    for i in range(n):
        side, cb, ct = cylinder_faces(s, 10.0 * (i + 1), 10.0, 0, rh, t, hole=True)
        faces.append(side)
        holes.append((cb, ct))
    quads = [((0, 2, 3, 1), (0, 0, -1), (1, 0, 0), 'bot'), ((4, 5, 7, 6), (0, 0, 1), (1, 0, 0), 'top'),
             ((0, 1, 5, 4), (0, -1, 0), (1, 0, 0), ''), ((2, 6, 7, 3), (0, 1, 0), (1, 0, 0), ''),
             ((0, 4, 6, 2), (-1, 0, 0), (0, 1, 0), ''), ((1, 3, 7, 5), (1, 0, 0), (0, 1, 0), '')]
    for q, nrm, x, kind in quads:
        oes = []
        for k in range(4):
            e, fw = edge(q[k], q[(k + 1) % 4])
            oes.append(s.oe(e, fw))
        bounds = [s.loop(oes)]
        for cb, ct in holes:
            # hole loops run clockwise seen from outside the plate
            if kind == 'bot':
                bounds.append(s.loop([s.oe(cb, True)], outer=False))
            elif kind == 'top':
                bounds.append(s.loop([s.oe(ct, False)], outer=False))
        pl = s.add("PLANE('',%s)" % s.ax(P[q[0]], nrm, x))
        faces.append(s.face(bounds, pl))
    s.write('plate%d' % n, faces)


if __name__ == '__main__':
    gen_box()
    gen_box_inch()
    gen_cylinder()
    gen_cone()
    gen_sphere()
    gen_cut_sphere()
    gen_torus()
    for n in (1, 3):
        write_plate(n)
