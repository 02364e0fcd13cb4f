"""Grid set-up cost: GridSim init + create Area + a day of 15-min steps.

Run under ``/usr/bin/time -v`` to read the peak RSS ("Maximum resident set size")::

    /usr/bin/time -v .venv/bin/python benchmarks/bench_grid_setup.py \
        --network simbench:1-MVLV-semiurb-all-0-sw

Run it twice: the first run is cold (builds the prepared-grid cache), the second warm.
``--no-cache`` skips the cache (the cold path every time); ``--clear`` empties it first.
Prints the seconds of each phase; nothing is written but the cache.
"""

from __future__ import annotations

import argparse
import inspect
import time

import numpy as np

from simulators.grid.adapter import GridSim

START = "2016-06-20T00:00:00+02:00"
N_STEPS = 96


def main() -> None:
    """Time the phases and print them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--network", default="simbench:1-MVLV-semiurb-all-0-sw")
    parser.add_argument("--backend", default="lightsim2grid")
    parser.add_argument("--no-cache", action="store_true", help="bypass the prepared-grid cache")
    parser.add_argument("--clear", action="store_true", help="clear the cache before the run")
    args = parser.parse_args()
    kwargs = {}
    if "cache" in inspect.signature(GridSim.init).parameters:  # absent before the cache
        kwargs["cache"] = not args.no_cache
        if args.clear:
            from simulators.grid.cache import clear_cache

            clear_cache()
    t0 = time.perf_counter()
    sim = GridSim()
    sim.init(
        "Grid-0", 1.0, step_s=900, start=START, network=args.network, backend=args.backend, **kwargs
    )
    t_init = time.perf_counter()
    info = sim.create(1, "Area")[0]["extra_info"]
    t_area = time.perf_counter()
    bus_id = np.asarray(info["household_bus_id"][:200])
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 11, size=(N_STEPS, len(bus_id)))
    worst = 0.0
    for k in range(N_STEPS):
        inputs = {"Area": {"p_kw": {"evse.Bank": p[k]}, "bus_id": {"evse.Bank": bus_id}}}
        sim.step(k * 900, inputs)
        out = sim.get_data({"Area": ["trafo_loading_pct", "converged"]})["Area"]
        worst = max(worst, float(np.nanmax(out["trafo_loading_pct"], initial=0.0)))
    t_steps = time.perf_counter()
    print(f"network            {args.network}")
    print(f"init               {t_init - t0:8.2f} s")
    print(f"create Area        {t_area - t_init:8.2f} s")
    print(f"{N_STEPS} steps           {t_steps - t_area:8.2f} s")
    print(f"total              {t_steps - t0:8.2f} s")
    print(f"peak trafo loading {worst:8.3f} %")


if __name__ == "__main__":
    main()
