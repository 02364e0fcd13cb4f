"""Compiled per-charger loops of the EVSE step's pilot (numba): the pilot command, the EV's
draw, the battery power of the result and a plain step's outputs.

A bank of a few hundred chargers spends its step in numpy's per-call overhead, not in the
arithmetic: each chain of elementwise numpy calls (a clip, the EV's draw and the loss
curve) is one loop here. Every loop does the same floating-point operations in the same
order as the numpy expression in its docstring, with numpy's ``maximum``/``minimum``
(:mod:`cosim.kernels`), so the results are identical bit for bit
(``tests/property/test_evse_kernels.py`` checks them against those expressions). The loss
curves are in :mod:`.loss_kernels`, the mapping of EVs to chargers in :mod:`.map_kernels`.

Each loop is compiled once, on import, for C-contiguous arrays that may be read-only (the
bank hands out cached read-only arrays at some steps and fresh ones at others: one
signature serves both); the code is cached next to this file.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numpy.typing import NDArray

from cosim.kernels import (
    IN_BOOL,
    IN_F64,
    IN_F64_2D,
    IN_I64,
    OUT_F64,
    fmin,
    maximum,
    minimum,
)
from simulators.evse.loss_kernels import battery_power

__all__ = ["draw", "pilot", "pilot_battery", "setpoint_outputs", "setpoint_pilot_battery"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@njit(cache=True)
def _draw(cmd: float, ev_max: float, need: float, dis: float) -> float:
    """What the EV draws (> 0) or gives (< 0) for the pilot command ``cmd``."""
    charge = minimum(maximum(cmd, 0.0), minimum(ev_max, need))
    discharge = maximum(minimum(cmd, 0.0), -minimum(ev_max, dis))
    return charge + discharge


@njit((IN_F64, IN_F64, IN_F64, IN_F64, IN_F64, IN_F64, IN_BOOL, OUT_F64), cache=True)
def pilot(
    p_kw: FloatArray,
    cap_ch: FloatArray,
    cap_dis: FloatArray,
    ev_max: FloatArray,
    need_ac: FloatArray,
    dis_ac: FloatArray,
    has_ev: BoolArray,
    out: FloatArray,
) -> None:
    """The pilot ``cmd = min(max(p, -cap_dis), cap_ch)`` and the EV's answer (:func:`draw`)."""
    for i in range(p_kw.size):
        cmd = minimum(maximum(p_kw[i], -cap_dis[i]), cap_ch[i])
        out[i] = _draw(cmd, ev_max[i], need_ac[i], dis_ac[i]) if has_ev[i] else 0.0


@njit(
    (
        IN_F64, IN_F64, IN_F64, IN_F64, IN_F64, IN_F64, IN_BOOL,
        IN_F64, IN_F64_2D, IN_F64_2D, OUT_F64, OUT_F64,
    ),
    cache=True,
    error_model="numpy",
)  # fmt: skip
def pilot_battery(
    p_kw: FloatArray,
    cap_ch: FloatArray,
    cap_dis: FloatArray,
    ev_max: FloatArray,
    need_ac: FloatArray,
    dis_ac: FloatArray,
    has_ev: BoolArray,
    p_rated_kw: FloatArray,
    c_ch: FloatArray,
    c_dis: FloatArray,
    out: FloatArray,
    batt_out: FloatArray,
) -> None:
    """:func:`pilot` into ``out``, then :func:`battery_power` of it into ``batt_out``, in
    one call."""
    pilot(p_kw, cap_ch, cap_dis, ev_max, need_ac, dis_ac, has_ev, out)
    battery_power(out, p_rated_kw, c_ch, c_dis, batt_out)


