"""Segments, visitors, opt-out, seasons, ageing and the flexibility band of the fleet."""

from __future__ import annotations

import numpy as np
import pytest

from cosim.seeding import generator
from simulators.ev_fleet import (
    ClimateParams,
    MixedFleet,
    VisitorModel,
    VisitorParams,
    consumption_factor,
    make_segment,
)
from simulators.ev_fleet.ageing_params import AgeingParams

STEP = 900
DAY = 96


def _run(fleet: MixedFleet, steps: int) -> list:
    p = np.zeros(fleet.n_ev)
    out = []
    for k in range(steps):
        state, seg = fleet.step(k * STEP, p)
        p = np.where(state.plugged, np.minimum(state.p_max_kw, state.e_need_kwh / 0.25), 0.0)
        out.append((state, seg))
    return out


def test_company_fleet_plugs_in_every_weekday_at_the_depot() -> None:
    fleet = MixedFleet([make_segment("company_fleet", 50)], generator(1))
    _run(fleet, 7 * DAY)
    # plugged at t=0 (Monday) then once per weekday return: 1 + 5
    assert (fleet.persistent.sessions == 6).all()


def test_workplace_evs_charge_only_while_at_work() -> None:
    seg = make_segment("workplace", 200, plugin="daily")
    fleet = MixedFleet([seg], generator(2))
    hours = []
    for state, _ in _run(fleet, 5 * DAY):
        h = (state.time_s % 86_400) / 3600
        if state.plugged.any():
            hours.append(h)
    assert hours and min(hours) >= 3.0 and max(hours) <= 23.5
    assert not fleet.persistent.home[fleet.persistent.plugged].any()


def test_visitor_sessions_never_overlap_and_match_the_rate() -> None:
    v = VisitorModel(VisitorParams(), 400, generator(3), step_s=STEP, week_offset_s=0)
    arrivals = 0
    for k in range(14 * DAY):
        _, arrived = v.step(k * STEP)
        # one row is one charger: an arrival may only follow a departure
        arrivals += arrived.sum()
    assert arrivals / (400 * 14) == pytest.approx(0.8, rel=0.08)
    for d in range(3):
        s = v.day(d)
        ok = np.isfinite(s.arr_s[:, 1])
        assert (s.leave_s[ok, 0] <= s.arr_s[ok, 1]).all()


def test_opt_out_is_drawn_per_session_at_the_configured_rate() -> None:
    seg = make_segment("home_commuter", 3000, plugin="daily", p_opt_out=0.1)
    fleet = MixedFleet([seg], generator(4))
    states = _run(fleet, 2 * DAY)
    events = np.concatenate([s.plugin_event for s, _ in states])
    opted = np.concatenate([s.opt_out & s.plugin_event for s, _ in states])
    assert opted.sum() / events.sum() == pytest.approx(0.1, abs=0.02)


def test_winter_trips_cost_more_energy_than_summer_trips() -> None:
    assert consumption_factor(0.0, ClimateParams()) > consumption_factor(18.0, ClimateParams())
    energy = {}
    for doy in (15.0, 196.0):
        seg = make_segment("home_commuter", 300, plugin="daily")
        fleet = MixedFleet([seg], generator(5), climate=ClimateParams(), start_doy=doy)
        energy[doy] = sum(s.e_trip_kwh.sum() for s, _ in _run(fleet, 3 * DAY))
    assert energy[15.0] / energy[196.0] == pytest.approx(1.17, abs=0.05)


def test_ageing_shrinks_usable_capacity_and_fade_is_recorded() -> None:
    seg = make_segment("home_commuter", 50, plugin="daily")
    fleet = MixedFleet([seg], generator(6), ageing=AgeingParams(), climate=ClimateParams())
    states = _run(fleet, 3 * DAY)
    first, last = states[0][0], states[-1][0]
    assert (first.capacity_fade == 0).all()
    assert (last.capacity_fade > 0).all() and (last.capacity_fade < 0.02).all()
    np.testing.assert_allclose(
        last.e_capacity_kwh, fleet.persistent.ev.capacity_kwh * (1 - last.capacity_fade)
    )


def test_flexibility_band_is_ordered_and_wider_with_systematic_plug_in() -> None:
    width = {}
    for mode in ("daily", "non_systematic"):
        segs = [make_segment("home_commuter", 400, plugin=mode)]
        fleet = MixedFleet(segs, generator(7), n_public=5)
        states = _run(fleet, 4 * DAY)
        hi = np.array([seg.p_flex_max_kw for _, seg in states])
        lo = np.array([seg.p_flex_min_kw for _, seg in states])
        assert (lo <= hi + 1e-9).all() and (lo >= 0).all()
        width[mode] = (hi - lo)[:, 0].mean()
    assert width["non_systematic"] < 0.8 * width["daily"]
