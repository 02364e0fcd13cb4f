"""Compiled availability forecasts over a block (numba): the per-zone base, up and down of
:func:`~controllers.aggregator.fleet_forecast.availability_forecast` and the pool's smallest
symmetric room along the even baseline
(:func:`~controllers.aggregator.fleet_forecast.even_block_room`).

Each rolls the controllable EVs forward step by step in one loop, with the same
floating-point operations in the same order and association as the numpy expressions in the
docstrings (maxima and minima with numpy's NaN rule from :mod:`cosim.kernels`), so the
results are identical bit for bit (``tests/property/test_aggregator_kernels.py``,
``test_aggregator_even_step.py`` and ``test_aggregator_block_room.py`` check them against
those expressions). Outputs are added into arrays the caller allocates.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numpy.typing import NDArray

from controllers.aggregator.availability_kernels import BIDIR, CTRL, ETA, P_HI, STEPS
from cosim.kernels import IN_BOOL_2D, IN_F64, IN_F64_2D, IN_I64, IN_I64_2D, maximum, minimum

__all__ = ["forecast_even_room", "forecast_even_sums", "forecast_sums"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@njit(cache=True, error_model="numpy")
def forecast_sums(
    base: FloatArray,
    p_hi: FloatArray,
    eta: FloatArray,
    bidir: BoolArray,
    steps: IntArray,
    need_kwh: FloatArray,
    above_min_kwh: FloatArray,
    zone: IntArray,
    dt_h: float,
    v2g: bool,
    out: FloatArray,
) -> None:
    """Base, up and down of ``fleet_forecast.availability_forecast`` per zone and step,
    added into ``out`` (3, Z, H) of zeros, from the baseline ``base`` (m, H) of the
    controllable EVs and their limits (m,). As numpy, with ``k = arange(H)`` and every
    per-EV array as a column::

        charged_kwh = (cumsum(base, axis=1) - base) * eta * dt
        need_k = maximum(need_kwh - charged_kwh, 0.0); left = steps - k; live = left > 0
        top = minimum(p_hi, need_k / (eta * dt))
        later = p_hi * eta * dt * (maximum(left, 1) - 1)
        floor = minimum(maximum(need_k - later, 0.0) / (eta * dt), p_hi)
        spare = maximum(p_hi * eta * dt * (left - 1) - need_k, 0.0)          # v2g only
        g_max = minimum(p_hi, minimum(above_min_kwh + charged_kwh, spare) * eta / dt)
        bottom = minimum(where(bidir & (floor <= 0.0), -g_max, floor), top)
        base, up, down = where(live, [base, maximum(top - base, 0.0),
                                      maximum(base - bottom, 0.0)], 0.0)

    each then summed per zone in EV order (``np.bincount``; zone -1 left out).
    """
    for j in range(base.shape[0]):
        z = zone[j]
        if z < 0:
            continue
        p, e = p_hi[j], eta[j]
        total = 0.0  # cumsum of the row, as numpy: its first term is the first value
        for k in range(min(base.shape[1], steps[j])):  # live steps only: the rest add 0
            b = base[j, k]
            total = b if k == 0 else total + b
            charged_kwh = (total - b) * e * dt_h
            need = maximum(need_kwh[j] - charged_kwh, 0.0)
            left = steps[j] - k
            top = minimum(p, need / (e * dt_h))
            later = p * e * dt_h * np.float64(left - 1)  # left >= 1 here
            floor = minimum(maximum(need - later, 0.0) / (e * dt_h), p)
            low = floor
            if v2g and bidir[j] and floor <= 0.0:
                spare = maximum(later - need, 0.0)
                low = -minimum(p, minimum(above_min_kwh[j] + charged_kwh, spare) * e / dt_h)
            out[0, z, k] += b
            out[1, z, k] += maximum(top - b, 0.0)
            out[2, z, k] += maximum(b - minimum(low, top), 0.0)


@njit(cache=True, error_model="numpy")
def forecast_even_sums(
    ctrl: BoolArray,
    p_hi: FloatArray,
    eta: FloatArray,
    bidir: BoolArray,
    steps: IntArray,
    charger: IntArray,
    e_need_kwh: FloatArray,
    soc: FloatArray,
    soc_min: FloatArray,
    e_capacity_kwh: FloatArray,
    zone_of_charger: IntArray,
    dt_h: float,
    v2g: bool,
    out: FloatArray,
) -> None:
    """:func:`forecast_sums` of the controllable EVs (``ctrl``) along the even baseline,
    from the bounds' rows of every EV (n_ev,): the selection and the baseline made here,
    per EV in order, instead of some twenty numpy calls before the kernel. As numpy::

        ev = flatnonzero(ctrl); need0 = maximum(e_need_kwh[ev], 0.0)
        rate = maximum(need0, 0.0) / (eta[ev] * dt_h * maximum(steps[ev], 1))
        base = where(arange(H)[None, :] < steps[ev][:, None], rate[:, None], 0.0)
        above = maximum(soc[ev] - soc_min[ev], 0.0) * e_capacity_kwh[ev]   # v2g, else 0
        forecast_sums(base, p_hi[ev], eta[ev], bidir[ev], steps[ev], need0, above,
                      zone_of_charger[charger[ev]], dt_h, v2g, out)
    """
    H = out.shape[2]
    for i in range(ctrl.size):
        if not ctrl[i]:
            continue
        z = zone_of_charger[charger[i]]  # a controllable EV is at a charger
        if z < 0:
            continue
        p, e, k_end = p_hi[i], eta[i], steps[i]
        need0 = maximum(e_need_kwh[i], 0.0)
        rate = maximum(need0, 0.0) / (e * dt_h * np.float64(k_end if k_end > 1 else 1))
        above = maximum(soc[i] - soc_min[i], 0.0) * e_capacity_kwh[i] if v2g else 0.0
        total = 0.0
        for k in range(min(H, k_end)):  # live steps only: the rest add 0; base is the rate
            b = rate
            total = b if k == 0 else total + b
            charged_kwh = (total - b) * e * dt_h
            need = maximum(need0 - charged_kwh, 0.0)
            left = k_end - k
            top = minimum(p, need / (e * dt_h))
            later = p * e * dt_h * np.float64(left - 1)
            floor = minimum(maximum(need - later, 0.0) / (e * dt_h), p)
            low = floor
            if v2g and bidir[i] and floor <= 0.0:
                spare = maximum(later - need, 0.0)
                low = -minimum(p, minimum(above + charged_kwh, spare) * e / dt_h)
            out[0, z, k] += b
            out[1, z, k] += maximum(top - b, 0.0)
            out[2, z, k] += maximum(b - minimum(low, top), 0.0)


#: forecast_even_room's signature: the bounds' rows may be locked or not (read-only types)
_EVEN_ROOM_SIG = types.float64(
    IN_F64_2D, IN_I64_2D, IN_BOOL_2D, IN_I64, IN_F64, IN_F64, IN_F64, IN_F64, IN_I64,
    types.float64, types.boolean, types.Array(types.float64, 3, "C"),
)  # fmt: skip


@njit(_EVEN_ROOM_SIG, cache=True, error_model="numpy")
def forecast_even_room(
    floats: FloatArray,
    ints: IntArray,
    flags: BoolArray,
    charger: IntArray,
    e_need_kwh: FloatArray,
    soc: FloatArray,
    soc_min: FloatArray,
    e_capacity_kwh: FloatArray,
    zone_of_charger: IntArray,
    dt_h: float,
    v2g: bool,
    out: FloatArray,
) -> float:
    """:func:`forecast_even_sums` from the rows
    :func:`~.availability_kernels.fleet_bounds` filled in (``floats``,
    ``ints``, ``flags``) into ``out`` (3, Z, H) of zeros; returns the pool's smallest
    symmetric room over the steps of the forecast but the first (NaN without such a step),
    as numpy::

        up, down = [add.reduce(maximum(out[r], 0.0), axis=0)[1:] for r in (1, 2)]
        low = minimum.reduce(minimum(up, down))

    A reduction over the outer axis adds the zones' rows one after the other to numpy's
    identity, 0.0, so no sum is -0.0 and the minimum has no signed zeros to choose between.
    """
    forecast_even_sums(
        flags[CTRL], floats[P_HI], floats[ETA], flags[BIDIR], ints[STEPS], charger,
        e_need_kwh, soc, soc_min, e_capacity_kwh, zone_of_charger, dt_h, v2g, out,
    )  # fmt: skip
    n_zone, horizon = out.shape[1], out.shape[2]
    low = np.nan
    for k in range(1, horizon):
        up = 0.0
        down = 0.0
        for z in range(n_zone):
            up += maximum(out[1, z, k], 0.0)
            down += maximum(out[2, z, k], 0.0)
        room = minimum(up, down)
        low = room if k == 1 else minimum(low, room)
    return low
