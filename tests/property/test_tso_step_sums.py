"""The TSO's step sums drawn ahead: each row sum of a buffer is the sum of that step's slice,
bit for bit, and a provider's state is the same with the sums given as without them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from simulators.tso.model import SignalSource, TSOModel, TSOParams, _row_sums
from simulators.tso.series import StepSeries

VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 50.0, 1e-300, 1e300]),
)


def _slice_sums(values: np.ndarray, n: int) -> list[float]:
    """The reference: ``np.add.reduce`` of each whole step's slice, as TSOModel.step sums."""
    return [float(np.add.reduce(values[k * n : (k + 1) * n])) for k in range(values.size // n)]


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@settings(max_examples=300, deadline=None)
@given(
    n=st.sampled_from([1, 2, 7, 8, 9, 16, 17, 90, 128, 129, 225, 360]),
    rows=st.integers(0, 5),
    tail=st.integers(0, 3),
    data=st.data(),
)
def test_row_sums_are_the_slice_sums_bit_for_bit(
    n: int, rows: int, tail: int, data: st.DataObject
) -> None:
    values = data.draw(hnp.arrays(np.float64, rows * n + tail, elements=VALUES))
    got, want = _row_sums(values, n), _slice_sums(values, n)
    assert len(got) == len(want) == values.size // n
    for g, w in zip(got, want, strict=True):
        assert np.array_equal(g, w, equal_nan=True) and np.signbit(g) == np.signbit(w)


def _source(f_hz: np.ndarray, afrr: np.ndarray, f_step_s: int) -> SignalSource:
    time_s = np.arange(f_hz.size, dtype=np.float64) * f_step_s
    end_s = f_hz.size * f_step_s
    return SignalSource(
        frequency=StepSeries(time_s, f_hz, end_s=end_s),
        afrr=StepSeries(time_s, afrr, end_s=end_s),
        f_step_s=f_step_s,
    )


@settings(max_examples=40, deadline=None)
@given(
    steps=st.sampled_from([(900, 10), (900, 4), (300, 10), (60, 60)]),
    n_steps=st.integers(1, 6),
    fcr_kw=st.floats(0.0, 5000.0),
    afrr_kw=st.floats(0.0, 5000.0),
    data=st.data(),
)
def test_step_state_same_with_and_without_sums_drawn_ahead(
    steps: tuple[int, int], n_steps: int, fcr_kw: float, afrr_kw: float, data: st.DataObject
) -> None:
    step_s, f_step_s = steps
    n = step_s // f_step_s
    df = data.draw(hnp.arrays(np.float64, n * n_steps, elements=st.floats(-0.6, 0.6)))
    source = _source(50.0 + df, 1.5 * df, f_step_s)
    params = TSOParams(fcr_capacity_kw=fcr_kw, afrr_capacity_kw=afrr_kw)
    ahead, plain = (TSOModel(params, step_s=step_s, f_step_s=f_step_s) for _ in range(2))
    for k in range(n_steps):
        signals = source.step(k * step_s, n)
        assert signals.f_hz_sum == float(np.add.reduce(signals.f_hz))
        assert signals.afrr_sum == float(np.add.reduce(signals.afrr_activation))
        bare = dataclasses.replace(signals, f_hz_ahead=None, f_hz_sum=None, afrr_sum=None)
        delivered = data.draw(st.floats(-1e4, 1e4) | st.none())
        got = ahead.step(signals, p_fcr_delivered_kw=delivered, p_afrr_delivered_kw=delivered)
        want = plain.step(bare, p_fcr_delivered_kw=delivered, p_afrr_delivered_kw=delivered)
        for field in dataclasses.fields(got):
            a, b = getattr(got, field.name), getattr(want, field.name)
            assert np.array_equal(a, b, equal_nan=True), field.name
            assert np.all(np.signbit(a) == np.signbit(b)), field.name
