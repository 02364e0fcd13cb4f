"""The EVs whose trip of a day departs or returns in a time window, without a full pass.

A fleet step needs the EVs leaving or arriving in ``[t, t + step)``. Masks over the whole
fleet cost several passes over every EV at every step with an event; instead the day's
departure and return times of the EVs with a trip are sorted once (per week plan and day)
and each step takes the EVs of its window with two binary searches.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

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

    def __call__(
        self, plan: Any, day: int, t0_s: int, t1_s: int, *, dep: bool = True, ret: bool = True
    ) -> tuple[IntArray, IntArray]:
        """EVs (ascending) with a trip on ``day`` departing / returning in ``[t0_s, t1_s)``.

        ``dep`` / ``ret`` False: that side is not looked up (no EV).
        """
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
        dep_rows, dep_t, ret_rows, ret_t = hit[1]
        return (
            _window(dep_rows, dep_t, t0_s, t1_s) if dep else _NONE,
            _window(ret_rows, ret_t, t0_s, t1_s) if ret else _NONE,
        )


def _window(rows: IntArray, times: NDArray[Any], t0_s: int, t1_s: int) -> IntArray:
    lo, hi = times.searchsorted(t0_s), times.searchsorted(t1_s)  # side "left": [t0, t1)
    out = rows[lo:hi].copy()
    out.sort()
    return out
