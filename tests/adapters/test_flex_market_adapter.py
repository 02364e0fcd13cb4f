"""FlexMarketSim: init/create/step/get_data, input aggregation, JSON-safe outputs, events()."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from cosim.errors import ModelError
from cosim.seeding import child_seed
from simulators.flex_market.adapter import INPUT_ATTRS, META, OUTPUT_ATTRS, FlexMarketSim
from simulators.flex_market.events import TABLES

START = "2024-01-08T00:00:00+01:00"


def _sim(*, json_safe: bool = False, **create: Any) -> tuple[FlexMarketSim, str]:
    sim = FlexMarketSim(json_safe=json_safe)
    meta = sim.init("FlexMarket-0", 1.0, step_s=900, start=START, seed=child_seed(1, "market"))
    assert meta["type"] == "time-based"
    assert set(meta["models"]["Market"]["attrs"]) == set(INPUT_ATTRS) | set(OUTPUT_ATTRS)
    assert meta["extra_methods"] == ["events"]
    (ent,) = sim.create(1, "Market", **create)
    return sim, ent["eid"]


def _request(**kw: Any) -> dict[str, Any]:
    return {
        "id": "r1", "zone": "f1", "buses": [5, 6], "t_start_s": 3600, "t_end_s": 5400,
        "p_kw": 30.0, "direction": "down", "price_cap_eur_mwh": 250.0, "gate": "intraday",
    } | kw  # fmt: skip


def _bid(bid_id: str, bidder: str, p_kw: float, price: float) -> dict[str, Any]:
    return {
        "id": bid_id, "bidder": bidder, "zone": "f1", "t_start_s": 3600, "t_end_s": 5400,
        "p_kw": p_kw, "price_eur_mwh": price, "divisible": True,
    }  # fmt: skip


def _drive(sim: FlexMarketSim, eid: str, meter: Any, base: Any) -> dict[int, dict[str, Any]]:
    """Requests and bids at t=0 from two sources each; every step the declared baseline and
    the chargers' power (per charger) until 6300 s."""
    out = {}
    for t in range(0, 6301, 900):
        attrs: dict[str, Any] = {
            "p_base_kw": {"Agg-0.agg": base},
            "p_kw": {"EVSE-0.bank": meter},
        }
        if t == 0:
            attrs["flex_requests"] = {"DSO-0.dso": [_request()]}
            attrs["flex_bids"] = {
                "Agg-1.agg": [_bid("b2", "agg2", 20.0, 120.0)],
                "Agg-0.agg": [_bid("b1", "agg1", 20.0, 80.0)],
            }
        assert sim.step(t, {eid: attrs}, 10**9) == t + 900
        out[t] = sim.get_data({eid: list(OUTPUT_ATTRS)})[eid]
    return out


def test_clears_activates_and_settles_through_the_mosaik_interface() -> None:
    sim, eid = _sim(
        rule="uniform", zones=["f1"], zone_of_charger=[0, 0], provider_of_charger=["agg1", "agg2"]
    )
    out = _drive(sim, eid, meter=np.array([30.0, 40.0]), base=[50.0, 50.0])
    awards = out[0]["flex_awards"]  # intraday gate: 1 h before 3600 s, i.e. at t = 0
    assert [(a["bidder"], a["p_kw"], a["price_eur_mwh"]) for a in awards] == [
        ("agg1", 20.0, 120.0),
        ("agg2", 10.0, 120.0),
    ]
    assert len(out[2700]["flex_activations"]) == 2  # one step before the window
    assert out[3600]["p_awarded_kw"] == 30.0 and out[3600]["p_requested_kw"] == 30.0
    settled = {s["bidder"]: s for s in out[5400]["flex_settlements"]}
    # agg1 delivers 20 of 20 kW, agg2 10 of 10 kW for 30 min at 120 EUR/MWh
    assert settled["agg1"]["payment_eur"] == pytest.approx(0.010 * 120)
    assert settled["agg2"]["payment_eur"] == pytest.approx(0.005 * 120)
    assert out[6300]["cost_eur"] == pytest.approx(0.015 * 120)
    assert out[6300]["penalty_eur"] == 0.0


