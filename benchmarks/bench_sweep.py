"""Sweep throughput on Dask: the same short runs on 1 worker process, then on N.

Usage::

    .venv/bin/python benchmarks/bench_sweep.py [--runs 8] [--until 1d] [--workers 1,2]

Runs the ``uncontrolled`` and ``vcc`` variants of ``scenarios/frameworks_family.toml`` over
``runs / 2`` seeds each, on a fresh ``LocalCluster(n_workers=N, threads_per_worker=1,
processes=True)`` per N, twice: *cold* (fresh workers: each pays its first-run warm-up,
about 2 s here) and *warm* (the same workers again: the steady state of a long sweep).
The workers import the scenario modules before either clock starts (cluster start-up is
printed apart). Prints wall times, the speed-up over one worker and the peak RSS of each
worker process (``ru_maxrss`` reported by its tasks). Measure on a quiet machine: the script
prints the load average first and warns when it is above 1.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cosim.sweep import SweepPlan, load_sweep, run_sweep, sweep_ok  # noqa: E402


def _measure(plan: SweepPlan, n_workers: int) -> dict[str, Any]:
    """Run the plan twice on a fresh cluster: cold workers, then warm ones."""
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    cluster = LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    client.run(importlib.import_module, "scenarios.frameworks")
    out: dict[str, Any] = {"startup_s": time.perf_counter() - t0, "rss": {}}
    try:
        for phase in ("cold", "warm"):
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.perf_counter()
                results = run_sweep(plan, out_dir=tmp, client=client, resume=False)
                out[phase] = time.perf_counter() - t0
            if not sweep_ok(results):
                bad = [
                    f"{r.run_id}: {r.status} {r.message}" for r in results if r.status != "complete"
                ]
                raise SystemExit("runs failed:\n" + "\n".join(bad))
            for r in results:
                out["rss"][r.worker_pid] = max(out["rss"].get(r.worker_pid, 0.0), r.peak_rss_mb)
    finally:
        client.close()
        cluster.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=8, help="runs per measurement (even)")
    parser.add_argument("--until", default="1d", help="simulated horizon of each run")
    parser.add_argument("--workers", default="1,2", help="worker counts to compare")
    args = parser.parse_args()
    load1 = os.getloadavg()[0]
    print(f"load average (1 min): {load1:.2f} on {os.cpu_count()} cores")
    if load1 > 1.0:
        print("WARNING: the machine is busy; timings will not be representative")
    seeds = list(range(1, args.runs // 2 + 1))
    with tempfile.TemporaryDirectory() as tmp:
        family = Path(tmp) / "bench_family.toml"
        family.write_text(
            f'base = "{ROOT / "scenarios" / "frameworks.toml"}"\n'
            f"[sweep]\nseeds = {seeds}\n"
            '[variants.uncontrolled]\n[variants.vcc]\ndso = { enabled = true, framework = "vcc" }\n'
        )
        plan = load_sweep(family, overrides=[f'scenario.until="{args.until}"', "scenario.warmup=0"])
    print(f"{len(plan.runs)} runs of {args.until} (frameworks: uncontrolled, vcc)")
    measured: dict[int, dict[str, Any]] = {}
    for n in (int(x) for x in args.workers.split(",")):
        m = measured[n] = _measure(plan, n)
        per_worker = ", ".join(f"{mb:.0f}" for mb in m["rss"].values())
        print(
            f"{n} worker(s): cold {m['cold']:6.1f} s, warm {m['warm']:6.1f} s for "
            f"{len(plan.runs)} runs (cluster start {m['startup_s']:.1f} s); "
            f"peak RSS per worker [MiB]: {per_worker}"
        )
    if 1 in measured:
        for n, m in measured.items():
            if n != 1:
                cold, warm = (measured[1][k] / m[k] for k in ("cold", "warm"))
                print(f"speed-up {n} workers vs 1: cold {cold:.2f}x, warm {warm:.2f}x")


if __name__ == "__main__":
    main()
