#!/bin/sh
# bench/lm.sh - steplm's transformer engine beside PyTorch (the peer,
# ../shared/tools/torch/tiny_lm.py) on the same model, same machine, one run.
#   bench/lm.sh [cfg1|cfg2|small]     (default cfg1; see ../shared/data/anchors/torch-timing.md)
# env: STEPS (training steps, default 6; 0 = decode only), GEN (decode tokens, default 512),
#      WAIT (seconds each decode run and tiny_lm.py may wait for a quiet CPU, default 30), BUILD (build dir)
# Training: both with 2 threads (torch.set_num_threads(2) + OpenBLAS 2 threads;
# steplm OMP_NUM_THREADS=2). Decode: both engines at 1 and at 2 threads (torch
# with OpenBLAS at 1 thread, its best per the anchors); steplm with f32, bf16
# and int8 (q8) weights. Prints tokens/s, tokens per CPU-second, GFLOP/s, the
# foreign CPU load of each run, and the ratios at the same thread count and
# best against best.
set -e
cd "$(dirname "$0")/.."
CFG=${1:-cfg1}
STEPS=${STEPS:-6}
GEN=${GEN:-512}
WAIT=${WAIT:-30}
BUILD=${BUILD:-build}
export OPENBLAS_CORETYPE=SkylakeX
case $CFG in
  cfg1) A="--vocab 4096 --d 256 --layers 6 --heads 8 --ffn 688 --seq 1024 --batch 4" ;;
  cfg2) A="--vocab 4096 --d 384 --layers 8 --heads 6 --ffn 1024 --seq 2048 --batch 2" ;;
  small) A="--vocab 1024 --d 128 --layers 4 --heads 4 --ffn 344 --seq 256 --batch 8" ;;
  *) echo "usage: bench/lm.sh [cfg1|cfg2|small]" >&2; exit 2 ;;
esac
[ -x "$BUILD/bench_lm" ] || { echo "bench/lm.sh: build first (make build)" >&2; exit 1; }
case $STEPS in
  0|[3-9]|[1-9][0-9]*) ;;
  *) echo "bench/lm.sh: STEPS must be 0 (decode only) or at least 3 (2 warm-up steps are not timed)" >&2; exit 2 ;;
esac
peer_failed() { echo "bench/lm.sh: the peer (tiny_lm.py) failed:" >&2; tail -5 "$T/peer.err" >&2; exit 1; }
T=$(mktemp -d /tmp/steplm-bench-lm.XXXXXX)
trap 'rm -rf "$T"' EXIT
PEER=../shared/tools/torch/tiny_lm.py
TORCH_ENV="LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread PYTHONPATH=bench/py"
echo "== bench/lm.sh $CFG: $(date -u '+%Y-%m-%d %H:%M UTC'), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
load() { cut -d' ' -f1 /proc/loadavg; }
M="env PYTHONPATH=bench/py /usr/bin/python3 bench/py/metered.py $WAIT"   # quiet-CPU wait + meter
if [ "$STEPS" -gt 0 ]; then
L0=$(load); OMP_NUM_THREADS=2 $M "$T/s_train.json" -- "$BUILD/bench_lm" $A --steps "$STEPS" --warmup 2 --gen 0; L1=$(load)
echo "steplm train done (load $L0 -> $L1)"
env $TORCH_ENV OPENBLAS_NUM_THREADS=2 /usr/bin/python3 $PEER $A --steps "$STEPS" --warmup 2 --gen 0 --threads 2 \
    --max-wait "$WAIT" --quiet --json "$T/t_train.json" 2>"$T/peer.err" || peer_failed; L2=$(load)
echo "torch  train done (load -> $L2)"
fi
# Decode: every engine waits for a quiet CPU the same way (at most WAIT s,
# tiny_lm.py's rule, via bench/py/metered.py) and is metered. torch runs at 1
# thread (its best per the anchors) and at 2 (torch.set_num_threads(2),
# OpenBLAS 1: the anchors' best 2-thread setting); steplm at 1 and 2 threads,
# f32, bf16 and int8 weights, before and after the peer.
sdec() { OMP_NUM_THREADS=$2 $M "$T/$1.json" -- "$BUILD/bench_lm" $A --steps 0 --gen "$GEN" --weights $3; }
tdec() { env $TORCH_ENV OPENBLAS_NUM_THREADS=1 /usr/bin/python3 $PEER $A --steps 0 --gen "$GEN" --threads $2 \
    --max-wait "$WAIT" --quiet --json "$T/$1.json" 2>"$T/peer.err" || peer_failed; }
