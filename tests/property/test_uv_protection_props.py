"""Undervoltage protection over random voltage sequences: each charger follows the rules.

The bank updates every charger at once (and skips the bookkeeping while nothing is low
or tripped); each charger must behave as the single-charger rules of
``simulators/evse/protection.py`` say, step by step, whatever its neighbours do.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.evse.protection import UndervoltageProtection

STEP_S = 900
VOLTS = st.sampled_from([0.6, 0.84, 0.85, 0.87, 0.89, 0.9, 0.93, 1.0, 1.05])


def _one_charger(
    volts: list[float], trip_pu: float, trip_delay_s: float, reconnect_delay_s: float, on: bool
) -> tuple[list[bool], int]:
    """The rules for one charger, written out as a scalar state machine."""
    below = above = 0.0
    tripped, n_trips, out = False, 0, []
    for v in volts:
        low = on and v < trip_pu
        below = below + STEP_S if low else 0.0
        ok = v >= 0.9
        above = above + STEP_S if tripped and ok else 0.0
        trip = not tripped and low and below >= trip_delay_s
        reconnect = tripped and ok and above >= reconnect_delay_s
        n_trips += trip
        tripped = (tripped or trip) and not reconnect
        if reconnect:
            above = 0.0
        out.append(tripped)
    return out, n_trips


@settings(max_examples=60, deadline=None)
@given(
    volts=st.lists(st.lists(VOLTS, min_size=4, max_size=4), min_size=1, max_size=25),
    trip_delay=st.lists(st.sampled_from([0.0, 900.0, 1800.0]), min_size=4, max_size=4),
    reconnect_delay=st.lists(st.sampled_from([0.0, 60.0, 1800.0]), min_size=4, max_size=4),
    enabled=st.lists(st.booleans(), min_size=4, max_size=4),
)
def test_each_charger_follows_the_single_charger_rules(
    volts: list[list[float]],
    trip_delay: list[float],
    reconnect_delay: list[float],
    enabled: list[bool],
) -> None:
    trip_pu = np.array([0.85, 0.85, 0.88, 0.88])
    prot = UndervoltageProtection(
        trip_pu=trip_pu,
        trip_delay_s=np.array(trip_delay),
        reconnect_pu=np.full(4, 0.9),
        reconnect_delay_s=np.array(reconnect_delay),
        enabled=np.array(enabled),
        step_s=STEP_S,
    )
    got = np.array([prot.update(np.array(row)) for row in volts])
    for k in range(4):
        expected, n_trips = _one_charger(
            [row[k] for row in volts], trip_pu[k], trip_delay[k], reconnect_delay[k], enabled[k]
        )
        assert got[:, k].tolist() == expected
        assert int(prot.n_trips[k]) == n_trips
