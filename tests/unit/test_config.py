"""The scenario config: defaults, overrides, and one error that lists every problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from cosim.config import apply_overrides, load_config, parse_config
from cosim.errors import ConfigError
from cosim.timebase import parse_duration

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_base_scenario_is_valid_and_equals_defaults() -> None:
    cfg = load_config(ROOT / "scenarios" / "base.toml")
    assert cfg == parse_config({})
    assert cfg.scenario.step_s == 900
    assert cfg.scenario.until_s == 7 * 86_400


def test_every_problem_is_reported_at_once_with_path_and_value() -> None:
    bad = {
        "scenario": {"step": "fortnight", "colour": "red"},
        "grid": {"backend": "matlab"},
        "fleet": {"evs_per_household": -1},
        "simulators": {"evse": "my_evse"},
    }
    with pytest.raises(ConfigError) as info:
        parse_config(bad)
    paths = {p.path for p in info.value.problems}
    assert paths == {
        "scenario.step",
        "scenario.colour",
        "grid.backend",
        "fleet.evs_per_household",
        "simulators.evse.impl",
    }
    text = str(info.value)
    assert "'lightsim2grid', 'power_grid_model' or 'pandapower'" in text  # allowed values
    assert "allowed here:" in text and "seed" in text  # valid field names for a typo
    from cosim.registry import SIMULATORS

    assert f"registered: {', '.join(sorted(SIMULATORS))}" in text  # valid simulator names
    assert "'fortnight'" in text  # the offending value


def test_unknown_simbench_code_says_how_to_find_valid_ones() -> None:
    with pytest.raises(ConfigError, match="cosim grids") as info:
        parse_config({"grid": {"network": "simbench:1-LV-rural2-0-sw"}})
    assert "1-LV-rural2--0-sw" in str(info.value)  # close match suggested


def test_mix_shares_must_match_sizes_and_sum_to_one() -> None:
    with pytest.raises(ConfigError, match="one share per battery size"):
        parse_config({"fleet": {"battery_kwh": [40, 60], "battery_share": [1.0]}})
    with pytest.raises(ConfigError, match="sum to 1"):
        parse_config({"fleet": {"battery_kwh": [40, 60], "battery_share": [0.5, 0.6]}})


def test_overrides_parse_toml_values_and_bare_strings() -> None:
    data = apply_overrides(
        {"fleet": {"alpha": 1.0}},
        ["fleet.evs_per_household=1.5", "grid.backend=pandapower", "scenario.until=2d"],
    )
    cfg = parse_config(data)
    assert cfg.fleet.evs_per_household == 1.5
    assert cfg.fleet.alpha == 1.0
    assert cfg.grid.backend == "pandapower"
    assert cfg.scenario.until_s == 2 * 86_400


def test_override_without_equals_sign_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"section\.field=value"):
        apply_overrides({}, ["fleet.alpha"])


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such scenario file"):
        load_config(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[scenario\nname = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken)


def test_simulator_roles_default_and_accept_module_paths() -> None:
    impl = "simulators.evse.adapter:EVSESim"  # a user's own class, given by its module path
    cfg = parse_config({"simulators": {"evse": {"impl": impl, "starter": "cmd"}}})
    assert cfg.simulators["evse"].impl == impl
    with pytest.raises(ConfigError, match=r"cannot import module 'pkg\.mod'"):
        parse_config({"simulators": {"evse": {"impl": "pkg.mod:MySim"}}})
    assert cfg.simulators["grid"].impl == "grid"
    # a name that is not one of our roles adds a role: it needs its table (impl, model)
    with pytest.raises(ConfigError, match=r"added role\(s\) \['weather'\] need a table"):
        parse_config({"simulators": {"weather": "x"}})


@pytest.mark.parametrize(
    ("text", "seconds"), [("15min", 900), ("7d", 604_800), ("1y", 31_536_000), ("900", 900)]
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds
