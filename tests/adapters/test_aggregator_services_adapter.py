"""AggregatorSim services: new params and ports, defaults off, JSON-safe, baseline ≈ metered."""

from __future__ import annotations

import json
from typing import Any

import mosaik
import mosaik_api_v3
import numpy as np
import pytest

from controllers.aggregator.adapter import AggregatorSim
from controllers.aggregator.outputs import SERVICE_OUTPUTS

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
    sim.init("Agg-0", 1.0, step_s=900, start="2016-06-06T03:00:00+02:00", seed=[1])
    (ent,) = sim.create(1, "Aggregator", n_chargers=N, **create)
    return sim, ent["eid"]


def _inputs(eid: str, **extra: Any) -> dict[str, Any]:
    attrs = {a: {"Fleet-0.Fleet_0": v} for a, v in EV_STATE.items()}
    attrs.update({a: {"src-0.x": v} for a, v in extra.items()})
    return {eid: attrs}


def test_services_off_give_zeros_and_empty_bids_and_the_same_setpoints() -> None:
    plain, eid = _sim(policy="cost_min")
    zoned, eid2 = _sim(policy="cost_min", zone_names=["a", "b"], zone_of_charger=[0, 0, 1, 1])
    plain.step(0, _inputs(eid), 0)
    zoned.step(0, _inputs(eid2, p_kw=np.ones(N)), 0)
    a = plain.get_data({eid: ["p_set_kw", *SERVICE_OUTPUTS]})[eid]
    b = zoned.get_data({eid2: ["p_set_kw", *SERVICE_OUTPUTS]})[eid2]
    np.testing.assert_array_equal(a["p_set_kw"], b["p_set_kw"])
    assert b["fcr_capacity_kw"] == 0.0 and b["flex_bids"] == []
    assert (np.asarray(b["fcr_band_kw"]) == 0).all()
    assert np.asarray(b["p_metered_kw"]).tolist() == [2.0, 2.0]
    assert np.asarray(a["p_baseline_kw"]).shape == (1,)  # one zone "fleet" by default


def test_availability_outputs_per_charger_and_json_safe() -> None:
    sim, eid = _sim(
        json_safe=True,
        zone_names=["a", "b"],
        zone_of_charger=[0, 0, 1, 1],
        fcr={"enabled": True, "base_shape": "even"},
        flex={"enabled": True},
    )
    for k in range(5):  # 03:00 .. 04:00: the 04:00 block is offered at 03:45
        sim.step(k * 900, _inputs(eid, p_kw=[1.0] * N, flex_activations=[]), 0)
        data = sim.get_data({eid: ["p_set_kw", *SERVICE_OUTPUTS]})
        json.dumps(data)
    out = data[eid]
    assert out["fcr_capacity_kw"] > 0
    assert len(out["p_base_kw"]) == N and out["p_base_kw"][2] == 0.0
    assert out["p_up_kw"][2] == 0.0 and out["p_down_kw"][2] == 0.0
    assert sum(out["fcr_band_kw"]) == pytest.approx(out["fcr_capacity_kw"])


@pytest.mark.parametrize(
    ("create", "match"),
    [
        ({"fcr": {"enable": True}}, "unknown fcr key"),
        ({"fcr": {"safety_factor": 1.5}}, "safety_factor"),
        ({"flex": {"share": 0.0}}, "share"),
        ({"zone_names": ["a", "b"]}, "zone_of_charger"),
        ({"zone_names": ["a"], "zone_of_charger": [0, 0, 1, 0]}, "zone_of_charger"),
    ],
)
def test_bad_service_params_are_refused_with_the_field(create: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        _sim(**create)


# ---------------------------------------------------------------------- mosaik world
class BaselineCollector(mosaik_api_v3.Simulator):
    """Keeps every input it receives (test helper)."""

    last: BaselineCollector | None = None

    def __init__(self) -> None:
        meta = {"public": True, "params": [], "attrs": [], "any_inputs": True}
        super().__init__({"api_version": "3.0", "type": "time-based", "models": {"C": meta}})
        self.rows: list[dict[str, Any]] = []
        BaselineCollector.last = self

    def create(self, num: int, model: str, **params: Any) -> list[dict[str, Any]]:
        return [{"eid": "c", "type": model}]

    def step(self, time: int, inputs: dict[str, Any], max_advance: int) -> int:
        self.rows.append({a: np.asarray(next(iter(s.values()))) for a, s in inputs["c"].items()})
        return time + 900

    def get_data(self, outputs: dict[str, Any]) -> dict[str, Any]:
        return {}


def test_uncontrolled_fleet_baseline_matches_the_metered_power() -> None:
    n, common = 16, {"step_s": 900, "start": "2016-06-06T00:00:00+02:00"}
    sim_config = {
        "ev_fleet": {"python": "simulators.ev_fleet.adapter:EVFleetSim"},
        "evse": {"python": "simulators.evse.adapter:EVSESim"},
        "aggregator": {"python": "controllers.aggregator.adapter:AggregatorSim"},
        "collector": {
            "python": "tests.adapters.test_aggregator_services_adapter:BaselineCollector"
        },
    }
    ev = ("plugged", "soc", "e_need_kwh", "departure_s", "p_max_kw", "charger_idx")
    with mosaik.World(sim_config, skip_greetings=True, configure_logging=False) as world:
        fleet = world.start("ev_fleet", seed=[3], **common).Fleet(
            segments=[{"kind": "home_commuter", "n_ev": n, "plugin": "daily"}], charger_bus=[1] * n
        )
        agg = world.start("aggregator", **common).Aggregator(
            n_chargers=n, zone_names=["a", "b"], zone_of_charger=[i % 2 for i in range(n)]
        )
        bank = world.start("evse", **common).ChargerBank(bus_id=[1] * n)
        coll = world.start("collector").C()
        world.connect(fleet, agg, *ev)
        world.connect(agg, bank, "p_set_kw")
        world.connect(fleet, bank, *ev)
        world.connect(
            bank, fleet, "p_batt_kw", time_shifted=True, initial_data={"p_batt_kw": [0.0] * n}
        )
        world.connect(bank, agg, "p_kw", time_shifted=True, initial_data={"p_kw": [0.0] * n})
        world.connect(agg, coll, "p_baseline_kw", "p_metered_kw")
        world.run(until=96 * 900)
    assert BaselineCollector.last is not None
    rows = BaselineCollector.last.rows
    base = np.stack([r["p_baseline_kw"] for r in rows])
    metered = np.stack([r["p_metered_kw"] for r in rows])
    assert metered.sum() > 100.0  # the fleet charged
    assert base.sum(axis=0) == pytest.approx(metered.sum(axis=0), rel=0.03)
    assert np.abs(base - metered).max() <= 0.05 * metered.max() + 1.0
