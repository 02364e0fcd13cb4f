"""Parameters and state of the battery ageing model (frozen dataclasses, validated)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

__all__ = ["AgeingParams", "AgeingState", "Chemistry"]

FloatArray = NDArray[np.float64]


class Chemistry(StrEnum):
    """Cell chemistry, i.e. which published ageing model is used."""

    NMC = "nmc"
    LFP = "lfp"


_CELL_DEFAULTS = {Chemistry.NMC: (2.05, 3.6), Chemistry.LFP: (2.2, 3.3)}


@dataclass(frozen=True)
class AgeingParams:
    """Parameters of the ageing model (one set for the whole fleet).

    Parameters
    ----------
    chemistry : Chemistry
        ``"nmc"`` (Schmalstieg 2014, calendar + cycle) or ``"lfp"`` (Wang 2011, cycle only).
    cell_capacity_ah : float, optional
        Nominal cell capacity [Ah]; default the tested cell (2.05 NMC, 2.2 LFP). The cycle
        laws are not scale-free, so keep the tested cell unless refitting.
    cell_voltage_v : float, optional
        Nominal cell voltage [V] (3.6 NMC, 3.3 LFP); informative.
    temp_c : float
        Cell temperature used when ``age_step`` gets ``temp_c=None`` [°C].
    max_fade : float
        Cap of the total capacity fade [-], in (0, 1). The fits cover fade down to ~70 %
        capacity; beyond that they are extrapolations.
    """

    chemistry: Chemistry = Chemistry.NMC
    cell_capacity_ah: float | None = None
    cell_voltage_v: float | None = None
    temp_c: float = 25.0
    max_fade: float = 0.99

    def __post_init__(self) -> None:
        problems: list[str] = []
        try:
            object.__setattr__(self, "chemistry", Chemistry(self.chemistry))
        except ValueError:
            valid = [c.value for c in Chemistry]
            raise ValueError(f"chemistry={self.chemistry!r} is unknown; valid: {valid}") from None
        ah, v = _CELL_DEFAULTS[self.chemistry]
        if self.cell_capacity_ah is None:
            object.__setattr__(self, "cell_capacity_ah", ah)
        if self.cell_voltage_v is None:
            object.__setattr__(self, "cell_voltage_v", v)
        if not 0.1 <= float(self.cell_capacity_ah) <= 1000.0:  # type: ignore[arg-type]
            problems.append(f"cell_capacity_ah={self.cell_capacity_ah} must be in [0.1, 1000] Ah")
        if not 1.0 <= float(self.cell_voltage_v) <= 5.0:  # type: ignore[arg-type]
            problems.append(f"cell_voltage_v={self.cell_voltage_v} must be in [1, 5] V")
        if not -40.0 <= self.temp_c <= 80.0:
            problems.append(f"temp_c={self.temp_c} must be in [-40, 80] °C")
        if not 0.0 < self.max_fade < 1.0:
            problems.append(f"max_fade={self.max_fade} must be in (0, 1)")
        if problems:
            raise ValueError("invalid AgeingParams: " + "; ".join(problems))


@dataclass(frozen=True)
class AgeingState:
    """Ageing state of ``n_ev`` batteries; every array has shape (n_ev,).

    Attributes
    ----------
    calendar_fade, cycle_fade, total_fade : ndarray
        Capacity fade as a fraction of nominal capacity [-]; ``total_fade`` is the capped sum.
    throughput_kwh : ndarray
        Cumulative pack energy throughput, charge + discharge [kWh].
    cell_throughput_ah : ndarray
        Cumulative charge throughput of one cell, charge + discharge [Ah].
    t_eq_days : ndarray
        Calendar equivalent time under the last step's stress [day] (LFP: elapsed days).
    q_eq_ah : ndarray
        Cycle equivalent throughput under the last step's stress [Ah] (NMC: charge +
        discharge; LFP: discharge only, as in each paper).
    age_s : ndarray
        Time the model has aged the battery [s].

    Notes
    -----
    States are values: ``age_step`` never writes into an array, and successive states may
    share arrays that did not change, so treat them as read-only.
    """

    calendar_fade: FloatArray
    cycle_fade: FloatArray
    total_fade: FloatArray
    throughput_kwh: FloatArray
    cell_throughput_ah: FloatArray
    t_eq_days: FloatArray
    q_eq_ah: FloatArray
    age_s: FloatArray

    @classmethod
    def new(cls, n_ev: int) -> AgeingState:
        """Fresh batteries: no fade, no throughput.

        >>> AgeingState.new(2).total_fade
        array([0., 0.])
        """
        if n_ev < 1:
            raise ValueError(f"n_ev={n_ev} must be >= 1")
        return cls(*(np.zeros(n_ev) for _ in range(8)))

    @property
    def n_ev(self) -> int:
        """Number of batteries."""
        return int(self.total_fade.shape[0])

    @property
    def soh(self) -> FloatArray:
        """State of health: remaining capacity fraction ``1 - total_fade`` [-]."""
        return 1.0 - self.total_fade
