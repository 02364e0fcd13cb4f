"""Signals a cluster or a user sends to ``cosim run``: what the run file keeps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import h5py
import pytest

from results.reader import open_run

ROOT = Path(__file__).resolve().parents[2]
NOISE = ("never shut down", "Task was destroyed", "Traceback")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _start(out: Path) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "cosim.cli", "run", "scenarios/base.toml", "--until", "60d"]
    cmd += ["--out", str(out), "--no-progress", "--set", "scenario.warmup=0"]
    return subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _peek(out: Path) -> tuple[str, int] | None:
    """(status, rows) of a file being written, or None while it is not readable yet."""
    try:
        with h5py.File(out, "r", locking=False) as f:
            return str(f["meta"].attrs["status"]), len(f["time_s"])
    except (OSError, KeyError):
        return None


def _wait(proc: subprocess.Popen[str], out: Path, ready: Callable[[int], bool]) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        seen = _peek(out)
        if seen is not None and ready(seen[1]):
            return seen[1]
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"run never got ready: {proc.communicate()}")


def test_sigterm_mid_run_keeps_every_completed_step_and_exits_143(tmp_path: Path) -> None:
    out = tmp_path / "term.h5"
    proc = _start(out)
    on_disk = _wait(proc, out, lambda rows: rows > 0)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "interrupted by SIGTERM" in err
    assert not any(n in err for n in NOISE), err
    run = open_run(out)
    assert run.status == "interrupted"
    assert "SIGTERM" in run.meta["message"]
    rows = len(run.time_s)
    assert rows >= on_disk
    assert run.time_s.tolist() == [900 * i for i in range(rows)]  # every step, none lost
    assert f"stopped after t={run.time_s[-1]} s" in run.meta["message"]
    assert run.bus_voltages().notna().all().all()


def test_sigkill_leaves_a_file_that_opens_with_the_flushed_steps(tmp_path: Path) -> None:
    out = tmp_path / "kill.h5"
    proc = _start(out)
    on_disk = _wait(proc, out, lambda rows: rows > 0)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    with h5py.File(out, "r") as f:  # a plain open: no "file is already open for write"
        assert f["grid-0/Area/v_pu"].shape[0] >= on_disk
    run = open_run(out)
    assert run.status == "running"  # nothing can catch SIGKILL; the data is there
    assert len(run.time_s) >= on_disk
    assert run.bus_voltages().notna().all().all()


def test_ctrl_c_during_set_up_leaves_no_running_file(tmp_path: Path) -> None:
    out = tmp_path / "setup.h5"
    proc = _start(out)
    _wait(proc, out, lambda rows: rows == 0)  # the recorder's file exists, the grid is loading
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    # a shell reports 130 both for exit code 130 and for a process ended by SIGINT (-2):
    # Python ends itself by SIGINT when a KeyboardInterrupt surfaces during interpreter
    # shutdown, which a Ctrl-C early in set-up can cause
    assert proc.returncode in (130, -signal.SIGINT), err
    assert "interrupted" in err
    assert not any(n in err for n in NOISE), err
    run = open_run(out)
    assert run.status == "interrupted"
    assert len(run.time_s) == 0
