"""The day-ahead room forecast never promises less than the plugged EVs, and only what was seen."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.aggregator.arrivals import RoomPersistence

STEP_S = 900
DAY = 96

rooms = st.lists(st.floats(0.0, 500.0), min_size=1, max_size=3 * DAY)


@settings(max_examples=60, deadline=None)
@given(measured=rooms, plugged=st.lists(st.floats(0.0, 500.0), min_size=1, max_size=24))
def test_never_below_the_plugged_evs_and_exactly_yesterday_where_seen(measured, plugged) -> None:
    r = RoomPersistence(step_s=STEP_S)
    for k, v in enumerate(measured):
        r.update(k * STEP_S, v, v / 2)
    now = len(measured)  # the offer is made at the next step
    p = np.array(plugged)
    up, down = r.combine(now * STEP_S, p, p)
    assert np.all(up >= p) and np.all(down >= p)
    for k in range(len(p)):
        src = now + k - DAY
        if src >= 0:  # seen one day earlier: the larger of the two
            assert up[k] == max(p[k], measured[src])
            assert down[k] == max(p[k], measured[src] / 2)
        else:  # not yet a day of history for that step: the plugged EVs only
            assert up[k] == p[k] and down[k] == p[k]


def test_nothing_measured_is_the_plugged_forecast() -> None:
    up, down = RoomPersistence(step_s=STEP_S).combine(0, np.array([1.0, 2.0]), np.array([3.0, 0]))
    assert up.tolist() == [1.0, 2.0] and down.tolist() == [3.0, 0.0]
