"""DSO operator: observes the grid with delay, detects violations, acts through a framework."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cosim.lazy import attach_stub

if TYPE_CHECKING:  # loaded on first use (cosim.lazy); listed here for type checkers
    from controllers.dso.adapter import DSOSim
    from controllers.dso.cover import ChargerCover
    from controllers.dso.curtailment import interruptible_limits, release_limits, water_fill_level
    from controllers.dso.detection import Violations, detect, shed_needed_kw
    from controllers.dso.market import (
        MarketParams,
        build_requests,
        forecast_loading,
        zone_relief_kw,
    )
    from controllers.dso.model import OperatorModel, OperatorState
    from controllers.dso.planner import HourlyProfile, MarketPlanner
    from controllers.dso.policies import (
        POLICIES,
        DSOContext,
        DSOParams,
        Framework,
        Observation,
        VCCMode,
        make_policy,
    )
    from controllers.dso.signals import HEADROOM_UNCONSTRAINED_KW, TrafficLight, traffic_light
    from controllers.dso.topology import GRID_INFO_KEYS, GridTopology, build_topology, grid_params
    from controllers.dso.vcc import FLEXPOWER_SCHEDULE, CapacitySchedule, PersistenceForecast
    from controllers.dso.zones import (
        ZoneKind,
        ZoneMap,
        Zones,
        area_zones,
        feeder_zones,
        make_zones,
        resolve_zones,
    )

__all__ = [
    "FLEXPOWER_SCHEDULE",
    "GRID_INFO_KEYS",
    "HEADROOM_UNCONSTRAINED_KW",
    "POLICIES",
    "CapacitySchedule",
    "ChargerCover",
    "DSOContext",
    "DSOParams",
    "DSOSim",
    "Framework",
    "GridTopology",
    "HourlyProfile",
    "MarketParams",
    "MarketPlanner",
    "Observation",
    "OperatorModel",
    "OperatorState",
    "PersistenceForecast",
    "TrafficLight",
    "VCCMode",
    "Violations",
    "ZoneKind",
    "ZoneMap",
    "Zones",
    "area_zones",
    "build_requests",
    "build_topology",
    "detect",
    "feeder_zones",
    "forecast_loading",
    "grid_params",
    "interruptible_limits",
    "make_policy",
    "make_zones",
    "release_limits",
    "resolve_zones",
    "shed_needed_kw",
    "traffic_light",
    "water_fill_level",
    "zone_relief_kw",
]

__getattr__, __dir__ = attach_stub(__name__, __file__)
