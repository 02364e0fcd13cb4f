"""Exact valley filling without an LP: water-filling best responses over EVs (Gauss–Seidel).

Valley filling schedules each EV ``i`` (AC power ``0 <= x_ik <= p_i`` in the steps
``k < W_i`` of its window, ``sum_k x_ik = d_i``) so that the total load
``L_k = bg_k + sum_i x_ik`` is as flat as possible. The aggregates ``x_k = sum_i x_ik``
that such schedules reach form the base polytope of a polymatroid (a bipartite flow from
EVs to steps), which has a *least majorized* element: one load profile that minimises
every symmetric separable convex cost ``sum_k f(L_k)`` at once — ``sum_k L_k**2``, the
peak ``max_k L_k``, and the convex piecewise-linear valley cost of the LP in
:mod:`controllers.aggregator.lp` alike [1]_. It is found here as the unique optimum of the
strictly convex ``sum_k L_k**2``, whose blocks (EVs) have separate constraints: block
coordinate descent, each EV in turn taking its exact best response to the others (pour
its energy into the valley of the others' load, a water level ``nu_i`` with
``x_ik = clip(nu_i - L_k + x_ik, 0, p_i)``), converges to it [2]_. A sweep that moves no
EV by more than ``tol_kw`` ends the iteration; started from the previous plan, one or two
sweeps usually suffice.

References
----------
.. [1] A. Tamir, "Least majorized elements and generalized polymatroids", Mathematics of
   Operations Research 20(3), 583–589, 1995.
.. [2] L. Gan, U. Topcu, S. H. Low, "Optimal decentralized protocol for electric vehicle
   charging", IEEE Transactions on Power Systems 28(2), 940–951, 2013.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator.policy import clip

__all__ = [
    "ValleyFillResult",
    "best_response_kw",
    "concentrate_first_step_kw",
    "valley_fill_kw",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def best_response_kw(base_kw: FloatArray, *, p_hi_kw: float, energy_kw_steps: float) -> FloatArray:
    """Fill ``energy_kw_steps`` into the valley of ``base_kw`` under a power limit [kW].

    Returns ``x_k = clip(nu - base_k, 0, p_hi)`` with ``sum_k x_k = energy`` (the water
    level ``nu`` found exactly from the sorted breakpoints), which minimises
    ``sum_k (base_k + x_k)**2``; the energy is clipped to ``[0, p_hi * K]``.

    Parameters
    ----------
    base_kw : ndarray (K,)
        Load of everything else in the steps the EV may use [kW].
    p_hi_kw : float
        AC power limit [kW].
    energy_kw_steps : float
        Energy to place, as AC power times steps [kW * step].

    Examples
    --------
    >>> best_response_kw(np.array([3.0, 1.0, 2.0]), p_hi_kw=5.0, energy_kw_steps=3.0).tolist()
    [0.0, 2.0, 1.0]
    """
    if energy_kw_steps <= 0.0 or p_hi_kw <= 0.0:
        return np.zeros(base_kw.size)
    if energy_kw_steps >= p_hi_kw * base_kw.size:
        return np.full(base_kw.size, p_hi_kw)
    a = base_kw.copy()
    a.sort()
    k = a.size
    cum = np.zeros(k + 1)
    np.add.accumulate(a, out=cum[1:])
    # breakpoints a - p_hi, then a, a + p_hi (the levels where the filled amount changes
    # slope); each level minus p_hi is the block before it (``top - p_hi`` is not exactly
    # ``a`` in floating point)
    points = np.empty(3 * k)
    np.subtract(a, p_hi_kw, out=points[:k])
    points[k : 2 * k] = a
    np.add(a, p_hi_kw, out=points[2 * k :])
    level = points[k:]
    below = a.searchsorted(points, side="right")  # steps below each breakpoint
    # filled = n_lo * level - cum[n_lo] - n_full * (level - p_hi) + cum[n_full], with
    # n_lo the steps below the level and n_full those already at p_hi (below the block
    # before it)
    count_at = below * points
    cum_at = cum[below]
    filled = count_at[k:] - cum_at[k:] - count_at[: 2 * k] + cum_at[: 2 * k]
    j = int(np.where(filled <= energy_kw_steps, level, -np.inf).argmax())
    slope = int(below[k + j] - below[j])
    nu = level[j] + (energy_kw_steps - filled[j]) / slope if slope > 0 else level[j]
    x = np.minimum(np.maximum(nu - base_kw, 0.0), p_hi_kw)
    if abs(float(np.add.reduce(x)) - energy_kw_steps) <= 1e-9 * max(1.0, energy_kw_steps):
        return x
    # breakpoints closer than rounding (a base of 1e-131 next to 0, a top equal to another
    # base) can miscount the slope: find the level by bisection instead
    lo, hi = float(a[0]), float(a[-1]) + p_hi_kw
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if float(clip(mid - base_kw, 0.0, p_hi_kw).sum()) < energy_kw_steps:
            lo = mid
        else:
            hi = mid
    return clip(hi - base_kw, 0.0, p_hi_kw)


@dataclass(frozen=True)
class ValleyFillResult:
    """Schedules of :func:`valley_fill_kw`.

    Parameters
    ----------
    p_kw : ndarray (m, H)
        AC power per EV and step [kW]; 0 outside each window.
    sweeps : int
        Gauss–Seidel sweeps done.
    converged : bool
        The last sweep moved no EV by more than the tolerance.
    """

    p_kw: FloatArray
    sweeps: int
    converged: bool


def valley_fill_kw(
    bg_kw: FloatArray,
    window: IntArray,
    p_hi_kw: FloatArray,
    *,
    energy_kw_steps: FloatArray,
    warm_kw: FloatArray | None = None,
    tol_kw: float = 1e-6,
    max_sweeps: int = 200,
) -> ValleyFillResult:
    """Schedules that make ``bg + sum_i x_i`` as flat as possible (least majorized).

    Parameters
    ----------
    bg_kw : ndarray (H,)
        Background load per step [kW].
    window : ndarray of int (m,)
        Steps each EV may use, ``0 <= W_i <= H``.
    p_hi_kw : ndarray (m,)
        AC power limit [kW].
    energy_kw_steps : ndarray (m,)
        Energy each EV must take, as AC power times steps [kW * step] (``<= p_hi * W``).
    warm_kw : ndarray (m, H), optional
        Start from these schedules (any values; each EV's first best response replaces
        its row). EVs are visited in row order: put the changed ones first.
    tol_kw : float
        Stop after a sweep that changes no schedule by more than this [kW].
    max_sweeps : int
        Most sweeps; the result is feasible after the first one.

    Returns
    -------
    ValleyFillResult
        Schedules, sweeps done and whether they converged.

    Examples
    --------
    >>> r = valley_fill_kw(np.array([2.0, 0.0, 1.0]), np.array([3, 2]), np.array([2.0, 2.0]),
    ...                    energy_kw_steps=np.array([2.0, 1.0]))
    >>> (np.array([2.0, 0.0, 1.0]) + r.p_kw.sum(axis=0)).round(6).tolist()
    [2.0, 2.0, 2.0]
    """
    m, horizon = window.size, bg_kw.size
    x = np.zeros((m, horizon)) if warm_kw is None else np.array(warm_kw, dtype=float)
    x[np.arange(horizon)[None, :] >= window[:, None]] = 0.0
    load = bg_kw + x.sum(axis=0)
    seen = np.empty((m, horizon))  # the load each EV last responded to
    windows, p_his, energies = window.tolist(), p_hi_kw.tolist(), energy_kw_steps.tolist()
    # an EV with nothing to place whose schedule is zero keeps it: its best response is
    # zero and leaves the load as it is (``load - 0 + 0``)
    idle = (energy_kw_steps <= 0.0) | (p_hi_kw <= 0.0)
    if idle.any():
        idle &= ~x.any(axis=1)
    visit = np.flatnonzero(~idle & (window > 0)).tolist()
    half_tol = 0.5 * tol_kw
    for sweep in range(1, max_sweeps + 1):
        moved = 0.0
        for i in visit:
            w = windows[i]
            x_i, load_w = x[i, :w], load[:w]
            # the first sweep visits every EV; later ones those whose view of the load moved
            if sweep > 1 and np.maximum.reduce(np.abs(load_w - seen[i, :w])) <= half_tol:
                continue  # nothing it sees changed: its best response stands
            base = load_w - x_i
            xi = best_response_kw(base, p_hi_kw=p_his[i], energy_kw_steps=energies[i])
            if moved <= tol_kw:  # else this sweep has moved too much already
                moved = max(moved, float(np.maximum.reduce(np.abs(xi - x_i))))
            x_i[:] = xi
            np.add(base, xi, out=load_w)
            if max_sweeps > 1:  # read by the next sweep only
                seen[i, :w] = load_w
        if moved <= tol_kw:
            return ValleyFillResult(p_kw=x, sweeps=sweep, converged=True)
    return ValleyFillResult(p_kw=x, sweeps=max_sweeps, converged=False)


def concentrate_first_step_kw(
    p_kw: FloatArray,
    window: IntArray,
    p_hi_kw: FloatArray,
    *,
    tol_kw: float = 1e-6,
    in_place: bool = False,
) -> FloatArray:
    """Same totals per EV and per step, but step 0 at full power or off where it can be.

    Valley filling fixes the total per step, not who delivers it. Spread thinly, a step's
    total would reach chargers as many small setpoints, each raised to the charger's
    minimum power (6 A) on the way: far more than planned. The EVs planned part-load now
    are set, highest first, to full power until the step's total is reached (the rest
    off); each later step, in turn, then hands back what this moved: the EVs that now
    take more give up power there, the ones that now take less take it, as far as the
    power limits and windows allow (what cannot be handed back stays in step 0). Every
    EV's energy and every step's total stay as they were (the aggregate stays optimal);
    only the split changes.

    Parameters
    ----------
    p_kw : ndarray (m, H)
        Feasible schedules [kW] (0 outside each window).
    window : ndarray of int (m,)
        Steps each EV may use.
    p_hi_kw : ndarray (m,)
        AC power limit [kW].
    tol_kw : float
        Power below which an entry counts as 0 or full [kW].
    in_place : bool
        Exchange in ``p_kw`` itself (a float64 array) instead of a copy.

    Returns
    -------
    ndarray (m, H)
        The exchanged schedules (``p_kw`` itself when ``in_place``, else a copy).

    Examples
    --------
    >>> concentrate_first_step_kw(np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([2, 2]),
    ...                           np.array([2.0, 2.0])).tolist()
    [[2.0, 0.0], [0.0, 2.0]]
    """
    x = p_kw if in_place else np.array(p_kw, dtype=float)
    if x.shape[1] < 2:
        return x
    first = x[:, 0]
    frac = ((first > tol_kw) & (first < p_hi_kw - tol_kw)).nonzero()[0]
    if frac.size < 2:
        return x
    add_acc, reduce_sum, minimum, maximum = np.add.accumulate, np.add.reduce, np.minimum, np.maximum
    subtract, any_of = np.subtract, np.logical_or.reduce
    order = frac[(-first[frac]).argsort(kind="stable")]
    f, p_hi, w = first[order], p_hi_kw[order], window[order]
    shift = clip(reduce_sum(f) - (add_acc(p_hi) - p_hi), 0.0, p_hi) - f  # > 0: takes more now
    n = f.size
    # still to hand back later: to give (row 0, EVs in order) and to take (row 1, EVs in
    # reverse order, so that both sides hand out highest first along their rows)
    left = np.empty((2, n))
    maximum(shift, 0.0, out=left[0])
    maximum(-shift[::-1], 0.0, out=left[1])
    give, take = left[0], left[1, ::-1]
    sub = x[order].T.copy()  # (H, n): one row per step
    # only steps where some EV in its window could give and some could take can move power
    # (give and take only shrink; elsewhere one side sums to <= 0 and nothing moves)
    w_max = int(w.max())
    later = sub[1:w_max]
    both_w = np.empty((2, n), dtype=w.dtype)
    both_w[0], both_w[1] = w, w[::-1]
    in_both = np.arange(1, w_max)[:, None, None] < both_w  # (step, side, EV)
    in_window = in_both[:, 0]
    can_cut = any_of(in_window & (later > 0.0) & (give > 0.0), axis=1)
    can_add = any_of(in_window & (p_hi - later > 0.0) & (take > 0.0), axis=1)
    steps = ((can_cut & can_add).nonzero()[0] + 1).tolist()
    p_hi_r = p_hi[::-1]
    all_in = int(w.min())  # steps before it are in every window
    amount = np.empty((2, n))
    to_give = reduce_sum(give)
    for k in steps:
        if to_give <= tol_kw:
            break
        col = sub[k]
        amount[0] = col
        subtract(p_hi_r, col[::-1], out=amount[1])  # room below the limit
        minimum(amount, left, out=amount)
        both = amount if k < all_in else np.where(in_both[k - 1], amount, 0.0)
        moved = min(float(reduce_sum(both[0])), float(reduce_sum(both[1, ::-1])))
        if moved <= 0.0:
            continue
        # highest first: each takes what the ones before it left of ``moved``
        both = minimum(maximum(subtract(moved, subtract(add_acc(both, axis=1), both)), 0.0), both)
        subtract(col, both[0], out=col)  # added lowest first
        np.add(col, both[1, ::-1], out=col)
        left -= both
        to_give = reduce_sum(left[0])
    sub[0] = f + shift - give + take
    x[order] = sub.T
    return x
