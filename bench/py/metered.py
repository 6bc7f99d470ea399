"""Run a command the way tiny_lm.py runs its timed phases: wait (at most
max_wait_s) for the CPU load from other processes to fall below 5 % over 3 s,
then run it under a load meter. Written for bench/lm.sh so that steplm and
the peer are measured under the same rule.

usage: metered.py MAX_WAIT_S OUT_JSON -- CMD ARGS...
The command's stdout (one JSON object) is saved to OUT_JSON with "waited_s"
and "cpu_load" ({"foreign_frac", "self_frac", "wall_s"}) added."""
import json
import os
import subprocess
import sys

from cpuload import Meter, wait_quiet

max_wait, out = float(sys.argv[1]), sys.argv[2]
cmd = sys.argv[sys.argv.index("--") + 1:]
waited = wait_quiet(0.05, 3.0, max_wait)
m = Meter()
c0 = os.times()
r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
c1 = os.times()
load = m.stop()
# the Meter counts this process only; move the command's CPU time from
# "foreign" to "self" (share of all CPUs over the same interval)
child = (c1.children_user + c1.children_system - c0.children_user - c0.children_system) / max(
    load["wall_s"] * os.cpu_count(), 1e-9)
load["self_frac"] += child
load["foreign_frac"] = max(0.0, load["foreign_frac"] - child)
res = json.loads(r.stdout)
res["waited_s"] = waited
res["cpu_load"] = load
with open(out, "w") as f:
    json.dump(res, f)
