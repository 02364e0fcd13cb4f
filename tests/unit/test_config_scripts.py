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


def test_segment_params_equal_what_the_base_script_builds() -> None:
    from scenarios.base import fleet_segments

    cfg = parse_config({"fleet": {"alpha": 2.0, "segment": {"workplace": {"p_opt_out": 0.1}}}})
    specs, _ = fleet_segments(cfg, n_home=10)
    for spec in specs:
        kind = spec.pop("kind")
        spec.pop("n_ev")
        assert kind in SEGMENT_KINDS
        assert spec == cfg.fleet.segment_params(kind), kind
