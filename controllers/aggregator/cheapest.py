"""Exact per-EV cost minimisation without V2G or a shared cap: fill the cheapest steps.

Without discharge and without a constraint that couples EVs, the scheduling LP of
:mod:`controllers.aggregator.lp` separates per EV into a fractional knapsack: every step
of the window offers the same battery energy ``E = p_hi * eta * dt`` at the cost
``price_k + tie * k`` per unit, so filling the cheapest steps first, up to the terminal
need, is optimal. Steps with a negative cost are filled further, up to the energy the
battery may still take (``e_hi``), as the LP would. The must-run floor holds because the
need is reachable within the window (``need_req <= E * W``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["cheapest_fill_kw"]

FloatArray = NDArray[np.float64]


def cheapest_fill_kw(
    price_eur_mwh: FloatArray,
    window: NDArray[np.int64],
    p_hi_kw: FloatArray,
    eta: FloatArray,
    *,
    need_req_kwh: FloatArray,
    e_hi_kwh: FloatArray,
    dt_h: float,
    tie_eur_mwh: float,
) -> FloatArray:
    """AC power of each EV that meets its need in the cheapest steps of its window [kW].

    Parameters
    ----------
    price_eur_mwh : ndarray (H,)
        Energy price per step [EUR/MWh].
    window : ndarray of int (m,)
        Steps each EV may use (``1 <= W <= H``).
    p_hi_kw, eta : ndarray (m,)
        AC power limit [kW] and efficiency [-].
    need_req_kwh : ndarray (m,)
        Battery energy required by the end of the window [kWh] (``<= E * W``).
    e_hi_kwh : ndarray (m,)
        Most battery energy the EV may take [kWh] (``>= need_req``).
    dt_h : float
        Step length [h].
    tie_eur_mwh : float
        Extra cost per step index [EUR/MWh]: the earliest among equal prices wins.

    Returns
    -------
    ndarray (m, H)
        AC charging power per EV and step [kW], 0 outside each window.

    Examples
    --------
    >>> cheapest_fill_kw(np.array([3.0, 1.0, 2.0]), np.array([3]), np.ones(1), np.ones(1),
    ...                  need_req_kwh=np.array([1.5]), e_hi_kwh=np.array([1.5]), dt_h=1.0,
    ...                  tie_eur_mwh=1e-3).tolist()
    [[0.0, 1.0, 0.5]]
    """
    horizon = price_eur_mwh.size
    cost = price_eur_mwh + tie_eur_mwh * np.arange(horizon)
    order = np.argsort(cost, kind="stable")
    inwin = order[None, :] < window[:, None]  # (m, H), columns in cost order
    dt_eta = eta * dt_h
    e_step = p_hi_kw * dt_eta
    if cost[order[0]] < 0.0:
        n_neg = np.count_nonzero(inwin & (cost[order] < 0.0)[None, :], axis=1)
        target = np.maximum(need_req_kwh, np.minimum(e_hi_kwh, e_step * n_neg))
    else:  # no step pays for charging: the need alone
        target = np.maximum(need_req_kwh, np.minimum(e_hi_kwh, 0.0))
    before: NDArray[np.int64] = np.add.accumulate(inwin, axis=1, dtype=np.int64) - inwin
    e_col = e_step[:, None]
    take = np.minimum(np.maximum(target[:, None] - e_col * before, 0.0), e_col)
    out = np.empty((window.size, horizon))
    out[:, order] = np.where(inwin, take, 0.0) / np.where(dt_eta > 0, dt_eta, 1.0)[:, None]
    return out
