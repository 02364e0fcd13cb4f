"""The DSO's market planner: keeps the baseline history, issues day-ahead and intraday requests
(or, with ``call_off``, the same requests as call-offs of its tender contracts)."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import planner_kernels
from .market import (
    HOUR_S,
    MarketParams,
    build_requests,
    day_start_s,
    forecast_loading,
    make_request,
    zone_relief_kw,
)
from .zone_map import ZoneMap

__all__ = ["HourlyProfile", "MarketPlanner"]

log = logging.getLogger(__name__)

_F64 = np.dtype(np.float64)


class HourlyProfile:
    """Hourly means of a per-zone series for the current and the previous local day.

    Parameters
    ----------
    n : int
        Number of values per observation.
    """

    def __init__(self, n: int) -> None:
        self.day: int | None = None
        self._sum = np.zeros((2, 24, n))  # [yesterday, today]
        self._count = np.zeros((2, 24, 1))

    def compiled_hour(self, day: int, hour: int, values: ArrayLike) -> int:
        """``hour`` when :meth:`observe` of ``values`` on ``day`` is one compiled add to the
        current day's sums (:func:`~controllers.dso.planner_kernels.add_hourly`, which a
        caller may then make in its own compiled call instead), else -1."""
        if (
            type(values) is np.ndarray
            and values.dtype == _F64
            and values.shape == self._sum.shape[2:]
            and 0 <= hour < 24
            and day == self.day
        ):  # the declared baselines, one per zone (every step)
            return hour
        return -1

    def observe(self, day: int, hour: int, values: ArrayLike) -> None:
        """Add a value seen on local ``day`` at ``hour`` (0-23)."""
        if self.day is None or day != self.day:
            consecutive = self.day is not None and day == self.day + 1
            self._sum[0] = self._sum[1] if consecutive else 0.0
            self._count[0] = self._count[1] if consecutive else 0.0
            self._sum[1], self._count[1] = 0.0, 0.0
            self.day = day
        # the sum in one compiled call
        if isinstance(values, np.ndarray) and self.compiled_hour(day, hour, values) >= 0:
            planner_kernels.add_hourly(self._sum, self._count, hour, values)
            return
        add = np.asarray(values, dtype=float).reshape(-1)
        row = self._sum[1, hour]
        # NaN counts 0; a non-finite sum of a few Python floats (NaN or inf among them, or an
        # overflow, where nan_to_num changes nothing) is cheaper than two numpy calls
        row += add if math.isfinite(sum(add.tolist())) else np.nan_to_num(add)
        self._count[1, hour, 0] += 1.0  # as a scalar: no view of the (1,) row

    @property
    def sums(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The hourly sums and counts :meth:`compiled_hour`'s add writes into."""
        return self._sum, self._count

    def of_day(self, day: int) -> NDArray[np.float64]:
        """Hourly means of ``day`` (24, n); NaN for hours not seen or days not kept."""
        if self.day is None or day not in (self.day - 1, self.day):
            return np.full(self._sum.shape[1:], np.nan)
        i = 1 if day == self.day else 0
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self._count[i] > 0, self._sum[i] / self._count[i], np.nan)

    def latest(self) -> NDArray[np.float64]:
        """Per hour of day, the most recent day's mean (today where seen, else yesterday)."""
        if self.day is None:
            return np.full(self._sum.shape[1:], np.nan)
        today = self.of_day(self.day)
        return np.where(np.isnan(today), self.of_day(self.day - 1), today)


