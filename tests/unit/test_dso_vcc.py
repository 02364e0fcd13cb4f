"""Variable capacity contracts: schedule by hour, fixed fraction, day-ahead persistence."""

from __future__ import annotations

import numpy as np
import pytest

from controllers.dso.model import OperatorModel
from controllers.dso.policies import DSOParams, Framework, VCCMode
from controllers.dso.topology import build_topology
from controllers.dso.vcc import FLEXPOWER_SCHEDULE, CapacitySchedule, PersistenceForecast
from tests.unit.test_dso_topology import small_grid

CHARGER_BUS = [2, 4, 0]
STEP_S = 3600


def operator(**settings: object) -> OperatorModel:
    params = DSOParams(framework=Framework.VCC, **settings)  # type: ignore[arg-type]
    topo = build_topology(**small_grid())
    return OperatorModel(topo, CHARGER_BUS, 11.0, params=params, step_s=STEP_S)


def test_flexpower_default_cuts_the_evening_peak_and_steps_back_up() -> None:
    sched = CapacitySchedule(FLEXPOWER_SCHEDULE)
    hours = (0.0, 12.0, 15.9, 16.0, 20.9, 21.0, 22.9, 23.0)
    assert [sched.fraction_at(h) for h in hours] == [1.0, 1.0, 1.0, 0.4, 0.4, 0.7, 0.7, 1.0]


def test_windows_wrap_midnight_and_overlaps_take_the_smallest() -> None:
    sched = CapacitySchedule([[22, 6, 0.8], [5, 7, 0.3]], default=0.9)
    assert [sched.fraction_at(h) for h in (23, 2, 5.5, 6.5, 12)] == [0.8, 0.8, 0.3, 0.3, 0.9]


def test_bad_schedule_entries_are_all_named() -> None:
    with pytest.raises(ValueError, match=r"ranges\[0\].*ranges\[1\]"):
        CapacitySchedule([[3, 3, 0.5], [1, 2, 1.5]])


def test_time_of_day_caps_every_charger_by_local_hour() -> None:
    op = operator(vcc_schedule=[[17, 20, 0.5]])
    caps = [
        op.step(h * STEP_S, loading_pct=None, v_pu=None, p_kw=None).p_limit_kw for h in range(24)
    ]
    assert all(np.isnan(caps[h]).all() for h in (0, 12, 16, 20, 23))
    np.testing.assert_allclose(caps[17], 5.5)


def test_local_hour_follows_the_scenario_start() -> None:
    op = operator(vcc_schedule=[[17, 20, 0.5]])
    op.start_sod_s = 17 * 3600  # scenario starts at 17:00 local
    np.testing.assert_allclose(op.step(0, loading_pct=None, v_pu=None, p_kw=None).p_limit_kw, 5.5)


def test_fixed_mode_caps_always() -> None:
    op = operator(vcc_mode=VCCMode.FIXED, vcc_fixed_fraction=0.25)
    np.testing.assert_allclose(op.step(0, loading_pct=None, v_pu=None, p_kw=None).p_limit_kw, 2.75)


def test_persistence_forecast_repeats_yesterdays_hourly_peak() -> None:
    fc = PersistenceForecast(2)
    fc.observe(0, 18, np.array([70.0, 10.0]))
    fc.observe(0, 18, np.array([90.0, 5.0]))
    assert np.isnan(fc.forecast(0, 18)).all()  # first day: no forecast yet
    np.testing.assert_allclose(fc.forecast(1, 18), [90.0, 10.0])
    fc.observe(1, 0, np.array([1.0, 1.0]))
    np.testing.assert_allclose(fc.forecast(1, 18), [90.0, 10.0])
    assert np.isnan(fc.forecast(1, 3)).all()
    fc.observe(3, 0, np.array([1.0, 1.0]))  # a day without data: nothing to persist
    assert np.isnan(fc.forecast(3, 18)).all()


def test_day_ahead_reduces_only_hours_and_chargers_with_forecast_congestion() -> None:
    op = operator(vcc_mode=VCCMode.DAY_AHEAD, vcc_threshold_pct=80.0, vcc_reduced_fraction=0.5)
    quiet = np.array([40.0, 40.0, 40.0, 40.0, 50.0])
    peak = quiet.copy()
    peak[2] = 95.0  # line 12 (feeds bus 4) heavily loaded at 18:00 on day 0
    caps = {}
    for step in range(48):
        seen = peak if step == 19 else quiet  # the measurement of 18:00 arrives at 19:00
        caps[step] = op.step(step * STEP_S, loading_pct=seen, v_pu=np.ones(6), p_kw=None).p_limit_kw
    assert all(np.isnan(caps[s]).all() for s in range(24))  # day 0: no forecast
    reduced = [s for s in range(24, 48) if not np.isnan(caps[s]).all()]
    assert reduced == [24 + 18]
    assert np.isnan(caps[42][[0, 2]]).all() and caps[42][1] == pytest.approx(5.5)
