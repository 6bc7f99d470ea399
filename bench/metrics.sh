#!/bin/sh
# bench/metrics.sh - steplm's SCD pipeline beside Open3D's (the library STEP-LLM's
# evaluation uses) in the same run, on the same pair (L-bracket vs its rigid copy),
# one thread each and all threads, N = 2048, 8192, 32768 by default; prints the times
# and the ratios, and the machine load before and after (the machine may be shared).
#   Open3D side: /work/shared/tools/open3d/scd.py (scd.run: numpy sampling, voxel FPFH,
#   RANSAC, 3-stage ICP, cKDTree distances -- Open3D's own when scipy is missing),
#   median of REPS runs, Open3D import excluded.
#   steplm side: build/bench_metrics (full = multi-hypothesis alignment, chain = the
#   same single chain as Open3D's recipe).
# usage: bench/metrics.sh   (env: NS=2048,8192,32768 REPS=5 BUILD=build O3D_TOOLS=...)
set -e
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
NS=${NS:-2048,8192,32768}
REPS=${REPS:-5}
O3D_TOOLS=${O3D_TOOLS:-../shared/tools/open3d}
SHAPES=../shared/data/metrics/shapes
ALL=$(nproc)
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX}
[ -x "$BUILD/bench_metrics" ] || { echo "build first: make build" >&2; exit 1; }
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
echo "load before: $(uptime)"
for T in 1 "$ALL"; do
  OMP_NUM_THREADS=$T /usr/bin/python3 - "$O3D_TOOLS" "$SHAPES" "$NS" "$REPS" "$T" >>"$OUT" <<'PY'
import os, statistics, sys
tools, shapes, ns, reps, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
sys.path.insert(0, tools)
import time  # noqa: E402
import scd  # noqa: E402  (Open3D is imported inside, before any timer)
gt, pred = os.path.join(shapes, "lbracket.stl"), os.path.join(shapes, "lbracket_rigid.stl")
for n in [int(x) for x in ns.split(",")]:
    p = dict(scd.DEFAULTS, n=n, threads=threads)
    try:
        import scipy.spatial  # noqa: F401  (scd.py default: cKDTree distances)
    except ImportError:
        p["cd_backend"] = "o3d"  # python3-scipy missing: Open3D computes the distances
    scd.run(gt, pred, p)  # warm-up
    rs, cpu = [], []
    for _ in range(reps):
        c0 = time.process_time()
        rs.append(scd.run(gt, pred, p))
        cpu.append((time.process_time() - c0) * 1e3)
    ms = statistics.median(r["timings_ms"]["total_excl_load"] for r in rs)
    print(f"open3d mode=default N={n} T={threads} ms={ms:.2f} cpu_ms={statistics.median(cpu):.2f} "
          f"scd={rs[0]['scd']:.7g}", flush=True)
PY
  "$BUILD/bench_metrics" --ns "$NS" --threads "$T" --reps "$REPS" --cd-n 131072 >>"$OUT"
done
echo "load after:  $(uptime)"
cat "$OUT"
/usr/bin/python3 - "$OUT" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    f = dict(kv.split("=") for kv in line.split()[1:])
    rows[(line.split()[0], f["mode"], int(f["N"]), int(f["T"]))] = (
        float(f["ms"]), float(f.get("cpu_ms", "nan")), f.get("scd", f.get("cd")))
print("\nwall ms (median); ratio = Open3D / steplm; cpu = process CPU time, meaningful at threads=1")
print("| N | threads | Open3D ms (SCD) | steplm full ms (SCD) | ratio (cpu) | steplm chain ms (SCD) | ratio (cpu) |")
print("|---|---|---|---|---|---|---|")
for (who, mode, n, t), (ms, cpu, s) in sorted(rows.items(), key=lambda kv: (kv[0][3], kv[0][2])):
    if who != "open3d":
        continue
    fu, ch = rows.get(("steplm", "full", n, t)), rows.get(("steplm", "chain", n, t))
    cell = lambda r: f"{r[0]:.1f} ({float(r[2]):.4g})" if r else "-"
    ratio = lambda r: f"{ms / r[0]:.2f}x ({cpu / r[1]:.2f}x)" if r else "-"
    print(f"| {n} | {t} | {ms:.1f} ({float(s):.4g}) | {cell(fu)} | {ratio(fu)} | {cell(ch)} | {ratio(ch)} |")
for (who, mode, n, t), (ms, cpu, s) in sorted(rows.items()):
    if mode == "cd_only":
        print(f"Chamfer only, {n} points per side, aligned, T={t}: {ms:.1f} ms (tree builds included)")
PY
