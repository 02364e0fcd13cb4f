"""The market settles on the chargers' meters (hand-computed), per provider and zone, on the
baseline latched at the start of each step; a provider has no input to report its delivery."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from controllers.aggregator.adapter import META as AGGREGATOR_META
from cosim.errors import ModelError
from cosim.link import link
from simulators.evse.adapter import META as EVSE_META
from simulators.flex_market.adapter import INPUT_ATTRS, META, FlexMarketSim
from simulators.flex_market.meters import BaselineLatch, MeterMap

START = "2024-01-08T00:00:00+01:00"
STEP_S = 900
#: chargers c0, c1 in f1; c2, c3 in f2; c4 in no zone (a charger the DSO does not zone)
ZONE_OF = [0, 0, 1, 1, -1]


def _sim(**create: Any) -> tuple[FlexMarketSim, str]:
    sim = FlexMarketSim()
    sim.init("FlexMarket-0", 1.0, step_s=STEP_S, start=START)
    (ent,) = sim.create(1, "Market", **create)
    return sim, ent["eid"]


def _request(rid: str, zone: str) -> dict[str, Any]:
    return {
        "id": rid, "zone": zone, "buses": [1], "t_start_s": 3600, "t_end_s": 5400,
        "p_kw": 10.0, "direction": "down", "price_cap_eur_mwh": 300.0, "gate": "intraday",
    }  # fmt: skip


def _bid(bid_id: str, bidder: str, zone: str) -> dict[str, Any]:
    return {
        "id": bid_id, "bidder": bidder, "zone": zone, "t_start_s": 3600, "t_end_s": 5400,
        "p_kw": 10.0, "price_eur_mwh": 100.0,
    }  # fmt: skip


def _drive(
    sim: FlexMarketSim,
    eid: str,
    *,
    requests: list[dict[str, Any]],
    bids: list[dict[str, Any]],
    base_kw: list[float],
    meter_kw: list[float],
    extra: dict[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """Orders at t=0; the declared baseline every step (same step) and the chargers' power
    one step late (as over a time-shifted link): ``meter_kw`` in the window, else the base.
    Returns the settlements by bidder and zone."""
    settled: dict[str, dict[str, Any]] = {}
    for t in range(0, 6301, STEP_S):
        metered_step = t - STEP_S
        in_window = 3600 <= metered_step < 5400
        attrs: dict[str, Any] = {
            "p_base_kw": {"Agg-0.Aggregator_0": np.array(base_kw)},
            "p_kw": {"EVSE-0.ChargerBank_0": np.array(meter_kw if in_window else base_kw)},
            **(extra or {}),
        }
        if t == 0:
            attrs["flex_requests"] = {"DSO-0.Operator_0": requests}
            attrs["flex_bids"] = {"Agg-0.Aggregator_0": bids}
        sim.step(t, {eid: attrs}, 10**9)
        for s in sim.get_data({eid: ["flex_settlements"]})[eid]["flex_settlements"]:
            settled[f"{s['bidder']}@{s['zone']}"] = s
    return settled


def _two_zones(extra: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    sim, eid = _sim(zones=["f1", "f2"], zone_of_charger=ZONE_OF, provider_of_charger="agg")
    return _drive(
        sim,
        eid,
        requests=[_request("r1", "f1"), _request("r2", "f2")],
        bids=[_bid("b1", "agg", "f1"), _bid("b2", "agg", "f2")],
        base_kw=[11.0] * 5,
        # f1: c1 drops to 1 kW (10 kW down); f2: c2 does not move, c3 drops 5 kW; c4 (no
        # zone) draws 50 kW more, which no zone's meter sees
        meter_kw=[11.0, 1.0, 11.0, 6.0, 61.0],
        extra=extra,
    )


def test_settlement_from_the_chargers_meters_two_zones_one_provider() -> None:
    settled = _two_zones()
    f1, f2 = settled["agg@f1"], settled["agg@f2"]
    # f1: 10 of 10 kW for 30 min at 100 EUR/MWh
    assert f1["delivered_kwh"] == pytest.approx(5.0)
    assert f1["payment_eur"] == pytest.approx(0.005 * 100.0)
    assert f1["penalty_eur"] == 0.0
    # f2: 5 of 10 kW (c2 did not deliver): 2.5 kWh paid, 2.5 kWh short at 1.5 x 100 EUR/MWh
    assert f2["delivered_kwh"] == pytest.approx(2.5)
    assert f2["paid_kwh"] == pytest.approx(2.5)
    assert f2["shortfall_kwh"] == pytest.approx(2.5)
    assert f2["payment_eur"] == pytest.approx(0.0025 * 100.0)
    assert f2["penalty_eur"] == pytest.approx(0.0025 * 150.0)


def test_a_provider_has_no_input_to_report_its_own_delivery() -> None:
    attrs = META["models"]["Market"]["attrs"]
    assert "p_metered_kw" not in attrs and "p_baseline_kw" not in attrs
    assert set(INPUT_ATTRS) == {"flex_requests", "flex_bids", "p_base_kw", "p_kw"}
    # numbers an aggregator sends about itself (claiming full delivery in f2) change nothing
    claim = {"Agg-0.Aggregator_0": np.array([11.0, 1.0, 1.0, 1.0, 0.0])}
    bogus = {"p_metered_kw": claim, "p_baseline_kw": {"Agg-0.Aggregator_0": [99.0, 99.0]}}
    assert _two_zones(extra=bogus) == _two_zones()


def test_link_connects_no_self_reported_meter(monkeypatch: pytest.MonkeyPatch) -> None:
    """What ``link`` connects to the market from the real aggregator's and charger bank's
    declared outputs: the bids and the declared baseline; the bank's meters."""

    class _Entity:
        def __init__(self, model: str, meta: Any) -> None:
            self.type, self.full_id = model, f"X.{model}_0"
            self.extra_info: dict[str, Any] = {"charger_ids": ["evse_0", "evse_1"]}
            self.desc = meta["models"][model]

    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    class _World:
        def connect(self, src: Any, dst: Any, *attrs: Any, **kw: Any) -> None:
            calls.append((src.type, attrs, kw))

    monkeypatch.setattr("cosim.link._description", lambda e: e.desc)
    market = _Entity("Market", META)
    link(_World(), _Entity("Aggregator", AGGREGATOR_META), market)
    link(_World(), _Entity("ChargerBank", EVSE_META), market, time_shifted=True)
    (agg_attrs, bank_attrs) = [c[1] for c in calls]
    assert set(agg_attrs) == {"flex_bids", "p_base_kw"}  # no p_metered_kw, no p_baseline_kw
    assert bank_attrs == ("p_kw",)
    assert calls[1][2]["initial_data"] == {"p_kw": [0.0, 0.0]}


