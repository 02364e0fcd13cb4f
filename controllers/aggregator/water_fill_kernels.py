"""Compiled loops of :mod:`controllers.aggregator.water_fill` (numba).

Valley filling visits EVs one after the other (Gauss–Seidel) and the step-0 exchange walks
the steps in turn: sequential loops over short arrays (96 steps, a few hundred EVs), where
numpy spends its time in call overhead rather than arithmetic. Here they are compiled, with
the same floating-point operations in the same order as the numpy formulation they replace,
so the schedules are identical bit for bit (``tests/property/
test_aggregator_water_fill_reference.py`` checks them against the plain algorithms). Sums
use numpy's pairwise summation (:func:`pairwise_sum`), because ``np.add.reduce`` does.

The module is imported on the first water-filling call: importing numba costs ~0.5 s, and
a run without valley filling does not need it. Compiled code is cached next to this file
(``cache=True``), so only a fresh checkout's first valley-filling run compiles (~10 s).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = ["best_response", "concentrate", "pairwise_sum", "sweeps"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_BLOCK = 128  # numpy's pairwise-summation block (PW_BLOCKSIZE)
_STACK = 192  # 3 per halving: enough for 2**60 terms


@njit(cache=True)
def pairwise_sum(a: FloatArray) -> float:
    """``np.add.reduce`` of a 1-D float64 array, bit for bit."""
    return _sum(a, 0, a.size)


@njit(cache=True)
def _sum(a: FloatArray, start: int, n: int) -> float:
    """numpy's pairwise summation of ``a[start : start + n]``: runs longer than a block
    are halved on a multiple of 8 and their halves' sums added (left + right).

    The halving is walked with explicit stacks: numba's cache cannot reload a recursive
    function (a cached one crashes the next process).
    """
    if n <= _BLOCK:
        return _block_sum(a, start, n)
    # nodes still to add up (start, length, halved yet?), deepest last; sums of the done
    node_start = np.empty(_STACK, dtype=np.int64)
    node_n = np.empty(_STACK, dtype=np.int64)
    node_halved = np.zeros(_STACK, dtype=np.bool_)
    sums = np.empty(_STACK)
    node_start[0], node_n[0], nodes, done = start, n, 1, 0
    while nodes:
        nodes -= 1
        s0, m, halved = node_start[nodes], node_n[nodes], node_halved[nodes]
        if m <= _BLOCK:
            sums[done] = _block_sum(a, s0, m)
            done += 1
        elif halved:  # both halves done: their sums are the last two
            done -= 1
            sums[done - 1] = sums[done - 1] + sums[done]
        else:
            half = m // 2
            half -= half % 8
            node_halved[nodes] = True  # back on the stack below its halves
            node_start[nodes + 1], node_n[nodes + 1] = s0 + half, m - half
            node_halved[nodes + 1] = False
            node_start[nodes + 2], node_n[nodes + 2] = s0, half
            node_halved[nodes + 2] = False
            nodes += 3
    return sums[0]


@njit(cache=True)
def _block_sum(a: FloatArray, start: int, n: int) -> float:
    """numpy's sum of at most one block: in order below 8 terms, else eight running sums."""
    if n < 8:
        s = 0.0
        for i in range(start, start + n):
            s += a[i]
        return s
    r0, r1, r2, r3 = a[start], a[start + 1], a[start + 2], a[start + 3]
    r4, r5, r6, r7 = a[start + 4], a[start + 5], a[start + 6], a[start + 7]
    i = start + 8
    end = start + n - n % 8
    while i < end:
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
        i += 8
    s = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < start + n:
        s += a[i]
        i += 1
    return s


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
    if abs(_sum(out, 0, k) - energy) <= 1e-9 * max(1.0, energy):
        return
    # breakpoints closer than rounding (a base of 1e-131 next to 0, a top equal to another
    # base) can miscount the slope: find the level by bisection instead
    lo_f, hi_f = a[0], a[k - 1] + p_hi
    for _ in range(200):
        mid_f = 0.5 * (lo_f + hi_f)
        if mid_f == lo_f or mid_f == hi_f:
            break
        _clip_into(out, mid_f, base, p_hi, k)
        if _sum(out, 0, k) < energy:
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
    total = _sum(f, 0, n)
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
    to_give = _sum(give, 0, n)
    for k in range(1, w.max()):
        if to_give <= tol:
            break
        for j in range(n):  # what each EV in its window could give and take at step k
            inside = k < w[j]
            v = x[order[j], k]
            cut[j] = min(v, give[j]) if inside else 0.0
            add[j] = min(p_hi[j] - v, take[j]) if inside else 0.0
        moved = min(_sum(cut, 0, n), _sum(add, 0, n))
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
        to_give = _sum(give, 0, n)
    for j in range(n):
        x[order[j], 0] = f[j] + shift[j] - give[j] + take[j]
