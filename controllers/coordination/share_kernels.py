"""Compiled sharing of a coordination step's requests over the chargers (numba): FCR pro
rata, capped per zone, and the accounting of what the TSO and the DSO were served.

As in :mod:`~controllers.coordination.step_kernels`, each kernel makes the floating-point
operations of the numpy formulation it replaced, in the same order (its docstring shows
that formulation; ``tests/property/test_coordination_kernels.py`` compares bit for bit);
the sum of the free capacities is numpy's pairwise sum (:func:`cosim.kernels.range_sum`).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from cosim.kernels import maximum, minimum, range_sum

from .step_kernels import EPS_KW, zone_sums

__all__ = [
    "account",
    "account_unrequested",
    "capped_pro_rata",
    "fcr_only_pass",
    "pro_rata",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@njit(cache=True, error_model="numpy")
def pro_rata(amount_kw: float, cap_kw: FloatArray) -> FloatArray:
    """``amount_kw`` shared pro rata to ``cap_kw``; capacities within the tolerance take none.

    The numpy formulation::

        free = cap_kw > EPS_KW
        total = cap_kw[free].sum()
        if amount_kw <= EPS_KW or total <= EPS_KW: return np.zeros_like(cap_kw)
        return np.where(free, cap_kw * min(1.0, amount_kw / total), 0.0)
    """
    n = cap_kw.size
    out = np.zeros(n)
    free = np.empty(n)  # the free capacities, in order
    n_free = 0
    for i in range(n):
        if cap_kw[i] > EPS_KW:
            free[n_free] = cap_kw[i]
            n_free += 1
    total = range_sum(free, 0, n_free)
    if amount_kw <= EPS_KW or total <= EPS_KW:
        return out
    frac = amount_kw / total
    if not frac < 1.0:  # Python's min(1.0, frac): 1.0 unless frac is smaller
        frac = 1.0
    for i in range(n):
        if cap_kw[i] > EPS_KW:
            out[i] = cap_kw[i] * frac
    return out


@njit(cache=True, error_model="numpy")
def capped_pro_rata(
    amount_kw: float, cap_kw: FloatArray, zone: IntArray, zone_cap_kw: FloatArray
) -> FloatArray:
    """``amount_kw`` shared pro rata to ``cap_kw``, no zone taking more than its cap.

    Water filling: each pass shares what is left pro rata over the free chargers; a zone
    that would exceed its cap is filled to it and its chargers leave. Per pass, the numpy
    formulation (``zs = np.maximum(zone, 0)``)::

        total = cap_kw[free].sum()                          # stop if it or left <= EPS_KW
        trial = np.where(free, cap_kw * min(1.0, left / total), 0.0)
        tz = np.bincount(zone[zone >= 0], weights=trial[zone >= 0], minlength=Z)
        over = tz > zone_left + EPS_KW                      # none: alloc += trial, stop
        scale[over] = np.maximum(zone_left[over], 0.0) / tz[over]   # else 1
        hit = free & (zone >= 0) & over[zs]
        add = np.where(hit, trial * scale[zs], 0.0)
        alloc += add; left -= add.sum(); zone_left[over] = 0.0; free &= ~hit
    """
    n, n_zone = cap_kw.size, zone_cap_kw.size
    any_cap = False
    for z in range(n_zone):
        any_cap |= np.isfinite(zone_cap_kw[z])
    if not any_cap:  # no zone capped: one pro-rata pass
        return pro_rata(amount_kw, cap_kw)
    free = cap_kw > EPS_KW
    alloc = np.zeros(n)
    zone_left = zone_cap_kw.copy()
    left = amount_kw
    buf, trial, add = np.empty(n), np.empty(n), np.empty(n)
    tz, over = np.empty(n_zone), np.empty(n_zone, dtype=np.bool_)
    for _ in range(n_zone + 1):
        m = 0  # the free capacities, in order, for numpy's pairwise sum
        for i in range(n):
            if free[i]:
                buf[m] = cap_kw[i]
                m += 1
        total = range_sum(buf, 0, m)
        if left <= EPS_KW or total <= EPS_KW:
            break
        frac = left / total
        if not frac < 1.0:  # Python's min(1.0, frac)
            frac = 1.0
        tz[:] = 0.0
        for i in range(n):
            trial[i] = cap_kw[i] * frac if free[i] else 0.0
            if zone[i] >= 0:
                tz[zone[i]] += trial[i]
        n_over = 0
        for z in range(n_zone):
            over[z] = tz[z] > zone_left[z] + EPS_KW
            n_over += over[z]
        if n_over == 0:
            for i in range(n):
                alloc[i] += trial[i]
            break
        for i in range(n):
            z = zone[i]
            hit = free[i] and z >= 0 and over[max(z, 0)]
            add[i] = trial[i] * (maximum(zone_left[z], 0.0) / tz[z]) if hit else 0.0
            alloc[i] += add[i]
            free[i] = free[i] and not hit
        left -= range_sum(add, 0, n)
        for z in range(n_zone):
            if over[z]:
                zone_left[z] = 0.0
    return alloc


@njit(cache=True)
def _sign(x: float) -> float:
    """``np.sign``: 1.0, -1.0, 0.0 for either zero, NaN for NaN."""
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    return x if x != x else 0.0


@njit(cache=True, error_model="numpy")
def account(
    p_fcr: FloatArray, p_dso: FloatArray, dso_req: FloatArray, zone: IntArray
) -> tuple[float, FloatArray, FloatArray, FloatArray]:
    """:func:`controllers.coordination.dispatch.account` with at least one DSO request.

    With ``s = np.sign(dso_req)``, ``zs`` the zone sums and ``c(x)`` a per-zone ``x``
    mapped to each charger (0.0 in no zone), the numpy formulation::

        p_adj = p_fcr + p_dso
        own = np.minimum(np.abs(dso_req), np.maximum(s * zs(p_dso), 0.0))
        served = s * np.minimum(own, np.maximum(s * zs(p_adj), 0.0))
        moved = np.maximum(c(s) * p_dso, 0.0)                       # spread_dso
        frac = np.where(zs(moved) > 0, np.abs(served) / zs(moved), 0.0)
        p_dso_new = c(s) * moved * c(frac)
        p_adj.sum() - served.sum(), served, p_adj - p_dso_new, p_dso_new
    """
    n, n_zone = p_fcr.size, dso_req.size
    p_adj = np.empty(n)
    for i in range(n):
        p_adj[i] = p_fcr[i] + p_dso[i]
    sign = np.empty(n_zone)
    for z in range(n_zone):
        sign[z] = _sign(dso_req[z])
    own_z, net_z = zone_sums(p_dso, zone, n_zone), zone_sums(p_adj, zone, n_zone)
    served = np.empty(n_zone)
    for z in range(n_zone):
        own = minimum(abs(dso_req[z]), maximum(sign[z] * own_z[z], 0.0))
        served[z] = sign[z] * minimum(own, maximum(sign[z] * net_z[z], 0.0))
    sign_c, moved = np.zeros(n), np.empty(n)
    for i in range(n):
        if zone[i] >= 0:
            sign_c[i] = sign[zone[i]]
        moved[i] = maximum(sign_c[i] * p_dso[i], 0.0)
    moved_z = zone_sums(moved, zone, n_zone)
    p_dso_new, p_fcr_new = np.empty(n), np.empty(n)
    for i in range(n):
        frac = 0.0
        z = zone[i]
        if z >= 0 and moved_z[z] > 0:
            frac = abs(served[z]) / moved_z[z]
        p_dso_new[i] = sign_c[i] * moved[i] * frac
        p_fcr_new[i] = p_adj[i] - p_dso_new[i]
    fcr = range_sum(p_adj, 0, n) - range_sum(served, 0, n_zone)
    return fcr, served, p_fcr_new, p_dso_new


@njit(cache=True)
def account_unrequested(
    fcr_part: FloatArray,
    dso_part: FloatArray,
    cap: FloatArray,
    p_fcr: FloatArray,
    p_adj: FloatArray,
) -> tuple[float, float]:
    """The first pass's accounting of a step without DSO request: all of it is FCR's.

    Fills ``p_fcr`` and ``p_adj`` (the caller's, one value per charger like the parts) and
    returns ``(fcr_served_kw, cap.sum())``; the numpy formulation (``account``'s first
    branch, then the first pass adding back the DSO's zero part, which turns -0.0 into 0.0)::

        p_fcr = fcr_part + dso_part
        p_adj = p_fcr + np.zeros(p_fcr.size)
        p_fcr.sum(), cap.sum()
    """
    n = fcr_part.size
    for i in range(n):
        p_fcr[i] = fcr_part[i] + dso_part[i]
        p_adj[i] = p_fcr[i] + 0.0
    return range_sum(p_fcr, 0, n), range_sum(cap, 0, cap.size)


@njit(cache=True, error_model="numpy")
def fcr_only_pass(
    sign: float, amount_kw: float, cap_kw: FloatArray
) -> tuple[FloatArray, FloatArray, float, float]:
    """The traffic light's first pass when it limits nothing (no DSO request; no red zone
    or no FCR increase): FCR pro rata, accounted, in one call instead of :func:`pro_rata`'s
    and :func:`account_unrequested`'s.

    Returns ``(p_fcr, p_adj, fcr_served_kw, cap_kw.sum())``; the numpy formulation (the
    scheme's parts, the DSO's a zero array, then ``account_unrequested``'s)::

        fcr_part = sign * pro_rata(amount_kw, cap_kw)
        p_fcr = fcr_part + np.zeros(n)
        p_adj = p_fcr + np.zeros(n)
        p_fcr, p_adj, p_fcr.sum(), cap_kw.sum()
    """
    n = cap_kw.size
    share = pro_rata(amount_kw, cap_kw)
    p_fcr, p_adj = np.empty(n), np.empty(n)
    for i in range(n):
        p_fcr[i] = sign * share[i] + 0.0
        p_adj[i] = p_fcr[i] + 0.0
    return p_fcr, p_adj, range_sum(p_fcr, 0, n), range_sum(cap_kw, 0, n)
