"""Config sections of the flexibility frameworks, re-exported from the packages they configure.

Each section lives next to its simulator or controller and takes its choices from the
model's own enums: ``[evse]`` (:mod:`simulators.evse.config`), ``[tariff]``
(:mod:`simulators.tariff.config`), ``[tso]`` (:mod:`simulators.tso.config`), ``[market]``
(:mod:`simulators.flex_market.config`), ``[aggregator]``
(:mod:`controllers.aggregator.config`), ``[dso]`` (:mod:`controllers.dso.config`) and
``[coordination]`` (:mod:`controllers.coordination.config`). A typo in a choice is caught
when the file is loaded, before any simulator starts.
"""

from __future__ import annotations

from controllers.aggregator.config import AggregatorConfig, Policy
from controllers.coordination.config import CoordinationConfig, HeadroomMode, Scheme
from controllers.dso.config import DSOConfig, Framework, Schedule, VCCMode
from controllers.dso.config import ZoneKind as ZoneChoice
from cosim.config_section import LAX, StrictSection
from simulators.evse.config import EfficiencyCurve, EVSEConfig, PQPriority, QMode, QVCurve
from simulators.flex_market.config import ClearingRule, MarketConfig
from simulators.tariff.config import TariffConfig, TariffKind
from simulators.tso.config import TSOConfig

__all__ = [
    "LAX",
    "AggregatorConfig",
    "ClearingRule",
    "CoordinationConfig",
    "DSOConfig",
    "EVSEConfig",
    "EfficiencyCurve",
    "Framework",
    "HeadroomMode",
    "MarketConfig",
    "PQPriority",
    "Policy",
    "QMode",
    "QVCurve",
    "Schedule",
    "Scheme",
    "StrictSection",
    "TSOConfig",
    "TariffConfig",
    "TariffKind",
    "VCCMode",
    "ZoneChoice",
]
