"""Invariants of market clearing over random requests and bid sets (hypothesis)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.flex_market.clearing import clear_request
from simulators.flex_market.orders import Bid, ClearingRule, Direction, Gate, Request

TOL = 1e-6

powers = st.floats(min_value=0.1, max_value=500.0, allow_nan=False)
prices = st.floats(min_value=-50.0, max_value=1000.0, allow_nan=False)


@st.composite
def bids(draw: st.DrawFn, i: int) -> Bid:
    p_kw = draw(powers)
    return Bid(
        id=f"b{i}",
        bidder=draw(st.sampled_from(["a1", "a2", "a3"])),
        zone=draw(st.sampled_from(["z", "z", "other"])),
        t_start_s=draw(st.sampled_from([0, 900])),
        t_end_s=draw(st.sampled_from([3600, 7200])),
        p_kw=p_kw,
        price_eur_mwh=draw(prices),
        divisible=draw(st.booleans()),
        min_p_kw=draw(st.floats(min_value=0.0, max_value=1.0)) * p_kw,
        direction=draw(st.sampled_from(list(Direction))),
        submitted_s=draw(st.sampled_from([0, 900, 1800])),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[Request, list[Bid]]:
    req = Request(
        "r", "z", (1,), 900, 3600, draw(powers), Direction.DOWN, draw(prices), Gate.INTRADAY
    )
    n = draw(st.integers(min_value=0, max_value=12))
    return req, [draw(bids(i)) for i in range(n)]


@settings(max_examples=120, deadline=None)
@given(case=cases(), rule=st.sampled_from(list(ClearingRule)))
def test_awards_respect_offers_request_and_cap(
    case: tuple[Request, list[Bid]], rule: ClearingRule
) -> None:
    req, offered = case
    res = clear_request(req, offered, rule=rule)
    by_id = {b.id: b for b in offered}
    assert sum(a.p_kw for a in res.awards) <= req.p_kw + TOL
    assert abs(res.awarded_kw + res.unmet_kw - req.p_kw) <= TOL
    for a in res.awards:
        bid = by_id[a.bid_id]
        assert 0.0 < a.p_kw <= bid.p_kw + TOL
        assert a.p_kw >= bid.min_p_kw - TOL
        if not bid.divisible:
            assert a.p_kw == bid.p_kw
        assert bid.zone == req.zone and bid.direction == req.direction
        assert a.price_eur_mwh <= req.price_cap_eur_mwh
        assert bid.price_eur_mwh <= req.price_cap_eur_mwh
        if rule == ClearingRule.UNIFORM:
            assert a.price_eur_mwh >= bid.price_eur_mwh
        else:
            assert a.price_eur_mwh == bid.price_eur_mwh
    assert len({a.bid_id for a in res.awards}) == len(res.awards)
    accepted_or_excluded = {a.bid_id for a in res.awards} | {b for b, _ in res.excluded}
    assert accepted_or_excluded == set(by_id)


@settings(max_examples=60, deadline=None)
@given(case=cases(), rule=st.sampled_from(list(ClearingRule)), seed=st.randoms())
def test_clearing_does_not_depend_on_the_order_bids_are_listed(
    case: tuple[Request, list[Bid]], rule: ClearingRule, seed: random.Random
) -> None:
    req, offered = case
    shuffled = list(offered)
    seed.shuffle(shuffled)
    assert clear_request(req, offered, rule=rule).awards == (
        clear_request(req, shuffled, rule=rule).awards
    )


@settings(max_examples=60, deadline=None)
@given(case=cases())
def test_no_cheaper_eligible_divisible_bid_is_left_while_a_dearer_one_is_accepted(
    case: tuple[Request, list[Bid]],
) -> None:
    """Merit order: an eligible divisible bid without a minimum is used before dearer ones."""
    req, offered = case
    res = clear_request(req, offered, rule=ClearingRule.PAY_AS_BID)
    if not res.awards:
        return
    dearest = max(a.bid_price_eur_mwh for a in res.awards)
    used = {a.bid_id: a.p_kw for a in res.awards}
    for bid in offered:
        eligible = (
            bid.zone == req.zone
            and bid.direction == req.direction
            and bid.t_start_s <= req.t_start_s
            and bid.t_end_s >= req.t_end_s
            and bid.price_eur_mwh < dearest
            and bid.divisible
            and bid.min_p_kw == 0.0
        )
        if eligible:
            assert used.get(bid.id, 0.0) >= bid.p_kw - TOL
