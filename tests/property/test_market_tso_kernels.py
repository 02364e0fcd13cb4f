"""The compiled loops of the TSO and the flexibility market give the numpy code's bits.

Each kernel replaced a numpy (or plain Python) formulation that stays here as the
reference: the AR(1) recursion of the TSO's noise, the TSO's per-step requests and sums, and
the market's per-key sums of charger power. Results must be identical, not merely close:
the recorded datasets keep their bits.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from simulators.flex_market.meters_kernels import sum_per_key
from simulators.tso.model_kernels import requests_and_sums
from simulators.tso.noise_kernels import ar1_path

FINITE = st.floats(-1e6, 1e6, allow_nan=False)
ANY = st.one_of(
    st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0]),
    st.floats(allow_nan=True, allow_infinity=True),
)


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal shapes and values, NaN equal to NaN (whatever its payload), -0.0 not 0.0."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    nan = np.isnan(a)
    same_sign = np.signbit(a[~nan]) == np.signbit(b[~nan])
    return bool(np.array_equal(a, b, equal_nan=True) and same_sign.all())


# --- AR(1) path: simulators.tso.noise.AR1.draw -------------------------------------------


@np.errstate(over="ignore", invalid="ignore")  # inf * 0 and huge draws: as the kernel
def _ar1_reference(
    eps: np.ndarray, phi: float, scale: float, sigma: float, y_last: float, fresh: bool
) -> np.ndarray:
    """The recursion as AR1.draw ran it over Python floats before the kernel."""
    kicks = (scale * eps).tolist()
    path: list[float] = []
    y = y_last
    if fresh and eps.size:
        y = float(sigma * eps[0])
        path.append(y)
        kicks = kicks[1:]
    for kick in kicks:
        y = phi * y + kick
        path.append(y)
    return np.array(path, dtype=np.float64)


@settings(max_examples=300, deadline=None)
@given(
    eps=hnp.arrays(np.float64, st.integers(0, 300), elements=st.one_of(FINITE, ANY)),
    phi=st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 1.0, 0.9672161004820059])),
    scale=st.floats(0.0, 10.0),
    sigma=st.floats(0.0, 10.0),
    y_last=st.one_of(FINITE, st.sampled_from([0.0, -0.0])),
    fresh=st.booleans(),
)
def test_ar1_path_is_the_python_recursion(eps, phi, scale, sigma, y_last, fresh):
    got = ar1_path(eps, phi, scale, sigma, y_last, fresh)
    assert _same_bits(got, _ar1_reference(eps, phi, scale, sigma, y_last, fresh))


def test_ar1_path_is_not_associated_otherwise():
    # phi * y + scale * e rounds differently from phi * (y + scale / phi * e) here: the
    # reference test above must see a changed association
    eps = np.array([0.346, 0.822, 0.33, -1.303, 0.905, 0.446])
    got = ar1_path(eps, 0.9, 0.3, 1.0, 0.123, False)
    y, other = 0.123, []
    for e in eps:
        y = 0.9 * (y + 0.3 / 0.9 * e)
        other.append(y)
    assert not _same_bits(got, np.array(other))
    assert _same_bits(got, _ar1_reference(eps, 0.9, 0.3, 1.0, 0.123, False))


# --- requests and sums of a step: simulators.tso.model.TSOModel.step -------------------


@np.errstate(over="ignore", invalid="ignore")  # inf - inf, inf * 0: as the kernel
def _requests_reference(
    a_fcr: np.ndarray, a_afrr: np.ndarray, f_hz: np.ndarray, neg_fcr: float, neg_afrr: float
) -> tuple[np.ndarray, np.ndarray, float, float, float]:
    """TSOModel.step's numpy before the kernel."""
    return (
        a_fcr * neg_fcr,
        a_afrr * neg_afrr,
        float(np.add.reduce(a_fcr)),
        float(np.add.reduce(a_afrr)),
        float(np.add.reduce(f_hz)),
    )


@st.composite
def _step_signals(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.sampled_from([0, 1, 7, 8, 9, 90, 127, 128, 129, 360, 1000]))
    activation = st.one_of(st.floats(-1.0, 1.0), st.sampled_from([0.0, -0.0, 1.0, -1.0]))
    return (
        draw(hnp.arrays(np.float64, n, elements=activation)),
        draw(hnp.arrays(np.float64, n, elements=st.one_of(activation, ANY))),
        draw(hnp.arrays(np.float64, n, elements=st.one_of(st.floats(49.0, 51.0), ANY))),
    )


@settings(max_examples=300, deadline=None)
@given(
    signals=_step_signals(),
    neg_fcr=st.one_of(st.floats(-5000.0, 0.0), st.sampled_from([0.0, -0.0])),
    neg_afrr=st.one_of(st.floats(-5000.0, 0.0), st.sampled_from([0.0, -0.0])),
)
def test_requests_and_sums_are_the_numpy_products_and_sums(signals, neg_fcr, neg_afrr):
    got = requests_and_sums(*signals, neg_fcr, neg_afrr)
    want = _requests_reference(*signals, neg_fcr, neg_afrr)
    assert _same_bits(got[0], want[0]) and _same_bits(got[1], want[1])
    for g, w in zip(got[2:], want[2:], strict=True):
        assert _same_bits(np.float64(g), np.float64(w))


def test_requests_and_sums_of_negative_zeros_are_positive_zeros_as_numpy():
    zeros = np.full(90, -0.0)
    sums = requests_and_sums(zeros, zeros, zeros, -1.0, -1.0)[2:]
    assert not np.signbit(sums).any()
    assert not np.signbit(np.add.reduce(zeros))


# --- per-key sums: simulators.flex_market.meters.MeterMap.per_key -------------------------


def _per_key_reference(values: np.ndarray, key_of: np.ndarray, n_keys: int) -> np.ndarray:
    """MeterMap.per_key's numpy chain before the kernel."""
    if not np.logical_and.reduce(np.isfinite(values)):
        values = np.nan_to_num(values, nan=0.0)
    inkey = key_of >= 0
    out = np.bincount(key_of[inkey], weights=values[inkey], minlength=n_keys)
    # bincount gives integer zeros when no charger is metered; per_key's readers take
    # float() of them, and the kernel gives float zeros
    return out.astype(np.float64)


@st.composite
def _meters(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    n = draw(st.integers(0, 400))
    n_keys = draw(st.integers(1, 9))
    values = draw(hnp.arrays(np.float64, n, elements=st.one_of(FINITE, ANY)))
    key_of = draw(hnp.arrays(np.int64, n, elements=st.integers(-1, n_keys - 1)))
    return values, key_of, n_keys


@settings(max_examples=300, deadline=None)
@given(_meters())
def test_sum_per_key_is_the_bincount_of_the_metered(case):
    values, key_of, n_keys = case
    got = sum_per_key(values, key_of, n_keys)
    assert _same_bits(got, _per_key_reference(values, key_of, n_keys))


def test_sum_per_key_adds_in_charger_order():
    # (1e16 + 1) + 1 != 1e16 + (1 + 1): a reordered or pairwise sum is seen
    values = np.array([1e16, 1.0, 1.0, -0.0, np.inf, np.nan])
    key_of = np.array([0, 0, 0, 1, 2, -1])
    got = sum_per_key(values, key_of, 3)
    assert got[0] == 1e16 and got[2] == np.finfo(np.float64).max
    assert not np.signbit(got[1])
    assert _same_bits(got, _per_key_reference(values, key_of, 3))
