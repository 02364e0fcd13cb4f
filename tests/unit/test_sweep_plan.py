"""Sweep plans: variants × parameter grid × seeds, override order, validation, resume check."""

from __future__ import annotations

import json
import re
from pathlib import Path

import h5py
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cosim.errors import ConfigError
from cosim.sweep import config_hash, is_complete, load_sweep

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "base.toml"


def _sweep(tmp_path: Path, body: str, name: str = "fam.toml") -> Path:
    path = tmp_path / name
    path.write_text(f'base = "{BASE}"\n{body}')
    return path


GRID = """
[sweep]
params = { "fleet.evs_per_household" = [0.5, 1.0, 1.5] }
seeds = 3
[variants.low]
fleet.p_max_kw = 3.7
[variants.ref]
"""


def test_grid_expands_variants_times_values_times_seeds(tmp_path: Path) -> None:
    plan = load_sweep(_sweep(tmp_path, GRID))
    assert len(plan.runs) == 2 * 3 * 3
    assert plan.seeds == [42, 43, 44]  # a count starts at the base's scenario.seed
    assert plan.params == {"fleet.evs_per_household": [0.5, 1.0, 1.5]}
    first = plan.runs[0]
    assert first.run_id == "low-evs_per_household=0.5-seed42"
    assert first.config.fleet.p_max_kw == 3.7 and first.config.scenario.name == "low"
    seen = {(r.variant, r.params, r.seed) for r in plan.runs}
    assert len(seen) == len(plan.runs)
    for run in plan.runs:
        assert run.config.fleet.evs_per_household == dict(run.params)["fleet.evs_per_household"]
        assert run.config.scenario.seed == run.seed
        assert run.config_hash == config_hash(run.config)
    assert len({r.run_id for r in plan.runs}) == len({r.config_hash for r in plan.runs}) == 18


def test_nested_param_table_and_seed_list_are_accepted(tmp_path: Path) -> None:
    body = "[sweep]\nparams = { fleet = { alpha = [1.0, 2.0] } }\nseeds = [7, 3]\n[variants.a]\n"
    plan = load_sweep(_sweep(tmp_path, body))
    assert [r.run_id for r in plan.runs] == [
        "a-alpha=1.0-seed7",
        "a-alpha=1.0-seed3",
        "a-alpha=2.0-seed7",
        "a-alpha=2.0-seed3",
    ]


def test_command_line_override_wins_over_the_variant_table() -> None:
    plan = load_sweep(
        ROOT / "scenarios" / "frameworks_family.toml",
        overrides=["aggregator.wear_eur_mwh=1000.0"],
        only=["cost_min_v2g"],
    )
    (run,) = plan.runs
    assert run.config.aggregator.wear_eur_mwh == 1000.0  # the variant table says 40
    assert run.config.aggregator.v2g  # the rest of the variant still applies


def test_override_of_a_swept_field_or_the_seed_removes_that_dimension(tmp_path: Path) -> None:
    path = _sweep(tmp_path, GRID)
    plan = load_sweep(path, overrides=["fleet.evs_per_household=2.0", "scenario.seed=5"])
    assert plan.params == {} and plan.seeds == [5]
    assert [r.run_id for r in plan.runs] == ["low-seed5", "ref-seed5"]
    assert {r.config.fleet.evs_per_household for r in plan.runs} == {2.0}


def test_without_a_sweep_table_each_variant_runs_once_with_its_seed(tmp_path: Path) -> None:
    plan = load_sweep(_sweep(tmp_path, "[variants.a]\n[variants.b]\nscenario.seed = 9\n"))
    assert [(r.run_id, r.seed) for r in plan.runs] == [("a", 42), ("b", 9)]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    body = """
colour = 1
[sweep]
params = { "fleet.nope" = [1], "fleet.alpha" = [], "grid" = [1], "fleet.rho.x" = [1] }
seeds = [1, -2]
every = 3
[variants.a]
"""
    with pytest.raises(ConfigError) as info:
        load_sweep(_sweep(tmp_path, body), only=["a", "zz"])
    paths = {p.path for p in info.value.problems}
    assert paths == {
        "colour",
        "sweep.every",
        'sweep.params."fleet.nope"',
        'sweep.params."fleet.alpha"',
        'sweep.params."grid"',
        'sweep.params."fleet.rho.x"',
        "sweep.seeds",
        "--only",
    }
    assert "allowed here" in str(info.value) and "evs_per_household" in str(info.value)


