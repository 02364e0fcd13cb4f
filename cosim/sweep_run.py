"""Run a sweep plan on Dask: one task per run, each in a worker process, one HDF5 file each.

Workers are processes with one thread each (``LocalCluster(processes=True,
threads_per_worker=1)``), or those of an existing cluster (``scheduler="tcp://host:8786"``).
A task builds and runs its scenario in the worker, writes ``<out_dir>/<run_id>.h5`` and
returns a small dict; nothing but the config travels to the worker and nothing but the
outcome comes back. mosaik's in-process simulators open no sockets and ``cmd`` simulators
get a free port per world, so concurrent runs never collide.

Resume: a run whose file says ``status = "complete"`` for the same config hash is skipped;
any other file of a planned run is deleted and the run redone.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import resource
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import h5py

from cosim import gc_setup
from cosim.sweep_plan import RunSpec, SweepPlan, config_hash

__all__ = [
    "RunResult",
    "SweepProgress",
    "format_progress",
    "is_complete",
    "run_sweep",
    "run_task",
    "sweep_ok",
    "write_manifest",
]

log = logging.getLogger(__name__)

MANIFEST = "sweep_manifest.json"


@dataclass(frozen=True)
class RunResult:
    """The outcome of one planned run.

    ``status`` is the run file's final status (``complete``, ``failed``,
    ``interrupted``); ``skipped`` marks a complete run found on disk (resume).
    ``peak_rss_mb`` is the peak resident memory of the worker process so far [MiB].
    """

    run_id: str
    status: str
    path: str
    message: str = ""
    wall_s: float = 0.0
    skipped: bool = False
    peak_rss_mb: float = float("nan")
    worker_pid: int = 0


@dataclass(frozen=True)
class SweepProgress:
    """Counts for a progress line; ``eta_s`` is None until a run has finished."""

    total: int
    skipped: int
    done: int
    failed: int
    running: int
    elapsed_s: float
    eta_s: float | None


def format_progress(p: SweepProgress) -> str:
    """One progress line, e.g. ``'12/40 done (2 failed, 2 running, 8 skipped), ETA 3m20s'``."""
    eta = "?" if p.eta_s is None else f"{int(p.eta_s // 60)}m{int(p.eta_s % 60):02d}s"
    return (
        f"{p.done}/{p.total} done ({p.failed} failed, {p.running} running, "
        f"{p.skipped} skipped), elapsed {p.elapsed_s:.0f}s, ETA {eta}"
    )


def sweep_ok(results: Sequence[RunResult]) -> bool:
    """True when every run is complete (the CLI exits non-zero otherwise)."""
    return all(r.status == "complete" for r in results)


def is_complete(path: str | Path, expected_hash: str) -> bool:
    """Whether ``path`` is a complete run file of the config with ``expected_hash``."""
    try:
        with h5py.File(path, "r", locking=False) as f:
            attrs = f["meta"].attrs
            status = attrs.get("status", b"")
            stored = attrs.get("config_json", b"{}")
    except (OSError, KeyError):
        return False
    status = status.decode() if isinstance(status, bytes) else str(status)
    stored = stored.decode() if isinstance(stored, bytes) else str(stored)
    try:
        return status == "complete" and config_hash(json.loads(stored)) == expected_hash
    except json.JSONDecodeError:
        return False


def run_task(spec: RunSpec, path: str) -> dict[str, Any]:
    """Run one spec in this process, writing ``path``; never raises.

    Returns a dict of :class:`RunResult` fields. A run that raises is ``failed`` (its
    message says why); an interrupted one is ``interrupted``.
    """
    _quiet_mosaik()
    t0 = time.perf_counter()
    status, message = "failed", ""
    try:
        with gc_setup.paused_for_set_up():
            module = _scenario_module(spec.config.scenario.script)
            outcome = module.run(spec.config, out=Path(path), progress=False)
        status, message = str(outcome.status), str(outcome.message)
    except KeyboardInterrupt:
        status, message = "interrupted", "interrupted in the worker"
    except Exception as err:  # any failure of one run is its outcome, not the sweep's
        message = f"{type(err).__name__}: {err}"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    return asdict(
        RunResult(
            run_id=spec.run_id,
            status=status,
            path=path,
            message=message,
            wall_s=time.perf_counter() - t0,
            peak_rss_mb=rss,
            worker_pid=os.getpid(),
        )
    )


def run_sweep(
    plan: SweepPlan,
    *,
    out_dir: str | Path | None = None,
    client: Any = None,
    scheduler: str | None = None,
    n_workers: int | None = None,
    resume: bool = True,
    on_progress: Callable[[SweepProgress], None] | None = None,
    memory_limit: str | int | None = None,
) -> list[RunResult]:
    """Run every run of ``plan`` on Dask; return one result per run, in plan order.

    Parameters
    ----------
    plan : SweepPlan
        From :func:`cosim.sweep_plan.load_sweep`.
    out_dir : str or Path, optional
        Folder of the run files (default ``plan.out_dir``); gets ``<run_id>.h5`` per run
        and the manifest ``sweep_manifest.json``.
    client : distributed.Client, optional
        Use this client (its cluster stays up); else ``scheduler`` or a new LocalCluster.
    scheduler : str, optional
        Address of a running scheduler, e.g. ``"tcp://10.0.0.5:8786"``.
    n_workers : int, optional
        Worker processes of the LocalCluster (default: one per core).
    resume : bool
        Skip runs whose file is complete for the same config hash.
    on_progress : callable, optional
        Called with a :class:`SweepProgress` after each finished run (and at the start).
    memory_limit : str or int, optional
        Memory per worker process of the LocalCluster, e.g. ``"4GiB"`` or bytes; ``0``
        for none. Default: Dask's ``"auto"`` (the machine's memory over the workers). A
        worker that exceeds it is restarted and its run ends ``failed``.
    """
    # absolute, so that workers started elsewhere write to the same (shared) folder
    out = (Path(out_dir) if out_dir is not None else plan.out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    todo, skipped = _triage(plan.runs, out, resume=resume)
    results: dict[str, RunResult] = {r.run_id: r for r in skipped}
    if todo:
        with _client(client, scheduler, n_workers, memory_limit) as dask_client:
            results.update(_submit_all(dask_client, todo, out, len(plan.runs), on_progress))
    elif on_progress is not None:
        on_progress(SweepProgress(len(plan.runs), len(skipped), len(skipped), 0, 0, 0.0, 0.0))
    ordered = [results[r.run_id] for r in plan.runs]
    write_manifest(plan, out, ordered)
    return ordered


def write_manifest(plan: SweepPlan, out_dir: Path, results: Sequence[RunResult]) -> Path:
    """Save what the aggregation needs: each run's variant, parameters, seed and file.

    Runs of earlier sweeps into the same folder (e.g. other ``--only`` variants) stay
    listed; this plan's runs replace their earlier entries.
    """
    by_id = {r.run_id: r for r in results}
    runs = {
        spec.run_id: {
            "run_id": spec.run_id,
            "variant": spec.variant,
            "params": dict(spec.params),
            "seed": spec.seed,
            "config_hash": spec.config_hash,
            "file": f"{spec.run_id}.h5",
            "status": by_id[spec.run_id].status if spec.run_id in by_id else "planned",
        }
        for spec in plan.runs
    }
    path = out_dir / MANIFEST
    old = _read_manifest(path)
    kept = [r for r in old.get("runs", []) if r.get("run_id") not in runs]
    params = {**old.get("params", {}), **plan.params}
    seeds = sorted(set(old.get("seeds", [])) | set(plan.seeds))
    manifest = {
        "name": plan.name,
        "params": params,
        "seeds": seeds,
        "runs": [*kept, *runs.values()],
    }
    path.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return path


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _triage(
    runs: Sequence[RunSpec], out: Path, *, resume: bool
) -> tuple[list[RunSpec], list[RunResult]]:
    """Split into runs to do and complete runs to skip; delete stale files of the former."""
    todo, skipped = [], []
    for spec in runs:
        path = out / f"{spec.run_id}.h5"
        if resume and is_complete(path, spec.config_hash):
            skipped.append(RunResult(spec.run_id, "complete", str(path), skipped=True))
            continue
        path.unlink(missing_ok=True)
        todo.append(spec)
    return todo, skipped


def _submit_all(
    client: Any,
    todo: Sequence[RunSpec],
    out: Path,
    total: int,
    on_progress: Callable[[SweepProgress], None] | None,
) -> dict[str, RunResult]:
    from distributed import as_completed

    t0 = time.perf_counter()
    slots = max(sum(client.nthreads().values()), 1)
    futures = {
        client.submit(
            run_task,
            spec,
            str(out / f"{spec.run_id}.h5"),
            key=f"{spec.run_id}-{uuid.uuid4().hex[:8]}",
        ): spec
        for spec in todo
    }
    results: dict[str, RunResult] = {}
    skipped = total - len(todo)

    def report() -> None:
        if on_progress is None:
            return
        done = len(results)
        failed = sum(r.status != "complete" for r in results.values())
        left = len(todo) - done
        elapsed = time.perf_counter() - t0
        eta = elapsed / done * left if done else None
        on_progress(
            SweepProgress(total, skipped, skipped + done, failed, min(left, slots), elapsed, eta)
        )

    report()
    try:
        for future in as_completed(futures):
            spec = futures[future]
            results[spec.run_id] = _result_of(future, spec, out)
            report()
    except KeyboardInterrupt:
        client.cancel(list(futures))
        for spec in todo:
            results.setdefault(
                spec.run_id,
                RunResult(
                    spec.run_id,
                    "interrupted",
                    str(out / f"{spec.run_id}.h5"),
                    "sweep interrupted before the run finished",
                ),
            )
    return results


def _result_of(future: Any, spec: RunSpec, out: Path) -> RunResult:
    """The task's result, or a failed one when the worker died or the task errored."""
    try:
        return RunResult(**future.result())
    except Exception as err:  # KilledWorker, CancelledError, unpicklable config...
        message = f"{type(err).__name__}: {err}"
        if type(err).__name__ == "KilledWorker":
            message += (
                " (its worker process died: above the per-worker memory limit, or killed;"
                " raise --memory-limit or use fewer --workers)"
            )
        return RunResult(spec.run_id, "failed", str(out / f"{spec.run_id}.h5"), message)


