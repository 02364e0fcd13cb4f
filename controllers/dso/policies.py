"""DSO policies, one per value framework: pure ``decide(observation) -> p_limit_kw``.

A policy sees an :class:`Observation` (delayed grid measurements, charger powers, its own
previous limits, the day-ahead forecast) and never the simulators. Frameworks follow
Gonzalez Venegas et al., RSER 145 (2021) 111060, §4.1: grid codes, connection agreements
(interruptible, variable capacity), network tariffs; "none" is the reference.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from .choices import Framework, VCCMode
from .cover import ChargerCover
from .curtailment import interruptible_limits, release_limits
from .detection import nan_to_num, shed_needed_kw
from .vcc import FLEXPOWER_SCHEDULE, CapacitySchedule

__all__ = [
    "POLICIES",
    "DSOContext",
    "DSOParams",
    "Framework",
    "InterruptiblePolicy",
    "Observation",
    "ObservePolicy",
    "Policy",
    "VCCMode",
    "VCCPolicy",
    "make_policy",
]


@dataclass(frozen=True)
class DSOParams:
    """Operator settings; every bad field is reported at once.

    Parameters
    ----------
    framework : Framework
        Value framework the DSO acts through.
    loading_limit_pct : float
        Line/trafo loading limit [%], > 0.
    v_min_pu, v_max_pu : float
        Voltage band [p.u.] (EN 50160: 0.9-1.1).
    margin_pct : float
        Extra loading [% of rating] shed beyond the limit (interruptible), ≥ 0.
    hysteresis_pct : float
        Caps are held while the element loading is ≥ limit − hysteresis [%], ≥ 0.
    release_kw_per_step : float
        Increase of a released cap per step [kW], > 0.
    vcc_mode : VCCMode
        Schedule kind of the variable capacity contract.
    vcc_schedule : sequence of [start_h, end_h, fraction]
        Time-of-day windows (see :class:`CapacitySchedule`).
    vcc_fixed_fraction : float
        Capacity fraction of the rating in ``fixed`` mode, in [0, 1].
    vcc_threshold_pct : float
        Forecast loading [%] above which ``day_ahead`` reduces capacity, > 0.
    vcc_reduced_fraction : float
        Capacity fraction in hours with forecast congestion (``day_ahead``), in [0, 1].
    delay_steps : int
        Measurement delay added to the scenario's one-step time shift [steps], ≥ 0.
    """

    framework: Framework = Framework.NONE
    loading_limit_pct: float = 100.0
    v_min_pu: float = 0.9
    v_max_pu: float = 1.1
    margin_pct: float = 2.0
    hysteresis_pct: float = 10.0
    release_kw_per_step: float = 1.0
    vcc_mode: VCCMode = VCCMode.TIME_OF_DAY
    vcc_schedule: Sequence[Sequence[float]] = FLEXPOWER_SCHEDULE
    vcc_fixed_fraction: float = 0.5
    vcc_threshold_pct: float = 80.0
    vcc_reduced_fraction: float = 0.5
    delay_steps: int = 0
    schedule: CapacitySchedule = field(init=False, repr=False)

    def __post_init__(self) -> None:
        problems = _problems(self)
        try:
            object.__setattr__(self, "framework", Framework(self.framework))
        except ValueError:
            allowed = [f.value for f in Framework]
            problems.append(f"framework={self.framework!r} (allowed: {allowed})")
        try:
            object.__setattr__(self, "vcc_mode", VCCMode(self.vcc_mode))
        except ValueError:
            problems.append(f"vcc_mode={self.vcc_mode!r} (allowed: {[m.value for m in VCCMode]})")
        try:
            object.__setattr__(self, "schedule", CapacitySchedule(self.vcc_schedule))
        except ValueError as err:
            problems.append(f"vcc_schedule: {err}")
        if problems:
            raise ValueError("DSOParams: " + "; ".join(problems))


def _problems(p: DSOParams) -> list[str]:
    rules: list[tuple[str, float, bool, str]] = [
        ("loading_limit_pct", p.loading_limit_pct, p.loading_limit_pct > 0, "> 0"),
        ("v_min_pu", p.v_min_pu, 0 < p.v_min_pu < p.v_max_pu, f"0 < v_min_pu < {p.v_max_pu}"),
        ("margin_pct", p.margin_pct, p.margin_pct >= 0, ">= 0"),
        ("hysteresis_pct", p.hysteresis_pct, p.hysteresis_pct >= 0, ">= 0"),
        ("release_kw_per_step", p.release_kw_per_step, p.release_kw_per_step > 0, "> 0"),
        ("vcc_fixed_fraction", p.vcc_fixed_fraction, 0 <= p.vcc_fixed_fraction <= 1, "0..1"),
        ("vcc_threshold_pct", p.vcc_threshold_pct, p.vcc_threshold_pct > 0, "> 0"),
        ("vcc_reduced_fraction", p.vcc_reduced_fraction, 0 <= p.vcc_reduced_fraction <= 1, "0..1"),
        ("delay_steps", p.delay_steps, int(p.delay_steps) == p.delay_steps >= 0, "integer >= 0"),
    ]
    return [f"{name}={value} (allowed: {allowed})" for name, value, ok, allowed in rules if not ok]


@dataclass(frozen=True)
class DSOContext:
    """What a policy knows of the grid and chargers (fixed at creation).

    Attributes
    ----------
    params : DSOParams
    rating_kva : ndarray (E,)
        Element ratings [kVA].
    mask : ChargerCover (E, C)
        Charger ``c`` is downstream of element ``e`` (sparse).
    p_rated_kw : ndarray (C,)
        Charger ratings [kW].
    """

    params: DSOParams
    rating_kva: NDArray[np.float64]
    mask: ChargerCover
    p_rated_kw: NDArray[np.float64]


@dataclass(frozen=True)
class Observation:
    """What the operator knows at one step (measurements already delayed).

    Attributes
    ----------
    time_s : int
        Scenario time [s].
    day : int
        Local calendar day index since the scenario start day.
    hour : float
        Local hour of day in [0, 24).
    loading_pct : ndarray (E,)
        Loading of lines then trafos [%] (NaN: unknown).
    v_pu : ndarray (B,)
        Bus voltages [p.u.].
    p_kw : ndarray (C,)
        Measured charger power [kW].
    p_limit_prev_kw : ndarray (C,)
        Caps this operator issued last step [kW] (NaN: none).
    forecast_loading_pct : ndarray (E,)
        Day-ahead forecast of this hour's peak loading [%] (NaN: none).
    """

    time_s: int
    day: int
    hour: float
    loading_pct: NDArray[np.float64]
    v_pu: NDArray[np.float64]
    p_kw: NDArray[np.float64]
    p_limit_prev_kw: NDArray[np.float64]
    forecast_loading_pct: NDArray[np.float64]


class Policy(Protocol):
    """A DSO policy: caps per charger [kW] (NaN: no cap) from one observation."""

    def decide(self, obs: Observation) -> NDArray[np.float64]: ...


@dataclass(frozen=True)
class ObservePolicy:
    """No caps (frameworks none, tariff, grid_code, market): the operator only counts.

    Under ``market`` the operator acts through flexibility requests instead
    (:class:`controllers.dso.planner.MarketPlanner`), not through caps.
    """

    ctx: DSOContext
    #: the all-NaN caps, made once: each step gets a copy (one C call, not np.full's several)
    _no_caps: NDArray[np.float64] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_no_caps", np.full(self.ctx.p_rated_kw.shape, np.nan))

    def decide(self, obs: Observation) -> NDArray[np.float64]:
        """All NaN: no cap on any charger."""
        return self.caps()

    def caps(self) -> NDArray[np.float64]:
        """:meth:`decide`'s caps, which read no observation: a new all-NaN array."""
        return self._no_caps.copy()