@pytest.mark.parametrize("seeds", ["0", "[]", "[1, 1]", "[1.5]", "true", '"3"'])
def test_bad_seeds_are_rejected(tmp_path: Path, seeds: str) -> None:
    with pytest.raises(ConfigError, match=r"sweep\.seeds"):
        load_sweep(_sweep(tmp_path, f"[sweep]\nseeds = {seeds}\n[variants.a]\n"))


def test_invalid_values_name_variant_and_point(tmp_path: Path) -> None:
    body = '[sweep]\nparams = { "fleet.evs_per_household" = [1.0, 9.0] }\n[variants.a]\n'
    with pytest.raises(ConfigError) as info:
        load_sweep(_sweep(tmp_path, body))
    (problem,) = info.value.problems
    assert problem.path == "variants.a[fleet.evs_per_household=9.0].fleet.evs_per_household"


def test_config_hash_survives_the_json_round_trip_of_the_results_file(tmp_path: Path) -> None:
    run = load_sweep(_sweep(tmp_path, GRID)).runs[0]
    stored = json.dumps(run.config.to_toml_dict())  # what the recorder writes to /meta
    assert config_hash(json.loads(stored)) == run.config_hash
    assert load_sweep(_sweep(tmp_path, GRID, "again.toml")).runs[0].config_hash == run.config_hash


def test_resume_ignores_fields_that_do_not_change_results(tmp_path: Path) -> None:
    run = load_sweep(_sweep(tmp_path, GRID)).runs[0]
    data = run.config.to_toml_dict()
    data["mosaik"]["start_timeout_s"] = 999.0
    data["record"]["flush_s"] = 60.0
    data["simulators"]["grid"]["starter"] = "cmd"
    assert config_hash(data) == run.config_hash  # a run made out of process still counts
    data["record"]["float32"] = not data["record"]["float32"]
    assert config_hash(data) != run.config_hash  # stored precision does change the datasets


def _fake_run_file(path: Path, *, status: str, config_json: str) -> None:
    with h5py.File(path, "w") as f:
        meta = f.create_group("meta")
        meta.attrs["status"] = status
        meta.attrs["config_json"] = config_json


def test_resume_check_needs_complete_status_and_the_same_config(tmp_path: Path) -> None:
    runs = load_sweep(_sweep(tmp_path, GRID)).runs
    cfg_json = json.dumps(runs[0].config.to_toml_dict())
    path = tmp_path / "run.h5"
    _fake_run_file(path, status="complete", config_json=cfg_json)
    assert is_complete(path, runs[0].config_hash)
    assert not is_complete(path, runs[1].config_hash)  # another seed: redo
    _fake_run_file(path, status="interrupted", config_json=cfg_json)
    assert not is_complete(path, runs[0].config_hash)
    assert not is_complete(tmp_path / "missing.h5", runs[0].config_hash)
    (tmp_path / "junk.h5").write_bytes(b"not hdf5")
    assert not is_complete(tmp_path / "junk.h5", runs[0].config_hash)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(
        st.floats(min_value=0.0, max_value=5.0, allow_nan=False),
        min_size=1,
        max_size=4,
        unique=True,
    ),
    seeds=st.lists(st.integers(0, 2**40), min_size=1, max_size=3, unique=True),
)
def test_run_ids_are_unique_file_names(
    tmp_path: Path, values: list[float], seeds: list[int]
) -> None:
    body = (
        f'[sweep]\nparams = {{ "fleet.evs_per_household" = {json.dumps(values)} }}\n'
        f"seeds = {json.dumps(seeds)}\n[variants.a]\n[variants.b]\n"
    )
    plan = load_sweep(_sweep(tmp_path, body))
    ids = [r.run_id for r in plan.runs]
    assert len(ids) == len(set(ids)) == 2 * len(values) * len(seeds)
    assert all(re.fullmatch(r"[A-Za-z0-9._+=-]+", i) for i in ids)


def test_shipped_monte_carlo_study_validates() -> None:
    plan = load_sweep(ROOT / "scenarios" / "frameworks_mc_family.toml")
    variants = ["uncontrolled", "tou", "grid_code", "interruptible", "vcc"]
    assert list(dict.fromkeys(r.variant for r in plan.runs)) == variants
    assert plan.params == {"fleet.evs_per_household": [0.75, 1.5]} and len(plan.seeds) >= 10
    assert len(plan.runs) == len(variants) * 2 * len(plan.seeds)
