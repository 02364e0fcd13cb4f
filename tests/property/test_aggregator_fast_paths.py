"""Step-0 concentration and water-filling equal their plain definitions on large fleets.

:func:`concentrate_first_step_kw` hands power back on both sides at once (the EVs that give
and, reversed, those that take as two rows of one array) and may work in place;
:func:`valley_fill_kw` skips EVs with nothing to place and a zero schedule. Sums over more
than eight EVs are pairwise in numpy, so the fleets here are large enough for that to
matter; any schedules (not only valley-filling optima) are exchanged. Results must be
identical, not merely close.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.aggregator.water_fill import concentrate_first_step_kw, valley_fill_kw
from tests.property.test_aggregator_water_fill_reference import (
    _concentrate_plain,
    _valley_fill_plain,
)

LIMITS = [3.7, 7.4, 11.0, 22.0]


@st.composite
def plans(draw: st.DrawFn):
    """Feasible schedules: each entry empty, full or a fraction of the EV's limit."""
    m = draw(st.integers(2, 40))
    horizon = draw(st.integers(2, 24))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    p_hi = rng.choice(LIMITS, m)
    window = rng.integers(1, horizon + 1, m)
    kind = rng.integers(0, 3, (m, horizon))  # 0: off, 1: full, 2: part-load
    frac = rng.random((m, horizon)) * draw(st.sampled_from([1.0, 1e-3, 1e-7]))
    x = np.where(kind == 0, 0.0, np.where(kind == 1, 1.0, frac)) * p_hi[:, None]
    x[np.arange(horizon)[None, :] >= window[:, None]] = 0.0
    return x, window, p_hi


@settings(max_examples=300, deadline=None)
@given(plans())
def test_concentration_equals_the_plain_exchange(plan) -> None:
    x, window, p_hi = plan
    want = _concentrate_plain(x, window, p_hi)
    got = concentrate_first_step_kw(x, window, p_hi)
    assert np.array_equal(got, want)
    inplace = x.copy()
    assert concentrate_first_step_kw(inplace, window, p_hi, in_place=True) is inplace
    assert np.array_equal(inplace, want)
    # what it keeps: every EV's energy and every step's total
    np.testing.assert_allclose(got.sum(axis=1), x.sum(axis=1), atol=1e-9)
    np.testing.assert_allclose(got.sum(axis=0), x.sum(axis=0), atol=1e-9)


@settings(max_examples=150, deadline=None)
@given(plans(), st.integers(0, 2**32 - 1), st.sampled_from([1, 3, 200]))
def test_water_filling_with_idle_evs_equals_the_plain_sweeps(plan, seed, max_sweeps) -> None:
    """Some EVs have nothing to place (or no power), some of them a non-zero warm start."""
    warm, window, p_hi = plan
    rng = np.random.default_rng(seed)
    m, horizon = warm.shape
    bg = rng.uniform(-5.0, 30.0, horizon)
    energy = rng.random(m) * p_hi * window * (rng.random(m) < 0.6)
    p_hi = np.where(rng.random(m) < 0.1, 0.0, p_hi)
    warm = np.where(rng.random((m, 1)) < 0.5, warm, 0.0)
    res = valley_fill_kw(
        bg, window, p_hi, energy_kw_steps=energy, warm_kw=warm, max_sweeps=max_sweeps
    )
    want, sweeps = _valley_fill_plain(bg, window, p_hi, energy, warm, 1e-6, max_sweeps)
    assert res.sweeps == sweeps
    assert np.array_equal(res.p_kw, want)
