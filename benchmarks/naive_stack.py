"""The stack this product replaces, wired by hand: mosaik, pandapower's ``runpp``, h5py.

The scale targets of issue 8 were set against it ("the naive mosaik + pandapower stack costs
≈ 38 ms/step" on the base LV grid, "≥ 60× the naive stack per step"). This is the leanest
such stack a user would write from the mosaik and pandapower documentation, in one process
with mosaik's own scheduler:

- **fleet:** ``n`` EVs at the grid's load buses, each home from an evening arrival to a
  morning departure (seeded draws) and charging at 3.7 kW until its day's energy is in;
- **grid:** the SimBench network with its absolute load and generation profiles
  (``simbench.get_absolute_values``), each step's row and the EVs' power written into the
  element tables (the EVs as storage units), then ``pandapower.runpp``; it sends the bus
  voltages and the line and transformer loadings;
- **recorder:** every value it receives appended to a resizable h5py dataset per step.

One entity per simulator with vector attributes, so that mosaik's own cost is as small as
it can be and the step is nearly all ``runpp``: the most favourable naive stack, and so the
hardest yardstick for the product's speed. Because both stacks are Python, pandas and
numpy, the ratio of this product's step to this one moves little with the host's speed:
``benchmarks/bench.py`` uses it to judge the targets across hosts.

    .venv/bin/python benchmarks/naive_stack.py [--network simbench:1-LV-rural2--0-sw]
        [--evs 100] [--steps 96] [--json]

Prints the wall and main-thread CPU time per step of ``world.run`` (set-up excluded).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import h5py
import mosaik
import mosaik_api_v3
import numpy as np
import pandapower as pp
import simbench
from mosaik_api_v3.types import CreateResult

STEP_S = 900
CHARGE_KW = 3.7  # a 16 A single-phase home wallbox
META_VERSION = "3.0"
SIMULATORS = ("Fleet", "Grid", "Recorder")


def _meta(model: str, params: list[str], attrs: list[str], **extra: Any) -> dict[str, Any]:
    entry = {"public": True, "params": params, "attrs": attrs, **extra}
    return {"api_version": META_VERSION, "type": "time-based", "models": {model: entry}}


class Fleet(mosaik_api_v3.Simulator):
    """EVs charging uncontrolled at 3.7 kW from arrival until the day's energy is in."""

    def __init__(self) -> None:
        super().__init__(_meta("Fleet", ["n", "seed"], ["p_kw"]))

    def create(self, num: int, model: str, **params: Any) -> list[CreateResult]:
        n, seed = params["n"], params["seed"]
        rng = np.random.default_rng(seed)
        self.arrive_h = rng.normal(18.0, 1.5, n) % 24
        self.depart_h = rng.normal(7.5, 1.0, n) % 24
        self.daily_kwh = rng.uniform(4.0, 20.0, n)
        self.need_kwh = self.daily_kwh.copy()
        self.p_kw = np.zeros(n)
        return [{"eid": "fleet", "type": model}]

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        hour = (time / 3600.0) % 24
        home = (hour >= self.arrive_h) | (hour < self.depart_h)
        self.need_kwh[~home] = self.daily_kwh[~home]  # away: tomorrow's need
        self.p_kw = np.where(home, np.minimum(CHARGE_KW, self.need_kwh * 3600 / STEP_S), 0.0)
        self.need_kwh -= self.p_kw * STEP_S / 3600
        return time + STEP_S

    def get_data(self, outputs: dict[str, list[str]]) -> dict[str, Any]:
        return {"fleet": {"p_kw": self.p_kw.tolist()}}


