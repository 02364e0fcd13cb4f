"""The DSO operator without mosaik: delays measurements, forecasts, asks its policy, counts."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosim.errors import ModelError
from cosim.timebase import DAY_S

from .detection import detect
from .policies import DSOContext, DSOParams, Observation, make_policy
from .topology import GridTopology
from .vcc import PersistenceForecast

__all__ = ["OperatorModel", "OperatorState"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OperatorState:
    """Result of one operator step.

    Attributes
    ----------
    p_limit_kw : ndarray (C,)
        Cap per charger [kW] (NaN: no cap).
    n_congested : int
        Lines and trafos above the loading limit in the observation.
    n_v_violations : int
        Buses outside the voltage band in the observation.
    p_curtail_req_kw : float
        Σ over chargers of max(measured power − cap, 0) [kW]: what the caps ask to shed.
    """

    p_limit_kw: NDArray[np.float64]
    n_congested: int
    n_v_violations: int
    p_curtail_req_kw: float


class OperatorModel:
    """One DSO operator over one grid area and one charger bank.

    Parameters
    ----------
    topology : GridTopology
        Grid graph with downstream sets.
    charger_bus_id : array_like of int (C,)
        Original bus id of each charger.
    p_rated_kw : array_like (C,) or float
        Charger ratings [kW].
    params : DSOParams
        Framework and settings.
    step_s : int
        Step length [s].
    start_sod_s : int
        Local time of day of the scenario start [s] (for schedules and the forecast).
    """

    def __init__(
        self,
        topology: GridTopology,
        charger_bus_id: ArrayLike,
        p_rated_kw: ArrayLike,
        *,
        params: DSOParams,
        step_s: int = 900,
        start_sod_s: int = 0,
    ) -> None:
        self.topology = topology
        self.charger_bus_id = np.asarray(charger_bus_id, dtype=np.int64).reshape(-1)
        n = self.charger_bus_id.size
        rated = np.broadcast_to(np.asarray(p_rated_kw, dtype=float), (n,)).copy()
        if np.any(~(rated > 0)):
            raise ModelError(f"charger p_rated_kw must be > 0 kW, got {rated[~(rated > 0)][:5]}")
        self.ctx = DSOContext(
            params=params,
            rating_kva=topology.rating_kva,
            mask=topology.charger_mask(self.charger_bus_id),
            p_rated_kw=rated,
        )
        self.policy = make_policy(self.ctx)
        self.step_s = int(step_s)
        self.start_sod_s = int(start_sod_s)
        self._buffer: deque[tuple[NDArray, NDArray, NDArray]] = deque(maxlen=params.delay_steps + 1)
        self._forecast = PersistenceForecast(topology.n_element)
        self.p_limit_kw = np.full(n, np.nan)

    @property
    def n_charger(self) -> int:
        """Number of chargers."""
        return int(self.charger_bus_id.size)

    def local_day_hour(self, time_s: int) -> tuple[int, float]:
        """Local day index and hour of day of scenario time ``time_s``."""
        local = self.start_sod_s + int(time_s)
        return local // DAY_S, (local % DAY_S) / 3600.0

    def step(
        self,
        time_s: int,
        *,
        loading_pct: ArrayLike | None,
        v_pu: ArrayLike | None,
        p_kw: ArrayLike | None,
    ) -> OperatorState:
        """Take the latest measurements (already one step old), decide and count.

        Parameters
        ----------
        time_s : int
            Scenario time [s].
        loading_pct : array_like (E,) or None
            Lines then trafos [%]; None when the grid is not connected.
        v_pu : array_like (B,) or None
            Bus voltages [p.u.].
        p_kw : array_like (C,) or None
            Charger powers [kW]; None → 0.
        """
        self._buffer.append(self._measurement(loading_pct, v_pu, p_kw))
        if len(self._buffer) == self._buffer.maxlen:
            loading, v, p = self._buffer[0]
        else:  # the delay line is still filling: nothing measured yet
            loading, v, p = (np.full_like(a, np.nan) for a in self._buffer[-1])
        seen_at = time_s - self.step_s * (1 + self.ctx.params.delay_steps)
        if seen_at >= 0 and not np.all(np.isnan(loading)):
            day, hour = self.local_day_hour(seen_at)
            self._forecast.observe(day, int(hour), loading)
        day, hour = self.local_day_hour(time_s)
        obs = Observation(
            time_s=int(time_s),
            day=day,
            hour=hour,
            loading_pct=loading,
            v_pu=v,
            p_kw=p,
            p_limit_prev_kw=self.p_limit_kw,
            forecast_loading_pct=self._forecast.forecast(day, int(hour)),
        )
        limits = np.asarray(self.policy.decide(obs), dtype=float)
        self.p_limit_kw = limits
        params = self.ctx.params
        found = detect(
            loading,
            v,
            loading_limit_pct=params.loading_limit_pct,
            v_min_pu=params.v_min_pu,
            v_max_pu=params.v_max_pu,
        )
        excess = np.nan_to_num(np.fmax(np.nan_to_num(p) - limits, 0.0))
        return OperatorState(limits, found.n_congested, found.n_v_violations, float(excess.sum()))

    def _measurement(
        self, loading_pct: ArrayLike | None, v_pu: ArrayLike | None, p_kw: ArrayLike | None
    ) -> tuple[NDArray, NDArray, NDArray]:
        e, b, c = self.topology.n_element, self.topology.bus_id.size, self.n_charger
        loading = _vector(loading_pct, e, "line+trafo loading_pct")
        v = _vector(v_pu, b, "v_pu")
        p = np.zeros(c) if p_kw is None else _vector(p_kw, c, "p_kw")
        return loading, v, p


def _vector(value: ArrayLike | None, n: int, name: str) -> NDArray[np.float64]:
    if value is None:
        return np.full(n, np.nan)
    arr = np.array(value, dtype=float).reshape(-1)
    if arr.size != n:
        raise ModelError(
            f"DSO operator got {arr.size} values of {name}, expected {n}; connect the grid "
            "Area and charger bank the operator was created for"
        )
    return arr
