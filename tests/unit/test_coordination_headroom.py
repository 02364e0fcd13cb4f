"""Ex-ante headroom: hand-computed corrections, seeded forecast errors, perfect foresight."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from controllers.coordination.headroom import (
    BackgroundForecast,
    ExAnteHeadroom,
    HeadroomMode,
    ex_ante_headroom_kw,
    red_zones,
)

# two zones, background 40 / 10 kW at t = 0, 46 / 10 kW at t = 900
SERIES = np.array([[40.0, 10.0], [46.0, 10.0], [30.0, 12.0]])


def test_ex_ante_headroom_corrects_for_fleet_and_background_change() -> None:
    # measured margin 20 kW with the fleet at 12 kW; the baseline rises to 30 kW (18 kW
    # more) and the background by 6 kW: 20 - 18 - 6 = -4 kW, over the limit
    h = ex_ante_headroom_kw(
        [20.0, 1e6], ev_then_kw=[12.0, 5.0], base_now_kw=[30.0, 0.0],
        bg_then_kw=[40.0, 10.0], bg_forecast_kw=[46.0, 10.0],
    )  # fmt: skip
    assert h.tolist() == [-4.0, 1e6]  # the unconstrained zone stays unconstrained


def test_red_zones_are_those_an_activation_can_push_over() -> None:
    assert red_zones([3.0, 3.0, 0.0], [2.0, 4.0, 0.0]).tolist() == [False, True, False]


def test_background_forecast_is_seeded_and_perfect_without_error() -> None:
    exact = BackgroundForecast(SERIES, 900)
    assert exact.forecast_kw(900).tolist() == [46.0, 10.0]
    assert exact.true_kw(2700).tolist() == [40.0, 10.0]  # the series repeats
    a = BackgroundForecast(SERIES, 900, error_pct=10.0, seed=3)
    b = BackgroundForecast(SERIES, 900, error_pct=10.0, seed=3)
    c = BackgroundForecast(SERIES, 900, error_pct=10.0, seed=4)
    assert a.forecast_kw(900).tolist() == b.forecast_kw(900).tolist()
    assert a.forecast_kw(900).tolist() != c.forecast_kw(900).tolist()


def test_forecast_error_has_the_configured_spread() -> None:
    fc = BackgroundForecast(np.full((1, 1), 100.0), 900, error_pct=10.0, seed=1)
    rel = np.array([fc.forecast_kw(t)[0] / 100.0 - 1.0 for t in range(0, 900 * 4000, 900)])
    assert abs(rel.mean()) < 0.01 and rel.std() == pytest.approx(0.10, rel=0.05)


@pytest.mark.parametrize(
    ("mode", "seen"),
    [("measured", 20.0), ("perfect", -4.0)],
)
def test_exante_modes_by_hand(mode: str, seen: float) -> None:
    ex = ExAnteHeadroom(HeadroomMode(mode), BackgroundForecast(SERIES, 900), lag_steps=1)
    first = ex.headroom_kw(0, np.array([20.0, 1e6]), np.array([12.0, 5.0]))
    assert [h.tolist() for h in first] == [[20.0, 1e6]] * 2  # nothing remembered yet
    ex.remember(0, np.array([12.0, 5.0]))
    got, true = ex.headroom_kw(900, np.array([20.0, 1e6]), np.array([30.0, 0.0]))
    assert got.tolist() == [seen, 1e6] and true.tolist() == [-4.0, 1e6]


def test_forecast_mode_errs_around_the_truth() -> None:
    fc = BackgroundForecast(SERIES, 900, error_pct=10.0, seed=7)
    ex = ExAnteHeadroom(HeadroomMode.FORECAST, fc, lag_steps=1)
    ex.remember(0, np.array([12.0, 5.0]))
    seen, true = ex.headroom_kw(900, np.array([20.0, 1e6]), np.array([30.0, 0.0]))
    assert true[0] == -4.0
    # seen = true + (bg_true − bg_forecast) = −4 − 46·ε
    assert seen[0] == pytest.approx(-4.0 + 46.0 - fc.forecast_kw(900)[0])
    assert seen[0] != true[0]


def test_lag_of_two_steps_uses_the_fleet_two_steps_back() -> None:
    ex = ExAnteHeadroom(HeadroomMode.PERFECT, BackgroundForecast(SERIES, 900), lag_steps=2)
    ex.remember(0, np.array([12.0, 0.0]))
    ex.remember(900, np.array([99.0, 0.0]))
    seen, _ = ex.headroom_kw(1800, np.array([20.0, 1e6]), np.array([10.0, 0.0]))
    assert seen[0] == 20.0 + 12.0 - 10.0 + 40.0 - 30.0  # fleet and background at t = 0


def test_bad_settings_name_the_field() -> None:
    with pytest.raises(ValueError, match="headroom_mode='forecast' needs the background"):
        ExAnteHeadroom(HeadroomMode.FORECAST, None)
    with pytest.raises(ValueError, match="headroom_error_pct=-1"):
        BackgroundForecast(SERIES, 900, error_pct=-1.0)
    with pytest.raises(ValueError, match="headroom_lag_steps=0"):
        ExAnteHeadroom(HeadroomMode.MEASURED, None, lag_steps=0)


@given(
    st.lists(st.floats(-50, 50), min_size=3, max_size=3),
    st.floats(0, 30),
    st.floats(0, 30),
)
def test_perfect_headroom_is_additive_in_the_load_change(
    h: list[float], ev_then: float, base_now: float
) -> None:
    """Raising the coming baseline by x lowers the perfect headroom by exactly x."""
    args = {"ev_then_kw": [ev_then] * 3, "bg_then_kw": [1.0] * 3, "bg_forecast_kw": [2.0] * 3}
    lo = ex_ante_headroom_kw(h, base_now_kw=[base_now] * 3, **args)
    hi = ex_ante_headroom_kw(h, base_now_kw=[base_now + 5.0] * 3, **args)
    np.testing.assert_allclose(lo - hi, 5.0)
