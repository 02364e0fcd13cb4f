"""Randomised start delay of a ToU-delayed charge (UK smart charge point rule).

Every charging session draws a delay ``delta ~ U(0, window)`` once, from the policy's own
generator. At the start of an off-peak run the EV waits ``delta`` before it charges at full
power. With steps of ``dt`` the EV's average power in a step is the share of the step it
may charge: ``clip((t_j + dt - (start + delta)) / dt, 0, 1)`` of full power. So a delay
below one step lowers the first step's energy (a fraction, not a whole-step offset, which
at 15-min steps would turn the default 600 s into "0 or 15 min") and a longer one also
skips whole steps; the fleet's energy in each step is exactly that of EVs switching on at
their own instants. The must-run floor still applies, so a delay never costs a need.

References
----------
.. [1] The Electric Vehicles (Smart Charge Points) Regulations 2021, SI 2021/1467,
   Schedule 1, para. 6 (randomised delay, default up to 600 s).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["SessionDelays", "delayed_fraction", "run_start_s"]

FloatArray = NDArray[np.float64]


def run_start_s(
    allowed: NDArray[np.bool_], *, time_s: int, step_s: int, first_start_s: int | None
) -> NDArray[np.int64]:
    """Start time of the off-peak run each step belongs to [s] (-1 outside a run).

    ``first_start_s`` is the start of a run that already holds step 0 (``None``: a run
    holding step 0 starts now).

    >>> run_start_s(np.array([True, False, True, True]), time_s=0, step_s=900,
    ...             first_start_s=-900).tolist()
    [-900, -1, 1800, 1800]
    """
    k = np.arange(allowed.size)
    opens = allowed & ~np.concatenate(([False], allowed[:-1]))
    first = np.maximum.accumulate(np.where(opens, k, -1))
    start = np.where(allowed, time_s + first * step_s, -1).astype(np.int64)
    if first_start_s is not None and allowed.size and allowed[0]:
        start[allowed & (first == 0)] = first_start_s
    return start


def delayed_fraction(
    allowed: NDArray[np.bool_],
    *,
    run_start: NDArray[np.int64],
    delay_s: FloatArray,
    time_s: int,
    step_s: int,
) -> FloatArray:
    """Share of each step an EV may charge at full power after its delay, shape (n, H).

    >>> delayed_fraction(np.array([False, True, True]), run_start=np.array([-1, 900, 900]),
    ...                  delay_s=np.array([0.0, 450.0, 1200.0]), time_s=0, step_s=900).tolist()
    [[0.0, 1.0, 1.0], [0.0, 0.5, 1.0], [0.0, 0.0, 0.6666666666666666]]
    """
    t_end = time_s + (np.arange(allowed.size) + 1.0) * step_s
    hold = run_start[None, :] + delay_s[:, None]
    frac = np.clip((t_end[None, :] - hold) / step_s, 0.0, 1.0)
    return np.where(allowed[None, :], frac, 0.0)


class SessionDelays:
    """One random delay per charging session, drawn when the session starts.

    A session starts when an EV is plugged and was not at the last call, or its
    departure time changed (a new plug-in at the same charger).

    Parameters
    ----------
    window_s : float
        Longest delay [s] (>= 0).
    rng : numpy.random.Generator
        The policy's own generator (no global random state).
    """

    def __init__(self, *, window_s: float, rng: np.random.Generator) -> None:
        self.window_s = float(window_s)
        self.rng = rng
        self._delay_s = np.zeros(0)
        self._plugged = np.zeros(0, dtype=bool)
        self._departure = np.zeros(0, dtype=np.int64)

    def update(self, plugged: NDArray[np.bool_], departure_s: NDArray[np.int64]) -> FloatArray:
        """Delay of every EV's current session [s] (0 for unplugged EVs)."""
        n = plugged.size
        if self._delay_s.size != n:
            self._delay_s = np.zeros(n)
            self._plugged = np.zeros(n, dtype=bool)
            self._departure = np.full(n, -2, dtype=np.int64)
        new = plugged & (~self._plugged | (departure_s != self._departure))
        self._delay_s[new] = self.rng.uniform(0.0, self.window_s, int(new.sum()))
        self._delay_s[~plugged] = 0.0
        self._plugged = plugged.copy()
        self._departure = departure_s.copy()
        return self._delay_s.copy()
