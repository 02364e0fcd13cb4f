"""Compiled helpers shared by the simulators' numba kernels, with numpy's exact semantics.

A simulator moves a per-element chain of numpy calls into one ``@njit`` loop when numpy's
per-call overhead, not the arithmetic, is what the step costs (arrays of a few hundred
EVs). The loop must give the same bits as the numpy code it replaces, so it keeps every
operation and its order, and uses these helpers where numpy's rule is not Python's:

- :func:`maximum`, :func:`minimum` propagate NaN from either side (``np.maximum``);
  :func:`fmax`, :func:`fmin` ignore a NaN side (``np.fmax``). Python's ``max`` and
  ``min`` do neither: ``max(0.0, nan)`` is ``0.0`` but ``max(nan, 0.0)`` is NaN.
- :func:`pairwise_sum` and :func:`range_sum` add as ``np.add.reduce`` does (pairwise, in
  blocks of 128 with eight running sums), where a plain loop would round differently.

Two numpy rules no loop can repeat: ``np.fmax``/``np.fmin`` between arrays, and the
vectorised ``np.minimum.reduce``/``reduceat`` (and maximum) over 8 or more values, pick
between 0.0 and -0.0 by the element's position. Where a result's sign of zero can reach
the output, keep those calls in numpy (or detect the tie and let numpy decide, as
:mod:`controllers.dso.light_kernels` does). Comparing datasets with ``array_equal`` does
not see a sign of zero: only the kernels' property tests do.

numba types a read-only array apart from a writable one, so a kernel that receives a
simulator's read-only outputs at one step and fresh arrays at the next compiles twice;
such kernels declare their signature with ``readonly=True`` inputs, which writable arrays
match too (:mod:`simulators.evse.charger_kernels`).

Kernels that divide are compiled with ``error_model="numpy"``: a division by zero gives
inf or NaN, as numpy does, instead of raising. Compiled code is cached next to its module
(``cache=True``); only a fresh checkout's first run compiles.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numpy.typing import NDArray

__all__ = [
    "IN_BOOL",
    "IN_BOOL_2D",
    "IN_F64",
    "IN_F64_2D",
    "IN_I64",
    "IN_I64_2D",
    "OUT_BOOL",
    "OUT_F64",
    "OUT_I64",
    "fmax",
    "fmin",
    "maximum",
    "minimum",
    "pairwise_sum",
    "range_sum",
]

FloatArray = NDArray[np.float64]

# Array types of explicit kernel signatures: contiguous inputs declared read-only, which
# writable arrays match too (one compiled version for both), and writable outputs
IN_F64 = types.Array(types.float64, 1, "C", readonly=True)
IN_I64 = types.Array(types.int64, 1, "C", readonly=True)
IN_BOOL = types.Array(types.boolean, 1, "C", readonly=True)
IN_F64_2D = types.Array(types.float64, 2, "C", readonly=True)
IN_I64_2D = types.Array(types.int64, 2, "C", readonly=True)
IN_BOOL_2D = types.Array(types.boolean, 2, "C", readonly=True)
OUT_F64 = types.Array(types.float64, 1, "C")
OUT_I64 = types.Array(types.int64, 1, "C")
OUT_BOOL = types.Array(types.boolean, 1, "C")

_BLOCK = 128  # numpy's pairwise-summation block (PW_BLOCKSIZE)
_STACK = 192  # 3 per halving: enough for 2**60 terms


@njit(cache=True)
def maximum(a: float, b: float) -> float:
    """``np.maximum(a, b)``: NaN if either is NaN; ``b`` of two equal (signed) zeros."""
    return a if a > b or a != a else b


@njit(cache=True)
def minimum(a: float, b: float) -> float:
    """``np.minimum(a, b)``: NaN if either is NaN; ``b`` of two equal (signed) zeros."""
    return a if a < b or a != a else b


@njit(cache=True)
def fmax(a: float, b: float) -> float:
    """``np.fmax(a, b)``: the other value if one is NaN.

    Of two signed zeros numpy itself returns either, by array position; so does this.
    """
    return a if a >= b or b != b else b


@njit(cache=True)
def fmin(a: float, b: float) -> float:
    """``np.fmin(a, b)``: the other value if one is NaN (either of two signed zeros)."""
    return a if a <= b or b != b else b


@njit(cache=True)
def pairwise_sum(a: FloatArray) -> float:
    """``np.add.reduce`` of a 1-D float64 array, bit for bit."""
    return range_sum(a, 0, a.size)


@njit(cache=True)
def range_sum(a: FloatArray, start: int, n: int) -> float:
    """``np.add.reduce(a[start : start + n])``, bit for bit.

    numpy adds the pairwise sum to the identity, +0.0: a sum of negative zeros is +0.0.
    """
    return 0.0 + _pairwise(a, start, n)


@njit(cache=True)
def _pairwise(a: FloatArray, start: int, n: int) -> float:
    """numpy's pairwise summation of ``a[start : start + n]``: runs longer than a block
    are halved on a multiple of 8 and their halves' sums added (left + right).

    The halving is walked with explicit stacks: numba's cache cannot reload a recursive
    function (a cached one crashes the next process).
    """
    if n <= _BLOCK:
        return _block_sum(a, start, n)
    # nodes still to add up (start, length, halved yet?), deepest last; sums of the done
    node_start = np.empty(_STACK, dtype=np.int64)
    node_n = np.empty(_STACK, dtype=np.int64)
    node_halved = np.zeros(_STACK, dtype=np.bool_)
    sums = np.empty(_STACK)
    node_start[0], node_n[0], nodes, done = start, n, 1, 0
    while nodes:
        nodes -= 1
        s0, m, halved = node_start[nodes], node_n[nodes], node_halved[nodes]
        if m <= _BLOCK:
            sums[done] = _block_sum(a, s0, m)
            done += 1
        elif halved:  # both halves done: their sums are the last two
            done -= 1
            sums[done - 1] = sums[done - 1] + sums[done]
        else:
            half = m // 2
            half -= half % 8
            node_halved[nodes] = True  # back on the stack below its halves
            node_start[nodes + 1], node_n[nodes + 1] = s0 + half, m - half
            node_halved[nodes + 1] = False
            node_start[nodes + 2], node_n[nodes + 2] = s0, half
            node_halved[nodes + 2] = False
            nodes += 3
    return sums[0]


@njit(cache=True)
def _block_sum(a: FloatArray, start: int, n: int) -> float:
    """numpy's sum of at most one block: in order below 8 terms, else eight running sums."""
    if n < 8:
        s = 0.0
        for i in range(start, start + n):
            s += a[i]
        return s
    r0, r1, r2, r3 = a[start], a[start + 1], a[start + 2], a[start + 3]
    r4, r5, r6, r7 = a[start + 4], a[start + 5], a[start + 6], a[start + 7]
    i = start + 8
    end = start + n - n % 8
    while i < end:
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
        i += 8
    s = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < start + n:
        s += a[i]
        i += 1
    return s
