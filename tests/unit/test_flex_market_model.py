"""MarketModel: gate closure, clearing at the gate, activation, settlement and the event log."""

from __future__ import annotations

from typing import Any

import pytest

from cosim.errors import ModelError
from simulators.flex_market.gates import GateParams, gate_closure_s
from simulators.flex_market.model import MarketModel
from simulators.flex_market.orders import ClearingRule, Gate
from simulators.flex_market.params import MarketParams, MarketStep

DAY = 86_400
W0, W1 = DAY + 18 * 3600, DAY + 19 * 3600  # day 1, 18:00-19:00


def _req(rid: str, gate: str, t0: int = W0, t1: int = W1, p_kw: float = 20.0) -> dict[str, Any]:
    return {
        "id": rid, "zone": "z", "buses": [7, 8], "t_start_s": t0, "t_end_s": t1,
        "p_kw": p_kw, "direction": "down", "price_cap_eur_mwh": 300.0, "gate": gate,
    }  # fmt: skip


def _bid(bid_id: str, bidder: str, p_kw: float, price: float, **kw: Any) -> dict[str, Any]:
    return {
        "id": bid_id, "bidder": bidder, "zone": "z", "t_start_s": kw.pop("t0", W0),
        "t_end_s": kw.pop("t1", W1), "p_kw": p_kw, "price_eur_mwh": price, **kw,
    }  # fmt: skip


def _reasons(market: MarketModel, table: str) -> dict[str, str]:
    t = market.event_log()[table]
    return dict(zip(t["id"], t["reason"], strict=True))


def test_day_ahead_gate_closes_at_noon_the_day_before_in_local_time() -> None:
    assert gate_closure_s(Gate.DAY_AHEAD, W0, params=GateParams()) == 12 * 3600
    # scenario starting at 06:00 local: 18:00 on the first day is t=12 h, its gate was at
    # 12:00 the day before, i.e. 18 h before the start
    assert (
        gate_closure_s(Gate.DAY_AHEAD, 12 * 3600, params=GateParams(start_tod_s=6 * 3600))
        == -18 * 3600
    )
    assert gate_closure_s(Gate.INTRADAY, W0, params=GateParams(intraday_lead_s=1800)) == W0 - 1800


def test_day_ahead_request_clears_at_its_gate_with_the_bids_received_by_then() -> None:
    m = MarketModel(MarketParams())
    m.step(0, requests=[_req("da", "day_ahead")])
    m.step(42_300, bids=[_bid("b1", "agg1", 15.0, 100.0)])
    out = m.step(43_200, bids=[_bid("b2", "agg2", 10.0, 150.0, request_id="da")])
    assert [(a["bid_id"], a["p_kw"]) for a in out.flex_awards] == [("b1", 15.0), ("b2", 5.0)]
    m.step(44_100, bids=[_bid("late", "agg3", 10.0, 1.0, request_id="da")])
    assert "after the day_ahead gate of request 'da'" in _reasons(m, "bids")["late"]


def test_requests_and_bids_after_their_gate_are_rejected_with_a_reason() -> None:
    m = MarketModel(MarketParams())
    m.step(44_100, requests=[_req("da", "day_ahead"), _req("id", "intraday")])
    reasons = _reasons(m, "requests")
    assert "after the day_ahead gate closed at t=43200 s" in reasons["da"]
    assert reasons["id"] == ""
    m.step(W0 - 3600, bids=[_bid("on_time", "agg1", 5.0, 10.0)])
    m.step(W0 - 2700, bids=[_bid("late", "agg1", 5.0, 10.0)])
    reasons = _reasons(m, "bids")
    assert reasons["on_time"] == ""
    assert "after the intraday gate closure" in reasons["late"]
    awards = m.event_log()["awards"]
    assert awards["bid_id"] == ["on_time"] and awards["cleared_s"] == [W0 - 3600]


def _run(market: MarketModel, readings: dict[str, tuple[float, float]]) -> list[MarketStep]:
    """Request 20 kW down over [3600, 7200), bids at t=0, readings every step to t=7200."""
    base = {k: v[0] for k, v in readings.items()}
    meter = {k: v[1] for k, v in readings.items()}
    outs = [
        market.step(
            0,
            requests=[_req("r", "intraday", 3600, 7200)],
            bids=[
                _bid("b1", "agg1", 15.0, 100.0, t0=3600, t1=7200),
                _bid("b2", "agg2", 10.0, 150.0, t0=3600, t1=7200),
            ],
            baseline_kw=base,
            metered_kw=meter,
        )
    ]  # fmt: skip
    for t in range(900, 7201, 900):
        outs.append(market.step(t, baseline_kw=base, metered_kw=meter))
    return outs


