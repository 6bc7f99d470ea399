#!/bin/sh
# bench/lm.sh - steplm's transformer engine beside PyTorch (the peer,
# ../shared/tools/torch/tiny_lm.py) on the same model, same machine, one run.
#   bench/lm.sh [cfg1|cfg2|small]     (default cfg1; see ../shared/data/anchors/torch-timing.md)
# env: STEPS (training steps, default 6; 0 = decode only), GEN (decode tokens, default 512),
#      WAIT (seconds tiny_lm.py may wait for a quiet CPU, default 60), BUILD (build dir)
# Training: both with 2 threads (torch.set_num_threads(2) + OpenBLAS 2 threads;
# steplm OMP_NUM_THREADS=2). Decode: torch's best setting (1 thread, per the
# anchors); steplm at 1 and 2 threads. Prints tokens/s, GFLOP/s and the ratios.
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
OMP_NUM_THREADS=1 "$BUILD/bench_lm" $A --steps 0 --gen "$GEN" > "$T/s_dec1.json" 2>/dev/null
OMP_NUM_THREADS=2 "$BUILD/bench_lm" $A --steps 0 --gen "$GEN" > "$T/s_dec2.json" 2>/dev/null
env $TORCH_ENV OPENBLAS_NUM_THREADS=1 /usr/bin/python3 $PEER $A --steps 0 --gen "$GEN" --threads 1 \
    --max-wait "$WAIT" --quiet --json "$T/t_dec.json" 2>/dev/null; L3=$(load)
echo "decode done (load -> $L3)"
/usr/bin/python3 - "$T" <<'PY'
import json, sys
d = sys.argv[1]
j = lambda n: json.load(open(f"{d}/{n}.json"))
import os
s1, s2, td = j("s_dec1"), j("s_dec2"), j("t_dec")
tr_s = tr_t = float("nan")
st = {"train": {"gflops": float("nan")}}
if os.path.exists(f"{d}/t_train.json"):
    st, tt = j("s_train"), j("t_train")
    tr_s, tr_t = st["train"]["tokens_per_s"], tt["train"]["tokens_per_s"]
    print(f"train  steplm {tr_s:8.1f} tok/s {st['train']['gflops']:6.1f} GFLOP/s | torch {tr_t:8.1f} tok/s "
          f"{tt['train']['gflops_per_s']:6.1f} GFLOP/s (foreign load {tt['cpu_load_train']['foreign_frac']:.0%}) | ratio {tr_s / tr_t:.2f}x")
dbest = max(s1["decode"]["tokens_per_s"], s2["decode"]["tokens_per_s"])
dt = td["infer"]["tokens_per_s"]
print(f"decode steplm {s1['decode']['tokens_per_s']:8.1f} tok/s (1 thread) {s2['decode']['tokens_per_s']:8.1f} (2 threads) "
      f"{max(s1['decode']['gflops'], s2['decode']['gflops']):5.2f} GFLOP/s | torch {dt:8.1f} tok/s "
      f"(foreign load {td['cpu_load_infer']['foreign_frac']:.0%}) | ratio {dbest / dt:.2f}x")
print(json.dumps({"train_ratio": tr_s / tr_t, "decode_ratio": dbest / dt, "steplm_train_tok_s": tr_s, "torch_train_tok_s": tr_t,
                  "steplm_decode_tok_s": dbest, "torch_decode_tok_s": dt, "steplm_train_gflops": st["train"]["gflops"]}))
PY
