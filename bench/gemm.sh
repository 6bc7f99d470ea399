#!/bin/sh
# bench/gemm.sh - OpenBLAS (SkylakeX kernels) against BLIS (Debian's libblis4-serial) on the
# products of one cfg1 training step, and both libraries' sgemv against steplm's own AVX-512
# decode kernels (row-major and packed weights), in one run: build/bench_gemm.
#   bench/gemm.sh [REPS]          (default 5; 1 and 2 threads)
# BLIS is not installed system-wide (its libblas.so.3 alternative would change which BLAS
# PyTorch and NumPy load): the .deb is fetched with apt-get download and unpacked into a
# temporary directory, or taken from $BLIS_LIB.
set -e
cd "$(dirname "$0")/.."
REPS=${1:-5}
BUILD=${BUILD:-build}
[ -x "$BUILD/bench_gemm" ] || { echo "bench/gemm.sh: build first (make build)" >&2; exit 1; }
T=$(mktemp -d /tmp/steplm-bench-gemm.XXXXXX)
trap 'rm -rf "$T"' EXIT
OPENBLAS=${OPENBLAS_LIB:-/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0}
if [ -z "$BLIS_LIB" ]; then
  (cd "$T" && apt-get download libblis4-serial >/dev/null 2>&1) ||
    { echo "bench/gemm.sh: apt-get download libblis4-serial failed (set BLIS_LIB=/path/libblis.so.4)" >&2; exit 1; }
  dpkg -x "$T"/libblis4-serial_*.deb "$T/root"
  BLIS_LIB=$(find "$T/root" -name 'libblis.so.4*' -type f | head -1)
fi
echo "== bench/gemm.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
for th in 1 2; do
  OMP_NUM_THREADS=$th OPENBLAS_CORETYPE=SkylakeX "$BUILD/bench_gemm" --reps "$REPS" "$OPENBLAS" "$BLIS_LIB" > "$T/g$th.jsonl"
done
/usr/bin/python3 - "$T" <<'PY'
import json, sys
d = sys.argv[1]
for th in (1, 2):
    rows = [json.loads(l) for l in open(f"{d}/g{th}.jsonl")]
    ob, bl, own = rows
    print(f"{th} thread{'s' if th == 2 else ' '}: training step's products  OpenBLAS {ob['train_step_s']*1e3:7.1f} ms "
          f"({ob['train_gflops']:5.1f} GFLOP/s)  BLIS {bl['train_step_s']*1e3:7.1f} ms ({bl['train_gflops']:5.1f} GFLOP/s)  "
          f"BLIS/OpenBLAS speed {ob['train_step_s'] / bl['train_step_s']:.3f}")
    if th == 1:
        print(f"          decode pass (23.2 MB fp32, 1 thread): OpenBLAS sgemv {ob['decode_pass_ms']:.3f} ms, "
              f"BLIS sgemv {bl['decode_pass_ms']:.3f} ms, steplm row-major {own['decode_pass_ms']:.3f} ms, "
              f"steplm packed {own['decode_packed_pass_ms']:.3f} ms "
              f"({min(ob['decode_pass_ms'], bl['decode_pass_ms']) / own['decode_packed_pass_ms']:.2f}x the better library)")
    for a, b in zip(ob["train"], bl["train"]):
        print(f"          {a['what']:20s} {a['M']:5d}x{a['N']:5d}x{a['K']:5d}  OpenBLAS {a['gflops']:6.1f}  BLIS {b['gflops']:6.1f} GFLOP/s")
PY
