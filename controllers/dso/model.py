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
from .signals import NO_PROFILE, NO_ROW, LightPlan
from .topology import GridTopology
from .vcc import PersistenceForecast
from .zones import ZoneMap, resolve_zones

__all__ = ["OperatorModel", "OperatorState"]

log = logging.getLogger(__name__)

_F64 = np.dtype(np.float64)


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
        #: the policy reads the measured charger powers (an ObservePolicy caps nothing
        #: and reads no observation: the operator then keeps none, see :meth:`step`)
        self.reads_power = type(self.policy) is not ObservePolicy
        self.step_s = int(step_s)
        self.start_sod_s = int(start_sod_s)
        self._buffer: deque[tuple[NDArray, NDArray, NDArray]] = deque(maxlen=params.delay_steps + 1)
        self._forecast = PersistenceForecast(topology.n_element)
        self.p_limit_kw = np.full(n, np.nan)
        #: the powers kept in the delay line when the policy reads none: never read
        self._unread_p = np.zeros(0)
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
        #: the planner's hourly baseline sums and counts (arrays it only writes in place)
        self._profile = NO_PROFILE
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
            self._profile = self.planner.baseline.sums

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
        new_arrays: bool = False,
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
            Charger powers [kW]; None → 0 (not read unless :attr:`reads_power`).
        p_baseline_kw : array_like (Z,) or None
            Fleet's declared baseline per zone for the previous step [kW]; None: unknown.
        new_arrays : bool
            ``loading_pct``, ``p_kw`` and ``p_baseline_kw`` are new arrays of the caller's
            that it neither keeps nor writes: kept as given where they are float arrays
            of the right size (else copied, as ``v_pu`` is when the measurements are
            delayed, since they are kept).
        """
        self._buffer.append(self._measurement(loading_pct, v_pu, p_kw, new_arrays))
        if len(self._buffer) == self._buffer.maxlen:
            loading, v, p = self._buffer[0]
        else:  # the delay line is still filling: nothing measured yet
            loading, v, p = (np.full_like(a, np.nan) for a in self._buffer[-1])
        params = self.ctx.params
        if p_baseline_kw is not None:
            self.p_baseline_kw = _vector(p_baseline_kw, self.n_zone, "p_baseline_kw", new_arrays)
        day, hour = self.local_day_hour(time_s)
        seen_at = time_s - self.step_s * (1 + params.delay_steps)
        seen_day, seen_hour = self.local_day_hour(seen_at)
        # the persistence forecast's row of the measured hour, and the planner's hour of
        # the baseline just recorded, for the compiled call below to write (else -1, and
        # the market step adds it)
        row = self._forecast.row_of(seen_day, int(seen_hour)) if seen_at >= 0 else None
        add_at = self._baseline_hour(time_s, p_baseline_kw)
        # the signals read the day-ahead forecast made for this hour (the planner's step
        # below adds the next day's only) and the baseline just recorded; with them, what
        # detect(...) counts and the loadings measured (not NaN), in one call
        counts, (congested, headroom), observed = self._light.observed(
            loading,
            None if self.planner is None else self.planner.forecast_now(day, hour),
            self.p_baseline_kw,
            v,
            (params.v_min_pu, params.v_max_pu),
            NO_ROW if row is None else row,
            self._profile,
            add_at,
        )
        n_congested, n_v_violations, n_seen = counts
        if seen_at >= 0 and n_seen and not observed:  # not all NaN
            self._forecast.observe(seen_day, int(seen_hour), loading)
        limits, excess_kw = self._caps(time_s, day, hour, (loading, v, p))
        self.p_limit_kw = limits
        requests = self._market(time_s, day, hour, loading, p_baseline_kw, n_congested, add_at)
        return frozen_record(
            OperatorState,
            p_limit_kw=limits,
            n_congested=n_congested,
            n_v_violations=n_v_violations,
            p_curtail_req_kw=excess_kw,
            congested_mask=congested,
            headroom_kw=headroom,
            flex_requests=requests,
        )

    def _caps(
        self, time_s: int, day: int, hour: float, measured: tuple[NDArray, NDArray, NDArray]
    ) -> tuple[NDArray[np.float64], float]:
        """The policy's caps per charger [kW] (NaN: none) on the ``measured`` loadings,
        voltages and powers, and what they ask to shed [kW]. An ObservePolicy caps nothing
        and reads no observation: none is made for it."""
        if type(self.policy) is ObservePolicy:
            return self.policy.caps(), 0.0  # all NaN: nothing above a cap
        loading, v, p = measured
        obs = frozen_record(
            Observation,
            time_s=int(time_s),
            day=day,
            hour=hour,
            loading_pct=loading,
            v_pu=v,
            p_kw=p,
            p_limit_prev_kw=self.p_limit_kw,
            # read by the policy in this step only, before the next observe
            forecast_loading_pct=self._forecast.forecast_row(day, int(hour)),
        )
        limits = np.asarray(self.policy.decide(obs), dtype=float)
        excess_kw = 0.0  # no cap anywhere (all NaN): nothing above a cap
        if np.count_nonzero(limits == limits):
            excess_kw = float(nan_to_num(np.fmax(nan_to_num(p) - limits, 0.0)).sum())
        return limits, excess_kw

    def _baseline_hour(self, time_s: int, p_baseline_kw: ArrayLike | None) -> int:
        """The hour the step's compiled call adds the recorded baseline to the planner's
        profile at, as :meth:`_market` would (see ``HourlyProfile.compiled_hour``); -1:
        no planner, no baseline this step, or one the market step adds itself."""
        seen_at = time_s - self.step_s
        base = self.p_baseline_kw  # this step's, when it brought one
        if self.planner is None or p_baseline_kw is None or base is None or seen_at < 0:
            return -1
        seen_day, seen_hour = self.local_day_hour(seen_at)
        return self.planner.baseline.compiled_hour(seen_day, int(seen_hour), base)

    def _market(
        self,
        time_s: int,
        day: int,
        hour: float,
        loading: NDArray[np.float64],
        p_baseline_kw: ArrayLike | None,
        n_congested: int,
        added_at: int,
    ) -> list[dict[str, Any]]:
        """Add the baseline recorded (if this step brought one and the step's compiled
        call did not, at hour ``added_at``) to the planner's profile; the planner's
        requests (``n_congested``: the observed loadings above the limit, the planner's
        too)."""
        if self.planner is None:
            return []
        seen_at = time_s - self.step_s
        if (
            added_at < 0
            and self.p_baseline_kw is not None
            and p_baseline_kw is not None
            and seen_at >= 0
        ):
            seen_day, seen_hour = self.local_day_hour(seen_at)
            self.planner.baseline.observe(seen_day, int(seen_hour), self.p_baseline_kw)
        fc = self._forecast
        return self.planner.step(
            time_s,
            day=day,
            hour=hour,
            reference_pct=lambda: np.stack([fc.forecast_row(day, h) for h in range(24)]),
            loading_pct=loading,
            n_above_limit=n_congested,
        )

    def _measurement(
        self,
        loading_pct: ArrayLike | None,
        v_pu: ArrayLike | None,
        p_kw: ArrayLike | None,
        new_arrays: bool,
    ) -> tuple[NDArray, NDArray, NDArray]:
        e, b, c = self.topology.n_element, self.topology.bus_id.size, self.n_charger
        loading = _vector(loading_pct, e, "line+trafo loading_pct", new_arrays)
        # without a delay the voltages are read in this step only (counted, never written)
        # and leave the delay line at the next: the sender's array then serves as it is
        v = _vector(v_pu, b, "v_pu", self._buffer.maxlen == 1)
        if not self.reads_power:
            return loading, v, self._unread_p
        p = np.zeros(c) if p_kw is None else _vector(p_kw, c, "p_kw", new_arrays)
        return loading, v, p


def _vector(
    value: ArrayLike | None, n: int, name: str, new_array: bool = False
) -> NDArray[np.float64]:
    """``value`` as a new float (n,) array (NaN: None); ``new_array``: it is a new array the
    caller keeps no reference to, so a float (n,) one is taken as it is, not copied."""
    if value is None:
        return np.full(n, np.nan)
    if new_array and type(value) is np.ndarray and value.dtype == _F64 and value.shape == (n,):
        return value
    arr = np.array(value, dtype=float).reshape(-1)
    if arr.size != n:
        raise ModelError(
            f"DSO operator got {arr.size} values of {name}, expected {n}; connect the grid "
            "Area and charger bank the operator was created for"
        )
    return arr
