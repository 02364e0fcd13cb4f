"""The EVs whose trip of a day departs or returns in a time window, without a full pass.

A fleet step needs the EVs leaving or arriving in ``[t, t + step)``. Masks over the whole
fleet cost several passes over every EV at every step with an event; instead the day's
departure and return times of the EVs with a trip are sorted once (per week plan and day)
and each step takes the EVs of its window with two binary searches (in one compiled
call, :meth:`DueTrips.moving`, with the check of who is at home).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulators.ev_fleet.schedule_kernels import due_moving

__all__ = ["DueTrips"]

IntArray = NDArray[np.intp]

#: day plans kept (a step spans at most two days; the week before and after may be asked)
_KEEP = 8
#: the EVs of a side not asked for
_NONE: IntArray = np.empty(0, dtype=np.intp)
_NONE.flags.writeable = False


def _sorted_times(rows: IntArray, times: NDArray[np.int64]) -> tuple[IntArray, NDArray[Any]]:
    order = np.argsort(times, kind="stable")
    return rows[order], times[order]


class DueTrips:
    """Trips of a week plan (``trip``, ``dep_s``, ``ret_s``; shape (n_ev, 7)) due in a window."""

    def __init__(self) -> None:
        self._days: dict[tuple[int, int], tuple[object, tuple[Any, ...]]] = {}
        # the outputs of moving, writable (sized at its first call)
        self._scratch = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))

    def __call__(
        self, plan: Any, day: int, t0_s: int, t1_s: int, *, dep: bool = True, ret: bool = True
    ) -> tuple[IntArray, IntArray]:
        """EVs (ascending) with a trip on ``day`` departing / returning in ``[t0_s, t1_s)``.

        ``dep`` / ``ret`` False: that side is not looked up (no EV).
        """
        dep_rows, dep_t, ret_rows, ret_t = self._sorted(plan, day)
        return (
            _window(dep_rows, dep_t, t0_s, t1_s) if dep else _NONE,
            _window(ret_rows, ret_t, t0_s, t1_s) if ret else _NONE,
        )

    def moving(
        self, plan: Any, day: int, t0_s: int, t1_s: int, home: NDArray[np.bool_]
    ) -> tuple[IntArray, IntArray]:
        """The EVs (ascending) that leave their base / arrive in ``[t0_s, t1_s)`` on ``day``:
        those of :meth:`__call__` at home / away, an EV leaving counting as away
        (:func:`.schedule_kernels.due_moving`, one compiled call).

        The arrays are views of scratch buffers, valid until the next call: the fleet
        handles a day's events before it looks up the next day's and keeps no index array.
        """
        n = home.size
        if self._scratch[0].size != n:
            self._scratch = (np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64))
        leaving, arriving = self._scratch
        n_leave, n_arrive = due_moving(*self._sorted(plan, day), t0_s, t1_s, home, *self._scratch)
        return leaving[:n_leave], arriving[:n_arrive]

    def _sorted(self, plan: Any, day: int) -> tuple[IntArray, NDArray[Any], IntArray, NDArray[Any]]:
        """The EVs with a trip on ``day`` by departure time, and by return time, with the
        times (kept for the last few plan days)."""
        key = (id(plan), day)
        hit = self._days.get(key)
        if hit is None or hit[0] is not plan:  # the plan itself is kept: its id stays unique
            rows = np.flatnonzero(plan.trip[:, day])
            sorted_ = (
                *_sorted_times(rows, plan.dep_s[rows, day]),
                *_sorted_times(rows, plan.ret_s[rows, day]),
            )
            if len(self._days) >= _KEEP:
                del self._days[next(iter(self._days))]
            hit = self._days[key] = (plan, sorted_)
        return hit[1]  # type: ignore[return-value]


def _window(rows: IntArray, times: NDArray[Any], t0_s: int, t1_s: int) -> IntArray:
    lo, hi = times.searchsorted(t0_s), times.searchsorted(t1_s)  # side "left": [t0, t1)
    out = rows[lo:hi].copy()
    out.sort()
    return out
