"""CPU-load helpers that ../shared/tools/torch/tiny_lm.py imports (the shared
tools folder does not ship this module). Written for bench/lm.sh.

wait_quiet(thresh, window_s, max_wait_s): wait until the load from other
processes stays below thresh (a fraction of all CPUs) over window_s, at most
max_wait_s; returns the seconds waited.
Meter(): started on creation; stop() returns {"foreign_frac", "self_frac",
"wall_s"} for the time since."""
import os
import time


def _stat():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return sum(v), sum(v) - idle


def _self_ticks():
    t = os.times()
    return (t.user + t.system) * os.sysconf("SC_CLK_TCK")


class Meter:
    def __init__(self):
        self.t0 = time.perf_counter()
        self.tot0, self.busy0 = _stat()
        self.self0 = _self_ticks()

    def stop(self):
        tot, busy = _stat()
        dt, db = max(tot - self.tot0, 1), busy - self.busy0
        ds = _self_ticks() - self.self0
        return {"foreign_frac": max(0.0, (db - ds) / dt), "self_frac": ds / dt,
                "wall_s": time.perf_counter() - self.t0}


def wait_quiet(thresh, window_s, max_wait_s):
    t0 = time.perf_counter()
    while True:
        m = Meter()
        time.sleep(window_s)
        if m.stop()["foreign_frac"] < thresh or time.perf_counter() - t0 >= max_wait_s:
            return time.perf_counter() - t0
