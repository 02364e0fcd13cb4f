"""Compiled per-step arithmetic of :class:`simulators.tso.model.TSOModel` (numba).

Every step a provider turns the sub-step activations (90 of them at 10 s in a 15-min step)
into requested powers and step means: two products and three sums, ~6 µs of numpy call
overhead for a few hundred flops. The loop here does the same products, and sums as
``np.add.reduce`` does (:func:`cosim.kernels.pairwise_sum`), so the results are the same
bit for bit (``tests/property/test_market_tso_kernels.py``).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from cosim.kernels import pairwise_sum

__all__ = ["requests_and_sums"]

FloatArray = NDArray[np.float64]


@njit(cache=True)
def requests_and_sums(
    a_fcr: FloatArray,
    a_afrr: FloatArray,
    f_hz: FloatArray,
    neg_fcr_kw: float,
    neg_afrr_kw: float,
) -> tuple[FloatArray, FloatArray, float, float, float]:
    """Requested powers and the sums of the step's sub-step signals.

    ``(a_fcr * neg_fcr_kw, a_afrr * neg_afrr_kw, np.add.reduce(a_fcr),
    np.add.reduce(a_afrr), np.add.reduce(f_hz))``, the arrays of one length.
    """
    n = a_fcr.size
    req_fcr = np.empty(n)
    req_afrr = np.empty(n)
    for k in range(n):
        req_fcr[k] = a_fcr[k] * neg_fcr_kw
        req_afrr[k] = a_afrr[k] * neg_afrr_kw
    # + 0.0: np.add.reduce of negative zeros is +0.0, pairwise_sum's -0.0 from 8 of them
    # on (the only sum it changes: any other term makes a -0.0 sum impossible)
    sum_fcr = pairwise_sum(a_fcr) + 0.0
    sum_afrr = pairwise_sum(a_afrr) + 0.0
    return req_fcr, req_afrr, sum_fcr, sum_afrr, pairwise_sum(f_hz) + 0.0
