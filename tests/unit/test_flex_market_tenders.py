"""Long-term tenders: entry barriers, contract award, availability and utilisation payments."""

from __future__ import annotations

from typing import Any

import pytest

from simulators.flex_market.gates import GateParams
from simulators.flex_market.model import MarketModel
from simulators.flex_market.orders import Direction, Request
from simulators.flex_market.params import MarketParams
from simulators.flex_market.tenders import (
    Contract,
    TenderOffer,
    TenderParams,
    availability_eur,
    call_off,
    run_tender,
)

DAY = 86_400
PERIOD = 4 * DAY


def _offer(
    oid: str, p_kw: float, avail: float = 2.0, util: float = 150.0, **kw: Any
) -> TenderOffer:
    fields: dict[str, Any] = {"bidder": f"agg_{oid}", "zone": "z", "t_start_s": 0}
    fields |= {"t_end_s": PERIOD} | kw
    return TenderOffer(
        oid, p_kw=p_kw, availability_eur_kw=avail, utilisation_eur_mwh=util, **fields
    )


def test_minimum_bid_size_and_duration_reject_offers_with_a_reason() -> None:
    params = TenderParams(min_bid_kw=50.0, min_duration_s=2 * DAY)
    offers = [_offer("ok", 50.0), _offer("small", 49.0), _offer("short", 80.0, t_end_s=DAY)]
    contracts, rejected = run_tender(offers, params)
    assert [c.id for c in contracts] == ["ok"]
    reasons = dict(rejected)
    assert reasons["small"] == "capacity 49 kW below the minimum bid size 50 kW"
    assert reasons["short"] == f"duration {DAY} s below the minimum duration {2 * DAY} s"


def test_a_one_megawatt_threshold_shuts_out_a_feeder_sized_aggregator() -> None:
    contracts, rejected = run_tender([_offer("fleet", 300.0)], TenderParams(min_bid_kw=1000.0))
    assert contracts == [] and "below the minimum bid size 1000 kW" in rejected[0][1]


def test_need_is_filled_cheapest_availability_first_with_whole_offers() -> None:
    params = TenderParams(min_bid_kw=10.0, need_kw={"z": 120.0}, max_availability_eur_kw=5.0)
    offers = [
        _offer("dear", 60.0, avail=4.0),
        _offer("cheap", 80.0, avail=1.0),
        _offer("mid", 50.0, avail=2.0),  # 80 + 50 > 120: rejected whole
        _offer("small", 40.0, avail=3.0),
        _offer("capped", 10.0, avail=6.0),
        _offer("elsewhere", 10.0, avail=0.5, zone="other"),
    ]
    contracts, rejected = run_tender(offers, params)
    assert [c.id for c in contracts] == ["cheap", "small"]
    reasons = dict(rejected)
    assert "exceeds the remaining need 40 kW" in reasons["mid"]
    assert "above the maximum" in reasons["capped"]
    assert "has no tender need" in reasons["elsewhere"]


def test_availability_is_paid_pro_rata_over_the_contract_period() -> None:
    c = Contract(_offer("o", 100.0, avail=2.0))  # 200 EUR for the 4 days
    assert availability_eur(c, 0, DAY) == pytest.approx(50.0)
    assert availability_eur(c, PERIOD - 900, PERIOD + 900) == pytest.approx(200.0 * 900 / PERIOD)
    assert availability_eur(c, PERIOD, PERIOD + DAY) == 0.0


def test_call_off_stays_within_contracted_capacity_cheapest_utilisation_first() -> None:
    contracts = [Contract(_offer("a", 40.0, util=200.0)), Contract(_offer("b", 30.0, util=100.0))]
    req = Request("r1", "z", (1,), 3600, 7200, 50.0, Direction.DOWN, 250.0)
    awards = call_off(req, contracts, called_kw={})
    assert [(a.bid_id, a.p_kw, a.price_eur_mwh) for a in awards] == [
        ("b", 30.0, 100.0),
        ("a", 20.0, 200.0),
    ]
    used = {"a": [(3600, 7200, 20.0)], "b": [(3600, 7200, 30.0)]}
    overlapping = Request("r2", "z", (1,), 5400, 9000, 50.0, Direction.DOWN, 250.0)
    assert [(a.bid_id, a.p_kw) for a in call_off(overlapping, contracts, called_kw=used)] == [
        ("a", 20.0)
    ]
    later = Request("r3", "z", (1,), 7200, 9000, 50.0, Direction.DOWN, 150.0)  # cap excludes a
    assert [(a.bid_id, a.p_kw) for a in call_off(later, contracts, called_kw=used)] == [("b", 30.0)]


def test_market_pays_availability_every_step_and_utilisation_on_delivery() -> None:
    tender = TenderParams(min_bid_kw=50.0)
    m = MarketModel(
        MarketParams(gates=GateParams(call_off_notice_s=0), meter_lag_steps=0),
        tender=tender,
        tender_offers=[_offer("o1", 100.0, avail=2.0, util=150.0), _offer("tiny", 5.0)],
    )
    assert [c.id for c in m.contracts] == ["o1"]
    req = {
        "id": "c1", "zone": "z", "buses": [1], "t_start_s": 3600, "t_end_s": 7200, "p_kw": 60.0,
        "direction": "down", "price_cap_eur_mwh": 500.0, "gate": "call_off",
    }  # fmt: skip
    reading = {"agg_o1@z": 100.0}
    outs = [m.step(0, requests=[req])]
    for t in range(900, 7200, 900):
        metered = {"agg_o1@z": 40.0} if t >= 3600 else reading
        outs.append(m.step(t, baseline_kw=reading, metered_kw=metered))
    assert [a["bid_id"] for a in outs[4].flex_awards] == ["o1"]  # cleared at t = 3600
    assert [a["award_id"] for a in outs[4].flex_activations] == ["c1/o1"]
    (s,) = outs[-1].flex_settlements
    assert s["payment_eur"] == pytest.approx(0.060 * 150.0) and s["penalty_eur"] == 0.0
    availability = 8 * 100.0 * 2.0 * 900 / PERIOD  # 8 steps of the 4-day contract
    assert outs[-1].cost_eur == pytest.approx(9.0 + availability)
    log = m.event_log()["tender_offers"]
    assert log["status"] == ["contracted", "rejected"]


def test_call_off_without_contracts_is_rejected() -> None:
    m = MarketModel(MarketParams())
    req = {
        "id": "c1", "zone": "z", "buses": [], "t_start_s": 3600, "t_end_s": 7200, "p_kw": 6.0,
        "direction": "down", "price_cap_eur_mwh": 500.0, "gate": "call_off",
    }  # fmt: skip
    m.step(0, requests=[req])
    assert m.event_log()["requests"]["reason"] == ["call-off without tender contracts"]


@pytest.mark.parametrize(
    "kw", [{"min_bid_kw": -1.0}, {"min_duration_s": -5}, {"need_kw": {"z": -3.0}}]
)
def test_invalid_tender_parameters_are_rejected(kw: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="tender"):
        TenderParams(**kw)  # type: ignore[arg-type]
