"""Compiled per-charger loops of the chargers' losses (numba): the battery power through
the loss curves, the AC power meeting each EV's need and the largest AC discharge.

A bank of a few hundred chargers spends its step in numpy's per-call overhead, not in the
arithmetic: each chain of elementwise numpy calls (a loss curve, a gather from the EVs plus
a quadratic root) is one loop here. Every loop does the same floating-point operations in
the same order as the numpy expression in its docstring, with numpy's
``maximum``/``minimum`` (:mod:`cosim.kernels`), so the results are identical bit for bit
(``tests/property/test_evse_kernels.py`` checks them against those expressions).

A per-EV input is read at ``ev_of[i]``, the EV at charger ``i`` (-1: free); the caller
makes sure every EV index is inside the input. Each loop is compiled once, on import, for
C-contiguous arrays that may be read-only (see :mod:`.charger_kernels`); the code is cached
next to this file.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numpy.typing import NDArray

from cosim.kernels import IN_BOOL, IN_F64, IN_F64_2D, IN_I64, OUT_F64, maximum

__all__ = ["ac_power_for_need", "battery_power", "ev_limits", "max_discharge_for_room"]

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
