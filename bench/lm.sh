#!/bin/sh
# bench/lm.sh - steplm's transformer engine beside PyTorch (the peer,
# ../shared/tools/torch/tiny_lm.py) on the same model, same machine, one run.
#   bench/lm.sh [cfg1|cfg2|small]     (default cfg1; see ../shared/data/anchors/torch-timing.md)
# env: STEPS (training steps, default 6; 0 = decode only), GEN (decode tokens, default 512),
#      WAIT (seconds tiny_lm.py may wait for a quiet CPU, default 60), BUILD (build dir)
# Training: both with 2 threads (torch.set_num_threads(2) + OpenBLAS 2 threads;
# steplm OMP_NUM_THREADS=2). Decode: torch's best setting (1 thread, per the
# anchors); steplm at 1 and 2 threads, fp32 and bf16 weights. Prints tokens/s,
# tokens per CPU-second, GFLOP/s, the foreign CPU load of each run and the ratios.
set -e
cd "$(dirname "$0")/.."
CFG=${1:-cfg1}
STEPS=${STEPS:-6}
GEN=${GEN:-512}
WAIT=${WAIT:-60}
BUILD=${BUILD:-build}
export OPENBLAS_CORETYPE=SkylakeX
case $CFG in
  cfg1) A="--vocab 4096 --d 256 --layers 6 --heads 8 --ffn 688 --seq 1024 --batch 4" ;;
  cfg2) A="--vocab 4096 --d 384 --layers 8 --heads 6 --ffn 1024 --seq 2048 --batch 2" ;;
  small) A="--vocab 1024 --d 128 --layers 4 --heads 4 --ffn 344 --seq 256 --batch 8" ;;
  *) echo "usage: bench/lm.sh [cfg1|cfg2|small]" >&2; exit 2 ;;
esac
[ -x "$BUILD/bench_lm" ] || { echo "bench/lm.sh: build first (make build)" >&2; exit 1; }
T=$(mktemp -d /tmp/steplm-bench-lm.XXXXXX)
trap 'rm -rf "$T"' EXIT
PEER=../shared/tools/torch/tiny_lm.py
TORCH_ENV="LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread PYTHONPATH=bench/py"
echo "== bench/lm.sh $CFG: $(date -u '+%Y-%m-%d %H:%M UTC'), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
load() { cut -d' ' -f1 /proc/loadavg; }
if [ "$STEPS" -gt 0 ]; then
L0=$(load); OMP_NUM_THREADS=2 "$BUILD/bench_lm" $A --steps "$STEPS" --warmup 2 --gen 0 > "$T/s_train.json" 2>/dev/null; L1=$(load)
echo "steplm train done (load $L0 -> $L1)"
env $TORCH_ENV OPENBLAS_NUM_THREADS=2 /usr/bin/python3 $PEER $A --steps "$STEPS" --warmup 2 --gen 0 --threads 2 \
    --max-wait "$WAIT" --quiet --json "$T/t_train.json" 2>/dev/null; L2=$(load)
echo "torch  train done (load -> $L2)"
fi
# Decode: every engine waits for a quiet CPU the same way (at most WAIT s,
# tiny_lm.py's rule, via bench/py/metered.py) and is metered; steplm runs
# before and after the peer (fp32 and bf16 weights, 1 and 2 threads).
M="env PYTHONPATH=bench/py /usr/bin/python3 bench/py/metered.py $WAIT"
sdec() { OMP_NUM_THREADS=$2 $M "$T/$1.json" -- "$BUILD/bench_lm" $A --steps 0 --gen "$GEN" --bf16 $3; }
L3=$(load)
sdec s_f32_1 1 0; sdec s_bf16_1 1 1; sdec s_bf16_2 2 1; sdec s_f32_2 2 0
env $TORCH_ENV OPENBLAS_NUM_THREADS=1 /usr/bin/python3 $PEER $A --steps 0 --gen "$GEN" --threads 1 \
    --max-wait "$WAIT" --quiet --json "$T/t_dec.json" 2>/dev/null
sdec s_bf16_1b 1 1; sdec s_f32_1b 1 0
L4=$(load)
echo "decode done (load $L3 -> $L4)"
/usr/bin/python3 - "$T" <<'PY'
import json, sys, os
d = sys.argv[1]
j = lambda n: json.load(open(f"{d}/{n}.json"))
ncpu = os.cpu_count()
tr_s = tr_t = float("nan")
st = {"train": {"gflops": float("nan")}}
if os.path.exists(f"{d}/t_train.json"):
    st, tt = j("s_train"), j("t_train")
    tr_s, tr_t = st["train"]["tokens_per_s"], tt["train"]["tokens_per_s"]
    print(f"train  steplm {tr_s:8.1f} tok/s {st['train']['gflops']:6.1f} GFLOP/s | torch {tr_t:8.1f} tok/s "
          f"{tt['train']['gflops_per_s']:6.1f} GFLOP/s (foreign load {tt['cpu_load_train']['foreign_frac']:.0%}) | ratio {tr_s / tr_t:.2f}x")
td = j("t_dec")
dt = td["infer"]["tokens_per_s"]
tl = td["cpu_load_infer"]
t_cpu = td["infer"]["decode_tokens"] / (tl["self_frac"] * tl["wall_s"] * ncpu)
print(f"decode torch        1 thread : {dt:7.1f} tok/s {t_cpu:7.1f} tok/CPU-s  foreign load {tl['foreign_frac']:4.0%} "
      f"(waited {td.get('waited_infer_s', 0):.0f} s)")
res = {"torch_decode_tok_s": dt, "torch_decode_tok_cpu_s": t_cpu}
for n, what in [("s_f32_1", "fp32, 1 thread "), ("s_f32_2", "fp32, 2 threads"), ("s_bf16_1", "bf16, 1 thread "),
                ("s_bf16_2", "bf16, 2 threads"), ("s_bf16_1b", "bf16, 1 thread "), ("s_f32_1b", "fp32, 1 thread ")]:
    s = j(n)
    de, cl = s["decode"], s["cpu_load"]
    print(f"decode steplm {what}: {de['tokens_per_s']:7.1f} tok/s {de['tokens_per_cpu_s']:7.1f} tok/CPU-s  "
          f"foreign load {cl['foreign_frac']:4.0%} (waited {s['waited_s']:.0f} s)  {de['gflops']:5.2f} GFLOP/s "
          f"{de['gb_per_s']:5.2f} GB/s weights | ratio {de['tokens_per_s'] / dt:.2f}x, per CPU-s {de['tokens_per_cpu_s'] / t_cpu:.2f}x"
          + ("  (after torch)" if n.endswith("b") else ""))
    res[n] = de["tokens_per_s"]
best = lambda *ns: max(res[n] for n in ns)
print(f"decode ratio (best steplm / torch): fp32 {best('s_f32_1', 's_f32_2', 's_f32_1b') / dt:.2f}x, "
      f"bf16 {best('s_bf16_1', 's_bf16_2', 's_bf16_1b') / dt:.2f}x")
res.update({"train_ratio": tr_s / tr_t, "steplm_train_tok_s": tr_s, "torch_train_tok_s": tr_t,
            "steplm_train_gflops": st["train"]["gflops"]})
print(json.dumps(res))
PY
