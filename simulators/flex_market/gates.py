"""Gate closure times of the flexibility market (day-ahead, intraday, tender call-off).

Times are scenario seconds. Local days are counted with the fixed UTC offset of the scenario
start (no daylight-saving shift): ``start_tod_s`` is the local time of day of scenario time 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cosim.timebase import DAY_S
from simulators.flex_market.orders import Gate

__all__ = ["GateParams", "gate_closure_s"]


@dataclass(frozen=True)
class GateParams:
    """Gate closure rules.

    Parameters
    ----------
    day_ahead_hour : float
        Local hour of the day before delivery at which the day-ahead gate closes for every
        window starting on the delivery day [h], in [0, 24). Default 12:00.
    intraday_lead_s : int
        Intraday gate closes this long before a window starts [s], >= 0. Default 1 h.
    call_off_notice_s : int
        A call-off of tender contracts must arrive this long before the window [s], >= 0.
    start_tod_s : int
        Local time of day of scenario time 0 [s], in [0, 86400).
    """

    day_ahead_hour: float = 12.0
    intraday_lead_s: int = 3600
    call_off_notice_s: int = 0
    start_tod_s: int = 0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.day_ahead_hour) and 0.0 <= self.day_ahead_hour < 24.0):
            raise ValueError(f"day_ahead_hour={self.day_ahead_hour} must be within [0, 24)")
        for name in ("intraday_lead_s", "call_off_notice_s"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value >= 0):
                raise ValueError(f"{name}={value!r} must be an integer number of seconds >= 0")
        if not (isinstance(self.start_tod_s, int) and 0 <= self.start_tod_s < DAY_S):
            raise ValueError(f"start_tod_s={self.start_tod_s!r} must be within [0, {DAY_S})")


def gate_closure_s(gate: Gate, t_start_s: int, *, params: GateParams) -> int:
    """Scenario time [s] at which ``gate`` closes for a window starting at ``t_start_s``.

    Orders must be received at or before this time; the market clears at the first step at
    or after it.

    >>> p = GateParams(day_ahead_hour=12.0, intraday_lead_s=3600)
    >>> gate_closure_s(Gate.DAY_AHEAD, 86400 + 18 * 3600, params=p)  # day 1, 18:00 -> day 0, 12:00
    43200
    >>> gate_closure_s(Gate.INTRADAY, 86400 + 18 * 3600, params=p)
    147600
    """
    if gate == Gate.DAY_AHEAD:
        day = (t_start_s + params.start_tod_s) // DAY_S
        return int((day - 1) * DAY_S + round(params.day_ahead_hour * 3600) - params.start_tod_s)
    if gate == Gate.INTRADAY:
        return t_start_s - params.intraday_lead_s
    return t_start_s - params.call_off_notice_s
