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

__all__ = ["StepTable", "repeat_runs"]

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
        if not self._cover(int(idx.min()), int(idx.max()) + 1):
            return None
        at = idx - self.lo
        return tuple(v[at] for v in self._values)

    def window(self, first_step: int, n: int) -> Values | None:
        """Values at steps ``first_step .. first_step + n - 1`` (views of the table; do not
        write to them), or ``None`` as :meth:`get`."""
        if n <= 0 or not self._cover(first_step, first_step + n):
            return None
        at = first_step - self.lo
        return tuple(v[at : at + n] for v in self._values)

    def runs(self, runs: list[tuple[int, int]]) -> Values | None:
        """Values of the steps ``first .. first + n - 1`` of each run ``(first, n)`` in turn
        (one array per value), or ``None`` as :meth:`get`."""
        lo = min(first for first, _ in runs)
        if not self._cover(lo, max(first + n for first, n in runs)):
            return None
        at = [(first - self.lo, first - self.lo + n) for first, n in runs]
        return tuple(np.concatenate([v[a:b] for a, b in at]) for v in self._values)

    def _cover(self, lo: int, hi: int) -> bool:
        """Tabulate steps ``[lo, hi)`` unless they are; ``False`` if they may not be."""
        if lo < self.lo or hi > self.hi or not self._values:
            last = None if self._last_step is None else self._last_step()
            if last is not None and hi > last + 1:
                return False
            end = hi + self.ahead_steps if last is None else min(hi + self.ahead_steps, last + 1)
            self._values = self._fn(self.step_s * np.arange(lo, end, dtype=np.int64))
            self.lo, self.hi = lo, end
        return True


def repeat_runs(
    first_step: int, n: int, *, step_s: int, known_end_s: int, period_s: int
) -> list[tuple[int, int]] | None:
    """Runs ``(first, n)`` of source steps for the steps ``first_step .. first_step + n - 1``
    when a step starting at ``t >= known_end_s`` takes the value of ``t - d * period_s``,
    ``d = (t - known_end_s) // period_s + 1`` (an unknown future repeats the last known
    period); ``None`` if ``period_s`` is not a whole number of steps.

    >>> repeat_runs(10, 6, step_s=10, known_end_s=130, period_s=20)
    [(10, 3), (11, 2), (11, 1)]
    """
    if period_s % step_s:
        return None
    period = period_s // step_s
    t0 = first_step * step_s
    k = min(n, max(0, -((t0 - known_end_s) // step_s)))  # steps starting before known_end_s
    runs = [(first_step, k)] if k else []
    while k < n:
        d = (t0 + k * step_s - known_end_s) // period_s + 1
        end = min(n, -((t0 - known_end_s - d * period_s) // step_s))  # where d grows
        runs.append((first_step + k - d * period, end - k))
        k = end
    return runs
