"""Building blocks shared by scenario scripts: world, recorder, run-file bookkeeping.

Scenario scripts stay the composition root (they wire the port graph); these helpers only
start simulators from the config, attach the recorder and run the world safely.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import threading
import time as wall
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import h5py
import mosaik

from cosim import gc_setup, mosaik_fast, scheduler_memo, sequential, stop
from cosim.config import Config, Starter
from cosim.event_loop import new_event_loop
from cosim.record_select import excluded, role_of
from cosim.registry import sim_config_entry
from cosim.seeding import child_seed
from cosim.starters import watch_starts
from cosim.wire import run_watched, send_numpy, shut_down
from results.recorder import describe_entity
from results.writer import RunStatus
from scenarios.parts import Parts, Recorder

__all__ = [
    "RunOutcome",
    "close_world",
    "default_run_path",
    "make_world",
    "record",
    "run_scenario",
    "run_world",
    "start",
    "start_recorder",
]

log = logging.getLogger(__name__)

#: names of the tasks mosaik keeps per remote simulator: shutdown needs them alive
_CONNECTION_TASKS = ("handle remote requests for ", "Reader task for ")

_PACKAGES = (
    "mosaik",
    "mosaik-api-v3",
    "pandapower",
    "simbench",
    "lightsim2grid",
    "numpy",
    "pandas",
    "h5py",
    "ev-grid-cosim",
)


@dataclass(frozen=True)
class RunOutcome:
    """What a finished (or stopped) run left behind (``path`` is None without recording)."""

    path: Path | None
    status: str
    message: str
    wall_s: float


def default_run_path(cfg: Config) -> Path:
    """``<out_dir>/<name>-<YYYYmmdd-HHMMSS>-seed<seed>.h5``."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(cfg.scenario.out_dir) / f"{cfg.scenario.name}-{stamp}-seed{cfg.scenario.seed}.h5"


def make_world(cfg: Config) -> mosaik.World:
    """A mosaik World whose sim_config holds every role of ``cfg.simulators``.

    With any role in its own process, mosaik also learns to send numpy arrays to it
    (:func:`~cosim.wire.send_numpy`) and waits ``mosaik.start_timeout_s`` for it to start;
    ``mosaik.stop_timeout_s`` bounds the shutdown (:func:`~cosim.wire.shut_down`).
    """
    sim_config: dict[str, Any] = {
        role: sim_config_entry(choice.impl, choice.starter.value)
        for role, choice in cfg.simulators.items()
    }
    if cfg.mosaik.scheduler_memo:
        scheduler_memo.install()
    else:
        scheduler_memo.uninstall()
    if cfg.mosaik.fast_paths:
        mosaik_fast.install()
    else:
        mosaik_fast.uninstall()
    if cfg.mosaik.sequential:
        sequential.install()
    else:
        sequential.uninstall()
    if any(choice.starter != Starter.PYTHON for choice in cfg.simulators.values()):
        send_numpy()
        sim_config = watch_starts(sim_config)
    return mosaik.World(
        sim_config,
        mosaik_config={
            "start_timeout": cfg.mosaik.start_timeout_s,
            "stop_timeout": cfg.mosaik.stop_timeout_s,
        },
        skip_greetings=True,
        configure_logging=False,
        asyncio_loop=new_event_loop(cfg.mosaik.event_loop),
    )


def start(world: mosaik.World, cfg: Config, role: str, **params: Any) -> Any:
    """Start the simulator of ``role`` with the scenario's time base and its own seed."""
    return world.start(
        role,
        step_s=cfg.scenario.step_s,
        start=cfg.scenario.sim_start,
        seed=child_seed(cfg.scenario.seed, role),
        **params,
    )


def start_recorder(world: mosaik.World, cfg: Config, path: Path, raw_toml: str = "") -> Recorder:
    """Start the recorder writing to ``path``; returns (sim, entity)."""
    meta = {
        "scenario": cfg.scenario.name,
        "seed": cfg.scenario.seed,
        "start": cfg.scenario.sim_start,
        "step_s": cfg.scenario.step_s,
        "warmup_s": cfg.scenario.warmup_s,
        "until_s": cfg.scenario.end_s,
        "config_json": json.dumps(cfg.to_toml_dict()),
        "config_toml": raw_toml,
        "versions": _versions(),
        "git_commit": _git_commit(),
    }
    sim = world.start(
        "recorder",
        path=str(path),
        step_s=cfg.scenario.step_s,
        until_s=cfg.scenario.end_s,
        record_from_s=cfg.scenario.warmup_s,
        buffer_steps=cfg.record.buffer_steps,
        flush_s=cfg.record.flush_s,
        float32=cfg.record.float32,
        compression=cfg.record.compression.value,
        meta=meta,
    )
    return Recorder(sim, sim.Recorder(), tuple(cfg.record.exclude))


