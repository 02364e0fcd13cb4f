"""Battery wear of a fleet through a run: per-step stress accumulation, periodic ageing.

The fleet model reports each step's SoC before and after, battery energy and trip energy;
:class:`FleetWear` accumulates the stress (time-mean SoC, throughput, SoC swing, C-rate)
and ages the batteries with :func:`simulators.ev_fleet.ageing.age_step` once per
``interval_s`` (default one day). The equivalent-time stepping of ``age_step`` makes the
result independent of how a constant-stress period is split, so a daily update loses only
the intra-day variation of the stress: the day's mean SoC sets the calendar voltage, the
day's SoC range (max - min) stands for the depth of discharge of its cycles, and the mean
C-rate while current flowed sets the LFP rate term. Shorter intervals are not more exact:
a 15-min window sees only a sliver of each cycle, so its SoC range understates the depth
of discharge (cycle fade over two weeks came out ~25 % lower per EV).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from simulators.ev_fleet.ageing import age_step
from simulators.ev_fleet.ageing_params import AgeingParams, AgeingState
from simulators.ev_fleet.fleet_kernels import accumulate_stress, add_throughput

__all__ = ["FleetWear"]

FloatArray = NDArray[np.float64]
#: the stress totals of the EVs: SoC x time, throughput, C-rate x time, time with current,
#: lowest and highest SoC
Stress = tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]

_ALL = np.empty(0, dtype=np.int64)  # the rows of an update of every EV: no index


class FleetWear:
    """Capacity fade of ``n_ev`` batteries, updated every ``interval_s``.

    Parameters
    ----------
    nominal_kwh : ndarray (n_ev,)
        Beginning-of-life usable capacity [kWh].
    params : AgeingParams
        Chemistry and cell data.
    interval_s : int
        Ageing update interval [s].
    soc0 : ndarray (n_ev,)
        Initial SoC [-].
    """

    def __init__(
        self,
        nominal_kwh: FloatArray,
        params: AgeingParams,
        *,
        interval_s: int = 86_400,
        soc0: FloatArray,
    ) -> None:
        if interval_s <= 0:
            raise ValueError(f"interval_s={interval_s} s must be > 0")
        self.params = params
        self.nominal_kwh = np.asarray(nominal_kwh, dtype=float).copy()
        self.interval_s = int(interval_s)
        self.state = AgeingState.new(self.nominal_kwh.size)
        self._set_usable(self.nominal_kwh.copy())
        self._reset(np.asarray(soc0, dtype=float))
        self._temp_sum = 0.0

    def _set_usable(self, usable_kwh: FloatArray) -> None:
        self.usable_kwh = usable_kwh
        # every capacity positive (the usual case): an EV without current adds 0 / capacity
        # = +0.0 to its C-rate total, so it needs no mask
        self.usable_positive = bool(np.all(usable_kwh > 0.0) and np.isfinite(usable_kwh).all())

    def _reset(self, soc: FloatArray) -> None:
        self._dt = 0.0
        #: the stress totals, one row each, as ``fleet_kernels.charge_worn`` and
        #: ``event_kernels.arrive`` take them (in place): one array argument, not a tuple
        #: of six (a tuple is typed in Python at every call)
        self.stress_rows = np.zeros((6, self.nominal_kwh.size))
        self.stress_rows[4] = soc
        self.stress_rows[5] = soc
        # the rows, as ``fleet_kernels.accumulate_stress`` takes them
        self.stress: Stress = tuple(self.stress_rows)  # type: ignore[assignment]
        self._soc_dt, self._e_kwh, self._c_dt, self._t_flow, self._soc_lo, self._soc_hi = (
            self.stress
        )
        self._temp_sum = 0.0

    def accumulate(
        self,
        *,
        soc_before: FloatArray,
        soc_after: FloatArray,
        e_abs_kwh: FloatArray,
        dt_s: float,
        temp_c: float,
        idx: NDArray[np.intp] | None = None,
    ) -> None:
        """Add one step's stress: SoC at both ends, |energy| through the cells [kWh].

        ``idx`` (distinct): the EVs with battery power, ``e_abs_kwh`` theirs; the others'
        SoC did not change. The same as the full update (see :meth:`add_energy`).
        """
        self._dt += dt_s
        accumulate_stress(
            np.ascontiguousarray(soc_before, dtype=float),
            np.ascontiguousarray(soc_after, dtype=float),
            np.ascontiguousarray(e_abs_kwh, dtype=float),
            _ALL if idx is None else np.ascontiguousarray(idx, dtype=np.int64),
            idx is None,
            self.usable_kwh,
            self.usable_positive,
            float(dt_s),
            self.stress,
        )
        self._temp_sum += temp_c * dt_s

    def stress_args(self) -> tuple[FloatArray, bool, NDArray[np.float64]]:
        """``usable_kwh``, ``usable_positive`` and ``stress_rows`` of ``charge_worn``."""
        return self.usable_kwh, self.usable_positive, self.stress_rows

    def add_time(self, dt_s: float, temp_c: float) -> None:
        """The time and temperature of a step whose stress was added to :attr:`stress`
        directly (``fleet_kernels.charge_worn``), as :meth:`accumulate` adds them."""
        self._dt += dt_s
        self._temp_sum += temp_c * dt_s

    def add_energy(
        self,
        e_abs_kwh: FloatArray,
        soc_after: FloatArray,
        *,
        idx: NDArray[np.intp] | None = None,
    ) -> None:
        """Add throughput outside the step's power (trip energy) and the SoC it leaves.

        ``idx`` (distinct): only these EVs changed; ``e_abs_kwh`` holds theirs, ``soc_after``
        every EV's SoC. The same as the full update: the others' SoC stayed within the range
        kept so far (every SoC change passes here or through :meth:`accumulate`).
        """
        add_throughput(
            np.ascontiguousarray(soc_after, dtype=float),
            np.ascontiguousarray(e_abs_kwh, dtype=float),
            _ALL if idx is None else np.ascontiguousarray(idx, dtype=np.int64),
            idx is None,
            self._e_kwh,
            self._soc_lo,
            self._soc_hi,
        )

    def due(self) -> bool:
        """True once an interval of stress has been accumulated."""
        return self._dt >= self.interval_s

    def update(self, soc_now: FloatArray) -> FloatArray:
        """Age by the accumulated stress; return the new usable capacity [kWh]."""
        if self._dt <= 0.0:
            return self.usable_kwh
        c_rate = np.where(self._t_flow > 0, self._c_dt / np.maximum(self._t_flow, 1e-9), 0.0)
        self.state = age_step(
            self.state,
            soc_mean=np.clip(self._soc_dt / self._dt, 0.0, 1.0),
            temp_c=self._temp_sum / self._dt,
            dt_s=self._dt,
            throughput_kwh=self._e_kwh,
            dod=np.clip(self._soc_hi - self._soc_lo, 0.0, 1.0),
            c_rate=c_rate,
            capacity_kwh=self.nominal_kwh,
            params=self.params,
        )
        self._set_usable(self.nominal_kwh * (1.0 - self.state.total_fade))
        self._reset(np.asarray(soc_now, dtype=float))
        return self.usable_kwh

    @property
    def fade(self) -> FloatArray:
        """Total capacity fade per EV [-]."""
        return self.state.total_fade
