"""Compiled per-EV loops of a fleet step's batteries (numba): SoC update and battery stress.

A fleet step works on a few hundred EVs, where numpy spends its time in per-call overhead
rather than arithmetic: a chain of a dozen numpy calls costs more than one pass over the
EVs. Each kernel here is such a chain fused into one loop, with the same floating-point
operations in the same order and association as the numpy expression it replaced, so the
results are identical bit for bit (``tests/property/test_ev_fleet_kernels.py`` checks each
against that expression). ``np.maximum`` / ``np.minimum`` keep numpy's NaN and signed-zero
rules through :mod:`cosim.kernels`. Random draws and transcendental functions stay in numpy,
in the callers. The step's outputs are computed in :mod:`.output_kernels`, its trip events
in :mod:`.event_kernels`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numpy.typing import NDArray

from cosim.kernels import IN_BOOL, IN_F64, IN_I64, OUT_F64, maximum, minimum

__all__ = ["accumulate_stress", "add_throughput", "charge", "charge_worn"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_BIG = np.finfo(np.float64).max  # np.nan_to_num's stand-in for an infinite power

# Explicit signatures, inputs read-only (cosim.kernels' IN_* types): the fleet hands its
# arrays out read-only, so one array may come read-only at one step and writable at the
# next; numba would compile a kernel once for each (a second ~1 s compile), while a
# writable array passes as read-only. Scalar types:
_F, _I, _B = types.float64, types.int64, types.boolean
#: the six stress totals of ``FleetWear.stress_rows``, changed in place
OUT_STRESS = types.Array(types.float64, 2, "C")


@njit(
    (IN_F64, IN_BOOL, IN_F64, IN_F64, _F, OUT_F64, OUT_F64, OUT_F64),
    cache=True,
    error_model="numpy",
)
def charge(
    p_kw: FloatArray,
    plugged: BoolArray,
    soc: FloatArray,
    capacity_kwh: FloatArray,
    h_per_step: float,
    e_batt_total_kwh: FloatArray,
    e_kwh: FloatArray,
    soc_out: FloatArray,
) -> tuple[int, int, int, float, float, float]:
    """A step's battery power into the SoC (``FleetModel._apply_power``), in numpy terms::

        p = np.nan_to_num(p_kw, nan=0.0); n_on = np.count_nonzero(p)
        stray = (p != 0.0) & ~plugged; p = np.where(stray, 0.0, p)
        e_kwh = p * h_per_step; e_batt_total_kwh += e_kwh
        soc_out = soc + e_kwh / capacity_kwh
        if soc_out.min() < 0 or soc_out.max() > 1: soc_out = minimum(maximum(soc_out, 0), 1)

    With ``n_on == 0`` (no battery power) ``e_batt_total_kwh`` and ``soc_out`` are not
    written: the state stays as it was.

    Returns
    -------
    n_on, n_stray, first_stray, first_stray_kw, soc_lo, soc_hi
        EVs with power, unplugged ones among them (the first and its power [kW]), and
        the SoC range before clipping (NaN if a SoC is NaN).
    """
    n = p_kw.size
    n_on = n_stray = 0
    first_stray, first_kw = -1, 0.0
    for i in range(n):  # pass 1: the power as applied, into e_kwh
        v = p_kw[i]
        if v != v:
            v = 0.0
        elif v > _BIG or v < -_BIG:
            v = _BIG if v > 0.0 else -_BIG
        if v != 0.0:
            n_on += 1
            if not plugged[i]:
                if n_stray == 0:
                    first_stray, first_kw = i, v
                n_stray += 1
                v = 0.0
        e_kwh[i] = v
    if n_on == 0:
        return 0, 0, -1, 0.0, 0.0, 0.0
    lo, hi = np.inf, -np.inf
    for i in range(n):  # pass 2: energy and SoC
        e = e_kwh[i] * h_per_step
        e_kwh[i] = e
        e_batt_total_kwh[i] += e
        s = soc[i] + e / capacity_kwh[i]
        soc_out[i] = s
        lo, hi = minimum(lo, s), maximum(hi, s)
    if lo < 0.0 or hi > 1.0:  # clipped only then: clipping turns -0.0 into 0.0
        for i in range(n):
            soc_out[i] = minimum(maximum(soc_out[i], 0.0), 1.0)
    return n_on, n_stray, first_stray, first_kw, lo, hi


@njit((IN_F64, IN_F64, IN_I64, _B, OUT_F64, OUT_F64, OUT_F64), cache=True)
def add_throughput(
    soc_after: FloatArray,
    e_abs_kwh: FloatArray,
    idx: IntArray,
    every_ev: bool,
    e_kwh: FloatArray,
    soc_lo: FloatArray,
    soc_hi: FloatArray,
) -> None:
    """Throughput and the SoC it leaves (``FleetWear.add_energy``), in numpy terms::

    # every_ev: rows = all, else rows = idx; e_abs_kwh holds the rows' values
    e_kwh[rows] += e_abs_kwh
    soc_lo[rows] = np.minimum(soc_lo[rows], soc_after[rows]); soc_hi likewise
    """
    for k in range(e_abs_kwh.size):
        i = k if every_ev else idx[k]
        e_kwh[i] += e_abs_kwh[k]
        soc_lo[i] = minimum(soc_lo[i], soc_after[i])
        soc_hi[i] = maximum(soc_hi[i], soc_after[i])


@njit(
    (IN_F64, IN_F64, IN_F64, IN_I64, _B, IN_F64, _B, _F, types.UniTuple(OUT_F64, 6)),
    cache=True,
    error_model="numpy",
)
def accumulate_stress(
    soc_before: FloatArray,
    soc_after: FloatArray,
    e_abs_kwh: FloatArray,
    idx: IntArray,
    every_ev: bool,
    usable_kwh: FloatArray,
    usable_positive: bool,
    dt_s: float,
    state: tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray],
) -> None:
    """One step's battery stress (``FleetWear.accumulate``), in numpy terms::

        soc_dt += 0.5 * (soc_before + soc_after) * dt_s
        # every_ev: rows = all, e = e_abs_kwh; else rows = idx, e = e_abs_kwh (per idx)
        e_kwh[rows] += e; flowing = e > 0.0
        c_dt[rows] += e / usable_kwh[rows] * 3600.0   # every_ev and usable_positive
        c_dt[rows] += np.where(flowing, e / usable_kwh[rows] * 3600.0, 0.0)   # otherwise
        t_flow[rows] += np.where(flowing, dt_s, 0.0)
        soc_lo[rows] = np.minimum(soc_lo[rows], soc_after[rows]); soc_hi likewise

    ``state`` is ``(soc_dt, e_kwh, c_dt, t_flow, soc_lo, soc_hi)``, updated in place.
    """
    soc_dt, e_total, c_dt, t_flow, soc_lo, soc_hi = state
    for i in range(soc_dt.size):
        soc_dt[i] += 0.5 * (soc_before[i] + soc_after[i]) * dt_s
    for k in range(e_abs_kwh.size):
        i = k if every_ev else idx[k]
        e = e_abs_kwh[k]
        flowing = e > 0.0
        if flowing or (every_ev and usable_positive):
            c_dt[i] += e / usable_kwh[i] * 3600.0
        else:
            c_dt[i] += 0.0
        t_flow[i] += dt_s if flowing else 0.0
    add_throughput(soc_after, e_abs_kwh, idx, every_ev, e_total, soc_lo, soc_hi)


@njit(
    (
        IN_F64, IN_BOOL, IN_F64, IN_F64, _F, OUT_F64, OUT_F64, OUT_F64,
        _B, _B, IN_F64, _B, _F, OUT_STRESS,
    ),
    cache=True,
    error_model="numpy",
)  # fmt: skip
def charge_worn(
    p_kw: FloatArray,
    plugged: BoolArray,
    soc: FloatArray,
    capacity_kwh: FloatArray,
    h_per_step: float,
    e_batt_total_kwh: FloatArray,
    e_kwh: FloatArray,
    soc_out: FloatArray,
    worn: bool,
    sparse: bool,
    usable_kwh: FloatArray,
    usable_positive: bool,
    dt_s: float,
    stress_rows: NDArray[np.float64],
) -> tuple[int, int, int, float, float, float]:
    """:func:`charge`, then (``worn``) the step's battery stress, one call instead of two
    (``FleetModel._apply_power``); :func:`accumulate_stress` in numpy terms::

        n_on = charge(...)[0]
        if worn and not n_on:  # no battery power: the SoC stayed
            accumulate_stress(soc, soc, [], [], False, ...)
        elif worn and not sparse:  # every EV
            accumulate_stress(soc, soc_out, np.abs(e_kwh), [], True, ...)
        elif worn:  # the EVs with battery power only
            on = np.flatnonzero(e_kwh)
            accumulate_stress(soc, soc_out, np.abs(e_kwh[on]), on, False, ...)

    ``usable_kwh``, ``usable_positive`` and ``dt_s`` as in :func:`accumulate_stress`,
    whose ``state`` is the rows of ``stress_rows`` (6, n); not read without ``worn``.
    """
    info = charge(p_kw, plugged, soc, capacity_kwh, h_per_step, e_batt_total_kwh, e_kwh, soc_out)
    if not worn:
        return info
    s = stress_rows
    stress = (s[0], s[1], s[2], s[3], s[4], s[5])
    rows = np.empty(0, dtype=np.int64)
    if info[0] == 0:
        accumulate_stress(
            soc, soc, np.empty(0), rows, False, usable_kwh, usable_positive, dt_s, stress
        )
    elif not sparse:
        e_abs = np.abs(e_kwh)
        accumulate_stress(
            soc, soc_out, e_abs, rows, True, usable_kwh, usable_positive, dt_s, stress
        )
    else:
        rows = np.flatnonzero(e_kwh)
        e_abs = np.abs(e_kwh[rows])
        accumulate_stress(
            soc, soc_out, e_abs, rows, False, usable_kwh, usable_positive, dt_s, stress
        )
    return info