@dataclass(frozen=True)
class InterruptiblePolicy:
    """Curtail the chargers downstream of congested elements, fairly, and release slowly.

    Each congested element sheds ``(L − limit + margin)/100 × rating`` by water-filling over
    its downstream chargers' measured power; several congested elements → the tightest cap.
    Caps are held while any element upstream of the charger stays at or above
    ``limit − hysteresis`` and are otherwise raised by up to ``release_kw_per_step`` per
    step, bounded by each upstream element's headroom below ``limit − hysteresis`` shared
    over its capped chargers (so a release cannot overload it again), until they reach the
    charger rating and vanish.
    """

    ctx: DSOContext

    def decide(self, obs: Observation) -> NDArray[np.float64]:
        """Caps [kW] per charger (NaN: none)."""
        p, c = self.ctx.params, self.ctx
        shed = shed_needed_kw(
            obs.loading_pct,
            c.rating_kva,
            loading_limit_pct=p.loading_limit_pct,
            margin_pct=p.margin_pct,
        )
        new = interruptible_limits(shed, c.mask, nan_to_num(obs.p_kw))
        floor_pct = p.loading_limit_pct - p.hysteresis_pct
        headroom = np.clip(nan_to_num(floor_pct - obs.loading_pct), 0.0, None)
        kept = release_limits(
            obs.p_limit_prev_kw,
            headroom_kw=headroom / 100.0 * c.rating_kva,
            mask=c.mask,
            release_kw=p.release_kw_per_step,
            p_rated_kw=c.p_rated_kw,
        )
        limit = np.fmin(kept, new)
        return np.where(np.isinf(limit), np.nan, limit)


