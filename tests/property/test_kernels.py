"""The compiled helpers of the simulators' kernels give numpy's bits.

Kernels replace chains of numpy calls by loops and must keep every dataset bit for bit, so
the helpers that differ from Python's own rules are checked against numpy: maximum and
minimum with NaN on either side, signed zeros and infinities (checked on arrays too,
whose vector loops numpy runs apart from its scalar ones), and the pairwise sum,
whose grouping changes at 8 and at 128 terms, at every length up to several blocks.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cosim.kernels import fmax, fmin, maximum, minimum, pairwise_sum, range_sum

SPECIAL = st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0])
VALUES = st.one_of(SPECIAL, st.floats(allow_nan=True, allow_infinity=True))


def _same(a: float, b: float) -> bool:
    """Equal bits (NaN equals NaN; -0.0 differs from 0.0)."""
    return bool(np.float64(a).tobytes() == np.float64(b).tobytes()) or (a != a and b != b)


@settings(max_examples=400, deadline=None)
@given(VALUES, VALUES)
def test_min_and_max_follow_numpy_with_nan_and_signed_zeros(a: float, b: float) -> None:
    assert _same(maximum(a, b), np.maximum(a, b))
    assert _same(minimum(a, b), np.minimum(a, b))
    # numpy's own fmax and fmin give either of two signed zeros, by array position
    assert fmax(a, b) == np.fmax(a, b) or _same(fmax(a, b), np.fmax(a, b))
    assert fmin(a, b) == np.fmin(a, b) or _same(fmin(a, b), np.fmin(a, b))


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 700),
    st.integers(0, 2**32 - 1),
    st.sampled_from([1e-9, 1.0, 1e12]),
)
def test_pairwise_sum_is_numpys_reduce_bit_for_bit(n: int, seed: int, scale: float) -> None:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n) * scale * 10.0 ** rng.integers(-8, 8, n)
    if rng.random() < 0.2:  # signed zeros: numpy's sum of negative zeros is +0.0
        a = np.where(rng.random(n) < 0.5, -0.0, np.where(rng.random(n) < 0.5, 0.0, a))
    assert _same(pairwise_sum(a), np.add.reduce(a))
    assert _same(pairwise_sum(a[::-1].copy()), np.add.reduce(a[::-1]))
    start = int(rng.integers(0, n + 1))
    assert _same(range_sum(a, start, n - start), np.add.reduce(a[start:]))


@given(st.integers(0, 300))
def test_a_sum_of_negative_zeros_is_positive_zero_as_numpys(n: int) -> None:
    assert _same(pairwise_sum(np.full(n, -0.0)), 0.0)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(VALUES, VALUES), min_size=1, max_size=70))
def test_min_and_max_follow_numpys_vector_loops(pairs: list[tuple[float, float]]) -> None:
    a, b = (np.array(v, dtype=float) for v in zip(*pairs, strict=True))
    for kernel, ufunc in ((maximum, np.maximum), (minimum, np.minimum)):
        want = ufunc(a, b)
        assert all(_same(kernel(x, y), w) for x, y, w in zip(a, b, want, strict=True))
