"""The cosim command line as a user meets it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from results.reader import open_run

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "cosim.cli"]


def _cosim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_broken_config_lists_every_problem_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[scenario]\nstep = "soon"\n[grid]\nnetwork = "simbench:1-LV-rural9--0-sw"\n'
        '[fleet]\nevs_per_household = "many"\n[simulators]\nevse = "turbo"\n'
    )
    res = _cosim("run", str(bad))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    for path in (
        "scenario.step",
        "grid.network",
        "fleet.evs_per_household",
        "simulators.evse.impl",
    ):
        assert path in res.stderr
    assert "cosim grids" in res.stderr


def test_run_with_until_seed_out_and_set(tmp_path: Path) -> None:
    out = tmp_path / "short.h5"
    res = _cosim(
        "run",
        "scenarios/base.toml",
        "--until",
        "2h",
        "--seed",
        "3",
        "--out",
        str(out),
        "--set",
        "fleet.evs_per_household=1.0",
        "--no-progress",
    )
    assert res.returncode == 0, res.stderr
    assert "Peak transformer loading" in res.stdout
    assert "EV energy not served at departure" in res.stdout
    run = open_run(out)
    assert run.status == "complete"
    assert len(run.time_s) == 8
    assert run.meta["seed"] == 3
    assert run.config["fleet"]["evs_per_household"] == 1.0
    shown = _cosim("show", str(out))
    assert shown.returncode == 0 and "status complete" in shown.stdout


def test_sweep_runs_every_variant_and_saves_table_and_plots(tmp_path: Path) -> None:
    family = tmp_path / "fam.toml"
    family.write_text(
        f'base = "{ROOT / "scenarios" / "base.toml"}"\n'
        "[variants.few]\nfleet.evs_per_household = 0.2\n"
        "[variants.many]\nfleet.evs_per_household = 1.0\n"
    )
    out = tmp_path / "sweep"
    res = _cosim(
        "sweep",
        str(family),
        "--until",
        "3h",
        "--out-dir",
        str(out),
        "--no-progress",
        "--set",
        "scenario.warmup=0",
    )
    assert res.returncode == 0, res.stderr
    assert "few" in res.stdout and "many" in res.stdout
    for name in ("few.h5", "many.h5", "kpis.csv", "loading_duration.png", "fleet_power.png"):
        assert (out / name).is_file(), name
    table = (out / "kpis.csv").read_text()
    assert "EV energy drawn from the grid" in table
    bad = _cosim("sweep", str(family), "--only", "nope")
    assert bad.returncode == 2 and "variants: few, many" in bad.stderr
    listed = _cosim("sweep", str(family), "--only", "few,nope")  # commas split the names
    assert listed.returncode == 2 and "(got ['nope'])" in listed.stderr
    # the sweep's folder compares like its files, and a missing one is named
    folder = _cosim("compare", str(out), "--csv", str(tmp_path / "again.csv"))
    assert folder.returncode == 0, folder.stderr
    assert "few" in folder.stdout and "many" in folder.stdout
    missing = _cosim("compare", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "no such run file or folder" in missing.stderr
