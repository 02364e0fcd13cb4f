"""Market design (``MarketParams``) and what the market publishes each step (``MarketStep``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from simulators.flex_market.gates import GateParams
from simulators.flex_market.orders import ClearingRule
from simulators.flex_market.settlement import SettlementParams

__all__ = ["MarketParams", "MarketStep"]


@dataclass(frozen=True)
class MarketParams:
    """Market design.

    Parameters
    ----------
    rule : ClearingRule
        ``pay_as_bid`` or ``uniform``.
    gates : GateParams
        Gate closure times.
    settlement : SettlementParams
        Penalty rules.
    min_bid_kw : float
        Smallest bid the short-term market accepts [kW], >= 0 (an entry barrier).
    min_bid_duration_s : int
        Shortest bid window accepted [s], >= 0 (an entry barrier).
    step_s : int
        Market step [s], > 0.
    meter_lag_steps : int
        1 when the meter readings arrive one step late (time-shifted connection: the reading
        received at ``t`` is for ``[t - step_s, t)``), 0 when they are for the current step.
        The baseline a step is settled on is the one declared at its start (latched by the
        adapter, :class:`~simulators.flex_market.meters.BaselineLatch`).
    activation_lead_steps : int
        Activations are issued this many steps before their window starts (default 1: the
        providers receive them over a time-shifted connection and act from the first step
        of the window), 0 to issue them at the window start.
    """

    rule: ClearingRule = ClearingRule.PAY_AS_BID
    gates: GateParams = field(default_factory=GateParams)
    settlement: SettlementParams = field(default_factory=SettlementParams)
    min_bid_kw: float = 0.0
    min_bid_duration_s: int = 0
    step_s: int = 900
    meter_lag_steps: int = 1
    activation_lead_steps: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "rule", ClearingRule(self.rule))
        if not (math.isfinite(self.min_bid_kw) and self.min_bid_kw >= 0.0):
            raise ValueError(f"min_bid_kw={self.min_bid_kw} must be a finite number >= 0")
        if not (isinstance(self.min_bid_duration_s, int) and self.min_bid_duration_s >= 0):
            raise ValueError(f"min_bid_duration_s={self.min_bid_duration_s!r} must be an int >= 0")
        if not (isinstance(self.step_s, int) and self.step_s > 0):
            raise ValueError(f"step_s={self.step_s!r} must be a positive integer")
        if self.meter_lag_steps not in (0, 1):
            raise ValueError(f"meter_lag_steps={self.meter_lag_steps!r} must be 0 or 1")
        if self.activation_lead_steps not in (0, 1):
            raise ValueError(f"activation_lead_steps={self.activation_lead_steps!r} must be 0 or 1")


@dataclass(frozen=True)
class MarketStep:
    """What the market publishes after one step (order lists are JSON-serialisable dicts).

    ``p_delivered_kw`` refers to the metered interval (``t - meter_lag_steps * step_s``);
    ``cost_eur`` is the cumulative DSO payment (energy, utilisation and availability),
    ``penalty_eur`` the cumulative penalties charged to providers; net cost = difference.
    """

    flex_awards: list[dict[str, Any]]
    flex_activations: list[dict[str, Any]]
    flex_settlements: list[dict[str, Any]]
    p_requested_kw: float
    p_awarded_kw: float
    p_delivered_kw: float
    cost_eur: float
    penalty_eur: float
