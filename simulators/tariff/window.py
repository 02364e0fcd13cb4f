"""Per-step values tabulated ahead: a forecast window re-asks mostly the same steps.

A tariff's forecast asks, every step, for the prices of the next H steps, of which H − 1
were asked the step before. :class:`StepTable` computes an elementwise function of
step-aligned scenario times for a block reaching ``ahead_steps`` beyond the request and
answers later requests from it, so the calendar and the price series are evaluated once
per block instead of H times per step. The values are those of the function itself (it is
elementwise), so results do not depend on the block boundaries.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = ["StepTable"]

Values = tuple[NDArray, ...]


class StepTable:
    """Values of an elementwise function of times ``k * step_s``, tabulated in blocks.

    Parameters
    ----------
    fn : callable
        Times [s] (int64 array) → tuple of arrays of the same length, elementwise.
    step_s : int
        Step [s]; only multiples of it are tabulated.
    ahead_steps : int
        Steps tabulated beyond the last one asked for (>= 0).
    last_step : callable, optional
        Highest step index ``fn`` may be evaluated at now (``None``: no limit), e.g. the
        last whole step inside a price file.

    Examples
    --------
    >>> table = StepTable(lambda t: (t * 2,), step_s=10, ahead_steps=3)
    >>> table.get(np.array([0, 10]))[0].tolist(), table.hi
    ([0, 20], 5)
    >>> table.get(np.array([5])) is None  # not a multiple of the step
    True
    """

    def __init__(
        self,
        fn: Callable[[NDArray[np.int64]], Values],
        *,
        step_s: int,
        ahead_steps: int,
        last_step: Callable[[], int | None] | None = None,
    ) -> None:
        self._fn = fn
        self.step_s = int(step_s)
        self.ahead_steps = int(ahead_steps)
        self._last_step = last_step
        self.lo = 0
        self.hi = 0  # steps [lo, hi) are tabulated
        self._values: Values = ()

    def get(self, time_s: NDArray[np.int64]) -> Values | None:
        """Values at ``time_s``, or ``None`` when they cannot be tabulated (the caller
        evaluates the function directly, with its own errors)."""
        if time_s.size == 0 or np.any(time_s % self.step_s):
            return None
        idx = time_s // self.step_s
        lo, hi = int(idx.min()), int(idx.max()) + 1
        if lo < self.lo or hi > self.hi or not self._values:
            last = None if self._last_step is None else self._last_step()
            if last is not None and hi > last + 1:
                return None
            end = hi + self.ahead_steps if last is None else min(hi + self.ahead_steps, last + 1)
            self._values = self._fn(self.step_s * np.arange(lo, end, dtype=np.int64))
            self.lo, self.hi = lo, end
        at = idx - self.lo
        return tuple(v[at] for v in self._values)
