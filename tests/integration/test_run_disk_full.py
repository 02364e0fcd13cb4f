"""A full disk mid-run ends ``cosim run`` with one ``error:`` line, exit 1 and a readable
file holding the steps written before."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import pytest

from cosim.cli import main
from results import writer as writer_mod
from results.reader import open_run

ROOT = Path(__file__).resolve().parents[2]
Usage = namedtuple("Usage", "total used free")


def test_disk_full_mid_run_is_one_error_line(tmp_path: Path, monkeypatch, capsys) -> None:
    calls = iter(range(10**6))
    real = shutil.disk_usage

    def filling_up(path: str) -> Usage:  # free space runs out at the third flush
        return real(path) if next(calls) < 2 else Usage(10**9, 10**9, 0)

    monkeypatch.setattr(writer_mod.shutil, "disk_usage", filling_up)
    out = tmp_path / "full.h5"
    code = main(
        [
            "run", str(ROOT / "scenarios" / "base.toml"), "--until", "2d", "--out", str(out),
            "--no-progress", "--set", "scenario.warmup=0", "--set", "record.buffer_steps=24",
        ]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert [line for line in err.splitlines() if line.strip()] == [
        line for line in err.splitlines() if line.startswith("error: disk full")
    ], err
    run = open_run(out)
    assert run.status == "failed" and "disk full" in run.meta["message"]
    assert 0 < len(run.time_s) < 192
    assert run.time_s.tolist() == [900 * i for i in range(len(run.time_s))]
    assert run.bus_voltages().notna().all().all()


def test_real_tiny_tmpfs(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        res = subprocess.run(
            [sys.executable, "-m", "cosim.cli", "run", "scenarios/base.toml", "--until", "60d",
             "--out", str(disk / "run.h5"), "--no-progress", "--set", "scenario.warmup=0"],
            capture_output=True, text=True, cwd=ROOT, timeout=300,
        )  # fmt: skip
        assert res.returncode == 1, res.stderr
        assert res.stderr.startswith("error: disk full") and "Traceback" not in res.stderr
        assert open_run(disk / "run.h5").status == "failed"
    finally:
        subprocess.run(["umount", str(disk)], check=False)
