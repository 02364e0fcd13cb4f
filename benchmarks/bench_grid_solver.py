"""Microseconds per grid step for both backends (GridModel.step and the GridSim adapter).

Run: ``.venv/bin/python benchmarks/bench_grid_solver.py [--mv]``. Each step changes the
background (SimBench profile row) and ~30 EV-like injections, as in a scenario.
"""

from __future__ import annotations

import argparse
import copy
import time
from datetime import datetime, timedelta, timezone

import numpy as np

from simulators.grid.adapter import GridSim
from simulators.grid.model import GridModel
from simulators.grid.network import load_network, prepare
from simulators.grid.profiles import BackgroundProfiles

START = datetime(2016, 1, 1, tzinfo=timezone(timedelta(hours=1)))


def bench_model(code: str, backend: str, n_steps: int) -> float:
    """Mean cost of ``GridModel.step`` [µs]."""
    grid = prepare(load_network(f"simbench:{code}"))
    prof = BackgroundProfiles.from_simbench(grid.net, start=START)
    model = GridModel(grid, prof, backend=backend)
    rng = np.random.default_rng(1)
    rows = rng.choice(grid.n_bus, size=min(30, grid.n_bus), replace=False)
    p = np.zeros((n_steps, grid.n_bus))
    p[:, rows] = rng.uniform(0, 11, size=(n_steps, len(rows)))
    q = np.zeros(grid.n_bus)
    model.step(0, p[0], q)
    t0 = time.perf_counter()
    for k in range(n_steps):
        model.step(k * 900, p[k], q)
    return (time.perf_counter() - t0) / n_steps * 1e6


def bench_adapter(code: str, n_steps: int) -> float:
    """Mean cost of GridSim.step + get_data with one EVSE-like source on the Area [µs]."""
    sim = GridSim()
    sim.init("Grid-0", 1.0, step_s=900, start=START.isoformat(), network=f"simbench:{code}")
    info = sim.create(1, "Area")[0]["extra_info"]
    bus_id = np.asarray(info["household_bus_id"][:99])
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 11, size=(n_steps, len(bus_id)))
    attrs = ["v_pu", "line_loading_pct", "trafo_loading_pct", "losses_kw", "converged"]
    t0 = time.perf_counter()
    for k in range(n_steps):
        inputs = {"Area": {"p_kw": {"evse.Bank": p[k]}, "bus_id": {"evse.Bank": bus_id}}}
        sim.step(k * 900, copy.copy(inputs))
        sim.get_data({"Area": attrs})
    return (time.perf_counter() - t0) / n_steps * 1e6


def main() -> None:
    """Print the table of µs per step."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mv", action="store_true", help="also 1-MV-semiurb--0-sw")
    args = parser.parse_args()
    codes = ["1-LV-rural2--0-sw"] + (["1-MV-semiurb--0-sw"] if args.mv else [])
    for code in codes:
        ls = bench_model(code, "lightsim2grid", 2000)
        pp_ = bench_model(code, "pandapower", 100)
        ad = bench_adapter(code, 2000)
        print(
            f"{code}: lightsim2grid {ls:8.1f} µs/step | pandapower {pp_:8.1f} µs/step | "
            f"GridSim step+get_data (lightsim) {ad:8.1f} µs/step"
        )


if __name__ == "__main__":
    main()
