"""mosaik's speed-ups change nothing but time: whole runs with and without them are identical.

The speed-ups are the scheduler memo (:mod:`cosim.scheduler_memo`), the fast paths of time
arithmetic and in-process calls (:mod:`cosim.mosaik_fast`), the sequential scheduler of
in-process worlds (:mod:`cosim.sequential`) and the uvloop event loop
(:mod:`cosim.event_loop`); every run below is made once with all of them and once with
mosaik as it is, and every dataset must be equal.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import mosaik
import mosaik.scheduler
import numpy as np
import pytest
from mosaik.tiered_time import TieredTime

from cosim import mosaik_fast, scheduler_memo, sequential
from cosim.config import load_config
from cosim.errors import ConfigError
from cosim.event_loop import loop_name, new_event_loop
from tests.integration.conftest import ROOT, datasets

_ON = (
    "mosaik.scheduler_memo=true",
    "mosaik.fast_paths=true",
    "mosaik.sequential=true",
    'mosaik.event_loop="uvloop"',
)
_OFF = (
    "mosaik.scheduler_memo=false",
    "mosaik.fast_paths=false",
    "mosaik.sequential=false",
    'mosaik.event_loop="asyncio"',
)


def _run_both(
    module, toml: str, tmp_path: Path, *overrides: str, schedule: str = "sequential"
) -> tuple[Path, Path]:
    paths = []
    for on, settings in ((True, _ON), (False, _OFF)):
        cfg = load_config(
            ROOT / "scenarios" / toml, ["scenario.progress=false", *settings, *overrides]
        )
        out = tmp_path / f"speedups_{on}.h5"
        assert module.run(cfg, out=out, progress=False).status == "complete"
        assert scheduler_memo.installed() is on
        assert mosaik_fast.installed() is on
        assert sequential.installed() is on
        if on:
            assert sequential.last_schedule() == schedule
        paths.append(out)
    return paths[0], paths[1]


def _assert_same(a: Path, b: Path) -> None:
    da, db = datasets(a), datasets(b)
    assert da.keys() == db.keys()
    for name in da:
        np.testing.assert_array_equal(da[name], db[name], err_msg=name)


def test_full_stack_runs_identically_with_and_without_the_speedups(tmp_path: Path) -> None:
    # eight simulators, time-shifted loops, event tables: the widest schedule shipped
    from scenarios import dso_tso

    _assert_same(*_run_both(dso_tso, "dso_tso.toml", tmp_path, 'scenario.until="1d"'))


def test_same_time_loop_runs_identically_with_and_without_the_speedups(tmp_path: Path) -> None:
    # Q(V) on this step's voltage: two-tier times, several iterations in one step
    from scenarios import base

    a, b = _run_both(
        base,
        "base.toml",
        tmp_path,
        'scenario.until="1d"',
        "fleet.evs_per_household=1.5",
        "evse.q_mode=qv",
        "evse.qv_loop=same_step",
        schedule="mosaik (simulator grid-0 is in a same-time loop)",
    )
    _assert_same(a, b)


@pytest.mark.parametrize("module", [scheduler_memo, mosaik_fast, sequential])
def test_unchecked_mosaik_version_is_left_alone(module, monkeypatch: pytest.MonkeyPatch) -> None:
    module.uninstall()
    originals = (
        mosaik.scheduler.advance_progress,
        mosaik.scheduler.run,
        TieredTime.__dict__["__gt__"],
    )
    monkeypatch.setattr(mosaik, "__version__", "99.0.0")
    assert module.install() is False
    assert (
        mosaik.scheduler.advance_progress,
        mosaik.scheduler.run,
        TieredTime.__dict__["__gt__"],
    ) == originals
    assert not module.installed()


def test_event_loop_choice() -> None:
    for name, kind in (("uvloop", "uvloop"), ("asyncio", "asyncio"), ("auto", "uvloop")):
        loop = new_event_loop(name)
        try:
            assert loop_name(loop) == kind
            assert asyncio.get_event_loop() is loop
        finally:
            loop.close()


def test_missing_uvloop_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "uvloop" else real(name, *a)
    )
    with pytest.raises(ConfigError, match="uvloop is not installed"):
        load_config(ROOT / "scenarios" / "base.toml", ['mosaik.event_loop="uvloop"'])