@njit(
    (
        IN_F64, IN_F64, IN_F64, IN_F64, IN_F64, IN_F64, IN_F64, IN_F64, IN_BOOL,
        IN_F64_2D, IN_F64_2D, OUT_F64, OUT_F64,
    ),
    cache=True,
    error_model="numpy",
)  # fmt: skip
def setpoint_pilot_battery(
    p_set_kw: FloatArray,
    p_rated_kw: FloatArray,
    p_low_kw: FloatArray,
    cap_ch: FloatArray,
    cap_dis: FloatArray,
    ev_max: FloatArray,
    need_ac: FloatArray,
    dis_ac: FloatArray,
    has_ev: BoolArray,
    c_ch: FloatArray,
    c_dis: FloatArray,
    out: FloatArray,
    batt_out: FloatArray,
) -> None:
    """:func:`pilot_battery` of the target of the setpoints (``general_step._target``)::

        target = np.where(has_ev, np.maximum(np.fmin(p_set_kw, p_rated_kw), p_low_kw), 0.0)

    ``p_rated_kw > 0`` (``EVSEParams`` checks it): ``fmin`` never meets two equal zeros,
    whose order numpy leaves open.
    """
    for i in range(out.size):  # the target into out, which pilot reads element by element
        out[i] = maximum(fmin(p_set_kw[i], p_rated_kw[i]), p_low_kw[i]) if has_ev[i] else 0.0
    pilot_battery(
        out, cap_ch, cap_dis, ev_max, need_ac, dis_ac, has_ev, p_rated_kw, c_ch, c_dis, out,
        batt_out,
    )  # fmt: skip


@njit((IN_F64, IN_F64, IN_F64, IN_F64, IN_BOOL, OUT_F64), cache=True)
def draw(
    cmd: FloatArray,
    ev_max: FloatArray,
    need_ac: FloatArray,
    dis_ac: FloatArray,
    has_ev: BoolArray,
    out: FloatArray,
) -> None:
    """The EV's answer to the pilot ``cmd``, 0 at a free charger: ``where(has_ev, charge +
    discharge, 0)`` with ``charge = min(max(cmd, 0), min(ev_max, need_ac))`` and
    ``discharge = max(min(cmd, 0), -min(ev_max, dis_ac))``."""
    for i in range(cmd.size):
        out[i] = _draw(cmd[i], ev_max[i], need_ac[i], dis_ac[i]) if has_ev[i] else 0.0


@njit(
    (
        IN_F64, IN_F64, IN_F64, IN_F64, IN_F64, IN_F64, IN_F64, IN_F64, IN_BOOL,
        IN_F64_2D, IN_F64_2D, types.boolean, IN_I64, IN_I64,
        OUT_F64, OUT_F64, OUT_F64, OUT_F64, OUT_F64,
    ),
    cache=True,
    error_model="numpy",
)  # fmt: skip
def setpoint_outputs(
    p_set_kw: FloatArray,
    p_rated_kw: FloatArray,
    p_low_kw: FloatArray,
    cap_ch: FloatArray,
    cap_dis: FloatArray,
    ev_max: FloatArray,
    need_ac: FloatArray,
    dis_ac: FloatArray,
    has_ev: BoolArray,
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
    """:func:`setpoint_pilot_battery`, then the outputs of ``EVSEModel.step`` that follow
    from its power ``out`` and battery power ``batt_out`` (the pilot is also the power
    without contract limits), in numpy terms::

        p_batt_kw = np.where(has_ev, batt_out, 0.0)   # identity (EV i at charger i)
        p_batt_kw = np.zeros(n_ev); p_batt_kw[ev] = batt_out[chargers]   # otherwise
        p_loss_kw = out - batt_out; p_curtailed_kw = out - out
    """
    setpoint_pilot_battery(
        p_set_kw, p_rated_kw, p_low_kw, cap_ch, cap_dis, ev_max, need_ac, dis_ac, has_ev,
        c_ch, c_dis, out, batt_out,
    )  # fmt: skip
    if identity:
        for i in range(p_batt_kw.size):
            p_batt_kw[i] = batt_out[i] if has_ev[i] else 0.0
    else:
        p_batt_kw[:] = 0.0
        for k in range(ev.size):
            p_batt_kw[ev[k]] = batt_out[chargers[k]]
    for i in range(out.size):
        p_loss_kw[i] = out[i] - batt_out[i]
        p_curtailed_kw[i] = out[i] - out[i]