class MarketPlanner:
    """Day-ahead (and optional intraday) flexibility requests of one DSO operator.

    Once a day, at the first step in ``[request_hour, request_hour + 1 h)``, forecasts the
    next day from the reference day (the last complete day) and issues ``day_ahead``
    requests (see :mod:`controllers.dso.market`). With ``intraday``, a measured congestion
    whose zone had no day-ahead relief in that hour gives an ``intraday`` request from
    ``t + intraday_lead_s``, at most one open window per zone. With ``params.call_off``
    both go to the market as ``call_off`` requests against the DSO's tender contracts.

    Parameters
    ----------
    params : MarketParams
    zone_map : ZoneMap
    zone_names, zone_buses : sequences (Z,)
    rating_kva : ndarray (E,)
    loading_limit_pct : float
    step_s, start_sod_s : int
        Step length and local time of day of scenario time 0 [s].
    prefix : str
        Start of request ids.
    """

    def __init__(
        self,
        params: MarketParams,
        zone_map: ZoneMap,
        *,
        zone_names: Sequence[str],
        zone_buses: Sequence[Sequence[int]],
        rating_kva: NDArray[np.float64],
        loading_limit_pct: float,
        step_s: int,
        start_sod_s: int,
        prefix: str = "dso",
    ) -> None:
        self.params = params
        self.zone_map = zone_map
        self.zone_names = list(zone_names)
        self.zone_buses = [list(b) for b in zone_buses]
        self.rating_kva = rating_kva
        self.threshold_pct = loading_limit_pct - params.margin_pct
        self.loading_limit_pct = loading_limit_pct
        self.step_s, self.start_sod_s, self.prefix = int(step_s), int(start_sod_s), prefix
        self.baseline = HourlyProfile(len(self.zone_names))
        # the zone fractions behind each element, for the daily forecast: the zone map is
        # the operator's, fixed at its creation, and the forecast only reads them
        self._fraction = zone_map.fraction()
        self._forecast: dict[int, NDArray[np.float64]] = {}  # delivery day -> (24, E)
        self._relief: dict[int, NDArray[np.float64]] = {}  # delivery day -> (24, Z)
        self._issued_day: int | None = None
        self._intraday_until = np.full(len(self.zone_names), -1, dtype=np.int64)

    def forecast_now(self, day: int, hour: float) -> NDArray[np.float64] | None:
        """The day-ahead forecast made for this hour [%] (E,), or None: the stored row, for
        a caller that only reads it (the forecasts are replaced each day, never written)."""
        fc = self._forecast.get(day)
        return None if fc is None else fc[int(hour)]

    def step(
        self,
        time_s: int,
        *,
        day: int,
        hour: float,
        reference_pct: Callable[[], NDArray[np.float64]],
        loading_pct: NDArray[np.float64],
        n_above_limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Requests issued at ``time_s`` (empty list when none).

        ``reference_pct`` gives the reference day's hourly loadings (24, E), called only
        when the day-ahead requests are due; ``loading_pct`` is the latest measurement;
        ``n_above_limit``, if the caller counted them, its elements above the loading limit.
        """
        out: list[dict[str, Any]] = []
        p = self.params
        if self._issued_day != day and p.request_hour <= hour < p.request_hour + 1.0:
            self._issued_day = day
            out += self._day_ahead(day, reference_pct())
        if p.intraday:
            out += self._intraday(time_s, day, hour, loading_pct, n_above_limit)
        return out

    def _day_ahead(self, day: int, reference: NDArray[np.float64]) -> list[dict[str, Any]]:
        expected = self.baseline.latest()
        fc = forecast_loading(
            reference,
            baseline_ref_kw=self.baseline.of_day(day - 1),
            baseline_new_kw=expected,
            rating_kva=self.rating_kva,
            fraction=self._fraction,
        )
        relief = zone_relief_kw(
            fc,
            rating_kva=self.rating_kva,
            zone_map=self.zone_map,
            baseline_kw=expected,
            threshold_pct=self.threshold_pct,
        )
        self._forecast = {d: f for d, f in self._forecast.items() if d >= day} | {day + 1: fc}
        self._relief = {d: r for d, r in self._relief.items() if d >= day} | {day + 1: relief}
        reqs = build_requests(
            relief,
            day_start_s=day_start_s(day + 1, self.start_sod_s),
            zone_names=self.zone_names,
            zone_buses=self.zone_buses,
            step_s=self.step_s,
            params=self.params,
            gate="call_off" if self.params.call_off else "day_ahead",
            prefix=self.prefix,
        )
        if reqs:
            log.debug("day %d: %d day-ahead requests for day %d", day, len(reqs), day + 1)
        return reqs

    def _intraday(
        self,
        time_s: int,
        day: int,
        hour: float,
        loading: NDArray[np.float64],
        n_above: int | None,
    ) -> list[dict[str, Any]]:
        # no element above the threshold: no relief to ask (min_request_kw is > 0)
        if n_above is None:
            n_above = int(np.count_nonzero(loading > self.loading_limit_pct))  # NaN: not above
        if not n_above:
            return []
        relief = zone_relief_kw(
            loading[None, :],
            rating_kva=self.rating_kva,
            zone_map=self.zone_map,
            baseline_kw=self.baseline.latest()[int(hour)][None, :],
            threshold_pct=self.loading_limit_pct,
        )[0]
        foreseen = self._relief.get(day, np.zeros((24, relief.size)))[int(hour)] > 0
        start = int(time_s) + int(self.params.intraday_lead_s)
        new = (relief >= self.params.min_request_kw) & ~foreseen & (self._intraday_until <= start)
        if not new.any():
            return []
        length = int(self.params.window_steps) * self.step_s or HOUR_S
        reqs = [
            make_request(
                zone=self.zone_names[z],
                buses=self.zone_buses[z],
                window_s=(start, start + length),
                p_kw=float(relief[z]),
                price_cap_eur_mwh=self.params.price_cap_eur_mwh,
                gate="call_off" if self.params.call_off else "intraday",
                prefix=f"{self.prefix}-intraday" if self.params.call_off else self.prefix,
            )
            for z in np.flatnonzero(new)
        ]
        self._intraday_until[new] = start + length
        return reqs
