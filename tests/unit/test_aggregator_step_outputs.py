"""What the aggregator's step leaves for get_data equals what computing each output gives.

The adapter keeps one object of outputs per step (plain attributes for what the step
computed, the rest on demand) and the services fill in the availability they computed;
every output read either way must be the value computed directly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from controllers.aggregator.adapter import (
    EV_INPUTS,
    MODEL_AGGREGATOR,
    PORTS,
    AggregatorSim,
)
from controllers.aggregator.availability import charger_availability, zone_sum
from controllers.aggregator.fcr import FCRProvision
from controllers.aggregator.flex_offers import FlexProvision
from controllers.aggregator.outputs import OUTPUT_ATTRS
from cosim.errors import ModelError
from cosim.ports_types import Combine
from tests.unit.test_aggregator_services import STEP_S, ZONES, obs_at, services

N = 4
EV_STATE: dict[str, Any] = {
    "plugged": np.array([1, 1, 0, 1], dtype=bool),
    "soc": np.array([0.5, 0.4, 0.5, 0.3]),
    "e_need_kwh": np.array([24.0, 20.0, 0.0, 30.0]),
    "departure_s": np.array([40 * 900, 30 * 900, -1, 50 * 900]),
    "p_max_kw": np.full(N, 11.0),
    "charger_idx": np.array([0, 1, -1, 3]),
}


def test_the_fleet_inputs_take_one_source() -> None:
    # the adapter takes a single source's value as it is: what the rule ONE gives
    ports = PORTS[MODEL_AGGREGATOR]
    assert all(ports.combine_of(name) is Combine.ONE for name in EV_INPUTS)


def test_two_fleets_on_one_input_are_an_error() -> None:
    sim = AggregatorSim()
    sim.init("Agg-0", 1.0, step_s=900, seed=[1])
    (ent,) = sim.create(1, "Aggregator", n_chargers=N)
    attrs = {a: {"Fleet-0.Fleet_0": v} for a, v in EV_STATE.items()}
    attrs["soc"] = {"Fleet-0.Fleet_0": EV_STATE["soc"], "Fleet-1.Fleet_0": EV_STATE["soc"]}
    with pytest.raises(ModelError, match="connect exactly one"):
        sim.step(0, {ent["eid"]: attrs}, 10**9)


@pytest.mark.parametrize("policy", ["uncontrolled", "cost_min"])
def test_outputs_read_by_get_data_equal_the_direct_ones(policy: str) -> None:
    sim = AggregatorSim()
    sim.init("Agg-0", 1.0, step_s=900, start="2016-06-06T00:00:00+02:00", seed=[1])
    (ent,) = sim.create(
        1,
        "Aggregator",
        n_chargers=N,
        policy=policy,
        plan_steps=8,
        fcr={"enabled": True, "base_shape": "even"},
        flex={"enabled": True},
    )
    eid = ent["eid"]
    request = {eid: [*OUTPUT_ATTRS, "p_base_kw"]}  # mosaik may ask for one twice
    attrs = {a: {"Fleet-0.Fleet_0": v} for a, v in EV_STATE.items()}
    first = []
    for t in (0, STEP_S):
        sim.step(t, {eid: attrs}, 10**9)
        checked = sim.get_data(request)[eid]  # the first request is checked
        planned = sim.get_data(request)[eid]  # the same request again: its plan
        state = sim.states[eid]
        services = state._services
        direct = services.availability()
        assert list(planned) == list(checked) == list(OUTPUT_ATTRS)
        for name in OUTPUT_ATTRS:
            np.testing.assert_array_equal(planned[name], checked[name])
        np.testing.assert_array_equal(planned["p_set_kw"], state.p_set_kw)
        np.testing.assert_array_equal(planned["p_base_kw"], direct.p_base_kw)
        np.testing.assert_array_equal(planned["p_up_kw"], direct.p_up_kw)
        np.testing.assert_array_equal(planned["p_down_kw"], direct.p_down_kw)
        np.testing.assert_array_equal(planned["p_baseline_kw"], services.baseline())
        decision = state._decision
        plan = np.zeros(8)
        plan[: min(8, decision.p_plan_kw.size)] = decision.p_plan_kw[:8]
        np.testing.assert_array_equal(planned["p_plan_kw"], plan)
        assert planned["e_flex_kwh"] == float(decision.e_flex_kwh)
        first.append(direct.p_base_kw)
    # the baseline declared at the second step is the first step's plan per zone
    np.testing.assert_array_equal(
        sim.get_data(request)[eid]["p_baseline_kw"], zone_sum(first[0], np.zeros(N, np.int64), 1)
    )


@pytest.mark.parametrize("flex", [True, False])
def test_availability_filled_in_by_the_step_equals_the_one_computed_on_demand(flex: bool) -> None:
    svc = services(fcr=FCRProvision(enabled=False), flex=FlexProvision(enabled=flex))
    p_set = np.array([2.0, np.nan, 11.0, 0.0])
    first = svc.step(obs_at(0), p_set, p_metered_kw=None)
    p_set[:] = 5.0  # the caller reuses its array: read already, or copied to be read later
    second = svc.step(obs_at(STEP_S, soc=0.4), np.full(N, np.nan), p_metered_kw=None)
    # filled in by the step when the services read the availability (bids), else on demand
    assert ("p_base_kw" in first.known()) is flex
    assert ("p_baseline_kw" in second.known()) is flex
    direct = charger_availability(obs_at(0), np.array([2.0, np.nan, 11.0, 0.0]), v2g=False)
    np.testing.assert_array_equal(first.p_base_kw, direct.p_base_kw)
    np.testing.assert_array_equal(first.p_up_kw, direct.p_up_kw)
    np.testing.assert_array_equal(first.p_down_kw, direct.p_down_kw)
    np.testing.assert_array_equal(first.p_baseline_kw, np.zeros(2))
    np.testing.assert_array_equal(second.p_baseline_kw, zone_sum(direct.p_base_kw, ZONES, 2))
    later = charger_availability(obs_at(STEP_S, soc=0.4), np.full(N, np.nan), v2g=False)
    np.testing.assert_array_equal(second.p_down_kw, later.p_down_kw)
