"""Sweeps and Monte Carlo: a family × parameter grid × seeds, run on Dask (the public surface).

Plan with :func:`load_sweep`, run with :func:`run_sweep`, aggregate the files with
:mod:`results.sweep_stats`::

    plan = load_sweep("scenarios/frameworks_mc_family.toml", overrides=['scenario.until="2d"'])
    results = run_sweep(plan, n_workers=2, on_progress=lambda p: log(format_progress(p)))
    ok = sweep_ok(results)           # False if any run failed or was interrupted
"""

from __future__ import annotations

from cosim.sweep_plan import RunSpec, SweepPlan, config_hash, load_sweep
from cosim.sweep_run import (
    MANIFEST,
    RunResult,
    SweepProgress,
    format_progress,
    is_complete,
    run_sweep,
    run_task,
    sweep_ok,
    write_manifest,
)

__all__ = [
    "MANIFEST",
    "RunResult",
    "RunSpec",
    "SweepPlan",
    "SweepProgress",
    "config_hash",
    "format_progress",
    "is_complete",
    "load_sweep",
    "run_sweep",
    "run_task",
    "sweep_ok",
    "write_manifest",
]
