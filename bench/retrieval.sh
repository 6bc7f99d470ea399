#!/bin/sh
# bench/retrieval.sh - caption index at scale, with a peer for the dense part.
#   bench/retrieval.sh [N] [DIM] [N_QUERIES]     (defaults 1000000 384 30)
# steplm: bench_retrieval (BM25 on N synthetic captions; exact float32 and int8
# cosine top-10 over N synthetic DIM vectors). Peer: NumPy exact cosine top-10
# (matrix-vector product through OpenBLAS + argpartition), the brute-force
# search STEP-LLM's generate_step.py does with sklearn. Same N, DIM, k, same
# thread count; prints the ratio of median query latencies.
set -e
cd "$(dirname "$0")/.."
N=${1:-1000000}; DIM=${2:-384}; NQ=${3:-30}
BIN=${BUILD:-build}/bench_retrieval
[ -x "$BIN" ] || { echo "build first: make build" >&2; exit 1; }
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX}
THREADS=${OMP_NUM_THREADS:-$(nproc)}
export OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS
echo "== steplm ($THREADS threads)"
OUT=$("$BIN" "$N" "$DIM" "$NQ")
echo "$OUT"
STEPLM_MS=$(echo "$OUT" | grep '"f32_exact"' | sed 's/.*"median_ms":\([0-9.]*\).*/\1/')
echo "== peer: numpy exact cosine ($THREADS threads)"
PEER_MS=$(/usr/bin/python3 - "$N" "$DIM" "$NQ" <<'PY'
import sys, time
import numpy as np
n, dim, nq = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(12345)
m = np.empty((n, dim), dtype=np.float32)
step = 100000
for i in range(0, n, step):
    b = rng.standard_normal((min(step, n - i), dim), dtype=np.float32)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    m[i:i + len(b)] = b
lat = []
for _ in range(nq):
    q = rng.standard_normal(dim).astype(np.float32)
    q /= np.linalg.norm(q)
    t = time.perf_counter()
    s = m @ q
    top = np.argpartition(-s, 10)[:10]
    top = top[np.argsort(-s[top], kind="stable")]
    lat.append(time.perf_counter() - t)
lat.sort()
print("%.2f" % (lat[len(lat) // 2] * 1e3))
PY
)
echo "{\"bench\":\"dense_query\",\"kind\":\"numpy_f32_exact\",\"n\":$N,\"dim\":$DIM,\"median_ms\":$PEER_MS}"
/usr/bin/python3 -c "print('ratio numpy/steplm (f32 exact, median latency): %.2fx' % ($PEER_MS / $STEPLM_MS))"
