"""The coordinator's quiet traffic-light step in one compiled call (numba).

Most steps of a traffic-light coordinator bring no DSO request, no aFRR and nothing for
the light to limit: the step checks its values, corrects the zones' headroom ex ante,
shares FCR pro rata, finds no conflict and sets the chargers. Those were four compiled
calls (:func:`~controllers.coordination.step_kernels.values_ok`,
:func:`~controllers.coordination.step_kernels.ex_ante_headroom_by_charger`,
:func:`~controllers.coordination.step_kernels.fcr_only_judged`,
:func:`~controllers.coordination.step_kernels.setpoint`) with Python between them; here
they are one, made of the same loops (so the same floating-point operations in the same
order). A step it does not decide (``done`` False) goes the general way, which decides it
again from the start.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from .step_kernels import (
    EPS_KW,
    _sign,
    ex_ante_headroom_by_charger,
    fcr_only_pass,
    setpoint,
    tso_aggravates,
    values_ok,
)

__all__ = ["quiet_light"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@njit(cache=True)
def _light_limits_nothing(
    sign: float, afrr_req: float, dso_req: FloatArray, congested: BoolArray
) -> bool:
    """No aFRR request, no DSO request, and no red charger or no FCR increase
    (:func:`controllers.coordination.schemes._limits_nothing`'s ``count_nonzero``s)."""
    if afrr_req != 0.0:
        return False
    for v in dso_req:
        if v != 0.0:
            return False
    if sign > 0:
        for red in congested:
            if red:
                return False
    return True


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
    bool, FloatArray, FloatArray, float, float, FloatArray, FloatArray, FloatArray, FloatArray
]:
    """A traffic-light step in headroom mode ``measured`` if it is a quiet one.

    Quiet: every value fine (``values_ok``), the light limits nothing (no aFRR or DSO
    request; no red charger or no FCR increase), the true (ex-ante) headroom has no NaN
    and the FCR part goes beyond no zone's true headroom (no conflict). Returns ``(done,
    p_fcr, p_adj, fcr_served_kw, cap_kw, p_dso, dso_served, p_now, p_now_z)``:
    ``fcr_only_pass``'s four values on the capacity towards the request (``p_up``,
    ``p_down``, zeros without a request), the DSO's parts (zeros per charger and per zone)
    and ``setpoint``'s two of ``p_base`` and ``p_adj``; not quiet: ``done`` False and empty
    arrays.
    """
    none = np.empty(0)
    if not values_ok(p_up, p_down, fcr_band, afrr_band, dso_req, measured, fcr_req, afrr_req):
        return False, none, none, 0.0, 0.0, none, none, none, none
    sign = _sign(fcr_req)
    if not _light_limits_nothing(sign, afrr_req, dso_req, congested):
        return False, none, none, 0.0, 0.0, none, none, none, none
    true = ex_ante_headroom_by_charger(measured, ev_then, p_base, zone, bg_then, bg_now)
    for h in true:
        if h != h:  # the general way raises on it
            return False, none, none, 0.0, 0.0, none, none, none, none
    if sign > 0:
        cap = p_up
    elif sign < 0:
        cap = p_down
    else:
        cap = np.zeros(p_base.size)
    p_fcr, p_adj, fcr_kw, cap_kw = fcr_only_pass(sign, abs(fcr_req), cap)
    beyond, _ = tso_aggravates(p_fcr, p_adj, zone, dso_req, true)
    for kw in beyond:
        if kw > EPS_KW:  # a conflict: the general way lists it
            return False, none, none, 0.0, 0.0, none, none, none, none
    p_now, p_now_z = setpoint(p_base, p_adj, zone, measured.size)
    p_dso, dso_served = np.zeros(p_base.size), np.zeros(dso_req.size)
    return True, p_fcr, p_adj, fcr_kw, cap_kw, p_dso, dso_served, p_now, p_now_z
