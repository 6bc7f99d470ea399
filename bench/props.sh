#!/bin/sh
# props.sh - `steplm props` vs OpenCASCADE 7.6 (DRAW: read + incmesh) on the same
# STEP files, in the same run, same deflection (0.001 x bbox diagonal, 0.5 rad).
#
#   bench/props.sh [DIR] [EVERY]     (default ../shared/data/step/real, every file)
#
# EVERY=k takes every k-th file (sorted) for a quicker run. Both sides run one file
# per core at a time with the same number of jobs (nproc). Printed:
#   - wall time of each side for the whole set and the ratio;
#   - in-process time (steplm's own per-file ms vs OCCT's parse + transfer + mesh
#     ms, i.e. without DRAW's start-up), summed over files, and the ratio.
set -eu
cd "$(dirname "$0")/.."
DIR=${1:-../shared/data/step/real}
EVERY=${2:-1}
BIN=${STEPLM_BIN:-build/steplm}
MEASURE=${OCCT_MEASURE:-../shared/tools/occt/occt-draw-measure.sh}
JOBS=$(nproc)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
[ -x "$BIN" ] || { echo "props.sh: build first (make build)" >&2; exit 1; }
find "$DIR" -type f \( -iname '*.step' -o -iname '*.stp' \) | LC_ALL=C sort | awk -v k="$EVERY" 'NR % k == 1 || k == 1' > "$TMP/files"
N=$(wc -l < "$TMP/files")
echo "files: $N (every $EVERY of $DIR), jobs: $JOBS"

t0=$(date +%s.%N)
OMP_NUM_THREADS=$JOBS xargs -d '\n' "$BIN" props --json < "$TMP/files" > "$TMP/steplm.jsonl" 2>/dev/null || true
t1=$(date +%s.%N)

if command -v occt-draw >/dev/null 2>&1 || command -v DRAWEXE >/dev/null 2>&1; then
  MEASURE_TIMEOUT=${MEASURE_TIMEOUT:-120} xargs -d '\n' -P "$JOBS" -I{} sh -c '"$0" "$1" > "$2/occt.$(echo "$1" | md5sum | cut -c1-12).csv" 2>/dev/null' "$MEASURE" {} "$TMP" < "$TMP/files" || true
  t2=$(date +%s.%N)
  cat "$TMP"/occt.*.csv > "$TMP/occt.csv"
  "$MEASURE" --header > "$TMP/header"
  /usr/bin/python3 - "$TMP/steplm.jsonl" "$TMP/occt.csv" "$t0" "$t1" "$t2" "$TMP/header" <<'PY'
import csv, json, sys
ours = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')]
occt_ms = 0.0
occt_n = 0
hdr = open(sys.argv[6]).read().strip().split(',')
for row in csv.reader(open(sys.argv[2])):
    if len(row) != len(hdr):
        continue
    r = dict(zip(hdr, row))
    try:
        occt_ms += float(r['read_ms'] or 0) + float(r['mesh_ms'] or 0)
        occt_n += 1
    except ValueError:
        pass
t0, t1, t2 = map(float, sys.argv[3:6])
ours_ms = sum(o['ms'] for o in ours)
print('steplm props : wall %7.1f s   in-process %8.0f ms  (%d files, %d renderable)' % (t1 - t0, ours_ms, len(ours), sum(o['renderable'] for o in ours)))
print('OCCT (DRAW)  : wall %7.1f s   in-process %8.0f ms  (%d files)' % (t2 - t1, occt_ms, occt_n))
print('speed-up     : wall %.2fx   in-process %.2fx' % ((t2 - t1) / max(t1 - t0, 1e-9), occt_ms / max(ours_ms, 1e-9)))
PY
else
  echo "steplm props: wall $(echo "$t1 - $t0" | bc) s; OCCT not installed (apt-get install occt-draw), no ratio"
fi
