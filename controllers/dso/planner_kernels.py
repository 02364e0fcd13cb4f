"""Compiled loop of the market planner's step (numba).

The planner adds the fleet's declared baseline per zone to an hourly profile at every
step: a handful of numpy and Python calls on a few zones, where the per-call overhead,
not the arithmetic, was the cost. Here it is one call with the same floating-point
operations (``tests/property/test_dso_kernels.py`` keeps the numpy formulation and
compares bit for bit).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = ["add_hourly"]

_FLOAT_MAX = np.finfo(np.float64).max


@njit(cache=True)
def add_hourly(
    sums: NDArray[np.float64], counts: NDArray[np.float64], hour: int, add: NDArray[np.float64]
) -> None:
    """``sums[1, hour] += np.nan_to_num(add); counts[1, hour, 0] += 1.0``, in place.

    ``np.nan_to_num`` maps NaN to 0.0 and +-inf to the largest finite float of that sign
    and keeps every finite value, so it is applied to each value on its own here (the
    numpy code skipped it when all values were finite, which gives the same sums).
    """
    for i in range(add.size):
        x = add[i]
        if x != x:
            x = 0.0
        elif x == np.inf:
            x = _FLOAT_MAX
        elif x == -np.inf:
            x = -_FLOAT_MAX
        sums[1, hour, i] += x
    counts[1, hour, 0] += 1.0
