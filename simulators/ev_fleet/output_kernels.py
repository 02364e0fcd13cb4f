"""Compiled per-EV loops of a fleet step's outputs (numba): energy need, plug outputs and
the per-segment sums of the flexibility band.

As in :mod:`.fleet_kernels`, each kernel is a chain of numpy calls fused into one loop over
the EVs, with the same floating-point operations in the same order and association as the
numpy expression it replaced (``tests/property/test_ev_fleet_kernels.py`` checks each
against that expression); ``np.bincount`` adds in index order, as a plain loop does.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numpy.typing import NDArray

from cosim.kernels import IN_BOOL, IN_F64, IN_I64, OUT_BOOL, OUT_F64, OUT_I64, maximum, minimum

__all__ = ["energy_need", "need_band", "plug_outputs", "segment_band"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# explicit signatures, inputs read-only: one compiled version for writable and read-only
# arrays alike (see :mod:`.fleet_kernels`); scalar types
_F, _I, _B = types.float64, types.int64, types.boolean
#: the (5, n_seg) per-segment sums of ``need_band``
OUT_SUMS = types.Array(types.float64, 2, "C")


@njit(cache=True, error_model="numpy")
def _band_into(
    out: FloatArray,
    segment_idx: IntArray,
    plugged: BoolArray,
    plugin_event: BoolArray,
    e_need_kwh: FloatArray,
    soc: FloatArray,
    capacity_kwh: FloatArray,
    p_max_kw: FloatArray,
    departure_s: IntArray,
    opt_out: BoolArray,
    time_s: int,
    dt_h: float,
) -> None:
    """:func:`segment_band` into ``out`` (5, n_seg), which it zeroes first."""
    out[:] = 0.0
    for i in range(segment_idx.size):
        s, p_max = segment_idx[i], p_max_kw[i]
        on = plugged[i]
        need = maximum(e_need_kwh[i], 0.0) if on else 0.0
        room = maximum((1.0 - soc[i]) * capacity_kwh[i], need) if on else 0.0
        asap = minimum(p_max, need / dt_h)
        hi = minimum(p_max, room / dt_h)
        tau_h = (departure_s[i] - time_s) / 3600.0 if departure_s[i] >= 0 else np.inf
        later = p_max * maximum(tau_h - dt_h, 0.0)
        lo = minimum(maximum((need - later) / dt_h, 0.0), asap)
        if opt_out[i]:  # an opted-out EV charges at once: both edges are asap
            hi = lo = asap
        out[0, s] += 1.0 if plugin_event[i] else 0.0
        out[1, s] += 1.0 if on else 0.0
        out[2, s] += hi
        out[3, s] += lo
        out[4, s] += e_need_kwh[i]


@njit(
    (IN_I64, _I, IN_BOOL, IN_BOOL, IN_F64, IN_F64, IN_F64, IN_F64, IN_I64, IN_BOOL, _I, _F),
    cache=True,
    error_model="numpy",
)
def segment_band(
    segment_idx: IntArray,
    n_seg: int,
    plugged: BoolArray,
    plugin_event: BoolArray,
    e_need_kwh: FloatArray,
    soc: FloatArray,
    capacity_kwh: FloatArray,
    p_max_kw: FloatArray,
    departure_s: IntArray,
    opt_out: BoolArray,
    time_s: int,
    dt_h: float,
) -> FloatArray:
    """Per-segment sums of a fleet state (``plain_segment_state``), shape (5, n_seg).

    Rows: plug-ins, plugged EVs, upper and lower edge of the flexibility band
    (:func:`.flex.flexibility_band`, with ``e_room_kwh = (1 - soc) * capacity_kwh``) and
    energy need, each ``np.bincount(segment_idx, weights, minlength=n_seg)`` over every EV.
    """
    out = np.empty((5, n_seg))
    _band_into(
        out, segment_idx, plugged, plugin_event, e_need_kwh, soc, capacity_kwh, p_max_kw,
        departure_s, opt_out, time_s, dt_h,
    )  # fmt: skip
    return out


@njit((IN_BOOL, IN_F64, IN_F64, IN_F64, IN_F64, OUT_F64), cache=True)
def energy_need(
    plugged: BoolArray,
    soc: FloatArray,
    soc_target: FloatArray,
    capacity_kwh: FloatArray,
    last: FloatArray,
    out: FloatArray,
) -> bool:
    """``out = np.where(plugged, np.maximum(soc_target - soc, 0.0) * capacity_kwh, 0.0)``;
    True if it equals ``last`` bit for bit (``last.tobytes() == out.tobytes()``)."""
    for i in range(out.size):
        out[i] = maximum(soc_target[i] - soc[i], 0.0) * capacity_kwh[i] if plugged[i] else 0.0
    if last.size != out.size:
        return False
    bits, last_bits = out.view(np.int64), last.view(np.int64)
    for i in range(out.size):
        if bits[i] != last_bits[i]:
            return False
    return True


@njit(
    (
        IN_BOOL,
        IN_I64,
        IN_I64,
        IN_BOOL,
        IN_BOOL,
        IN_I64,
        IN_BOOL,
        OUT_BOOL,
        OUT_I64,
        OUT_I64,
        OUT_BOOL,
    ),
    cache=True,
)
def plug_outputs(
    plugged: BoolArray,
    next_dep_s: IntArray,
    rows: IntArray,
    opt_out: BoolArray,
    last_plugged: BoolArray,
    last_dep_s: IntArray,
    last_opt_out: BoolArray,
    plugged_out: BoolArray,
    dep_out: IntArray,
    charger_out: IntArray,
    opt_out_out: BoolArray,
) -> tuple[bool, bool, bool]:
    """The plug outputs of a step (``StepOutputs.plug_arrays``) and whether each equals
    the last one handed out (an empty last: none yet)::

        plugged_out = plugged.copy(); opt_out_out = opt_out.copy()
        dep_out = np.where(plugged, next_dep_s, -1); charger_out = np.where(plugged, rows, -1)
        same = (last_plugged == plugged_out).all(), ... (dep_s, opt_out)
    """
    n = plugged.size
    same_plug, same_dep = last_plugged.size == n, last_dep_s.size == n
    same_opt = last_opt_out.size == n
    for i in range(n):
        on = plugged[i]
        plugged_out[i], opt_out_out[i] = on, opt_out[i]
        dep_out[i] = next_dep_s[i] if on else -1
        charger_out[i] = rows[i] if on else -1
        same_plug = same_plug and last_plugged[i] == on
        same_dep = same_dep and last_dep_s[i] == dep_out[i]
        same_opt = same_opt and last_opt_out[i] == opt_out[i]
    return same_plug, same_dep, same_opt


@njit(
    (
        _B, IN_BOOL, IN_F64, IN_F64, IN_F64, IN_F64, OUT_F64,
        IN_I64, IN_BOOL, IN_F64, IN_I64, IN_BOOL, _I, _F, OUT_SUMS,
    ),
    cache=True,
    error_model="numpy",
)  # fmt: skip
def need_band(
    fresh: bool,
    plugged: BoolArray,
    soc: FloatArray,
    soc_target: FloatArray,
    capacity_kwh: FloatArray,
    last: FloatArray,
    need_out: FloatArray,
    segment_idx: IntArray,
    plugin_event: BoolArray,
    p_max_kw: FloatArray,
    departure_s: IntArray,
    opt_out: BoolArray,
    time_s: int,
    dt_h: float,
    sums_out: NDArray[np.float64],
) -> bool:
    """:func:`energy_need` (when ``fresh``), then :func:`segment_band` of that need into
    ``sums_out`` (5, n_seg), one call instead of two (``StepOutputs.need_band``)::

        same = energy_need(plugged, soc, soc_target, capacity_kwh, last, need_out) if fresh
        need = need_out if fresh else last   # need_out is not written unless fresh
        sums_out[:] = segment_band(segment_idx, n_seg, plugged, plugin_event, need, soc,
                                   capacity_kwh, p_max_kw, departure_s, opt_out, time_s, dt_h)

    Returns ``same`` (False when not ``fresh``). The sums go into an array the caller
    allocated: a kernel returning a new array boxes it through a Python call.
    """
    same = fresh and energy_need(plugged, soc, soc_target, capacity_kwh, last, need_out)
    _band_into(
        sums_out, segment_idx, plugged, plugin_event, need_out if fresh else last, soc,
        capacity_kwh, p_max_kw, departure_s, opt_out, time_s, dt_h,
    )  # fmt: skip
    return same
