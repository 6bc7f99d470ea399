#!/bin/sh
# occt_check.sh - an independent STEP reader accepts reserialized files: OpenCASCADE
# (occt-draw, testreadstep) reads the original and the annotated post-order and
# pre-order outputs of a few corpus files and must find the same numbers of faces,
# shells and solids and the same volume (printed to 3 decimals; no rounding here).
# Exit 77 (skipped) when occt-draw is not installed. usage: occt_check.sh STEPLM_BIN
BIN=${1:-build/steplm}
command -v occt-draw >/dev/null 2>&1 || { echo "SKIPPED: occt-draw not installed"; exit 77; }
TMP=$(mktemp -d /tmp/steplm-occt-check.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
# DRAW's pload wants unversioned library names; the runtime package ships only .so.7
mkdir -p "$TMP/lib"
for f in /usr/lib/*/libTK*.so.7; do [ -e "$f" ] && ln -sf "$f" "$TMP/lib/$(basename "$f" .7)"; done
C=../shared/data/step/real
FILES="brepnet/example_files/step_examples/123091_2ebff124_3.stp
brepnet/tests/test_data/simple_solids/block.step
occt-data-pr946/trj7_c1-hc-214.stp"
fail=0
n=0
for rel in $FILES; do
    f="$C/$rel"
    [ -f "$f" ] || { echo "missing $f"; fail=1; continue; }
    b=$(basename "$rel")
    "$BIN" reserialize "$f" -o "$TMP/post_$b" --annotate --order post || fail=1
    "$BIN" reserialize "$f" -o "$TMP/pre_$b" --annotate || fail=1
    for v in "$f" "$TMP/post_$b" "$TMP/pre_$b"; do
        printf 'pload MODELING DATAEXCHANGE\ntestreadstep %s s\nputs [nbshapes s]\nputs [vprops s]\nexit\n' "$v" > "$TMP/run.tcl"
        LD_LIBRARY_PATH="$TMP/lib" timeout 120 occt-draw -b -f "$TMP/run.tcl" 2>&1 |
            grep -E "^ (FACE|SHELL|SOLID) +:|^Mass" > "$TMP/out_$(basename "$v").txt"
    done
    if [ ! -s "$TMP/out_$b.txt" ]; then echo "$rel: OCCT read nothing from the original"; fail=1; continue; fi
    for k in post pre; do
        if cmp -s "$TMP/out_$b.txt" "$TMP/out_${k}_$b.txt"; then n=$((n + 1))
        else echo "$rel ($k): OCCT sees a different shape:"; cat "$TMP/out_$b.txt" "$TMP/out_${k}_$b.txt"; fail=1; fi
    done
    echo "$rel: $(tr '\n' ' ' < "$TMP/out_$b.txt")"
done
echo "occt_check: $n reserialized files read by OCCT with the original's faces, shells, solids and volume"
exit $fail
