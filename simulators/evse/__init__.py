"""EVSE simulator: a bank of charge points deciding AC and battery power (array-valued)."""

from __future__ import annotations

from simulators.evse.adapter import EVSESim
from simulators.evse.model import EVSEModel, EVSEParams, EVSEState, charge_efficiency

__all__ = ["EVSEModel", "EVSEParams", "EVSESim", "EVSEState", "charge_efficiency"]
