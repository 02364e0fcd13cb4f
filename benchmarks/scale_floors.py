"""What a scale case's step is set against, per simulated year: the power-flow floor (the
grid model alone, measured in this process) and the naive stack
(``benchmarks/naive_stack.py``, in its own process); ``benchmarks/bench.py`` says how."""

from __future__ import annotations

import functools
import json
import math
import subprocess
import sys
import time
from typing import Any

from scale_cases import STEP_S, YEAR_S
from scale_run import ROOT, user_env

__all__ = ["NAIVE_MS_AT_TARGETS", "naive_s_per_year", "pf_floor_s_per_year"]

#: the naive stack's step on the base LV grid where issue 8's targets were set [ms]
NAIVE_MS_AT_TARGETS = 38.0
#: steps of a naive-stack measurement: a day, evening peak and night included (~3 s)
NAIVE_STEPS = 96


@functools.cache
def _floor_model(network: str) -> Any:
    """The grid model of ``network``, solved once (kept for later floor measurements)."""
    import numpy as np

    from simulators.grid.adapter import GridSim

    sim = GridSim()
    sim.init("grid-0", network=network, step_s=STEP_S)
    model = sim.model
    assert model is not None
    zeros = np.zeros(model.n_bus)
    model.step(0, zeros, zeros)
    return model


def pf_floor_s_per_year(network: str, *, steps: int = 300, repeat: int = 3) -> float:
    """Grid model alone (profile row + warm lightsim2grid solve) per simulated year [s]:
    the best of ``repeat`` runs of ``steps`` steps, measured again for every case, so that
    the ratio to it compares minutes with the same host speed."""
    import numpy as np

    model = _floor_model(network)
    zeros = np.zeros(model.n_bus)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for k in range(steps):
            model.step(k * STEP_S, zeros, zeros)
        best = min(best, (time.perf_counter() - t0) / steps)
    return best * YEAR_S / STEP_S


def naive_s_per_year(network: str, n_ev: int) -> float:
    """The naive stack's wall seconds per simulated year on ``network`` with ``n_ev`` EVs,
    in its own process (mosaik as it is, none of the product's speed-ups loaded); infinite
    if it failed (the reason on stderr)."""
    cmd = [sys.executable, str(ROOT / "benchmarks" / "naive_stack.py"), "--network", network]
    cmd += ["--evs", str(max(n_ev, 1)), "--steps", str(NAIVE_STEPS), "--json"]
    proc = subprocess.run(cmd, cwd=ROOT, env=user_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"naive stack failed:\n{proc.stderr.strip()[-2000:]}", file=sys.stderr)
        return math.inf
    per_step = json.loads(proc.stdout.strip().splitlines()[-1])["wall_s_per_step"]
    return float(per_step) * YEAR_S / STEP_S
