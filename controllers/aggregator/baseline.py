"""Rule-based fleet policies: uncontrolled charging and ToU-delayed start."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator.policy import (
    DeferredSetpoints,
    FleetObservation,
    Setpoints,
    ev_power_kw,
    ev_steps,
    to_chargers,
)
from controllers.aggregator.random_delay import SessionDelays, delayed_fraction, run_start_s

__all__ = [
    "ToUDelayedParams",
    "ToUDelayedPolicy",
    "UncontrolledPolicy",
    "asap_plan_kw",
    "rule_profile_kw",
]

FloatArray = NDArray[np.float64]


def rule_profile_kw(
    need_kwh: FloatArray,
    p_hi_kw: FloatArray,
    eta: FloatArray,
    steps: NDArray[np.int64],
    *,
    allowed: NDArray[np.bool_] | FloatArray,
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
    allowed : ndarray of bool (H,) or of float (n, H)
        Steps in which the rule charges at full power, or per EV the share of each step
        it may charge at full power (in [0, 1], e.g. after a random start delay).
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
    # Battery energy delivered before step j, D_j, obeys D_(j+1) = clip(D_j + E a_j, L_(j+1), N)
    # (E: a full step, a_j: allowed, L_j: the latest-start floor, N: the reachable need).
    # A running sum clipped from below unrolls to max_(i<=j) (L_i - S_i) + S_j with S the
    # cumulative allowed energy; the constant cap N commutes with it.
    # the unrolling holds for any increments >= 0, so also for shares of a step
    horizon = allowed.shape[-1]
    e_step, n_reach, dt_eta = _reach(need_kwh, p_hi_kw, eta, steps, dt_h=dt_h)
    # (H + 1, n) layout: the running max then sweeps whole rows of EVs at a time
    if allowed.ndim == 1:
        s = np.multiply.outer(np.concatenate(([0.0], np.cumsum(allowed, dtype=float))), e_step)
    else:
        s = np.zeros((horizon + 1, e_step.size))
        np.cumsum(np.asarray(allowed, dtype=float).T, axis=0, out=s[1:])
        s *= e_step
    done = np.multiply.outer(np.arange(horizon + 1.0), e_step)
    done += n_reach - e_step * steps
    np.maximum(done, 0.0, out=done)
    done -= s
    np.maximum.accumulate(done, axis=0, out=done)
    done += s
    np.minimum(done, n_reach, out=done)
    out = np.diff(done, axis=0)
    np.maximum(out, 0.0, out=out)
    out /= dt_eta
    return np.ascontiguousarray(out.T)


def _reach(
    need_kwh: FloatArray,
    p_hi_kw: FloatArray,
    eta: FloatArray,
    steps: NDArray[np.int64],
    *,
    dt_h: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Battery energy of a full step [kWh], the need full power can reach [kWh], eta * dt."""
    dt_eta = np.asarray(eta, dtype=float) * dt_h
    e_step = np.asarray(p_hi_kw, dtype=float) * dt_eta
    n_reach = np.minimum(np.maximum(need_kwh, 0.0), e_step * np.maximum(steps, 0))
    return e_step, n_reach, dt_eta


def asap_plan_kw(
    need_kwh: FloatArray,
    p_hi_kw: FloatArray,
    eta: FloatArray,
    steps: NDArray[np.int64],
    *,
    horizon: int,
    dt_h: float,
) -> FloatArray:
    """Aggregate AC power of EVs charging as fast as possible [kW], shape (horizon,).

    Equals ``rule_profile_kw(..., allowed=all steps).sum(axis=0)`` in O(n + H): each EV
    runs at full power for ``floor(need / E)`` steps and charges the rest in the next one.

    >>> one = np.ones(2)
    >>> asap_plan_kw(np.array([2.5, 1.0]), one, one, np.array([4, 4]), horizon=4,
    ...              dt_h=1.0).tolist()
    [2.0, 1.0, 0.5, 0.0]
    """
    e_step, n_reach, dt_eta = _reach(need_kwh, p_hi_kw, eta, steps, dt_h=dt_h)
    live = e_step > 0
    e_step, n_reach, dt_eta = e_step[live], n_reach[live], dt_eta[live]
    full = np.floor(n_reach / e_step).astype(np.int64)
    rest_kw = (n_reach - full * e_step) / dt_eta
    p_hi = e_step / dt_eta
    at = np.minimum(full, horizon)
    edge = np.bincount(at, weights=p_hi, minlength=horizon + 1)
    rest = np.bincount(at, weights=rest_kw, minlength=horizon + 1)
    plan = p_hi.sum() - np.cumsum(edge)[:horizon] + rest[:horizon]
    return plan


def _flex_kwh(obs: FleetObservation) -> float:
    """Energy the controlled EVs need that could still wait past this step [kWh]."""
    ctrl = obs.controllable()
    p_hi, eta, _ = ev_power_kw(obs)
    steps = ev_steps(obs, unknown_steps=1)
    later = np.minimum(obs.e_need_kwh, p_hi * eta * obs.dt_h * (steps - 1))
    return float(np.sum(np.where(ctrl, np.maximum(later, 0.0), 0.0)))


