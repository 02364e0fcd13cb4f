"""Weekly driving schedules of an EV fleet: one home-based trip per day, with weekly jitter.

First documented version of the mobility model. Each EV has a *base* weekly pattern, drawn
once: for each weekday (Monday = 0 ... Sunday = 6) whether it makes its daily round trip,
the departure and return times (local time of day) and the distance. Every simulated week
repeats the pattern with small per-day jitter (times and distances), drawn from a generator
seeded by the fleet seed and the week number, so weeks differ but a seed reproduces them.

Numbers (defaults of :class:`ScheduleParams`) are a first calibration on national travel
surveys: MiD 2017 (Mobilität in Deutschland, BMVI/infas) reports about 39 km travelled per
person and day and a morning commute peak around 7-8 h; the UK National Travel Survey shows
the same morning/evening commute peaks and shorter, later leisure trips at weekends. The
weekday round trip is log-normal with mean ~37 km, the weekend trip happens with
probability 0.6, starts later and is shorter. Trips start and end on the same day; the
local clock ignores daylight-saving changes.
"""

from __future__ import annotations

import functools
import math
from bisect import bisect_left
from dataclasses import dataclass, fields
from types import ModuleType

import numpy as np
from numpy.typing import NDArray

from cosim.timebase import DAY_S, WEEK_S

__all__ = ["FleetSchedule", "ScheduleParams", "WeekPlan", "WeeklySchedule"]

_H = 3600.0
_WEEKEND = np.array([False] * 5 + [True] * 2)


@dataclass(frozen=True)
class ScheduleParams:
    """Parameters of the weekly driving schedule (times in hours of local time, km).

    Parameters
    ----------
    weekday_trip_prob : float
        Probability that an EV commutes on a given weekday [-].
    weekday_dep_mean_h, weekday_dep_sd_h : float
        Normal distribution of the weekday departure time [h].
    weekday_ret_mean_h, weekday_ret_sd_h : float
        Normal distribution of the weekday return time [h].
    weekday_km_mean, weekday_km_cv : float
        Log-normal round-trip distance on weekdays: mean [km], coefficient of variation [-].
    weekend_trip_prob : float
        Probability that an EV drives on a given weekend day [-].
    weekend_dep_mean_h, weekend_dep_sd_h, weekend_ret_mean_h, weekend_ret_sd_h : float
        Weekend departure and return times [h].
    weekend_km_mean, weekend_km_cv : float
        Log-normal round-trip distance at weekends [km], [-].
    jitter_time_sd_h : float
        Standard deviation of the week-to-week jitter of departure and return times [h].
    jitter_km_cv : float
        Coefficient of variation of the week-to-week jitter of distances [-].
    min_stay_h : float
        Minimum time away from home per trip [h].
    max_km : float
        Upper bound of a daily round trip [km].
    """

    weekday_trip_prob: float = 0.9
    weekday_dep_mean_h: float = 7.5
    weekday_dep_sd_h: float = 1.0
    weekday_ret_mean_h: float = 17.5
    weekday_ret_sd_h: float = 1.5
    weekday_km_mean: float = 37.0
    weekday_km_cv: float = 0.7
    weekend_trip_prob: float = 0.6
    weekend_dep_mean_h: float = 10.5
    weekend_dep_sd_h: float = 2.0
    weekend_ret_mean_h: float = 16.5
    weekend_ret_sd_h: float = 2.5
    weekend_km_mean: float = 25.0
    weekend_km_cv: float = 0.9
    jitter_time_sd_h: float = 0.25
    jitter_km_cv: float = 0.15
    min_stay_h: float = 1.0
    max_km: float = 300.0

    def __post_init__(self) -> None:
        problems = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_prob") and not 0.0 <= value <= 1.0:
                problems.append(f"{f.name}={value} must be in [0, 1]")
            elif f.name.endswith("_mean_h") and not 0.0 <= value <= 24.0:
                problems.append(f"{f.name}={value} h must be in [0, 24]")
            elif not f.name.endswith(("_prob", "_mean_h")) and not value >= 0.0:
                problems.append(f"{f.name}={value} must be >= 0")
        if not 0.0 < self.min_stay_h < 12.0:
            problems.append(f"min_stay_h={self.min_stay_h} h must be in (0, 12)")
        if problems:
            raise ValueError("invalid ScheduleParams: " + "; ".join(problems))


@dataclass(frozen=True)
class WeekPlan:
    """Trips of one simulated week, shape (n_ev, 7), times in scenario seconds."""

    trip: NDArray[np.bool_]
    dep_s: NDArray[np.int64]
    ret_s: NDArray[np.int64]
    km: NDArray[np.float64]


