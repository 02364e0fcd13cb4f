"""Undervoltage protection of a charge point: trip below a threshold, reconnect on recovery.

EN 50549-1:2019 §4.9.3 (interface protection) asks for an undervoltage stage with a
settable threshold and operate time, and §4.10 for a reconnection only after the voltage
has been back inside a band for a settable observation time. Charge points implement the
same logic in their own protection (a charger that keeps drawing power at 0.69 p.u., as
seen in a study, is not a real device). Defaults here: trip below 0.85 p.u., operate
time 0 s; reconnect at or above 0.90 p.u. after 60 s. The national settings vary:
set them per study.

The charger sees one voltage value per step: the mean over the previous step (the grid
voltage connected time-shifted), or with ``qv_loop = "same_step"`` this step's voltage
(``same_step.py``). A reading below the threshold therefore means the
voltage has been low for one step length, so the time below (or back above) grows by
``step_s`` per reading: with 15-min steps a delay of 0 s ... 900 s trips at the first
low reading, i.e. the charger stops for the step after the voltage sagged, and a
reconnection delay of 60 s reconnects at the first reading back above 0.90 p.u.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["UndervoltageProtection"]

FloatArray = NDArray[np.float64]


class UndervoltageProtection:
    """Per-charger undervoltage trip and reconnection (module docstring).

    Parameters
    ----------
    trip_pu, trip_delay_s : ndarray (n,)
        Trip threshold [p.u.] and operate time [s] (>= 0).
    reconnect_pu, reconnect_delay_s : ndarray (n,)
        Reconnection threshold [p.u.] (>= ``trip_pu``) and observation time [s].
    enabled : ndarray of bool (n,)
        Chargers that have the protection.
    step_s : int
        Step length [s]: the time one reading stands for.

    Examples
    --------
    >>> prot = UndervoltageProtection(trip_pu=np.full(1, 0.85), trip_delay_s=np.zeros(1),
    ...     reconnect_pu=np.full(1, 0.9), reconnect_delay_s=np.full(1, 60.0),
    ...     enabled=np.ones(1, dtype=bool), step_s=900)
    >>> [bool(prot.update(np.array([v]))[0]) for v in (0.95, 0.84, 0.88, 0.91, 0.95)]
    [False, True, True, False, False]
    >>> int(prot.n_trips[0])
    1
    """

    def __init__(
        self,
        *,
        trip_pu: FloatArray,
        trip_delay_s: FloatArray,
        reconnect_pu: FloatArray,
        reconnect_delay_s: FloatArray,
        enabled: NDArray[np.bool_],
        step_s: int,
    ) -> None:
        self.trip_pu = trip_pu
        self.trip_delay_s = trip_delay_s
        self.reconnect_pu = reconnect_pu
        self.reconnect_delay_s = reconnect_delay_s
        self.enabled = enabled
        self._all_enabled = bool(np.all(enabled))
        #: the trip level of each charger, -inf without protection (no voltage is below it,
        #: NaN included): ``v_pu < trip_at_pu`` is :meth:`update`'s ``low``, in one test
        self.trip_at_pu = np.ascontiguousarray(np.where(enabled, trip_pu, -np.inf), dtype=float)
        self.trip_at_pu.setflags(write=False)
        self.step_s = float(step_s)
        n = enabled.size
        self.tripped = np.zeros(n, dtype=bool)
        self.n_trips = np.zeros(n, dtype=np.int64)
        self._below_s = np.zeros(n)
        self._above_s = np.zeros(n)
        self._active = False  # any charger tripped or below the trip voltage
        self._handed_out()

    def _handed_out(self) -> None:
        """Read-only copies of ``tripped`` and ``n_trips`` to hand out: the step outputs,
        the same arrays again while the protection stays inactive (nothing changes)."""
        self.tripped_now = self.tripped.copy()
        self.tripped_now.setflags(write=False)
        self.n_trips_now = self.n_trips.copy()
        self.n_trips_now.setflags(write=False)

    @property
    def active(self) -> bool:
        """Whether a charger is tripped or timing below its trip voltage (False: none tripped)."""
        return self._active

    def update(self, v_pu: FloatArray) -> NDArray[np.bool_]:
        """Read this step's voltage [p.u.]; return which chargers are tripped for the step
        (:attr:`tripped_now`, read-only; :attr:`n_trips_now` the trips so far)."""
        low = v_pu < self.trip_pu
        if not self._all_enabled:
            low &= self.enabled
        if not self._active and not np.count_nonzero(low):  # nothing tripped, timing or starting to
            return self.tripped_now
        self._below_s = np.where(low, self._below_s + self.step_s, 0.0)
        ok = v_pu >= self.reconnect_pu
        self._above_s = np.where(self.tripped & ok, self._above_s + self.step_s, 0.0)
        trip = ~self.tripped & low & (self._below_s >= self.trip_delay_s)
        reconnect = self.tripped & ok & (self._above_s >= self.reconnect_delay_s)
        self.n_trips += trip
        self.tripped = (self.tripped | trip) & ~reconnect
        self._above_s = np.where(reconnect, 0.0, self._above_s)
        self._active = bool(self.tripped.any() or self._below_s.any())
        self._handed_out()
        return self.tripped_now