class Grid(mosaik_api_v3.Simulator):
    """A SimBench network with its profiles, solved by ``pandapower.runpp`` every step."""

    def __init__(self) -> None:
        attrs = ["p_ev_kw", "vm_pu", "line_loading", "trafo_loading"]
        super().__init__(_meta("Grid", ["network", "n_ev"], attrs))

    def create(self, num: int, model: str, **params: Any) -> list[CreateResult]:
        self.net = net = simbench.get_simbench_net(params["network"].removeprefix("simbench:"))
        self.profiles = simbench.get_absolute_values(net, profiles_instead_of_study_cases=True)
        # each table's columns are its elements in order: a row is written as one column
        self.profiles = {k: t for k, t in self.profiles.items() if t.shape[1]}
        buses = net.load.bus.to_numpy()
        for bus in buses[np.arange(params["n_ev"]) % len(buses)]:  # storage: + is charging
            pp.create_storage(net, int(bus), p_mw=0.0, max_e_mwh=0.1, name="EV")
        self.n_rows = len(self.profiles[("load", "p_mw")])
        pp.runpp(net)  # set-up: pandapower compiles its numba functions on the first call
        return [{"eid": "grid", "type": model}]

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        net, row = self.net, (time // STEP_S) % self.n_rows
        for (element, column), table in self.profiles.items():
            net[element][column] = table.iloc[row].to_numpy()
        p_kw = next(iter(inputs["grid"]["p_ev_kw"].values()))
        net.storage["p_mw"] = np.asarray(p_kw) / 1000.0
        pp.runpp(net)
        return time + STEP_S

    def get_data(self, outputs: dict[str, list[str]]) -> dict[str, Any]:
        net = self.net
        return {
            "grid": {
                "vm_pu": net.res_bus.vm_pu.tolist(),
                "line_loading": net.res_line.loading_percent.tolist(),
                "trafo_loading": net.res_trafo.loading_percent.tolist(),
            }
        }


class Recorder(mosaik_api_v3.Simulator):
    """Every input appended to its own resizable HDF5 dataset, one row per step."""

    def __init__(self) -> None:
        super().__init__(_meta("Recorder", ["path"], [], any_inputs=True))

    def create(self, num: int, model: str, **params: Any) -> list[CreateResult]:
        self.file = h5py.File(params["path"], "w")
        return [{"eid": "recorder", "type": model}]

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        for attr, sources in inputs["recorder"].items():
            for src, value in sources.items():
                name = f"{src}/{attr}"
                row = np.asarray(value, dtype=np.float64)
                if name not in self.file:
                    self.file.create_dataset(
                        name, (0, row.size), maxshape=(None, row.size), dtype=np.float64
                    )
                ds = self.file[name]
                ds.resize(ds.shape[0] + 1, axis=0)
                ds[-1] = row
        return time + STEP_S

    def finalize(self) -> None:
        self.file.close()


def measure(network: str, n_ev: int, steps: int, seed: int = 1) -> dict[str, float]:
    """Wall and main-thread CPU seconds per step of ``steps`` steps of the naive stack."""
    world = mosaik.World(
        {name: {"python": f"{__name__}:{name}"} for name in SIMULATORS},
        configure_logging=False,  # no INFO line per start
        skip_greetings=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        fleet = world.start("Fleet").Fleet(n=n_ev, seed=seed)
        grid = world.start("Grid").Grid(network=network, n_ev=n_ev)
        recorder = world.start("Recorder").Recorder(path=str(Path(tmp) / "naive.h5"))
        world.connect(fleet, grid, ("p_kw", "p_ev_kw"))
        world.connect(fleet, recorder, "p_kw")
        world.connect(grid, recorder, "vm_pu", "line_loading", "trafo_loading")
        wall, cpu = time.perf_counter(), time.thread_time()
        world.run(until=steps * STEP_S, print_progress=False)
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    return {"wall_s_per_step": wall / steps, "cpu_s_per_step": cpu / steps, "steps": steps}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", default="simbench:1-LV-rural2--0-sw")
    parser.add_argument("--evs", type=int, default=100)
    parser.add_argument("--steps", type=int, default=96)
    parser.add_argument("--json", action="store_true", help="one JSON line")
    args = parser.parse_args()
    result = measure(args.network, args.evs, args.steps)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"naive stack on {args.network}, {args.evs} EVs, {args.steps} steps: "
            f"{1e3 * result['wall_s_per_step']:.1f} ms per step wall, "
            f"{1e3 * result['cpu_s_per_step']:.1f} ms CPU "
            f"({result['wall_s_per_step'] * 365 * 96:.0f} s per simulated year)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
