"""Weekly driving schedule: weekday/weekend patterns, jitter, determinism, start weekday."""

from __future__ import annotations

import numpy as np
import pytest

from cosim.seeding import generator
from cosim.timebase import DAY_S
from simulators.ev_fleet import ScheduleParams, WeeklySchedule

N = 4000


def _schedule(seed: int = 0, offset: int = 0, **kw: float) -> WeeklySchedule:
    return WeeklySchedule(ScheduleParams(**kw), N, generator(seed), week_offset_s=offset)


def _hours(plan_s: np.ndarray, day: int, week_start: int = 0) -> np.ndarray:
    return (plan_s[:, day] - week_start - day * DAY_S) / 3600.0


def test_weekdays_commute_weekends_drive_less_later_and_shorter() -> None:
    sched = _schedule()
    plan = sched.plan(0)
    wd, we = plan.trip[:, :5], plan.trip[:, 5:]
    assert wd.mean() == pytest.approx(0.9, abs=0.02)
    assert we.mean() == pytest.approx(0.6, abs=0.03)
    dep_wd = np.concatenate([_hours(plan.dep_s, d) for d in range(5)])
    dep_we = np.concatenate([_hours(plan.dep_s, d) for d in (5, 6)])
    ret_wd = np.concatenate([_hours(plan.ret_s, d) for d in range(5)])
    assert dep_wd.mean() == pytest.approx(7.5, abs=0.1)
    assert ret_wd.mean() == pytest.approx(17.5, abs=0.15)
    assert dep_we.mean() > dep_wd.mean() + 2.0
    assert plan.km[:, 5:].mean() < plan.km[:, :5].mean()
    assert plan.km[:, :5].mean() == pytest.approx(37.0, rel=0.05)


def test_trips_stay_inside_their_day() -> None:
    plan = _schedule(seed=3).plan(0)
    dep_h = np.stack([_hours(plan.dep_s, d) for d in range(7)], axis=1)
    ret_h = np.stack([_hours(plan.ret_s, d) for d in range(7)], axis=1)
    assert (dep_h >= 3.0).all()
    assert (ret_h - dep_h >= 1.0 - 1e-9).all()
    assert (ret_h <= 23.5).all()


def test_weeks_repeat_with_jitter_and_seed_reproduces_them() -> None:
    a, b = _schedule(seed=7), _schedule(seed=7)
    assert np.array_equal(a.plan(3).dep_s, b.plan(3).dep_s)
    w0, w1 = a.plan(0), a.plan(1)
    assert np.array_equal(w0.trip, w1.trip)
    shift_h = (w1.dep_s - w0.dep_s - 7 * DAY_S) / 3600.0
    assert 0.0 < np.abs(shift_h).mean() < 0.5
    assert not np.array_equal(_schedule(seed=8).plan(0).dep_s, w0.dep_s)


def test_start_weekday_sets_which_days_are_weekend() -> None:
    saturday = 5 * DAY_S
    sched = _schedule(offset=saturday)
    assert sched.days_in(0, 900) == [(0, 5)]
    assert sched.days_in(2 * DAY_S, 2 * DAY_S + 900) == [(1, 0)]
    assert sched.week_start_s(0) == -saturday


def test_next_trip_skips_days_without_trips() -> None:
    sched = _schedule(weekday_trip_prob=0.0, weekend_trip_prob=1.0)
    dep, km = sched.next_trip(np.arange(5), after_s=0)
    assert ((dep >= 5 * DAY_S) & (dep < 6 * DAY_S)).all()
    assert (km > 0).all()
    none = _schedule(weekday_trip_prob=0.0, weekend_trip_prob=0.0)
    dep, km = none.next_trip(np.arange(5), after_s=0)
    assert (dep == -1).all() and (km == 0).all()


def test_invalid_params_name_field_and_range() -> None:
    with pytest.raises(ValueError, match=r"weekend_trip_prob=1\.5"):
        ScheduleParams(weekend_trip_prob=1.5)
