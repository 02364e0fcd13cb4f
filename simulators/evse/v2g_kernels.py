"""Compiled V2G setpoint steps of the EVSE bank (numba): the EV limits, then the outputs.

A V2G bank's plain setpoint step (``setpoint_step.setpoint_power``) gathers each EV's limits
(:func:`~simulators.evse.loss_kernels.ev_limits`) and then computes its outputs
(:func:`~simulators.evse.charger_kernels.setpoint_outputs`); each kernel here does both in
one call, with the same floating-point operations in the same order as the numpy and the
two kernels it replaces (``tests/property/test_evse_v2g_setpoint_kernel.py`` and
``test_evse_v2g_sent_setpoint_kernel.py`` check them bit for bit). Compiled on import for
C-contiguous arrays that may be read-only, as :mod:`simulators.evse.charger_kernels`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numpy.typing import NDArray

from cosim.kernels import IN_BOOL, IN_F64, IN_F64_2D, IN_I64, OUT_F64, pairwise_sum
from simulators.evse.charger_kernels import setpoint_outputs
from simulators.evse.loss_kernels import ev_limits

__all__ = [
    "quiet_v2g_sent_setpoint_outputs",
    "v2g_sent_setpoint_outputs",
    "v2g_setpoint_outputs",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# scalar type of the signatures (the arrays': cosim.kernels, inputs read-only)
_X = types.float64


#: the argument types of the two V2G setpoint kernels (the setpoints as folded or as sent)
_V2G_SETPOINT_ARGS = (
    IN_F64, IN_F64, IN_F64, IN_F64, IN_F64, IN_I64, IN_BOOL,
    IN_F64, IN_F64, IN_F64, IN_F64, IN_F64, _X, IN_BOOL,
    IN_F64_2D, IN_F64_2D, IN_F64_2D, types.boolean, IN_I64, IN_I64,
    OUT_F64, OUT_F64, OUT_F64, OUT_F64, OUT_F64,
)  # fmt: skip


@njit(_V2G_SETPOINT_ARGS, cache=True, error_model="numpy")
def v2g_setpoint_outputs(
    p_set_kw: FloatArray,
    p_rated_kw: FloatArray,
    p_low_kw: FloatArray,
    cap_ch: FloatArray,
    cap_dis: FloatArray,
    ev_of: IntArray,
    has_ev: BoolArray,
    p_max_kw: FloatArray,
    e_need_kwh: FloatArray,
    soc: FloatArray,
    soc_min: FloatArray,
    e_capacity_kwh: FloatArray,
    dt_h: float,
    bidirectional: BoolArray,
    limit_consts: FloatArray,
    c_ch: FloatArray,
    c_dis: FloatArray,
    identity: bool,
    ev: IntArray,
    chargers: IntArray,
    out: FloatArray,
    batt_out: FloatArray,
    p_batt_kw: FloatArray,
    p_loss_kw: FloatArray,
    p_curtailed_kw: FloatArray,
) -> None:
    """The EV limits of a V2G bank, then :func:`setpoint_outputs` of them, in one call
    instead of two (``setpoint_step.setpoint_power``), in numpy terms::

        ev_max = np.where(has_ev, p_max_kw[np.maximum(ev_of, 0)], 0.0)   # EVMap.gather
        ev_limits(ev_of, e_need_kwh, soc, soc_min, e_capacity_kwh, dt_h, bidirectional,
                  *limit_consts, need_ac, dis_ac)
        setpoint_outputs(p_set_kw, ..., ev_max, need_ac, dis_ac, has_ev, ...)

    ``limit_consts`` (8, n): ``ChargerLosses.limit_consts``, the constants of
    :func:`ev_limits` in its order; per-EV inputs (n_ev,), ``ev_of`` as in :func:`ev_limits`.
    """
    n = ev_of.size
    ev_max, need_ac, dis_ac = np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        e = ev_of[i]
        ev_max[i] = p_max_kw[e] if e >= 0 else 0.0
    k = limit_consts
    ev_limits(
        ev_of, e_need_kwh, soc, soc_min, e_capacity_kwh, dt_h, bidirectional,
        k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], need_ac, dis_ac,
    )  # fmt: skip
    setpoint_outputs(
        p_set_kw, p_rated_kw, p_low_kw, cap_ch, cap_dis, ev_max, need_ac, dis_ac, has_ev,
        c_ch, c_dis, identity, ev, chargers, out, batt_out, p_batt_kw, p_loss_kw, p_curtailed_kw,
    )  # fmt: skip


@njit(_V2G_SETPOINT_ARGS, cache=True, error_model="numpy")
def v2g_sent_setpoint_outputs(
    p_sent_kw: FloatArray,
    p_rated_kw: FloatArray,
    p_low_kw: FloatArray,
    cap_ch: FloatArray,
    cap_dis: FloatArray,
    ev_of: IntArray,
    has_ev: BoolArray,
    p_max_kw: FloatArray,
    e_need_kwh: FloatArray,
    soc: FloatArray,
    soc_min: FloatArray,
    e_capacity_kwh: FloatArray,
    dt_h: float,
    bidirectional: BoolArray,
    limit_consts: FloatArray,
    c_ch: FloatArray,
    c_dis: FloatArray,
    identity: bool,
    ev: IntArray,
    chargers: IntArray,
    out: FloatArray,
    batt_out: FloatArray,
    p_batt_kw: FloatArray,
    p_loss_kw: FloatArray,
    p_curtailed_kw: FloatArray,
) -> None:
    """:func:`v2g_setpoint_outputs` of one controller's setpoints ``p_sent_kw`` as sent,
    first combined as ``cosim.fold`` combines the setpoints of one source (its sum rule,
    default NaN), in numpy terms::

        p_set_kw = p_sent_kw + 0.0 if np.add.reduce(p_sent_kw) == itself   # no NaN sum
        p_set_kw = np.where(np.isnan(p_sent_kw), np.nan, p_sent_kw)        # otherwise
    """
    p_set_kw = np.empty(p_sent_kw.size)
    total = pairwise_sum(p_sent_kw)
    if total == total:
        for i in range(p_set_kw.size):
            p_set_kw[i] = p_sent_kw[i] + 0.0
    else:
        for i in range(p_set_kw.size):
            p_set_kw[i] = np.nan if np.isnan(p_sent_kw[i]) else p_sent_kw[i]
    v2g_setpoint_outputs(
        p_set_kw, p_rated_kw, p_low_kw, cap_ch, cap_dis, ev_of, has_ev, p_max_kw, e_need_kwh,
        soc, soc_min, e_capacity_kwh, dt_h, bidirectional, limit_consts, c_ch, c_dis,
        identity, ev, chargers, out, batt_out, p_batt_kw, p_loss_kw, p_curtailed_kw,
    )  # fmt: skip


@njit(
    (
        IN_F64, IN_F64_2D, IN_F64, IN_I64, IN_BOOL, IN_F64, IN_F64, IN_F64, IN_F64, IN_F64,
        _X, IN_BOOL, types.boolean, IN_I64, IN_I64, OUT_F64, OUT_F64, OUT_F64, OUT_F64, OUT_F64,
    ),
    cache=True,
    error_model="numpy",
)  # fmt: skip
def quiet_v2g_sent_setpoint_outputs(
    v_pu: FloatArray,
    consts: FloatArray,
    p_sent_kw: FloatArray,
    ev_of: IntArray,
    has_ev: BoolArray,
    p_max_kw: FloatArray,
    e_need_kwh: FloatArray,
    soc: FloatArray,
    soc_min: FloatArray,
    e_capacity_kwh: FloatArray,
    dt_h: float,
    bidirectional: BoolArray,
    identity: bool,
    ev: IntArray,
    chargers: IntArray,
    out: FloatArray,
    batt_out: FloatArray,
    p_batt_kw: FloatArray,
    p_loss_kw: FloatArray,
    p_curtailed_kw: FloatArray,
) -> bool:
    """:func:`v2g_sent_setpoint_outputs` of a bank without P(V) droop whose undervoltage
    protection stays quiet, with the protection's test in the same call; False (outputs
    untouched) when a charger reads a voltage below its trip level, in numpy terms::

        np.count_nonzero(v_pu < trip_at_pu) == 0   # UndervoltageProtection.update's test

    ``consts`` (17, n), the bank's constants in one argument (each costs the call ~0.2
    us): ``trip_at_pu`` (-inf at a charger without protection, which no voltage is below),
    ``p_rated_kw`` (also both caps), ``p_low_kw``, ``c_ch`` (3), ``c_dis`` (3),
    ``limit_consts`` (8): ``EVSEModel._quiet_consts``.
    """
    trip_at_pu = consts[0]
    for i in range(v_pu.size):
        if v_pu[i] < trip_at_pu[i]:
            return False
    p_rated_kw = consts[1]
    v2g_sent_setpoint_outputs(
        p_sent_kw, p_rated_kw, consts[2], p_rated_kw, p_rated_kw, ev_of, has_ev, p_max_kw,
        e_need_kwh, soc, soc_min, e_capacity_kwh, dt_h, bidirectional, consts[9:17],
        consts[3:6], consts[6:9], identity, ev, chargers, out, batt_out, p_batt_kw, p_loss_kw,
        p_curtailed_kw,
    )  # fmt: skip
    return True
