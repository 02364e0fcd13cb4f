"""Water-filling and step-0 concentration agree bit for bit with their plain definitions.

The library versions skip work that cannot change anything (steps where no power can move,
EVs whose view of the load did not move, re-ordered breakpoints); the plain versions here
do every step of the algorithm as written in the module docstrings. Same floating-point
operations, so the results must be identical, not merely close: a valley-filling run keeps
its recorded datasets.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.aggregator.water_fill import (
    best_response_kw,
    concentrate_first_step_kw,
    valley_fill_kw,
)

H = 16


def _clip(v, lo, hi):
    return np.minimum(np.maximum(v, lo), hi)


def _best_response_plain(base: np.ndarray, p_hi: float, energy: float) -> np.ndarray:
    if energy <= 0.0 or p_hi <= 0.0:
        return np.zeros(base.size)
    if energy >= p_hi * base.size:
        return np.full(base.size, p_hi)
    a = np.sort(base)
    k = a.size
    cum = np.zeros(k + 1)
    np.cumsum(a, out=cum[1:])
    points = np.concatenate((a, a + p_hi, a - p_hi))
    level = points[: 2 * k]
    below = a.searchsorted(points, side="right")
    n_lo = below[: 2 * k]
    n_full = np.concatenate((below[2 * k :], below[:k]))
    shifted = np.concatenate((points[2 * k :], a))
    filled = n_lo * level - cum[n_lo] - n_full * shifted + cum[n_full]
    j = int(np.argmax(np.where(filled <= energy, level, -np.inf)))
    slope = int(n_lo[j] - n_full[j])
    nu = level[j] + (energy - filled[j]) / slope if slope > 0 else level[j]
    x = _clip(nu - base, 0.0, p_hi)
    if abs(float(x.sum()) - energy) <= 1e-9 * max(1.0, energy):
        return x
    return best_response_kw(base, p_hi_kw=p_hi, energy_kw_steps=energy)  # the bisection


def _valley_fill_plain(bg, window, p_hi, energy, warm, tol=1e-6, max_sweeps=200):
    m, horizon = window.size, bg.size
    x = np.zeros((m, horizon)) if warm is None else np.array(warm, dtype=float)
    x[np.arange(horizon)[None, :] >= window[:, None]] = 0.0
    load = bg + x.sum(axis=0)
    seen = np.full((m, horizon), np.nan)
    for sweep in range(1, max_sweeps + 1):
        moved = 0.0
        for i in range(m):
            w = int(window[i])
            if w == 0 or np.abs(load[:w] - seen[i, :w]).max() <= 0.5 * tol:
                continue
            base = load[:w] - x[i, :w]
            xi = _best_response_plain(base, float(p_hi[i]), float(energy[i]))
            moved = max(moved, float(np.abs(xi - x[i, :w]).max()))
            x[i, :w] = xi
            load[:w] = base + xi
            seen[i, :w] = load[:w]
        if moved <= tol:
            return x, sweep
    return x, max_sweeps


def _concentrate_plain(p_kw, window, p_hi_kw, tol=1e-6):
    x = np.array(p_kw, dtype=float)
    first = x[:, 0]
    frac = np.flatnonzero((first > tol) & (first < p_hi_kw - tol))
    if x.shape[1] < 2 or frac.size < 2:
        return x
    order = frac[np.argsort(-first[frac], kind="stable")]
    f, p_hi, w = first[order], p_hi_kw[order], window[order]
    shift = _clip(f.sum() - (np.cumsum(p_hi) - p_hi), 0.0, p_hi) - f
    give, take = np.maximum(shift, 0.0), np.maximum(-shift, 0.0)
    sub = x[order]
    for k in range(1, int(w.max())):
        if give.sum() <= tol:
            break
        col = sub[:, k]
        inwin = k < w
        cut = np.where(inwin, np.minimum(col, give), 0.0)
        add = np.where(inwin, np.minimum(p_hi - col, take), 0.0)
        moved = min(float(cut.sum()), float(add.sum()))
        if moved <= 0.0:
            continue
        cut = _clip(moved - (np.cumsum(cut) - cut), 0.0, cut)
        add_r = add[::-1]
        add = _clip(moved - (np.cumsum(add_r) - add_r), 0.0, add_r)[::-1]
        sub[:, k] = col - cut + add
        give -= cut
        take -= add
    sub[:, 0] = f + shift - give + take
    x[order] = sub
    return x


@st.composite
def fleets(draw: st.DrawFn):
    m = draw(st.integers(1, 12))
    bg = np.array(draw(st.lists(st.floats(-5.0, 30.0), min_size=H, max_size=H)))
    window = np.array(draw(st.lists(st.integers(0, H), min_size=m, max_size=m)))
    p_hi = np.array(draw(st.lists(st.sampled_from([3.7, 7.4, 11.0, 22.0]), min_size=m, max_size=m)))
    share = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=m, max_size=m)))
    warm = draw(st.booleans())
    return bg, window, p_hi, share * p_hi * window, warm


@settings(max_examples=150, deadline=None)
@given(fleets())
def test_valley_fill_and_concentration_match_the_plain_algorithms_bit_for_bit(fleet) -> None:
    bg, window, p_hi, energy, warm = fleet
    start = None
    if warm:  # a previous plan: the cold solution of a shifted background
        start = valley_fill_kw(np.roll(bg, 3), window, p_hi, energy_kw_steps=energy).p_kw
    res = valley_fill_kw(bg, window, p_hi, energy_kw_steps=energy, warm_kw=start)
    plain, sweeps = _valley_fill_plain(bg, window, p_hi, energy, start)
    assert res.sweeps == sweeps
    assert np.array_equal(res.p_kw, plain)
    one = valley_fill_kw(bg, window, p_hi, energy_kw_steps=energy, warm_kw=start, max_sweeps=1)
    assert np.array_equal(one.p_kw, _valley_fill_plain(bg, window, p_hi, energy, start, 1e-6, 1)[0])
    w = np.maximum(window, 1)
    assert np.array_equal(
        concentrate_first_step_kw(res.p_kw, w, p_hi), _concentrate_plain(res.p_kw, w, p_hi)
    )


def test_concentration_with_steps_where_nothing_can_move_matches_the_plain_algorithm() -> None:
    """Step 1 full for every EV (nothing to add), step 2 empty (nothing to cut).

    Step 0 totals 18 kW: EVs 0 and 1 are to take 4 and 3 kW more, EVs 2 and 3 to give up 4
    and 3. Only step 3 can trade (4 kW: EV 2 takes back 1, EV 3 takes 3); at step 4 EV 2's
    window is over, so 3 kW stay moved in step 0: [10, 5, 3, 0].
    """
    p_hi = np.full(4, 10.0)
    x = np.array(
        [
            [6.0, 10.0, 0.0, 4.0, 0.0],
            [5.0, 10.0, 0.0, 0.0, 5.0],
            [4.0, 10.0, 0.0, 6.0, 0.0],
            [3.0, 10.0, 0.0, 0.0, 7.0],
        ]
    )
    window = np.array([5, 5, 4, 5])
    y = concentrate_first_step_kw(x, window, p_hi)
    assert np.array_equal(y, _concentrate_plain(x, window, p_hi))
    assert y[:, 0].tolist() == [10.0, 5.0, 3.0, 0.0]
    np.testing.assert_allclose(y.sum(axis=0), x.sum(axis=0))
    np.testing.assert_allclose(y.sum(axis=1), x.sum(axis=1))
