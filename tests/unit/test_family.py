"""Scenario families: variants merge into one base and are validated together."""

from __future__ import annotations

from pathlib import Path

import pytest

from cosim.errors import ConfigError
from cosim.family import load_family

ROOT = Path(__file__).resolve().parents[2]


def _family(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "fam.toml"
    path.write_text(f'base = "{ROOT / "scenarios" / "base.toml"}"\n{body}')
    return path


def test_variants_override_the_base_and_keep_everything_else(tmp_path: Path) -> None:
    fam = load_family(
        _family(tmp_path, "[variants.low]\nfleet.evs_per_household = 0.2\n[variants.ref]\n"),
        ["scenario.seed=9"],
    )
    assert list(fam.variants) == ["low", "ref"]
    low, ref = fam.variants["low"], fam.variants["ref"]
    assert low.fleet.evs_per_household == 0.2
    assert ref.fleet.evs_per_household == 0.5
    assert low.scenario.seed == ref.scenario.seed == 9  # same seed for every variant
    assert low.scenario.name == "low"
    assert low.grid == ref.grid


def test_problems_of_every_variant_are_reported_together(tmp_path: Path) -> None:
    path = _family(tmp_path, '[variants.a]\nfleet.alpha = -1\n[variants.b]\ngrid.backend = "x"\n')
    with pytest.raises(ConfigError) as info:
        load_family(path)
    paths = {p.path for p in info.value.problems}
    assert paths == {"variants.a.fleet.alpha", "variants.b.grid.backend"}


def test_family_without_variants_or_base_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "fam.toml"
    path.write_text('base = "missing.toml"\ncolour = 1\n')
    with pytest.raises(ConfigError) as info:
        load_family(path)
    assert {p.path for p in info.value.problems} == {"colour", "base", "variants"}
