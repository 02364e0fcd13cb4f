"""Optimal fleet schedules on a receding horizon: cost minimisation and valley filling.

Both policies plan the next H steps and apply the first one. A plan is kept and followed,
shifted by one step each step, until an event makes it stale:

- per EV: it arrives (is controllable and has no plan), its departure time changes, its
  realised energy strays from the plan by more than ``replan_tol_kwh`` in all, or its plan is
  ``resolve_every_steps`` old (a safety re-solve that also takes in the newest forecast);
- for every EV: the price forecast of the steps already planned changes (for a policy that
  plans on the price).

What separates is solved separately: without a fleet cap and without V2G each EV's cost
minimisation is the exact "fill the cheapest steps" of :mod:`controllers.aggregator.cheapest`
(vectorised over the stale EVs); the stale V2G EVs get the exact slope DP of
:mod:`controllers.aggregator.storage_dp` (same objective as the LP). With a shared coupling
(``p_fleet_max_kw``, valley filling) an event re-plans only the stale EVs, against what
the fixed plans of the others leave (the residual cap, or the background plus their load);
the whole fleet is re-solved every ``resolve_every_steps`` steps and on a changed price
forecast. A coupled solve is the LP, or, where a subclass has one (valley filling without
V2G and cap), an exact solver warm-started from the last plan
(:meth:`RecedingLPPolicy._solve_fleet`). A departure needs no solve: the plan of the
leaving EV ended with its window.
The applied setpoint is then made safe: never below the must-run power (so a stale plan or
an LP tolerance can never cost a feasible need), and a discharge never takes the battery
below ``soc_min`` nor makes the target unreachable.

An EV whose departure lies beyond the horizon must by the horizon's end hold what full
power after it could not deliver (a terminal requirement); an unknown departure counts as
the end of the horizon.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator.baseline import rule_profile_kw
from controllers.aggregator.cheapest import cheapest_fill_kw
from controllers.aggregator.fleet_problem import (
    FleetState,
    fleet_problem,
    flex_kwh,
    opted_out_profile,
    price_forecast,
    requirement,
)
from controllers.aggregator.lp import (
    TIE_EUR_MWH,
    ScheduleProblem,
    ScheduleResult,
    solve_schedule,
)
from controllers.aggregator.lp_params import LPParams
from controllers.aggregator.plan_window import PlanWindow
from controllers.aggregator.policy import (
    FleetObservation,
    Setpoints,
    clip,
    ev_power_kw,
    ev_steps,
    must_run_after_kw,
    to_chargers,
)
from controllers.aggregator.storage_dp import solve_separable

__all__ = ["CostMinPolicy", "LPParams", "RecedingLPPolicy"]

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
_E_TOL_KWH = 1e-9
#: shortfall of an event's re-plan that calls for a whole-fleet solve [kWh]
_SHORT_TOL_KWH = 1e-6


class RecedingLPPolicy:
    """Receding-horizon LP policy; subclasses choose the objective via :meth:`objective`."""

    name: ClassVar[str] = "lp"
    params_type: ClassVar[type[LPParams]] = LPParams
    #: the objective couples the EVs (valley filling): plan against the others' load
    coupled: ClassVar[bool] = False
    #: the plan depends on the price forecast: re-solve all when it changes
    plans_on_price: ClassVar[bool] = True

    def __init__(self, **params: object) -> None:
        self.params = self.params_type(**params)  # type: ignore[arg-type]
        self._window = PlanWindow()  # (n_ev, W): column 0 is the current step
        self._t = 0  # time of the last decision [s]
        self._covered = np.zeros(0, dtype=bool)
        self._departure = np.zeros(0, dtype=np.int64)
        self._solved_at = np.zeros(0, dtype=np.int64)
        self._fleet_solved_at = 0  # time of the last whole-fleet solve (coupled) [s]
        self._fleet_short_kwh = 0.0  # shortfall that solve planned [kWh]
        self._need_next = np.zeros(0)  # need expected at the next step [kWh]
        self._drift = np.zeros(0)  # need minus plan since each EV's last solve [kWh]
        self._price = np.zeros(0)  # price forecast of the last decision [EUR/MWh]
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

    @property
    def _plan(self) -> FloatArray:
        """AC power planned per EV and step [kW] (a view: write into it, do not rebind)."""
        return self._window.plan

    # ----------------------------------------------------------------- decision
    def decide(self, obs: FleetObservation) -> Setpoints:
        """Apply the current step of the (re-solved where stale) plan, made safe."""
        self.observe(obs)
        horizon = self._horizon(obs)
        fleet = self._fleet(obs, horizon)
        price = price_forecast(obs, horizon)
        stale = self._stale(obs, fleet, price)
        solve_ms = self._solve(obs, fleet, stale, price) if stale.any() else 0.0
        self._split_first_step(fleet)
        p_plan = self._plan[:, 0] if self._plan.shape[1] else np.zeros(obs.n_ev)
        p_ev = np.where(fleet.ctrl, self._safe(obs, fleet, p_plan), np.nan)
        self._remember(obs, fleet, p_ev, price)
        plan = self._window.total(fleet.ctrl)
        if plan.size:
            plan[0] = float(np.add.reduce(np.where(np.isnan(p_ev), 0.0, p_ev)))  # as np.nansum
        return Setpoints(
            p_set_kw=to_chargers(obs, p_ev),
            p_plan_kw=plan,
            e_flex_kwh=flex_kwh(fleet),
            solve_ms=solve_ms,
        )

    def _fleet(self, obs: FleetObservation, horizon: int) -> FleetState:
        ctrl = obs.controllable()
        p_hi, eta, bidir = ev_power_kw(obs)
        steps = ev_steps(obs, unknown_steps=horizon)
        if self.params.v2g:
            e_lo = np.minimum(-np.maximum(obs.soc - obs.soc_min, 0.0) * obs.e_capacity_kwh, 0.0)
            v2g = ctrl & bidir
        else:  # no EV may discharge: the V2G floor is never read
            e_lo = np.zeros(ctrl.size)
            v2g = np.zeros(ctrl.size, dtype=bool)
        return FleetState(
            ctrl=ctrl,
            p_hi=p_hi,
            eta=eta,
            v2g=v2g,
            steps=steps,
            e_lo=e_lo,
            need=np.where(ctrl, np.maximum(obs.e_need_kwh, 0.0), 0.0),
            later=p_hi * eta * obs.dt_h * (steps - 1),
        )

    def _horizon(self, obs: FleetObservation) -> int:
        n_price = np.asarray(obs.price_forecast_eur_mwh).size
        if n_price <= 1:  # no forecast (flat price): plan over the full horizon
            return self.params.horizon_steps
        return int(min(self.params.horizon_steps, n_price))

    def _is_coupled(self) -> bool:
        return self.coupled or self.params.p_fleet_max_kw is not None

    def _stale(
        self, obs: FleetObservation, fleet: FleetState, price: FloatArray
    ) -> NDArray[np.bool_]:
        """EVs to re-plan this step (all after a fleet-wide event); shifts the plan to now."""
        every = np.ones(obs.n_ev, dtype=bool)
        if self._plan.shape[0] != obs.n_ev:
            return every
        shift = (obs.time_s - self._t) // obs.step_s
        self._window.shift(shift)
        if self._plan.shape[1] == 0:
            return every
        gone = self._covered & ~fleet.ctrl  # the others' plans are zero already
        if gone.any():
            self._plan[gone] = 0.0  # its plan ended with its window
        overlap = self._price[shift : shift + price.size]
        if self.plans_on_price and not bool((overlap == price[: overlap.size]).all()):
            if not np.allclose(overlap, price[: overlap.size], rtol=1e-12, atol=1e-9):
                return every
        p = self.params
        age = p.resolve_every_steps * obs.step_s
        coupled = self._is_coupled()
        if coupled and obs.time_s - self._fleet_solved_at >= age:
            return every
        stale = np.zeros(obs.n_ev, dtype=bool) if coupled else obs.time_s - self._solved_at >= age
        if p.resolve_on_arrival:
            stale |= ~self._covered | (obs.departure_s != self._departure)
        moved = fleet.need - self._need_next  # NaN: not planned last step (needs are finite)
        self._drift += np.where(np.isnan(moved), 0.0, moved)
        stale |= np.abs(self._drift) > p.replan_tol_kwh
        return stale & fleet.ctrl

    def _remember(
        self, obs: FleetObservation, fleet: FleetState, p_ev: FloatArray, price: FloatArray
    ) -> None:
        """Keep what the next step compares against: the fleet, the need it should have."""
        if self.params.v2g:
            batt = np.where(p_ev >= 0, p_ev * fleet.eta, p_ev / fleet.eta) * obs.dt_h
        else:  # no discharge setpoints
            batt = p_ev * fleet.eta * obs.dt_h
        self._need_next = np.where(fleet.ctrl, np.maximum(fleet.need - batt, 0.0), np.nan)
        self._covered = fleet.ctrl.copy()
        self._departure = obs.departure_s.copy()
        self._price = price
        self._t = obs.time_s

    def _solve(
        self, obs: FleetObservation, fleet: FleetState, stale: NDArray[np.bool_], price: FloatArray
    ) -> float:
        """Re-plan the ``stale`` EVs; returns the wall time of the solves [ms]."""
        t0 = time.perf_counter()
        horizon = price.size
        self._window.widen(obs.n_ev, horizon)
        v2g = self.params.v2g  # else no EV may discharge
        sched = stale & fleet.ctrl & (fleet.need > _E_TOL_KWH)
        if v2g:
            sched |= stale & fleet.ctrl & fleet.v2g & (fleet.e_lo < 0)
        # a coupled solve starts from the plans it replaces
        warm = self._plan[sched] if self._is_coupled() and sched.any() else None
        if stale.all():
            self._fleet_solved_at = obs.time_s
            self._fleet_short_kwh = 0.0
        # the plans re-made now go; an EV that cannot be controlled has none already: its
        # plan went when it stopped being controllable (``_stale``: ``gone``, or all EVs),
        # and nothing plans for it until it is again
        self._plan[stale] = 0.0
        fixed_kw = self._window.total(fleet.ctrl & ~stale) if self._is_coupled() else None
        self._solved_at = np.where(stale, obs.time_s, self._solved_at_or(obs))
        if self._drift.size != obs.n_ev:
            self._drift = np.zeros(obs.n_ev)
        self._drift[stale] = 0.0
        if not self.coupled:  # a fleet cap is checked on the uncoupled optimum below
            fill = sched & ~fleet.v2g if v2g else sched
            if fill.any():
                i = np.flatnonzero(fill)
                window, need_req = requirement(fleet, i, horizon, obs.dt_h)
                self._plan[i] = cheapest_fill_kw(
                    price, window, fleet.p_hi[i], fleet.eta[i], need_req_kwh=need_req,
                    e_hi_kwh=np.maximum(fleet.need[i], need_req), dt_h=obs.dt_h,
                    tie_eur_mwh=TIE_EUR_MWH,
                )  # fmt: skip
            if v2g and (sched & fleet.v2g).any():
                i = np.flatnonzero(sched & fleet.v2g)
                self._solve_lp(obs, fleet, i, price, coupled=False)
        if self._is_coupled() and sched.any() and not self._cap_holds(obs, price):
            i = np.flatnonzero(sched)
            whole = bool(stale.all())
            short = self._solve_lp(
                obs, fleet, i, price, coupled=True, warm_kw=warm,
                fixed_kw=None if whole else fixed_kw,
            )  # fmt: skip
            if whole:
                self._fleet_short_kwh = short
            elif short > _SHORT_TOL_KWH >= self._fleet_short_kwh:
                # the others' plans leave too little room where the whole fleet had enough:
                # re-plan the whole fleet
                spent = (time.perf_counter() - t0) * 1e3
                ms = self._solve(obs, fleet, np.ones(obs.n_ev, dtype=bool), price) + spent
                self.solve_ms[-1] = ms
                return ms
        ms = (time.perf_counter() - t0) * 1e3
        if sched.any():
            self.solve_ms.append(ms)
        return ms

    def _cap_holds(self, obs: FleetObservation, price: FloatArray) -> bool:
        """The uncoupled plan keeps the fleet cap: then it is also the capped optimum.

        Dropping the cap relaxes the LP; an optimum of the relaxation that is feasible for
        the cap is optimal with it, so the LP runs only when the cap binds.
        """
        cap = self.params.p_fleet_max_kw
        if self.coupled or cap is None:
            return False
        total = self._plan.sum(axis=0) + opted_out_profile(obs, price.size)
        return bool(np.all(total <= cap + 1e-9))

    def _solved_at_or(self, obs: FleetObservation) -> NDArray[np.int64]:
        if self._solved_at.size == obs.n_ev:
            return self._solved_at
        return np.full(obs.n_ev, obs.time_s, dtype=np.int64)

    def _solve_lp(
        self,
        obs: FleetObservation,
        fleet: FleetState,
        i: NDArray[np.int64],
        price: FloatArray,
        *,
        coupled: bool,
        warm_kw: FloatArray | None = None,
        fixed_kw: FloatArray | None = None,
    ) -> float:
        """Plan EVs ``i``: the fleet solve when ``coupled``, else the exact per-EV slope DP.

        ``fixed_kw``: summed plans of the other controlled EVs, which stay as they are
        (``None``: ``i`` is the whole fleet) [kW]. Returns the planned shortfall [kWh].
        """
        horizon = price.size
        prob = fleet_problem(fleet, i, price, obs.dt_h, wear_eur_mwh=self.params.wear_eur_mwh)
        if coupled:
            other = opted_out_profile(obs, horizon)
            if fixed_kw is not None:
                other = other + fixed_kw
            if self.params.p_fleet_max_kw is not None:
                cap = np.maximum(self.params.p_fleet_max_kw - other, 0.0)
                prob = replace(prob, cap_kw=cap)
            result = self._solve_fleet(
                obs, prob, other, warm_kw=warm_kw, whole_fleet=fixed_kw is None
            )
        else:  # the DP is far faster than the LP and has the same objective
            result = solve_separable(self.objective(obs, prob, np.zeros(horizon)))
        if result.ok:
            self._plan[i] = result.p_kw
            return float(np.sum(result.shortfall_kwh))
        log.warning(
            "t=%d s: fleet LP failed (%s); charging as fast as possible this time",
            obs.time_s,
            result.message,
        )
        self._plan[i] = rule_profile_kw(
            fleet.need[i], fleet.p_hi[i], fleet.eta[i], fleet.steps[i],
            allowed=np.ones(horizon, dtype=bool), dt_h=obs.dt_h,
        )  # fmt: skip
        return float("inf")  # the fallback ignores the coupling: never keep it for others

    def _solve_fleet(
        self,
        obs: FleetObservation,
        prob: ScheduleProblem,
        p_other_kw: FloatArray,
        *,
        warm_kw: FloatArray | None,
        whole_fleet: bool = True,
    ) -> ScheduleResult:
        """Solve the coupled problem of EVs ``prob`` beside ``p_other_kw`` (the LP).

        ``p_other_kw``: load of the opted-out EVs and of the controlled EVs whose plans stay
        [kW]; ``warm_kw``: the last plan of these EVs; ``whole_fleet``: ``prob`` holds every
        EV with a need (else only those an event made stale).
        """
        return solve_schedule(self.objective(obs, prob, p_other_kw))

    def _split_first_step(self, fleet: FleetState) -> None:
        """Re-split the plan among EVs before applying its first step (default: keep it)."""

    @staticmethod
    def _safe(obs: FleetObservation, fleet: FleetState, p_kw: FloatArray) -> FloatArray:
        """Clamp a planned power: must-run floor, V2G floor and target still reachable."""
        dt = obs.dt_h
        floor = must_run_after_kw(fleet.need, fleet.later, fleet.p_hi, fleet.eta, dt)
        p = np.where(floor > 0.0, np.maximum(p_kw, floor), p_kw)
        if not fleet.v2g.any():  # no discharge limit to compute: -g_max is -0.0
            return clip(p, -0.0, fleet.p_hi)
        spare = fleet.later - fleet.need
        g_max = np.minimum(-fleet.e_lo, np.maximum(spare, 0.0)) * fleet.eta / dt
        g_max = np.where(fleet.v2g, np.minimum(g_max, fleet.p_hi), 0.0)
        return clip(p, -g_max, fleet.p_hi)


class CostMinPolicy(RecedingLPPolicy):
    """Cheapest schedule under every EV's departure need (V2G arbitrage when ``v2g``).

    Minimises ``sum_k price_k * dt * (c_k - g_k) + wear * dt * g_k`` over the price forecast;
    without a tariff the price is flat and EVs charge as early as possible.
    """

    name: ClassVar[str] = "cost_min"
