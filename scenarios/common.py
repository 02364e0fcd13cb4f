"""Building blocks shared by scenario scripts: world, recorder, run-file bookkeeping.

Scenario scripts stay the composition root (they wire the port graph); these helpers only
start simulators from the config, attach the recorder and run the world safely.
"""

from __future__ import annotations

import json
import logging
import subprocess
import time as wall
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import h5py
import mosaik

from cosim.config import Config
from cosim.registry import sim_config_entry
from cosim.seeding import child_seed
from results.recorder import describe_entity
from results.writer import RunStatus

__all__ = [
    "RunOutcome",
    "default_run_path",
    "make_world",
    "record",
    "run_scenario",
    "run_world",
    "start",
    "start_recorder",
]

log = logging.getLogger(__name__)

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
    """What a finished (or stopped) run left behind."""

    path: Path
    status: str
    message: str
    wall_s: float


def default_run_path(cfg: Config) -> Path:
    """``<out_dir>/<name>-<YYYYmmdd-HHMMSS>-seed<seed>.h5``."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(cfg.scenario.out_dir) / f"{cfg.scenario.name}-{stamp}-seed{cfg.scenario.seed}.h5"


def make_world(cfg: Config) -> mosaik.World:
    """A mosaik World whose sim_config holds every role of ``cfg.simulators``."""
    sim_config: dict[str, Any] = {
        role: sim_config_entry(choice.impl, choice.starter.value)
        for role, choice in cfg.simulators.items()
    }
    return mosaik.World(sim_config, skip_greetings=True, configure_logging=False)


def start(world: mosaik.World, cfg: Config, role: str, **params: Any) -> Any:
    """Start the simulator of ``role`` with the scenario's time base and its own seed."""
    return world.start(
        role,
        step_s=cfg.scenario.step_s,
        start=cfg.scenario.sim_start,
        seed=child_seed(cfg.scenario.seed, role),
        **params,
    )


def start_recorder(world: mosaik.World, cfg: Config, path: Path, raw_toml: str = "") -> Any:
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
        float32=cfg.record.float32,
        meta=meta,
    )
    return sim, sim.Recorder()


def record(
    world: mosaik.World,
    recorder: tuple[Any, Any],
    entities: Sequence[Any],
    attrs: Sequence[str],
    *,
    columns: Sequence[Any] | None = None,
) -> None:
    """Record ``attrs`` of ``entities``; ``columns`` labels the elements of array ports."""
    sim, rec = recorder
    sim.describe([describe_entity(e, columns=columns) for e in entities])
    for entity in entities:
        world.connect(entity, rec, *attrs)


def run_world(
    world: mosaik.World,
    cfg: Config,
    path: Path,
    *,
    until_s: int,
    progress: bool = True,
    after_run: Callable[[], None] | None = None,
) -> RunOutcome:
    """Run ``world`` inside its context so every simulator finalises, then settle the status.

    A run that raises is marked ``failed`` with the error; one stopped early without an
    error (Ctrl-C) is marked ``interrupted``. Either way the file keeps every completed step.
    ``after_run`` is called after a successful run while every simulator is still up
    (e.g. to fetch event tables with extra methods and hand them to the recorder).
    """
    t0 = wall.perf_counter()
    error: BaseException | None = None
    try:
        with world:
            world.run(until=until_s, print_progress=progress)
            if after_run is not None:
                after_run()
    except (Exception, KeyboardInterrupt) as err:
        error = err
    status, message = _settle_status(path, error)
    outcome = RunOutcome(path, status, message, wall.perf_counter() - t0)
    if error is not None:
        raise error
    return outcome


def run_scenario(
    build: Callable[[mosaik.World, Config, tuple[Any, Any] | None], Any],
    cfg: Config,
    *,
    out: Path | None = None,
    raw_toml: str = "",
    progress: bool = True,
    after_run: Callable[[Any, tuple[Any, Any] | None], None] | None = None,
) -> RunOutcome:
    """Start a world, let ``build`` wire it, run it to the end of the horizon.

    ``after_run(parts, recorder)`` gets what ``build`` returned once the run succeeded,
    while every simulator is still up (e.g. to file event tables with the recorder).
    """
    path = out or default_run_path(cfg)
    world = make_world(cfg)
    recorder = start_recorder(world, cfg, path, raw_toml) if cfg.record.enabled else None
    parts = build(world, cfg, recorder)
    return run_world(
        world,
        cfg,
        path,
        until_s=cfg.scenario.end_s,
        progress=progress and cfg.scenario.progress,
        after_run=None if after_run is None else lambda: after_run(parts, recorder),
    )


def _settle_status(path: Path, error: BaseException | None) -> tuple[str, str]:
    if not path.is_file():
        return RunStatus.FAILED, str(error or "no results file was written")
    with h5py.File(path, "a") as f:
        status = str(f["meta"].attrs.get("status", RunStatus.FAILED))
        message = str(f["meta"].attrs.get("message", ""))
        if isinstance(error, KeyboardInterrupt):
            status, message = RunStatus.INTERRUPTED, f"interrupted by the user; {message}"
        elif error is not None:
            status, message = RunStatus.FAILED, f"{type(error).__name__}: {error}"
        elif status in (RunStatus.INCOMPLETE, RunStatus.RUNNING):
            status = RunStatus.INTERRUPTED
            message = f"run stopped early (interrupted); {message}".rstrip("; ")
        f["meta"].attrs["status"] = status
        f["meta"].attrs["message"] = message
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
