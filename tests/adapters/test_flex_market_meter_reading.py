"""The market's meter readings summed when looked up: the same sums as MeterMap.per_key,
and a latched baseline that the sender's later changes to its array cannot reach."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from simulators.flex_market.adapter import FlexMarketSim
from simulators.flex_market.meters import BaselineLatch, MeterMap, MeterReading

STEP_S = 900


@st.composite
def _reading(draw: st.DrawFn) -> tuple[MeterMap, np.ndarray]:
    n = draw(st.integers(0, 60))
    zones = [f"f{k}" for k in range(draw(st.integers(1, 4)))]
    zone_of = draw(st.lists(st.integers(-1, len(zones) - 1), min_size=n, max_size=n))
    providers = draw(st.lists(st.sampled_from(["a", "b", ""]), min_size=n, max_size=n))
    values = draw(hnp.arrays(np.float64, n, elements=st.floats(allow_infinity=True)))
    return MeterMap(zones, zone_of, providers), values


@settings(max_examples=200, deadline=None)
@given(_reading(), st.sampled_from(["a@f0", "b@f1", "f0", "x"]))
def test_a_reading_looks_up_what_per_key_sums(case: tuple[MeterMap, np.ndarray], key: str) -> None:
    meters, values = case
    want = meters.per_key(values)
    reading = MeterReading(meters, values)
    assert len(reading) == len(want)  # before any sum, as ``reading or {}`` asks
    assert (key in reading) == (key in want)
    assert np.array_equal(reading.get(key, np.nan), want.get(key, np.nan), equal_nan=True)
    assert list(reading) == list(want)
    got = np.array(list(reading.values()), dtype=float)
    assert np.array_equal(got, np.array(list(want.values()), dtype=float), equal_nan=True)


def test_the_latch_holds_a_reading_and_copies_any_other_mapping() -> None:
    meters = MeterMap(["f1"], [0, 0], "agg")
    reading = MeterReading(meters, np.array([1.0, 2.0]))
    latch = BaselineLatch(step_s=STEP_S, meter_lag_steps=1)
    latch.declare(0, reading)
    plain = {"agg@f1": 5.0}
    latch.declare(STEP_S, plain)
    plain["agg@f1"] = 99.0
    assert latch.due(STEP_S) is reading
    assert latch.due(2 * STEP_S) == {"agg@f1": 5.0}


def test_a_latched_baseline_is_a_copy_of_the_array_sent() -> None:
    """The sender may refill the array it sent: the baseline held for the next step's
    meter reading keeps the values of its own step."""
    sim = FlexMarketSim()
    sim.init("FlexMarket-0", 1.0, step_s=STEP_S)
    (entity,) = sim.create(1, "Market", zones=["f1"], zone_of_charger=[0, 0],
                           provider_of_charger="agg")  # fmt: skip
    eid = entity["eid"]
    sent = np.array([10.0, 5.0])
    attrs: dict[str, Any] = {"p_base_kw": {"agg": sent}, "p_kw": {"bank": np.zeros(2)}}
    sim.step(0, {eid: attrs}, 10**9)
    sent[:] = 99.0  # the sender's next step writes into the same array
    assert sim._latch.due(STEP_S)["agg@f1"] == 15.0
