"""Element-level headroom: each element's own margin split over the zones behind it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.coordination import CoordinationObservation, resolve
from controllers.coordination.adapter import CoordinatorSim
from controllers.coordination.elements import ElementLimits, element_headroom_kw
from controllers.dso.zone_map import ZoneMap


def test_a_zone_with_no_baseline_is_not_starved() -> None:
    # one 100 kVA trafo at 50 % (limit 80 %: 30 kW) over zone 0 (1 charger, all the
    # baseline) and zone 1 (2 chargers, no baseline); each charger can add 5 kW
    lim = ElementLimits.build([[True, True, True]], [0, 1, 1], 2, [100.0], 80.0)
    head_e = lim.headroom_kw([50.0])
    assert head_e.tolist() == pytest.approx([30.0])
    # by up-capacity: 15 kW of increase behind a 30 kW margin, each zone may double: 10, 20
    assert lim.zone_headroom_kw(head_e, np.full(3, 5.0)).tolist() == pytest.approx([10.0, 20.0])
    # the split by baseline (the DSO's zone signal) starves zone 1
    m = ZoneMap.build(np.array([[True, True, True]]), [0, 1, 1], 2)
    assert (m.share_data([12.0, 0.0]) * 30.0).tolist() == [30.0, 0.0]


def test_a_line_under_part_of_a_zone_limits_it_by_its_share() -> None:
    # zone 0 = chargers 0 and 1 (10 kW up each); line 0 feeds only charger 1 and has 5 kW
    # left; the trafo (row 1) feeds both with 100 kW left. Spread pro rata, the zone may add
    # 10 kW (5 through the line); the line's 5 kW as the zone's cap would be twice too tight.
    lim = ElementLimits.build([[False, True], [True, True]], [0, 0], 1, [50.0, 400.0], 100.0)
    h = lim.zone_headroom_kw(np.array([5.0, 100.0]), np.array([10.0, 10.0]))
    assert h.tolist() == pytest.approx([10.0])


def test_element_over_its_limit_with_no_capacity_behind_it_keeps_zones_red() -> None:
    lim = ElementLimits.build([[True, True], [False, True]], [0, 1], 2, [100.0, 50.0], 80.0)
    # line 1 (under zone 1 only) is 5 kW over and nobody can add: zone 1 gets its -5 kW;
    # the trafo's margin limits no one while nothing can use it
    h = lim.zone_headroom_kw(np.array([20.0, -5.0]), np.zeros(2))
    assert h.tolist() == [np.inf, -5.0]
    # unknown loading: no limit from that element
    assert element_headroom_kw([np.nan], [10.0], 80.0).tolist() == [np.inf]
    assert lim.zone_headroom_kw(np.array([np.inf, np.inf]), np.ones(2)).tolist() == [np.inf] * 2


@st.composite
def feeders(draw: st.DrawFn) -> tuple[ElementLimits, np.ndarray, np.ndarray, float]:
    n_c = draw(st.integers(1, 6))
    n_e = draw(st.integers(1, 4))
    n_z = draw(st.integers(1, 3))
    mask = np.array(draw(st.lists(st.lists(st.booleans(), min_size=n_c, max_size=n_c),
                                  min_size=n_e, max_size=n_e)))  # fmt: skip
    zones = draw(st.lists(st.integers(0, n_z - 1), min_size=n_c, max_size=n_c))
    up = np.array(draw(st.lists(st.floats(0.0, 11.0), min_size=n_c, max_size=n_c)))
    head = np.array(draw(st.lists(st.floats(0.0, 40.0), min_size=n_e, max_size=n_e)))
    fcr = draw(st.floats(0.0, 80.0))
    lim = ElementLimits.build(mask, zones, n_z, np.full(n_e, 100.0), 100.0)
    return lim, up, head, fcr


@settings(max_examples=150, deadline=None)
@given(feeders())
def test_traffic_light_on_element_headroom_keeps_every_element_within_it(
    case: tuple[ElementLimits, np.ndarray, np.ndarray, float],
) -> None:
    lim, up, head_e, fcr = case
    n = up.size
    obs = CoordinationObservation(
        0, np.zeros(n), up, np.zeros(n), fcr, np.zeros(lim.n_zone),
        lim.zone_of_charger, np.ones(n, dtype=bool), lim.zone_headroom_kw(head_e, up),
    )  # fmt: skip
    d = resolve(obs, "traffic_light")
    through = lim.per_element(np.maximum(d.p_adj_kw, 0.0))
    assert (through <= head_e + 1e-6).all()
    assert not [c for c in d.conflicts if c.kind.value == "tso_aggravates_dso"]


def test_coordinator_takes_zone_headroom_from_element_loadings() -> None:
    sim = CoordinatorSim()
    sim.init("coord", step_s=900, seed=[1])
    # trafo (row 1) over all three chargers, line 0 over charger 2 only
    eid = sim.create(
        1, "Coordinator", zone_of_charger=[0, 1, 1], scheme="traffic_light",
        element_chargers=[[2], [0, 1, 2]], element_rating_kva=[20.0, 100.0],
        loading_limit_pct=80.0,
    )[0]["eid"]  # fmt: skip
    src = {"a": [0.0, 0.0, 0.0]}
    step_inputs = {
        eid: {
            "p_base_kw": src, "p_down_kw": src, "p_up_kw": {"a": [5.0, 5.0, 5.0]},
            "fcr_p_req_kw": {"t": 15.0}, "congested_mask": {"d": [1, 1, 1]},
            "line_loading_pct": {"g": [60.0]}, "trafo_loading_pct": {"g": [70.0]},
        }
    }  # fmt: skip
    sim.step(0, step_inputs)
    # line: 4 kW left for 5 kW behind it (0.8); trafo: 10 kW for 15 kW (2/3): every zone
    # adds 2/3 of its up-capacity: zone 0 3.33 kW, zone 1 6.67 kW; 10 kW delivered
    out = sim.get_data({eid: ["p_adj_kw", "fcr_served_kw", "n_conflicts"]})[eid]
    np.testing.assert_allclose(out["p_adj_kw"], [10 / 3] * 3)
    assert out["fcr_served_kw"] == pytest.approx(10.0) and out["n_conflicts"] == 0
    with pytest.raises(ValueError, match="element_rating_kva"):
        sim.create(1, "Coordinator", zone_of_charger=[0], element_chargers=[[0]])


def test_element_headroom_on_a_forecast_needs_the_element_background_only() -> None:
    # the zone background (T, Z) is not read with element limits: a coordinator on a
    # forecast is created from the element background alone, and a zone background given
    # beside it changes nothing
    outs = []
    for zone_bg in (None, [[500.0, -500.0]] * 4):
        sim = CoordinatorSim()
        sim.init("coord", step_s=900, seed=[1])
        eid = sim.create(
            1, "Coordinator", zone_of_charger=[0, 1, 1], scheme="traffic_light",
            headroom_mode="forecast", element_chargers=[[2], [0, 1, 2]],
            element_rating_kva=[20.0, 100.0], loading_limit_pct=80.0,
            element_background_kw=[[1.0, 10.0], [1.0, 10.0], [1.0, 30.0], [1.0, 30.0]],
            background_kw=zone_bg,
        )[0]["eid"]  # fmt: skip
        for t in (0, 900, 1800):
            sim.step(t, {
                eid: {
                    "p_base_kw": {"a": [1.0, 1.0, 1.0]}, "p_down_kw": {"a": [1.0, 1.0, 1.0]},
                    "p_up_kw": {"a": [5.0, 5.0, 5.0]}, "fcr_p_req_kw": {"t": 15.0},
                    "line_loading_pct": {"g": [60.0]}, "trafo_loading_pct": {"g": [70.0]},
                }
            })  # fmt: skip
        outs.append(sim.get_data({eid: ["p_adj_kw", "fcr_served_kw"]})[eid])
    # at 1800 s the loadings are those of 900 s, when each charger drew 1 + 5 kW; now the
    # baseline is 1 kW (+5 kW of room per charger) and the trafo's background is forecast
    # 20 kW higher: trafo 10 + 15 - 20 = 5 kW, line 4 + 5 = 9 kW: FCR gets 5 kW
    assert outs[0]["fcr_served_kw"] == pytest.approx(5.0)
    np.testing.assert_array_equal(outs[0]["p_adj_kw"], outs[1]["p_adj_kw"])
    assert outs[0]["fcr_served_kw"] == outs[1]["fcr_served_kw"]
    with pytest.raises(ValueError, match="element_background"):
        sim.create(
            1, "Coordinator", zone_of_charger=[0], headroom_mode="forecast",
            element_chargers=[[0]], element_rating_kva=[100.0], background_kw=[[1.0]],
        )  # fmt: skip


def test_conflicts_on_element_headroom_follow_the_issue_rules() -> None:
    # the trafo of the first test, 30 kW left, 15 kW of up-capacity: zone caps 10 and 20
    lim = ElementLimits.build([[True, True, True]], [0, 1, 1], 2, [100.0], 80.0)
    up = np.full(3, 10.0)
    true = lim.zone_headroom_kw(np.array([12.0]), up)  # the step really leaves 12 kW: 4, 8
    assert true.tolist() == pytest.approx([4.0, 8.0])
    obs = CoordinationObservation(
        0, np.full(3, 5.0), up, np.full(3, 5.0), 18.0, np.zeros(2),
        lim.zone_of_charger, np.ones(3, dtype=bool), true,
    )  # fmt: skip
    # TSO first pushes 6 kW into each charger: both zones over their part of the margin
    d = resolve(obs, "tso_first", true_headroom_kw=true)
    assert sorted(c.zone for c in d.conflicts if c.kind.value == "tso_aggravates_dso") == [0, 1]
    # the traffic light on the same element headroom delivers 12 kW and aggravates nothing
    d = resolve(obs, "traffic_light", true_headroom_kw=true)
    assert d.fcr_served_kw == pytest.approx(12.0) and d.fcr_blocked_kw == pytest.approx(6.0)
    assert not d.conflicts  # blocking FCR is no DSO action that reduces delivered TSO energy
    # with a margin of 40 kW (caps 13.3 / 26.7) the same 18 kW is no conflict at all
    roomy = lim.zone_headroom_kw(np.array([40.0]), up)
    assert not resolve(obs, "tso_first", true_headroom_kw=roomy).conflicts


def test_loadings_are_held_for_the_dso_measurement_delay() -> None:
    from controllers.coordination.elements import element_headroom
    from controllers.coordination.headroom import HeadroomMode

    head = element_headroom(
        HeadroomMode.MEASURED, element_chargers=[[0]], element_rating_kva=[100.0],
        loading_limit_pct=80.0, element_background_kw=None, zone_of_charger=np.array([0]),
        n_zone=1, error_pct=0.0, seed=0, lag_steps=2, step_s=900,
    )  # fmt: skip
    assert head is not None
    up, base = np.array([10.0]), np.zeros(1)
    # lag 2 = the grid link's step + one step of DSO delay: the first loading is used a step
    # later, and nothing is known before
    assert head.zone_headroom_kw(0, np.array([70.0]), base, up)[0].tolist() == [np.inf]
    assert head.zone_headroom_kw(900, np.array([20.0]), base, up)[0].tolist() == [10.0]
    assert head.zone_headroom_kw(1800, np.array([0.0]), base, up)[0].tolist() == [60.0]
