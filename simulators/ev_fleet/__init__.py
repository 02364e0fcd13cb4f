"""EV fleet simulator: user segments, weekly trips, plug-in decisions, SoC, seasons, ageing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cosim.lazy import attach_stub

if TYPE_CHECKING:  # loaded on first use (cosim.lazy); listed here for type checkers
    from simulators.ev_fleet.adapter import EVFleetSim
    from simulators.ev_fleet.calibration import sessions_per_day
    from simulators.ev_fleet.climate import ClimateParams, ambient_temp_c, consumption_factor
    from simulators.ev_fleet.flex import SegmentState, flexibility_band
    from simulators.ev_fleet.mixed import MixedFleet
    from simulators.ev_fleet.model import FleetModel
    from simulators.ev_fleet.outputs import FleetState
    from simulators.ev_fleet.params import ChargeLocation, EVArrays, FleetParams, draw_ev_arrays
    from simulators.ev_fleet.plugin import (
        PluginMode,
        decide_plugin,
        plugin_probability,
        plugin_soc_min,
    )
    from simulators.ev_fleet.schedule import ScheduleParams, WeeklySchedule, WeekPlan
    from simulators.ev_fleet.segments import Segment, SegmentKind, make_segment, segment_defaults
    from simulators.ev_fleet.visitors import VisitorModel, VisitorParams
    from simulators.ev_fleet.wear import FleetWear

__all__ = [
    "ChargeLocation",
    "ClimateParams",
    "EVArrays",
    "EVFleetSim",
    "FleetModel",
    "FleetParams",
    "FleetState",
    "FleetWear",
    "MixedFleet",
    "PluginMode",
    "ScheduleParams",
    "Segment",
    "SegmentKind",
    "SegmentState",
    "VisitorModel",
    "VisitorParams",
    "WeekPlan",
    "WeeklySchedule",
    "ambient_temp_c",
    "consumption_factor",
    "decide_plugin",
    "draw_ev_arrays",
    "flexibility_band",
    "make_segment",
    "plugin_probability",
    "plugin_soc_min",
    "segment_defaults",
    "sessions_per_day",
]

__getattr__, __dir__ = attach_stub(__name__, __file__)
