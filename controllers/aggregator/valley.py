"""Valley filling: schedule the fleet into the troughs of the feeder's background load.

Without V2G and without a fleet cap the plan is the exact *least majorized* total load
(:mod:`controllers.aggregator.water_fill`): the flattest profile the EVs can reach, which
minimises the LP's piecewise-linear valley cost below, ``sum_k L_k**2`` and the peak all at
once; among the LP's optima (equal within a segment) it is the flat one, and it is found by
water-filling best responses warm-started from the last plan instead of an LP. With V2G or
a fleet cap the LP below runs.

LP method (it shares the scheduler and its guarantees): minimise a convex
piecewise-linear cost of the total load ``L_k = bg_k + sum_i p_ik`` per step, with
segments whose slopes rise 1, 2, 3, ... — a discretised ``sum_k L_k**2``. ``n_segments``
fine breakpoints span the background minimum (over the steps some EV can use) up to
1.25 × the *water level* ``lambda`` that the fleet's energy alone would reach
(``sum_k max(lambda - bg_k, 0) dt = E / eta``, the classic water-filling solution without
per-EV limits); 8 coarse ones continue up to the highest possible load. So the total load
is flat to within one fine segment width (``~1.25 (lambda - min bg) / (n_segments - 1)``)
where the EVs can reach it. The background forecast is persistence: the net background
(``p_load_bg_kw - p_gen_bg_kw``) measured one day earlier, from a ring buffer; before a
day of history exists the latest measurement stands in. The predicted uncontrolled
charging of opted-out EVs is added to the background.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator.fleet_problem import FleetState
from controllers.aggregator.forecast import DayAheadPersistence
from controllers.aggregator.lp import ScheduleProblem, ScheduleResult, ValleyTerms
from controllers.aggregator.policy import FleetObservation
from controllers.aggregator.scheduling import LPParams, RecedingLPPolicy
from controllers.aggregator.water_fill import concentrate_first_step_kw, valley_fill_kw
from cosim.errors import ModelError

__all__ = ["ValleyFillingParams", "ValleyFillingPolicy", "water_level_kw"]

FloatArray = NDArray[np.float64]

#: segments between the expected level and the highest possible load
_COARSE_SEGMENTS = 8


def water_level_kw(bg_kw: FloatArray, energy_kwh: float, dt_h: float) -> float:
    """Level ``lambda`` with ``sum_k max(lambda - bg_k, 0) * dt = energy`` [kW].

    >>> water_level_kw(np.array([1.0, 3.0, 2.0]), 3.0, 1.0)
    3.0
    """
    if energy_kwh <= 0 or bg_kw.size == 0:
        return float(np.min(bg_kw, initial=0.0))
    b = np.sort(bg_kw)
    n = np.arange(1, b.size + 1)
    # energy needed to raise the lowest n steps to b[n-1]
    filled = (n * b - np.cumsum(b)) * dt_h
    j = int(np.searchsorted(filled, energy_kwh, side="left"))
    j = max(j, 1)
    base = b[:j]
    return float((energy_kwh / dt_h + base.sum()) / j)


@dataclass(frozen=True)
class ValleyFillingParams(LPParams):
    """LP parameters plus the valley cost resolution and the measurement delay.

    Parameters
    ----------
    n_segments : int
        Segments of the piecewise-linear load cost of the LP (>= 2).
    bg_lag_steps : int
        Delay of the background measurement [steps] (1 = time-shifted connection).
    tol_kw : float
        Water-filling stops when a sweep moves no EV's plan by more than this [kW] (> 0).
    """

    n_segments: int = 24
    bg_lag_steps: int = 1
    tol_kw: float = 1e-6

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (isinstance(self.n_segments, int) and self.n_segments >= 2):
            raise ValueError(f"n_segments={self.n_segments!r} must be an integer >= 2")
        if self.bg_lag_steps not in (0, 1):
            raise ValueError(f"bg_lag_steps={self.bg_lag_steps!r} must be 0 or 1")
        if not self.tol_kw > 0:
            raise ValueError(f"tol_kw={self.tol_kw!r} must be > 0 kW")


class ValleyFillingPolicy(RecedingLPPolicy):
    """Flatten the area's total load by charging in the background's valleys."""

    name: ClassVar[str] = "valley_filling"
    params_type: ClassVar[type[LPParams]] = ValleyFillingParams
    params: ValleyFillingParams
    coupled: ClassVar[bool] = True
    plans_on_price: ClassVar[bool] = False

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self._bg: DayAheadPersistence | None = None

    def observe(self, obs: FleetObservation) -> None:
        """Store the background measurement in the day-ahead ring buffer."""
        if obs.p_load_bg_kw is None:
            raise ModelError(
                f"aggregator policy 'valley_filling' at t={obs.time_s} s has no background "
                "load: connect the grid Area's 'p_load_bg_kw' (and 'p_gen_bg_kw') to the "
                "aggregator with time_shifted=True and initial data"
            )
        if self._bg is None:
            self._bg = DayAheadPersistence(step_s=obs.step_s, lag_steps=self.params.bg_lag_steps)
        gen = 0.0 if obs.p_gen_bg_kw is None else float(obs.p_gen_bg_kw)
        self._bg.update(obs.time_s, float(obs.p_load_bg_kw) - gen)

    def _solve_fleet(
        self,
        obs: FleetObservation,
        prob: ScheduleProblem,
        p_other_kw: FloatArray,
        *,
        warm_kw: FloatArray | None,
        whole_fleet: bool = True,
    ) -> ScheduleResult:
        """Exact water-filling from the last plan; the LP with V2G or a fleet cap.

        EVs re-planned on an event (not ``whole_fleet``) each pour their energy once into
        the valley that the others leave, in turn; the periodic whole-fleet solve then
        makes the plan exact again.
        """
        if prob.cap_kw is not None or bool(prob.v2g.any()):
            return super()._solve_fleet(
                obs, prob, p_other_kw, warm_kw=warm_kw, whole_fleet=whole_fleet
            )
        t0 = time.perf_counter()
        bg = self._background_kw(obs, prob.price_eur_mwh.size, p_other_kw)
        result = valley_fill_kw(
            bg, prob.window, prob.p_hi_kw, warm_kw=warm_kw, tol_kw=self.params.tol_kw,
            energy_kw_steps=prob.need_req_kwh / (prob.eta * prob.dt_h),
            max_sweeps=200 if whole_fleet else 1,
        )  # fmt: skip
        return ScheduleResult(
            p_kw=result.p_kw,
            shortfall_kwh=np.zeros(prob.window.size),
            solve_ms=(time.perf_counter() - t0) * 1e3,
            ok=True,
            message=f"water-filling: {result.sweeps} sweeps, converged={result.converged}",
        )

    def _split_first_step(self, fleet: FleetState) -> None:
        """Give this step's total to few EVs at full power (chargers round small ones up)."""
        if self._plan.shape[1] == 0 or self.params.v2g:
            return
        window = np.minimum(fleet.steps, self._plan.shape[1])
        concentrate_first_step_kw(self._plan, window, fleet.p_hi, in_place=True)

    def _background_kw(
        self, obs: FleetObservation, horizon: int, p_other_kw: FloatArray
    ) -> FloatArray:
        """Forecast background plus the opted-out EVs' predicted charging [kW]."""
        assert self._bg is not None  # observe() ran first
        return self._bg.forecast(obs.time_s, horizon) + p_other_kw

    def objective(
        self, obs: FleetObservation, prob: ScheduleProblem, p_other_kw: FloatArray
    ) -> ScheduleProblem:
        """Replace the price by the valley cost of the forecast background."""
        horizon = prob.price_eur_mwh.size
        bg = self._background_kw(obs, horizon, p_other_kw)
        used = bg[: int(np.max(prob.window, initial=1))]  # steps some EV can use
        energy = float(np.sum(prob.need_req_kwh / prob.eta))
        level = water_level_kw(used, energy, prob.dt_h)
        low = float(used.min())
        top = low + 1.25 * max(level - low, 1e-3)
        # fine segments up to the expected level, coarse ones up to the highest possible load
        highest = max(float(bg.max()) + float(prob.p_hi_kw.sum()), top + 1e-3)
        levels = np.concatenate(
            (
                np.linspace(low, top, self.params.n_segments),
                np.linspace(top, highest, _COARSE_SEGMENTS + 1)[1:],
            )
        )
        return replace(
            prob,
            price_eur_mwh=np.zeros(horizon),
            valley=ValleyTerms(bg_kw=bg, level_kw=levels),
        )
