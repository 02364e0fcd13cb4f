"""Build time, per-step time and memory of the DSO topology, zones and signals at MV+LV scale.

Builds the operator for ``simbench:1-MVLV-semiurb-all-0-sw`` (9,097 buses, ~9,100 lines
and trafos) with 10,000 chargers on random LV buses (seeded), then times the per-step calls
the DSO adapter makes: zone shares, the traffic light, interruptible curtailment (with
about 1 % of the elements congested and half the chargers capped) and a full
``OperatorModel.step``.

Run: ``.venv/bin/python benchmarks/bench_dso_zones.py [--info-cache /tmp/area_info.json]``.
The grid description is the Area ``extra_info`` of GridSim (init + create('Area'), as the
scenarios give it to the DSO); ``--info-cache`` stores it so repeated runs skip that set-up.
To time another version of the controller, put its ``controllers`` package first on
``PYTHONPATH``; the script prints which one it imported.
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import controllers.dso as dso
from controllers.dso.model import OperatorModel
from controllers.dso.policies import DSOParams, InterruptiblePolicy, Observation
from controllers.dso.signals import traffic_light
from controllers.dso.topology import build_topology, grid_params

NETWORK = "simbench:1-MVLV-semiurb-all-0-sw"


def area_info(cache: Path | None) -> dict[str, Any]:
    """The grid Area's extra_info (from ``cache`` when it exists)."""
    if cache is not None and cache.exists():
        return dict(json.loads(cache.read_text()))
    from simulators.grid.adapter import GridSim

    t0 = time.perf_counter()
    sim = GridSim()
    sim.init("Grid-0", 1.0, step_s=900, network=NETWORK, profiles=False)
    info = dict(sim.create(1, "Area")[0]["extra_info"])
    print(f"GridSim init + create('Area'): {time.perf_counter() - t0:.1f} s")
    if cache is not None:
        cache.write_text(json.dumps(info))
    return info


def build(info: dict[str, Any], charger_bus: np.ndarray) -> OperatorModel:
    """Topology, charger mask, feeder zones and zone map, as DSOSim.create does."""
    topology = build_topology(**grid_params(info))
    params = DSOParams(framework="interruptible")  # type: ignore[arg-type]
    return OperatorModel(topology, charger_bus, 11.0, params=params, step_s=900)


def timed(fn: Callable[[], Any], n: int) -> float:
    """Mean wall time of ``fn`` over ``n`` calls after one warm-up [ms]."""
    fn()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1e3


def main() -> None:
    """Print build time, retained and peak memory, and ms per step call."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--info-cache", type=Path, default=None)
    parser.add_argument("--chargers", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"controllers.dso from {Path(dso.__file__).parent}")
    info = area_info(args.info_cache)
    rng = np.random.default_rng(args.seed)
    lv = np.asarray(info["bus_id"])[np.asarray(info["bus_vn_kv"]) < 1.0]
    charger_bus = rng.choice(lv, size=args.chargers)

    t0 = time.perf_counter()
    build(info, charger_bus)
    build_s = time.perf_counter() - t0
    tracemalloc.start()  # a second build, traced (tracing slows it down)
    op = build(info, charger_bus)
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    n_e, n_c, n_z = op.topology.n_element, op.n_charger, op.n_zone
    print(f"{len(info['bus_id'])} buses, {n_e} elements, {n_c} chargers, {n_z} zones")
    mib = 2.0**20
    print(f"build: {build_s:.2f} s, memory kept {kept / mib:.1f} MiB, peak {peak / mib:.1f} MiB")

    loading = rng.uniform(20.0, 95.0, n_e)
    loading[rng.random(n_e) < 0.01] = rng.uniform(101.0, 130.0)
    forecast = loading * rng.uniform(0.9, 1.1, n_e)
    baseline = rng.uniform(0.0, 50.0, n_z)
    p_kw = rng.uniform(0.0, 11.0, n_c)
    prev = np.where(rng.random(n_c) < 0.5, rng.uniform(0.0, 11.0, n_c), np.nan)
    obs = Observation(0, 0, 12.0, loading, np.ones(op.topology.bus_id.size), p_kw, prev, forecast)
    policy = InterruptiblePolicy(op.ctx)
    calls: dict[str, Callable[[], Any]] = {
        "shares(baseline)": lambda: op.zone_map.shares(baseline),
        "traffic_light": lambda: traffic_light(
            loading,
            forecast,
            rating_kva=op.topology.rating_kva,
            mask=op.ctx.mask,
            zone_map=op.zone_map,
            baseline_kw=baseline,
        ),
        "interruptible decide": lambda: policy.decide(obs),
    }
    for name, fn in calls.items():
        print(f"{name:>22}: {timed(fn, args.steps):9.2f} ms/call")
    step = {"k": 0}

    def full_step() -> None:
        step["k"] += 1
        op.step(
            900 * step["k"], loading_pct=loading, v_pu=obs.v_pu, p_kw=p_kw, p_baseline_kw=baseline
        )

    print(f"{'OperatorModel.step':>22}: {timed(full_step, args.steps):9.2f} ms/call")


if __name__ == "__main__":
    main()
