"""EV fleet simulator: vehicles, weekly trips, plug-in decisions and SoC (array-valued)."""

from __future__ import annotations

from simulators.ev_fleet.adapter import EVFleetSim
from simulators.ev_fleet.model import FleetModel, FleetState
from simulators.ev_fleet.params import EVArrays, FleetParams, draw_ev_arrays
from simulators.ev_fleet.plugin import (
    PluginMode,
    decide_plugin,
    plugin_probability,
    plugin_soc_min,
)
from simulators.ev_fleet.schedule import ScheduleParams, WeeklySchedule, WeekPlan

__all__ = [
    "EVArrays",
    "EVFleetSim",
    "FleetModel",
    "FleetParams",
    "FleetState",
    "PluginMode",
    "ScheduleParams",
    "WeekPlan",
    "WeeklySchedule",
    "decide_plugin",
    "draw_ev_arrays",
    "plugin_probability",
    "plugin_soc_min",
]
