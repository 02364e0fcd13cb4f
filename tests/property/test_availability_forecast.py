"""The fleet's availability forecast per zone: additive over EVs, blind to EVs it cannot
steer, and summed per zone exactly as one EV after another."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from controllers.aggregator.availability import BaseShape, zone_sum
from controllers.aggregator.fleet_forecast import availability_forecast
from tests.unit.test_aggregator_policies import make_obs

HORIZON = 16


@st.composite
def _fleet(draw: st.DrawFn) -> dict:
    n = draw(st.integers(1, 12))
    floats = lambda lo, hi: hnp.arrays(float, n, elements=st.floats(lo, hi))  # noqa: E731
    return {
        "n": n,
        "soc": draw(floats(0.0, 1.0)),
        "dep_steps": draw(hnp.arrays(np.int64, n, elements=st.integers(0, 3 * HORIZON))),
        "p_max_kw": draw(floats(1.0, 22.0)),
        "plugged": draw(hnp.arrays(bool, n)),
        "opt_out": draw(hnp.arrays(bool, n)),
        "zone": draw(hnp.arrays(np.int64, n, elements=st.integers(-1, 2))),  # per charger
        "charger": draw(st.permutations(range(n))),
        "bidirectional": draw(st.booleans()),
    }


def _forecast(f: dict, keep: np.ndarray, shape: BaseShape, v2g: bool):
    """The forecast of the EVs in ``keep`` (at the chargers and in the zones drawn)."""
    idx = np.flatnonzero(keep)
    obs = make_obs(
        idx.size,
        soc=f["soc"][idx],
        dep_steps=f["dep_steps"][idx],
        p_max_kw=f["p_max_kw"][idx],
        bidirectional=f["bidirectional"],
        plugged=f["plugged"][idx],
        opt_out=f["opt_out"][idx],
        charger_idx=np.asarray(f["charger"], dtype=np.int64)[idx],
        n_chargers=f["n"],
    )
    return availability_forecast(
        obs, horizon=HORIZON, shape=shape, v2g=v2g, zone_of_charger=f["zone"], n_zone=3
    )


@settings(max_examples=80, deadline=None)
@given(_fleet(), st.sampled_from(list(BaseShape)), st.booleans())
def test_forecast_is_the_sum_of_each_evs_and_ignores_evs_it_cannot_steer(f, shape, v2g):
    everyone = np.ones(f["n"], bool)
    whole = _forecast(f, everyone, shape, v2g)
    steerable = f["plugged"] & ~f["opt_out"]
    alone = _forecast(f, steerable, shape, v2g)  # unplugged and opted-out EVs left out
    for name in ("p_base_kw", "p_up_kw", "p_down_kw"):
        got = getattr(whole, name)
        assert got.shape == (3, HORIZON)
        assert np.all(got >= 0.0) if name != "p_base_kw" else True
        np.testing.assert_array_equal(got, getattr(alone, name))
        parts = sum(getattr(_forecast(f, np.arange(f["n"]) == i, shape, v2g), name)
                    for i in range(f["n"]))  # fmt: skip
        np.testing.assert_allclose(got, parts, rtol=1e-12, atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_zone_sum_of_rows_adds_as_np_add_at_in_row_order(data):
    n = data.draw(st.integers(0, 30))
    h = data.draw(st.integers(1, 5))
    values = data.draw(hnp.arrays(float, (n, h), elements=st.floats(-1e6, 1e6, width=64)))
    zones = data.draw(hnp.arrays(np.int64, n, elements=st.integers(-1, 4)))
    expected = np.zeros((5, h))
    np.add.at(expected, zones[zones >= 0], values[zones >= 0])
    got = zone_sum(values, zones, 5)
    np.testing.assert_array_equal(got, expected)
    assert (got + 0.0).tobytes() == (expected + 0.0).tobytes()  # the same bits (zeros' signs aside)
