"""cosim's table of scenario scripts matches what the scripts in scenarios/ really read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cosim.config import parse_config
from cosim.config_scenario import SEGMENT_KINDS
from cosim.scripts import OPTIONAL_SECTIONS, SCRIPTS

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _tree(name: str) -> ast.Module:
    return ast.parse((SCENARIOS / f"{name}.py").read_text(encoding="utf-8"))


def _runnable() -> set[str]:
    """Modules of scenarios/ with a top-level ``run`` function (what ``cosim run`` calls)."""
    return {
        path.stem
        for path in SCENARIOS.glob("*.py")
        if any(
            isinstance(node, ast.FunctionDef) and node.name == "run"
            for node in _tree(path.stem).body
        )
    }


def _sections_read(name: str, seen: frozenset[str] = frozenset()) -> set[str]:
    """``cfg.<section>`` read by a script and by the scenario modules it imports."""
    tree = _tree(name)
    found = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "cfg"
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "scenarios":
            for alias in node.names:
                if alias.name not in seen and (SCENARIOS / f"{alias.name}.py").is_file():
                    found |= _sections_read(alias.name, seen | {name})
    return found


def test_every_runnable_script_is_in_the_table() -> None:
    assert set(SCRIPTS) == _runnable()


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_table_names_the_optional_sections_each_script_reads(name: str) -> None:
    assert set(SCRIPTS[name].sections) == _sections_read(name) & set(OPTIONAL_SECTIONS)


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_example_file_runs_its_script(name: str) -> None:
    example = SCENARIOS.parent / SCRIPTS[name].example
    assert f'script = "{name}"' in example.read_text(encoding="utf-8")


def test_fleet_segments_count_each_segment_and_take_its_params() -> None:
    from simulators.ev_fleet.placement import fleet_segments

    cfg = parse_config(
        {
            "fleet": {
                "alpha": 2.0,
                "non_commuter_share": 0.3,
                "workplace_evs": 4,
                "company_evs": 2,
                "public_chargers": 3,
                "segment": {"workplace": {"p_opt_out": 0.1}},
            }
        }
    )
    specs, n_public = fleet_segments(cfg.fleet, n_home=10)
    assert n_public == 3
    assert [(s["kind"], s["n_ev"]) for s in specs] == [
        ("home_commuter", 7),
        ("non_commuter", 3),
        ("workplace", 4),
        ("company_fleet", 2),
    ]
    assert specs[2]["p_opt_out"] == 0.1 and specs[0]["p_opt_out"] == 0.0
    assert "plugin" not in specs[3]  # depots plug in daily, with their own mix
    for spec in specs:
        kind = spec.pop("kind")
        spec.pop("n_ev")
        assert kind in SEGMENT_KINDS
        assert spec == cfg.fleet.segment_params(kind), kind
