"""Microseconds per grid step for every backend (GridModel.step and the GridSim adapter).

Run: ``.venv/bin/python benchmarks/bench_grid_solver.py [--mv] [--mvlv]``. Each step changes
the background (SimBench profile row) and ~30 EV-like injections, as in a scenario.
power-grid-model is timed with each way of applying a step's set-points (``PgmUpdate``).
"""

from __future__ import annotations

import argparse
import copy
import time
from datetime import datetime, timedelta, timezone

import numpy as np

from simulators.grid.adapter import GridSim
from simulators.grid.cache import prepared_grid
from simulators.grid.model import GridModel
from simulators.grid.pgm_backend import PgmUpdate, PowerGridModelBackend

START = datetime(2016, 1, 1, tzinfo=timezone(timedelta(hours=1)))


def bench_model(code: str, backend: str, n_steps: int, *, update: PgmUpdate | None = None) -> float:
    """Mean cost of ``GridModel.step`` [µs]; ``update`` picks the power-grid-model path."""
    setup = prepared_grid(f"simbench:{code}")
    grid = setup.grid
    assert setup.simbench is not None
    model = GridModel(grid, setup.simbench.aligned(START), backend=backend)
    if update is not None:
        model.backend = PowerGridModelBackend(grid, update=update)
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


def bench_adapter(code: str, backend: str, n_steps: int) -> float:
    """Mean cost of GridSim.step + get_data with one EVSE-like source on the Area [µs]."""
    sim = GridSim()
    sim.init(
        "Grid-0",
        1.0,
        step_s=900,
        start=START.isoformat(),
        network=f"simbench:{code}",
        backend=backend,
    )
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
    parser.add_argument(
        "--mvlv", action="store_true", help="also 1-MVLV-semiurb-all-0-sw (9,097 buses)"
    )
    args = parser.parse_args()
    codes = [("1-LV-rural2--0-sw", 2000)]
    codes += [("1-MV-semiurb--0-sw", 2000)] if args.mv else []
    codes += [("1-MVLV-semiurb-all-0-sw", 40)] if args.mvlv else []
    for code, n in codes:
        cols = {
            "lightsim2grid": bench_model(code, "lightsim2grid", n),
            **{f"pgm[{u}]": bench_model(code, "power_grid_model", n, update=u) for u in PgmUpdate},
            "pandapower": bench_model(code, "pandapower", max(n // 20, 10)),
            "GridSim(lightsim2grid)": bench_adapter(code, "lightsim2grid", n),
            "GridSim(pgm)": bench_adapter(code, "power_grid_model", n),
        }
        print(f"{code} [µs/step]: " + " | ".join(f"{k} {v:.0f}" for k, v in cols.items()))


if __name__ == "__main__":
    main()