def test_awards_are_activated_at_window_start_and_settled_after_the_last_reading() -> None:
    params = MarketParams(
        gates=GateParams(intraday_lead_s=1800), meter_lag_steps=1, activation_lead_steps=0
    )
    m = MarketModel(params)
    outs = _run(m, {"agg1@z": (50.0, 35.0), "agg2@z": (20.0, 20.0)})
    by_t = {t: o for t, o in zip(range(0, 7201, 900), outs, strict=True)}
    assert [len(by_t[t].flex_awards) for t in (0, 900, 1800, 2700)] == [0, 0, 2, 0]
    assert [a["award_id"] for a in by_t[3600].flex_activations] == ["r/b1", "r/b2"]
    assert by_t[3600].p_requested_kw == 20.0 and by_t[3600].p_awarded_kw == 20.0
    assert by_t[2700].p_awarded_kw == 0.0 and by_t[7200].p_requested_kw == 0.0
    assert by_t[4500].p_delivered_kw == pytest.approx(15.0)  # reading of [3600, 4500)
    assert all(not by_t[t].flex_settlements for t in range(0, 7200, 900))
    s1, s2 = sorted(by_t[7200].flex_settlements, key=lambda s: s["award_id"])
    assert (s1["paid_kwh"], s1["payment_eur"], s1["penalty_eur"]) == pytest.approx((15, 1.5, 0))
    assert (s2["paid_kwh"], s2["shortfall_kwh"]) == pytest.approx((0.0, 5.0))
    assert s2["penalty_eur"] == pytest.approx(0.005 * 150 * 1.5)
    assert by_t[7200].cost_eur == pytest.approx(1.5)
    assert by_t[7200].penalty_eur == pytest.approx(1.125)


def test_a_zone_meter_shared_by_two_awards_credits_each_its_awarded_share() -> None:
    m = MarketModel(MarketParams(gates=GateParams(intraday_lead_s=1800), rule=ClearingRule.UNIFORM))
    outs = _run(m, {"z": (100.0, 80.0)})  # 20 kW delivered = 15 + 5 awarded
    settled = outs[-1].flex_settlements
    assert [s["paid_kwh"] for s in settled] == pytest.approx([15.0, 5.0])
    assert outs[-1].cost_eur == pytest.approx(0.020 * 150)  # uniform price 150 EUR/MWh
    assert outs[-1].penalty_eur == 0.0


def test_without_meter_data_nothing_is_paid_and_everything_is_penalised() -> None:
    m = MarketModel(MarketParams(gates=GateParams(intraday_lead_s=1800)))
    outs = _run(m, {})
    assert outs[-1].cost_eur == 0.0
    assert outs[-1].penalty_eur == pytest.approx(0.015 * 150 + 0.005 * 225)


def test_event_log_records_every_kind_with_equal_column_lengths() -> None:
    m = MarketModel(MarketParams(gates=GateParams(intraday_lead_s=1800)))
    _run(m, {"z": (100.0, 80.0)})
    log = m.event_log()
    counts = {name: {len(col) for col in cols.values()} for name, cols in log.items()}
    assert counts["requests"] == {1} and counts["bids"] == {2} and counts["clearings"] == {1}
    assert counts["awards"] == counts["activations"] == counts["settlements"] == {2}
    assert log["requests"]["buses"] == ["7,8"]
    assert log["bids"]["divisible"] == [1, 1]
    for cols in log.values():
        for values in cols.values():
            assert all(isinstance(v, (int, float, str)) for v in values)


def test_resent_identical_orders_are_ignored_and_changed_duplicates_rejected() -> None:
    m = MarketModel(MarketParams())
    req = _req("r", "intraday")
    m.step(0, requests=[req], bids=[_bid("b", "a", 5.0, 10.0)])
    m.step(900, requests=[req], bids=[_bid("b", "a", 5.0, 10.0)])
    m.step(1800, requests=[{**req, "p_kw": 99.0}], bids=[_bid("b", "a", 6.0, 10.0)])
    log = m.event_log()
    assert log["requests"]["reason"] == ["", "duplicate id"]
    assert log["bids"]["reason"] == ["", "duplicate id"]


def test_entry_barriers_of_the_short_term_market_reject_small_or_short_bids() -> None:
    m = MarketModel(MarketParams(min_bid_kw=50.0, min_bid_duration_s=7200))
    m.step(0, bids=[_bid("small", "a", 20.0, 10.0), _bid("short", "a", 60.0, 10.0)])
    reasons = _reasons(m, "bids")
    assert "below the minimum bid size 50 kW" in reasons["small"]
    assert "shorter than 7200 s" in reasons["short"]


def test_malformed_orders_raise_a_model_error_naming_the_problem() -> None:
    m = MarketModel(MarketParams())
    with pytest.raises(ModelError, match="unknown keys"):
        m.step(0, requests=[{**_req("r", "intraday"), "kw": 3}])
    with pytest.raises(ModelError, match="t_end_s must be after"):
        m.step(0, bids=[_bid("b", "a", 5.0, 10.0, t1=W0)])
    with pytest.raises(ModelError, match="missing"):
        m.step(0, bids=[{"id": "b"}])


@pytest.mark.parametrize(
    "kw", [{"min_bid_kw": -1.0}, {"step_s": 0}, {"meter_lag_steps": 2}, {"rule": "vickrey"}]
)
def test_invalid_market_parameters_are_rejected(kw: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        MarketParams(**kw)


def test_activations_lead_their_window_by_one_step_by_default() -> None:
    # providers receive activations over a time-shifted connection: issued one step
    # early, they act from the first step of the window and no quarter-hour is lost
    m = MarketModel(MarketParams(gates=GateParams(intraday_lead_s=1800), meter_lag_steps=1))
    outs = _run(m, {"agg1@z": (50.0, 35.0), "agg2@z": (20.0, 20.0)})
    by_t = {t: o for t, o in zip(range(0, 7201, 900), outs, strict=True)}
    assert [a["award_id"] for a in by_t[2700].flex_activations] == ["r/b1", "r/b2"]
    assert not by_t[3600].flex_activations
