"""Compiled per-key sums of :class:`simulators.flex_market.meters.MeterMap` (numba).

The market sums its chargers' power per meter key twice a step (baseline and meters). In
numpy that is a finiteness test, a NaN replacement, a mask and a ``bincount``: ~3 µs of
call overhead on a few hundred chargers. The loop here adds in the same (charger) order
from the same zero start as ``bincount``, so the sums are the same bit for bit
(``tests/property/test_market_tso_kernels.py``).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = ["sum_per_key"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_BIG = np.finfo(np.float64).max  # what np.nan_to_num makes of +inf


@njit(cache=True)
def sum_per_key(values: FloatArray, key_of: IntArray, n_keys: int) -> FloatArray:
    """Sum of ``values`` per key ``key_of`` (-1: in no key), NaN counted as 0.

    ``np.bincount(key_of[key_of >= 0], weights=np.nan_to_num(values, nan=0.0)[key_of >= 0],
    minlength=n_keys)``: infinities become the largest finite floats, as ``nan_to_num``
    makes them.
    """
    out = np.zeros(n_keys)
    for i in range(values.size):
        k = key_of[i]
        if k < 0:
            continue
        v = values[i]
        if v != v:
            v = 0.0
        elif v > _BIG:
            v = _BIG
        elif v < -_BIG:
            v = -_BIG
        out[k] += v
    return out
