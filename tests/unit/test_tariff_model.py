"""Tariff model: price composition, bills computed by hand, capacity charges, forecasts."""

from __future__ import annotations

import numpy as np
import pytest

from cosim.timebase import DAY_S
from simulators.tariff.capacity import CapacityParams
from simulators.tariff.clock import LocalClock
from simulators.tariff.model import TariffModel
from simulators.tariff.params import TariffParams
from simulators.tariff.series import PriceSeries
from simulators.tariff.tou import tou_params

H = 3600
START = "2024-01-08T00:00:00+01:00"  # a Monday
CLOCK = LocalClock(START)


def _model(step_s: int = 900, **kw: object) -> TariffModel:
    wholesale = kw.pop("wholesale", None)
    return TariffModel(TariffParams(**kw), step_s=step_s, clock=CLOCK, wholesale=wholesale)  # type: ignore[arg-type]


def test_cost_is_sum_of_power_times_duration_times_price() -> None:
    tariff = _model(kind="tou", tou=tou_params("fr_hphc"), network_eur_mwh=10.0)
    powers = [7.0, 11.0, -3.0, 0.0]  # kW over 21:30, 21:45, 22:00, 22:15 (HP, HP, HC, HC)
    start = 21 * H + 1800
    states = [tariff.step(start + k * 900, p_kw=p) for k, p in enumerate(powers)]
    expected = [0.25 * 7 * 0.280, 0.25 * 11 * 0.280, 0.25 * -3 * 0.2168, 0.0]
    np.testing.assert_allclose([s.cost_step_eur for s in states], expected)
    assert states[-1].cost_eur == pytest.approx(sum(expected))
    assert [s.period for s in states] == [1, 1, 0, 0]


def test_time_shifted_power_is_billed_at_the_price_of_its_own_step() -> None:
    tariff = _model(kind="tou", tou=tou_params("fr_hphc"))
    assert tariff.step(0, p_kw=5.0, p_kw_lag_steps=1).cost_step_eur == 0.0  # before start
    # at 22:00 the power received belongs to 21:45-22:00 (HP), not to the HC step now
    tariff.step(22 * H - 900, p_kw=None, p_kw_lag_steps=1)
    state = tariff.step(22 * H, p_kw=4.0, p_kw_lag_steps=1)
    assert state.cost_step_eur == pytest.approx(1.0 * 0.270)
    assert state.price_eur_mwh == pytest.approx(206.8)


def test_subscribed_power_accrues_pro_rata_and_penalises_overrun() -> None:
    cap = CapacityParams(
        mode="subscribed", subscribed_kw=6.0, eur_kw_year=36.5, overrun_eur_kwh=0.5
    )
    tariff = _model(step_s=H, kind="capacity", energy_eur_mwh=0.0, capacity=cap)
    for k, p_kw in enumerate([4.0, 10.0]):
        state = tariff.step(k * H, p_kw=p_kw)
    # 6 kW * 36.5 EUR/kW/yr = 219 EUR/yr = 0.025 EUR/h; overrun 4 kWh * 0.5 EUR/kWh
    assert state.cost_capacity_eur == pytest.approx(2 * 0.025 + 2.0)
    assert state.cost_eur == pytest.approx(state.cost_capacity_eur)
    assert state.p_peak_kw == 10.0


def test_peak_demand_charge_on_monthly_max_15min_power() -> None:
    cap = CapacityParams(mode="peak", eur_kw_month=4.0)
    tariff = _model(step_s=300, kind="capacity", energy_eur_mwh=100.0, capacity=cap)
    # 5-min steps: the 15-min windows average 3, 9 and 4 kW -> monthly peak 9 kW
    powers = [3.0, 3.0, 3.0, 0.0, 9.0, 18.0, 4.0, 4.0, 4.0]
    for k, p in enumerate(powers):
        state = tariff.step(k * 300, p_kw=p)
    energy_eur = sum(powers) * (300 / H) * 0.1
    assert state.p_peak_kw == pytest.approx(9.0)
    assert state.cost_capacity_eur == pytest.approx(4.0 * 9.0)
    assert state.cost_eur == pytest.approx(36.0 + energy_eur)


def test_peak_resets_each_month_and_charges_the_new_month_again() -> None:
    cap = CapacityParams(mode="peak", eur_kw_month=4.0)
    clock = LocalClock("2024-01-31T23:00:00+01:00")
    tariff = TariffModel(TariffParams(kind="capacity", capacity=cap), step_s=900, clock=clock)
    tariff.step(0, p_kw=10.0)  # January, 10 kW
    state = tariff.step(H, p_kw=5.0)  # 1 February 00:00
    assert state.p_peak_kw == 5.0
    assert state.cost_capacity_eur == pytest.approx(4.0 * 10 + 4.0 * 5)


def test_forecast_starts_with_the_current_price_and_has_h_steps() -> None:
    tariff = _model(kind="tou", tou=tou_params("fr_hphc"), forecast_steps=8)
    state = tariff.step(21 * H)
    assert state.price_forecast_eur_mwh.shape == (8,)
    assert state.price_forecast_eur_mwh[0] == state.price_eur_mwh
    np.testing.assert_allclose(state.price_forecast_eur_mwh, [270.0] * 4 + [206.8] * 4)


def _hourly(days: int) -> PriceSeries:
    t = np.arange(days * 24) * H
    return PriceSeries(t, np.arange(days * 24, dtype=float), end_s=int(t[-1]) + H)


def test_day_ahead_forecast_knows_tomorrow_only_after_publication() -> None:
    kw = dict(kind="dynamic", forecast="day_ahead", forecast_steps=48, network_eur_mwh=5.0)
    tariff = _model(step_s=H, wholesale=_hourly(4), **kw)
    morning = tariff.forecast(DAY_S + 10 * H)[0]  # day 1, 10:00: only day 1 is known
    np.testing.assert_allclose(morning[:14], np.arange(34, 48) + 5.0)
    np.testing.assert_allclose(morning[14:38], np.arange(24, 48) + 5.0)  # repeats day 1
    afternoon = tariff.forecast(DAY_S + 14 * H)[0]  # published: day 2 is exact
    np.testing.assert_allclose(afternoon[:34], np.arange(38, 72) + 5.0)
    np.testing.assert_allclose(afternoon[34:], np.arange(48, 62) + 5.0)  # then repeats day 2
    perfect = _model(step_s=H, wholesale=_hourly(4), **{**kw, "forecast": "perfect"})
    np.testing.assert_allclose(perfect.forecast(DAY_S + 10 * H)[0], np.arange(34, 82) + 5.0)


def test_params_report_every_problem() -> None:
    with pytest.raises(ValueError) as err:
        TariffParams(kind="tou", forecast_steps=0, energy_eur_mwh=float("nan"), forecast="oracle")  # type: ignore[arg-type]
    msg = str(err.value)
    for part in ("needs tou", "forecast_steps=0", "energy_eur_mwh=nan", "forecast='oracle'"):
        assert part in msg
    with pytest.raises(ValueError, match="mode='kw'"):
        CapacityParams(mode="kw")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs wholesale"):
        _model(kind="dynamic")
