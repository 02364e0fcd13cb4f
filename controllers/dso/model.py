"""The DSO operator without mosaik: delays measurements, forecasts, asks its policy, counts."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosim.errors import ModelError
from cosim.records import frozen_record
from cosim.timebase import DAY_S

from . import light_kernels
from .detection import nan_to_num
from .market import MarketParams
from .planner import MarketPlanner
from .policies import (
    DSOContext,
    DSOParams,
    Framework,
    Observation,
    ObservePolicy,
    make_policy,
)
from .signals import LightPlan
from .topology import GridTopology
from .vcc import PersistenceForecast
from .zones import ZoneMap, resolve_zones

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
    congested_mask : ndarray of bool (C,)
        Traffic light: charger behind an element congested now or forecast to be.
    headroom_kw : ndarray (Z,)
        Traffic light: extra consumption each zone takes before its tightest element
        reaches the limit [kW] (see :func:`controllers.dso.signals.traffic_light`).
    flex_requests : list of dict
        Flexibility requests issued at this step (``market`` framework; else empty).
    """

    p_limit_kw: NDArray[np.float64]
    n_congested: int
    n_v_violations: int
    p_curtail_req_kw: float
    congested_mask: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    headroom_kw: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    flex_requests: list[dict[str, Any]] = field(default_factory=list)


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
    zone_names, zone_of_charger : sequences, optional
        Zones from the scenario (both or neither); default :func:`feeder_zones`.
    market : MarketParams, optional
        Settings of the ``market`` framework.
    prefix : str
        Start of the ids of this operator's requests (its entity id).
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
        zone_names: Sequence[str] | None = None,
        zone_of_charger: Sequence[int] | None = None,
        market: MarketParams | None = None,
        prefix: str = "dso",
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
            mask=topology.charger_cover(self.charger_bus_id),
            p_rated_kw=rated,
        )
        self.policy = make_policy(self.ctx)
        self.step_s = int(step_s)
        self.start_sod_s = int(start_sod_s)
        self._buffer: deque[tuple[NDArray, NDArray, NDArray]] = deque(maxlen=params.delay_steps + 1)
        self._forecast = PersistenceForecast(topology.n_element)
        self.p_limit_kw = np.full(n, np.nan)
        self.zones = resolve_zones(
            topology, self.charger_bus_id, zone_names=zone_names, zone_of_charger=zone_of_charger
        )
        self.zone_map = ZoneMap.build(self.ctx.mask, self.zones.zone_of_charger, self.n_zone)
        self._light = LightPlan(
            rating_kva=topology.rating_kva,
            mask=self.ctx.mask,
            zone_map=self.zone_map,
            loading_limit_pct=params.loading_limit_pct,
            hysteresis_pct=params.hysteresis_pct,
        )
        self.p_baseline_kw: NDArray[np.float64] | None = None
        self.planner: MarketPlanner | None = None
        if params.framework is Framework.MARKET:
            self.planner = MarketPlanner(
                market or MarketParams(),
                self.zone_map,
                zone_names=self.zones.names,
                zone_buses=self.zones.buses,
                rating_kva=topology.rating_kva,
                loading_limit_pct=params.loading_limit_pct,
                step_s=self.step_s,
                start_sod_s=self.start_sod_s,
                prefix=prefix,
            )

    @property
    def n_charger(self) -> int:
        """Number of chargers."""
        return int(self.charger_bus_id.size)

    @property
    def n_zone(self) -> int:
        """Number of zones."""
        return self.zones.n_zone

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
        p_baseline_kw: ArrayLike | None = None,
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
        p_baseline_kw : array_like (Z,) or None
            Fleet's declared baseline per zone for the previous step [kW]; None: unknown.
        """
        self._buffer.append(self._measurement(loading_pct, v_pu, p_kw))
        if len(self._buffer) == self._buffer.maxlen:
            loading, v, p = self._buffer[0]
        else:  # the delay line is still filling: nothing measured yet
            loading, v, p = (np.full_like(a, np.nan) for a in self._buffer[-1])
        params = self.ctx.params
        # what detect(...) counts, and the loadings measured (not NaN), in one call
        n_congested, n_v_violations, n_seen = light_kernels.violation_counts(
            loading, v, params.loading_limit_pct, params.v_min_pu, params.v_max_pu
        )
        seen_at = time_s - self.step_s * (1 + params.delay_steps)
        if seen_at >= 0 and n_seen:  # not all NaN
            day, hour = self.local_day_hour(seen_at)
            self._forecast.observe(day, int(hour), loading)
        day, hour = self.local_day_hour(time_s)
        obs = frozen_record(
            Observation,
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
        excess_kw = 0.0  # no cap anywhere (all NaN): nothing above a cap
        # an ObservePolicy caps nothing (its limits are all NaN): no need to look
        if type(self.policy) is not ObservePolicy and np.count_nonzero(limits == limits):
            excess_kw = float(nan_to_num(np.fmax(nan_to_num(p) - limits, 0.0)).sum())
        requests, forecast_now = self._market(time_s, obs, p_baseline_kw, n_congested)
        light = self._light(loading, forecast_now, self.p_baseline_kw)
        return frozen_record(
            OperatorState,
            p_limit_kw=limits,
            n_congested=n_congested,
            n_v_violations=n_v_violations,
            p_curtail_req_kw=excess_kw,
            congested_mask=light.congested_mask,
            headroom_kw=light.headroom_kw,
            flex_requests=requests,
        )

    def _market(
        self, time_s: int, obs: Observation, p_baseline_kw: ArrayLike | None, n_congested: int
    ) -> tuple[list[dict[str, Any]], NDArray[np.float64] | None]:
        """Record the baseline; the market planner's requests and this hour's forecast
        (``n_congested``: the observed loadings above the limit, the planner's too)."""
        if p_baseline_kw is not None:
            self.p_baseline_kw = _vector(p_baseline_kw, self.n_zone, "p_baseline_kw")
        if self.planner is None:
            return [], None
        seen_at = time_s - self.step_s
        if self.p_baseline_kw is not None and p_baseline_kw is not None and seen_at >= 0:
            day, hour = self.local_day_hour(seen_at)
            self.planner.baseline.observe(day, int(hour), self.p_baseline_kw)
        fc = self._forecast
        requests = self.planner.step(
            time_s,
            day=obs.day,
            hour=obs.hour,
            reference_pct=lambda: np.stack([fc.forecast(obs.day, h) for h in range(24)]),
            loading_pct=obs.loading_pct,
            n_above_limit=n_congested,
        )
        return requests, self.planner.forecast_now(obs.day, obs.hour)

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
