"""Public-charging visitors: sessions (arrival, dwell, energy) at public chargers (pure).

Visitors are not persistent vehicles. Each public charger is one row ("slot") of the
fleet's arrays; every local day, each slot receives up to ``max_sessions_per_day``
sessions, each present with probability ``sessions_per_day / max_sessions_per_day``. A
session is a new vehicle: battery and on-board charger from the vehicle mix, an arrival
SoC, and an energy request that sets its target SoC. Sessions at one charger never
overlap: a dwell is cut at the next arrival and at local midnight.

Defaults (EVnetNL public chargers, the Netherlands, 2015 statistics): most sessions start
around 08:51 on weekdays and 13:45 at weekends, most end around 17:12 (weekdays), the mean
energy per session is 8.4 kWh and chargers are occupied 13.7 % of the time. Arrival times
are normal around these modes (sd 3 h); dwell times are log-normal with mean 4 h (cv 0.8),
so a charger with ``sessions_per_day = 0.8`` is occupied ~13 % of the day; energy is
log-normal with mean 8.4 kWh (cv 0.8), capped at what the battery can take.

References
----------
.. [1] EVnetNL, "Het laadjaar 2015 in cijfers" (public charging statistics, 2016).
.. [2] S. Maase, X. Dilrosun, M. Kooi, R. van den Hoed, "Performance of electric vehicle
   charging infrastructure: development of an assessment platform based on charging
   data", World Electric Vehicle Journal 9 (2018) 25, doi:10.3390/wevj9020025.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from cosim.timebase import DAY_S

__all__ = ["VisitorModel", "VisitorParams"]

_H = 3600.0


def _lognormal(rng: np.random.Generator, mean: float, cv: float, shape: tuple[int, ...]) -> NDArray:  # type: ignore[type-arg]
    sigma2 = np.log1p(cv**2)
    return mean * rng.lognormal(-sigma2 / 2.0, np.sqrt(sigma2), shape)


@dataclass(frozen=True)
class VisitorParams:
    """Session distributions of public charging visitors (see module docstring).

    Parameters
    ----------
    sessions_per_day : float
        Mean sessions per charger and day [1/d].
    max_sessions_per_day : int
        Most sessions one charger serves in a day.
    weekday_arrival_mean_h, weekend_arrival_mean_h, arrival_sd_h : float
        Normal arrival time of day [h].
    dwell_mean_h, dwell_cv : float
        Log-normal connection time [h], [-].
    energy_mean_kwh, energy_cv : float
        Log-normal energy requested per session [kWh], [-].
    soc_arrival : (float, float)
        Range of the uniform arrival SoC [-].
    battery_kwh, battery_share, p_max_kw, p_max_share : tuple of float
        Vehicle mix of the visitors [kWh], [kW].
    soc_min : float
        V2G floor of visitors [-].
    p_opt_out : float
        Probability that a session opts out of controlled charging [-].
    """

    sessions_per_day: float = 0.8
    max_sessions_per_day: int = 2
    weekday_arrival_mean_h: float = 8.85
    weekend_arrival_mean_h: float = 13.75
    arrival_sd_h: float = 3.0
    dwell_mean_h: float = 4.0
    dwell_cv: float = 0.8
    energy_mean_kwh: float = 8.4
    energy_cv: float = 0.8
    soc_arrival: tuple[float, float] = (0.2, 0.7)
    battery_kwh: tuple[float, ...] = (40.0, 60.0, 77.0)
    battery_share: tuple[float, ...] = (0.3, 0.4, 0.3)
    p_max_kw: tuple[float, ...] = (7.4, 11.0)
    p_max_share: tuple[float, ...] = (0.5, 0.5)
    soc_min: float = 0.2
    p_opt_out: float = 0.0

    def __post_init__(self) -> None:
        for name in ("soc_arrival", "battery_kwh", "battery_share", "p_max_kw", "p_max_share"):
            object.__setattr__(self, name, tuple(float(v) for v in getattr(self, name)))
        problems = []
        if not 1 <= self.max_sessions_per_day <= 24:
            problems.append(f"max_sessions_per_day={self.max_sessions_per_day} must be in [1, 24]")
        if not 0.0 <= self.sessions_per_day <= self.max_sessions_per_day:
            problems.append(
                f"sessions_per_day={self.sessions_per_day} must be in "
                f"[0, max_sessions_per_day={self.max_sessions_per_day}]"
            )
        for name in ("weekday_arrival_mean_h", "weekend_arrival_mean_h"):
            if not 0.0 <= getattr(self, name) < 24.0:
                problems.append(f"{name}={getattr(self, name)} h must be in [0, 24)")
        for name in ("arrival_sd_h", "dwell_cv", "energy_cv"):
            if not getattr(self, name) >= 0.0:
                problems.append(f"{name}={getattr(self, name)} must be >= 0")
        for name in ("dwell_mean_h", "energy_mean_kwh"):
            if not getattr(self, name) > 0.0:
                problems.append(f"{name}={getattr(self, name)} must be > 0")
        lo, hi = self.soc_arrival
        if not 0.0 <= lo <= hi < 1.0:
            problems.append(f"soc_arrival={self.soc_arrival} must be (low, high) in [0, 1)")
        for values, shares in (("battery_kwh", "battery_share"), ("p_max_kw", "p_max_share")):
            v, s = getattr(self, values), getattr(self, shares)
            if len(v) == 0 or len(v) != len(s) or not np.isclose(sum(s), 1.0) or min(v) <= 0:
                problems.append(f"{values}={v} / {shares}={s}: one share per value, summing to 1")
        if not 0.0 <= self.p_opt_out <= 1.0:
            problems.append(f"p_opt_out={self.p_opt_out} must be in [0, 1]")
        if problems:
            raise ValueError("invalid VisitorParams: " + "; ".join(problems))


@dataclass(frozen=True)
class _DaySessions:
    """Sessions of one local day, shape (n_slots, k), sorted by arrival; absent: inf."""

    arr_s: NDArray[np.float64]
    leave_s: NDArray[np.int64]
    cap_kwh: NDArray[np.float64]
    p_max_kw: NDArray[np.float64]
    soc0: NDArray[np.float64]
    soc_target: NDArray[np.float64]
    opt_out: NDArray[np.bool_]
    #: every finite arrival time of the day, ascending [s]
    arrivals: list[float] = field(default_factory=list)

    def any_arrival(self, t0: int, t1: int) -> bool:
        """Whether a session arrives in ``[t0, t1)``."""
        i = bisect_left(self.arrivals, t0)
        return i < len(self.arrivals) and self.arrivals[i] < t1


class VisitorModel:
    """Sessions of public-charging visitors at ``n_slots`` chargers (one row each).

    Parameters
    ----------
    params : VisitorParams
        Session distributions.
    n_slots : int
        Number of public chargers.
    rng : numpy.random.Generator
        Draws the seed of the per-day session streams.
    step_s : int
        Step length [s].
    week_offset_s : int
        Seconds from local Monday 00:00 to the scenario start [s].
    """

    def __init__(
        self,
        params: VisitorParams,
        n_slots: int,
        rng: np.random.Generator,
        *,
        step_s: int,
        week_offset_s: int,
    ) -> None:
        if n_slots < 1:
            raise ValueError(f"n_slots={n_slots} must be >= 1")
        self.params = params
        self.n = int(n_slots)
        self.step_s = int(step_s)
        self.week_offset_s = int(week_offset_s)
        self._seed = int(rng.integers(2**62))
        n = self.n
        self.plugged = np.zeros(n, dtype=bool)
        self.soc = np.zeros(n)
        self.capacity_kwh = np.full(n, params.battery_kwh[0])
        self.p_max_kw = np.full(n, params.p_max_kw[0])
        self.soc_target = np.zeros(n)
        self.soc_min = np.full(n, params.soc_min)
        self.departure_s = np.full(n, -1, dtype=np.int64)
        self.opt_out = np.zeros(n, dtype=bool)
        self.sessions = np.zeros(n, dtype=np.int64)
        self.e_batt_total_kwh = np.zeros(n)
        #: counts the steps in which a session arrived or left (session fields changed)
        self.session_changes = 0
        self._days: dict[int, _DaySessions] = {}

    def day(self, d: int) -> _DaySessions:
        """Sessions of local day ``d`` (days since the local Monday of the start week)."""
        cached = self._days.get(d)
        if cached is not None:
            return cached
        p = self.params
        rng = np.random.default_rng([self._seed, d])
        k, shape = p.max_sessions_per_day, (self.n, p.max_sessions_per_day)
        present = rng.random(shape) < p.sessions_per_day / k
        mean_h = p.weekend_arrival_mean_h if d % 7 >= 5 else p.weekday_arrival_mean_h
        arr_h = np.clip(mean_h + p.arrival_sd_h * rng.standard_normal(shape), 0.0, 23.5)
        arr_h = np.sort(np.where(present, arr_h, np.inf), axis=1)
        dwell_h = np.maximum(_lognormal(rng, p.dwell_mean_h, p.dwell_cv, shape), 0.25)
        next_h = np.concatenate([arr_h[:, 1:], np.full((self.n, 1), np.inf)], axis=1)
        leave_h = np.minimum.reduce([arr_h + dwell_h, next_h, np.full(shape, 23.99)])
        cap = rng.choice(np.asarray(p.battery_kwh), size=shape, p=p.battery_share)
        soc0 = rng.uniform(*p.soc_arrival, size=shape)
        e_req = _lognormal(rng, p.energy_mean_kwh, p.energy_cv, shape)
        midnight = d * DAY_S - self.week_offset_s
        arr_s = midnight + np.round(arr_h * _H)
        sessions = _DaySessions(
            arr_s=arr_s,
            leave_s=np.where(
                np.isfinite(arr_h), midnight + np.round(np.nan_to_num(leave_h) * _H), -1
            ).astype(np.int64),
            cap_kwh=cap,
            p_max_kw=rng.choice(np.asarray(p.p_max_kw), size=shape, p=p.p_max_share),
            soc0=soc0,
            soc_target=np.minimum(soc0 + e_req / cap, 1.0),
            opt_out=rng.random(shape) < p.p_opt_out,
            arrivals=sorted(float(a) for a in arr_s[np.isfinite(arr_s)]),
        )
        for old in [x for x in self._days if x < d - 2]:
            del self._days[old]
        self._days[d] = sessions
        return sessions

    def apply_power(self, p_batt_kw: NDArray[np.float64]) -> None:
        """Charge the connected visitors with ``p_batt_kw`` for one step [kW]."""
        if not self.plugged.any():  # adding zero energy changes nothing
            return
        e_kwh = np.where(self.plugged, p_batt_kw, 0.0)
        e_kwh *= self.step_s / _H
        self.e_batt_total_kwh += e_kwh
        soc = np.divide(e_kwh, self.capacity_kwh)
        soc += self.soc  # a new array: soc is replaced, never changed in place
        self.soc = np.clip(soc, 0.0, 1.0, out=soc)

    def step(self, time_s: int) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """Departures due before ``time_s + step_s``, then the arrivals of ``[t, t + step)``.

        Returns
        -------
        unserved_kwh : ndarray (n_slots,)
            Energy short of the session target at departures in this step [kWh].
        arrived : ndarray of bool (n_slots,)
            True where a session started in this step.
        """
        t1 = time_s + self.step_s
        leaving = self.plugged & (self.departure_s < t1)
        if leaving.any():
            short = np.maximum(self.soc_target - self.soc, 0.0) * self.capacity_kwh
            unserved = np.where(leaving, short, 0.0)
            self.plugged &= ~leaving
            self.opt_out &= ~leaving
            self.session_changes += 1
        else:
            unserved = np.zeros(self.n)
        arrived = np.zeros(self.n, dtype=bool)
        any_new = False
        first = (time_s + self.week_offset_s) // DAY_S
        last = (t1 - 1 + self.week_offset_s) // DAY_S
        for d in range(first, last + 1):
            s = self.day(d)
            if not s.any_arrival(time_s, t1):
                continue
            for j in range(s.arr_s.shape[1]):
                new = (s.arr_s[:, j] >= time_s) & (s.arr_s[:, j] < t1)
                if not new.any():
                    continue
                self.plugged |= new
                self.soc = np.where(new, s.soc0[:, j], self.soc)
                self.capacity_kwh = np.where(new, s.cap_kwh[:, j], self.capacity_kwh)
                self.p_max_kw = np.where(new, s.p_max_kw[:, j], self.p_max_kw)
                self.soc_target = np.where(new, s.soc_target[:, j], self.soc_target)
                self.departure_s = np.where(new, s.leave_s[:, j], self.departure_s)
                self.opt_out = np.where(new, s.opt_out[:, j], self.opt_out)
                arrived |= new
                any_new = True
        if any_new:
            self.sessions += arrived
            self.session_changes += 1
        return unserved, arrived
