"""The HDF5 run writer: rows round-trip, a killed writer leaves a readable file, a full
disk ends the recording with one clear error and keeps what was written."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from results import writer as writer_mod
from results.reader import open_run
from results.writer import RecordingError, RunWriter, SeriesSpec

META = {"step_s": 900, "start": "2016-06-06T00:00:00+02:00"}
Usage = namedtuple("Usage", "total used free")


def _writer(path: Path, **kw: object) -> RunWriter:
    w = RunWriter(path, meta=META, **kw)  # type: ignore[arg-type]
    w.declare("v", SeriesSpec("grid", "v_pu", 3, ["7", "8", "288"], "p.u.", {"attr": "v_pu"}))
    return w


@settings(max_examples=25, deadline=None)
@given(n_rows=st.integers(0, 40), buffer_steps=st.integers(1, 12))
def test_every_row_written_is_read_back(tmp_path_factory, n_rows, buffer_steps) -> None:
    path = tmp_path_factory.mktemp("w") / "run.h5"
    w = _writer(path, buffer_steps=buffer_steps, flush_s=1e9)
    rows = np.arange(n_rows * 3, dtype=np.float32).reshape(n_rows, 3)
    for t, row in enumerate(rows):
        w.write_row(900 * t, {"v": row})
    w.close("complete")
    with h5py.File(path, "r") as f:
        assert f["time_s"][:].tolist() == [900 * t for t in range(n_rows)]
        np.testing.assert_array_equal(f["grid/v_pu"][:], rows)
        assert list(f["grid/v_pu"].attrs["columns"]) == ["7", "8", "288"]


def test_rows_reach_the_disk_every_flush_interval(tmp_path: Path) -> None:
    """A writer killed (os._exit, like SIGKILL) after 5 rows with ``flush_s=0``."""
    path = tmp_path / "killed.h5"
    child = f"""
import os, sys
sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
from results.writer import RunWriter, SeriesSpec
w = RunWriter({str(path)!r}, buffer_steps=1000, flush_s=0.0, meta={META!r})
w.declare("v", SeriesSpec("grid", "v_pu", 3, ["7", "8", "288"], "p.u.", {{"attr": "v_pu"}}))
for t in range(5):
    w.write_row(900 * t, {{"v": [1.0, 1.0, float(t)]}})
