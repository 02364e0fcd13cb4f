"""Rule-based fleet policies: uncontrolled charging and ToU-delayed start."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator.policy import (
    FleetObservation,
    Setpoints,
    ev_power_kw,
    ev_steps,
    must_run_kw,
    to_chargers,
)

__all__ = ["ToUDelayedParams", "ToUDelayedPolicy", "UncontrolledPolicy", "rule_profile_kw"]

FloatArray = NDArray[np.float64]


def rule_profile_kw(
    need_kwh: FloatArray,
    p_hi_kw: FloatArray,
    eta: FloatArray,
    steps: NDArray[np.int64],
    *,
    allowed: NDArray[np.bool_],
    dt_h: float,
) -> FloatArray:
    """AC power of EVs that charge at full power in ``allowed`` steps, plus the must-run floor.

    Each EV charges at ``p_hi`` in allowed steps and, in the other steps, just what it needs
    so that full power in every remaining step still meets its need (the latest start); it
    stops when the need is met or the EV leaves.

    Parameters
    ----------
    need_kwh, p_hi_kw, eta : ndarray (n,)
        Battery-side need [kWh], AC power limit [kW], efficiency [-].
    steps : ndarray of int (n,)
        Steps left before departure.
    allowed : ndarray of bool (H,)
        Steps in which the rule charges at full power.
    dt_h : float
        Step length [h].

    Returns
    -------
    ndarray (n, H)
        AC power per EV and step [kW].

    Examples
    --------
    >>> one = np.ones(1)
    >>> rule_profile_kw(np.array([2.0]), one, one, np.array([4]),
    ...                 allowed=np.array([False, False, True, False]), dt_h=1.0).tolist()
    [[0.0, 0.0, 1.0, 1.0]]
    """
    n, horizon = need_kwh.size, allowed.size
    out = np.zeros((n, horizon))
    need = need_kwh.astype(float).copy()
    for k in range(horizon):  # loop over steps, vectorised over EVs
        left = steps - k
        p = np.where(allowed[k], p_hi_kw, 0.0)
        p = np.maximum(p, must_run_kw(need, p_hi_kw, eta, left, dt_h))
        p = np.where(left > 0, np.minimum(p, np.maximum(need, 0.0) / (eta * dt_h)), 0.0)
        out[:, k] = p
        need -= p * eta * dt_h
    return out


def _flex_kwh(obs: FleetObservation) -> float:
    """Energy the controlled EVs need that could still wait past this step [kWh]."""
    ctrl = obs.controllable()
    p_hi, eta, _ = ev_power_kw(obs)
    steps = ev_steps(obs, unknown_steps=1)
    later = np.minimum(obs.e_need_kwh, p_hi * eta * obs.dt_h * (steps - 1))
    return float(np.sum(np.where(ctrl, np.maximum(later, 0.0), 0.0)))


def _decide_by_rule(obs: FleetObservation, allowed: NDArray[np.bool_]) -> Setpoints:
    ctrl = obs.controllable()
    p_hi, eta, _ = ev_power_kw(obs)
    steps = ev_steps(obs, unknown_steps=allowed.size)
    need = np.where(ctrl, obs.e_need_kwh, 0.0)
    profile = rule_profile_kw(need, p_hi, eta, steps, allowed=allowed, dt_h=obs.dt_h)
    p_ev = np.where(ctrl, profile[:, 0], np.nan)
    return Setpoints(
        p_set_kw=to_chargers(obs, p_ev),
        p_plan_kw=profile.sum(axis=0),
        e_flex_kwh=_flex_kwh(obs),
    )


class UncontrolledPolicy:
    """No control: every charger gets NaN, so the EVSE charges as fast as it can.

    ``p_plan_kw`` is the predicted aggregate of that uncontrolled charging.
    """

    name: ClassVar[str] = "uncontrolled"

    def __init__(self, *, horizon_steps: int = 96) -> None:
        if horizon_steps < 1:
            raise ValueError(f"horizon_steps={horizon_steps} must be >= 1")
        self.horizon_steps = int(horizon_steps)

    def decide(self, obs: FleetObservation) -> Setpoints:
        """NaN for every charger; the plan is the as-fast-as-possible profile."""
        out = _decide_by_rule(obs, np.ones(self.horizon_steps, dtype=bool))
        return Setpoints(
            p_set_kw=np.full(obs.n_chargers, np.nan),
            p_plan_kw=out.p_plan_kw,
            e_flex_kwh=out.e_flex_kwh,
        )


@dataclass(frozen=True)
class ToUDelayedParams:
    """Parameters of the ToU-delayed start.

    Parameters
    ----------
    tol_eur_mwh : float
        A step is off-peak when its price is within this of the cheapest price of the
        forecast [EUR/MWh] (>= 0).
    """

    tol_eur_mwh: float = 0.01

    def __post_init__(self) -> None:
        if not self.tol_eur_mwh >= 0:
            raise ValueError(f"ToUDelayedParams.tol_eur_mwh={self.tol_eur_mwh} must be >= 0")


class ToUDelayedPolicy:
    """Delay charging to the off-peak period; start earlier when the need requires it.

    Off-peak steps are those whose forecast price is within ``tol_eur_mwh`` of the
    forecast's minimum (so the rule follows the tariff's ToU periods without knowing them;
    a flat or missing tariff makes every step off-peak, i.e. uncontrolled). In off-peak
    steps every controlled EV charges at full power; outside, an EV charges only the
    must-run power (what full power in every remaining step could no longer deliver), so
    an EV whose need does not fit in the off-peak steps starts at its latest start time.
    """

    name: ClassVar[str] = "tou_delayed"

    def __init__(self, **params: float) -> None:
        self.params = ToUDelayedParams(**params)

    def decide(self, obs: FleetObservation) -> Setpoints:
        """Full power off-peak, must-run power otherwise."""
        price = np.asarray(obs.price_forecast_eur_mwh, dtype=float).reshape(-1)
        allowed = price <= np.min(price) + self.params.tol_eur_mwh
        return _decide_by_rule(obs, allowed)