L3=$(load)
sdec s_f32_1 1 f32; sdec s_bf16_1 1 bf16; sdec s_q8_1 1 q8
sdec s_f32_2 2 f32; sdec s_bf16_2 2 bf16; sdec s_q8_2 2 q8
tdec t_dec 1; tdec t_dec2 2
sdec s_q8_2b 2 q8; sdec s_bf16_2b 2 bf16; sdec s_f32_2b 2 f32
sdec s_q8_1b 1 q8; sdec s_bf16_1b 1 bf16; sdec s_f32_1b 1 f32
sdec s_spec_1 1 "f32 --draft q8 --draft-k 4"; sdec s_spec_2 2 "f32 --draft q8 --draft-k 4"
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
          f"{tt['train']['gflops_per_s']:6.1f} GFLOP/s (foreign load {tt['cpu_load_train']['foreign_frac']:.0%}; steplm's {st['cpu_load']['foreign_frac']:.0%}) | ratio {tr_s / tr_t:.2f}x")
res = {}
tor = {}
for n, th in (("t_dec", 1), ("t_dec2", 2)):
    td = j(n)
    tl = td["cpu_load_infer"]
    t_cpu = td["infer"]["decode_tokens"] / (tl["self_frac"] * tl["wall_s"] * ncpu)
    tor[th] = td["infer"]["tokens_per_s"]
    print(f"decode torch  {th} thread{'s' if th == 2 else ' '}       : {tor[th]:7.1f} tok/s {t_cpu:7.1f} tok/CPU-s  "
          f"foreign load {tl['foreign_frac']:4.0%} (waited {td.get('waited_infer_s', 0):.0f} s)  "
          f"{td['infer'].get('gflops_per_s', float('nan')):5.2f} GFLOP/s")
    res[f"torch_decode_{th}t_tok_s"] = tor[th]
tbest = max(tor.values())
runs = [(f"s_{w}_{t}", w, t[0]) for t in ("1", "2", "2b", "1b") for w in ("f32", "bf16", "q8")]
for n, w, th in runs:
    s = j(n)
    de, cl = s["decode"], s["cpu_load"]
    print(f"decode steplm {w:4s}, {th} thread{'s' if th == '2' else ' '}: {de['tokens_per_s']:7.1f} tok/s {de['tokens_per_cpu_s']:7.1f} tok/CPU-s  "
          f"foreign load {cl['foreign_frac']:4.0%} (waited {s['waited_s']:.0f} s)  {de['gflops']:5.2f} GFLOP/s "
          f"{de['gb_per_s']:5.2f} GB/s weights | vs torch {th} thread{'s' if th == '2' else ' '} {de['tokens_per_s'] / tor[int(th)]:.2f}x"
          + ("  (after torch)" if n.endswith("b") else ""))
    res[n] = de["tokens_per_s"]
for th in ("1", "2"):
    s = j(f"s_spec_{th}")
    de = s["decode"]
    print(f"decode steplm f32 + int8 draft (K 4, exact greedy), {th} thread{'s' if th == '2' else ' '}: {de['tokens_per_s']:7.1f} tok/s, "
          f"{de['accepted']} of {de['drafted']} proposals taken | vs torch {th} thread{'s' if th == '2' else ' '} {de['tokens_per_s'] / tor[int(th)]:.2f}x")
    res[f"s_spec_{th}"] = de["tokens_per_s"]
best = lambda w, th: max(res[f"s_{w}_{th}"], res[f"s_{w}_{th}b"])
for w in ("f32", "bf16", "q8"):
    r1, r2 = best(w, "1") / tor[1], best(w, "2") / tor[2]
    rb = max(best(w, "1"), best(w, "2")) / tbest
    print(f"decode ratio {w:4s}: same threads 1: {r1:.2f}x, 2: {r2:.2f}x; best steplm / best torch {rb:.2f}x")
    res[f"decode_ratio_{w}_1t"], res[f"decode_ratio_{w}_2t"], res[f"decode_ratio_{w}_best"] = r1, r2, rb
res.update({"train_ratio": tr_s / tr_t, "steplm_train_tok_s": tr_s, "torch_train_tok_s": tr_t,
            "steplm_train_gflops": st["train"]["gflops"]})
print(json.dumps(res))
PY
