"""The tariff's tabulated forecast equals the direct quote, for every kind and mode.

:class:`simulators.tariff.window.StepTable` answers the forecast window from blocks
computed ahead; the prices, periods and bills must be exactly those of evaluating the
calendar and the price series for each window directly, whatever order the times come in.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cosim.errors import ModelError
from cosim.seeding import generator
from cosim.timebase import DAY_S
from simulators.tariff.clock import LocalClock
from simulators.tariff.model import TariffModel
from simulators.tariff.params import TariffParams
from simulators.tariff.series import PriceSeries
from simulators.tariff.synthetic import PRESETS, SyntheticPrices
from simulators.tariff.tou import tou_params
from simulators.tariff.window import StepTable

START = "2024-03-29T00:00:00+01:00"  # the DST change of 31 March lies inside the runs
STEP = 900


def _csv_series(days: int) -> PriceSeries:
    hours = np.arange(days * 24)
    prices = 80.0 + 30.0 * np.sin(hours / 24.0 * 2 * np.pi) + (hours % 7)
    return PriceSeries(hours * 3600, prices, end_s=days * DAY_S, source="test prices")


def _make(case: str, timezone: str | None) -> TariffModel:
    clock = LocalClock(START, timezone=timezone)
    if case == "tou":
        params = TariffParams(kind="tou", tou=tou_params("fr_hphc"), network_eur_mwh=5.0)
        return TariffModel(params, step_s=STEP, clock=clock)
    if case == "flat_network_tou":
        params = TariffParams(kind="flat", energy_eur_mwh=90.0, network_tou=tou_params("fr_hphc"))
        return TariffModel(params, step_s=STEP, clock=clock)
    forecast = "day_ahead" if case.endswith("day_ahead") else "perfect"
    params = TariffParams(kind="dynamic", network_eur_mwh=100.0, forecast=forecast)
    if case.startswith("csv"):
        return TariffModel(params, step_s=STEP, clock=clock, wholesale=_csv_series(6))
    synthetic = SyntheticPrices(PRESETS["de_lu_2023"], generator(7), clock=clock)
    return TariffModel(params, step_s=STEP, clock=clock, wholesale=synthetic)


def _direct(case: str, timezone: str | None) -> TariffModel:
    """The same tariff quoting every window directly (the definition), without tables."""
    model = _make(case, timezone)
    model._calendar.get = lambda t: None  # type: ignore[method-assign]
    model._calendar.window = lambda first, n: None  # type: ignore[method-assign]
    return model


CASES = ["tou", "flat_network_tou", "csv_perfect", "csv_day_ahead", "synthetic_day_ahead"]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("timezone", [None, "Europe/Paris"])
@settings(max_examples=15, deadline=None)
@given(
    steps=st.lists(st.integers(min_value=0, max_value=4 * 96), min_size=1, max_size=12),
    sequential=st.booleans(),
)
def test_forecast_equals_direct_quote(
    case: str, timezone: str | None, steps: list[int], sequential: bool
) -> None:
    tabulated, direct = _make(case, timezone), _direct(case, timezone)
    times = sorted(steps) if sequential else steps
    for k in times:
        price, period = tabulated.forecast(k * STEP)
        want_price, want_period = direct.forecast(k * STEP)
        np.testing.assert_array_equal(price, want_price)
        np.testing.assert_array_equal(period, want_period)
    # bills use the quoted current price: they agree too
    for k in times:
        got, want = tabulated.step(k * STEP, p_kw=7.0), direct.step(k * STEP, p_kw=7.0)
        assert got.cost_step_eur == want.cost_step_eur
        assert got.cost_eur == want.cost_eur


def test_forecast_off_the_step_grid_and_past_the_file_are_direct() -> None:
    model = _make("csv_perfect", None)
    price, _ = model.forecast(450)  # half a step: not tabulated, still quoted
    np.testing.assert_array_equal(price, _direct("csv_perfect", None).forecast(450)[0])
    with pytest.raises(ModelError, match="no price for the step"):
        model.forecast(6 * DAY_S)  # the current step lies past the file: the same error


def test_step_table_tabulates_ahead_and_moves_back() -> None:
    calls: list[int] = []

    def fn(t: np.ndarray) -> tuple[np.ndarray, ...]:
        calls.append(t.size)
        return (t + 1,)

    table = StepTable(fn, step_s=10, ahead_steps=5, last_step=lambda: 20)
    assert table.get(np.array([30, 40]))[0].tolist() == [31, 41]
    assert table.get(np.array([50, 60]))[0].tolist() == [51, 61]  # inside the block
    assert calls == [7]
    assert table.get(np.array([0]))[0].tolist() == [1]  # before the block: a new one
    assert table.get(np.array([210])) is None  # beyond the last step (20)
    assert calls == [7, 6]
