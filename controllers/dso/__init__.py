"""DSO operator: observes the grid with delay, detects violations, acts through a framework."""

from __future__ import annotations

from controllers.dso.adapter import DSOSim
from controllers.dso.curtailment import interruptible_limits, release_limits, water_fill_level
from controllers.dso.detection import Violations, detect, shed_needed_kw
from controllers.dso.model import OperatorModel, OperatorState
from controllers.dso.policies import (
    POLICIES,
    DSOContext,
    DSOParams,
    Framework,
    Observation,
    VCCMode,
    make_policy,
)
from controllers.dso.topology import GRID_INFO_KEYS, GridTopology, build_topology, grid_params
from controllers.dso.vcc import FLEXPOWER_SCHEDULE, CapacitySchedule, PersistenceForecast

__all__ = [
    "FLEXPOWER_SCHEDULE",
    "GRID_INFO_KEYS",
    "POLICIES",
    "CapacitySchedule",
    "DSOContext",
    "DSOParams",
    "DSOSim",
    "Framework",
    "GridTopology",
    "Observation",
    "OperatorModel",
    "OperatorState",
    "PersistenceForecast",
    "VCCMode",
    "Violations",
    "build_topology",
    "detect",
    "grid_params",
    "interruptible_limits",
    "make_policy",
    "release_limits",
    "shed_needed_kw",
    "water_fill_level",
]
