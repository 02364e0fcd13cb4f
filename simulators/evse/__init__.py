"""EVSE simulator: a bank of charge points deciding AC, reactive and battery power (arrays)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cosim.lazy import attach_stub

if TYPE_CHECKING:  # loaded on first use (cosim.lazy); listed here for type checkers
    from simulators.evse.adapter import EVSESim
    from simulators.evse.capability import limit_to_circle
    from simulators.evse.dynamics import BelowMin, DeadTime, quantise_pilot, ramp_limit
    from simulators.evse.efficiency import EFFICIENCY_CURVES, LossCurve, battery_power, efficiency
    from simulators.evse.model import EVSEModel
    from simulators.evse.params import EVSEParams, PQPriority, QMode
    from simulators.evse.qv import PV_CURVES, QV_CURVES, Curve, PVCurves
    from simulators.evse.state import EVSEState, voltage_at_chargers

__all__ = [
    "EFFICIENCY_CURVES",
    "PV_CURVES",
    "QV_CURVES",
    "BelowMin",
    "Curve",
    "DeadTime",
    "EVSEModel",
    "EVSEParams",
    "EVSESim",
    "EVSEState",
    "LossCurve",
    "PQPriority",
    "PVCurves",
    "QMode",
    "battery_power",
    "efficiency",
    "limit_to_circle",
    "quantise_pilot",
    "ramp_limit",
    "voltage_at_chargers",
]

__getattr__, __dir__ = attach_stub(__name__, __file__)