def record(
    world: mosaik.World,
    recorder: Recorder,
    entities: Sequence[Any],
    attrs: Sequence[str],
    *,
    columns: Sequence[Any] | None = None,
) -> None:
    """Record ``attrs`` of ``entities``; ``columns`` labels the elements of array ports.

    Series the recorder's ``exclude`` patterns name (``record.exclude``) are left out.
    """
    sim, rec, exclude = recorder
    kept = [(e, [a for a in attrs if not excluded(exclude, role_of(e.sid), a)]) for e in entities]
    kept = [(e, a) for e, a in kept if a]
    if not kept:
        return
    labelled = None if columns is None else attrs
    sim.describe([describe_entity(e, columns=columns, attrs=labelled) for e, _ in kept])
    for entity, entity_attrs in kept:
        world.connect(entity, rec, *entity_attrs)


def run_world(
    world: mosaik.World,
    cfg: Config,
    path: Path | None,
    *,
    until_s: int,
    progress: bool = True,
    after_run: Callable[[], None] | None = None,
) -> RunOutcome:
    """Run ``world``, shut it down whatever happens, then settle the run file's status.

    A run that raises is marked ``failed`` with the error (also when a simulator's own
    process ends early: :class:`~cosim.wire.SimulatorExitedError`); one stopped early by an
    interrupt (Ctrl-C, or SIGTERM turned into ``KeyboardInterrupt`` by the CLI) is marked
    ``interrupted``. Either way the file keeps every completed step and the error is
    re-raised. ``path`` is None when nothing is recorded. ``after_run`` is called after a
    successful run while every simulator is still up (e.g. to fetch event tables with
    extra methods and hand them to the recorder).
    """
    t0 = wall.perf_counter()
    error: BaseException | None = None
    try:
        stop.raise_if_requested()
        with _progress_bar(world, until_s, enabled=progress), gc_setup.frozen_for_run():
            world.loop.run_until_complete(run_watched(world, until_s=until_s))
        if after_run is not None:
            after_run()
    except (Exception, KeyboardInterrupt) as err:
        error = stop.as_interrupt(err)
    finally:
        close_world(world)
    status, message = _settle_status(path, error)
    outcome = RunOutcome(path, status, message, wall.perf_counter() - t0)
    if error is not None:
        raise error
    return outcome


def run_scenario(
    build: Callable[..., Parts],
    cfg: Config,
    *,
    out: Path | None = None,
    raw_toml: str = "",
    progress: bool = True,
    after_run: Callable[[Parts, Recorder | None], None] | None = None,
) -> RunOutcome:
    """Start a world, let ``build(world, cfg, recorder=...)`` wire it, run it to the end.

    ``after_run(parts, recorder)`` gets the :class:`~scenarios.parts.Parts` ``build``
    returned once the run succeeded, while every simulator is still up (e.g. to file event
    tables with the recorder).
    An error or interrupt during set-up shuts the world down and settles the file too.
    With ``record.enabled = false`` nothing is written and the outcome's path is None.
    """
    path = (out or default_run_path(cfg)) if cfg.record.enabled else None
    world = make_world(cfg)
    try:
        recorder = start_recorder(world, cfg, path, raw_toml) if path is not None else None
        parts = build(world, cfg, recorder=recorder)
        from scenarios.roles import add_roles  # imports this module

        add_roles(world, cfg, parts=parts, recorder=recorder)
        stop.raise_if_requested()  # a Ctrl-C that a library swallowed during set-up
    except (Exception, KeyboardInterrupt) as err:
        close_world(world)
        error = stop.as_interrupt(err)
        _settle_status(path, error)
        if error is err:
            raise
        raise error from err
    return run_world(
        world,
        cfg,
        path,
        until_s=cfg.scenario.end_s,
        progress=progress and cfg.scenario.progress,
        after_run=None if after_run is None else lambda: after_run(parts, recorder),
    )


