"""Capacity-based network charges: subscribed power or a monthly peak demand charge.

Two designs, both common in European distribution tariffs:

- ``subscribed``: the customer subscribes ``subscribed_kw`` and pays ``eur_kw_year`` per kW
  and year, accrued pro rata per step (a year is 365 days), plus ``overrun_eur_kwh`` on the
  energy drawn above the subscribed power. French TURPE (BT ≤ 36 kVA) bills the subscribed
  power; Enedis cuts the supply on overrun instead, so the penalty models the German/Dutch
  style of contracted capacity with overrun charges.
- ``peak``: ``eur_kw_month`` per kW of the month's highest mean power over ``window_s``
  (15 min) windows, as in the Flemish capacity tariff (Fluvius, since 2023: ≈ 40–50 EUR per
  kW and year on the monthly peak, i.e. ≈ 3.5–4.5 EUR/kW per month). The month's charge
  grows whenever a new peak is set, so the cumulative cost never decreases.

Windows are aligned to scenario time (a scenario starting on a quarter-hour gives clock
quarter-hours). Injection (``p_kw < 0``) never sets a peak.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cosim.timebase import DAY_S

__all__ = ["CapacityBill", "CapacityMode", "CapacityParams", "capacity_params"]

_YEAR_S = 365 * DAY_S


class CapacityMode(StrEnum):
    """Capacity charge design."""

    SUBSCRIBED = "subscribed"
    PEAK = "peak"


@dataclass(frozen=True)
class CapacityParams:
    """Parameters of a capacity charge.

    Parameters
    ----------
    mode : CapacityMode
        ``"subscribed"`` or ``"peak"``.
    subscribed_kw : float
        Subscribed power [kW] (subscribed mode), > 0.
    eur_kw_year : float
        Subscription price [EUR/(kW·year)] (subscribed mode), >= 0.
    overrun_eur_kwh : float
        Penalty on energy drawn above the subscribed power [EUR/kWh], >= 0.
    eur_kw_month : float
        Demand charge on the monthly peak [EUR/(kW·month)] (peak mode), >= 0.
    window_s : int
        Averaging window of the peak power [s] (900 = 15 min).
    """

    mode: CapacityMode
    subscribed_kw: float = 0.0
    eur_kw_year: float = 0.0
    overrun_eur_kwh: float = 0.0
    eur_kw_month: float = 0.0
    window_s: int = 900

    def __post_init__(self) -> None:
        problems = []
        try:
            object.__setattr__(self, "mode", CapacityMode(self.mode))
        except ValueError:
            problems.append(
                f"mode={self.mode!r} is unknown; valid: {[m.value for m in CapacityMode]}"
            )
        if self.mode == CapacityMode.SUBSCRIBED and not self.subscribed_kw > 0:
            problems.append(f"subscribed_kw={self.subscribed_kw} must be > 0 kW in subscribed mode")
        for name in ("eur_kw_year", "overrun_eur_kwh", "eur_kw_month", "subscribed_kw"):
            if not getattr(self, name) >= 0:
                problems.append(f"{name}={getattr(self, name)} must be >= 0")
        if not (isinstance(self.window_s, int) and self.window_s > 0):
            problems.append(f"window_s={self.window_s!r} must be a positive number of seconds")
        if problems:
            raise ValueError("invalid CapacityParams: " + "; ".join(problems))


def capacity_params(spec: dict[str, Any] | CapacityParams | None) -> CapacityParams | None:
    """Build :class:`CapacityParams` from a dict (TOML/JSON) or pass through."""
    if spec is None or isinstance(spec, CapacityParams):
        return spec
    allowed = set(CapacityParams.__dataclass_fields__)
    unknown = set(spec) - allowed
    if unknown:
        raise ValueError(f"capacity: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    if "mode" not in spec:
        raise ValueError("capacity: give mode = 'subscribed' or 'peak'")
    return CapacityParams(**spec)


class CapacityBill:
    """Running capacity charges of one customer.

    Parameters
    ----------
    params : CapacityParams
        The charge design.
    step_s : int
        Simulation step [s]; with ``step_s < window_s`` the window must be a multiple.

    Examples
    --------
    >>> bill = CapacityBill(CapacityParams(mode="peak", eur_kw_month=4.0), step_s=900)
    >>> steps = ((0, 5.0), (900, 3.0), (1800, 8.0))   # (time [s], power [kW])
    >>> [bill.bill(t, month_key=0, p_kw=p) for t, p in steps]   # new peaks cost 4 EUR/kW
    [20.0, 0.0, 12.0]
    """

    def __init__(self, params: CapacityParams, *, step_s: int) -> None:
        if step_s < params.window_s and params.window_s % step_s:
            raise ValueError(
                f"capacity window_s={params.window_s} s is not a multiple of step_s={step_s} s; "
                "choose a step that divides the peak window (e.g. 300 or 900 s)"
            )
        self.params = params
        self.step_s = step_s
        self.p_peak_kw = 0.0
        self.cost_eur = 0.0
        self._month_key: int | None = None
        self._window_kwh = 0.0

    def bill(self, time_s: int, *, month_key: int, p_kw: float) -> float:
        """Charge for drawing ``p_kw`` [kW] during ``[time_s, time_s + step_s)``; returns [EUR]."""
        if month_key != self._month_key:
            self._month_key = month_key
            self.p_peak_kw = 0.0
        old_peak = self.p_peak_kw
        self._update_peak(time_s, p_kw)
        par, dt_h = self.params, self.step_s / 3600.0
        if par.mode == CapacityMode.PEAK:
            cost = par.eur_kw_month * (self.p_peak_kw - old_peak)
        else:
            cost = par.eur_kw_year * par.subscribed_kw * self.step_s / _YEAR_S
            cost += par.overrun_eur_kwh * max(p_kw - par.subscribed_kw, 0.0) * dt_h
        self.cost_eur += cost
        return cost

    def _update_peak(self, time_s: int, p_kw: float) -> None:
        window = self.params.window_s
        if self.step_s >= window:
            self.p_peak_kw = max(self.p_peak_kw, p_kw)
            return
        self._window_kwh += p_kw * self.step_s / 3600.0
        if (time_s + self.step_s) % window == 0:
            self.p_peak_kw = max(self.p_peak_kw, self._window_kwh * 3600.0 / window)
            self._window_kwh = 0.0
