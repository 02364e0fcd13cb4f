"""mosaik's own cost per step: do-nothing simulators wired like the shipped scenarios.

Each simulator steps every 15 minutes, returns vectors of the base scenario's sizes and
does no work; the first ``n`` form a chain (each feeds the next, the last feeds the first
back time-shifted, as the grid's voltage feeds the chargers) and a recorder takes every
output of every one. What a year costs here is what mosaik and asyncio cost a scenario
with that many simulators before any model runs: the floor under the scale targets of
``benchmarks/bench.py`` (base: 3 simulators + recorder; full stack: 9 + recorder).

    .venv/bin/python benchmarks/bench_mosaik_floor.py [--sims 3,9] [--days 30] [--no-memo]

Prints main-thread CPU per step and per simulated year for each size, with the product's
speed-ups (:mod:`cosim.scheduler_memo`, :mod:`cosim.mosaik_fast`, the sequential scheduler
of :mod:`cosim.sequential`, the uvloop event loop of :mod:`cosim.event_loop`) and without
them (mosaik as it is); ``--no-memo``: only without.
"""

from __future__ import annotations

import argparse
import itertools
import time
from typing import Any

import mosaik
import mosaik_api_v3
import numpy as np

from cosim import mosaik_fast, scheduler_memo, sequential
from cosim.event_loop import new_event_loop

STEP_S = 900
YEAR_STEPS = 365 * 86400 // STEP_S
N_EV = 46  # chargers of the base LV grid
ATTRS = ("a", "b", "c", "d", "e", "f")  # six vector outputs per simulator


class Idle(mosaik_api_v3.Simulator):
    """A time-based simulator with vector outputs that does no work."""

    def __init__(self) -> None:
        meta = {
            "api_version": "3.0",
            "type": "time-based",
            "models": {"Idle": {"public": True, "params": [], "attrs": [*ATTRS, "x"]}},
        }
        super().__init__(meta)
        self._out = np.zeros(N_EV)

    def create(self, num: int, model: str, **params: Any) -> list[dict[str, Any]]:
        return [{"eid": "e0", "type": model}]

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        return time + STEP_S

    def get_data(self, outputs: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
        return {eid: dict.fromkeys(attrs, self._out) for eid, attrs in outputs.items()}


class Sink(mosaik_api_v3.Simulator):
    """A recorder that takes any input and keeps nothing."""

    def __init__(self) -> None:
        meta = {
            "api_version": "3.0",
            "type": "time-based",
            "models": {"Sink": {"public": True, "params": [], "attrs": [], "any_inputs": True}},
        }
        super().__init__(meta)

    def create(self, num: int, model: str, **params: Any) -> list[dict[str, Any]]:
        return [{"eid": "sink", "type": model}]

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        return time + STEP_S


def floor_us_per_step(n_sims: int, days: int, *, memo: bool) -> float:
    """Main-thread CPU per 15-minute step of ``n_sims`` idle simulators plus a recorder [µs].

    ``memo``: with the product's speed-ups (scheduler memo, fast paths, sequential
    scheduler, uvloop).
    """
    for module in (scheduler_memo, mosaik_fast, sequential):
        if memo:
            module.install()
        else:
            module.uninstall()
    world = mosaik.World(
        {"Idle": {"python": f"{__name__}:Idle"}, "Sink": {"python": f"{__name__}:Sink"}},
        skip_greetings=True,
        configure_logging=False,
        asyncio_loop=new_event_loop("auto" if memo else "asyncio"),
    )
    ents = [world.start("Idle").Idle() for _ in range(n_sims)]
    for src, dst in itertools.pairwise(ents):
        world.connect(src, dst, "a", "b")
    if n_sims > 1:
        world.connect(
            ents[-1], ents[0], ("a", "x"), time_shifted=True, initial_data={"a": [0.0] * N_EV}
        )
    sink = world.start("Sink").Sink()
    for ent in ents:
        world.connect(ent, sink, *ATTRS)
    t0 = time.thread_time()
    world.run(until=days * 86400, print_progress=False)
    return (time.thread_time() - t0) / (days * 86400 // STEP_S) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sims", default="3,9", help="simulator counts before the recorder")
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--no-memo", action="store_true", help="only mosaik as it is")
    args = ap.parse_args()
    memos = (False,) if args.no_memo else (False, True)
    print(f"{'simulators':>10} {'speed-ups':>9} {'us/step':>8} {'s per year':>10}")
    for n in (int(s) for s in args.sims.split(",")):
        for memo in memos:
            us = floor_us_per_step(n, args.days, memo=memo)
            print(f"{n:>8}+1 {'on' if memo else 'off':>9} {us:8.0f} {us * YEAR_STEPS / 1e6:10.1f}")


if __name__ == "__main__":
    main()