def test_baselines_are_summed_over_sources_per_charger() -> None:
    sim, eid = _sim(zones=["f1"], zone_of_charger=[0, 0, -1], provider_of_charger="agg1")
    for t in range(0, 4501, 900):
        attrs: dict[str, Any] = {
            "p_base_kw": {"a": [30.0, 0.0, 9.0], "b": [0.0, 20.0, np.nan]},
            "p_kw": {"bank": [20.0, 10.0, 5.0]},
        }
        if t == 0:
            attrs["flex_requests"] = {"DSO-0.dso": _request()}  # a single dict is accepted
            attrs["flex_bids"] = {"Agg-0.agg": [_bid("b1", "agg1", 30.0, 80.0)]}
        sim.step(t, {eid: attrs}, 10**9)
    out = sim.get_data({eid: ["p_delivered_kw", "p_awarded_kw"]})[eid]
    assert out["p_delivered_kw"] == pytest.approx(20.0)  # (30 + 20) - (20 + 10), step 3600
    assert out["p_awarded_kw"] == 30.0


def test_readings_must_have_one_value_per_charger_of_the_meter_map() -> None:
    sim, eid = _sim(zones=["f1"], zone_of_charger=[0], provider_of_charger="agg1")
    with pytest.raises(ModelError, match="2 values for 1 chargers"):
        sim.step(0, {eid: {"p_base_kw": {"src": [1.0, 2.0]}}}, 10**9)


def test_json_safe_outputs_and_events_are_json_serialisable() -> None:
    sim, eid = _sim(json_safe=True, zones=["f1"], zone_of_charger=[0], provider_of_charger="agg1")
    out = _drive(sim, eid, meter=np.array([20.0]), base=np.array([50.0]))
    for data in out.values():
        json.dumps(data)
        assert all(isinstance(data[a], (int, float)) for a in OUTPUT_ATTRS[3:])
    events = sim.events()
    assert set(events) == set(TABLES)
    json.dumps(events)
    assert events["settlements"]["award_id"] == ["r1/b1", "r1/b2"]


def test_tender_parameter_contracts_offers_and_reports_them() -> None:
    offer = {
        "id": "o1", "bidder": "agg1", "zone": "f1", "p_kw": 60.0, "t_start_s": 0,
        "t_end_s": 86400, "availability_eur_kw": 1.0, "utilisation_eur_mwh": 90.0,
    }  # fmt: skip
    small = offer | {"id": "o2", "p_kw": 10.0}
    sim = FlexMarketSim()
    sim.init("M", step_s=900, start=START)
    (ent,) = sim.create(1, "Market", tender={"min_bid_kw": 50.0, "offers": [offer, small]})
    assert ent["extra_info"]["contracts"] == ["o1"]
    sim.step(0, {}, 10**9)
    assert sim.get_data({ent["eid"]: ["cost_eur"]})[ent["eid"]]["cost_eur"] == pytest.approx(
        60.0 * 900 / 86400
    )
    assert sim.events()["tender_offers"]["status"] == ["contracted", "rejected"]


@pytest.mark.parametrize(
    ("create", "match"),
    [
        ({"rule": "vickrey"}, "allowed"),
        ({"tender": {"min_bid_kw": 5.0, "bogus": 1}}, "allowed keys"),
        ({"intraday_lead_s": -1}, "intraday_lead_s"),
        ({"day_ahead_hour": 25}, "day_ahead_hour"),
    ],
)
def test_bad_parameters_raise_clear_errors(create: dict[str, Any], match: str) -> None:
    sim = FlexMarketSim()
    sim.init("M", step_s=900, start=START)
    with pytest.raises(ValueError, match=match):
        sim.create(1, "Market", **create)


def test_one_market_per_scenario_and_no_step_before_create() -> None:
    sim = FlexMarketSim()
    sim.init("M", step_s=900, start=START)
    with pytest.raises(ModelError, match="before create"):
        sim.step(0, {}, 10**9)
    with pytest.raises(ValueError, match="exactly one"):
        sim.create(2, "Market")
    assert META["models"]["Market"]["public"] is True
