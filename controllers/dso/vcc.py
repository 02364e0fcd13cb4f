"""Variable capacity contracts: time-of-day capacity schedules and a day-ahead load forecast.

References
----------
.. [1] ElaadNL, *FlexPower Amsterdam* (project page, 2017-2019): public charge points of
   Vattenfall/Nuon with Liander; "cars are charged faster throughout the day; only during
   peak hours (between 16.30 and 19.30) ... the cars are charged slower and with less power".
   https://elaad.nl/en/projects/flexpower-amsterdam/
.. [2] Gonzalez Venegas, Petit, Perez, *Active integration of electric vehicles into
   distribution grids: barriers and frameworks for flexibility services*, RSER 145 (2021)
   111060, §4.1.2 (variable capacity contracts; FlexPower).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["FLEXPOWER_SCHEDULE", "CapacitySchedule", "PersistenceForecast"]

#: FlexPower-like default [1]_: 40 % of the rating through the evening peak (16:00-21:00),
#: then 70 % while households wind down (21:00-23:00), full rating otherwise. The second
#: step keeps every charger from returning to full power at once: a single cut ending at
#: 19:30 only moves the peak to 19:30 (and raised it, 138 % vs 116 % uncontrolled, in the
#: frameworks study). FlexPower Amsterdam cut the evening peak by about 1.2 kW per charger
#: with little user impact; the pilot's exact current settings are not reproduced here.
FLEXPOWER_SCHEDULE: tuple[tuple[float, float, float], ...] = (
    (16.0, 21.0, 0.4),
    (21.0, 23.0, 0.7),
)


@dataclass(frozen=True)
class CapacitySchedule:
    """Capacity as a fraction of the charger rating by local hour of day.

    Parameters
    ----------
    ranges : sequence of (start_h, end_h, fraction)
        Local-time windows ``[start_h, end_h)`` in hours (0 ≤ h ≤ 24; ``start_h > end_h``
        wraps past midnight) and the fraction of the rating allowed in them, in [0, 1].
        Hours in no window get ``default``; where windows overlap the smallest fraction holds.
    default : float
        Fraction outside every window, in [0, 1].

    Examples
    --------
    >>> s = CapacitySchedule(FLEXPOWER_SCHEDULE)
    >>> s.fraction_at(17.0), s.fraction_at(22.0), s.fraction_at(23.5)
    (0.4, 0.7, 1.0)
    """

    ranges: Sequence[Sequence[float]] = FLEXPOWER_SCHEDULE
    default: float = 1.0

    def __post_init__(self) -> None:
        problems = []
        if not 0.0 <= self.default <= 1.0:
            problems.append(f"default={self.default} (allowed: 0..1)")
        for i, rng in enumerate(self.ranges):
            if len(rng) != 3:
                problems.append(f"ranges[{i}]={list(rng)} (need [start_h, end_h, fraction])")
                continue
            start, end, frac = (float(x) for x in rng)
            if not (0.0 <= start <= 24.0 and 0.0 <= end <= 24.0) or start == end:
                problems.append(f"ranges[{i}] hours {start}-{end} (allowed: 0..24, start≠end)")
            if not 0.0 <= frac <= 1.0:
                problems.append(f"ranges[{i}] fraction={frac} (allowed: 0..1)")
        if problems:
            raise ValueError("CapacitySchedule: " + "; ".join(problems))

    def fraction_at(self, hour: float) -> float:
        """Capacity fraction at local ``hour`` in [0, 24)."""
        frac = self.default
        for start, end, f in self.ranges:
            inside = start <= hour < end if start < end else (hour >= start or hour < end)
            if inside:
                frac = min(frac, float(f))
        return frac


class PersistenceForecast:
    """Day-ahead persistence forecast: tomorrow's hourly peak loading = today's.

    Keeps, per local calendar day, the highest loading seen in each hour for every element.
    The forecast for an hour of day ``D`` is the peak of that hour on day ``D − 1``; it is
    NaN on the first day and for hours not observed the day before.

    Parameters
    ----------
    n_element : int
        Number of monitored elements.
    """

    def __init__(self, n_element: int) -> None:
        self._day: int | None = None
        self._today = np.full((24, n_element), np.nan)
        self._yesterday = np.full((24, n_element), np.nan)

    def observe(self, day: int, hour: int, loading_pct: NDArray[np.float64]) -> None:
        """Record a measurement taken on local ``day`` (index) at ``hour`` (0-23)."""
        if self._day is None:
            self._day = day
        elif day != self._day:
            consecutive = day == self._day + 1
            self._yesterday = self._today if consecutive else np.full_like(self._today, np.nan)
            self._today = np.full_like(self._today, np.nan)
            self._day = day
        row = self._today[hour]
        np.fmax(row, loading_pct, out=row)

    def row_of(self, day: int, hour: int) -> NDArray[np.float64] | None:
        """The row :meth:`observe` of ``day`` and ``hour`` writes into, for a compiled call
        to take the loadings in its place (see :meth:`observe`); None when that observe
        starts a day (first or new): then only :meth:`observe` does it."""
        return self._today[hour] if day == self._day else None

    def forecast(self, day: int, hour: int) -> NDArray[np.float64]:
        """Forecast peak loading [%] per element for ``hour`` of ``day`` (made the day before)."""
        return self.forecast_row(day, hour).copy()

    def forecast_row(self, day: int, hour: int) -> NDArray[np.float64]:
        """:meth:`forecast` without the copy, for a caller that only reads it before the
        next :meth:`observe` (which may write today's rows in place)."""
        if self._day is None:
            return np.full(self._today.shape[1], np.nan)
        if day == self._day:
            return self._yesterday[hour]
        if day == self._day + 1:
            return self._today[hour]
        return np.full(self._today.shape[1], np.nan)
