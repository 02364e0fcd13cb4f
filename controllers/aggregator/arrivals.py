"""Room for the balancing bids with the EVs still to arrive: a day-ahead forecast.

The band the aggregator sells for a block (:func:`controllers.aggregator.fcr.offer_band`)
is the smallest symmetric room of the block. Counting only the EVs plugged in when the
offer is made (``"plugged"``) promises nothing for EVs that arrive during the block, so
the room shrinks as plugged EVs fill up or leave and the offer is as small as the block's
emptiest step. ``"day_ahead"`` forecasts the room of the whole pool, arrivals included,
as the room measured at the same time of day one day earlier (persistence, the usual
reference forecast for aggregated EV availability) and offers against the larger of the
two per step: arrivals are forecast, and a forecast that turns out too high shows up as
shortfall, penalties and blocked activations, which the study reports.

References
----------
.. [1] Gonzalez Venegas, Petit, Perez, "Active integration of electric vehicles into
   distribution grids: barriers and frameworks for flexibility services", RSER 145 (2021):
   aggregators bid forecast availability; forecast errors are settled as imbalance.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator.forecast import DayAheadPersistence
from cosim.timebase import DAY_S

__all__ = ["RoomForecast", "RoomPersistence"]


class RoomForecast(StrEnum):
    """What the balancing offer counts on (``aggregator.fcr_forecast``)."""

    PLUGGED = "plugged"
    DAY_AHEAD = "day_ahead"


class RoomPersistence:
    """The pool's measured up/down room per step, forecast one day ahead.

    Parameters
    ----------
    step_s : int
        Step length [s], dividing a day.

    Examples
    --------
    One day of 12-h steps: 6 kW up and 4 kW down at midnight, 2 and 2 at noon. Next day,
    plugged EVs alone promise 1 kW both ways at midnight and 3 kW up at noon:

    >>> r = RoomPersistence(step_s=43_200)
    >>> r.update(0, 6.0, 4.0); r.update(43_200, 2.0, 2.0)
    >>> up, down = r.combine(86_400, np.array([1.0, 3.0]), np.array([1.0, 1.0]))
    >>> up.tolist(), down.tolist()
    ([6.0, 3.0], [4.0, 2.0])
    """

    def __init__(self, *, step_s: int) -> None:
        self.step_s = int(step_s)
        self._up = DayAheadPersistence(step_s=step_s, lag_steps=0)
        self._down = DayAheadPersistence(step_s=step_s, lag_steps=0)
        self._since: int | None = None

    def update(self, time_s: int, up_kw: float, down_kw: float) -> None:
        """Store the pool's room measured at ``time_s`` [kW]."""
        if self._since is None:
            self._since = int(time_s)
        self._up.update(time_s, up_kw)
        self._down.update(time_s, down_kw)

    def combine(
        self, time_s: int, up_kw: NDArray[np.float64], down_kw: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Per step from ``time_s``, the larger of the plugged EVs' room and the persistence.

        ``up_kw``, ``down_kw`` (H,) are the plugged EVs' forecast room [kW]; a step whose
        time one day earlier was not measured keeps the plugged EVs' room.

        >>> r = RoomPersistence(step_s=43_200)
        >>> r.update(0, 6.0, 4.0)
        >>> r.combine(43_200, np.array([1.0, 1.0]), np.array([1.0, 1.0]))[0].tolist()
        [1.0, 6.0]
        """
        h = len(up_kw)
        if self._since is None:
            return np.asarray(up_kw, dtype=float), np.asarray(down_kw, dtype=float)
        src = int(time_s) + self.step_s * np.arange(h) - DAY_S
        seen = src >= self._since
        up = np.where(seen, np.fmax(up_kw, self._up.forecast(time_s, h)), up_kw)
        down = np.where(seen, np.fmax(down_kw, self._down.forecast(time_s, h)), down_kw)
        return up, down
