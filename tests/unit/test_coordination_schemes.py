"""Coordination schemes on hand cases: TSO first, traffic light, common market."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from controllers.coordination import (
    CoordinationObservation,
    Scheme,
    dispatch_cost,
    overload_kw,
    resolve,
)
from tests.unit.test_conflict_detection import observation

INF = np.inf


def kinds(d: Any) -> list[str]:
    return [c.kind.value for c in d.conflicts]


def test_tso_first_serves_full_fcr_even_in_a_congested_zone_and_records_the_conflict() -> None:
    obs = observation(fcr_req_kw=8.0, headroom_kw=[-1.0, INF])
    d = resolve(obs, "tso_first")
    assert d.fcr_served_kw == pytest.approx(8.0) and d.fcr_blocked_kw == 0.0
    np.testing.assert_allclose(d.p_adj_kw, [2.0, 2.0, 2.0, 2.0])  # pro rata to p_up
    assert kinds(d) == ["tso_aggravates_dso"]
    assert d.conflicts[0].mw == pytest.approx(0.004)


def test_tso_first_gives_the_dso_only_what_fcr_leaves() -> None:
    # FCR down takes half the down capacity everywhere; the DSO's same-way request in
    # zone 1 gets the rest of charger 2 (2 kW of 3 asked)
    obs = observation(fcr_req_kw=-8.0, dso_req_kw=[0.0, -3.0])
    d = resolve(obs, Scheme.TSO_FIRST)
    assert d.fcr_served_kw + d.dso_served_kw.sum() == pytest.approx(d.p_adj_kw.sum())
    np.testing.assert_allclose(d.p_adj_kw, [-2.0, -2.0, -4.0, -2.0])
    assert d.dso_served_kw[1] == pytest.approx(-2.0)
    assert d.fcr_served_kw == pytest.approx(-8.0)


def test_traffic_light_limits_red_zone_to_headroom_and_redispatches_to_green() -> None:
    obs = observation(fcr_req_kw=8.0, headroom_kw=[1.0, INF])
    d = resolve(obs, "traffic_light")
    assert d.p_adj_kw[:2].sum() == pytest.approx(1.0)  # red zone 0 takes its headroom only
    assert d.p_adj_kw[2:].sum() == pytest.approx(7.0)  # the rest goes to green chargers
    assert d.fcr_served_kw == pytest.approx(8.0) and d.fcr_blocked_kw == 0.0
    assert "tso_aggravates_dso" not in kinds(d)
    assert "tso_aggravates_dso" in kinds(resolve(obs, "tso_first"))


def test_traffic_light_records_blocked_fcr_when_green_capacity_is_short() -> None:
    obs = observation(fcr_req_kw=12.0, headroom_kw=[-1.0, INF], p_up_kw=[4.0, 4.0, 3.0, 2.0])
    d = resolve(obs, "traffic_light")
    np.testing.assert_allclose(d.p_adj_kw, [0.0, 0.0, 3.0, 2.0])
    assert d.fcr_served_kw == pytest.approx(5.0)
    assert d.fcr_blocked_kw == pytest.approx(7.0)  # 12 asked, fleet could do 12 w/o the DSO
    assert kinds(d) == []


def test_traffic_light_serves_red_zone_dso_request_first() -> None:
    # FCR asks for a reduction too; the red zone's DSO request is served in full first
    obs = observation(fcr_req_kw=-14.0, dso_req_kw=[-6.0, 0.0], headroom_kw=[-6.0, INF])
    tl, tf = resolve(obs, "traffic_light"), resolve(obs, "tso_first")
    assert tl.dso_served_kw[0] == pytest.approx(-6.0)
    assert tl.fcr_served_kw == pytest.approx(-10.0)  # 16 kW down capacity in all
    assert tf.fcr_served_kw == pytest.approx(-14.0)
    assert tf.dso_served_kw[0] == pytest.approx(-1.0)  # what TSO-first left in zone 0


def test_traffic_light_blocks_fcr_against_a_red_zone_request() -> None:
    obs = observation(fcr_req_kw=6.0, dso_req_kw=[-3.0, 0.0], headroom_kw=[-3.0, INF])
    d = resolve(obs, "traffic_light")
    assert d.dso_served_kw[0] == pytest.approx(-3.0)
    assert d.p_adj_kw[:2].sum() == pytest.approx(-3.0)
    assert d.fcr_served_kw == pytest.approx(6.0)  # from chargers 2 and 3
    assert kinds(d) == []  # the green chargers serve all the FCR: the DSO cost it nothing


def test_traffic_light_dso_request_that_costs_fcr_counteracts_it() -> None:
    # red zone 0 has 2 kW headroom but a 3 kW reduction award; green chargers can only
    # go up 2 + 1 kW. With the award the red zone takes no FCR (3 kW served); without it,
    # it would take its 2 kW headroom (5 kW served): the DSO's move cost the TSO 2 kW.
    obs = observation(
        fcr_req_kw=6.0,
        dso_req_kw=[-3.0, 0.0],
        headroom_kw=[2.0, INF],
        p_up_kw=[4.0, 4.0, 2.0, 1.0],
    )
    d = resolve(obs, "traffic_light")
    assert d.dso_served_kw[0] == pytest.approx(-3.0)
    assert d.fcr_served_kw == pytest.approx(3.0)
    assert kinds(d) == ["dso_counteracts_tso"]
    assert d.conflicts[0].mw == pytest.approx(0.002) and d.conflicts[0].charger_ids == (0, 1)
    # a negative headroom blocks the red zone with or without the award: no conflict
    tight = observation(
        fcr_req_kw=6.0,
        dso_req_kw=[-3.0, 0.0],
        headroom_kw=[-1.0, INF],
        p_up_kw=[4.0, 4.0, 2.0, 1.0],
    )
    assert resolve(tight, "traffic_light").fcr_served_kw == pytest.approx(3.0)
    assert kinds(resolve(tight, "traffic_light")) == []


def two_zone_case() -> CoordinationObservation:
    """Zone 0 (chargers 0, 1) overloaded by 3 kW with a 3 kW DSO reduction award; zone 1
    (charger 2) has 1 kW headroom; charger 3 is free. FCR asks +6 kW."""
    return observation(
        fcr_req_kw=6.0,
        dso_req_kw=[-3.0, 0.0],
        headroom_kw=[-3.0, 1.0],
        p_up_kw=[4.0, 4.0, 4.0, 4.0],
        p_down_kw=[2.0, 2.0, 4.0, 4.0],
    )


def test_common_market_two_zone_hand_case() -> None:
    obs = two_zone_case()
    d = resolve(obs, "common_market")
    assert d.dso_served_kw[0] == pytest.approx(-3.0)
    assert d.p_adj_kw[:2].sum() == pytest.approx(-3.0)
    assert d.p_adj_kw[2] == pytest.approx(1.0)  # zone 1 up to its headroom
    assert d.p_adj_kw[3] == pytest.approx(4.0)  # the free charger at its limit
    assert d.fcr_served_kw == pytest.approx(5.0)  # 1 kW short: the headroom is worth more
    assert overload_kw(obs, d.p_adj_kw).sum() == pytest.approx(0.0, abs=1e-9)
    assert "tso_aggravates_dso" not in kinds(d)


@pytest.mark.parametrize(
    "case",
    [
        two_zone_case(),
        observation(fcr_req_kw=8.0, headroom_kw=[1.0, INF]),
        observation(fcr_req_kw=-14.0, dso_req_kw=[-6.0, 0.0], headroom_kw=[-6.0, INF]),
        observation(fcr_req_kw=-8.0, dso_req_kw=[0.0, 3.0], headroom_kw=[INF, 2.0]),
    ],
)
def test_common_market_costs_no_more_than_either_heuristic(case: CoordinationObservation) -> None:
    lp = resolve(case, "common_market")
    assert np.all(lp.p_adj_kw <= case.p_up_kw + 1e-9)
    assert np.all(lp.p_adj_kw >= -case.p_down_kw - 1e-9)
    for other in ("tso_first", "traffic_light"):
        assert dispatch_cost(case, lp) <= dispatch_cost(case, resolve(case, other)) + 1e-9


def test_unknown_scheme_lists_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"tso_first.*traffic_light.*common_market"):
        resolve(observation(), "dso_first")


def test_bad_observation_reports_every_error_at_once() -> None:
    with pytest.raises(ValueError) as err:
        observation(p_up_kw=[-1.0, 0, 0, 0], headroom_kw=[INF], zone_of_charger=[0, 0, 5, -1])
    msg = str(err.value)
    assert "p_up_kw" in msg and "headroom_kw has 1 zones" in msg and "zone_of_charger" in msg
