"""Steady-state start of the fleet (issue 9): the spin-up of ``warm_start``."""

from __future__ import annotations

import numpy as np
import pytest

from cosim.seeding import generator
from cosim.timebase import DAY_S
from simulators.ev_fleet.model import FleetModel
from simulators.ev_fleet.params import FleetParams

N_EV = 2000
STEP_S = 900


def _daily_states(
    weeks: int, week_offset_s: int, days: int
) -> tuple[list[float], list[float], list[float]]:
    """Plugged share, mean energy need [kWh] and home share at the start time of each day."""
    fleet = FleetModel(
        FleetParams(),
        N_EV,
        generator(3),
        step_s=STEP_S,
        week_offset_s=week_offset_s,
        warm_start_weeks=weeks,
    )
    p = np.zeros(N_EV)
    plugged, need, home = [], [], []
    for k in range(days * DAY_S // STEP_S):
        s = fleet.step(k * STEP_S, p)
        p = np.where(s.plugged, np.minimum(s.p_max_kw, s.e_need_kwh / (STEP_S / 3600)), 0.0)
        if k % (DAY_S // STEP_S) == 0:
            plugged.append(float(s.plugged.mean()))
            need.append(float(s.e_need_kwh.mean()))
            home.append(float(fleet.home.mean()))
    return plugged, need, home


@pytest.mark.parametrize("weeks", [3, 0])
def test_midnight_start_matches_later_midnights(weeks: int) -> None:
    # start on a Sunday 00:00; compare with the midnights of the following days
    plugged, need, _ = _daily_states(weeks, 6 * DAY_S, 6)
    later_need = float(np.mean(need[2:]))
    assert abs(plugged[0] - np.mean(plugged[2:])) < 0.05
    if weeks:
        assert abs(need[0] - later_need) < 0.5  # kWh per EV
    else:  # without the spin-up the whole fleet needs energy at once (the bug)
        assert need[0] > later_need + 5.0


def test_morning_start_has_evs_on_the_road() -> None:
    # start on a Tuesday 09:00: most commuters are at work, as on the next weekdays
    plugged, need, home = _daily_states(3, DAY_S + 9 * 3600, 4)
    assert home[0] < 0.5
    assert abs(home[0] - np.mean(home[1:])) < 0.05
    assert abs(plugged[0] - np.mean(plugged[1:])) < 0.05
    assert abs(need[0] - np.mean(need[1:])) < 0.5


def test_warm_start_is_deterministic_and_counts_no_sessions() -> None:
    make = lambda: FleetModel(  # noqa: E731
        FleetParams(), 50, generator(5), step_s=STEP_S, warm_start_weeks=1
    )
    a, b = make(), make()
    assert np.array_equal(a.soc, b.soc)
    assert np.array_equal(a.plugged, b.plugged)
    assert a.sessions.sum() == 0
    s = a.step(0, np.zeros(50))
    assert not s.plugin_event.any()
    assert (s.departure_s[s.plugged] > 0).all()
