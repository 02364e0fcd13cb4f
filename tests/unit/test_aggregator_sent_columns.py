"""The observation's shortcut for the fleet's arrays (observation_columns.sent_columns) gives
what the general path (AggregatorSim._columns) gives, or None so that the general path runs."""

from __future__ import annotations

from typing import Any

import numpy as np

from controllers.aggregator.adapter import EV_INPUTS, MODEL_AGGREGATOR, AggregatorSim
from controllers.aggregator.observation_columns import EV_COLUMNS, sent_columns

_DTYPES = {"plugged": np.dtype(np.bool_), **{n: d for n, d, _ in EV_COLUMNS}}


def _sim() -> tuple[AggregatorSim, str]:
    sim = AggregatorSim()
    sim.init("agg", time_resolution=1.0, step_s=900)
    (ent,) = sim.create(1, MODEL_AGGREGATOR, n_chargers=2)
    return sim, ent["eid"]


def _fleet_inputs(n: int = 3) -> dict[str, dict[str, Any]]:
    attrs: dict[str, dict[str, Any]] = {}
    for name in EV_INPUTS:
        value = np.ones(n, dtype=_DTYPES[name])
        value.setflags(write=False)  # as the fleet hands its arrays out
        attrs[name] = {"fleet.Fleet_0": value}
    return attrs


def test_read_only_arrays_of_one_source_are_taken_as_the_general_path_takes_them() -> None:
    sim, eid = _sim()
    attrs = _fleet_inputs()
    fast = sent_columns(attrs)
    assert fast is not None
    slow = sim._columns(0, eid, attrs)
    assert list(fast) == list(slow)
    assert all(fast[k] is slow[k] is attrs[k]["fleet.Fleet_0"] for k in slow)


def test_anything_else_is_left_to_the_general_path() -> None:
    attrs = _fleet_inputs()
    attrs["soc"] = {"fleet.Fleet_0": np.ones(3)}  # writable: copied by the general path
    assert sent_columns(attrs) is None
    attrs = _fleet_inputs()
    attrs["departure_s"] = {"fleet.Fleet_0": attrs["departure_s"]["fleet.Fleet_0"] * 1.0}
    assert sent_columns(attrs) is None  # another dtype
    attrs = _fleet_inputs()
    del attrs["opt_out"]  # an optional input not connected: filled by the general path
    assert sent_columns(attrs) is None
    attrs = _fleet_inputs()
    attrs["soc"]["fleet.Fleet_1"] = attrs["soc"]["fleet.Fleet_0"]  # two sources
    assert sent_columns(attrs) is None
    assert sent_columns({}) is None
