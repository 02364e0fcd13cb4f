"""Conflict detection: each kind found in a hand case and absent in a near-identical one."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from controllers.coordination import (
    ConflictKind,
    CoordinationObservation,
    Dispatch,
    account,
    count_by_kind,
    detect,
    events_table,
)

INF = np.inf


def observation(**kw: Any) -> CoordinationObservation:
    """4 chargers: zone 0 = chargers 0, 1 (red); zone 1 = charger 2; charger 3 in no zone."""
    base: dict[str, Any] = {
        "time_s": 900,
        "p_base_kw": [5.0, 5.0, 5.0, 5.0],
        "p_up_kw": [4.0, 4.0, 4.0, 4.0],
        "p_down_kw": [4.0, 4.0, 4.0, 4.0],
        "fcr_req_kw": 0.0,
        "dso_req_kw": [0.0, 0.0],
        "zone_of_charger": [0, 0, 1, -1],
        "congested_mask": [True, True, False, False],
        "headroom_kw": [INF, INF],
    }
    base.update(kw)
    return CoordinationObservation(**base)


def dispatch(
    obs: CoordinationObservation, p_fcr: list[float], p_dso: list[float] | None = None
) -> Dispatch:
    """A hand-made dispatch: FCR and DSO parts per charger, through the shared accounting."""
    dso = np.zeros(len(p_fcr)) if p_dso is None else np.asarray(p_dso, dtype=float)
    f, g, pf, pd = account(obs, np.asarray(p_fcr, dtype=float), dso)
    return Dispatch(pf + pd, pf, pd, f, g, 0.0)


def kinds(
    obs: CoordinationObservation, p_fcr: list[float], p_dso: list[float] | None = None
) -> list[tuple[str, int, float]]:
    return [(c.kind.value, c.zone, c.mw) for c in detect(obs, dispatch(obs, p_fcr, p_dso))]


def test_fcr_increase_in_zone_with_negative_headroom_is_a_conflict() -> None:
    obs = observation(fcr_req_kw=8.0, headroom_kw=[-1.0, INF])
    found = detect(obs, dispatch(obs, [2.0, 2.0, 2.0, 2.0]))
    assert [(c.kind, c.zone) for c in found] == [(ConflictKind.TSO_AGGRAVATES_DSO, 0)]
    assert found[0].mw == pytest.approx(0.004)  # the whole FCR increase in zone 0
    assert found[0].charger_ids == (0, 1) and found[0].time_s == 900
    # same activation, zone unconstrained: no conflict
    assert kinds(observation(fcr_req_kw=8.0), [2.0, 2.0, 2.0, 2.0]) == []


def test_fcr_increase_beyond_positive_headroom_counts_the_excess() -> None:
    obs = observation(fcr_req_kw=8.0, headroom_kw=[1.0, INF])
    assert kinds(obs, [2.0, 2.0, 2.0, 2.0]) == [("tso_aggravates_dso", 0, pytest.approx(0.003))]
    assert kinds(observation(fcr_req_kw=8.0, headroom_kw=[4.0, INF]), [2.0] * 4) == []


def test_fcr_reduction_beyond_headroom_where_dso_asked_for_more_is_a_conflict() -> None:
    # the DSO asks zone 1 for more consumption (reverse flow): less consumption loads its
    # element, whose 1 kW margin the 2 kW FCR reduction exceeds by 1 kW
    obs = observation(fcr_req_kw=-8.0, dso_req_kw=[0.0, 3.0], headroom_kw=[INF, 1.0])
    assert kinds(obs, [-2.0, -2.0, -2.0, -2.0]) == [("tso_aggravates_dso", 1, pytest.approx(0.001))]
    # the DSO's zone kept out of the reduction: no conflict
    assert kinds(obs, [-3.0, -3.0, 0.0, -2.0]) == []
    # the same move with the element unconstrained, or with margin left: no conflict
    free = observation(fcr_req_kw=-8.0, dso_req_kw=[0.0, 3.0], headroom_kw=[INF, INF])
    assert kinds(free, [-2.0, -2.0, -2.0, -2.0]) == []
    roomy = observation(fcr_req_kw=-8.0, dso_req_kw=[0.0, 3.0], headroom_kw=[INF, 2.5])
    assert kinds(roomy, [-2.0, -2.0, -2.0, -2.0]) == []


def test_dso_activation_against_fcr_request_is_a_conflict_when_it_costs_fcr() -> None:
    # FCR asks +4 kW; the fleet serves 2 (charger 3) while the DSO takes charger 2 down 2 kW
    obs = observation(fcr_req_kw=4.0, dso_req_kw=[0.0, -2.0])
    d = dispatch(obs, [0.0, 0.0, 0.0, 2.0], [0.0, 0.0, -2.0, 0.0])
    assert d.fcr_served_kw == pytest.approx(2.0)
    found = detect(obs, d, fcr_alone_kw=4.0)  # without the DSO the scheme served all 4
    assert [(c.kind.value, c.zone, c.charger_ids) for c in found] == [
        ("dso_counteracts_tso", 1, (2,))
    ]
    assert found[0].mw == pytest.approx(0.002)  # 4 - 2 kW of FCR lost, 2 kW DSO move
    assert [c.mw for c in detect(obs, d, fcr_alone_kw=3.0)] == [pytest.approx(0.001)]
    # the same FCR without the DSO: the DSO's move cost the TSO nothing
    assert detect(obs, d, fcr_alone_kw=2.0) == ()
    # FCR served in full beside the DSO's move: no conflict whatever the counterfactual
    full = dispatch(obs, [0.0, 0.0, 0.0, 4.0], [0.0, 0.0, -2.0, 0.0])
    assert detect(obs, full) == () and detect(obs, full, fcr_alone_kw=4.0) == ()
    # same DSO activation while the TSO asks for a reduction too: aligned, no conflict
    same_way = observation(fcr_req_kw=-4.0, dso_req_kw=[0.0, -2.0])
    assert kinds(same_way, [0.0, 0.0, 0.0, -2.0], [0.0, 0.0, -2.0, 0.0]) == []


def test_fcr_band_plus_dso_award_beyond_capacity_is_a_double_claim() -> None:
    obs = observation(dso_req_kw=[-4.0, 0.0], fcr_band_kw=[3.0, 3.0, 0.0, 0.0])
    found = detect(obs, dispatch(obs, [0.0] * 4, [-2.0, -2.0, 0.0, 0.0]))
    assert [(c.kind.value, c.zone, c.charger_ids) for c in found] == [("double_claim", 0, (0, 1))]
    assert found[0].mw == pytest.approx(0.002)  # 6 band + 4 award - 8 down capacity
    ok = observation(dso_req_kw=[-4.0, 0.0], fcr_band_kw=[2.0, 2.0, 0.0, 0.0])
    assert kinds(ok, [0.0] * 4, [-2.0, -2.0, 0.0, 0.0]) == []


def test_counts_and_event_table_columns() -> None:
    obs = observation(
        fcr_req_kw=8.0,
        headroom_kw=[-1.0, INF],
        fcr_band_kw=[3.0, 3.0, 0, 0],
        dso_req_kw=[-4.0, 0.0],
    )
    found = detect(obs, dispatch(obs, [2.0, 2.0, 2.0, 2.0]))
    counts = count_by_kind(found)
    assert counts == {
        "tso_aggravates_dso": 1,
        "dso_counteracts_tso": 0,
        "double_claim": 1,
        "afrr_aggravates_dso": 0,
        "dso_counteracts_afrr": 0,
        "afrr_double_claim": 0,
    }
    table = events_table(found, zone_names=["line_3", "line_7"])
    assert table["kind"] == ["tso_aggravates_dso", "double_claim"]
    assert table["zone_name"] == ["line_3", "line_3"]
    assert table["chargers"] == ["0;1", "0;1"] and table["time_s"] == [900, 900]


def test_an_award_beyond_availability_without_an_fcr_band_is_no_double_claim() -> None:
    from controllers.coordination import CoordinationObservation, resolve

    obs = CoordinationObservation(
        time_s=0,
        p_base_kw=np.array([5.0, 5.0]),
        p_up_kw=np.zeros(2),
        p_down_kw=np.array([1.0, 1.0]),
        fcr_req_kw=0.0,
        dso_req_kw=np.array([-6.0]),
        zone_of_charger=np.array([0, 0]),
        congested_mask=np.zeros(2, dtype=bool),
        headroom_kw=np.array([np.inf]),
        fcr_band_kw=np.zeros(2),
    )
    kinds = {c.kind for c in resolve(obs, "tso_first").conflicts}
    assert "double_claim" not in kinds
