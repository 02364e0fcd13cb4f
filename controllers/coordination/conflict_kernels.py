"""Compiled conflict check of a coordination step (numba): the TSO's part beyond a zone's
headroom in the direction that loads its element, alone or right after the traffic light's
FCR-only pass.

As in :mod:`~controllers.coordination.step_kernels`, each kernel makes the floating-point
operations of the numpy formulation it replaced, in the same order (its docstring shows
that formulation; ``tests/property/test_coordination_kernels.py`` compares bit for bit).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from cosim.kernels import minimum

from .share_kernels import fcr_only_pass
from .step_kernels import EPS_KW, zone_sums

__all__ = ["fcr_only_judged", "tso_aggravates"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@njit(cache=True)
def _towards_load(p_kw: FloatArray, zone: IntArray, dso_req: FloatArray) -> FloatArray:
    """Zone sums of ``p_kw`` (chargers in zone -1 left out, added in charger order as
    ``np.bincount``), negated in the zones that asked for more consumption."""
    out = zone_sums(p_kw, zone, dso_req.size)
    for z in range(out.size):
        if dso_req[z] > 0:
            out[z] = -1.0 * out[z]
    return out


@njit(cache=True)
def tso_aggravates(
    p_part: FloatArray, p_adj: FloatArray, zone: IntArray, dso_req: FloatArray, head: FloatArray
) -> tuple[FloatArray, bool]:
    """A TSO part beyond each zone's headroom in the direction that loads its element [kW].

    With ``towards(p)`` the zone sums of ``p`` (negated where the DSO asked for more),
    the numpy formulation::

        part, net = towards(p_part), towards(p_adj)
        beyond = np.where(np.isfinite(head), net - head, -np.inf)
        np.where((part > EPS_KW) & (beyond >= 0), np.minimum(part, beyond), 0.0)

    Also returns whether any zone is loaded by the part (``part > EPS_KW``).
    """
    part = _towards_load(p_part, zone, dso_req)
    net = _towards_load(p_adj, zone, dso_req)
    out = np.zeros(part.size)
    loaded = False
    for z in range(part.size):
        if part[z] > EPS_KW:
            loaded = True
            beyond = net[z] - head[z] if np.isfinite(head[z]) else -np.inf
            if beyond >= 0.0:
                out[z] = minimum(part[z], beyond)
    return out, loaded


@njit(cache=True, error_model="numpy")
def fcr_only_judged(
    sign: float,
    amount_kw: float,
    cap_kw: FloatArray,
    zone: IntArray,
    dso_req: FloatArray,
    head: FloatArray,
) -> tuple[FloatArray, FloatArray, float, float, FloatArray, bool, FloatArray, FloatArray]:
    """:func:`~controllers.coordination.share_kernels.fcr_only_pass` and the conflict check
    that follows it, in one call.

    Returns ``fcr_only_pass``'s four values, then :func:`tso_aggravates`'s two of its
    ``p_fcr`` and ``p_adj`` (the FCR part and the whole adjustment) on ``head``, the
    headroom conflicts are judged on, then the DSO's parts of such a step: zeros per
    charger and per zone (``np.zeros(cap_kw.size)``, ``np.zeros(dso_req.size)``).
    """
    p_fcr, p_adj, fcr_kw, cap_sum = fcr_only_pass(sign, amount_kw, cap_kw)
    beyond, loaded = tso_aggravates(p_fcr, p_adj, zone, dso_req, head)
    return (
        p_fcr,
        p_adj,
        fcr_kw,
        cap_sum,
        beyond,
        loaded,
        np.zeros(cap_kw.size),
        np.zeros(dso_req.size),
    )