def _decide_by_rule(obs: FleetObservation, allowed: NDArray[np.bool_] | FloatArray) -> Setpoints:
    """Setpoints of :func:`rule_profile_kw`; ``allowed`` (H,) or per EV (n_ev, H)."""
    ctrl = obs.controllable()
    p_hi, eta, _ = ev_power_kw(obs)
    steps = ev_steps(obs, unknown_steps=allowed.shape[-1])
    live = np.flatnonzero(ctrl & (obs.e_need_kwh > 0))  # the others get 0 kW
    share = allowed if allowed.ndim == 1 else allowed[live]
    profile = rule_profile_kw(
        obs.e_need_kwh[live], p_hi[live], eta[live], steps[live], allowed=share, dt_h=obs.dt_h
    )
    p_ev = np.where(ctrl, 0.0, np.nan)
    p_ev[live] = profile[:, 0]
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
        self._nan = np.full(0, np.nan)

    def decide(self, obs: FleetObservation) -> Setpoints:
        """NaN for every charger; the plan is the as-fast-as-possible profile."""
        if self._nan.size != obs.p_rated_kw.size:
            self._nan = np.full(obs.p_rated_kw.size, np.nan)
            self._nan.setflags(write=False)  # handed out at every step: nobody may change it
        return DeferredSetpoints(
            self._nan,
            p_plan_kw=lambda: self._plan_kw(obs),
            e_flex_kwh=lambda: _flex_kwh(obs),
        )

    def _plan_kw(self, obs: FleetObservation) -> FloatArray:
        ctrl = obs.controllable()
        p_hi, eta, _ = ev_power_kw(obs)
        steps = ev_steps(obs, unknown_steps=self.horizon_steps)
        return asap_plan_kw(
            obs.e_need_kwh[ctrl], p_hi[ctrl], eta[ctrl], steps[ctrl],
            horizon=self.horizon_steps, dt_h=obs.dt_h,
        )  # fmt: skip


@dataclass(frozen=True)
class ToUDelayedParams:
    """Parameters of the ToU-delayed start.

    Parameters
    ----------
    tol_eur_mwh : float
        A step is off-peak when its price is within this of the cheapest price of the
        forecast [EUR/MWh] (>= 0).
    random_delay_s : float
        Longest random start delay per session [s] (>= 0; 0: every EV starts at the
        off-peak start). The UK Smart Charge Points Regulations 2021 default is 600 s.
    """

    tol_eur_mwh: float = 0.01
    random_delay_s: float = 0.0

    def __post_init__(self) -> None:
        problems = []
        if not self.tol_eur_mwh >= 0:
            problems.append(f"tol_eur_mwh={self.tol_eur_mwh} must be >= 0 EUR/MWh")
        if not (np.isfinite(self.random_delay_s) and self.random_delay_s >= 0):
            problems.append(
                f"random_delay_s={self.random_delay_s} must be a finite delay >= 0 s "
                "(e.g. 600 for the UK default)"
            )
        if problems:
            raise ValueError("invalid ToUDelayedParams: " + "; ".join(problems))


class ToUDelayedPolicy:
    """Delay charging to the off-peak period; start earlier when the need requires it.

    Off-peak steps are those whose forecast price is within ``tol_eur_mwh`` of the
    forecast's minimum (so the rule follows the tariff's ToU periods without knowing them;
    a flat or missing tariff makes every step off-peak, i.e. uncontrolled). In off-peak
    steps every controlled EV charges at full power; outside, an EV charges only the
    must-run power (what full power in every remaining step could no longer deliver), so
    an EV whose need does not fit in the off-peak steps starts at its latest start time.

    With ``random_delay_s > 0`` each session waits its own random delay after the start
    of an off-peak run (see :mod:`controllers.aggregator.random_delay`), drawn from
    ``rng`` (the adapter hands over the policy's child generator; default: seed 0).
    """

    name: ClassVar[str] = "tou_delayed"
    #: the registry hands this policy its own random generator
    uses_rng: ClassVar[bool] = True

    def __init__(self, *, rng: np.random.Generator | None = None, **params: float) -> None:
        self.params = ToUDelayedParams(**params)
        gen = np.random.default_rng(0) if rng is None else rng
        self._delays = SessionDelays(window_s=self.params.random_delay_s, rng=gen)
        self._run_start_s: int | None = None  # start of the off-peak run holding step 0
        self._t_s: int | None = None

    def decide(self, obs: FleetObservation) -> Setpoints:
        """Full power off-peak (after each session's delay), must-run power otherwise."""
        price = np.asarray(obs.price_forecast_eur_mwh, dtype=float).reshape(-1)
        allowed = price <= np.min(price) + self.params.tol_eur_mwh
        if self.params.random_delay_s <= 0:
            return _decide_by_rule(obs, allowed)
        follows = self._t_s is not None and obs.time_s == self._t_s + obs.step_s
        start = run_start_s(
            allowed,
            time_s=obs.time_s,
            step_s=obs.step_s,
            first_start_s=self._run_start_s if follows else None,
        )
        self._t_s = obs.time_s
        self._run_start_s = int(start[0]) if allowed[0] else None
        delay = self._delays.update(obs.plugged, obs.departure_s)
        share = delayed_fraction(
            allowed, run_start=start, delay_s=delay, time_s=obs.time_s, step_s=obs.step_s
        )
        return _decide_by_rule(obs, share)
