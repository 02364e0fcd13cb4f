"""Where EVs charge: counts, buses and spread (simulators/ev_fleet/placement.py)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.ev_fleet.placement import place_away, place_evs

households = st.lists(st.integers(0, 500), min_size=1, max_size=60, unique=True)


@settings(max_examples=80, deadline=None)
@given(houses=households, rate=st.floats(0.0, 4.0), seed=st.integers(0, 2**16))
def test_home_evs_are_round_rate_times_households_spread_evenly(houses, rate, seed) -> None:
    bus = np.array(houses, dtype=np.int64)
    homes = place_evs(bus, rate, np.random.default_rng(seed))
    whole = int(np.floor(rate))
    assert homes.size == whole * bus.size + round((rate - whole) * bus.size)
    assert set(homes.tolist()) <= set(houses)
    per_house = np.array([np.count_nonzero(homes == b) for b in bus])
    # every household holds floor(rate) EVs, some one more: never two more than another
    assert per_house.min() >= whole and per_house.max() <= whole + 1


@settings(max_examples=80, deadline=None)
@given(
    n_bus=st.integers(2, 40),
    n_house=st.integers(0, 39),
    n=st.integers(0, 100),
    seed=st.integers(0, 2**16),
)
def test_away_chargers_sit_on_free_lv_buses_at_most_ceil_n_over_candidates_each(
    n_bus, n_house, n, seed
) -> None:
    bus = list(range(10, 10 + n_bus))
    vn = [20.0] + [0.4] * (n_bus - 1)  # one MV bus, the rest LV
    house = bus[1 : 1 + min(n_house, n_bus - 1)] or [bus[-1]]
    info = {"bus_id": bus, "bus_vn_kv": vn, "household_bus_id": house}
    away = place_away(info, n, np.random.default_rng(seed))
    assert away.size == n
    free = set(bus[1:]) - set(house)
    allowed = free or set(house)  # no free LV bus: the households' buses
    assert set(away.tolist()) <= allowed
    # drawn from ceil(n / candidates) copies of the candidates: none holds more than that
    per_bus = np.array([np.count_nonzero(away == b) for b in sorted(allowed)])
    assert per_bus.max(initial=0) <= -(-n // len(allowed))
