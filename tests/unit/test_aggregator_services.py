"""Aggregator services without mosaik: FCR band per block, DSO bids, double claims, baseline."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from controllers.aggregator.availability import BaseShape, charger_availability
from controllers.aggregator.fcr import FCRProvision, band_share, offer_band
from controllers.aggregator.fleet_forecast import availability_forecast
from controllers.aggregator.flex_offers import FlexProvision, build_bids
from controllers.aggregator.policy import FleetObservation
from controllers.aggregator.services import FleetServices
from simulators.flex_market.orders import bid_from_dict

STEP_S = 900
N = 4
ZONES = np.array([0, 0, 1, 1], dtype=np.int64)


def obs_at(t: int, *, plugged: bool = True, soc: float = 0.3, dep_s: int = 20 * 3600) -> Any:
    """Four EVs at chargers 0..3 of two zones, departing at ``dep_s`` (test helper)."""
    n = N
    return FleetObservation(
        time_s=t,
        step_s=STEP_S,
        plugged=np.full(n, plugged),
        soc=np.full(n, soc),
        e_need_kwh=np.full(n, (0.9 - soc) * 60.0),
        e_capacity_kwh=np.full(n, 60.0),
        departure_s=np.full(n, dep_s, dtype=np.int64),
        p_max_kw=np.full(n, 11.0),
        soc_min=np.full(n, 0.2),
        soc_target=np.full(n, 0.9),
        opt_out=np.zeros(n, bool),
        charger_idx=np.arange(n, dtype=np.int64) if plugged else np.full(n, -1),
        p_rated_kw=np.full(n, 11.0),
        efficiency=np.full(n, 0.92),
        bidirectional=np.ones(n, bool),
    )


def services(**kw: Any) -> FleetServices:
    args: dict[str, Any] = {
        "bidder": "Aggregator_0",
        "zone_names": ["f0", "f1"],
        "zone_of_charger": ZONES,
        "fcr": FCRProvision(),
        "flex": FlexProvision(),
        "avoid_double_claims": True,
        "v2g": False,
        "step_s": STEP_S,
        "phase_s": 0,
        "forecast_shape": BaseShape.EVEN,
    }
    args.update(kw)
    return FleetServices(**args)


# ------------------------------------------------------------------------------ FCR band
def test_band_is_the_safety_share_of_the_smallest_symmetric_room() -> None:
    offer = offer_band([8.0, 6.0, 9.0], [7.0, 9.0, 2.5], safety_factor=0.8, min_kw=0.0)
    assert offer.capacity_kw == pytest.approx(0.8 * 2.5)
    assert offer.room_kw == pytest.approx(2.5)


def test_band_below_the_minimum_bid_size_is_not_offered_and_says_why() -> None:
    offer = offer_band([8.0], [7.0], safety_factor=1.0, min_kw=10.0)
    assert offer.capacity_kw == 0.0 and "minimum bid size" in offer.reason


def test_band_share_sums_to_the_held_band_and_skips_one_sided_chargers() -> None:
    share = band_share(6.0, np.array([4.0, 0.0, 2.0]), np.array([4.0, 5.0, 2.0]))
    assert share.sum() == pytest.approx(6.0)
    assert share[1] == 0.0 and share[0] == pytest.approx(2 * share[2])


def _run_block(svc: FleetServices, *, v2g: bool, steps: int = 20) -> list[Any]:
    outs = []
    for k in range(steps):
        o = obs_at(k * STEP_S)
        p_set = svc.shape_setpoints(o, np.full(N, np.nan))
        outs.append(svc.step(o, p_set, p_metered_kw=None))
    return outs


@pytest.mark.parametrize("v2g", [False, True])
def test_fcr_offer_is_made_the_step_before_a_block_and_held_through_it(v2g: bool) -> None:
    svc = services(fcr=FCRProvision(enabled=True, v2g=v2g, base_shape="even"), v2g=v2g)
    outs = _run_block(svc, v2g=v2g)
    cap = np.array([o.fcr_capacity_kw for o in outs])
    band = np.array([o.fcr_band_kw.sum() for o in outs])
    assert (cap[:15] == 0).all()  # first (partial) block: nothing offered before the start
    assert cap[15] > 0 and (cap[15:] == cap[15]).all()  # offered at 03:45 for 04:00-08:00
    assert (band[:16] == 0).all() and band[16:] == pytest.approx(cap[16:])
    fc = availability_forecast(
        obs_at(15 * STEP_S), horizon=17, shape=BaseShape.EVEN, v2g=v2g,
        zone_of_charger=ZONES, n_zone=2,
    )  # fmt: skip
    room = np.minimum(fc.p_up_kw.sum(axis=0), fc.p_down_kw.sum(axis=0))[1:]
    assert cap[16] == pytest.approx(0.8 * room.min())  # symmetric, over the whole block


def test_fcr_with_v2g_offers_more_than_without() -> None:
    caps = {}
    for v2g in (False, True):
        svc = services(fcr=FCRProvision(enabled=True, v2g=v2g, base_shape="even"), v2g=v2g)
        caps[v2g] = _run_block(svc, v2g=v2g)[-1].fcr_capacity_kw
    assert caps[True] > caps[False] > 0


def test_fcr_disabled_gives_zeros_and_keeps_the_policys_setpoints() -> None:
    svc = services()
    o = obs_at(15 * STEP_S)
    p = np.array([1.0, np.nan, 3.0, 0.0])
    assert svc.shape_setpoints(o, p) is p
    out = svc.step(o, p, p_metered_kw=None)
    assert out.fcr_capacity_kw == 0.0 and (out.fcr_band_kw == 0).all() and out.flex_bids == []


def test_fcr_band_is_reduced_by_awarded_down_flexibility_unless_naive() -> None:
    award = {
        "id": "aw1", "bidder": "Aggregator_0", "zone": "f0", "t_start_s": 0,
        "t_end_s": 86_400, "p_kw": 1000.0, "direction": "down",
    }  # fmt: skip
    caps = {}
    for avoid in (True, False):
        svc = services(fcr=FCRProvision(enabled=True, base_shape="even"), avoid_double_claims=avoid)
        svc.step(obs_at(0), np.full(N, np.nan), p_metered_kw=None, orders=[award])
        caps[avoid] = _run_block(svc, v2g=False)[-1].fcr_capacity_kw
        assert [c.id for c in svc.active] == ["aw1"]
    assert 0 < caps[True] < caps[False]


# ------------------------------------------------------------------------------ DSO bids
def test_bids_per_zone_with_deterministic_ids_within_availability() -> None:
    prov = FlexProvision(enabled=True, share=0.5, price_eur_mwh=200.0)
    down = np.array([[10.0, 4.0], [0.0, 6.0]])
    bids = build_bids(
        bidder="agg", zone_names=["f0", "f1"], windows_s=[(0, 3600), (3600, 7200)],
        down_kw=down, committed_kw=np.zeros((2, 2)), provision=prov,
    )  # fmt: skip
    assert [b["id"] for b in bids] == ["agg-f0-0", "agg-f0-3600", "agg-f1-3600"]
    assert [b["p_kw"] for b in bids] == [5.0, 2.0, 3.0]
    for b in bids:
        assert bid_from_dict(b).direction.value == "down"  # the market accepts them


def test_bids_respect_the_minimum_size_and_what_is_already_committed() -> None:
    prov = FlexProvision(enabled=True, share=1.0, min_bid_kw=3.0)
    bids = build_bids(
        bidder="agg", zone_names=["f0", "f1"], windows_s=[(0, 3600)],
        down_kw=np.array([[10.0], [2.0]]), committed_kw=np.array([[4.0], [0.0]]),
        provision=prov,
    )  # fmt: skip
    assert [(b["zone"], b["p_kw"]) for b in bids] == [("f0", 6.0)]


def test_services_bid_once_a_day_for_the_next_days_windows_from_yesterday() -> None:
    flex = FlexProvision(enabled=True, windows=((16, 17),), bid_hour=10.0, share=0.5)
    svc = services(flex=flex)
    bids_at = {}
    for k in range(2 * 96):
        t = k * STEP_S
        hour = (t % 86_400) / 3600
        dep_s = (t // 86_400) * 86_400 + 23 * 3600
        o = obs_at(t, plugged=15 <= hour < 23, soc=0.6, dep_s=dep_s)
        out = svc.step(o, np.full(N, np.nan), p_metered_kw=None)
        if out.flex_bids:
            bids_at[t] = out.flex_bids
    assert list(bids_at) == [86_400 + 10 * 3600]  # day 1 at 10:00; day 0 had no history
    bids = bids_at[86_400 + 10 * 3600]
    assert {b["zone"] for b in bids} == {"f0", "f1"}
    assert all(b["t_start_s"] == 2 * 86_400 + 16 * 3600 for b in bids)
    assert all(b["bidder"] == "Aggregator_0" for b in bids)
    # two EVs per zone could each drop their 11 kW: half of that is offered
    assert [b["p_kw"] for b in bids] == pytest.approx([11.0, 11.0])


# ------------------------------------------------------------------------------ baseline
def test_baseline_and_metered_describe_the_step_just_metered() -> None:
    svc = services()
    o = obs_at(0)
    first = svc.step(o, np.full(N, np.nan), p_metered_kw=np.zeros(N))
    assert (first.p_baseline_kw == 0).all()
    av = charger_availability(o, np.full(N, np.nan), v2g=False)
    second = svc.step(obs_at(STEP_S), np.full(N, np.nan), p_metered_kw=av.p_base_kw)
    assert second.p_baseline_kw == pytest.approx([av.p_base_kw[:2].sum(), av.p_base_kw[2:].sum()])
    assert second.p_metered_kw == pytest.approx(second.p_baseline_kw)
