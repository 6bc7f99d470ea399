#!/bin/sh
# bench/p21.sh - Part 21 parse throughput: steplm vs OpenCASCADE's STEP reader,
# same files, same run, one core each.
#   usage: bench/p21.sh [DIR]   (default ../shared/data/step/real)
# steplm: bench_p21 (parse only, files preloaded in memory, best of 3 passes).
# OpenCASCADE 7.6: one DRAWEXE process, `xload` (= parse into a STEP model) on each
# file, timed with Tcl `clock microseconds` around xload only (best of 3 passes).
set -eu
DIR=${1:-../shared/data/step/real}
BUILD=${BUILD:-build}
[ -x "$BUILD/bench_p21" ] || { echo "build first: make build" >&2; exit 2; }
LIST=$(mktemp)
trap 'rm -f "$LIST" "$LIST.tcl"' EXIT
find "$DIR" -type f \( -iname '*.step' -o -iname '*.stp' \) | sort > "$LIST"
N=$(wc -l < "$LIST")
BYTES=$(cat $(cat "$LIST") | wc -c)
echo "corpus: $DIR, $N files, $BYTES bytes; load: $(cut -d' ' -f1-3 /proc/loadavg)"

STEPLM_OUT=$(taskset -c 0 "$BUILD/bench_p21" --repeat 3 --json $(cat "$LIST"))
STEPLM_S=$(echo "$STEPLM_OUT" | sed 's/.*"seconds":\([0-9.]*\).*/\1/')
echo "steplm:      $(echo "$STEPLM_OUT" | sed 's/.*"mb_per_s":\([0-9.]*\).*/\1/') MB/s  ($STEPLM_S s)"

DRAW=""
for c in DRAWEXE occt-draw; do command -v "$c" >/dev/null 2>&1 && { DRAW=$c; break; }; done
if [ -z "$DRAW" ]; then echo "OpenCASCADE: skipped (install occt-draw: make peers)"; exit 0; fi
# DRAW loads its plugins by unversioned names; Debian ships only libTK*.so.7
if ! ldconfig -p | grep -q 'libTKTopTest\.so '; then
  LINKDIR=${TMPDIR:-/tmp}/steplm-occt-libs-$(id -u)
  mkdir -p "$LINKDIR"
  ldconfig -p | awk '/libTK[A-Za-z0-9]*\.so\.7 /{print $NF}' | while read -r lib; do
    b=$(basename "$lib"); ln -sf "$lib" "$LINKDIR/${b%.7}"; done
  export LD_LIBRARY_PATH="$LINKDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
cat > "$LIST.tcl" <<TCL
pload MODELING DATAEXCHANGEKERNEL
set f [open "$LIST"]
set files [split [string trim [read \$f]] "\n"]
close \$f
set best 1e30
for {set r 0} {\$r < 3} {incr r} {
  set total 0
  foreach p \$files {
    set t0 [clock microseconds]
    catch {xload \$p} 
    set total [expr {\$total + [clock microseconds] - \$t0}]
  }
  if {\$total < \$best} { set best \$total }
}
puts "@@OCCT_US \$best"
exit
TCL
OCCT_US=$(taskset -c 0 "$DRAW" -b -f "$LIST.tcl" 2>/dev/null | sed -n 's/.*@@OCCT_US \([0-9]*\).*/\1/p' | tail -1)
[ -n "$OCCT_US" ] || { echo "OpenCASCADE: failed to run $DRAW"; exit 1; }
awk -v b="$BYTES" -v o="$OCCT_US" -v s="$STEPLM_S" 'BEGIN {
  os = o / 1e6; printf "OpenCASCADE: %.1f MB/s  (%.3f s)\n", b / 1e6 / os, os;
  printf "ratio:       steplm is %.1fx faster than OpenCASCADE xload\n", os / s }'
