"""Clearing rules of the flexibility market on hand-computed cases."""

from __future__ import annotations

import math
from typing import Any

import pytest

from simulators.flex_market.clearing import clear_request
from simulators.flex_market.orders import Bid, ClearingRule, Direction, Request

REQ = Request("r1", "feeder1", (3, 4, 5), 3600, 7200, 100.0, Direction.DOWN, 200.0)


def _bid(bid_id: str, p_kw: float, price: float, **kw: Any) -> Bid:
    fields: dict[str, Any] = {"bidder": "agg", "zone": "feeder1", "t_start_s": 3600}
    fields |= {"t_end_s": 7200} | kw
    return Bid(bid_id, p_kw=p_kw, price_eur_mwh=price, **fields)


THREE = [_bid("c", 60.0, 120.0), _bid("a", 40.0, 50.0), _bid("b", 50.0, 80.0)]


def test_pay_as_bid_takes_the_merit_order_and_pays_each_its_own_price() -> None:
    res = clear_request(REQ, THREE, rule=ClearingRule.PAY_AS_BID)
    got = [(a.bid_id, a.p_kw, a.price_eur_mwh) for a in res.awards]
    assert got == [("a", 40.0, 50.0), ("b", 50.0, 80.0), ("c", 10.0, 120.0)]
    assert res.awarded_kw == 100.0 and res.unmet_kw == 0.0
    # 1 h: 40*50 + 50*80 + 10*120 = 7200 kW*EUR/MWh -> 7.2 EUR; mean price 72 EUR/MWh
    assert sum(a.p_kw * a.price_eur_mwh for a in res.awards) / 1000 == pytest.approx(7.2)
    assert res.price_eur_mwh == pytest.approx(72.0)


def test_uniform_price_is_the_marginal_accepted_bid() -> None:
    res = clear_request(REQ, THREE, rule=ClearingRule.UNIFORM)
    assert [a.p_kw for a in res.awards] == [40.0, 50.0, 10.0]
    assert {a.price_eur_mwh for a in res.awards} == {120.0}
    assert [a.bid_price_eur_mwh for a in res.awards] == [50.0, 80.0, 120.0]
    assert res.price_eur_mwh == 120.0  # 100 kW for 1 h at 120 EUR/MWh = 12 EUR


def test_price_cap_excludes_dearer_bids_and_leaves_the_need_unmet() -> None:
    bids = [_bid("cheap", 30.0, 150.0), _bid("dear", 80.0, 200.01)]
    res = clear_request(REQ, bids, rule=ClearingRule.UNIFORM)
    assert [a.bid_id for a in res.awards] == ["cheap"]
    assert res.unmet_kw == pytest.approx(70.0)
    assert "above the cap" in dict(res.excluded)["dear"]


def test_bid_at_exactly_the_cap_is_accepted() -> None:
    res = clear_request(REQ, [_bid("x", 10.0, 200.0)], rule=ClearingRule.PAY_AS_BID)
    assert res.awarded_kw == 10.0


def test_divisible_bid_is_accepted_in_part_but_not_below_its_minimum() -> None:
    res = clear_request(REQ, [_bid("a", 90.0, 10.0), _bid("b", 50.0, 20.0)], rule="pay_as_bid")
    assert [(a.bid_id, a.p_kw) for a in res.awards] == [("a", 90.0), ("b", 10.0)]
    res = clear_request(
        REQ,
        [_bid("a", 90.0, 10.0), _bid("b", 50.0, 20.0, min_p_kw=20.0), _bid("c", 15.0, 30.0)],
        rule=ClearingRule.PAY_AS_BID,
    )
    assert [(a.bid_id, a.p_kw) for a in res.awards] == [("a", 90.0), ("c", 10.0)]
    assert "min_p_kw" in dict(res.excluded)["b"]


def test_indivisible_bid_that_does_not_fit_is_skipped_and_the_walk_goes_on() -> None:
    bids = [
        _bid("a", 40.0, 50.0, divisible=False),
        _bid("b", 70.0, 60.0, divisible=False),  # 70 > 60 still needed: skipped
        _bid("c", 50.0, 90.0),  # divisible: takes 50
        _bid("d", 10.0, 95.0, divisible=False),  # exactly fits the last 10
    ]
    res = clear_request(REQ, bids, rule=ClearingRule.UNIFORM)
    assert [(a.bid_id, a.p_kw) for a in res.awards] == [("a", 40.0), ("c", 50.0), ("d", 10.0)]
    assert res.price_eur_mwh == 95.0
    assert "indivisible" in dict(res.excluded)["b"]


def test_never_buys_more_than_requested_even_if_an_indivisible_bid_is_cheapest() -> None:
    res = clear_request(REQ, [_bid("big", 150.0, 1.0, divisible=False)], rule="uniform")
    assert res.awards == () and res.unmet_kw == 100.0 and math.isnan(res.price_eur_mwh)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"zone": "feeder2"}, "zone"),
        ({"direction": Direction.UP}, "direction"),
        ({"t_start_s": 5400}, "does not cover"),
        ({"t_end_s": 5400}, "does not cover"),
        ({"request_id": "other"}, "answers request"),
    ],
)
def test_bids_for_another_location_direction_window_or_request_are_excluded(
    change: dict[str, object], reason: str
) -> None:
    res = clear_request(REQ, [_bid("x", 10.0, 1.0, **change)], rule=ClearingRule.PAY_AS_BID)
    assert res.awards == ()
    assert reason in dict(res.excluded)["x"]


def test_bid_window_covering_the_request_is_eligible_and_the_award_uses_the_request_window() -> (
    None
):
    res = clear_request(REQ, [_bid("x", 10.0, 1.0, t_start_s=0, t_end_s=86400)], rule="uniform")
    (award,) = res.awards
    assert (award.t_start_s, award.t_end_s, award.zone) == (3600, 7200, "feeder1")


def test_ties_go_to_the_earliest_bid_then_the_smallest_id_whatever_the_input_order() -> None:
    bids = [
        _bid("z", 60.0, 50.0, submitted_s=0),
        _bid("b", 60.0, 50.0, submitted_s=900),
        _bid("a", 60.0, 50.0, submitted_s=900),
    ]
    for order in (bids, bids[::-1], [bids[1], bids[0], bids[2]]):
        res = clear_request(REQ, order, rule=ClearingRule.PAY_AS_BID)
        assert [(a.bid_id, a.p_kw) for a in res.awards] == [("z", 60.0), ("a", 40.0)]


def test_available_power_limits_bids_already_awarded_elsewhere() -> None:
    res = clear_request(
        REQ, THREE, rule=ClearingRule.PAY_AS_BID, available_kw={"a": 0.0, "b": 5.0, "c": 60.0}
    )
    assert [(a.bid_id, a.p_kw) for a in res.awards] == [("b", 5.0), ("c", 60.0)]
    assert "no power left" in dict(res.excluded)["a"]
