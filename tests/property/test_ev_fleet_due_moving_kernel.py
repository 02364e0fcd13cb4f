"""``DueTrips.moving`` (``schedule_kernels.due_moving``): the EVs of the numpy code it replaced.

Before, ``events.trip_events`` took a day's trips due in the step's window
(``DueTrips.__call__``, here as the plain masks), kept the departures of EVs at home, let
them leave (``home[leaving] = False``) and then kept the returns of EVs away. Plans with
short trips (a departure and its return in one window) and many trips at the same time
check the order of the two sides; EVs at home and away at random, fleets of 0 to 30 EVs.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.ev_fleet.due import DueTrips
from simulators.ev_fleet.schedule import WeekPlan

DAY_S = 86400


def _plain(plan: WeekPlan, day: int, t0: int, t1: int, home: np.ndarray) -> tuple[np.ndarray, ...]:
    """The EVs leaving and arriving as trip_events found them with numpy."""
    trip, d, r = plan.trip[:, day], plan.dep_s[:, day], plan.ret_s[:, day]
    dep_due = np.flatnonzero(trip & (d >= t0) & (d < t1))
    ret_due = np.flatnonzero(trip & (r >= t0) & (r < t1))
    leaving = dep_due[home[dep_due]]
    home = home.copy()
    home[leaving] = False  # events.leave
    return leaving, ret_due[~home[ret_due]]


@st.composite
def cases(draw: st.DrawFn) -> tuple[WeekPlan, int, int, int, np.ndarray]:
    n = draw(st.integers(0, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    day = draw(st.integers(0, 6))
    day0 = DAY_S * np.arange(7)
    # few distinct times: many trips share a window; returns 0 s to 3 h after departing
    dep = day0 + rng.choice([6, 7, 8], (n, 7)) * 3600 + rng.choice([0, 300, 900], (n, 7))
    ret = dep + rng.choice([0, 60, 600, 900, 3600, 3 * 3600], (n, 7))
    plan = WeekPlan(
        trip=rng.random((n, 7)) < draw(st.sampled_from([0.0, 0.5, 1.0])),
        dep_s=dep.astype(np.int64),
        ret_s=ret.astype(np.int64),
        km=np.zeros((n, 7)),
    )
    t0 = day * DAY_S + draw(st.integers(5 * 3600, 12 * 3600))
    step_s = draw(st.sampled_from([1, 900, 3 * 3600]))
    home = rng.random(n) < draw(st.sampled_from([0.0, 0.5, 1.0]))
    return plan, day, t0, t0 + step_s, home


@settings(max_examples=300, deadline=None)
@given(cases())
def test_moving_is_the_numpy_due_and_home_masks(case: tuple) -> None:
    plan, day, t0, t1, home = case
    due = DueTrips()
    expected = _plain(plan, day, t0, t1, home)
    before = home.copy()
    for _ in range(2):  # computed, then from the kept sorted times
        got = due.moving(plan, day, t0, t1, home)
        for a, b in zip(got, expected, strict=True):
            assert a.dtype == np.int64 and np.array_equal(a, b)
        assert np.array_equal(home, before)  # home is left to the departure
