"""Optimal fleet schedules on a receding horizon: cost minimisation and valley filling.

Both policies solve the LP of :mod:`controllers.aggregator.lp` over the next H steps and
apply the first step. They re-solve every ``resolve_every_steps`` steps and, if
``resolve_on_arrival``, whenever a controllable EV appears that the stored plan does not
cover; in between they replay the stored plan. The applied setpoint is then made safe:
never below the must-run power (so an LP tolerance can never cost a feasible need), and a
discharge never takes the battery below ``soc_min`` nor makes the target unreachable.

An EV whose departure lies beyond the horizon must by the horizon's end hold what full
power after it could not deliver (a terminal requirement); an unknown departure counts as
the end of the horizon.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator.baseline import rule_profile_kw
from controllers.aggregator.lp import ScheduleProblem, ScheduleResult, solve_schedule
from controllers.aggregator.policy import (
    FleetObservation,
    Setpoints,
    ev_power_kw,
    ev_steps,
    must_run_kw,
    to_chargers,
)

__all__ = ["CostMinPolicy", "LPParams", "RecedingLPPolicy"]

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
_E_TOL_KWH = 1e-9


@dataclass(frozen=True)
class LPParams:
    """Parameters shared by the LP policies.

    Parameters
    ----------
    horizon_steps : int
        Optimisation horizon [steps] (>= 1); shortened to the price forecast's length.
    resolve_every_steps : int
        Re-solve at least every this many steps (>= 1; 1 = every step).
    resolve_on_arrival : bool
        Also re-solve when a controllable EV is not covered by the stored plan.
    v2g : bool
        Allow discharging on bidirectional chargers (V2G).
    wear_eur_mwh : float
        Battery wear cost per MWh discharged [EUR/MWh] (>= 0).
    p_fleet_max_kw : float or None
        Limit on the fleet's net AC power [kW] (> 0), including the predicted uncontrolled
        charging of opted-out EVs; ``None``: no limit.
    """

    horizon_steps: int = 96
    resolve_every_steps: int = 1
    resolve_on_arrival: bool = True
    v2g: bool = False
    wear_eur_mwh: float = 0.0
    p_fleet_max_kw: float | None = None

    def __post_init__(self) -> None:
        problems = []
        if not (isinstance(self.horizon_steps, int) and self.horizon_steps >= 1):
            problems.append(f"horizon_steps={self.horizon_steps!r} must be an integer >= 1")
        if not (isinstance(self.resolve_every_steps, int) and self.resolve_every_steps >= 1):
            problems.append(
                f"resolve_every_steps={self.resolve_every_steps!r} must be an integer >= 1"
            )
        if not self.wear_eur_mwh >= 0:
            problems.append(f"wear_eur_mwh={self.wear_eur_mwh} must be >= 0 EUR/MWh")
        if self.p_fleet_max_kw is not None and not self.p_fleet_max_kw > 0:
            problems.append(f"p_fleet_max_kw={self.p_fleet_max_kw} must be > 0 kW or None")
        if problems:
            raise ValueError(f"invalid {type(self).__name__}: " + "; ".join(problems))


@dataclass(frozen=True)
class _Fleet:
    """Per-EV quantities of one step (shape (n_ev,))."""

    ctrl: NDArray[np.bool_]
    p_hi: FloatArray
    eta: FloatArray
    v2g: NDArray[np.bool_]
    steps: NDArray[np.int64]
    e_lo: FloatArray
    need: FloatArray


class RecedingLPPolicy:
    """Receding-horizon LP policy; subclasses choose the objective via :meth:`objective`."""

    name: ClassVar[str] = "lp"
    params_type: ClassVar[type[LPParams]] = LPParams

    def __init__(self, **params: object) -> None:
        self.params = self.params_type(**params)  # type: ignore[arg-type]
        self._plan = np.zeros((0, 0))
        self._plan_t0 = 0
        self._covered = np.zeros(0, dtype=bool)
        self._departure = np.zeros(0, dtype=np.int64)
        #: wall time of every non-empty solve [ms]
        self.solve_ms: list[float] = []

    # ----------------------------------------------------------------- to override
    def observe(self, obs: FleetObservation) -> None:
        """Take in measurements before deciding (e.g. the background load)."""

    def objective(
        self, obs: FleetObservation, prob: ScheduleProblem, p_other_kw: FloatArray
    ) -> ScheduleProblem:
        """Return ``prob`` with this policy's objective (``p_other_kw``: opted-out EVs)."""
        return prob

    # ----------------------------------------------------------------- decision
    def decide(self, obs: FleetObservation) -> Setpoints:
        """Apply the current step of the (possibly re-solved) plan, made safe."""
        self.observe(obs)
        fleet = self._fleet(obs)
        solve_ms = 0.0
        if self._must_resolve(obs, fleet.ctrl):
            result = self._solve(obs, fleet)
            solve_ms = result.solve_ms
            if result.p_kw.size:
                self.solve_ms.append(solve_ms)
        offset = (obs.time_s - self._plan_t0) // obs.step_s
        p_ev = self._plan[:, offset] if offset < self._plan.shape[1] else np.zeros(obs.n_ev)
        p_ev = np.where(fleet.ctrl, self._safe(obs, fleet, p_ev), np.nan)
        plan = self._plan[:, offset:].sum(axis=0)
        if plan.size:
            plan[0] = float(np.nansum(p_ev))
        return Setpoints(
            p_set_kw=to_chargers(obs, p_ev),
            p_plan_kw=plan,
            e_flex_kwh=_flex_kwh(fleet, obs.dt_h),
            solve_ms=solve_ms,
        )

    def _fleet(self, obs: FleetObservation) -> _Fleet:
        ctrl = obs.controllable()
        p_hi, eta, bidir = ev_power_kw(obs)
        e_lo = -np.maximum(obs.soc - obs.soc_min, 0.0) * obs.e_capacity_kwh
        return _Fleet(
            ctrl=ctrl,
            p_hi=p_hi,
            eta=eta,
            v2g=ctrl & bidir & self.params.v2g,
            steps=ev_steps(obs, unknown_steps=self._horizon(obs)),
            e_lo=np.minimum(e_lo, 0.0),
            need=np.where(ctrl, np.maximum(obs.e_need_kwh, 0.0), 0.0),
        )

    def _horizon(self, obs: FleetObservation) -> int:
        n_price = np.asarray(obs.price_forecast_eur_mwh).size
        if n_price <= 1:  # no forecast (flat price): plan over the full horizon
            return self.params.horizon_steps
        return int(min(self.params.horizon_steps, n_price))

    def _must_resolve(self, obs: FleetObservation, ctrl: NDArray[np.bool_]) -> bool:
        if self._plan.shape[0] != obs.n_ev:
            return True
        offset = (obs.time_s - self._plan_t0) // obs.step_s
        if offset >= min(self.params.resolve_every_steps, self._plan.shape[1]):
            return True
        new = ~self._covered | (obs.departure_s != self._departure)
        return bool(self.params.resolve_on_arrival and (ctrl & new).any())

    def _solve(self, obs: FleetObservation, fleet: _Fleet) -> ScheduleResult:
        horizon = self._horizon(obs)
        dt = obs.dt_h
        sched = fleet.ctrl & ((fleet.need > _E_TOL_KWH) | (fleet.v2g & (fleet.e_lo < 0)))
        i = np.flatnonzero(sched)
        window = np.minimum(fleet.steps[i], horizon)
        reach = fleet.p_hi[i] * fleet.eta[i] * dt
        after = np.maximum(fleet.steps[i] - window, 0)
        need_req = np.clip(fleet.need[i] - reach * after, 0.0, reach * window)
        price = _price(obs, horizon)
        other = _opted_out_profile(obs, horizon)
        cap = None
        if self.params.p_fleet_max_kw is not None:
            cap = np.maximum(self.params.p_fleet_max_kw - other, 0.0)
        prob = ScheduleProblem(
            price_eur_mwh=price,
            window=window.astype(np.int64),
            p_hi_kw=fleet.p_hi[i],
            eta=fleet.eta[i],
            need_req_kwh=need_req,
            e_hi_kwh=np.maximum(fleet.need[i], need_req),
            e_lo_kwh=np.where(fleet.v2g[i], fleet.e_lo[i], 0.0),
            v2g=fleet.v2g[i],
            dt_h=dt,
            cap_kw=cap,
            wear_eur_mwh=self.params.wear_eur_mwh,
        )
        result = solve_schedule(self.objective(obs, prob, other))
        plan = np.zeros((obs.n_ev, horizon))
        if result.ok:
            plan[i] = result.p_kw
        else:
            log.warning(
                "t=%d s: fleet LP failed (%s); charging as fast as possible this time",
                obs.time_s,
                result.message,
            )
            plan[i] = rule_profile_kw(
                fleet.need[i], fleet.p_hi[i], fleet.eta[i], fleet.steps[i],
                allowed=np.ones(horizon, dtype=bool), dt_h=dt,
            )  # fmt: skip
        self._plan, self._plan_t0, self._covered = plan, obs.time_s, fleet.ctrl.copy()
        self._departure = obs.departure_s.copy()
        return result

    @staticmethod
    def _safe(obs: FleetObservation, fleet: _Fleet, p_kw: FloatArray) -> FloatArray:
        """Clamp a planned power: must-run floor, V2G floor and target still reachable."""
        dt = obs.dt_h
        floor = must_run_kw(fleet.need, fleet.p_hi, fleet.eta, fleet.steps, dt)
        spare = fleet.p_hi * fleet.eta * dt * (fleet.steps - 1) - fleet.need
        g_max = np.minimum(-fleet.e_lo, np.maximum(spare, 0.0)) * fleet.eta / dt
        g_max = np.where(fleet.v2g, np.minimum(g_max, fleet.p_hi), 0.0)
        p = np.where(floor > 0.0, np.maximum(p_kw, floor), p_kw)
        return np.clip(p, -g_max, fleet.p_hi)