def close_world(world: mosaik.World) -> None:
    """Cancel what an error left running in the world's loop, then shut every simulator down.

    An exception or interrupt escaping ``world.run`` (or ``world.start``) leaves mosaik's
    tasks pending; cancelling and awaiting them first is what ``asyncio.run`` does, and it
    keeps "Task was destroyed but it is pending!" and "AsyncWorld was never shut down"
    away. Shutting down calls every simulator's ``finalize`` (the recorder closes its file),
    also when one of them cannot be stopped because its process died.
    """
    loop = world.loop
    if loop.is_closed():
        return
    pending = [
        t
        for t in asyncio.all_tasks(loop)
        if not t.done() and not t.get_name().startswith(_CONNECTION_TASKS)
    ]
    for task in pending:
        task.cancel()
    try:
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        shut_down(world)
    except Exception as err:  # a simulator failing to stop must not hide the run's error
        log.warning("shutting the simulators down: %s: %s", type(err).__name__, err)
        if not loop.is_closed():
            loop.close()


@contextmanager
def _progress_bar(world: mosaik.World, until_s: int, *, enabled: bool) -> Iterator[None]:
    """A tqdm bar on stderr in simulated days, with the rate in days/s and an ETA.

    mosaik's own bar counts simulated seconds; this one polls the scheduler's progress
    from a thread twice a second, so it costs the simulation nothing. Off unless
    ``enabled`` and stderr is a terminal.
    """
    if not (enabled and sys.stderr.isatty() and until_s > 0):
        yield
        return
    from tqdm import tqdm

    total_d = until_s / 86_400
    bar = tqdm(
        total=round(total_d, 2),
        unit="d",
        file=sys.stderr,
        bar_format="{l_bar}{bar}| {n:.1f}/{total:.1f} simulated days "
        "[{elapsed}<{remaining}, {rate_fmt}]",
        dynamic_ncols=True,
    )
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.5):
            done = getattr(world._async_world, "sim_progress", 0.0) / 100 * total_d
            bar.update(round(min(done, total_d), 2) - bar.n)

    thread = threading.Thread(target=poll, name="cosim-progress", daemon=True)
    thread.start()
    try:
        yield
        bar.update(bar.total - bar.n)
    finally:
        stop.set()
        thread.join()
        bar.close()


def _settle_status(path: Path | None, error: BaseException | None) -> tuple[str, str]:
    """The run's final status and message, also written to the file's ``/meta``.

    Never leaves ``running``: whatever the recorder managed to write, the status is
    ``failed``, ``interrupted`` or ``complete`` afterwards.
    """
    if path is None:
        if error is None:
            return RunStatus.COMPLETE, "recording disabled (record.enabled = false)"
        return _status_for(error, RunStatus.FAILED, "")
    if not path.is_file():
        return RunStatus.FAILED, str(error or "no results file was written")
    try:
        with h5py.File(path, "a") as f:
            status = str(f["meta"].attrs.get("status", RunStatus.FAILED))
            status, message = _status_for(error, status, str(f["meta"].attrs.get("message", "")))
            f["meta"].attrs["status"] = status
            f["meta"].attrs["message"] = message
    except (OSError, KeyError) as err:  # disk full, or the file never got its /meta
        log.warning("could not set the status of %s: %s", path, err)
        return _status_for(error, RunStatus.FAILED, str(err))
    return status, message


def _status_for(error: BaseException | None, status: str, message: str) -> tuple[str, str]:
    if isinstance(error, KeyboardInterrupt):
        by = str(error) or "the user (Ctrl-C)"
        return RunStatus.INTERRUPTED, f"interrupted by {by}; {message}".rstrip("; ")
    if error is not None:
        return RunStatus.FAILED, f"{type(error).__name__}: {error}"
    if status in (RunStatus.INCOMPLETE, RunStatus.RUNNING):
        return RunStatus.INTERRUPTED, f"run stopped early (interrupted); {message}".rstrip("; ")
    return status, message


def _versions() -> dict[str, str]:
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _git_commit() -> str:
    try:
        res = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).resolve().parent,
            check=False,
        )
    except OSError:
        return ""
    return res.stdout.strip()
