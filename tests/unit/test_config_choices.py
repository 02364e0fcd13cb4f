"""The config's choices are the simulators' and controllers' own enums (one definition each,
in a light ``choices`` module where the model imports pandas, scipy or networkx), and name
exactly what their registries offer."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, get_args, get_origin

import pytest
from pydantic import BaseModel

from controllers.aggregator.config import AggregatorConfig
from controllers.aggregator.registry import POLICIES as AGGREGATOR_POLICIES
from controllers.aggregator.registry import PolicyName
from controllers.coordination.config import CoordinationConfig
from controllers.coordination.headroom import HeadroomMode
from controllers.coordination.schemes import Scheme
from controllers.dso.config import DSOConfig
from controllers.dso.policies import POLICIES as DSO_POLICIES
from controllers.dso.policies import Framework, VCCMode
from controllers.dso.zones import ZoneKind
from cosim import config_flex, config_scenario
from cosim.registry import ROLES, SIMULATORS
from simulators.ev_fleet.config import FleetConfig
from simulators.ev_fleet.plugin import PluginMode
from simulators.ev_fleet.segments import SegmentKind
from simulators.evse.config import EVSEConfig
from simulators.evse.efficiency import EFFICIENCY_CURVES
from simulators.evse.params import PQPriority, QMode
from simulators.evse.qv import QV_CURVES, QVCurve
from simulators.flex_market.config import MarketConfig
from simulators.flex_market.orders import ClearingRule
from simulators.grid.asym_params import VectorGroup
from simulators.grid.backends import BackendName
from simulators.grid.config import GridConfig, ZeroSequenceConfig
from simulators.grid.model import OnNonConvergence
from simulators.tariff.config import TariffConfig
from simulators.tariff.params import TariffKind


def _values(enum: type[Enum]) -> set[str]:
    return {str(member.value) for member in enum}


def _enum_of(section: type[BaseModel], field: str) -> type[Enum]:
    """The enum of a choice field (``Annotated[SomeEnum, LAX]``, maybe in a union)."""
    annotation = section.model_fields[field].annotation
    for arg in (annotation, *get_args(annotation)):
        if get_origin(arg) is Annotated:
            arg = get_args(arg)[0]
        if isinstance(arg, type) and issubclass(arg, Enum):
            return arg
    raise AssertionError(f"{section.__name__}.{field} is not a choice: {annotation}")


@pytest.mark.parametrize(
    ("section", "field", "model_enum"),
    [
        (TariffConfig, "kind", TariffKind),
        (MarketConfig, "rule", ClearingRule),
        (CoordinationConfig, "headroom", HeadroomMode),
        (ZeroSequenceConfig, "vector_group", VectorGroup),
        (FleetConfig, "plugin", PluginMode),
        (EVSEConfig, "q_mode", QMode),
        (EVSEConfig, "pq_priority", PQPriority),
        (EVSEConfig, "qv_curve", QVCurve),
        (DSOConfig, "framework", Framework),
        (DSOConfig, "vcc_mode", VCCMode),
        (DSOConfig, "zones", ZoneKind),
        (CoordinationConfig, "scheme", Scheme),
        (GridConfig, "on_nonconvergence", OnNonConvergence),
        (GridConfig, "backend", BackendName),
        (AggregatorConfig, "policy", PolicyName),
    ],
)
def test_config_choices_are_the_model_enums(
    section: type[BaseModel], field: str, model_enum: type[Enum]
) -> None:
    # the model modules' names (imported above) re-export the enums of the light modules
    assert _enum_of(section, field) is model_enum


def test_the_old_config_names_still_import() -> None:
    assert config_flex.TariffKind is TariffKind
    assert config_flex.ClearingRule is ClearingRule
    assert config_scenario.VectorGroup is VectorGroup
    assert config_scenario.PlugIn is PluginMode
    assert config_flex.QMode is QMode
    assert config_flex.Framework is Framework
    assert config_flex.ZoneChoice is ZoneKind
    assert config_scenario.NonConvergence is OnNonConvergence
    assert config_scenario.Backend is BackendName
    assert config_flex.Policy is PolicyName
    assert config_flex.Scheme is Scheme


def test_aggregator_policies_match_the_registry() -> None:
    assert list(AGGREGATOR_POLICIES) == list(PolicyName)


def test_dso_frameworks_match_the_registry() -> None:
    assert _values(_enum_of(DSOConfig, "framework")) == {str(f) for f in DSO_POLICIES}


def test_charger_curves_match_the_evse_presets() -> None:
    assert _values(_enum_of(EVSEConfig, "qv_curve")) == set(QV_CURVES)
    assert _values(_enum_of(EVSEConfig, "efficiency")) == set(EFFICIENCY_CURVES)


def test_fleet_segment_tables_name_the_persistent_segments() -> None:
    persistent = _values(SegmentKind) - {SegmentKind.PUBLIC_VISITOR.value}
    assert set(config_scenario.SEGMENT_KINDS) == persistent


def test_every_role_has_a_registered_simulator_that_imports() -> None:
    import importlib

    for role in ROLES:
        module, cls = SIMULATORS[role][0].split(":")
        assert hasattr(importlib.import_module(module), cls), role
