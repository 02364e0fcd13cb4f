"""The AR(1) noise of the TSO signals: the exact recursion, chunk-invariant, stationary."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import lfilter

from simulators.tso.noise import AR1


def _reference(sigma: float, tau_s: float, dt_s: float, seed: int, n: int) -> np.ndarray:
    """The path as ``scipy.signal.lfilter`` filters the same draws."""
    ar = AR1(sigma, tau_s, dt_s, np.random.default_rng(seed))
    eps = np.random.default_rng(seed).standard_normal(n)
    first = ar.sigma * eps[0]
    rest, _ = lfilter([ar._scale], [1.0, -ar.phi], eps[1:], zi=[ar.phi * first])
    return np.concatenate(([first], rest))


@settings(max_examples=60, deadline=None)
@given(
    sigma=st.floats(0.0, 5.0),
    tau_s=st.floats(0.5, 5_000.0),
    dt_s=st.floats(0.5, 900.0),
    seed=st.integers(0, 2**32 - 1),
    cuts=st.lists(st.integers(1, 400), min_size=1, max_size=6),
)
def test_draws_match_lfilter_bit_for_bit_in_any_chunking(sigma, tau_s, dt_s, seed, cuts):
    n = sum(cuts)
    ar = AR1(sigma, tau_s, dt_s, np.random.default_rng(seed))
    path = np.concatenate([ar.draw(k) for k in cuts])
    np.testing.assert_array_equal(path, _reference(sigma, tau_s, dt_s, seed, n))


def test_path_is_stationary_with_the_stated_std_and_autocorrelation():
    sigma, tau_s, dt_s = 0.016, 120.0, 10.0
    x = AR1(sigma, tau_s, dt_s, np.random.default_rng(7)).draw(400_000)
    assert abs(x.std() - sigma) < 0.02 * sigma
    lag = 12  # 120 s: one correlation time
    rho = np.corrcoef(x[:-lag], x[lag:])[0, 1]
    assert abs(rho - np.exp(-lag * dt_s / tau_s)) < 0.01


def test_empty_draw_leaves_the_path_unchanged():
    a = AR1(1.0, 60.0, 10.0, np.random.default_rng(3))
    b = AR1(1.0, 60.0, 10.0, np.random.default_rng(3))
    assert a.draw(0).size == 0
    np.testing.assert_array_equal(a.draw(50), b.draw(50))
