#!/bin/sh
# bench/reserial.sh - batch reserialization throughput on the real corpus, in MB/s
# of input (wall clock of the whole command: listing, reading, parsing, DFS,
# annotations, atomic writes; best of 3 warm runs, all cores).
# Peers in the same run, same files, same machine state:
#   steplm restore   parse + canonical write of every file (no DFS): the floor of
#                    any parse -> write pipeline in this code base
#   cp -r            copying the files (I/O only)
# The 2 corpus files with syntax defects are refused (counted as failed) by every
# steplm command; their bytes still count as input, as they were read.
# usage: bench/reserial.sh [CORPUS_DIR]    (needs `make build`)
set -u
BIN=${STEPLM_BIN:-build/steplm}
CORPUS=${1:-../shared/data/step/real}
TMP=$(mktemp -d /tmp/steplm-bench-reserial.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
BYTES=$(find "$CORPUS" -type f \( -iname '*.step' -o -iname '*.stp' -o -iname '*.p21' \) -printf '%s\n' | awk '{s+=$1} END {print s}')
NFILES=$(find "$CORPUS" -type f \( -iname '*.step' -o -iname '*.stp' -o -iname '*.p21' \) | wc -l)
echo "corpus: $CORPUS, $NFILES files, $BYTES bytes; $(nproc) cores"
echo "load before: $(uptime)"

best() {   # "wall cpu" seconds of the run with the best wall time of 3 runs of "$@"
    b="1e9 0"
    for i in 1 2 3; do
        /usr/bin/time -f "%e %U %S" -o "$TMP/time" "$@" >/dev/null 2>&1
        b=$(echo "$(tail -n 1 "$TMP/time") $b" | awk '{c=$2+$3; print ($1<$4)?($1" "c):($4" "$5)}')
    done
    echo "$b"
}
row() {    # label, "wall cpu"
    set -- "$1" $2
    printf "%-40s %6.2f s wall %6.1f MB/s | %5.2f s CPU %6.1f MB/CPU-s\n" "$1" "$2" \
        "$(mbs "$2")" "$3" "$(mbs "$3")"
}
mbs() { echo "$BYTES $1" | awk '{printf "%.1f", ($2>0)?$1/1e6/$2:0}'; }

T_PRE_ANN=$(best "$BIN" reserialize "$CORPUS" -o "$TMP/a" --force --annotate)
T_POST_ANN=$(best "$BIN" reserialize "$CORPUS" -o "$TMP/b" --force --annotate --order post)
T_PRE=$(best "$BIN" reserialize "$CORPUS" -o "$TMP/c" --force)
T_ROUND=$(best "$BIN" reserialize "$CORPUS" -o "$TMP/d" --force --annotate --round 6)
T_LLM=$(best "$BIN" reserialize "$CORPUS" -o "$TMP/e" --force --format stepllm)
T_RESTORE=$(best "$BIN" restore "$CORPUS" -o "$TMP/f" --force)
T_CP=$(best sh -c "rm -rf '$TMP/g' && cp -r '$CORPUS' '$TMP/g'")
DONE=$(sed -n 's/.*"done":\([0-9]*\).*/\1/p' "$TMP/a/reserialize-summary.json")
FAILED=$(sed -n 's/.*"failed":\([0-9]*\).*/\1/p' "$TMP/a/reserialize-summary.json")
echo "files done $DONE, failed $FAILED (damaged inputs, refused)"
row "reserialize --annotate (pre)" "$T_PRE_ANN"
row "reserialize --annotate --order post" "$T_POST_ANN"
row "reserialize (pre, no annotations)" "$T_PRE"
row "reserialize --annotate --round 6" "$T_ROUND"
row "reserialize --format stepllm" "$T_LLM"
row "peer: steplm restore (parse + write)" "$T_RESTORE"
row "peer: cp -r" "$T_CP"
W_ANN=${T_PRE_ANN%% *}
W_RES=${T_RESTORE%% *}
echo "ratio restore/reserialize wall time: $(echo "$W_RES $W_ANN" | awk '{printf "%.2f", $1/$2}') (1 = reserialize as fast as parse + write)"
echo "target >= 50 MB/s (wall) for reserialize --annotate: $(mbs "$W_ANN") MB/s, $(echo "$(mbs "$W_ANN")" | awk '{print ($1>=50)?"met":"NOT met"}')"
echo "(MB/CPU-s: input MB per CPU second summed over threads; a free 2-core machine gives about twice that per wall second)"
echo "load after: $(uptime)"
