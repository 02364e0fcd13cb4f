"""Compiled per-element loops of the lightsim2grid step (numba): injections in, results out.

On the LV grids a power flow takes tens of microseconds, and the numpy calls around it
(the background row, the injection copies, the loadings and losses of every branch) cost as
much again in per-call overhead. Here each chain is one loop with the same floating-point
operations in the same order as the numpy expressions in the docstrings; sums are numpy's
pairwise sums (:func:`cosim.kernels.pairwise_sum`). The results are identical bit for bit
(``tests/property/test_grid_kernels.py``). Each loop is compiled once, on import, for
C-contiguous arrays that may be read-only (lightsim2grid hands out read-only views).
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numpy.typing import NDArray

from cosim.kernels import maximum, pairwise_sum

__all__ = [
    "add_at",
    "branch_results",
    "fill_injections",
    "place_injections",
    "solved_branch_results",
]

FloatArray = NDArray[np.float64]

_F = types.Array(types.float64, 1, "C", readonly=True)
_OUT = types.Array(types.float64, 1, "C")
_I = types.Array(types.int64, 1, "C", readonly=True)
_OUT32 = types.Array(types.float32, 1, "C")

_SQRT3 = float(np.sqrt(3.0))
_MW_TO_KW = 1e3
_KW_TO_MW = np.float32(1e-3)  # the float32 factor of ``float32_array *= 1e-3``


@njit((_F,) * 12 + (_OUT,) * 6, cache=True, error_model="numpy")
def branch_results(
    p_line_from_mw: FloatArray,
    p_line_to_mw: FloatArray,
    i_line_from_ka: FloatArray,
    i_line_to_ka: FloatArray,
    p_trafo_hv_mw: FloatArray,
    p_trafo_lv_mw: FloatArray,
    i_trafo_hv_ka: FloatArray,
    i_trafo_lv_ka: FloatArray,
    line_imax_ka: FloatArray,
    vn_hv_kv: FloatArray,
    vn_lv_kv: FloatArray,
    trafo_rating_mva: FloatArray,
    line_pct: FloatArray,
    trafo_pct: FloatArray,
    p_line_kw: FloatArray,
    p_trafo_kw: FloatArray,
    i_line_ka: FloatArray,
    i_trafo_ka: FloatArray,
) -> float:
    """Branch loadings [%], from-side powers [kW] and currents [kA]; returns the losses [kW].

    ``line_pct = max(i_from, i_to) / line_imax * 100``; ``trafo_pct = max(i_hv * vn_hv *
    sqrt3, i_lv * vn_lv * sqrt3) / rating * 100``; ``p_*_kw = p_from * 1e3``; the currents
    copied (the inputs are views the next solve overwrites); losses ``(sum(p_line_from) +
    sum(p_line_to) + sum(p_trafo_hv) + sum(p_trafo_lv)) * 1e3``.
    """
    for k in range(line_pct.size):
        line_pct[k] = maximum(i_line_from_ka[k], i_line_to_ka[k]) / line_imax_ka[k] * 100.0
        p_line_kw[k] = p_line_from_mw[k] * _MW_TO_KW
        i_line_ka[k] = i_line_from_ka[k]
    for k in range(trafo_pct.size):
        s_hv = i_trafo_hv_ka[k] * vn_hv_kv[k] * _SQRT3
        s_lv = i_trafo_lv_ka[k] * vn_lv_kv[k] * _SQRT3
        trafo_pct[k] = maximum(s_hv, s_lv) / trafo_rating_mva[k] * 100.0
        p_trafo_kw[k] = p_trafo_hv_mw[k] * _MW_TO_KW
        i_trafo_ka[k] = i_trafo_hv_ka[k]
    losses = pairwise_sum(p_line_from_mw) + pairwise_sum(p_line_to_mw)
    return (losses + pairwise_sum(p_trafo_hv_mw) + pairwise_sum(p_trafo_lv_mw)) * _MW_TO_KW


@njit((_F, *(_F,) * 12, *(_OUT,) * 6), cache=True, error_model="numpy")
def solved_branch_results(
    vm_pu: FloatArray,
    p_line_from_mw: FloatArray,
    p_line_to_mw: FloatArray,
    i_line_from_ka: FloatArray,
    i_line_to_ka: FloatArray,
    p_trafo_hv_mw: FloatArray,
    p_trafo_lv_mw: FloatArray,
    i_trafo_hv_ka: FloatArray,
    i_trafo_lv_ka: FloatArray,
    line_imax_ka: FloatArray,
    vn_hv_kv: FloatArray,
    vn_lv_kv: FloatArray,
    trafo_rating_mva: FloatArray,
    line_pct: FloatArray,
    trafo_pct: FloatArray,
    p_line_kw: FloatArray,
    p_trafo_kw: FloatArray,
    i_line_ka: FloatArray,
    i_trafo_ka: FloatArray,
) -> tuple[float, bool]:
    """:func:`branch_results` and whether every voltage magnitude ``vm_pu`` is finite
    (``np.isfinite(vm_pu).all()``): the results and the test of the solution in one call.
    """
    finite = True
    for k in range(vm_pu.size):
        if not np.isfinite(vm_pu[k]):
            finite = False
            break
    losses = branch_results(
        p_line_from_mw, p_line_to_mw, i_line_from_ka, i_line_to_ka, p_trafo_hv_mw,
        p_trafo_lv_mw, i_trafo_hv_ka, i_trafo_lv_ka, line_imax_ka, vn_hv_kv, vn_lv_kv,
        trafo_rating_mva, line_pct, trafo_pct, p_line_kw, p_trafo_kw, i_line_ka, i_trafo_ka,
    )  # fmt: skip
    return losses, finite


@njit((_F, _I, _F, _F, _F, _OUT32, _OUT32, _OUT32), cache=True)
def fill_injections(
    profile_row: FloatArray,
    type_idx: NDArray[np.int64],
    scale: FloatArray,
    p_inj_kw: FloatArray,
    q_inj_kvar: FloatArray,
    background: NDArray[np.float32],
    load_p_mw: NDArray[np.float32],
    load_q_mvar: NDArray[np.float32],
) -> bool:
    """One step's loads: the background, then one load per bus for the extra injections.

    ``background = float32(profile_row[type_idx] * scale)`` laid out as ``[load p | load q
    | sgen p]`` (n_bg, n_bg, rest); ``load_p_mw = [background load p | float32(p_inj_kw) *
    float32(1e-3)]`` and ``load_q_mvar`` the same with q: the float32 products of
    ``load[n_bg:] = p_inj_kw; load[n_bg:] *= 1e-3``. Returns whether the sgen part is what
    ``background`` held before, bit for bit (no NaN): a generator update that changes nothing.
    """
    n_bg = load_p_mw.size - p_inj_kw.size
    same = True
    for k in range(background.size):
        value = np.float32(profile_row[type_idx[k]] * scale[k])
        if k >= 2 * n_bg and not (
            value == background[k] and np.signbit(value) == np.signbit(background[k])
        ):
            same = False
        background[k] = value
    for k in range(n_bg):
        load_p_mw[k] = background[k]
        load_q_mvar[k] = background[n_bg + k]
    for k in range(p_inj_kw.size):
        load_p_mw[n_bg + k] = np.float32(p_inj_kw[k]) * _KW_TO_MW
        load_q_mvar[n_bg + k] = np.float32(q_inj_kvar[k]) * _KW_TO_MW
    return same


@njit((types.Array(types.float64, 1, "A"), _I, _F), cache=True)
def add_at(target: FloatArray, rows: NDArray[np.int64], values: FloatArray) -> None:
    """``np.add.at(target, rows, values)``: each value added to its row, in order.

    ``np.add.at`` costs ~2 us a call however short the arrays; this loop ~0.5 us. The
    caller checks that ``rows`` lie in ``target`` and match ``values``; ``target`` may be
    strided (a phase column).
    """
    for k in range(rows.size):
        target[rows[k]] += values[k]


@njit((_F, _I, _F, _I, _F, _F, _OUT, _OUT, _OUT32, _OUT32, _OUT32), cache=True)
def place_injections(
    profile_row: FloatArray,
    type_idx: NDArray[np.int64],
    scale: FloatArray,
    rows: NDArray[np.int64],
    p_kw: FloatArray,
    q_kvar: FloatArray,
    p_bus_kw: FloatArray,
    q_bus_kvar: FloatArray,
    background: NDArray[np.float32],
    load_p_mw: NDArray[np.float32],
    load_q_mvar: NDArray[np.float32],
) -> bool:
    """One source's injections summed per bus, then :func:`fill_injections`, in one call.

    ``p_bus_kw[:] = 0.0; np.add.at(p_bus_kw, rows, p_kw)`` and the same for q (the grid
    adapter's sum of an Area input from one source), then the loads of
    :func:`fill_injections` with ``p_bus_kw``, ``q_bus_kvar`` as the extra injections. The
    caller checks that ``rows`` lie in the bus arrays and match ``p_kw`` and ``q_kvar``.
    Returns what :func:`fill_injections` returns.
    """
    for k in range(p_bus_kw.size):
        p_bus_kw[k] = 0.0
        q_bus_kvar[k] = 0.0
    for k in range(rows.size):
        p_bus_kw[rows[k]] += p_kw[k]
    for k in range(rows.size):
        q_bus_kvar[rows[k]] += q_kvar[k]
    return fill_injections(
        profile_row, type_idx, scale, p_bus_kw, q_bus_kvar, background, load_p_mw, load_q_mvar
    )