class _client:
    """Context: the given client, one joined by address, or a new LocalCluster's."""

    def __init__(
        self,
        client: Any,
        scheduler: str | None,
        n_workers: int | None,
        memory_limit: str | int | None = None,
    ) -> None:
        self._given, self._scheduler, self._n = client, scheduler, n_workers
        self._memory = "auto" if memory_limit is None else memory_limit
        self._owned: list[Any] = []

    def __enter__(self) -> Any:
        if self._given is not None:
            return self._given
        from distributed import Client, LocalCluster

        if self._scheduler:
            client = Client(self._scheduler)
        else:
            cluster = LocalCluster(
                n_workers=self._n or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                memory_limit=self._memory,
            )
            self._owned.append(cluster)
            client = Client(cluster)
        self._owned.insert(0, client)
        return client

    def __exit__(self, *exc: object) -> None:
        for thing in self._owned:
            thing.close()


def _scenario_module(script: str) -> Any:
    module = importlib.import_module(f"scenarios.{script}")
    if not hasattr(module, "run"):
        raise AttributeError(f"scenarios.{script} has no run(cfg, out=..., progress=...)")
    return module


def _quiet_mosaik() -> None:
    """Keep mosaik's loguru INFO lines out of the worker logs (warnings stay)."""
    try:
        from loguru import logger
    except ImportError:
        return
    logger.remove()
    logger.add(sys.stderr, level="WARNING")
