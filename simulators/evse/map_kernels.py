"""Compiled mapping of the EVs to the chargers (numba): which EV is at each charger, for
``EVMap.update``.

Each loop does what the numpy code in its docstring does, checks included
(``tests/property/test_evse_kernels.py`` and ``test_fleet_evse_fused_kernels.py`` compare
them); compiled once, on import, for C-contiguous arrays that may be read-only (see
:mod:`.charger_kernels`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numpy.typing import NDArray

from cosim.kernels import IN_BOOL, IN_I64, OUT_BOOL, OUT_I64

__all__ = ["map_evs", "map_plugged"]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@njit((IN_I64, OUT_I64, OUT_BOOL), cache=True)
def map_evs(key: IntArray, ev_of: IntArray, has_ev: BoolArray) -> int:
    """The EV at each charger from each EV's charger ``key`` (< 0: none), into ``ev_of``
    (-1: free) and ``has_ev`` (both n): ``ev_of[key[e]] = e`` where ``key[e] >= 0``.

    Returns -1, or the first EV whose charger is ``>= n`` (nothing written), or -2 when
    two EVs name one charger.
    """
    n = ev_of.size
    for e in range(key.size):
        if key[e] >= n:
            return e
    ev_of[:] = -1
    shared = False
    for e in range(key.size):
        c = key[e]
        if c >= 0:
            shared |= ev_of[c] >= 0
            ev_of[c] = e
    for i in range(n):
        has_ev[i] = ev_of[i] >= 0
    return -2 if shared else -1


@njit(
    (IN_BOOL, IN_I64, types.boolean, OUT_I64, OUT_I64, OUT_BOOL, OUT_I64, OUT_I64, OUT_I64),
    cache=True,
)
def map_plugged(
    plugged: BoolArray,
    charger_idx: IntArray,
    sparse: bool,
    key: IntArray,
    ev_of: IntArray,
    has_ev: BoolArray,
    chargers: IntArray,
    ev: IntArray,
    rows: IntArray,
) -> tuple[int, int, bool]:
    """The whole mapping of ``EVMap.update`` in one call, in numpy terms::

        key = np.where(plugged, charger_idx, -1); status = map_evs(key, ev_of, has_ev)
        chargers = np.flatnonzero(has_ev); ev = ev_of[chargers]   # the first m entries
        identity = not sparse and key.size == n and not np.count_nonzero(ev != chargers)
        rows = np.maximum(ev_of, 0)

    ``key`` (plugged.size) is written first; ``chargers``, ``ev`` and ``rows`` (n, as
    ``ev_of``) only when ``status == -1``. Returns ``(status, m, identity)``.
    """
    for e in range(key.size):
        key[e] = charger_idx[e] if plugged[e] else -1
    status = map_evs(key, ev_of, has_ev)
    if status != -1:
        return status, 0, False
    m = 0
    identity = not sparse and key.size == ev_of.size
    for i in range(ev_of.size):
        e = ev_of[i]
        rows[i] = e if e > 0 else 0
        if e >= 0:
            chargers[m], ev[m] = i, e
            identity = identity and e == i
            m += 1
    return status, m, identity
