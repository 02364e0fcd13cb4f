"""Compiled AR(1) recursion of :class:`simulators.tso.noise.AR1` (numba).

The recursion is sequential (each sample needs the one before), so numpy cannot vectorise
it and a Python loop costs ~70 ns a sample: a day of 10-s samples of both TSO signals took
~1 ms, ~11 µs a grid step. Compiled, it keeps the operations and their order
(``phi * y + scale * e``, no fused multiply-add without fastmath), so the path is the same
bit for bit (``tests/property/test_market_tso_kernels.py``). The normal draws stay numpy
``Generator`` calls, in the same order: the kernel only filters them.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = ["ar1_path"]

FloatArray = NDArray[np.float64]


@njit(cache=True)
def ar1_path(
    eps: FloatArray, phi: float, scale: float, sigma: float, y_last: float, fresh: bool
) -> FloatArray:
    """The AR(1) path driven by the standard normal draws ``eps``.

    ``y[k] = phi * y[k - 1] + scale * eps[k]`` with ``y[-1] = y_last``; when ``fresh`` the
    path starts at the stationary draw ``y[0] = sigma * eps[0]`` instead (``y_last`` is
    then ignored). The numpy form is ``lfilter([scale], [1, -phi], eps, zi=[phi * y_last])``.
    """
    n = eps.size
    out = np.empty(n)
    y = y_last
    first = 0
    if fresh and n > 0:
        y = sigma * eps[0]
        out[0] = y
        first = 1
    for k in range(first, n):
        y = phi * y + scale * eps[k]
        out[k] = y
    return out
