"""``record.exclude``: which series a run leaves out, and the errors for patterns that name
nothing."""

from __future__ import annotations

import pytest

from cosim.config import load_config
from cosim.errors import ConfigError
from cosim.record_select import check_patterns, excluded, pattern_problem, role_of
from tests.integration.conftest import ROOT

_ROLES = ("grid", "ev_fleet", "evse", "aggregator")
_ATTRS = ("v_pu", "soc", "p_kw", "p_loss_kw", "e_need_kwh")


@pytest.mark.parametrize(
    ("pattern", "role", "attr", "out"),
    [
        ("evse.p_loss_kw", "evse", "p_loss_kw", True),
        ("evse.p_loss_kw", "evse", "p_kw", False),
        ("evse.p_loss_kw", "grid", "p_loss_kw", False),
        ("ev_fleet.*", "ev_fleet", "soc", True),
        ("ev_fleet.*", "evse", "soc", False),
        ("*.soc", "ev_fleet", "soc", True),
        ("*.soc", "ev_fleet", "soc_min", False),
        ("evse.p_*_kw", "evse", "p_loss_kw", True),
        ("evse.p_*_kw", "evse", "p_kw", False),
        ("EVSE.p_kw", "evse", "p_kw", False),  # names are case-sensitive, as in the file
    ],
)
def test_a_pattern_leaves_out_exactly_the_series_it_names(
    pattern: str, role: str, attr: str, out: bool
) -> None:
    assert excluded([pattern], role, attr) is out


def test_no_pattern_leaves_nothing_out() -> None:
    assert not excluded([], "evse", "p_kw")


def test_the_role_is_the_simulator_id_without_its_counter() -> None:
    assert role_of("evse-0") == "evse"
    assert role_of("ev_fleet-12") == "ev_fleet"


@pytest.mark.parametrize("pattern", ["evse", "evse.", ".p_kw", "evse.p.kw", ""])
def test_a_pattern_not_of_the_form_role_attr_is_refused(pattern: str) -> None:
    problem = pattern_problem(pattern)
    assert problem is not None and "'role.attr'" in problem


def test_a_typo_in_the_role_or_the_attribute_is_named_with_a_suggestion() -> None:
    problems = check_patterns(["evsee.p_kw", "evse.p_los_kw", "*.*"], _ROLES, _ATTRS)
    assert [p.path for p in problems] == ["record.exclude", "record.exclude"]
    assert "no role matches 'evsee'" in problems[0].message
    assert "'evse'" in problems[0].message
    assert "no attribute matches 'p_los_kw'" in problems[1].message
    assert "'p_loss_kw'" in problems[1].message


def test_a_role_far_from_every_known_one_lists_the_roles() -> None:
    (problem,) = check_patterns(["xyz.soc"], _ROLES, _ATTRS)
    assert "the roles are aggregator, ev_fleet, evse, grid" in problem.message


def test_the_config_refuses_bad_patterns_with_the_field_and_the_value() -> None:
    with pytest.raises(ConfigError) as err:
        load_config(ROOT / "scenarios" / "base.toml", ['record.exclude=["evse", "evse.p_los_kw"]'])
    text = str(err.value)
    assert "record.exclude" in text
    assert "'evse' is not a 'role.attr' pattern" in text


def test_the_config_checks_names_against_the_catalogue_and_added_roles() -> None:
    base = ROOT / "scenarios" / "base.toml"
    with pytest.raises(ConfigError, match="did you mean 'p_loss_kw'"):
        load_config(base, ['record.exclude=["evse.p_los_kw"]'])
    cfg = load_config(base, ['record.exclude=["evse.p_loss_kw", "ev_fleet.*", "*.v_pu"]'])
    assert cfg.record.exclude == ["evse.p_loss_kw", "ev_fleet.*", "*.v_pu"]
