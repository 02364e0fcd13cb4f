"""A sweep on a real two-process Dask cluster: same files as in-process runs, resume, failures."""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cosim.sweep import load_sweep, run_sweep, sweep_ok
from results.reader import open_run
from results.sweep_stats import collect_kpis, kpi_stats
from simulators.tariff.adapter import TariffSim
from tests.integration.conftest import datasets

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[2]
SHORT = ['scenario.until="2h"', "scenario.warmup=0", "scenario.progress=false"]


class BrokenTariffSim(TariffSim):
    """The real tariff, except that its first step raises (a model failing mid-run)."""

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        raise RuntimeError(f"deliberate failure at t={time}")


def _family(tmp_path: Path) -> Path:
    path = tmp_path / "fam.toml"
    path.write_text(
        f'base = "{ROOT / "scenarios" / "frameworks.toml"}"\n'
        f'out_dir = "{tmp_path / "runs"}"\n'
        "[sweep]\nseeds = [1, 2]\n"
        "[variants.uncontrolled]\n"
        '[variants.vcc]\ndso = { enabled = true, framework = "vcc" }\n'
        "[variants.broken]\n"
        f'simulators.tariff = "{__name__}:BrokenTariffSim"\n'
    )
    return path


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    dask_client = distributed.Client(cluster)
    yield dask_client
    dask_client.close()
    cluster.close()


def test_sweep_on_two_processes_matches_in_process_runs_and_resumes(
    tmp_path: Path, client: Any
) -> None:
    family = _family(tmp_path)
    good = load_sweep(family, overrides=SHORT, only=["uncontrolled", "vcc"])
    (broken,) = load_sweep(family, overrides=[*SHORT, "scenario.seed=1"], only=["broken"]).runs
    plan = dataclasses.replace(good, runs=[*good.runs, broken])
    progress: list[Any] = []
    results = run_sweep(plan, client=client, on_progress=progress.append)

    by_id = {r.run_id: r for r in results}
    assert list(by_id) == [
        "uncontrolled-seed1",
        "uncontrolled-seed2",
        "vcc-seed1",
        "vcc-seed2",
        "broken-seed1",
    ]
    for run_id, result in by_id.items():
        expected = "failed" if run_id.startswith("broken") else "complete"
        assert result.status == expected, (run_id, result.message)
    assert "deliberate failure at t=0" in by_id["broken-seed1"].message
    assert open_run(by_id["broken-seed1"].path).status == "failed"
    assert not sweep_ok(results)
    assert len({r.worker_pid for r in results}) == 2  # both worker processes took runs
    assert (progress[-1].done, progress[-1].failed, progress[-1].running) == (5, 1, 0)

    # the same runs made one by one in this process write the same datasets
    frameworks = importlib.import_module("scenarios.frameworks")
    for spec in good.runs:
        ref = tmp_path / "ref" / f"{spec.run_id}.h5"
        assert frameworks.run(spec.config, out=ref, progress=False).status == "complete"
        got, want = datasets(Path(by_id[spec.run_id].path)), datasets(ref)
        assert sorted(got) == sorted(want)
        for name in want:
            np.testing.assert_array_equal(got[name], want[name], err_msg=name)
    seed1 = datasets(Path(by_id["uncontrolled-seed1"].path))
    seed2 = datasets(Path(by_id["uncontrolled-seed2"].path))
    assert any(not np.array_equal(v, seed2[k]) for k, v in seed1.items())

    # a second call finds every complete run on disk and runs nothing
    stamps = {s.run_id: Path(by_id[s.run_id].path).stat().st_mtime_ns for s in good.runs}
    again = run_sweep(good, client=client)
    assert [r.skipped for r in again] == [True] * 4
    assert sweep_ok(again)
    assert {r.run_id: Path(r.path).stat().st_mtime_ns for r in again} == stamps

    # statistics across the two seeds, from the files and the manifest
    table = kpi_stats(collect_kpis(good.out_dir))
    assert set(table["variant"]) == {"uncontrolled", "vcc"} and set(table["n"]) == {2}
    peak = table[table.kpi == "peak_trafo_loading_pct"].set_index("variant")
    assert (peak["ci_low"] <= peak["mean"]).all() and (peak["mean"] <= peak["ci_high"]).all()


def test_a_run_above_the_memory_limit_fails_with_a_hint_and_the_sweep_ends(
    tmp_path: Path,
) -> None:
    """A worker that outgrows ``memory_limit`` is killed by its nanny; the run ends failed
    with a message that names the limit, instead of the sweep hanging."""
    import dask

    family = tmp_path / "fam.toml"
    family.write_text(
        f'base = "{ROOT / "scenarios" / "base.toml"}"\nout_dir = "{tmp_path / "runs"}"\n'
        "[variants.big]\n"
    )
    plan = load_sweep(family, overrides=SHORT)
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        (result,) = run_sweep(plan, n_workers=1, memory_limit="160MiB")
    assert result.status == "failed"
    assert "memory-limit" in result.message
    assert not sweep_ok([result])