class CostMinPolicy(RecedingLPPolicy):
    """Cheapest schedule under every EV's departure need (V2G arbitrage when ``v2g``).

    Minimises ``sum_k price_k * dt * (c_k - g_k) + wear * dt * g_k`` over the price forecast;
    without a tariff the price is flat and EVs charge as early as possible.
    """

    name: ClassVar[str] = "cost_min"


def _price(obs: FleetObservation, horizon: int) -> FloatArray:
    """Price forecast over ``horizon`` steps, padded with its last value [EUR/MWh]."""
    price = np.asarray(obs.price_forecast_eur_mwh, dtype=float).reshape(-1)
    if price.size == 0:
        price = np.array([float(obs.price_eur_mwh)])
    if price.size < horizon:
        price = np.concatenate((price, np.full(horizon - price.size, price[-1])))
    return price[:horizon]


def _opted_out_profile(obs: FleetObservation, horizon: int) -> FloatArray:
    """Predicted uncontrolled AC power of opted-out plugged EVs per step [kW]."""
    out = obs.plugged & (obs.charger_idx >= 0) & obs.opt_out
    if not out.any():
        return np.zeros(horizon)
    p_hi, eta, _ = ev_power_kw(obs)
    steps = ev_steps(obs, unknown_steps=horizon)
    need = np.where(out, np.maximum(obs.e_need_kwh, 0.0), 0.0)
    prof = rule_profile_kw(need, p_hi, eta, steps, allowed=np.ones(horizon, bool), dt_h=obs.dt_h)
    return prof.sum(axis=0)


def _flex_kwh(fleet: _Fleet, dt_h: float) -> float:
    later = np.minimum(fleet.need, fleet.p_hi * fleet.eta * dt_h * (fleet.steps - 1))
    return float(np.sum(np.where(fleet.ctrl, np.maximum(later, 0.0), 0.0)))
