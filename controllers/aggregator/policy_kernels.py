"""Compiled per-charger loop of :mod:`controllers.aggregator.policy` (numba).

Raising setpoints to a charger's power levels is a chain of some ten numpy calls over a
few hundred chargers per step; as one loop it keeps the same floating-point operations
(``np.ceil`` is exact; maxima and minima with numpy's NaN rule from :mod:`cosim.kernels`),
so the setpoints are identical bit for bit (``tests/property/test_aggregator_kernels.py``).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from cosim.kernels import maximum, minimum

__all__ = ["charger_levels"]

FloatArray = NDArray[np.float64]


@njit(cache=True, error_model="numpy")
def charger_levels(
    p_set_kw: FloatArray,
    p_step_kw: FloatArray,
    p_min_kw: FloatArray,
    p_rated_kw: FloatArray,
    stepped: bool,
    floored: bool,
    out: FloatArray,
) -> None:
    """``policy.to_charger_levels`` into ``out``; ``stepped`` / ``floored``: use
    ``p_step_kw`` / ``p_min_kw`` (else they are not read). As numpy::

        s = where(p_step_kw > 0, ceil(p / p_step_kw - 1e-9) * p_step_kw, p)   # stepped
        s = maximum(s, p_min_kw)                                              # floored
        out = where(p > 0, minimum(s, p_rated_kw), p)
    """
    for i in range(p_set_kw.size):
        p = p_set_kw[i]
        if not p > 0.0:  # NaN (no control), zero and discharge pass unchanged
            out[i] = p
            continue
        s = p
        if stepped and p_step_kw[i] > 0.0:
            s = np.ceil(p / p_step_kw[i] - 1e-9) * p_step_kw[i]
        if floored:
            s = maximum(s, p_min_kw[i])
        out[i] = minimum(s, p_rated_kw[i])
