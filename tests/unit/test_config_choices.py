"""The config's choices name exactly what the simulators and controllers offer."""

from __future__ import annotations

from enum import Enum, StrEnum
from typing import get_args

import pytest
from pydantic import BaseModel

from controllers.aggregator.registry import POLICIES as AGGREGATOR_POLICIES
from controllers.coordination.headroom import HeadroomMode
from controllers.coordination.schemes import Scheme
from controllers.dso.policies import POLICIES as DSO_POLICIES
from controllers.dso.policies import VCCMode
from controllers.dso.zones import ZoneKind
from cosim import config_flex, config_scenario
from cosim.registry import ROLES, SIMULATORS
from simulators.ev_fleet.plugin import PluginMode
from simulators.ev_fleet.segments import SegmentKind
from simulators.evse.efficiency import EFFICIENCY_CURVES
from simulators.evse.params import PQPriority, QMode
from simulators.evse.qv import QV_CURVES
from simulators.flex_market.orders import ClearingRule
from simulators.grid.asym_params import VectorGroup
from simulators.grid.backends import BackendName
from simulators.grid.model import OnNonConvergence
from simulators.tariff.model import TariffKind


def _values(enum: type[Enum]) -> set[str]:
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


@pytest.mark.parametrize(
    ("choice", "model_enum"),
    [
        (config_flex.VCCMode, VCCMode),
        (config_flex.Scheme, Scheme),
        (config_flex.ClearingRule, ClearingRule),
        (config_scenario.VectorGroup, VectorGroup),
        (config_scenario.NonConvergence, OnNonConvergence),
        (config_scenario.PlugIn, PluginMode),
    ],
)
def test_config_choices_match_the_model_enums(
    choice: type[StrEnum], model_enum: type[StrEnum]
) -> None:
    assert _values(choice) == _values(model_enum)


@pytest.mark.parametrize(
    ("section", "field", "model_enum"),
    [
        (config_flex.EVSEConfig, "pq_priority", PQPriority),
        (config_flex.CoordinationConfig, "headroom", HeadroomMode),
    ],
)
def test_literal_choices_match_the_model_enums(
    section: type[BaseModel], field: str, model_enum: type[StrEnum]
) -> None:
    assert set(get_args(section.model_fields[field].annotation)) == _values(model_enum)


def test_fleet_segment_tables_name_the_persistent_segments() -> None:
    persistent = _values(SegmentKind) - {SegmentKind.PUBLIC_VISITOR.value}
    assert set(config_scenario.SEGMENT_KINDS) == persistent


def test_every_role_has_a_registered_simulator_that_imports() -> None:
    import importlib

    for role in ROLES:
        module, cls = SIMULATORS[role][0].split(":")
        assert hasattr(importlib.import_module(module), cls), role
