#!/bin/sh
# bench/run.sh - every benchmark against its peer, one after the other (`make bench`).
#   bench/run.sh [NAME...]    names: p21 schema reserial props metrics retrieval lm gemm
#                             (default all; retrieval at 100,000 entries to keep it short,
#                             run bench/retrieval.sh alone for the 1M figure)
# Each script prints its own ratios; this one adds a header per bench and a final line
# naming the benches that failed (a missing peer makes its bench fail, not the others).
cd "$(dirname "$0")/.."
ALL="p21 schema reserial props metrics retrieval lm gemm"
NAMES=${*:-$ALL}
failed=""
for n in $NAMES; do
  case $n in
    p21|schema|reserial|metrics|gemm) set -- ;;
    props) set -- ../shared/data/step/real 10 ;;
    retrieval) set -- 100000 384 30 ;;
    lm) set -- cfg1 ;;
    *) echo "bench/run.sh: unknown bench '$n' (known: $ALL)" >&2; exit 2 ;;
  esac
  echo "==== bench/$n.sh $* ($(date -u '+%H:%M:%S UTC'))"
  sh "bench/$n.sh" "$@" || failed="$failed $n"
done
if [ -n "$failed" ]; then echo "bench/run.sh: failed:$failed"; exit 1; fi
echo "bench/run.sh: all benches ran: $NAMES"
