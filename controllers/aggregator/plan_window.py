"""A receding-horizon plan (EVs x steps, column 0 the current step) that moves without copying.

Each step the plan loses its first column (the step just taken) and the next solve wants it
as wide as the horizon again. Re-allocating it at every step costs, with 10,000 EVs and 96
steps, ~15 MB of memory traffic per step. Here the plan is a window on a buffer twice the
horizon wide: a shift moves the window's start, widening zeroes the new columns, and the
kept columns go back to the buffer's start only when the window reaches its end (about once
per horizon).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["PlanWindow"]

FloatArray = NDArray[np.float64]


class PlanWindow:
    """The plan of a receding-horizon policy [kW]; ``plan`` is a view on a larger buffer.

    Examples
    --------
    >>> w = PlanWindow()
    >>> w.widen(2, 3)[:] = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    >>> w.shift(1)
    >>> w.widen(2, 3).tolist()
    [[2.0, 3.0, 0.0], [5.0, 6.0, 0.0]]
    """

    def __init__(self) -> None:
        self._buf = np.zeros((0, 0))
        self._start = 0  # the plan's first column in the buffer
        self.plan: FloatArray = self._buf

    def shift(self, steps: int) -> None:
        """Drop the first ``steps`` columns: time moved on by that many steps."""
        self.plan = self.plan[:, steps:]
        self._start += steps

    def widen(self, n_ev: int, horizon: int) -> FloatArray:
        """The plan over ``horizon`` steps for ``n_ev`` EVs: the kept columns, then zeros.

        A different number of EVs starts from zeros.
        """
        if self.plan.shape == (n_ev, horizon):
            return self.plan
        width = min(horizon, self.plan.shape[1]) if self.plan.shape[0] == n_ev else 0
        buf, start = self._buf, self._start
        if buf.shape[0] != n_ev or buf.shape[1] < 2 * horizon:
            buf, start = np.zeros((n_ev, 2 * horizon)), -1
        if start < 0 or start + horizon > buf.shape[1]:
            if width:  # the kept columns start past ``horizon`` (or in another buffer)
                buf[:, :width] = self.plan[:, :width]
            start = 0
        buf[:, start + width : start + horizon] = 0.0
        self._buf, self._start = buf, start
        self.plan = buf[:, start : start + horizon]
        return self.plan

    def total(self, rows: NDArray[np.bool_]) -> FloatArray:
        """The plan's total per step, given that only ``rows`` may be non-zero [kW].

        numpy adds the rows of a plan of two or more steps one after the other, so leaving
        out zero rows changes no bit (a one-step plan is summed pairwise: whole).
        """
        if self.plan.shape[1] < 2:
            return self.plan.sum(axis=0)
        return self.plan[rows].sum(axis=0)
