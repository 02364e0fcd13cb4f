"""AggregatorSim: init/create/step/get_data, optional inputs, JSON-safe outputs."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from controllers.aggregator.adapter import META, AggregatorSim
from controllers.aggregator.outputs import OUTPUT_ATTRS
from cosim.errors import ModelError

N = 4
EV_STATE: dict[str, Any] = {
    "plugged": np.array([1, 1, 0, 1], dtype=bool),
    "soc": np.array([0.5, 0.5, 0.5, 0.5]),
    "e_need_kwh": np.array([24.0, 24.0, 0.0, 24.0]),
    "departure_s": np.array([40 * 900, 40 * 900, -1, 40 * 900]),
    "p_max_kw": np.full(N, 11.0),
    "charger_idx": np.array([0, 1, -1, 3]),
}


def _sim(*, json_safe: bool = False, **create: Any) -> tuple[AggregatorSim, str]:
    sim = AggregatorSim(json_safe=json_safe)
    meta = sim.init("Agg-0", 1.0, step_s=900, start="2016-06-06T00:00:00+02:00", seed=[1])
    assert meta["type"] == "time-based"
    assert set(OUTPUT_ATTRS) <= set(META["models"]["Aggregator"]["attrs"])
    (ent,) = sim.create(1, "Aggregator", n_chargers=N, **create)
    return sim, ent["eid"]


def _inputs(eid: str, **extra: Any) -> dict[str, Any]:
    attrs = {a: {"Fleet-0.Fleet_0": v} for a, v in EV_STATE.items()}
    attrs.update({a: {"src-0.x": v} for a, v in extra.items()})
    return {eid: attrs}


def test_cost_min_waits_for_the_cheap_forecast_steps() -> None:
    sim, eid = _sim(policy="cost_min", policy_params={"v2g": False}, plan_steps=48)
    price = np.r_[np.full(8, 300.0), np.full(88, 50.0)]
    nxt = sim.step(0, _inputs(eid, price_eur_mwh=300.0, price_forecast_eur_mwh=price), 10**9)
    assert nxt == 900
    out = sim.get_data({eid: list(OUTPUT_ATTRS)})[eid]
    p_set = out["p_set_kw"]
    assert p_set[[0, 1, 3]].tolist() == [0.0, 0.0, 0.0]
    assert np.isnan(p_set[2])  # no EV at charger 2
    assert out["p_plan_kw"].shape == (48,)
    assert out["p_plan_kw"][8] == pytest.approx(33.0)  # three EVs at 11 kW once cheap
    assert out["e_flex_kwh"] == pytest.approx(72.0)


def test_without_tariff_the_price_is_flat_and_evs_charge_at_once() -> None:
    sim, eid = _sim(policy="cost_min", p_rated_kw=[11.0, 7.4, 11.0, 3.7])
    sim.step(0, _inputs(eid), 10**9)
    p_set = sim.get_data({eid: ["p_set_kw"]})[eid]["p_set_kw"]
    assert p_set[[0, 1, 3]].tolist() == [11.0, 7.4, 3.7]


def test_opted_out_evs_get_nan() -> None:
    sim, eid = _sim(policy="tou_delayed")
    inputs = _inputs(eid)
    inputs[eid]["opt_out"] = {"Fleet-0.Fleet_0": [0, 1, 0, 0]}
    sim.step(0, inputs, 10**9)
    p_set = sim.get_data({eid: ["p_set_kw"]})[eid]["p_set_kw"]
    assert np.isnan(p_set[1]) and p_set[0] == 11.0


def test_valley_filling_needs_the_background_and_names_the_connection() -> None:
    sim, eid = _sim(policy="valley_filling")
    with pytest.raises(ModelError, match="p_load_bg_kw"):
        sim.step(0, _inputs(eid), 10**9)
    sim.step(0, _inputs(eid, p_load_bg_kw=40.0, p_gen_bg_kw=5.0), 10**9)
    assert sim.get_data({eid: ["p_set_kw"]})[eid]["p_set_kw"].shape == (N,)


def test_missing_fleet_inputs_are_reported_and_no_fleet_means_no_control() -> None:
    sim, eid = _sim(policy="cost_min")
    inputs = _inputs(eid)
    del inputs[eid]["departure_s"]
    with pytest.raises(ModelError, match="departure_s"):
        sim.step(0, inputs, 10**9)
    sim.step(0, {}, 10**9)
    assert np.isnan(sim.get_data({eid: ["p_set_kw"]})[eid]["p_set_kw"]).all()


@pytest.mark.parametrize("policy", ["uncontrolled", "tou_delayed", "cost_min", "valley_filling"])
def test_json_safe_outputs_survive_json(policy: str) -> None:
    sim, eid = _sim(json_safe=True, policy=policy, bidirectional=True)
    inputs = _inputs(eid, price_eur_mwh=100.0, price_forecast_eur_mwh=[100.0] * 96)
    inputs[eid]["p_load_bg_kw"] = {"Grid-0.Area_0": 30.0}
    for attr, value in list(inputs[eid].items()):
        inputs[eid][attr] = {k: np.asarray(v).tolist() for k, v in value.items()}
    sim.step(0, inputs, 10**9)
    out = sim.get_data({eid: list(OUTPUT_ATTRS)})[eid]
    text = json.dumps(out)
    assert isinstance(out["p_set_kw"], list) and isinstance(out["e_flex_kwh"], float)
    assert len(json.loads(text)["p_plan_kw"]) == 96


def test_bad_create_parameters_are_rejected() -> None:
    sim = AggregatorSim()
    sim.init("Agg-0", 1.0, step_s=900)
    with pytest.raises(ValueError, match="valid policies"):
        sim.create(1, "Aggregator", n_chargers=2, policy="greedy")
    with pytest.raises(ValueError, match="p_rated_kw has 3 values"):
        sim.create(1, "Aggregator", n_chargers=2, p_rated_kw=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="unknown model"):
        sim.create(1, "Controller", n_chargers=2)
    with pytest.raises(ModelError, match="before its first step"):
        (ent,) = sim.create(1, "Aggregator", n_chargers=2)
        sim.get_data({ent["eid"]: ["p_set_kw"]})


def test_two_fleets_or_tariffs_on_one_aggregator_are_refused_and_meters_add_up() -> None:
    sim, eid = _sim(policy="uncontrolled")
    inputs = _inputs(eid)
    inputs[eid]["soc"] = {"Fleet-0.Fleet_0": EV_STATE["soc"], "Fleet-0.Fleet_1": EV_STATE["soc"]}
    with pytest.raises(ModelError, match=r"soc is connected to 2 fleets .* exactly one fleet"):
        sim.step(0, inputs, 10**9)
    inputs = _inputs(eid)
    inputs[eid]["price_eur_mwh"] = {"Tariff-0.Tariff_0": 50.0, "Tariff-1.Tariff_0": 60.0}
    with pytest.raises(ModelError, match="connect exactly one tariff"):
        sim.step(0, inputs, 10**9)
    # the bank's metered power from two banks is added per charger (NaN: nothing metered)
    inputs = _inputs(eid)
    inputs[eid]["p_kw"] = {"b0": [1.0, 2.0, np.nan, 0.0], "b1": [0.5, np.nan, np.nan, 1.0]}
    sim.step(900, inputs, 10**9)
    metered = sim.get_data({eid: ["p_metered_kw"]})[eid]["p_metered_kw"]
    assert metered.tolist() == [4.5]  # one zone: 1.5 + 2.0 + 0.0 + 1.0 kW
