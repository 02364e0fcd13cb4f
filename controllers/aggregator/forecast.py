"""Persistence forecast of the area's background load: the value seen one day earlier."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cosim.timebase import DAY_S

__all__ = ["DayAheadPersistence"]


class DayAheadPersistence:
    """Ring buffer of one day of a measured series, forecasting ``x(t) = x(t - 1 day)``.

    A step whose value one day (or, beyond a day ahead, two days...) earlier was never
    seen falls back to the latest measurement.

    Parameters
    ----------
    step_s : int
        Step length [s]; must divide a day.
    lag_steps : int
        Delay of the measurement: a value received at step ``n`` belongs to step
        ``n - lag_steps`` (1 for a time-shifted connection).

    Examples
    --------
    >>> f = DayAheadPersistence(step_s=43_200, lag_steps=0)
    >>> f.update(0, 5.0); f.update(43_200, 7.0)
    >>> f.forecast(86_400, 3).tolist()
    [5.0, 7.0, 5.0]
    """

    def __init__(self, *, step_s: int, lag_steps: int = 1) -> None:
        if step_s <= 0 or DAY_S % step_s:
            raise ValueError(f"step_s={step_s} s must be > 0 and divide a day (86400 s)")
        if lag_steps < 0:
            raise ValueError(f"lag_steps={lag_steps} must be >= 0")
        self.step_s = int(step_s)
        self.lag_steps = int(lag_steps)
        self.day_steps = DAY_S // self.step_s
        self._value = np.full(self.day_steps, np.nan)
        self._step = np.full(self.day_steps, np.iinfo(np.int64).min, dtype=np.int64)
        self._latest: float | None = None
        self._latest_step = np.iinfo(np.int64).min

    def update(self, time_s: int, value: float) -> None:
        """Store the measurement received at ``time_s`` [s]."""
        n = int(time_s) // self.step_s - self.lag_steps
        self._value[n % self.day_steps] = float(value)
        self._step[n % self.day_steps] = n
        if n >= self._latest_step:
            self._latest, self._latest_step = float(value), n

    def forecast(self, time_s: int, horizon: int) -> NDArray[np.float64]:
        """Forecast of steps ``time_s + k * step_s``, ``k < horizon`` (NaN before any data)."""
        if self._latest is None:
            return np.full(horizon, np.nan)
        now = int(time_s) // self.step_s
        target = now + np.arange(horizon, dtype=np.int64)
        known = self._latest_step
        days_back = np.maximum(1, -((known - target) // self.day_steps))
        src = target - days_back * self.day_steps
        slot = src % self.day_steps
        hit = self._step[slot] == src
        return np.where(hit, self._value[slot], self._latest)
