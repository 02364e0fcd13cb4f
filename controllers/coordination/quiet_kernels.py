"""The coordinator's quiet traffic-light step in one compiled call (numba).

Most steps of a traffic-light coordinator bring no DSO request and no aFRR: the step checks
its values, corrects the zones' headroom ex ante, shares FCR pro rata (capped in the red
zones when it increases consumption), finds no conflict and sets the chargers. Those were
four to six compiled calls (:func:`~controllers.coordination.step_kernels.values_ok`,
:func:`~controllers.coordination.step_kernels.ex_ante_headroom_by_charger`,
:func:`~controllers.coordination.conflict_kernels.fcr_only_judged` or
:func:`~controllers.coordination.share_kernels.capped_pro_rata`,
:func:`~controllers.coordination.share_kernels.account_unrequested` and
:func:`~controllers.coordination.conflict_kernels.tso_aggravates`,
:func:`~controllers.coordination.step_kernels.setpoint`) with Python between them; here
they are one, made of the same loops (so the same floating-point operations in the same
order). A step it does not decide (``NOT_QUIET``) goes the general way, which decides it
again from the start.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from cosim.kernels import maximum, range_sum

from .conflict_kernels import tso_aggravates
from .share_kernels import _sign, capped_pro_rata, fcr_only_pass
from .step_kernels import EPS_KW, ex_ante_headroom_by_charger, setpoint, values_ok

__all__ = ["NOT_QUIET", "QUIET", "QUIET_CONFLICT", "quiet_light"]

#: :func:`quiet_light`'s status: a step for the general way, a quiet one, a quiet one
#: with a conflict (the TSO's part beyond a zone's true headroom)
NOT_QUIET, QUIET, QUIET_CONFLICT = 0, 1, 2

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@njit(cache=True, error_model="numpy")
def _red_increase(
    amount_kw: float, p_up: FloatArray, headroom: FloatArray, congested: BoolArray, zone: IntArray
) -> tuple[FloatArray, FloatArray, float, float]:
    """:func:`~controllers.coordination.schemes.traffic_light`'s parts of an FCR increase
    with red chargers and no DSO request, accounted as the first pass does
    (:func:`~controllers.coordination.share_kernels.account_unrequested`): returns
    ``fcr_only_pass``'s four values. The numpy formulation (the DSO's parts are zeros, so
    nothing is served first and every zone sum of them is 0.0)::

        red_z = np.bincount(zone[congested & (zone >= 0)], minlength=Z) > 0
        cap = p_up.copy(); cap[congested & (zone < 0)] = 0.0
        zone_cap = np.full(Z, np.inf)
        zone_cap[red_z] = np.maximum((headroom - np.zeros(Z))[red_z], 0.0)
        p_fcr = 1.0 * capped_pro_rata(amount_kw, cap, zone, zone_cap) + np.zeros(N)
        p_adj = p_fcr + np.zeros(N)
        p_fcr, p_adj, p_fcr.sum(), p_up.sum()
    """
    n, n_zone = p_up.size, headroom.size
    red_z = np.zeros(n_zone, dtype=np.bool_)
    cap = p_up.copy()
    for i in range(n):
        if congested[i]:
            if zone[i] >= 0:
                red_z[zone[i]] = True
            else:
                cap[i] = 0.0
    zone_cap = np.full(n_zone, np.inf)
    for z in range(n_zone):
        if red_z[z]:
            zone_cap[z] = maximum(headroom[z] - 0.0, 0.0)
    share = capped_pro_rata(amount_kw, cap, zone, zone_cap)
    p_fcr, p_adj = np.empty(n), np.empty(n)
    for i in range(n):
        p_fcr[i] = 1.0 * share[i] + 0.0
        p_adj[i] = p_fcr[i] + 0.0
    return p_fcr, p_adj, range_sum(p_fcr, 0, n), range_sum(p_up, 0, n)


@njit(cache=True, error_model="numpy")
def quiet_light(
    p_base: FloatArray,
    p_up: FloatArray,
    p_down: FloatArray,
    fcr_band: FloatArray,
    afrr_band: FloatArray,
    dso_req: FloatArray,
    measured: FloatArray,
    congested: BoolArray,
    zone: IntArray,
    fcr_req: float,
    afrr_req: float,
    ev_then: FloatArray,
    bg_then: FloatArray,
    bg_now: FloatArray,
) -> tuple[
    int, FloatArray, FloatArray, float, float, FloatArray, FloatArray, FloatArray, FloatArray
]:
    """A traffic-light step in headroom mode ``measured`` if it is a quiet one.

    Quiet: every value fine (``values_ok``), no aFRR or DSO request and the true (ex-ante)
    headroom has no NaN; ``QUIET_CONFLICT`` when the FCR part goes beyond a zone's true
    headroom (``tso_aggravates``: a conflict, the only kind such a step can have). Returns
    ``(status, p_fcr, p_adj, fcr_served_kw, cap_kw, p_dso, dso_served, p_now, p_now_z)``:
    ``fcr_only_pass``'s four values on the capacity towards the request
    (``p_up``, ``p_down``, zeros without a request) where the light limits nothing (no
    red charger or no FCR increase), else :func:`_red_increase`'s; the DSO's parts (zeros
    per charger and per zone)
    and ``setpoint``'s two of ``p_base`` and ``p_adj``; not quiet: ``NOT_QUIET`` and empty
    arrays.
    """
    none = np.empty(0)
    if not values_ok(p_up, p_down, fcr_band, afrr_band, dso_req, measured, fcr_req, afrr_req):
        return NOT_QUIET, none, none, 0.0, 0.0, none, none, none, none
    if afrr_req != 0.0:
        return NOT_QUIET, none, none, 0.0, 0.0, none, none, none, none
    for r in dso_req:
        if r != 0.0:
            return NOT_QUIET, none, none, 0.0, 0.0, none, none, none, none
    sign = _sign(fcr_req)
    red = False  # an FCR increase with red chargers: the light caps the red zones
    if sign > 0:
        for c in congested:
            red |= c
    true = ex_ante_headroom_by_charger(measured, ev_then, p_base, zone, bg_then, bg_now)
    for h in true:
        if h != h:  # the general way raises on it
            return NOT_QUIET, none, none, 0.0, 0.0, none, none, none, none
    if sign > 0:
        cap = p_up
    elif sign < 0:
        cap = p_down
    else:
        cap = np.zeros(p_base.size)
    if red:
        p_fcr, p_adj, fcr_kw, cap_kw = _red_increase(abs(fcr_req), p_up, measured, congested, zone)
    else:
        p_fcr, p_adj, fcr_kw, cap_kw = fcr_only_pass(sign, abs(fcr_req), cap)
    beyond, _ = tso_aggravates(p_fcr, p_adj, zone, dso_req, true)
    status = QUIET
    for kw in beyond:
        if kw > EPS_KW:  # a conflict, for the caller to list
            status = QUIET_CONFLICT
    p_now, p_now_z = setpoint(p_base, p_adj, zone, measured.size)
    p_dso, dso_served = np.zeros(p_base.size), np.zeros(dso_req.size)
    return status, p_fcr, p_adj, fcr_kw, cap_kw, p_dso, dso_served, p_now, p_now_z
