"""Tariff invariants: non-negative power at non-negative prices never lowers the bill;
the forecast's first element is the current price."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cosim.seeding import generator
from simulators.tariff.capacity import CapacityParams
from simulators.tariff.clock import LocalClock
from simulators.tariff.model import TariffModel
from simulators.tariff.params import TariffParams
from simulators.tariff.series import PriceSeries
from simulators.tariff.synthetic import PRESETS, SyntheticPrices
from simulators.tariff.tou import tou_params

CLOCK = LocalClock("2024-03-29T00:00:00+01:00", timezone="Europe/Paris")  # DST on 31 March
STEP_S = 900

powers = st.lists(st.floats(0.0, 50.0, allow_nan=False), min_size=1, max_size=60)
prices = st.lists(st.floats(0.0, 1000.0, allow_nan=False), min_size=4, max_size=4)


def _tariffs(hourly: list[float]) -> list[TariffModel]:
    series = PriceSeries(np.arange(24 * 8) * 3600, np.resize(hourly, 24 * 8), end_s=24 * 8 * 3600)
    peak = CapacityParams(mode="peak", eur_kw_month=4.0)
    sub = CapacityParams(mode="subscribed", subscribed_kw=5.0, eur_kw_year=40.0, overrun_eur_kwh=1)
    params = [
        (TariffParams(kind="flat", energy_eur_mwh=hourly[0]), None),
        (TariffParams(kind="tou", tou=tou_params("fr_hphc"), capacity=sub), None),
        (TariffParams(kind="dynamic", forecast="day_ahead", forecast_steps=200), series),
        (TariffParams(kind="capacity", energy_eur_mwh=hourly[1], capacity=peak), None),
    ]
    return [TariffModel(p, step_s=STEP_S, clock=CLOCK, wholesale=w) for p, w in params]


@settings(max_examples=40, deadline=None)
@given(p_kw=powers, hourly=prices, offset=st.integers(0, 3 * 96))
def test_cost_never_decreases_when_power_and_price_are_non_negative(
    p_kw: list[float], hourly: list[float], offset: int
) -> None:
    for tariff in _tariffs(hourly):
        costs = [
            tariff.step((offset + k) * STEP_S, p_kw=p, p_kw_lag_steps=k % 2).cost_eur
            for k, p in enumerate(p_kw)
        ]
        assert np.all(np.diff([0.0, *costs]) >= 0.0)


@settings(max_examples=40, deadline=None)
@given(hourly=prices, time_step=st.integers(0, 4 * 96), seed=st.integers(0, 2**16))
def test_forecast_starts_with_the_current_price(
    hourly: list[float], time_step: int, seed: int
) -> None:
    synthetic = SyntheticPrices(PRESETS["de_lu_2023"], generator(seed), clock=CLOCK)
    models = [
        *_tariffs(hourly),
        TariffModel(
            TariffParams(kind="dynamic", forecast="day_ahead", network_tou=tou_params("fr_hphc")),
            step_s=STEP_S,
            clock=CLOCK,
            wholesale=synthetic,
        ),
    ]
    for tariff in models:
        state = tariff.step(time_step * STEP_S)
        assert state.price_forecast_eur_mwh[0] == state.price_eur_mwh
        now, period = tariff.prices([time_step * STEP_S])
        assert state.price_eur_mwh == now[0] and state.period == period[0]