os.kill(os.getpid(), {int(signal.SIGKILL)})
"""
    res = subprocess.run([sys.executable, "-c", child], capture_output=True, timeout=60)
    assert res.returncode == -signal.SIGKILL, res.stderr
    with h5py.File(path, "r") as f:  # opens: no "already open for write" flag
        assert f["meta"].attrs["status"] == "running"
    run = open_run(path)
    assert run.time_s.tolist() == [0, 900, 1800, 2700, 3600]
    assert run.series("grid/v_pu")["288"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_full_disk_raises_once_and_keeps_the_earlier_flushes(tmp_path, monkeypatch) -> None:
    path = tmp_path / "full.h5"
    w = _writer(path, buffer_steps=2, flush_s=1e9)
    for t in range(4):
        w.write_row(900 * t, {"v": [1.0, 1.0, 1.0]})
    monkeypatch.setattr(writer_mod.shutil, "disk_usage", lambda _: Usage(10**9, 10**9, 4096))
    w.write_row(4 * 900, {"v": [2.0, 2.0, 2.0]})
    with pytest.raises(RecordingError, match=r"disk full .* keeps the 4 step"):
        w.write_row(5 * 900, {"v": [2.0, 2.0, 2.0]})
    with pytest.raises(RecordingError):
        w.write_row(6 * 900, {"v": [2.0, 2.0, 2.0]})
    w.close("complete")  # no second error: the status says what happened
    run = open_run(path)
    assert run.status == "failed" and "disk full" in run.meta["message"]
    assert run.time_s.tolist() == [0, 900, 1800, 2700]


def test_write_error_from_hdf5_becomes_a_recording_error(tmp_path, monkeypatch) -> None:
    path = tmp_path / "eio.h5"
    w = _writer(path, buffer_steps=1, flush_s=1e9)
    w.write_row(0, {"v": [1.0, 1.0, 1.0]})

    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(w, "_write", no_space)
    with pytest.raises(RecordingError, match="disk full"):
        w.write_row(900, {"v": [1.0, 1.0, 1.0]})
    w.close("complete")
    assert open_run(path).time_s.tolist() == [0]


def test_progress_bar_counts_simulated_days(monkeypatch) -> None:
    import io
    from types import SimpleNamespace

    from scenarios import common

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Tty()
    monkeypatch.setattr(common.sys, "stderr", err)
    world = SimpleNamespace(_async_world=SimpleNamespace(sim_progress=50.0))
    with common._progress_bar(world, 10 * 86_400, enabled=True):
        world._async_world.sim_progress = 100.0
    assert "10.0/10.0 simulated days" in err.getvalue()
    assert "d/s" in err.getvalue()
    err.truncate(0)
    with common._progress_bar(world, 10 * 86_400, enabled=False):
        pass
    assert err.getvalue() == ""


def test_background_writes_give_the_same_file_and_raise_a_failed_write_later(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(writer_mod, "_BACKGROUND_MIN_B", 0)  # every flush to the thread
    rows = np.random.default_rng(0).random((25, 3))
    files = {}
    for background in (False, True):
        path = tmp_path / f"bg{background}.h5"
        w = _writer(path, buffer_steps=4, flush_s=1e9, background=background)
        for k, row in enumerate(rows):
            w.write_row(900 * k, {"v": row})
        w.close("complete")
        with h5py.File(path, "r") as f:
            files[background] = (f["time_s"][:], f["grid/v_pu"][:])
    np.testing.assert_array_equal(files[True][0], files[False][0])
    np.testing.assert_array_equal(files[True][1], files[False][1])
    assert len(files[True][0]) == len(rows)

    path = tmp_path / "bg_fail.h5"
    w = _writer(path, buffer_steps=1, flush_s=1e9, background=True)
    w.write_row(0, {"v": rows[0]})
    w.sync()

    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(w, "_write", no_space)
    w.write_row(900, {"v": rows[1]})  # handed to the writer thread, which fails
    with pytest.raises(RecordingError, match="disk full"):
        w.sync()
    w.close("complete")
    run = open_run(path)
    assert run.time_s.tolist() == [0]
    assert run.status == "failed"


@pytest.mark.parametrize("compression", ["gzip", "lzf", "none"])
def test_every_compression_reads_back_the_same_rows(tmp_path: Path, compression: str) -> None:
    path = tmp_path / f"{compression}.h5"
    w = _writer(path, buffer_steps=4, flush_s=1e9, compression=compression)
    rows = np.linspace(0.9, 1.1, 30, dtype=np.float32).reshape(10, 3)
    for t, row in enumerate(rows):
        w.write_row(900 * t, {"v": row})
    w.close("complete")
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(f["grid/v_pu"][:], rows)
        assert f["grid/v_pu"].compression == (None if compression == "none" else compression)


def test_unknown_compression_names_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"record\.compression = 'zstd': choose one of gzip, lzf"):
        _writer(tmp_path / "run.h5", compression="zstd")


@settings(max_examples=25, deadline=None)
@given(
    n_rows=st.integers(1, 30),
    buffer_steps=st.integers(1, 8),
    declared_at=st.lists(st.integers(0, 29), min_size=18, max_size=40),  # widened past 16
    background=st.booleans(),
)
def test_one_column_series_declared_mid_run_read_back(
    tmp_path_factory, n_rows, buffer_steps, declared_at, background
) -> None:
    # one-column series share one buffer matrix, widened as series are declared mid-run;
    # each is written either in write_row's columns or by key, and reads back on its own
    path = tmp_path_factory.mktemp("w") / "run.h5"
    w = _writer(path, buffer_steps=buffer_steps, flush_s=1e9, background=background)
    expected = np.full((n_rows, len(declared_at)), np.nan, dtype=np.float32)
    for t in range(n_rows):
        for i, at in enumerate(declared_at):
            if at == t:
                w.declare(f"s{i}", SeriesSpec("one", f"s{i}", 1, ["x"], "kW", {}))
        live = [i for i, at in enumerate(declared_at) if at <= t]
        columns = [np.nan] * (max((w.column(f"s{i}") for i in live), default=-1) + 1)
        by_key = {}
        for i in live:
            value = float(100 * t + i)
            if i % 2:
                columns[w.column(f"s{i}")] = value
            else:
                by_key[f"s{i}"] = value
            expected[t, i] = value
        w.write_row(900 * t, {"v": np.zeros(3), **by_key}, columns)
    w.close("complete")
    with h5py.File(path, "r") as f:
        for i, at in enumerate(declared_at):
            if at < n_rows:
                np.testing.assert_array_equal(f[f"one/s{i}"][:, 0], expected[:, i])
