"""A fleet step inside a known quiet window (no departure or return) skips the schedule
checks (``events.trip_events``) and must give the very step the checks give."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cosim.seeding import generator
from simulators.ev_fleet import events
from simulators.ev_fleet.ageing_params import AgeingParams
from simulators.ev_fleet.climate import ClimateParams
from simulators.ev_fleet.model import FleetModel
from simulators.ev_fleet.outputs import FleetState
from simulators.ev_fleet.segments import make_segment

STEP_S = 900


def _fleet(seed: int, offset_s: int) -> FleetModel:
    segments = [
        make_segment("home_commuter", 12),
        make_segment("workplace", 6),
        make_segment("company_fleet", 4),
        make_segment("non_commuter", 5),
    ]
    return FleetModel(
        segments, None, generator(seed), step_s=STEP_S, week_offset_s=offset_s,
        climate=ClimateParams(), ageing=AgeingParams(), warm_start_weeks=1,
    )  # fmt: skip


def _run(fleet: FleetModel, days: int, seed: int) -> list[FleetState]:
    rng = np.random.default_rng(seed)
    p, states = np.zeros(fleet.n_ev), []
    for t in range(0, days * 86400, STEP_S):
        state = fleet.step(t, p)
        states.append(state)
        p = np.where(state.plugged, rng.uniform(0.0, 1.0, fleet.n_ev) * state.p_max_kw, 0.0)
        p = np.minimum(p, state.e_need_kwh / (STEP_S / 3600.0))
    return states


@pytest.mark.parametrize(("seed", "offset_s"), [(1, 0), (2, 3 * 86400 + 5 * 3600), (3, 7 * 3600)])
def test_quiet_steps_are_the_checked_steps(seed: int, offset_s: int, monkeypatch) -> None:
    quick = _run(_fleet(seed, offset_s), 9, seed)
    monkeypatch.setattr(events, "_quiet", lambda fleet, last_day, t1: (0, -1.0))  # never quiet
    checked = _run(_fleet(seed, offset_s), 9, seed)
    assert len(quick) == len(checked)
    for a, b in zip(quick, checked, strict=True):
        for name in FleetState.__dataclass_fields__:
            x, y = getattr(a, name), getattr(b, name)
            assert np.array_equal(x, y, equal_nan=True), name
            if isinstance(x, np.ndarray) and x.dtype == float:
                assert np.array_equal(np.signbit(x), np.signbit(y)), name


def test_next_event_is_the_first_time_at_or_after() -> None:
    fleet = _fleet(4, 0)
    schedule = fleet.schedule
    for week, day in [(0, 0), (0, 2), (0, 5), (1, 6)]:
        times = [t for ts in schedule._times(week, day) for t in ts]
        for t in [-86400, 0, 6 * 3600, 7 * 3600 + 1, 17 * 3600, 10**7, *times]:
            later = [x for x in times if x >= t]
            assert schedule.next_event_s(week, day, t) == (min(later) if later else math.inf)