def test_each_provider_is_settled_on_its_own_chargers() -> None:
    """Two providers in one zone: one delivers, the other does not; the zone total would
    have hidden it (each award would get half of the zone's 10 kW)."""
    sim, eid = _sim(zones=["f1"], zone_of_charger=[0, 0, 0, 0], provider_of_charger=list("aabb"))
    settled = _drive(
        sim,
        eid,
        requests=[{**_request("r1", "f1"), "p_kw": 20.0}],
        bids=[_bid("b1", "a", "f1"), _bid("b2", "b", "f1")],
        base_kw=[11.0] * 4,
        meter_kw=[6.0, 6.0, 11.0, 11.0],  # a's chargers 10 kW down, b's none
    )
    assert settled["a@f1"]["paid_kwh"] == pytest.approx(5.0)
    assert settled["a@f1"]["penalty_eur"] == 0.0
    assert settled["b@f1"]["paid_kwh"] == 0.0
    assert settled["b@f1"]["shortfall_kwh"] == pytest.approx(5.0)


def test_the_baseline_is_latched_at_the_start_of_its_step() -> None:
    """A step is settled on the baseline declared at its start: one raised during the step
    counts for the next step only (and that one settles on its own meter)."""
    sim, eid = _sim(zones=["f1"], zone_of_charger=[0], provider_of_charger="agg")
    request = {**_request("r1", "f1"), "t_end_s": 4500}  # one step: [3600, 4500)
    rows = []
    for t in range(0, 5401, STEP_S):
        base = 20.0 if t < 4500 else 80.0  # raised after the window started
        attrs: dict[str, Any] = {"p_base_kw": {"agg": [base]}, "p_kw": {"bank": [12.0]}}
        if t == 0:
            attrs["flex_requests"] = {"dso": [request]}
            attrs["flex_bids"] = {"agg": [{**_bid("b1", "agg", "f1"), "t_end_s": 4500}]}
        sim.step(t, {eid: attrs}, 10**9)
        rows += sim.get_data({eid: ["flex_settlements"]})[eid]["flex_settlements"]
    (s,) = rows
    assert s["settled_s"] == 4500
    assert s["delivered_kwh"] == pytest.approx((20.0 - 12.0) * 0.25)  # not (80 - 12)


