"""DSO market framework and traffic light: forecast → requests, red chargers, zone headroom."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from controllers.dso.market import MarketParams, forecast_loading
from controllers.dso.model import OperatorModel
from controllers.dso.policies import DSOParams
from controllers.dso.signals import HEADROOM_UNCONSTRAINED_KW, traffic_light
from controllers.dso.topology import build_topology
from controllers.dso.zones import ZoneMap, feeder_zones
from simulators.flex_market.orders import Gate, request_from_dict
from tests.unit.test_dso_zones import CHARGERS, two_feeders

STEP_S = 900
DAY = 86400
TOPO = build_topology(**two_feeders())
LINE10_KVA = np.sqrt(3) * 0.4 * 0.2 * 1000  # feeder A head
QUIET = np.array([40.0, 30.0, 40.0, 30.0, 50.0])  # lines 10, 11, 12, 13, trafo 7


def operator(**market: object) -> OperatorModel:
    return OperatorModel(
        TOPO,
        CHARGERS,
        11.0,
        params=DSOParams(framework="market"),
        step_s=STEP_S,
        market=MarketParams(**market),  # type: ignore[arg-type]
    )


def run(
    op: OperatorModel,
    days: int,
    loading: Callable[[int], np.ndarray],
    baseline: Callable[[int], list[float]] | None = None,
) -> dict[int, list[dict]]:
    """Step ``days`` days; ``loading(t)`` is the measurement of step t (delivered at t + 1)."""
    issued = {}
    for k in range(days * DAY // STEP_S):
        t = k * STEP_S
        seen = loading(t - STEP_S) if t else None
        base = baseline(t - STEP_S) if baseline and t else None
        state = op.step(t, loading_pct=seen, v_pu=np.ones(6), p_kw=None, p_baseline_kw=base)
        if state.flex_requests:
            issued[t] = state.flex_requests
    return issued


def evening_peak(element: int, value: float) -> Callable[[int], np.ndarray]:
    def loading(t: int) -> np.ndarray:
        out = QUIET.copy()
        if t < DAY and 17 * 3600 <= t < 19 * 3600:  # only on day 0
            out[element] = value
        return out

    return loading


def test_yesterdays_evening_line_overload_is_requested_for_tomorrow_evening() -> None:
    issued = run(operator(margin_pct=5.0), 3, evening_peak(0, 120.0))
    assert list(issued) == [DAY + 11 * 3600]  # once, at 11:00 of day 1
    (req,) = issued[DAY + 11 * 3600]
    assert req["zone"] == "feeder_10" and req["buses"] == [1, 2]
    assert (req["t_start_s"], req["t_end_s"]) == (2 * DAY + 17 * 3600, 2 * DAY + 19 * 3600)
    assert req["p_kw"] == pytest.approx((120.0 - 95.0) / 100 * LINE10_KVA, abs=1e-3)
    assert req["direction"] == "down" and req["gate"] == "day_ahead"
    assert request_from_dict(req).gate is Gate.DAY_AHEAD


def test_trafo_overload_is_split_over_feeder_zones_by_baseline() -> None:
    issued = run(operator(), 3, evening_peak(4, 110.0), baseline=lambda t: [30.0, 10.0, 0.0])
    reqs = issued[DAY + 11 * 3600]
    assert [r["zone"] for r in reqs] == ["feeder_10", "feeder_12"]  # busbar has no baseline
    overload_kw = (110.0 - 95.0) / 100 * 250.0
    assert [r["p_kw"] for r in reqs] == pytest.approx([0.75 * overload_kw, 0.25 * overload_kw])
    assert len({r["id"] for r in reqs}) == 2


def test_no_congestion_no_requests() -> None:
    assert run(operator(), 3, lambda t: QUIET) == {}


def test_window_steps_cut_the_congested_period_into_shorter_requests() -> None:
    issued = run(operator(window_steps=4), 3, evening_peak(0, 120.0))
    reqs = issued[DAY + 11 * 3600]
    assert [(r["t_start_s"] - 2 * DAY) / 3600 for r in reqs] == [17.0, 18.0]
    assert all(r["t_end_s"] - r["t_start_s"] == 3600 for r in reqs)


def test_baseline_increase_raises_the_forecast() -> None:
    frac = np.array([[1.0, 0.0], [0.5, 1.0]])  # a feeder line (zone 0), the trafo (both)
    ref = np.array([[80.0, 60.0]])
    same = forecast_loading(
        ref,
        baseline_ref_kw=[[10.0, 5.0]],
        baseline_new_kw=[[10.0, 5.0]],
        rating_kva=[100.0, 200.0],
        fraction=frac,
    )
    more = forecast_loading(
        ref, baseline_ref_kw=[[10.0, 5.0]], baseline_new_kw=[[30.0, 5.0]],
        rating_kva=[100.0, 200.0], fraction=frac,
    )  # fmt: skip
    np.testing.assert_allclose(same, ref)
    np.testing.assert_allclose(more, [[100.0, 65.0]])  # +20 kW on 100 kVA; half on 200 kVA


def test_a_baseline_rise_today_turns_a_near_miss_into_a_request() -> None:
    def loading(t: int) -> np.ndarray:
        out = QUIET.copy()
        out[0] = 90.0 if (t % DAY) // 3600 == 8 else 40.0  # line 10 near its limit at 08:00
        return out

    def rising(t: int) -> list[float]:
        extra = 10.0 if t >= DAY and (t % DAY) // 3600 == 8 else 0.0  # day 1 plans more
        return [5.0 + extra, 5.0, 0.0]

    assert run(operator(), 3, loading, baseline=lambda t: [5.0, 5.0, 0.0]) == {}
    issued = run(operator(), 3, loading, baseline=rising)
    (req,) = issued[DAY + 11 * 3600]
    expected = 90.0 + 100 * 10.0 / LINE10_KVA - 95.0
    assert req["zone"] == "feeder_10" and req["t_start_s"] == 2 * DAY + 8 * 3600
    assert req["p_kw"] == pytest.approx(expected / 100 * LINE10_KVA, abs=1e-3)


def test_intraday_request_when_the_day_ahead_missed_the_congestion() -> None:
    def loading(t: int) -> np.ndarray:
        out = QUIET.copy()
        if t == DAY + 20 * 3600:
            out[2] = 130.0  # feeder B's head line, never seen before
        return out

    issued = run(operator(intraday=True, intraday_lead_s=1800), 2, loading)
    seen = DAY + 20 * 3600 + STEP_S
    (req,) = issued[seen]
    assert req["gate"] == "intraday" and req["zone"] == "feeder_12"
    assert (req["t_start_s"], req["t_end_s"]) == (seen + 1800, seen + 1800 + 3600)
    request_from_dict(req)


def zone_map() -> tuple[np.ndarray, ZoneMap]:
    mask = TOPO.charger_cover(CHARGERS)
    zones = feeder_zones(TOPO, CHARGERS)
    return mask, ZoneMap.build(mask, zones.zone_of_charger, zones.n_zone)


def test_congested_trafo_turns_every_charger_red() -> None:
    mask, zm = zone_map()
    loading = QUIET.copy()
    loading[4] = 104.0
    light = traffic_light(loading, None, rating_kva=TOPO.rating_kva, mask=mask, zone_map=zm)
    assert light.congested_mask.all()
    assert (light.headroom_kw < 0).all()  # every zone shares the trafo's overload
    np.testing.assert_allclose(light.headroom_kw.sum(), -0.04 * 250.0)


def test_congested_feeder_line_turns_only_its_chargers_red() -> None:
    mask, zm = zone_map()
    loading = QUIET.copy()
    loading[2] = 95.0  # feeder B head: above limit - hysteresis (90 %)
    light = traffic_light(loading, None, rating_kva=TOPO.rating_kva, mask=mask, zone_map=zm)
    assert light.congested_mask.tolist() == [False, False, True, False]
    assert light.headroom_kw[1] == pytest.approx(0.05 * TOPO.rating_kva[2])
    assert light.headroom_kw[0] > light.headroom_kw[1] > 0


def test_forecast_congestion_is_red_and_unknown_loading_is_unconstrained() -> None:
    mask, zm = zone_map()
    forecast = np.full(5, np.nan)
    forecast[0] = 101.0
    light = traffic_light(QUIET, forecast, rating_kva=TOPO.rating_kva, mask=mask, zone_map=zm)
    assert light.congested_mask.tolist() == [True, True, False, False]
    assert light.headroom_kw[0] < 0
    blind = traffic_light(
        np.full(5, np.nan), None, rating_kva=TOPO.rating_kva, mask=mask, zone_map=zm
    )
    assert (blind.headroom_kw == HEADROOM_UNCONSTRAINED_KW).all()
    assert not blind.congested_mask.any()


def test_every_framework_outputs_the_traffic_light() -> None:
    op = OperatorModel(TOPO, CHARGERS, 11.0, params=DSOParams(framework="interruptible"))
    loading = QUIET.copy()
    loading[4] = 120.0
    state = op.step(0, loading_pct=loading, v_pu=np.ones(6), p_kw=np.full(4, 11.0))
    assert state.congested_mask.all() and state.headroom_kw.shape == (3,)
    assert state.flex_requests == []


def test_bad_market_settings_are_all_named() -> None:
    with pytest.raises(ValueError, match=r"request_hour.*min_request_kw"):
        MarketParams(request_hour=25.0, min_request_kw=0.0)
