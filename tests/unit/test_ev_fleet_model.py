"""Fleet model: trips, departures, arrivals, SoC integration and its outputs."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from cosim.errors import ModelError
from cosim.seeding import generator
from simulators.ev_fleet import FleetModel, FleetParams, ScheduleParams

STEP_S = 900
DEP_STEP = 30  # 07:30
RET_STEP = 70  # 17:30

#: every EV drives 40 km every day, out 07:30, back 17:30, no randomness in the schedule
FIXED = ScheduleParams(
    weekday_trip_prob=1.0,
    weekend_trip_prob=1.0,
    weekday_dep_sd_h=0.0,
    weekday_ret_sd_h=0.0,
    weekend_dep_mean_h=7.5,
    weekend_dep_sd_h=0.0,
    weekend_ret_mean_h=17.5,
    weekend_ret_sd_h=0.0,
    weekday_km_mean=40.0,
    weekday_km_cv=0.0,
    weekend_km_mean=40.0,
    weekend_km_cv=0.0,
    jitter_time_sd_h=0.0,
    jitter_km_cv=0.0,
)


def _fleet(n: int = 5, *, offset: int = 0, seed: int = 0, **kw: object) -> FleetModel:
    params = FleetParams(
        plugin=kw.pop("plugin", "daily"),  # type: ignore[arg-type]
        schedule=kw.pop("schedule", FIXED),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )
    return FleetModel(params, n, generator(seed), step_s=STEP_S, week_offset_s=offset)


def test_trip_energy_is_taken_at_arrival_not_at_departure() -> None:
    fleet = _fleet()
    soc0 = fleet.soc.copy()
    zeros = np.zeros(5)
    states = [fleet.step(k * STEP_S, zeros) for k in range(RET_STEP + 1)]
    away = states[DEP_STEP:RET_STEP]
    assert all(np.array_equal(s.soc, soc0) for s in states[:RET_STEP])
    assert not any(s.plugged.any() for s in away)
    assert all((s.departure_s == -1).all() and (s.charger_idx == -1).all() for s in away)
    assert all((s.e_need_kwh == 0).all() for s in away)
    arrived = states[RET_STEP]
    e_trip = 40.0 * fleet.ev.consumption_kwh_km
    np.testing.assert_allclose(arrived.e_trip_kwh, e_trip)
    np.testing.assert_allclose((soc0 - arrived.soc) * fleet.ev.capacity_kwh, e_trip)
    assert arrived.plugged.all()
    assert (arrived.charger_idx == np.arange(5)).all()
    assert (arrived.departure_s == 86_400 + DEP_STEP * STEP_S).all()


def test_departure_counts_energy_charged_up_to_departure() -> None:
    fleet = _fleet(soc_init=(0.3, 0.3))
    p = np.ones(5)  # 1 kW battery side on every step
    states = [fleet.step(k * STEP_S, p if k else np.zeros(5)) for k in range(DEP_STEP + 1)]
    charged_kwh = DEP_STEP * 0.25
    short = (0.9 - 0.3) * fleet.ev.capacity_kwh - charged_kwh
    np.testing.assert_allclose(states[DEP_STEP].e_unserved_kwh, short)
    assert (states[DEP_STEP - 1].e_unserved_kwh == 0).all()
    assert not states[DEP_STEP].plugged.any()


def test_unplugged_ev_at_departure_records_no_unserved_energy() -> None:
    fleet = _fleet(plugin="non_systematic", soc_init=(0.95, 0.95), alpha=1e-6)
    assert not fleet.plugged.any()  # alpha -> 0: P = 1 - ratio^0 = 0 above soc_min
    states = [fleet.step(k * STEP_S, np.zeros(5)) for k in range(DEP_STEP + 1)]
    assert (states[DEP_STEP].e_unserved_kwh == 0).all()


def test_e_need_is_the_gap_to_target_while_plugged() -> None:
    fleet = _fleet(soc_init=(0.5, 0.5), soc_target=0.8)
    state = fleet.step(0, np.zeros(5))
    np.testing.assert_allclose(state.e_need_kwh, 0.3 * fleet.ev.capacity_kwh)
    assert (state.departure_s == DEP_STEP * STEP_S).all()


def test_empty_battery_floors_at_zero_and_records_unmet_trip_energy() -> None:
    long_trip = ScheduleParams(**{**FIXED.__dict__, "weekday_km_mean": 900.0, "max_km": 900.0})
    fleet = _fleet(schedule=long_trip, battery_kwh=(40.0,), battery_share=(1.0,))
    soc0 = fleet.soc.copy()
    state = None
    for k in range(RET_STEP + 1):
        state = fleet.step(k * STEP_S, np.zeros(5))
    assert state is not None
    assert (state.soc == 0).all()
    np.testing.assert_allclose(state.e_trip_kwh, soc0 * 40.0)
    np.testing.assert_allclose(
        state.e_trip_unmet_kwh, 900.0 * fleet.ev.consumption_kwh_km - soc0 * 40.0
    )


def test_start_during_a_trip_places_evs_on_the_road() -> None:
    fleet = _fleet(offset=12 * 3600)  # Monday 12:00, everyone left at 07:30
    assert not fleet.home.any() and not fleet.plugged.any()
    soc0 = fleet.soc.copy()
    back = 22  # 17:30 is 5.5 h = 22 steps after 12:00
    states = [fleet.step(k * STEP_S, np.zeros(5)) for k in range(back + 1)]
    assert np.array_equal(states[back - 1].soc, soc0)
    assert (states[back].soc < soc0).all()


def test_power_to_unplugged_ev_is_ignored_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fleet = _fleet()
    for k in range(DEP_STEP + 1):
        fleet.step(k * STEP_S, np.zeros(5))
    soc = fleet.soc.copy()
    with caplog.at_level(logging.WARNING, logger="simulators.ev_fleet.model"):
        state = fleet.step((DEP_STEP + 1) * STEP_S, np.full(5, 5.0))
    assert np.array_equal(state.soc, soc)
    assert "unplugged" in caplog.text


def test_soc_clipped_to_one_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    fleet = _fleet(soc_init=(0.85, 0.85))
    fleet.step(0, np.zeros(5))
    with caplog.at_level(logging.WARNING, logger="simulators.ev_fleet.model"):
        state = fleet.step(STEP_S, np.full(5, 1000.0))
    assert (state.soc == 1.0).all()
    assert "clipped" in caplog.text


def test_same_seed_same_fleet_other_seed_other_fleet() -> None:
    def run(seed: int) -> np.ndarray:
        fleet = FleetModel(FleetParams(), 50, generator(seed), step_s=STEP_S)
        socs = [fleet.step(k * STEP_S, np.zeros(50)).soc for k in range(300)]
        return np.stack(socs)

    assert np.array_equal(run(4), run(4))
    assert not np.array_equal(run(4), run(5))


def test_bad_inputs_raise_model_errors_naming_the_problem() -> None:
    fleet = _fleet()
    with pytest.raises(ModelError, match="3 values for 5 EVs"):
        fleet.step(0, np.zeros(3))
    fleet.step(0, np.zeros(5))
    with pytest.raises(ModelError, match="time must increase"):
        fleet.step(0, np.zeros(5))


def test_fleet_params_report_every_problem_at_once() -> None:
    with pytest.raises(ValueError) as err:
        FleetParams(battery_share=(0.5, 0.6, 0.3), soc_target=1.2, alpha=-1.0, plugin="x")
    text = str(err.value)
    for field in ("battery_share", "soc_target", "alpha", "plugin"):
        assert field in text


def test_drawn_parameters_follow_the_mix() -> None:
    fleet = FleetModel(FleetParams(), 3000, generator(0), step_s=STEP_S)
    ev = fleet.ev
    shares = [np.mean(ev.capacity_kwh == c) for c in (40.0, 60.0, 77.0)]
    np.testing.assert_allclose(shares, [0.3, 0.4, 0.3], atol=0.03)
    assert set(np.unique(ev.p_max_kw)) == {7.4, 11.0}
    assert ((ev.consumption_kwh_km >= 0.15) & (ev.consumption_kwh_km <= 0.2)).all()
    assert np.median(ev.alpha) == pytest.approx(1.7, rel=0.15)
    assert ev.alpha.std() > 0.1
