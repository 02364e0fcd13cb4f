"""Compiled per-charger loops of the EVSE step (numba): losses, EV limits and the pilot.

A bank of a few hundred chargers spends its step in numpy's per-call overhead, not in the
arithmetic: each chain of elementwise numpy calls (a loss curve, a gather from the EVs plus
a quadratic root, a clip and the EV's draw) is one loop here. Every loop does the same
floating-point operations in the same order as the numpy expression in its docstring, with
numpy's ``maximum``/``minimum`` (:mod:`cosim.kernels`), so the results are identical bit for
bit (``tests/property/test_evse_kernels.py`` checks them against those expressions).

A per-EV input is read at ``ev_of[i]``, the EV at charger ``i`` (-1: free); the caller
makes sure every EV index is inside the input. Each loop is compiled once, on import, for
C-contiguous arrays that may be read-only (the bank hands out cached read-only arrays at
some steps and fresh ones at others: one signature serves both); the code is cached next
to this file.
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
    OUT_BOOL,
    OUT_F64,
    OUT_I64,
    fmin,
    maximum,
    minimum,
)

__all__ = [
    "ac_power_for_need",
    "battery_power",
    "draw",
    "ev_limits",
    "map_evs",
    "map_plugged",
    "max_discharge_for_room",
    "pilot",
    "pilot_battery",
    "setpoint_outputs",
    "setpoint_pilot_battery",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# scalar type of the signatures (the arrays': cosim.kernels, inputs read-only)
_X = types.float64


@njit((IN_F64, IN_F64, IN_F64_2D, IN_F64_2D, OUT_F64), cache=True, error_model="numpy")
def battery_power(
    p_ac_kw: FloatArray,
    p_rated_kw: FloatArray,
    c_ch: FloatArray,
    c_dis: FloatArray,
    out: FloatArray,
) -> None:
    """``efficiency.battery_power`` into ``out``: with ``x = |p| / r`` and the curve ``c``
    (3, n) of the direction, ``loss = r * (c[0] + c[1] * x + c[2] * x * x)``;
    ``max(p - loss, 0)`` charging, ``p - loss`` discharging, ``p - 0.0`` at 0 kW or NaN."""
    for i in range(p_ac_kw.size):
        p, r = p_ac_kw[i], p_rated_kw[i]
        if p > 0.0:
            x = p / r
            out[i] = maximum(p - r * (c_ch[0, i] + c_ch[1, i] * x + c_ch[2, i] * x * x), 0.0)
        elif p < 0.0:
            x = -p / r
            out[i] = p - r * (c_dis[0, i] + c_dis[1, i] * x + c_dis[2, i] * x * x)
        else:  # idle or NaN: a converter that does not convert has no loss
            out[i] = p - 0.0


@njit(
    (IN_I64, IN_F64, _X, IN_F64, IN_F64, IN_F64, IN_F64, OUT_F64), cache=True, error_model="numpy"
)
def ac_power_for_need(
    ev_of: IntArray,
    e_need_kwh: FloatArray,
    dt_h: float,
    c0r: FloatArray,
    lin2: FloatArray,
    a4: FloatArray,
    lin: FloatArray,
    out: FloatArray,
) -> None:
    """``efficiency.ac_power_for_battery`` of each charger's EV need over the step, into ``out``.

    ``b = max(e_need[ev_of] / dt_h, 0)`` (0 at a free charger), ``const = c0r + b``,
    ``disc = lin2 - a4 * const``: ``2 * const / (lin + sqrt(disc))``, ``inf`` where
    ``disc < 0``, 0 where not ``b > 0`` (the constants are those of ``ChargerLosses``).
    """
    for i in range(ev_of.size):
        e = ev_of[i]
        b = maximum((e_need_kwh[e] if e >= 0 else 0.0) / dt_h, 0.0)
        const = c0r[i] + b
        disc = lin2[i] - a4[i] * const
        if not b > 0.0:
            out[i] = 0.0
        elif disc < 0.0:  # no AC power delivers b
            out[i] = np.inf
        else:
            out[i] = 2.0 * const / (lin[i] + np.sqrt(disc))


@njit(
    (IN_I64, IN_F64, IN_F64, IN_F64, _X, IN_BOOL, IN_F64, IN_F64, IN_F64, IN_F64, OUT_F64),
    cache=True,
    error_model="numpy",
)
def max_discharge_for_room(
    ev_of: IntArray,
    soc: FloatArray,
    soc_min: FloatArray,
    e_capacity_kwh: FloatArray,
    dt_h: float,
    bidirectional: BoolArray,
    c0r: FloatArray,
    lin2: FloatArray,
    a4: FloatArray,
    lin: FloatArray,
    out: FloatArray,
) -> None:
    """``efficiency.max_discharge_ac`` of each EV's room above its SoC floor, into ``out``.

    ``room = max(soc - soc_min, 0) * e_capacity`` of the EV at the charger (a free one:
    soc 0, floor 1, capacity 0); ``b = max(room / dt_h, 0)``, ``rest = b - c0r``,
    ``disc = lin2 + a4 * max(rest, 0)``: ``max(2 * rest / (lin + sqrt(disc)), 0)``, 0 at
    a unidirectional charger.
    """
    for i in range(ev_of.size):
        e = ev_of[i]
        s, floor, cap = (soc[e], soc_min[e], e_capacity_kwh[e]) if e >= 0 else (0.0, 1.0, 0.0)
        b = maximum(maximum(s - floor, 0.0) * cap / dt_h, 0.0)
        rest = b - c0r[i]
        disc = lin2[i] + a4[i] * maximum(rest, 0.0)
        p = maximum(2.0 * rest / (lin[i] + np.sqrt(disc)), 0.0)
        out[i] = p if bidirectional[i] else 0.0


@njit(
    (
        IN_I64, IN_F64, IN_F64, IN_F64, IN_F64, _X, IN_BOOL,
        IN_F64, IN_F64, IN_F64, IN_F64, IN_F64, IN_F64, IN_F64, IN_F64, OUT_F64, OUT_F64,
    ),
    cache=True,
    error_model="numpy",
)  # fmt: skip
def ev_limits(
    ev_of: IntArray,
    e_need_kwh: FloatArray,
    soc: FloatArray,
    soc_min: FloatArray,
    e_capacity_kwh: FloatArray,
    dt_h: float,
    bidirectional: BoolArray,
    c0r_ch: FloatArray,
    lin2_ch: FloatArray,
    a4_ch: FloatArray,
    lin_ch: FloatArray,
    c0r_dis: FloatArray,
    lin2_dis: FloatArray,
    a4_dis: FloatArray,
    lin_dis: FloatArray,
    need_out: FloatArray,
    dis_out: FloatArray,
) -> None:
    """:func:`ac_power_for_need` into ``need_out`` and :func:`max_discharge_for_room` into
    ``dis_out``, in one call (the charging and discharging constants of each)."""
    ac_power_for_need(ev_of, e_need_kwh, dt_h, c0r_ch, lin2_ch, a4_ch, lin_ch, need_out)
    max_discharge_for_room(
        ev_of, soc, soc_min, e_capacity_kwh, dt_h, bidirectional,
        c0r_dis, lin2_dis, a4_dis, lin_dis, dis_out,
    )  # fmt: skip


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


@njit((IN_I64, OUT_I64, OUT_BOOL), cache=True)
def map_evs(key: IntArray, ev_of: IntArray, has_ev: BoolArray) -> int:
    """The EV at each charger from each EV's charger ``key`` (< 0: none), into ``ev_of``
    (-1: free) and ``has_ev`` (both n): ``ev_of[key[e]] = e`` where ``key[e] >= 0``.

    Returns -1, or the first EV whose charger is ``>= n`` (nothing written), or -2 when
    two EVs name one charger.
    """
    n = ev_of.size
    for e in range(key.size):
        if key[e] >= n:
            return e
    ev_of[:] = -1
    shared = False
    for e in range(key.size):
        c = key[e]
        if c >= 0:
            shared |= ev_of[c] >= 0
            ev_of[c] = e
    for i in range(n):
        has_ev[i] = ev_of[i] >= 0
    return -2 if shared else -1


@njit(
    (IN_BOOL, IN_I64, types.boolean, OUT_I64, OUT_I64, OUT_BOOL, OUT_I64, OUT_I64, OUT_I64),
    cache=True,
)
def map_plugged(
    plugged: BoolArray,
    charger_idx: IntArray,
    sparse: bool,
    key: IntArray,
    ev_of: IntArray,
    has_ev: BoolArray,
    chargers: IntArray,
    ev: IntArray,
    rows: IntArray,
) -> tuple[int, int, bool]:
    """The whole mapping of ``EVMap.update`` in one call, in numpy terms::

        key = np.where(plugged, charger_idx, -1); status = map_evs(key, ev_of, has_ev)
        chargers = np.flatnonzero(has_ev); ev = ev_of[chargers]   # the first m entries
        identity = not sparse and key.size == n and not np.count_nonzero(ev != chargers)
        rows = np.maximum(ev_of, 0)

    ``key`` (plugged.size) is written first; ``chargers``, ``ev`` and ``rows`` (n, as
    ``ev_of``) only when ``status == -1``. Returns ``(status, m, identity)``.
    """
    for e in range(key.size):
        key[e] = charger_idx[e] if plugged[e] else -1
    status = map_evs(key, ev_of, has_ev)
    if status != -1:
        return status, 0, False
    m = 0
    identity = not sparse and key.size == ev_of.size
    for i in range(ev_of.size):
        e = ev_of[i]
        rows[i] = e if e > 0 else 0
        if e >= 0:
            chargers[m], ev[m] = i, e
            identity = identity and e == i
            m += 1
    return status, m, identity


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
