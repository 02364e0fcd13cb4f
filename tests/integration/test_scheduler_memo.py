"""The scheduler memo changes nothing but time: whole runs with and without it are identical."""

from __future__ import annotations

from pathlib import Path

import mosaik
import mosaik.scheduler
import numpy as np
import pytest

from cosim import scheduler_memo
from cosim.config import load_config
from tests.integration.conftest import ROOT, datasets


def _run_both(module, toml: str, tmp_path: Path, *overrides: str) -> tuple[Path, Path]:
    paths = []
    for memo in (True, False):
        cfg = load_config(
            ROOT / "scenarios" / toml,
            ["scenario.progress=false", f"mosaik.scheduler_memo={str(memo).lower()}", *overrides],
        )
        out = tmp_path / f"memo_{memo}.h5"
        assert module.run(cfg, out=out, progress=False).status == "complete"
        assert scheduler_memo.installed() is memo
        paths.append(out)
    return paths[0], paths[1]


def _assert_same(a: Path, b: Path) -> None:
    da, db = datasets(a), datasets(b)
    assert da.keys() == db.keys()
    for name in da:
        np.testing.assert_array_equal(da[name], db[name], err_msg=name)


def test_full_stack_runs_identically_with_and_without_the_memo(tmp_path: Path) -> None:
    # eight simulators, time-shifted loops, event tables: the widest schedule shipped
    from scenarios import dso_tso

    _assert_same(*_run_both(dso_tso, "dso_tso.toml", tmp_path, 'scenario.until="1d"'))


def test_same_time_loop_runs_identically_with_and_without_the_memo(tmp_path: Path) -> None:
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
    )
    _assert_same(a, b)


def test_unchecked_mosaik_version_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    scheduler_memo.uninstall()
    original = mosaik.scheduler.advance_progress
    monkeypatch.setattr(mosaik, "__version__", "99.0.0")
    assert scheduler_memo.install() is False
    assert mosaik.scheduler.advance_progress is original
    assert not scheduler_memo.installed()
