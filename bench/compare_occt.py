#!/usr/bin/python3
"""compare_occt.py - agreement of `steplm props --json` output with the OCCT 7.6
manifest (../shared/data/step/real/manifest.csv). Usage:
  compare_occt.py PROPS.jsonl [MANIFEST.csv] [-v]
Prints the acceptance percentages of issue 4 and, with -v, the worst files."""
import csv, json, math, os, sys

args = [a for a in sys.argv[1:] if not a.startswith('-')]
verbose = '-v' in sys.argv
man_path = args[1] if len(args) > 1 else os.path.join(os.path.dirname(__file__), '../../shared/data/step/real/manifest.csv')
root = os.path.dirname(os.path.abspath(man_path))
man = {}
for row in csv.DictReader(open(man_path)):
    man[os.path.normpath(os.path.join(root, row['relpath']))] = row
ours = {}
for line in open(args[0]):
    line = line.strip()
    if not line.startswith('{'):
        continue
    o = json.loads(line)
    ours[os.path.normpath(os.path.abspath(o['file']))] = o

def f(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return float('nan')

n = agree = 0
area_n = area_ok = vol_n = vol_ok = bb_n = bb_ok = wt_n = wt_ok = 0
bad = []
for path, m in man.items():
    o = ours.get(path)
    if o is None:
        continue
    n += 1
    occ_ok = m['mesh_ok'] == 'true'
    if occ_ok == bool(o['renderable']):
        agree += 1
    else:
        bad.append(('render', 1.0, path, 'occt=%s ours=%s %s' % (occ_ok, o['renderable'], o.get('error'))))
    if not occ_ok:
        continue
    A = f(m['area'])
    if A > 0:
        area_n += 1
        e = abs(o['area_mm2'] - A) / A
        area_ok += e <= 0.005
        if e > 0.005:
            bad.append(('area', e, path, 'occt=%.6g ours=%.6g failed=%d/%d %s' % (A, o['area_mm2'], o['faces_failed'], o['faces'], o.get('error'))))
    V = f(m['volume'])
    if int(m['n_solids'] or 0) > 0 and V == V and V > 0:
        vol_n += 1
        e = abs(o['volume_mm3'] - V) / V
        vol_ok += e <= 0.01
        if e > 0.01:
            bad.append(('volume', e, path, 'occt=%.6g ours=%.6g wt=%s %s' % (V, o['volume_mm3'], o['watertight'], o.get('error'))))
        wt_n += 1
        wt_ok += bool(o['watertight'])
        if not o['watertight']:
            bad.append(('watertight', 0, path, 'failed=%d/%d %s' % (o['faces_failed'], o['faces'], o.get('error'))))
    bb = [f(m[k]) for k in ('xmin', 'ymin', 'zmin', 'xmax', 'ymax', 'zmax')]
    if all(x == x for x in bb):
        d = math.sqrt(sum((bb[i + 3] - bb[i]) ** 2 for i in range(3)))
        if d > 0:
            bb_n += 1
            e = max(abs(o['bbox_mm'][i] - bb[i]) for i in range(6)) / d
            bb_ok += e <= 0.005
            if e > 0.005:
                bad.append(('bbox', e, path, 'occt=%s ours=%s' % (bb, o['bbox_mm'])))

def pct(a, b):
    return 100.0 * a / b if b else float('nan')
print('files compared        %d' % n)
print('renderable agreement  %.1f%% (%d/%d)   target >= 99%%' % (pct(agree, n), agree, n))
print('area within 0.5%%      %.1f%% (%d/%d)   target >= 97%%' % (pct(area_ok, area_n), area_ok, area_n))
print('volume within 1%%      %.1f%% (%d/%d)   target >= 97%%' % (pct(vol_ok, vol_n), vol_ok, vol_n))
print('bbox within 0.5%% diag %.1f%% (%d/%d)   target >= 99%%' % (pct(bb_ok, bb_n), bb_ok, bb_n))
print('closed solids watertight %.1f%% (%d/%d) target >= 95%%' % (pct(wt_ok, wt_n), wt_ok, wt_n))
if verbose:
    bad.sort(key=lambda b: (b[0], -b[1]))
    for b in bad:
        print('%-10s %8.4f %s %s' % (b[0], b[1], os.path.relpath(b[2], root), b[3]))
