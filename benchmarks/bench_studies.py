"""Seconds per simulated year of every variant of the shipped study families.

Usage::

    .venv/bin/python benchmarks/bench_studies.py [--until 7d] [--family frameworks|dso_tso]

Each variant runs once for ``--until`` (recorder on, no warm-up) and is extrapolated to a
year; the LP-based aggregator policies dominate (one HiGHS solve per step).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from cosim.family import load_family
from cosim.timebase import parse_duration

ROOT = Path(__file__).resolve().parents[1]
YEAR_S = 365 * 86_400
FAMILIES = {
    "frameworks": ("frameworks_family.toml", "scenarios.frameworks"),
    "dso_tso": ("dso_tso_family.toml", "scenarios.dso_tso"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--until", default="7d")
    parser.add_argument("--family", action="append", choices=sorted(FAMILIES))
    args = parser.parse_args()
    until_s = parse_duration(args.until)
    for fam in args.family or sorted(FAMILIES):
        path, module = FAMILIES[fam]
        family = load_family(
            ROOT / "scenarios" / path,
            [f'scenario.until="{args.until}"', "scenario.warmup=0", "scenario.progress=false"],
        )
        runner = __import__(module, fromlist=["run"])
        with tempfile.TemporaryDirectory() as tmp:
            for name, cfg in family.variants.items():
                t0 = time.perf_counter()
                outcome = runner.run(cfg, out=Path(tmp) / f"{name}.h5", progress=False)
                wall = time.perf_counter() - t0
                steps = until_s // cfg.scenario.step_s
                print(
                    f"{fam:>10} {name:<16} {outcome.status:<9} {wall:6.1f} s for {args.until}"
                    f"  {steps / wall:7.0f} steps/s  {wall * YEAR_S / until_s:8.0f} s/year",
                    flush=True,
                )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS) {peak_mb:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
