"""Exact per-EV cost minimisation with V2G: a vectorised dynamic programme on cost slopes.

Without a constraint that couples EVs, the scheduling LP of :mod:`controllers.aggregator.lp`
separates per EV into a storage problem on the battery energy added since now, ``L_k``:

    minimise   sum_k f_k(L_k - L_(k-1))   subject to   e_lo <= L_k <= e_hi,  L_(W-1) >= need,

where the step cost ``f_k`` of a battery-side flow ``x`` is convex and piecewise linear: it
is the cheapest mix of charging (up to ``C = p_hi eta dt`` at ``(price_k + tie k) / eta``
per kWh) and discharging (up to ``D = p_hi dt / eta`` earning ``(price_k - wear - tie k)
eta`` per kWh). The value function ``V_k(L)`` (least cost of reaching ``L`` after step
``k``) is convex piecewise linear, so it is a start point plus a list of segments sorted
by slope ("slope trick"): adding step ``k`` (an infimal convolution with ``f_k``) inserts
its two segments and moves the start by ``-D``; the bounds ``[e_lo, e_hi]`` cut the lowest
segments (those amounts are forced: taken) and the highest (never taken). A segment's
slope never changes, so the slope order is sorted once; each step only updates lengths.
At the end the EV takes, from the start, every segment with a negative slope and at least
enough to meet the need. The amount taken of each segment is the optimal charge (or the
discharge avoided) of its step: the split of an infimal convolution of convex functions
takes each function's segments in slope order, so the forced and the final amounts are
one slope-ordered prefix at every step back in time.

Exact (same objective as the LP, see ``tests/property/test_aggregator_storage_dp.py``) and
O(W * 2H) array work per EV, vectorised over EVs.

References
----------
.. [1] Bertsekas, D. P., *Dynamic Programming and Optimal Control*, vol. 1, 4th ed.,
   Athena Scientific, 2017, ch. 4 (convex piecewise-linear value functions).
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator.lp import TIE_EUR_MWH, ScheduleProblem, ScheduleResult

__all__ = ["solve_separable"]

FloatArray = NDArray[np.float64]
#: amounts below this are round-off [kWh]
_E_TOL_KWH = 1e-9


def solve_separable(prob: ScheduleProblem, *, tie_eur_mwh: float = TIE_EUR_MWH) -> ScheduleResult:
    """Solve an uncoupled :class:`~controllers.aggregator.lp.ScheduleProblem` exactly.

    Parameters
    ----------
    prob : ScheduleProblem
        Problem without ``cap_kw`` and ``valley`` (each EV is independent).
    tie_eur_mwh : float
        Extra cost per step index [EUR/MWh], as in the LP.

    Returns
    -------
    ScheduleResult
        Net AC power per EV and step [kW] (< 0: discharge), the shortfall [kWh] and the
        objective in the LP's units (penalty included).

    Examples
    --------
    >>> prob = ScheduleProblem(price_eur_mwh=np.array([300.0, 50.0]), window=np.array([2]),
    ...     p_hi_kw=np.ones(1), eta=np.ones(1), need_req_kwh=np.zeros(1),
    ...     e_hi_kwh=np.ones(1), e_lo_kwh=-np.ones(1), v2g=np.ones(1, bool), dt_h=1.0)
    >>> solve_separable(prob).p_kw.round(6).tolist()  # sell at 300, buy back at 50
    [[-1.0, 1.0]]
    """
    if prob.cap_kw is not None or prob.valley is not None:
        raise ValueError(
            "solve_separable needs an uncoupled problem (cap_kw=None, valley=None); "
            "solve a fleet cap or valley filling with controllers.aggregator.lp"
        )
    t0 = time.perf_counter()
    horizon, m = prob.price_eur_mwh.size, prob.window.size
    if m == 0:
        return ScheduleResult(np.zeros((0, horizon)), np.zeros(0), 0.0, ok=True, message="empty")
    order = np.argsort(-prob.window, kind="stable")  # active EVs form a prefix at every step
    window = prob.window[order]
    n_cols = int(window[0])
    dt, eta = prob.dt_h, prob.eta[order]
    k = np.arange(n_cols)
    price = prob.price_eur_mwh[:n_cols]
    # segment columns: 2k discharge avoided (slope b), 2k + 1 charge (slope a); on a tie
    # the stable sort takes "discharge less" before "charge more", never both in one step
    slope = np.empty((order.size, 2 * n_cols))
    slope[:, 0::2] = (price - prob.wear_eur_mwh - tie_eur_mwh * k)[None, :] * eta[:, None]
    slope[:, 1::2] = (price + tie_eur_mwh * k)[None, :] / eta[:, None]
    rank = np.argsort(slope, axis=1, kind="stable")
    pos = np.empty_like(rank)
    np.put_along_axis(pos, rank, np.arange(2 * n_cols)[None, :], axis=1)
    c_kwh = prob.p_hi_kw[order] * eta * dt
    d_kwh = np.where(prob.v2g[order], prob.p_hi_kw[order] * dt / eta, 0.0)
    lo, hi = prob.e_lo_kwh[order], prob.e_hi_kwh[order]
    length, taken, start = _forward(pos, window, c_kwh, d_kwh, lo=lo, hi=hi)
    sorted_slope = np.take_along_axis(slope, rank, axis=1)
    short = _final_take(length, taken, start, sorted_slope, prob.need_req_kwh[order])
    taken_by_col = np.take_along_axis(taken, pos, axis=1)
    inwin = k[None, :] < window[:, None]
    # cumulative sums leave round-off of ~1e-14 kWh: no flicker of tiny charge or discharge
    c_kwh_k = np.where(inwin, taken_by_col[:, 1::2], 0.0)
    charge = np.where(c_kwh_k > _E_TOL_KWH, c_kwh_k, 0.0) / (eta * dt)[:, None]
    dis_kwh = np.where(inwin, d_kwh[:, None] - taken_by_col[:, 0::2], 0.0)
    discharge = np.where(dis_kwh > _E_TOL_KWH, dis_kwh, 0.0) * (eta / dt)[:, None]
    p = np.zeros((m, horizon))
    p[order, :n_cols] = charge - discharge
    cost = _objective(prob, charge, discharge, short, tie_eur_mwh=tie_eur_mwh)
    out_short = np.empty(m)
    out_short[order] = short
    ms = (time.perf_counter() - t0) * 1e3
    return ScheduleResult(p, out_short, ms, ok=True, message="exact", objective=cost)


def _forward(
    pos: NDArray[np.int64],
    window: NDArray[np.int64],
    c_kwh: FloatArray,
    d_kwh: FloatArray,
    *,
    lo: FloatArray,
    hi: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Lengths left, amounts taken (forced) per sorted segment, and the start [kWh]."""
    m, n_seg = pos.shape
    length = np.zeros((m, n_seg))
    taken = np.zeros((m, n_seg))
    start = np.zeros(m)
    n_active = np.searchsorted(-window, -np.arange(n_seg // 2), side="left")
    rows = np.arange(m)
    for k, n in enumerate(n_active):
        r = rows[:n]
        length[r, pos[:n, 2 * k]] = d_kwh[:n]
        length[r, pos[:n, 2 * k + 1]] = c_kwh[:n]
        start[:n] -= d_kwh[:n]
        cut_lo = np.maximum(lo[:n] - start[:n], 0.0)
        seg = length[:n]
        cum = np.cumsum(seg, axis=1)
        total = cum[:, -1]
        cut_hi = np.minimum(total, np.maximum(hi[:n] - start[:n], 0.0))  # keep [cut_lo, cut_hi]
        prev = cum - seg
        forced = np.clip(cut_lo[:, None] - prev, 0.0, seg)
        taken[:n] += forced
        keep = np.minimum(cum, cut_hi[:, None]) - np.maximum(prev, cut_lo[:, None])
        np.maximum(keep, 0.0, out=seg)
        start[:n] += cut_lo
    return length, taken, start


def _final_take(
    length: FloatArray,
    taken: FloatArray,
    start: FloatArray,
    sorted_slope: FloatArray,
    need_kwh: FloatArray,
) -> FloatArray:
    """Take the cheapest segments: all with a negative slope, and up to the need.

    Updates ``taken`` in place; returns the shortfall [kWh].
    """
    cum = np.cumsum(length, axis=1)
    total = cum[:, -1]
    gain = np.sum(np.where(sorted_slope < 0.0, length, 0.0), axis=1)
    want = np.clip(np.maximum(need_kwh - start, gain), 0.0, total)
    taken += np.clip(want[:, None] - (cum - length), 0.0, length)
    return np.maximum(need_kwh - start - total, 0.0)


def _objective(
    prob: ScheduleProblem,
    charge_kw: FloatArray,
    discharge_kw: FloatArray,
    short_kwh: FloatArray,
    *,
    tie_eur_mwh: float,
) -> float:
    """The LP's objective of a schedule (EVs in any consistent order)."""
    n_cols = charge_kw.shape[1]
    k = np.arange(n_cols)
    price = prob.price_eur_mwh[:n_cols]
    c_cost = (price + tie_eur_mwh * k) * prob.dt_h
    g_cost = (prob.wear_eur_mwh - price + tie_eur_mwh * k) * prob.dt_h
    return float(
        np.sum(charge_kw @ c_cost)
        + np.sum(discharge_kw @ g_cost)
        + prob.penalty_eur_kwh * np.sum(short_kwh)
    )
