"""Market-level invariants over several requests sharing one order book (hypothesis)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.flex_market.gates import GateParams
from simulators.flex_market.model import MarketModel
from simulators.flex_market.orders import ClearingRule
from simulators.flex_market.params import MarketParams

TOL = 1e-6
STEP = 900


@st.composite
def books(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    reqs = []
    for i in range(draw(st.integers(1, 5))):
        t0 = draw(st.integers(4, 10)) * STEP
        reqs.append({
            "id": f"r{i}", "zone": "z", "buses": [1], "t_start_s": t0,
            "t_end_s": t0 + draw(st.integers(1, 4)) * STEP,
            "p_kw": draw(st.floats(1.0, 100.0)), "direction": "down",
            "price_cap_eur_mwh": draw(st.floats(0.0, 300.0)), "gate": "intraday",
        })  # fmt: skip
    bids = []
    for i in range(draw(st.integers(0, 8))):
        t0 = draw(st.integers(3, 6)) * STEP
        bids.append({
            "id": f"b{i}", "bidder": f"a{i % 3}", "zone": "z", "t_start_s": t0,
            "t_end_s": t0 + draw(st.integers(2, 12)) * STEP,
            "p_kw": draw(st.floats(1.0, 80.0)), "price_eur_mwh": draw(st.floats(0.0, 300.0)),
            "divisible": draw(st.booleans()),
        })  # fmt: skip
    return reqs, bids


@settings(max_examples=60, deadline=None)
@given(book=books(), rule=st.sampled_from(list(ClearingRule)))
def test_bid_power_is_never_awarded_twice_across_requests(
    book: tuple[list[dict[str, Any]], list[dict[str, Any]]], rule: ClearingRule
) -> None:
    reqs, bids = book
    market = MarketModel(MarketParams(rule=rule, gates=GateParams(intraday_lead_s=STEP)))
    awards: list[dict[str, Any]] = []
    for k in range(20):
        out = market.step(k * STEP, requests=reqs if k == 0 else [], bids=bids if k == 0 else [])
        awards += out.flex_awards
    per_bid: dict[str, float] = defaultdict(float)
    per_req: dict[str, float] = defaultdict(float)
    for a in awards:
        per_bid[a["bid_id"]] += a["p_kw"]
        per_req[a["request_id"]] += a["p_kw"]
    offered = {b["id"]: b["p_kw"] for b in bids}
    requested = {r["id"]: r for r in reqs}
    assert all(p <= offered[b] + TOL for b, p in per_bid.items())
    assert all(p <= requested[r]["p_kw"] + TOL for r, p in per_req.items())
    assert all(
        a["price_eur_mwh"] <= requested[a["request_id"]]["price_cap_eur_mwh"] for a in awards
    )
