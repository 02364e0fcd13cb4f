"""Piecewise-constant price series on scenario time, averaged over simulation steps."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosim.errors import ModelError

__all__ = ["PriceSeries"]


class PriceSeries:
    """Prices that hold from one timestamp to the next (as day-ahead products do).

    The price of a simulation step ``[t, t + dt_s)`` is the time-weighted mean of the
    series over the step: a coarser series (hourly prices, 15-min steps) is forward-filled,
    a finer one (15-min prices, hourly steps) is averaged.

    Parameters
    ----------
    time_s : array_like of int (n,)
        Start of each price interval [s since scenario start], strictly increasing.
    price_eur_mwh : array_like (n,)
        Price of each interval [EUR/MWh].
    end_s : int
        End of the last interval [s since scenario start].
    source : str
        Where the prices come from, used in error messages.

    Examples
    --------
    >>> s = PriceSeries([0, 3600], [10.0, 20.0], end_s=7200)
    >>> s.mean_eur_mwh([0, 1800, 3600], 1800).tolist()
    [10.0, 10.0, 20.0]
    >>> s.mean_eur_mwh([0], 7200).tolist()
    [15.0]
    """

    def __init__(
        self, time_s: ArrayLike, price_eur_mwh: ArrayLike, *, end_s: int, source: str = "prices"
    ) -> None:
        self.source = source
        self._t = np.empty(0, dtype=np.int64)
        self._p = np.empty(0)
        self._area = np.zeros(1)
        self.end_s = int(end_s)
        self.extend(time_s, price_eur_mwh, end_s=end_s)

    @property
    def start_s(self) -> int:
        """Start of the first interval [s]."""
        return int(self._t[0])

    def extend(self, time_s: ArrayLike, price_eur_mwh: ArrayLike, *, end_s: int) -> None:
        """Append intervals starting where the series ends (``time_s[0] == self.end_s``)."""
        t = np.asarray(time_s, dtype=np.int64).ravel()
        p = np.asarray(price_eur_mwh, dtype=float).ravel()
        if t.size == 0 or t.shape != p.shape:
            raise ValueError(f"{self.source}: need as many prices as timestamps (>= 1)")
        if self._t.size and t[0] != self.end_s:
            raise ValueError(
                f"{self.source}: extension starts at {t[0]} s, series ends {self.end_s} s"
            )
        bounds = np.append(t, int(end_s))
        if np.any(np.diff(bounds) <= 0):
            raise ValueError(f"{self.source}: timestamps must be strictly increasing")
        if not np.all(np.isfinite(p)):
            raise ValueError(
                f"{self.source}: prices must be finite (row {np.argmin(np.isfinite(p))})"
            )
        self._area = np.append(self._area, self._area[-1] + np.cumsum(p * np.diff(bounds)))
        self._t = np.append(self._t, t)
        self._p = np.append(self._p, p)
        self.end_s = int(end_s)

    def _integral(self, t: NDArray[np.int64]) -> NDArray[np.float64]:
        i = np.clip(np.searchsorted(self._t, t, side="right") - 1, 0, self._t.size - 1)
        return self._area[i] + self._p[i] * (t - self._t[i])

    def mean_eur_mwh(self, t0_s: ArrayLike, dt_s: int) -> NDArray[np.float64]:
        """Mean price over ``[t0, t0 + dt_s)`` for each ``t0`` [EUR/MWh].

        Raises
        ------
        ModelError
            When a step lies outside the series (names the time and the covered range).
        """
        t0 = np.asarray(t0_s, dtype=np.int64)
        if t0.size and (t0.min() < self._t[0] or t0.max() + dt_s > self.end_s):
            bad = int(t0.min()) if t0.min() < self._t[0] else int(t0.max())
            raise ModelError(
                f"{self.source}: no price for the step starting at t={bad} s; the series "
                f"covers [{self.start_s}, {self.end_s}) s since start. Extend the price data "
                "or shorten the scenario"
            )
        return (self._integral(t0 + dt_s) - self._integral(t0)) / dt_s
