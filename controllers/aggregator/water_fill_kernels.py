"""Compiled loops of :mod:`controllers.aggregator.water_fill` (numba).

Valley filling visits EVs one after the other (Gauss–Seidel) and the step-0 exchange walks
the steps in turn: sequential loops over short arrays (96 steps, a few hundred EVs), where
numpy spends its time in call overhead rather than arithmetic. Here they are compiled, with
the same floating-point operations in the same order as the numpy formulation they replace,
so the schedules are identical bit for bit (``tests/property/
test_aggregator_water_fill_reference.py`` checks them against the plain algorithms). Sums
use numpy's pairwise summation (:func:`cosim.kernels.pairwise_sum`), because ``np.add.reduce`` does.

The module is imported on the first water-filling call: importing numba costs ~0.5 s, and
a run without valley filling does not need it. Compiled code is cached next to this file
(``cache=True``), so only a fresh checkout's first valley-filling run compiles (~10 s).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from cosim.kernels import range_sum

__all__ = ["best_response", "concentrate", "sweeps"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@njit(cache=True)
def _clip_into(out: FloatArray, level: float, base: FloatArray, p_hi: float, n: int) -> None:
    """``out[:n] = min(max(level - base[:n], 0), p_hi)``."""
    for k in range(n):
        v = level - base[k]
        if v < 0.0:
            v = 0.0
        out[k] = v if v < p_hi else p_hi


@njit(cache=True)
def best_response(base: FloatArray, n: int, p_hi: float, energy: float, out: FloatArray) -> None:
    """Water-fill ``energy`` into the valley of ``base[:n]`` under ``p_hi``, into ``out[:n]``.

    The level comes from the sorted breakpoints ``a - p_hi``, ``a``, ``a + p_hi``; where
    rounding miscounts a slope (breakpoints closer than an ulp), bisection finds it.
    """
    k = n
    if energy <= 0.0 or p_hi <= 0.0:
        out[:k] = 0.0
        return
    if energy >= p_hi * k:
        out[:k] = p_hi
        return
    a = np.empty(k)  # base sorted (insertion sort: short, and mostly sorted runs)
    for i in range(k):
        v = base[i]
        m = i
        while m > 0 and a[m - 1] > v:
            a[m] = a[m - 1]
            m -= 1
        a[m] = v
    cum = np.empty(k + 1)
    cum[0] = 0.0
    cum[1] = a[0]
    for i in range(1, k):
        cum[i + 1] = cum[i] + a[i]
    # breakpoints a - p_hi, then a, a + p_hi; each level's block before it is k back
    points = np.empty(3 * k)
    for i in range(k):
        points[i] = a[i] - p_hi
        points[k + i] = a[i]
        points[2 * k + i] = a[i] + p_hi
    below = np.empty(3 * k, dtype=np.int64)  # steps at or below each breakpoint
    for i in range(3 * k):
        v, lo, hi = points[i], 0, k
        while lo < hi:
            mid = (lo + hi) >> 1
            if a[mid] <= v:
                lo = mid + 1
            else:
                hi = mid
        below[i] = lo
    # the highest level whose filled amount fits; none fits: the first (as numpy's argmax)
    best, j, filled_j = -np.inf, 0, 0.0
    for i in range(2 * k):
        lvl = k + i  # the block before it is ``i``
        filled = below[lvl] * points[lvl] - cum[below[lvl]] - below[i] * points[i]
        filled += cum[below[i]]
        if i == 0:
            filled_j = filled
        if filled <= energy and points[lvl] > best:
            best, j, filled_j = points[lvl], i, filled
    slope = below[k + j] - below[j]
    nu = points[k + j] + (energy - filled_j) / slope if slope > 0 else points[k + j]
    _clip_into(out, nu, base, p_hi, k)
    if abs(range_sum(out, 0, k) - energy) <= 1e-9 * max(1.0, energy):
        return
    # breakpoints closer than rounding (a base of 1e-131 next to 0, a top equal to another
    # base) can miscount the slope: find the level by bisection instead
    lo_f, hi_f = a[0], a[k - 1] + p_hi
    for _ in range(200):
        mid_f = 0.5 * (lo_f + hi_f)
        if mid_f == lo_f or mid_f == hi_f:
            break
        _clip_into(out, mid_f, base, p_hi, k)
        if range_sum(out, 0, k) < energy:
            lo_f = mid_f
        else:
            hi_f = mid_f
    _clip_into(out, hi_f, base, p_hi, k)


@njit(cache=True)
def sweeps(
    x: FloatArray,
    load: FloatArray,
    windows: IntArray,
    p_hi: FloatArray,
    energy: FloatArray,
    visit: IntArray,
    tol: float,
    max_sweeps: int,
) -> tuple[int, bool]:
    """Gauss–Seidel best responses of the EVs in ``visit`` until none moves by more than
    ``tol``; updates ``x`` (m, H) and ``load`` (H,) in place. Returns (sweeps, converged)."""
    seen = np.empty_like(x)  # the load each EV last responded to
    base = np.empty(load.size)
    xi = np.empty(load.size)
    half_tol = 0.5 * tol
    for sweep in range(1, max_sweeps + 1):
        moved = 0.0
        for i in visit:
            w = windows[i]
            if sweep > 1:  # skip an EV whose view of the load did not move
                change = 0.0
                for k in range(w):
                    d = abs(load[k] - seen[i, k])
                    if d > change:
                        change = d
                if change <= half_tol:
                    continue
            for k in range(w):
                base[k] = load[k] - x[i, k]
            best_response(base, w, p_hi[i], energy[i], xi)
            if moved <= tol:
                for k in range(w):
                    d = abs(xi[k] - x[i, k])
                    if d > moved:
                        moved = d
            for k in range(w):
                x[i, k] = xi[k]
                load[k] = base[k] + xi[k]
                seen[i, k] = load[k]
        if moved <= tol:
            return sweep, True
    return max_sweeps, False


@njit(cache=True)
def concentrate(
    x: FloatArray, order: IntArray, window: IntArray, p_hi_kw: FloatArray, tol: float
) -> None:
    """Step-0 exchange of :func:`~controllers.aggregator.water_fill.concentrate_first_step_kw`
    on the rows ``order`` of ``x`` (highest step-0 power first), in place."""
    n = order.size
    f, p_hi, w = np.empty(n), np.empty(n), np.empty(n, dtype=np.int64)
    for j in range(n):
        f[j], p_hi[j], w[j] = x[order[j], 0], p_hi_kw[order[j]], window[order[j]]
    total = range_sum(f, 0, n)
    # shift > 0: takes more now; give and take what each must hand back later
    shift, give, take = np.empty(n), np.empty(n), np.empty(n)
    cum = 0.0
    for j in range(n):
        cum = p_hi[j] if j == 0 else cum + p_hi[j]
        s = total - (cum - p_hi[j])
        s = min(max(s, 0.0), p_hi[j]) - f[j]
        shift[j] = s
        give[j] = max(s, 0.0)
        take[j] = max(-s, 0.0)
    cut = np.empty(n)
    add = np.empty(n)
    to_give = range_sum(give, 0, n)
    for k in range(1, w.max()):
        if to_give <= tol:
            break
        for j in range(n):  # what each EV in its window could give and take at step k
            inside = k < w[j]
            v = x[order[j], k]
            cut[j] = min(v, give[j]) if inside else 0.0
            add[j] = min(p_hi[j] - v, take[j]) if inside else 0.0
        moved = min(range_sum(cut, 0, n), range_sum(add, 0, n))
        if moved <= 0.0:  # nobody can give, or nobody can take
            continue
        # highest first: each takes what the ones before it left of ``moved``; the
        # takers' order is reversed (lowest first)
        before = 0.0
        for j in range(n):
            c = cut[j]
            before = c if j == 0 else before + c
            cut[j] = min(max(moved - (before - c), 0.0), c)
        before = 0.0
        for j in range(n - 1, -1, -1):
            c = add[j]
            before = c if j == n - 1 else before + c
            add[j] = min(max(moved - (before - c), 0.0), c)
        for j in range(n):
            r = order[j]
            x[r, k] = x[r, k] - cut[j] + add[j]
            give[j] -= cut[j]
            take[j] -= add[j]
        to_give = range_sum(give, 0, n)
    for j in range(n):
        x[order[j], 0] = f[j] + shift[j] - give[j] + take[j]
