"""Compiled look-ups in the fleet's weekly trip schedule (numba): who leaves and arrives in
a step's window, and each EV's first trip after a time.

Each kernel is the numpy expression in its docstring fused into one loop, with the same
result (``tests/property/test_ev_fleet_due_moving_kernel.py`` and
``tests/property/test_ev_fleet_event_kernels.py`` check them).
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numpy.typing import NDArray

from cosim.kernels import (
    IN_BOOL,
    IN_BOOL_2D,
    IN_F64_2D,
    IN_I64,
    IN_I64_2D,
    OUT_BOOL,
    OUT_F64,
    OUT_I64,
)

__all__ = ["due_moving", "first_trip"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# explicit signatures, inputs read-only: one compiled version for writable and read-only
# arrays alike (see :mod:`.fleet_kernels`); scalar type
_I = types.int64


@njit((IN_I64, IN_I64, IN_I64, IN_I64, _I, _I, IN_BOOL, OUT_I64, OUT_I64), cache=True)
def due_moving(
    dep_rows: IntArray,
    dep_t: IntArray,
    ret_rows: IntArray,
    ret_t: IntArray,
    t0_s: int,
    t1_s: int,
    home: BoolArray,
    leaving_out: IntArray,
    arriving_out: IntArray,
) -> tuple[int, int]:
    """The EVs of a day leaving and arriving in ``[t0_s, t1_s)`` (``events.trip_events``)
    from the day's trips sorted by time (``DueTrips``), into the first ``n_leave`` /
    ``n_arrive`` entries of the outputs; in numpy terms::

        dep_due = np.sort(dep_rows[dep_t.searchsorted(t0_s):dep_t.searchsorted(t1_s)])
        ret_due = likewise from ret_rows, ret_t
        leaving = dep_due[home[dep_due]]
        home[leaving] = False   # the departures come first: leave's update of home
        arriving = ret_due[~home[ret_due]]   # with that home; ``home`` itself is not changed

    Returns ``(n_leave, n_arrive)``.
    """
    n_leave = 0
    for i in np.sort(dep_rows[np.searchsorted(dep_t, t0_s) : np.searchsorted(dep_t, t1_s)]):
        if home[i]:
            leaving_out[n_leave] = i
            n_leave += 1
    leaving = leaving_out[:n_leave]  # ascending: a binary search tells who just left
    n_arrive = 0
    for i in np.sort(ret_rows[np.searchsorted(ret_t, t0_s) : np.searchsorted(ret_t, t1_s)]):
        k = np.searchsorted(leaving, i)
        if not home[i] or (k < n_leave and leaving[k] == i):
            arriving_out[n_arrive] = i
            n_arrive += 1
    return n_leave, n_arrive


@njit((IN_BOOL_2D, IN_I64_2D, IN_F64_2D, IN_I64, _I, OUT_BOOL, OUT_I64, OUT_F64), cache=True)
def first_trip(
    trip: BoolArray,
    dep_s: IntArray,
    km: FloatArray,
    idx: IntArray,
    after_s: int,
    found: BoolArray,
    dep_out: IntArray,
    km_out: FloatArray,
) -> int:
    """The first trip in a week plan (n_ev, 7) departing at or after ``after_s``, for the
    EVs ``idx`` not ``found`` in an earlier week::

        valid = trip[idx] & (dep_s[idx] >= after_s); col = np.argmax(valid, axis=1)
        new = ~found & valid.any(axis=1); found |= new
        dep_out[new], km_out[new] = dep_s[idx, col][new], km[idx, col][new]

    Returns the number of EVs still not found.
    """
    missing = 0
    for k in range(idx.size):
        if found[k]:
            continue
        i = idx[k]
        for d in range(trip.shape[1]):
            if trip[i, d] and dep_s[i, d] >= after_s:
                found[k] = True
                dep_out[k] = dep_s[i, d]
                km_out[k] = km[i, d]
                break
        missing += not found[k]
    return missing
