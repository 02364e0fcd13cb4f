"""The config's choices name exactly what the simulators and controllers offer."""

from __future__ import annotations

from controllers.aggregator.registry import POLICIES as AGGREGATOR_POLICIES
from controllers.dso.policies import POLICIES as DSO_POLICIES
from controllers.dso.zones import ZoneKind
from cosim import config_flex, config_scenario
from cosim.registry import ROLES, SIMULATORS
from simulators.evse.efficiency import EFFICIENCY_CURVES
from simulators.evse.params import QMode
from simulators.evse.qv import QV_CURVES
from simulators.grid.backends import BackendName
from simulators.tariff.model import TariffKind


def _values(enum: type) -> set[str]:
    return {str(member.value) for member in enum}


def test_aggregator_policies_match_the_registry() -> None:
    assert _values(config_flex.Policy) == set(AGGREGATOR_POLICIES)


def test_dso_frameworks_match_the_registry() -> None:
    assert _values(config_flex.Framework) == {str(f) for f in DSO_POLICIES}


def test_grid_backends_match_the_grid_simulator() -> None:
    assert _values(config_scenario.Backend) == _values(BackendName)


def test_zone_choices_match_the_dso_zone_kinds() -> None:
    assert _values(config_flex.ZoneChoice) == _values(ZoneKind)


def test_charger_choices_match_the_evse_presets() -> None:
    assert _values(config_flex.QVCurve) == set(QV_CURVES)
    assert _values(config_flex.EfficiencyCurve) == set(EFFICIENCY_CURVES)
    assert _values(config_flex.QMode) == _values(QMode)


def test_tariff_kinds_match_the_tariff_model() -> None:
    assert _values(config_flex.TariffKind) == _values(TariffKind)


def test_every_role_has_a_registered_simulator_that_imports() -> None:
    import importlib

    for role in ROLES:
        module, cls = SIMULATORS[role][0].split(":")
        assert hasattr(importlib.import_module(module), cls), role