@dataclass(frozen=True)
class VCCPolicy:
    """Variable capacity contract: each charger's cap is a fraction of its rating.

    ``time_of_day``: the :class:`CapacitySchedule` fraction of the local hour; ``fixed``: a
    constant fraction; ``day_ahead``: ``vcc_reduced_fraction`` for chargers downstream of an
    element whose forecast loading for this hour exceeds ``vcc_threshold_pct``, else none.
    """

    ctx: DSOContext

    def decide(self, obs: Observation) -> NDArray[np.float64]:
        """Caps [kW] per charger (NaN where the full rating is allowed)."""
        p, c = self.ctx.params, self.ctx
        n = c.p_rated_kw.shape
        if p.vcc_mode is VCCMode.TIME_OF_DAY:
            frac = np.full(n, p.schedule.fraction_at(obs.hour))
        elif p.vcc_mode is VCCMode.FIXED:
            frac = np.full(n, p.vcc_fixed_fraction)
        else:
            with np.errstate(invalid="ignore"):
                over = obs.forecast_loading_pct > p.vcc_threshold_pct
            frac = np.where(c.mask.any_of(over), p.vcc_reduced_fraction, 1.0)
        return np.where(frac >= 1.0, np.nan, frac * c.p_rated_kw)


#: framework → policy; the one place a new framework registers
POLICIES: dict[Framework, Callable[[DSOContext], Policy]] = {
    Framework.NONE: ObservePolicy,
    Framework.TARIFF: ObservePolicy,
    Framework.GRID_CODE: ObservePolicy,
    Framework.INTERRUPTIBLE: InterruptiblePolicy,
    Framework.VCC: VCCPolicy,
    Framework.MARKET: ObservePolicy,
}


def make_policy(ctx: DSOContext) -> Policy:
    """The policy registered for ``ctx.params.framework``."""
    try:
        factory = POLICIES[Framework(ctx.params.framework)]
    except (KeyError, ValueError) as err:
        valid = [f.value for f in POLICIES]
        raise ValueError(f"unknown DSO framework {ctx.params.framework!r}; valid: {valid}") from err
    return factory(ctx)
