"""The forecast read as slices of the step tables equals the quote by definition.

:meth:`TariffModel.forecast` answers a window on the step grid from runs of the tabulated
calendar and wholesale prices (a day-ahead forecast repeats the last known day: one run per
repeated day). Prices, periods and bills must be exactly those of quoting every step of the
window directly, in every kind and forecast mode, around publication times, DST changes,
the start of a price series and the end of a price file.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.tariff.model import TariffModel
from simulators.tariff.window import repeat_runs
from tests.property.test_tariff_window import CASES, STEP, _make


def _plain(case: str, timezone: str | None) -> TariffModel:
    """The same tariff without step tables: every window quoted directly."""
    model = _make(case, timezone)
    model._calendar.get = lambda t: None  # type: ignore[method-assign]
    model._calendar.window = lambda first, n: None  # type: ignore[method-assign]
    return model


@settings(max_examples=300, deadline=None)
@given(
    first=st.integers(0, 400),
    n=st.integers(1, 300),
    step=st.sampled_from([1, 5, 10, 900]),
    period_steps=st.integers(1, 120),
    known_end_steps=st.integers(-200, 800),
    offset=st.integers(0, 4),
)
def test_repeat_runs_map_every_step_as_the_definition(
    first: int, n: int, step: int, period_steps: int, known_end_steps: int, offset: int
) -> None:
    period_s = period_steps * step
    known_end = known_end_steps * step + min(offset, step - 1)  # also between step starts
    runs = repeat_runs(first, n, step_s=step, known_end_s=known_end, period_s=period_s)
    assert runs is not None
    t = (first + np.arange(n)) * step
    days_back = np.where(t >= known_end, (t - known_end) // period_s + 1, 0)
    want = (t - days_back * period_s) // step
    got = np.concatenate([np.arange(f, f + k) for f, k in runs])
    assert all(k > 0 for _, k in runs)
    np.testing.assert_array_equal(got, want)


def test_repeat_runs_need_a_whole_number_of_steps_per_period() -> None:
    assert repeat_runs(0, 4, step_s=900, known_end_s=0, period_s=1000) is None


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("timezone", [None, "Europe/Paris"])
@settings(max_examples=10, deadline=None)
@given(start=st.integers(0, 6 * 96 - 61), length=st.integers(1, 60))
def test_sequential_forecasts_equal_the_direct_quote(
    case: str, timezone: str | None, start: int, length: int
) -> None:
    """Consecutive steps, as a run asks them (crossing 13:00 and midnight on the way)."""
    fast, plain = _make(case, timezone), _plain(case, timezone)
    for k in range(start, start + length):
        price, period = fast.forecast(k * STEP)
        want_price, want_period = plain.forecast(k * STEP)
        np.testing.assert_array_equal(price, want_price)
        np.testing.assert_array_equal(period, want_period)
        got, want = fast.step(k * STEP, p_kw=5.0), plain.step(k * STEP, p_kw=5.0)
        assert got.cost_eur == want.cost_eur
