"""Plug-in decision model: formula values and session frequencies over many EV-weeks."""

from __future__ import annotations

import numpy as np
import pytest

from cosim.seeding import generator
from simulators.ev_fleet import (
    FleetModel,
    FleetParams,
    PluginMode,
    ScheduleParams,
    decide_plugin,
    plugin_probability,
    plugin_soc_min,
)
from simulators.evse import EVSEModel, EVSEParams

STEP_S = 900


def test_probability_is_one_below_soc_min_and_zero_when_full() -> None:
    soc = np.array([0.05, 0.19, 1.0, 1.0])
    smin = np.array([0.1, 0.2, 0.2, 0.0])
    prob = plugin_probability(soc, smin, np.full(4, 1.3))
    assert prob.tolist() == [1.0, 1.0, 0.0, 0.0]


def test_probability_hand_value() -> None:
    # ratio (0.6 - 0.2) / (1 - 0.2) = 0.5 ; P = 1 - 0.5 ** 1.3
    prob = plugin_probability(np.array([0.6]), np.array([0.2]), np.array([1.3]))
    assert prob[0] == pytest.approx(1.0 - 0.5**1.3)
    assert prob[0] == pytest.approx(0.59387, abs=1e-5)


def test_probability_falls_with_soc_and_rises_with_alpha() -> None:
    soc = np.linspace(0.3, 0.99, 20)
    p_low = plugin_probability(soc, np.full(20, 0.2), np.full(20, 0.5))
    p_high = plugin_probability(soc, np.full(20, 0.2), np.full(20, 3.0))
    assert (np.diff(p_low) < 0).all()
    assert (p_high > p_low).all()


def test_soc_min_covers_next_trip_with_safety_factor() -> None:
    smin = plugin_soc_min(np.array([8.0]), np.array([40.0]), rho=1.5)
    assert smin[0] == pytest.approx(0.3)


def test_daily_mode_always_plugs_even_when_full() -> None:
    plug = decide_plugin(
        np.array([1.0, 0.95]),
        np.array([0.1, 0.1]),
        np.array([1.3, 1.3]),
        mode=PluginMode.DAILY,
        rng=generator(0),
    )
    assert plug.all()


def test_non_systematic_frequency_matches_probability() -> None:
    n = 20_000
    plug = decide_plugin(
        np.full(n, 0.6),
        np.full(n, 0.2),
        np.full(n, 1.3),
        mode=PluginMode.NON_SYSTEMATIC,
        rng=generator(5),
    )
    assert plug.mean() == pytest.approx(1.0 - 0.5**1.3, abs=0.015)


def _run(params: FleetParams, *, n_ev: int, weeks: int, seed: int) -> FleetModel:
    """Fleet + uncontrolled chargers, Monday 00:00 start, for ``weeks`` weeks."""
    fleet = FleetModel(params, n_ev, generator(seed), step_s=STEP_S)
    bank = EVSEModel(EVSEParams(bus_id=np.zeros(n_ev, dtype=np.int64)), step_s=STEP_S)
    p_batt = np.zeros(n_ev)
    for k in range(weeks * 7 * 96):
        state = fleet.step(k * STEP_S, p_batt)
        out = bank.step(
            k * STEP_S,
            plugged=state.plugged,
            e_need_kwh=state.e_need_kwh,
            p_max_kw=state.p_max_kw,
            charger_idx=state.charger_idx,
        )
        p_batt = out.p_batt_kw
    return fleet


def test_systematic_gives_seven_sessions_a_week_for_daily_drivers() -> None:
    every_day = ScheduleParams(weekday_trip_prob=1.0, weekend_trip_prob=1.0)
    fleet = _run(FleetParams(plugin="daily", schedule=every_day), n_ev=200, weeks=2, seed=1)
    # everyone starts at home on Monday 00:00 and plugs in once at t = 0
    assert ((fleet.sessions - 1) / 2 == 7).all()


def test_non_systematic_sessions_per_day_plausible_and_fall_with_battery_size() -> None:
    fleet = _run(FleetParams(), n_ev=1500, weeks=4, seed=2)
    per_day = fleet.sessions / 28.0
    # Gonzalez Venegas et al.: ~0.45 sessions/EV/day on average, fewer for big batteries
    assert 0.3 < per_day.mean() < 0.7
    by_cap = [per_day[fleet.ev.capacity_kwh == c].mean() for c in (40.0, 60.0, 77.0)]
    assert by_cap[0] > by_cap[1] > by_cap[2]
    daily = _run(FleetParams(plugin="daily"), n_ev=300, weeks=4, seed=2)
    assert daily.sessions.mean() > 1.5 * fleet.sessions.mean()
