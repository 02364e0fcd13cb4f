"""The TSO's step sums drawn ahead: each row sum of a buffer is the sum of that step's slice,
bit for bit, and a provider's state is the same with the sums given as without them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from simulators.tso.model import TSOModel, TSOParams
from simulators.tso.series import StepSeries
from simulators.tso.signals import SignalSource, row_sums

VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 50.0, 1e-300, 1e300]),
)


def _slice_sums(values: np.ndarray, n: int) -> list[float]:
    """The reference: ``np.add.reduce`` of each whole step's slice, as TSOModel.step sums."""
    return [float(np.add.reduce(values[k * n : (k + 1) * n])) for k in range(values.size // n)]


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf + -inf
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
    got, want = row_sums(values, n), _slice_sums(values, n)
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


CAPACITY = st.one_of(st.sampled_from([0.0, -0.0, 1.0]), st.floats(0.0, 5000.0))
DELIVERED = st.one_of(st.none(), st.just(float("nan")), st.floats(-1e4, 1e4))


@settings(max_examples=60, deadline=None)
@given(
    steps=st.sampled_from([(900, 10), (900, 4), (300, 10), (60, 60), (3600, 60)]),
    n_steps=st.integers(1, 8),
    data=st.data(),
)
def test_step_state_same_with_and_without_sums_drawn_ahead(
    steps: tuple[int, int], n_steps: int, data: st.DataObject
) -> None:
    """The sums drawn ahead (signals, FCR activation, FCR requests per capacity) give the
    states of the per-step sums: capacities change between 4-h blocks (signed zeros too),
    delivered step means are numbers, NaN or not reported."""
    step_s, f_step_s = steps
    n = step_s // f_step_s
    df = data.draw(hnp.arrays(np.float64, n * n_steps, elements=st.floats(-0.6, 0.6)))
    source = _source(50.0 + df, 1.5 * df, f_step_s)
    params = TSOParams(fcr_capacity_kw=data.draw(CAPACITY), afrr_capacity_kw=data.draw(CAPACITY))
    ahead, plain = (TSOModel(params, step_s=step_s, f_step_s=f_step_s) for _ in range(2))
    for k in range(n_steps):
        signals = source.step(k * step_s, n)
        assert signals.f_hz_sum == float(np.add.reduce(signals.f_hz))
        assert signals.afrr_sum == float(np.add.reduce(signals.afrr_activation))
        bare = dataclasses.replace(signals, f_hz_ahead=None, f_hz_sum=None, afrr_sum=None)
        caps = {"fcr_capacity_kw": data.draw(CAPACITY | st.none())}
        delivered = {
            "p_fcr_delivered_kw": data.draw(DELIVERED),
            "p_afrr_delivered_kw": data.draw(DELIVERED),
        }
        got = ahead.step(signals, **caps, **delivered)
        want = plain.step(bare, **caps, **delivered)
        for field in dataclasses.fields(got):
            a, b = getattr(got, field.name), getattr(want, field.name)
            assert np.array_equal(a, b, equal_nan=True), field.name
            assert np.all(np.signbit(a) == np.signbit(b)), field.name


def test_request_sums_keep_the_sign_of_a_zero_capacity() -> None:
    """``0.0`` and ``-0.0`` capacities give requests of opposite signed zeros: the cached
    row sums are not shared between them."""
    model = TSOModel(TSOParams(), step_s=900, f_step_s=10)
    activation = np.full(180, 0.5)
    model._ahead_n = 90
    for capacity in (0.0, -0.0, 0.0, 2.0):
        got = model._request_sum((activation, 1), capacity)
        want = float(np.add.reduce(activation[90:] * -capacity))
        assert got == want and np.signbit(got) == np.signbit(want)
