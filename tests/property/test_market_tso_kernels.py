"""The TSO's compiled AR(1) loop and the market's per-key sums give the bits of the code
they replaced.

The replaced formulations stay here as the references: the AR(1) recursion of the TSO's
noise (now a numba kernel) and the market's per-key sums of charger power (now testing
finiteness on the sums instead of on every charger). Results must be identical, not merely
close: the recorded datasets keep their bits.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from simulators.flex_market.meters import MeterMap
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


# --- per-key sums: simulators.flex_market.meters.MeterMap.per_key -------------------------


def _per_key_reference(meters: MeterMap, values: np.ndarray) -> list[float]:
    """MeterMap.per_key's numpy chain before the finiteness test moved to the sums."""
    if not np.logical_and.reduce(np.isfinite(values)):
        values = np.nan_to_num(values, nan=0.0)
    key_of = np.asarray(meters._index)
    inkey = key_of >= 0
    out = np.bincount(key_of[inkey], weights=values[inkey], minlength=len(meters.keys))
    return list(out.tolist())


@st.composite
def _meters(draw: st.DrawFn) -> tuple[MeterMap, np.ndarray]:
    n = draw(st.integers(0, 300))
    zones = [f"f{k}" for k in range(draw(st.integers(1, 5)))]
    zone_of = draw(st.lists(st.integers(-1, len(zones) - 1), min_size=n, max_size=n))
    providers = draw(st.lists(st.sampled_from(["a", "b", ""]), min_size=n, max_size=n))
    big = st.sampled_from([1e308, -1e308, 1.7976931348623157e308])
    values = draw(hnp.arrays(np.float64, n, elements=st.one_of(FINITE, ANY, big)))
    return MeterMap(zones, zone_of, providers), values


@settings(max_examples=300, deadline=None)
@given(_meters())
def test_per_key_sums_are_the_bincount_of_the_metered_values(case):
    meters, values = case
    got = list(meters.per_key(values).values())
    want = _per_key_reference(meters, values)
    assert [type(v) for v in got] == [type(v) for v in want]
    assert _same_bits(np.array(got, dtype=float), np.array(want, dtype=float))
