"""The compiled loops of the TSO and the flexibility market give the numpy code's bits.

Each kernel replaced a numpy (or plain Python) formulation that stays here as the
reference: the AR(1) recursion of the TSO's noise, and the market's per-key sums of charger
power. Results must be identical, not merely close: the recorded datasets keep their bits.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from simulators.flex_market.meters_kernels import sum_per_key
from simulators.tso.noise_kernels import ar1_path

FINITE = st.floats(-1e6, 1e6, allow_nan=False)
ANY = st.one_of(
    st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0]),
    st.floats(allow_nan=True, allow_infinity=True),
)


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal shapes and bits (NaN equals NaN; -0.0 differs from 0.0)."""
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


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