def _lognormal(
    rng: np.random.Generator, mean: float, cv: float, shape: tuple[int, ...]
) -> NDArray[np.float64]:
    """Log-normal draws with the given mean and coefficient of variation."""
    sigma2 = np.log1p(cv**2)
    return mean * rng.lognormal(-sigma2 / 2.0, np.sqrt(sigma2), shape)


def _clip_times(
    dep_h: NDArray[np.float64], ret_h: NDArray[np.float64], min_stay_h: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Keep every trip inside its day: 3 h <= departure, departure + stay <= return <= 23.5 h."""
    dep_h = np.clip(dep_h, 3.0, 23.5 - min_stay_h)
    ret_h = np.clip(ret_h, dep_h + min_stay_h, 23.5)
    return dep_h, ret_h


class WeeklySchedule:
    """Weekly trip pattern of ``n_ev`` EVs and its week-by-week realisations.

    Parameters
    ----------
    params : ScheduleParams
        Distribution parameters.
    n_ev : int
        Number of EVs.
    rng : numpy.random.Generator
        Draws the base pattern and the seed of the weekly jitter.
    week_offset_s : int
        Seconds from local Monday 00:00 of the start week to the scenario start [s].
    """

    def __init__(
        self,
        params: ScheduleParams,
        n_ev: int,
        rng: np.random.Generator,
        *,
        week_offset_s: int,
    ) -> None:
        if not 0 <= week_offset_s < WEEK_S:
            raise ValueError(f"week_offset_s={week_offset_s} s must be in [0, {WEEK_S})")
        self.params = params
        self.n_ev = n_ev
        self.week_offset_s = int(week_offset_s)
        self._jitter_seed = int(rng.integers(2**62))
        shape = (n_ev, 7)
        p = params
        prob = np.where(_WEEKEND, p.weekend_trip_prob, p.weekday_trip_prob)
        self.base_trip = rng.random(shape) < prob
        dep_mean = np.where(_WEEKEND, p.weekend_dep_mean_h, p.weekday_dep_mean_h)
        dep_sd = np.where(_WEEKEND, p.weekend_dep_sd_h, p.weekday_dep_sd_h)
        ret_mean = np.where(_WEEKEND, p.weekend_ret_mean_h, p.weekday_ret_mean_h)
        ret_sd = np.where(_WEEKEND, p.weekend_ret_sd_h, p.weekday_ret_sd_h)
        self.base_dep_h = dep_mean + dep_sd * rng.standard_normal(shape)
        self.base_ret_h = ret_mean + ret_sd * rng.standard_normal(shape)
        km_wd = _lognormal(rng, p.weekday_km_mean, p.weekday_km_cv, shape)
        km_we = _lognormal(rng, p.weekend_km_mean, p.weekend_km_cv, shape)
        self.base_km = np.minimum(np.where(_WEEKEND, km_we, km_wd), p.max_km)
        self._plans: dict[int, WeekPlan] = {}
        self._event_times: dict[tuple[int, int], tuple[list[int], list[int]]] = {}

    def week_of(self, time_s: int) -> int:
        """Index of the simulated week containing scenario time ``time_s`` (0 = first)."""
        return (int(time_s) + self.week_offset_s) // WEEK_S

    def week_start_s(self, week: int) -> int:
        """Scenario time of local Monday 00:00 of ``week`` [s] (negative for week 0)."""
        return week * WEEK_S - self.week_offset_s

    def plan(self, week: int) -> WeekPlan:
        """Trips of ``week``: base pattern plus that week's jitter (cached, deterministic)."""
        cached = self._plans.get(week)
        if cached is not None:
            return cached
        rng = np.random.default_rng([self._jitter_seed, week])
        p = self.params
        shape = (self.n_ev, 7)
        dep_h = self.base_dep_h + p.jitter_time_sd_h * rng.standard_normal(shape)
        ret_h = self.base_ret_h + p.jitter_time_sd_h * rng.standard_normal(shape)
        dep_h, ret_h = _clip_times(dep_h, ret_h, p.min_stay_h)
        km = np.minimum(self.base_km * _lognormal(rng, 1.0, p.jitter_km_cv, shape), p.max_km)
        day0 = self.week_start_s(week) + DAY_S * np.arange(7)
        plan = WeekPlan(
            trip=self.base_trip,
            dep_s=day0 + np.round(dep_h * _H).astype(np.int64),
            ret_s=day0 + np.round(ret_h * _H).astype(np.int64),
            km=km,
        )
        for old in [w for w in self._plans if w < week - 3]:
            del self._plans[old]
        self._plans[week] = plan
        return plan

    def next_event_s(self, week: int, day: int, t_s: int) -> float:
        """The first departure or return of ``(week, day)``'s trips at or after ``t_s`` [s]
        (``inf`` if none): nobody leaves or returns in a window of that day ending before it."""
        first = math.inf
        for sorted_times in self._times(week, day):
            i = bisect_left(sorted_times, t_s)
            if i < len(sorted_times):
                first = min(first, sorted_times[i])
        return first

    def _times(self, week: int, day: int) -> tuple[list[int], list[int]]:
        """The sorted departure and return times of ``(week, day)``'s trips (cached)."""
        cache = self._event_times
        key = (week, day)
        times = cache.get(key)
        if times is None:
            plan = self.plan(week)
            trip = plan.trip[:, day]
            times = (
                sorted(plan.dep_s[trip, day].tolist()),
                sorted(plan.ret_s[trip, day].tolist()),
            )
            for old in [k for k in cache if k[0] < week - 1]:
                del cache[old]
            cache[key] = times
        return times

    def days_in(self, t0_s: int, t1_s: int) -> list[tuple[int, int]]:
        """``(week, weekday)`` of every local day overlapping ``[t0_s, t1_s)``, in order."""
        first = (int(t0_s) + self.week_offset_s) // DAY_S
        last = (int(t1_s) - 1 + self.week_offset_s) // DAY_S
        return [(d // 7, d % 7) for d in range(first, last + 1)]

    def next_trip(
        self, idx: NDArray[np.intp], after_s: int, *, horizon_weeks: int = 3
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """First trip of EVs ``idx`` departing at or after ``after_s``.

        Returns
        -------
        dep_s : ndarray of int64 (len(idx),)
            Departure time [s]; -1 when no trip within ``horizon_weeks`` weeks.
        km : ndarray (len(idx),)
            Distance of that trip [km]; 0 when none.
        """
        return _next_trip(self.trip_plans(after_s, horizon_weeks), idx, after_s)

    def trip_plans(self, after_s: int, horizon_weeks: int = 3) -> list[WeekPlan]:
        """The plans :meth:`next_trip` searches: the week of ``after_s`` and the next."""
        w0 = self.week_of(after_s)
        return [self.plan(w) for w in range(w0, w0 + horizon_weeks)]


def _next_trip(
    plans: list[WeekPlan], idx: NDArray[np.intp], after_s: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The first trip of EVs ``idx`` at or after ``after_s`` in ``plans`` (consecutive
    weeks); -1 and 0 km where none."""
    n = len(idx)
    dep, km, found = np.full(n, -1, dtype=np.int64), np.zeros(n), np.zeros(n, dtype=bool)
    rows = np.ascontiguousarray(idx, dtype=np.int64)
    first_trip = _kernels().first_trip
    for plan in plans:  # usually every EV has a trip left in the first week
        if not first_trip(plan.trip, plan.dep_s, plan.km, rows, int(after_s), found, dep, km):
            break
    return dep, km


@functools.cache
def _kernels() -> ModuleType:
    """The compiled loops, imported on first use: the scenario config imports this
    module for :class:`ScheduleParams`, and numba takes ~0.5 s to import."""
    from simulators.ev_fleet import schedule_kernels

    return schedule_kernels


class FleetSchedule(WeeklySchedule):
    """Several :class:`WeeklySchedule` groups (one per segment) seen as one fleet.

    Rows are the groups' EVs in order; plans are the groups' plans side by side.
    """

    def __init__(self, groups: list[WeeklySchedule], *, week_offset_s: int) -> None:
        if not groups:
            raise ValueError("FleetSchedule needs at least one group")
        self.groups = groups
        self.n_ev = sum(g.n_ev for g in groups)
        self.week_offset_s = int(week_offset_s)
        self.params = groups[0].params
        self._plans = {}
        self._event_times = {}

    def plan(self, week: int) -> WeekPlan:
        """The groups' plans of ``week`` stacked row-wise (cached)."""
        cached = self._plans.get(week)
        if cached is not None:
            return cached
        parts = [g.plan(week) for g in self.groups]
        plan = WeekPlan(
            trip=np.concatenate([p.trip for p in parts]),
            dep_s=np.concatenate([p.dep_s for p in parts]),
            ret_s=np.concatenate([p.ret_s for p in parts]),
            km=np.concatenate([p.km for p in parts]),
        )
        for old in [w for w in self._plans if w < week - 3]:
            del self._plans[old]
        self._plans[week] = plan
        return plan
