"""Simulators in their own process: any mix of starters gives the in-process results, and a
simulator process that dies ends the run with a clear error and a readable, failed file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cosim.wire import SimulatorExitedError, send_numpy
from results.reader import open_run
from scenarios import base
from tests.integration.conftest import ROOT, base_config, datasets

DAY = 'scenario.until="1d"'


def _cmd(*roles: str) -> list[str]:
    return [f'simulators.{role}.starter="cmd"' for role in roles]


def _run(tmp_path: Path, name: str, *overrides: str) -> dict[str, np.ndarray]:
    outcome = base.run(base_config(DAY, *overrides), out=tmp_path / f"{name}.h5", progress=False)
    assert outcome.status == "complete" and outcome.path is not None
    return datasets(outcome.path)


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    return _run(tmp_path_factory.mktemp("ref"), "ref")


def _assert_same(expected: dict[str, np.ndarray], got: dict[str, np.ndarray]) -> None:
    assert expected.keys() == got.keys()
    for name in expected:
        np.testing.assert_array_equal(expected[name], got[name], err_msg=name)


@pytest.mark.slow
@pytest.mark.parametrize("role", ["ev_fleet", "evse", "grid", "recorder"])
def test_one_simulator_out_of_process_gives_the_in_process_run(
    role: str, in_process: dict[str, np.ndarray], tmp_path: Path
) -> None:
    _assert_same(in_process, _run(tmp_path, role, *_cmd(role)))


@pytest.mark.slow
def test_two_out_two_in_gives_the_in_process_run(
    in_process: dict[str, np.ndarray], tmp_path: Path
) -> None:
    _assert_same(in_process, _run(tmp_path, "mixed", *_cmd("ev_fleet", "grid")))


@given(
    hnp.arrays(
        st.sampled_from([np.float32, np.float64, np.int64, np.bool_]),
        hnp.array_shapes(min_dims=0, max_dims=2, max_side=4),
    )
)
def test_numpy_values_cross_the_wire_as_json_safe_adapters_send_them(arr: np.ndarray) -> None:
    from mosaik_api_v3.connection import encode

    send_numpy()
    sent = encode({"a": arr, "s": arr.dtype.type(0)})
    decoded = json.loads(sent[4:].decode())
    assert decoded == json.loads(json.dumps({"a": arr.tolist(), "s": arr.dtype.type(0).item()}))


def test_the_error_names_the_simulator_and_how_it_ended() -> None:
    err = SimulatorExitedError(sid="evse-0", returncode=-signal.SIGKILL)
    assert "evse-0" in str(err) and "'evse'" in str(err) and "SIGKILL" in str(err)
    assert "exited with code 3" in str(SimulatorExitedError(sid="grid-0", returncode=3))


def _child(parent: int, module: str, *, timeout_s: float) -> int:
    psutil = pytest.importorskip("psutil")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for proc in psutil.Process(parent).children():
            if module in proc.cmdline():
                return proc.pid
        time.sleep(0.2)
    pytest.fail(f"no child process {module} after {timeout_s} s")


def _wait_for_steps(path: Path, proc: subprocess.Popen[str], *, timeout_s: float) -> None:
    """Until the run file lists a recorded step: the run is past its set-up."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if len(open_run(path).time_s):
                return
        except Exception:  # not written yet, or caught mid-flush: look again
            pass
        time.sleep(0.2)
    pytest.fail(f"the run recorded no step within {timeout_s} s (exit code {proc.poll()})")


@pytest.mark.slow
def test_a_killed_simulator_process_ends_the_run_with_a_failed_file(tmp_path: Path) -> None:
    out = tmp_path / "killed.h5"
    args = ["--until", "60d", "--no-progress", "--out", str(out), "--set", *_cmd("evse")]
    args += ["--set", "record.buffer_steps=1"]  # every step reaches the file at once
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.Popen(
        [sys.executable, "-m", "cosim.cli", "run", "scenarios/base.toml", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        evse = _child(run.pid, "simulators.evse", timeout_s=60)
        _wait_for_steps(out, run, timeout_s=60)
        os.kill(evse, signal.SIGKILL)
        _, stderr = run.communicate(timeout=20)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    assert run.returncode == 1, stderr
    assert "error: simulator evse-0 (role 'evse'" in stderr
    assert "SIGKILL" in stderr
    result = open_run(out)
    assert result.status == "failed"
    assert "evse-0" in result.meta["message"]
    assert 0 < len(result.time_s) < 60 * 96


def test_a_simulator_process_dying_at_start_ends_the_run_at_once(tmp_path: Path) -> None:
    """Not after ``mosaik.start_timeout_s`` (two minutes): the error names the simulator,
    its exit code and the phase, and the results file is not left ``running``."""
    out = tmp_path / "dead.h5"
    impl = 'simulators.evse={impl="tests.integration.dying_sim:Sim",starter="cmd"}'
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "cosim.cli",
            "run",
            "scenarios/base.toml",
            "--no-progress",
            "--until",
            "1d",
            "--out",
            str(out),
            "--set",
            impl,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=90,  # a hang detector only: the default start timeout is 120 s
    )
    assert run.returncode == 1, run.stderr
    assert "error: simulator evse-0 (role 'evse'" in run.stderr
    assert "exited with code 3 while it was starting" in run.stderr
    if out.exists():
        assert open_run(out).status == "failed"
