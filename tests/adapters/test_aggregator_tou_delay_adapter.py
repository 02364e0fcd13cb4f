"""AggregatorSim hands each policy its own generator from the scenario seed (ToU delay)."""

from __future__ import annotations

from typing import Any

import numpy as np

from controllers.aggregator.adapter import AggregatorSim
from tests.adapters.test_aggregator_adapter import N, _inputs


def _p_set(seed: Any, n_entities: int = 1) -> list[np.ndarray]:
    sim = AggregatorSim()
    sim.init("Agg-0", 1.0, step_s=900, start="2016-06-06T00:00:00+02:00", seed=seed)
    ents = sim.create(
        n_entities, "Aggregator", n_chargers=N, policy="tou_delayed",
        policy_params={"random_delay_s": 900.0},
    )  # fmt: skip
    price = np.full(96, 50.0)  # off-peak from now on: every session waits its delay
    inputs: dict[str, Any] = {}
    for ent in ents:
        inputs.update(_inputs(ent["eid"], price_forecast_eur_mwh=price))
    sim.step(0, inputs, 10**9)
    data = sim.get_data({e["eid"]: ["p_set_kw"] for e in ents})
    return [data[e["eid"]]["p_set_kw"] for e in ents]


def test_same_seed_same_delays_other_seed_other_delays() -> None:
    (a,), (b,), (c,) = _p_set([1, 2]), _p_set([1, 2]), _p_set([3, 4])
    np.testing.assert_array_equal(a, b)
    plugged = [0, 1, 3]
    assert (a[plugged] < 11.0).all()  # each waits part of the first step
    assert not np.array_equal(a[plugged], c[plugged])


def test_two_aggregators_draw_independent_delays() -> None:
    first, second = _p_set(7, n_entities=2)
    assert not np.array_equal(first[[0, 1, 3]], second[[0, 1, 3]])
