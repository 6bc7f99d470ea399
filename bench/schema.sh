#!/bin/sh
# bench/schema.sh - cost of the schema check (schema_check_doc) next to parsing
# (p21_doc_read), same files, same run, one core. There is no outside peer for
# schema validation of Part 21 text here; the reference is steplm's own parser,
# and the figure of merit is how much the check adds to reading a file.
#   usage: bench/schema.sh [DIR]   (default ../shared/data/step/real)
set -eu
DIR=${1:-../shared/data/step/real}
BUILD=${BUILD:-build}
[ -x "$BUILD/bench_schema" ] || { echo "build first: make build" >&2; exit 2; }
echo "corpus: $DIR; load: $(cut -d' ' -f1-3 /proc/loadavg)"
PIN=""
command -v taskset >/dev/null 2>&1 && PIN="taskset -c 0"
$PIN "$BUILD/bench_schema" --repeat 5 --quiet "$DIR"
