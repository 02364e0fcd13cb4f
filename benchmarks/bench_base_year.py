"""Seconds per simulated year and peak memory of the base scenario (recorder on).

Usage::

    .venv/bin/python benchmarks/bench_base_year.py [--until 1y] [--evs-per-household 0.5]
        [--backend lightsim2grid|pandapower] [--set section.field=value ...]

Prints wall time, simulated steps per second, seconds per simulated year (extrapolated when
the horizon is shorter than a year) and the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from cosim.config import load_config
from cosim.timebase import parse_duration
from results.kpis import summary_kpis
from results.reader import open_run
from scenarios import base

ROOT = Path(__file__).resolve().parents[1]
YEAR_S = 365 * 86_400


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--until", default="1y")
    parser.add_argument("--evs-per-household", type=float, default=None)
    parser.add_argument("--backend", default=None)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--set", action="append", default=[])
    args = parser.parse_args()

    overrides = [
        f'scenario.until="{args.until}"',
        "scenario.warmup=0",
        "scenario.progress=false",
        *args.set,
    ]
    if args.evs_per_household is not None:
        overrides.append(f"fleet.evs_per_household={args.evs_per_household}")
    if args.backend:
        overrides.append(f'grid.backend="{args.backend}"')
    if args.no_record:
        overrides.append("record.enabled=false")
    cfg = load_config(ROOT / "scenarios" / "base.toml", overrides)

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.h5"
        t0 = time.perf_counter()
        outcome = base.run(cfg, out=out, progress=False)
        wall_s = time.perf_counter() - t0
        size_mb = out.stat().st_size / 1e6 if out.exists() else 0.0
        kpis = {k.name: k.value for k in summary_kpis(open_run(out))} if out.exists() else {}

    until_s = parse_duration(args.until)
    steps = until_s // cfg.scenario.step_s
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"scenario            base ({cfg.grid.network}, {cfg.grid.backend.value}, "
        f"{cfg.fleet.evs_per_household} EV/household, record={cfg.record.enabled})"
    )
    print(f"status              {outcome.status}")
    print(f"simulated           {args.until} = {steps} steps of {cfg.scenario.step_s} s")
    print(f"wall time           {wall_s:.1f} s (including set-up)")
    print(f"steps per second    {steps / wall_s:,.0f}")
    print(f"s per simulated yr  {wall_s * YEAR_S / until_s:.1f}")
    print(f"peak memory (RSS)   {peak_mb:,.0f} MiB")
    print(f"results file        {size_mb:.1f} MB")
    print(f"non-converged steps {kpis.get('nonconverged_steps', float('nan')):.0f}")
    print(f"peak trafo loading  {kpis.get('peak_trafo_loading_pct', float('nan')):.0f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
