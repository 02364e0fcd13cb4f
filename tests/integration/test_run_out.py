"""``cosim run --out`` never clobbers a file that is not a run, takes folders, and a run
without recording succeeds; recorded columns carry the real element ids."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import h5py
import pytest

from cosim.cli import UsageError, _out_path, main
from results.reader import open_run
from tests.integration.conftest import base_config

ROOT = Path(__file__).resolve().parents[2]


def _cosim(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "cosim.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_out_refuses_a_file_that_is_not_a_run(tmp_path: Path, capsys) -> None:
    config = tmp_path / "base.toml"
    config.write_text((ROOT / "scenarios" / "base.toml").read_text())
    before = config.read_bytes()
    for extra in ([], ["--force"]):
        assert main(["run", str(config), "--out", str(config), "--until", "1h", *extra]) == 2
        err = capsys.readouterr().err
        assert "is not a results file" in err and "Traceback" not in err
    assert config.read_bytes() == before


def test_out_overwrites_a_run_only_with_force(tmp_path: Path) -> None:
    old = tmp_path / "old.h5"
    with h5py.File(old, "w") as f:
        f.create_group("meta").attrs["status"] = "complete"
    cfg = base_config()
    with pytest.raises(UsageError, match="--force"):
        _out_path(str(old), cfg, force=False)
    assert _out_path(str(old), cfg, force=True) == old
    assert _out_path(str(tmp_path), cfg, force=False).parent == tmp_path
    named = _out_path(f"{tmp_path}/new/", cfg, force=False)
    assert named.parent == tmp_path / "new" and named.name.startswith("base-")


def test_out_folder_gets_the_default_name_and_columns_are_ids(tmp_path: Path) -> None:
    folder = tmp_path / "study"
    res = _cosim(
        "run", "scenarios/base.toml", "--until", "2h", "--out", f"{folder}/", "--no-progress",
        "--set", "scenario.warmup=0",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    (path,) = folder.glob("base-*-seed42.h5")
    run = open_run(path)
    bus_ids = [str(b) for b in run.table("bus")["bus_id"]]
    assert list(run.bus_voltages().columns) == bus_ids
    assert bus_ids[-1] == "288"  # the slack bus of 1-LV-rural2, not its position 96
    assert len(run.line_loading().columns) == 95
    assert run.get("Fleet", "soc").columns[0] == "ev_0"
    again = _cosim("run", "scenarios/base.toml", "--until", "1h", "--out", str(path))
    assert again.returncode == 2 and "--force" in again.stderr


def test_run_without_recording_succeeds_and_says_so(capsys) -> None:
    code = main(
        [
            "run", str(ROOT / "scenarios" / "base.toml"), "--until", "2h", "--no-progress",
            "--set", "record.enabled=false", "--set", "scenario.warmup=0",
        ]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "complete" in out and "nothing recorded" in out
    assert "Peak transformer loading" not in out
    assert "error" not in err
