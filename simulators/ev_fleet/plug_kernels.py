"""Compiled loops of the drivers' plug-in decision at a return (numba): the plug-in
model's inputs, then the decisions from the draws.

The random draws and the plug-in probability's power (``ratio ** alpha``, a transcendental
that numpy may compute with its own SIMD code) stay in numpy, between :func:`plug_odds` and
:func:`plug_in`, so the draws and their order are those of the numpy code. Each kernel has
the same floating-point operations in the same order as the numpy expression it replaced
(``tests/property/test_ev_fleet_event_kernels.py`` checks them bit for bit).
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numpy.typing import NDArray

from cosim.kernels import IN_BOOL, IN_F64, IN_I64, OUT_BOOL, OUT_F64, OUT_I64, maximum, minimum

__all__ = ["plug_in", "plug_odds"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# explicit signatures, inputs read-only: one compiled version for writable and read-only
# arrays alike (see :mod:`.fleet_kernels`); scalar type
_F = types.float64

_SPAN_MIN = 1e-12  # plugin_probability's floor of SoC_max - SoC_min


@njit(
    (IN_I64, IN_F64, IN_F64, _F, IN_F64, IN_F64, IN_F64, IN_F64, OUT_F64, OUT_F64, OUT_F64),
    cache=True,
    error_model="numpy",
)
def plug_odds(
    idx: IntArray,
    km_next: FloatArray,
    consumption_kwh_km: FloatArray,
    cons_factor: float,
    rho: FloatArray,
    capacity_kwh: FloatArray,
    soc: FloatArray,
    alpha: FloatArray,
    soc_min_out: FloatArray,
    ratio_out: FloatArray,
    alpha_out: FloatArray,
) -> None:
    """The plug-in model's inputs before its power (:func:`.plugin.plugin_probability`)::

    e_next = km_next * consumption_kwh_km[idx] * cons_factor
    soc_min_out = rho[idx] * e_next / capacity_kwh[idx]      # plugin_soc_min
    span = np.maximum(1.0 - soc_min_out, 1e-12)
    ratio_out = np.minimum(1.0, np.maximum(0.0, (soc[idx] - soc_min_out) / span))
    alpha_out = alpha[idx]
    """
    for k in range(idx.size):
        i = idx[k]
        e_next = km_next[k] * consumption_kwh_km[i] * cons_factor
        s_min = rho[i] * e_next / capacity_kwh[i]
        span = maximum(1.0 - s_min, _SPAN_MIN)
        # np.clip's argument order: the bound first (-0.0 and NaN kept)
        ratio_out[k] = minimum(1.0, maximum(0.0, (soc[i] - s_min) / span))
        soc_min_out[k] = s_min
        alpha_out[k] = alpha[i]


# plug_in's outputs: next_dep_s, plugged, opt_out, sessions, events (fleet state, in place)
_DECISIONS = (OUT_I64, OUT_BOOL, OUT_BOOL, OUT_I64, OUT_BOOL)


@njit(
    (IN_I64, IN_F64, IN_F64, IN_F64, IN_F64, IN_BOOL, IN_F64, IN_I64, *_DECISIONS),
    cache=True,
)
def plug_in(
    idx: IntArray,
    soc: FloatArray,
    soc_min: FloatArray,
    powered: FloatArray,
    draws: FloatArray,
    daily: BoolArray,
    p_opt_out: FloatArray,
    dep_s: IntArray,
    next_dep_s: IntArray,
    plugged: BoolArray,
    opt_out: BoolArray,
    sessions: IntArray,
    events: BoolArray,
) -> None:
    """The drivers' decisions from the plug-in probability and the draws::

    draw, draw_opt = draws[:n], draws[n:]     # n = idx.size: plug-in, then opt-out draws
    prob = 1.0 - powered            # powered = ratio ** alpha (numpy, from plug_odds)
    prob = np.where(soc[idx] < soc_min, 1.0, prob)
    prob = np.where(soc[idx] >= 1.0, 0.0, prob)     # SOC_MAX
    plug = (draw < prob) | daily[idx]
    next_dep_s[idx] = dep_s; plugged[idx] = plug
    opt_out[idx] = plug & (draw_opt < p_opt_out[idx])
    sessions[idx] += plug; events[idx] |= plug
    """
    n = idx.size
    for k in range(n):
        i = idx[k]
        s = soc[i]
        prob = 1.0 - powered[k]
        if s < soc_min[k]:
            prob = 1.0
        if s >= 1.0:
            prob = 0.0
        plug = draws[k] < prob or daily[i]
        next_dep_s[i] = dep_s[k]
        plugged[i] = plug
        opt_out[i] = plug and draws[n + k] < p_opt_out[i]
        if plug:
            sessions[i] += 1
            events[i] = True
