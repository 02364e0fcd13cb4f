"""Conflict classification (issue 12): "aggravates" only at or over the element's limit,
"counteracts" only when the DSO's move costs the TSO FCR. Every number checks by hand."""

from __future__ import annotations

import numpy as np
import pytest

from controllers.coordination import CoordinationObservation, detect, resolve
from tests.unit.test_conflict_detection import dispatch, kinds, observation

INF = np.inf


def one_zone(**kw: object) -> CoordinationObservation:
    """Two chargers in zone 0 (5 kW up and down each), one free charger (charger 2)."""
    base: dict[str, object] = {
        "time_s": 1800,
        "p_base_kw": [3.0, 3.0, 3.0],
        "p_up_kw": [5.0, 5.0, 5.0],
        "p_down_kw": [5.0, 5.0, 5.0],
        "fcr_req_kw": 0.0,
        "dso_req_kw": [0.0],
        "zone_of_charger": [0, 0, -1],
        "congested_mask": [False, False, False],
        "headroom_kw": [INF],
    }
    base.update(kw)
    return CoordinationObservation(**base)  # type: ignore[arg-type]


def aggravating(
    obs: CoordinationObservation, p_fcr: list[float], p_dso: list[float]
) -> list[tuple[int, float]]:
    """Zone and MW of the "aggravates" conflicts only."""
    return [(z, mw) for k, z, mw in kinds(obs, p_fcr, p_dso) if k == "tso_aggravates_dso"]


def test_fcr_up_against_a_dso_request_with_margin_left_is_no_conflict() -> None:
    # the review's case: the DSO asked zone 0 for -4 kW, its transformer is at 38 % of a
    # 60 % limit (22 % x 100 kVA = 22 kW headroom) and FCR raises the zone by 4 kW
    obs = one_zone(fcr_req_kw=4.0, dso_req_kw=[-4.0], headroom_kw=[22.0])
    assert kinds(obs, [2.0, 2.0, 0.0]) == []
    # the same move at 1 kW headroom: the element ends 3 kW over, all of it FCR's doing
    tight = one_zone(fcr_req_kw=4.0, dso_req_kw=[-4.0], headroom_kw=[1.0])
    assert kinds(tight, [2.0, 2.0, 0.0]) == [("tso_aggravates_dso", 0, pytest.approx(0.003))]


def test_an_element_exactly_at_its_limit_is_aggravated_by_any_fcr_increase() -> None:
    obs = one_zone(fcr_req_kw=1.0, headroom_kw=[0.0])
    assert kinds(obs, [0.5, 0.5, 0.0]) == [("tso_aggravates_dso", 0, pytest.approx(0.001))]
    # FCR down at the limit relieves the element: no conflict
    assert kinds(one_zone(fcr_req_kw=-1.0, headroom_kw=[0.0]), [-0.5, -0.5, 0.0]) == []


def test_the_fcr_part_is_counted_beyond_what_the_dso_relief_leaves() -> None:
    # headroom 3 kW, DSO relief -2 kW, FCR +4 kW: net +2 kW < 3 kW, the element keeps 1 kW
    obs = one_zone(fcr_req_kw=4.0, dso_req_kw=[-2.0], headroom_kw=[3.0])
    assert kinds(obs, [2.0, 2.0, 0.0], [-1.0, -1.0, 0.0]) == []
    # FCR +7 kW instead: net +5 kW, 2 kW over the headroom, all of it FCR's
    obs7 = one_zone(fcr_req_kw=7.0, dso_req_kw=[-2.0], headroom_kw=[3.0])
    assert kinds(obs7, [3.5, 3.5, 0.0], [-1.0, -1.0, 0.0]) == [
        ("tso_aggravates_dso", 0, pytest.approx(0.002))
    ]


def test_fcr_that_only_eats_into_the_dso_relief_is_a_dso_shortfall_not_an_aggravation() -> None:
    # 3 kW over (headroom -3), DSO relief -5 kW asked, FCR +1 kW in the zone: net -4 kW.
    # The shared accounting credits the zone's net move to the DSO (4 of 5 kW served) and
    # leaves FCR no part in the zone, so nothing is counted twice
    obs = one_zone(fcr_req_kw=1.0, dso_req_kw=[-5.0], headroom_kw=[-3.0])
    d = dispatch(obs, [0.5, 0.5, 0.0], [-2.5, -2.5, 0.0])
    assert d.dso_served_kw.tolist() == [pytest.approx(-4.0)]
    assert aggravating(obs, [0.5, 0.5, 0.0], [-2.5, -2.5, 0.0]) == []
    # FCR +3 kW against a -2 kW relief: the zone rises 1 kW on an overloaded element, and
    # the whole FCR part left after the accounting (1 kW) aggravates it
    obs3 = one_zone(fcr_req_kw=3.0, dso_req_kw=[-2.0], headroom_kw=[-3.0])
    assert aggravating(obs3, [1.5, 1.5, 0.0], [-1.0, -1.0, 0.0]) == [(0, pytest.approx(0.001))]


def test_fcr_outside_every_zone_never_aggravates() -> None:
    obs = one_zone(fcr_req_kw=5.0, headroom_kw=[-10.0])
    assert kinds(obs, [0.0, 0.0, 5.0]) == []


def test_tso_first_counteracts_nothing_it_serves_in_full() -> None:
    # TSO first serves FCR before the DSO: a DSO move against it never costs FCR
    obs = observation(fcr_req_kw=4.0, dso_req_kw=[0.0, -2.0])
    d = resolve(obs, "tso_first")
    assert d.fcr_served_kw == pytest.approx(4.0)
    assert [c.kind.value for c in d.conflicts] == []


def test_counteracts_is_shared_over_the_opposing_zones_and_capped_by_the_loss() -> None:
    # FCR +6 kW; DSO -2 kW in zone 0 (chargers 0, 1) and -2 kW in zone 1 (charger 2);
    # charger 3 serves 3 kW; without the DSO the scheme would have served 6: 3 kW lost,
    # shared 1.5 / 1.5 over the two zones (each moved 2 kW against the FCR)
    obs = observation(fcr_req_kw=6.0, dso_req_kw=[-2.0, -2.0])
    d = dispatch(obs, [0.0, 0.0, 0.0, 3.0], [-1.0, -1.0, -2.0, 0.0])
    found = detect(obs, d, fcr_alone_kw=6.0)
    assert [(c.kind.value, c.zone) for c in found] == [
        ("dso_counteracts_tso", 0),
        ("dso_counteracts_tso", 1),
    ]
    assert [c.mw for c in found] == [pytest.approx(0.0015), pytest.approx(0.0015)]