def test_meter_map_sums_per_provider_and_zone_like_the_zone_sum() -> None:
    rng = np.random.default_rng(3)
    zone_of = rng.integers(-1, 3, size=40)
    p_kw = rng.uniform(-11.0, 22.0, size=40)
    m = MeterMap(["a", "b", "c"], zone_of, "agg")
    expected = np.zeros(3)
    np.add.at(expected, zone_of[zone_of >= 0], p_kw[zone_of >= 0])
    assert list(m.per_key(p_kw).values()) == expected.tolist()  # bit for bit
    assert m.keys == ("agg@a", "agg@b", "agg@c")
    none = MeterMap(["a"], [0, 0], ["", "x"]).per_key([5.0, np.nan])
    assert none == {"x@a": 0.0}  # a charger without provider is not metered; NaN is 0


def test_latch_keeps_the_first_declaration_and_forgets_old_ones() -> None:
    latch = BaselineLatch(step_s=STEP_S, meter_lag_steps=0)
    latch.declare(0, {"k": 1.0})
    latch.declare(0, {"k": 2.0})
    assert latch.due(0) == {"k": 1.0}
    assert latch.due(0) == {}
    lagged = BaselineLatch(step_s=STEP_S, meter_lag_steps=1)
    lagged.declare(0, {"k": 1.0})
    lagged.declare(900, {"k": 3.0})
    assert lagged.due(2700) == {}  # step 1800 not declared; 0 and 900 dropped
    assert lagged.due(900 + STEP_S) == {}


@pytest.mark.parametrize(
    ("create", "match"),
    [
        ({"zone_of_charger": [0]}, "alone"),
        ({"provider_of_charger": "agg"}, "alone"),
        ({"zones": ["f1"], "zone_of_charger": [0, 1], "provider_of_charger": "agg"}, "indices"),
        ({"zones": ["f1"], "zone_of_charger": [0], "provider_of_charger": ["a", "b"]}, "2 names"),
        ({"zones": ["f1"], "zone_of_charger": [0], "provider_of_charger": "a@b"}, "'@'"),
    ],
)
def test_bad_meter_maps_raise_clear_errors(create: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        _sim(**create)


def test_meters_without_a_map_or_of_the_wrong_size_are_errors() -> None:
    sim, eid = _sim(zones=["f1"])
    with pytest.raises(ModelError, match="no meter map"):
        sim.step(0, {eid: {"p_kw": {"bank": [1.0]}}}, 10**9)
    sim, eid = _sim(zones=["f1"], zone_of_charger=[0, 0], provider_of_charger="agg")
    with pytest.raises(ModelError, match="3 values for 2"):
        sim.step(0, {eid: {"p_kw": {"bank": [1.0, 2.0, 3.0]}}}, 10**9)
    with pytest.raises(ModelError, match="exactly one charger bank"):
        sim.step(0, {eid: {"p_kw": {"b1": [1.0, 2.0], "b2": [1.0, 2.0]}}}, 10**9)
