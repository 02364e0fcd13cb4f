"""Valley filling: schedule the fleet into the troughs of the feeder's background load.

Method (an LP, so it shares the scheduler and its guarantees): minimise a convex
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

from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator.forecast import DayAheadPersistence
from controllers.aggregator.lp import ScheduleProblem, ValleyTerms
from controllers.aggregator.policy import FleetObservation
from controllers.aggregator.scheduling import LPParams, RecedingLPPolicy
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
        Segments of the piecewise-linear load cost (>= 2).
    bg_lag_steps : int
        Delay of the background measurement [steps] (1 = time-shifted connection).
    """

    n_segments: int = 24
    bg_lag_steps: int = 1

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (isinstance(self.n_segments, int) and self.n_segments >= 2):
            raise ValueError(f"n_segments={self.n_segments!r} must be an integer >= 2")
        if self.bg_lag_steps not in (0, 1):
            raise ValueError(f"bg_lag_steps={self.bg_lag_steps!r} must be 0 or 1")


class ValleyFillingPolicy(RecedingLPPolicy):
    """Flatten the area's total load by charging in the background's valleys."""

    name: ClassVar[str] = "valley_filling"
    params_type: ClassVar[type[LPParams]] = ValleyFillingParams
    params: ValleyFillingParams
    coupled: ClassVar[bool] = True

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

    def objective(
        self, obs: FleetObservation, prob: ScheduleProblem, p_other_kw: FloatArray
    ) -> ScheduleProblem:
        """Replace the price by the valley cost of the forecast background."""
        assert self._bg is not None  # observe() ran first
        horizon = prob.price_eur_mwh.size
        bg = self._bg.forecast(obs.time_s, horizon) + p_other_kw
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
