"""What drivers declare at plug-in: departure time and energy need, approximately.

Controllers should not see each EV's true departure and need (perfect foresight about
users). A driver declares both when plugging in, with an error that stays fixed for the
session:

- departure: ``t_dep + δ``, ``δ ~ N(0, σ_dep)`` rounded to the step, never before the next
  step;
- energy need: the need at plug-in times ``1 + ε``, ``ε ~ N(0, σ_e)`` (at least 0); while
  charging, the declared remaining need is ``max(0, declared − charged so far)``, so an
  under-declaration leaves the EV short at departure and an over-declaration asks for more
  than the battery takes.

Errors depend on ``(seed, EV index, true departure)`` only: the same session gets the same
declaration at every step and in every run with that seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from .policy import FleetObservation

__all__ = ["DeclaredValues"]


@dataclass
class DeclaredValues:
    """Declared departure and energy need per session, drawn once per session.

    Parameters
    ----------
    departure_error_s : float
        Standard deviation of the departure declaration error [s] (0: exact).
    energy_error_pct : float
        Standard deviation of the relative energy-need declaration error [%] (0: exact).
    seed : int
        Seed of the errors.
    """

    departure_error_s: float = 0.0
    energy_error_pct: float = 0.0
    seed: int = 0
    _sessions: dict[tuple[int, int], tuple[int, float, float]] = field(
        default_factory=dict, init=False, repr=False
    )

    def __post_init__(self) -> None:
        problems = [
            f"{name}={getattr(self, name)!r} must be a finite number >= 0"
            for name in ("departure_error_s", "energy_error_pct")
            if not (np.isfinite(getattr(self, name)) and getattr(self, name) >= 0)
        ]
        if problems:
            raise ValueError("invalid declared values: " + "; ".join(problems))

    @property
    def exact(self) -> bool:
        """True when both errors are 0 (the controllers see the truth)."""
        return self.departure_error_s == 0 and self.energy_error_pct == 0

    def _session(
        self, ev: int, departure_s: int, need_kwh: float, step_s: int, now_s: int
    ) -> tuple[int, float, float]:
        key = (ev, departure_s)
        if key not in self._sessions:
            rng = np.random.default_rng([self.seed, ev, departure_s & 0x7FFFFFFF])
            dep_err, e_err = rng.normal(0.0, 1.0, 2)
            shift = round(float(dep_err) * self.departure_error_s / step_s) * step_s
            declared_dep = max(departure_s + shift, now_s + step_s)
            declared_need = max(0.0, need_kwh * (1.0 + e_err * self.energy_error_pct / 100.0))
            self._sessions[key] = (declared_dep, declared_need, need_kwh)
        return self._sessions[key]

    def declare(
        self,
        *,
        time_s: int,
        step_s: int,
        plugged: NDArray[np.bool_],
        departure_s: NDArray[np.int64],
        e_need_kwh: NDArray[np.float64],
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Declared departure [s] and remaining energy need [kWh] per EV (unplugged: as is).

        >>> d = DeclaredValues(departure_error_s=0.0, energy_error_pct=0.0)
        >>> dep, need = d.declare(time_s=0, step_s=900, plugged=np.array([True]),
        ...                       departure_s=np.array([3600]), e_need_kwh=np.array([10.0]))
        >>> dep.tolist(), need.tolist()
        ([3600], [10.0])
        """
        dep = np.asarray(departure_s, dtype=np.int64).copy()
        need = np.asarray(e_need_kwh, dtype=float).copy()
        if self.exact:
            return dep, need
        for i in np.flatnonzero(np.asarray(plugged, dtype=bool)):
            d_dep, d_need, need0 = self._session(
                int(i), int(dep[i]), float(need[i]), step_s, time_s
            )
            charged = max(0.0, need0 - float(need[i]))
            dep[i] = max(d_dep, time_s + step_s)
            need[i] = max(0.0, d_need - charged)
        self._forget(np.asarray(plugged, dtype=bool))
        return dep, need

    def _forget(self, plugged: NDArray[np.bool_]) -> None:
        """Drop sessions of EVs no longer plugged (their next session draws afresh)."""
        gone = [k for k in self._sessions if k[0] >= plugged.size or not plugged[k[0]]]
        for k in gone:
            del self._sessions[k]

    def apply(self, obs: FleetObservation) -> FleetObservation:
        """``obs`` with the declared departure and energy need in place of the true ones."""
        if self.exact:
            return obs
        dep, need = self.declare(
            time_s=obs.time_s,
            step_s=obs.step_s,
            plugged=obs.plugged,
            departure_s=obs.departure_s,
            e_need_kwh=obs.e_need_kwh,
        )
        return replace(obs, departure_s=dep, e_need_kwh=need)
