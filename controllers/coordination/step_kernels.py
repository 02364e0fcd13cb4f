"""Compiled loops of the coordinator's step (numba): the observation's check, the zone sums,
the ex-ante headroom and the setpoints.

Each step checks the observation, corrects the zones' headroom, shares FCR pro rata
(:mod:`~controllers.coordination.share_kernels`) and looks for TSO moves beyond a zone's
headroom (:mod:`~controllers.coordination.conflict_kernels`): short chains of numpy calls
on a few hundred chargers or a few zones, where numpy's per-call overhead, not the
arithmetic, was the cost. Each chain is one compiled call, with the same floating-point
operations in the same order as the numpy formulation it replaced (``tests/property/
test_coordination_kernels.py`` keeps that formulation and compares bit for bit). Zone sums
(:func:`zone_sums`, used by the other two modules too) add in charger order as
``np.bincount`` does.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = [
    "ex_ante_headroom",
    "ex_ante_headroom_by_charger",
    "setpoint",
    "values_ok",
    "zone_sums",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: as :data:`controllers.coordination.observation.EPS_KW` (which imports this module)
EPS_KW = 1e-6
#: a zone headroom at or above this [kW] is the DSO's "unconstrained"
UNCONSTRAINED_KW = 1e6


@njit(cache=True)
def values_ok(
    p_up: FloatArray,
    p_down: FloatArray,
    fcr_band: FloatArray,
    afrr_band: FloatArray,
    dso_req: FloatArray,
    headroom: FloatArray,
    fcr_req: float,
    afrr_req: float,
) -> bool:
    """Every per-step value of a coordination observation is acceptable.

    The capacities and bands are finite and >= 0, the DSO requests and the TSO's
    requests finite, no headroom NaN (+inf is an unconstrained zone).
    """
    if not (np.isfinite(fcr_req) and np.isfinite(afrr_req)):
        return False
    for caps in (p_up, p_down, fcr_band, afrr_band):
        for v in caps:
            if not (v >= 0.0 and v < np.inf):  # NaN fails both
                return False
    for v in dso_req:
        if not np.isfinite(v):
            return False
    for v in headroom:
        if v != v:
            return False
    return True


@njit(cache=True)
def ex_ante_headroom(
    measured: FloatArray,
    ev_then: FloatArray,
    base_now: FloatArray,
    bg_then: FloatArray,
    bg_forecast: FloatArray,
) -> FloatArray:
    """``np.where(np.isfinite(h) & (h < 1e6), h + (ev_then - base_now + bg_then -
    bg_forecast), h)`` per zone, ``h`` the measured headroom [kW]."""
    return _ex_ante(measured, ev_then, base_now, bg_then, bg_forecast)


@njit(cache=True)
def ex_ante_headroom_by_charger(
    measured: FloatArray,
    ev_then: FloatArray,
    p_base: FloatArray,
    zone: IntArray,
    bg_then: FloatArray,
    bg_forecast: FloatArray,
) -> FloatArray:
    """:func:`ex_ante_headroom` with ``base_now`` the zone sums of the baseline per charger
    ``p_base`` (``np.bincount(zone[zone >= 0], weights=p_base[zone >= 0],
    minlength=measured.size)``, zone -1 left out): the zone sum and the correction in one
    call. Every array but ``p_base`` and ``zone`` has one value per zone."""
    base_now = zone_sums(p_base, zone, measured.size)
    return _ex_ante(measured, ev_then, base_now, bg_then, bg_forecast)


@njit(cache=True)
def _ex_ante(
    measured: FloatArray,
    ev_then: FloatArray,
    base_now: FloatArray,
    bg_then: FloatArray,
    bg_forecast: FloatArray,
) -> FloatArray:
    out = np.empty(measured.size)
    for z in range(measured.size):
        h = measured[z]
        delta = ev_then[z] - base_now[z] + bg_then[z] - bg_forecast[z]
        out[z] = h + delta if np.isfinite(h) and h < UNCONSTRAINED_KW else h
    return out


@njit(cache=True)
def zone_sums(values: FloatArray, zone: IntArray, n_zone: int) -> FloatArray:
    """``np.bincount(zone[zone >= 0], weights=values[zone >= 0], minlength=n_zone)``:
    added in charger order from 0.0."""
    out = np.zeros(n_zone)
    for i in range(values.size):
        if zone[i] >= 0:
            out[zone[i]] += values[i]
    return out


@njit(cache=True)
def setpoint(
    p_base: FloatArray, p_adj: FloatArray, zone: IntArray, n_zone: int
) -> tuple[FloatArray, FloatArray]:
    """``p_base + p_adj`` (the chargers' setpoints [kW]) and its :func:`zone_sums`, in one
    call instead of numpy's addition and ``np.bincount``."""
    p_now = np.empty(p_base.size)
    for i in range(p_base.size):
        p_now[i] = p_base[i] + p_adj[i]
    return p_now, zone_sums(p_now, zone, n_zone)
