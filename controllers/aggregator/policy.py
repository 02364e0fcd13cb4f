"""What an aggregator policy sees and returns: the observation, the setpoints, the protocol.

A policy sees a :class:`FleetObservation` (arrays over EVs and chargers, no simulator) and
returns :class:`Setpoints` (one AC setpoint per charger). Helpers shared by every policy
(charging windows, power limits, the must-run floor, the EV → charger map) live here too.

Timing (as in the fleet model): an EV plugged at step ``t`` with departure ``d`` can charge
during the steps ``t, t + dt, ...`` that start before ``floor(d / dt) * dt``; its SoC is
checked at that step, so it has ``K = floor((d - t) / dt)`` whole steps (at least one).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator import policy_kernels as kernels
from cosim.errors import ModelError

__all__ = [
    "DEFAULT_EFFICIENCY",
    "Deferred",
    "DeferredSetpoints",
    "FleetObservation",
    "Policy",
    "Setpoints",
    "charger_of",
    "clip",
    "ev_power_kw",
    "ev_steps",
    "must_run_after_kw",
    "must_run_kw",
    "to_charger_levels",
    "to_chargers",
]

#: AC-to-battery charger efficiency assumed when the charger parameters give none [-]
DEFAULT_EFFICIENCY = 0.92

FloatArray = NDArray[np.float64]
_T = TypeVar("_T")


def _read_only(value: Any) -> Any:
    """Lock arrays (also inside tuples and dataclasses) so a shared result cannot be changed."""
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif isinstance(value, tuple):
        for v in value:
            _read_only(v)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            _read_only(getattr(value, name))
    return value


class Deferred:
    """What several :meth:`FleetObservation.memo` keys get from one computation, each key's
    value built when first read (registered with :meth:`FleetObservation.memo_many`): a
    step that reads none of them does not pay for their records and views."""

    __slots__ = ()

    def build(self, key: Hashable) -> Any:
        """The value of ``key`` (read-only)."""
        raise NotImplementedError


@dataclass(frozen=True)
class FleetObservation:
    """Everything a policy may look at in one step (per EV unless noted).

    Parameters
    ----------
    time_s, step_s : int
        Scenario time of this step and step length [s].
    plugged : ndarray of bool (n_ev,)
        EV connected to a charger.
    soc, soc_min, soc_target : ndarray (n_ev,)
        State of charge, V2G floor and departure target [-].
    e_need_kwh : ndarray (n_ev,)
        Battery-side energy still needed to reach the target [kWh].
    e_capacity_kwh : ndarray (n_ev,)
        Usable capacity [kWh].
    departure_s : ndarray of int (n_ev,)
        Scenario time of the next departure [s] (-1: unknown).
    p_max_kw : ndarray (n_ev,)
        On-board charger AC limit [kW].
    opt_out : ndarray of bool (n_ev,)
        Driver refuses control this session (such EVs get NaN = uncontrolled).
    charger_idx : ndarray of int (n_ev,)
        Charger used by each EV (-1: not plugged).
    p_rated_kw, efficiency : ndarray (n_chargers,)
        Charger rating [kW] and AC-to-battery efficiency [-] (also used for discharge).
    bidirectional : ndarray of bool (n_chargers,)
        Charger can discharge (V2G).
    price_eur_mwh : float
        Energy price of this step [EUR/MWh].
    price_forecast_eur_mwh : ndarray (H,)
        Prices of the next H steps, element 0 = this step [EUR/MWh].
    period : int or None
        ToU period rank of this step (0 = cheapest), ``None`` without a ToU tariff.
    p_load_bg_kw, p_gen_bg_kw : float or None
        The area's background load and generation of the *previous* step [kW]
        (time-shifted measurement), ``None`` when no grid is connected.
    """

    time_s: int
    step_s: int
    plugged: NDArray[np.bool_]
    soc: FloatArray
    e_need_kwh: FloatArray
    e_capacity_kwh: FloatArray
    departure_s: NDArray[np.int64]
    p_max_kw: FloatArray
    soc_min: FloatArray
    soc_target: FloatArray
    opt_out: NDArray[np.bool_]
    charger_idx: NDArray[np.int64]
    p_rated_kw: FloatArray
    efficiency: FloatArray
    bidirectional: NDArray[np.bool_]
    price_eur_mwh: float = 0.0
    price_forecast_eur_mwh: FloatArray = field(default_factory=lambda: np.zeros(1))
    period: int | None = None
    p_load_bg_kw: float | None = None
    p_gen_bg_kw: float | None = None

    @property
    def n_ev(self) -> int:
        """Number of EVs."""
        return int(self.plugged.size)

    @property
    def n_chargers(self) -> int:
        """Number of chargers."""
        return int(self.p_rated_kw.size)

    @property
    def dt_h(self) -> float:
        """Step length [h]."""
        return self.step_s / 3600.0

    def controllable(self) -> NDArray[np.bool_]:
        """EVs a policy schedules: plugged at a charger and not opted out."""
        return self.memo("controllable", self._controllable)

    def _controllable(self) -> NDArray[np.bool_]:
        return self.plugged & (self.charger_idx >= 0) & ~self.opt_out

    def memo(self, key: Hashable, compute: Callable[[], _T], *, locked: bool = False) -> _T:
        """``compute()`` once per observation (its arrays read-only); later calls reuse it.

        Several parts of one step (the policy, the FCR band, the DSO bids) derive the same
        per-EV quantities from the same observation; the observation is frozen, so each is
        computed once. ``locked``: ``compute`` returns arrays that are read-only already
        (views of a locked array), so they are not walked to lock them again.
        """
        cache: dict[Hashable, Any] | None = self.__dict__.get("_memo")
        if cache is None:
            cache = self.__dict__["_memo"] = {}
        elif key in cache:
            value = cache[key]
            if isinstance(value, Deferred):  # computed with others: its value built now
                value = cache[key] = value.build(key)
            return value  # type: ignore[no-any-return]
        value = compute()
        cache[key] = value if locked else _read_only(value)
        return cache[key]  # type: ignore[no-any-return]

    def memo_many(self, values: Mapping[Hashable, Any]) -> None:
        """:meth:`memo` of several values computed together, read-only already (``locked``),
        in one call; a key memoised before keeps its value. A :class:`Deferred` value
        gives the key's value when the key is first read."""
        cache: dict[Hashable, Any] | None = self.__dict__.get("_memo")
        if cache is None:
            self.__dict__["_memo"] = dict(values)
            return
        for key, value in values.items():
            cache.setdefault(key, value)


@dataclass(frozen=True)
class Setpoints:
    """A policy's decision for ``[time_s, time_s + step_s)``.

    Parameters
    ----------
    p_set_kw : ndarray (n_chargers,)
        AC setpoint per charger [kW]; NaN = no control (uncontrolled charging), < 0 = V2G.
    p_plan_kw : ndarray (H,)
        Aggregate planned AC power of the controlled EVs, element 0 = this step [kW].
    e_flex_kwh : float
        Energy the controlled EVs need that could still be postponed past this step [kWh].
    solve_ms : float
        Wall time of the optimisation behind this decision (0 when none ran) [ms].
    """

    p_set_kw: FloatArray
    p_plan_kw: FloatArray
    e_flex_kwh: float = 0.0
    solve_ms: float = 0.0


class DeferredSetpoints(Setpoints):
    """:class:`Setpoints` whose plan and postponable energy are computed when first read.

    For policies whose plan costs more than their setpoints (the uncontrolled policy): a
    run that reads only ``p_set_kw`` does not pay for the rest.
    """

    _deferred: dict[str, Callable[[], Any]]

    def __init__(
        self,
        p_set_kw: FloatArray,
        *,
        p_plan_kw: Callable[[], FloatArray],
        e_flex_kwh: Callable[[], float],
    ) -> None:
        # frozen: the fields set in one update of the instance dict, as frozen_record does
        self.__dict__.update(
            p_set_kw=p_set_kw,
            solve_ms=0.0,
            _deferred={"p_plan_kw": p_plan_kw, "e_flex_kwh": e_flex_kwh},
        )

    def _value(self, name: str) -> Any:
        if name not in self.__dict__:
            self.__dict__[name] = self._deferred[name]()
        return self.__dict__[name]

    @property  # type: ignore[override]  # a field of the base class, computed here
    def p_plan_kw(self) -> FloatArray:
        """Aggregate planned AC power [kW] (see :class:`Setpoints`)."""
        return self._value("p_plan_kw")  # type: ignore[no-any-return]

    @property  # type: ignore[override]
    def e_flex_kwh(self) -> float:
        """Energy that could still be postponed [kWh] (see :class:`Setpoints`)."""
        return float(self._value("e_flex_kwh"))


@runtime_checkable
class Policy(Protocol):
    """A fleet charging policy: pure (no mosaik, no I/O); may keep state between steps."""

    name: ClassVar[str]

    def decide(self, obs: FleetObservation) -> Setpoints:
        """Return the setpoints for the step described by ``obs``."""
        ...


def ev_steps(obs: FleetObservation, *, unknown_steps: int) -> NDArray[np.int64]:
    """Whole steps each EV can still charge before its departure (>= 1).

    An unknown departure (``departure_s < 0``) counts as ``unknown_steps`` steps.
    """
    return obs.memo(("steps", int(unknown_steps)), lambda: _ev_steps(obs, unknown_steps))


def _ev_steps(obs: FleetObservation, unknown_steps: int) -> NDArray[np.int64]:
    steps = (np.asarray(obs.departure_s, dtype=np.int64) - int(obs.time_s)) // int(obs.step_s)
    steps = np.where(obs.departure_s < 0, int(unknown_steps), steps)
    return np.maximum(steps, 1, out=steps)


def charger_of(obs: FleetObservation) -> NDArray[np.int64]:
    """Charger of every plugged EV, -1 for the others (once per observation).

    Raises ``ModelError`` when a plugged EV names a charger beyond the bank.
    """
    return obs.memo("charger", lambda: _charger_of_now(obs))


def _charger_of_now(obs: FleetObservation) -> NDArray[np.int64]:
    idx = np.asarray(obs.charger_idx, dtype=np.int64)
    chg = np.where(obs.plugged & (idx >= 0), idx, -1)
    if np.maximum.reduce(chg, initial=-1) >= obs.n_chargers:  # a plugged EV beyond the bank
        ev = int(np.argmax(chg >= obs.n_chargers))
        raise ModelError(
            f"aggregator at t={obs.time_s} s: EV {ev} uses charger {int(idx[ev])} but only "
            f"{obs.n_chargers} chargers were declared; create the aggregator with n_chargers "
            "equal to the charger bank size"
        )
    return chg


def ev_power_kw(obs: FleetObservation) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """Per-EV AC power limit [kW], efficiency [-] and V2G capability of its charger.

    Unplugged EVs get a limit of 0 kW, the default efficiency and no V2G.
    """
    return obs.memo("power", lambda: _ev_power_kw(obs))


def _ev_power_kw(obs: FleetObservation) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    chg = charger_of(obs)
    at = chg >= 0
    # chg -1 (no charger) reads the last charger: masked out right away
    p_hi = np.where(at, np.minimum(obs.p_max_kw, obs.p_rated_kw[chg]), 0.0)
    eta = np.where(at, obs.efficiency[chg], DEFAULT_EFFICIENCY)
    bidir = at & obs.bidirectional[chg]
    return np.maximum(p_hi, 0.0), eta, bidir


def must_run_kw(
    need_kwh: FloatArray,
    p_hi_kw: FloatArray,
    eta: FloatArray,
    steps: NDArray[np.int64],
    dt_h: float,
) -> FloatArray:
    """AC power needed now so that full power afterwards still meets the need [kW].

    ``max(0, need - p_hi * eta * dt * (K - 1)) / (eta * dt)``, capped at ``p_hi``: the floor
    every policy applies so that no EV misses a need it could still meet.

    >>> must_run_kw(np.array([10.0]), np.array([10.0]), np.array([1.0]), np.array([1]), 1.0)
    array([10.])
    """
    return must_run_after_kw(need_kwh, p_hi_kw * eta * dt_h * (steps - 1), p_hi_kw, eta, dt_h)


def must_run_after_kw(
    need_kwh: FloatArray, later_kwh: FloatArray, p_hi_kw: FloatArray, eta: FloatArray, dt_h: float
) -> FloatArray:
    """:func:`must_run_kw` given ``later_kwh = p_hi * eta * dt * (K - 1)`` [kW].

    >>> must_run_after_kw(np.array([10.0]), np.array([6.0]), np.array([5.0]), np.array([1.0]), 1.0)
    array([4.])
    """
    rest = np.maximum(need_kwh - later_kwh, 0.0)
    return np.minimum(rest / (eta * dt_h), p_hi_kw)


def clip(values: FloatArray, lo: FloatArray | float, hi: FloatArray | float) -> FloatArray:
    """``numpy.clip`` (the same ``min(max(values, lo), hi)``) without its call overhead.

    >>> clip(np.array([-1.0, 0.5, 3.0]), 0.0, np.array([1.0, 1.0, 2.0])).tolist()
    [0.0, 0.5, 2.0]
    """
    return np.minimum(np.maximum(values, lo), hi)


def to_chargers(obs: FleetObservation, p_ev_kw: FloatArray) -> FloatArray:
    """Scatter per-EV setpoints onto chargers; free chargers get NaN.

    NaN entries of ``p_ev_kw`` (opted-out EVs) stay NaN, i.e. uncontrolled.
    """
    chg = charger_of(obs)
    out = np.full(obs.n_chargers, np.nan)
    at = chg >= 0
    out[chg[at]] = p_ev_kw[at]
    return out


def to_charger_levels(
    p_set_kw: FloatArray,
    p_step_kw: FloatArray | None,
    p_min_kw: FloatArray | None,
    p_rated_kw: FloatArray,
) -> FloatArray:
    """Raise charging setpoints to the next power level a charger can actually hold.

    IEC 61851 chargers signal the current in whole steps from a minimum current up, and
    round a command down to a step. A plan sent unrounded would lose up to one step every
    interval and miss departure needs that were planned tight; rounding the setpoint *up*
    keeps every plan feasible (the charger still stops at the EV's need). Zero steps mean a
    continuous charger; NaN (no control) and discharge setpoints pass unchanged. ``None``
    for ``p_step_kw`` or ``p_min_kw`` means all zeros (the same result, without the work).

    >>> to_charger_levels(np.array([0.5, 4.2, 5.0, np.nan]), np.full(4, 0.69),
    ...                   np.full(4, 4.14), np.full(4, 11.0)).round(2).tolist()
    [4.14, 4.83, 5.52, nan]
    """
    p = np.asarray(p_set_kw, dtype=float)
    rated = np.asarray(p_rated_kw, dtype=float)
    step = rated if p_step_kw is None else np.asarray(p_step_kw, dtype=float)
    low = rated if p_min_kw is None else np.asarray(p_min_kw, dtype=float)
    if not p.shape == rated.shape == step.shape == low.shape or p.ndim != 1:
        raise ValueError(
            f"to_charger_levels needs one value per charger in each of p_set_kw {p.shape}, "
            f"p_step_kw, p_min_kw and p_rated_kw {rated.shape}"
        )
    out = np.empty(p.size)
    kernels.charger_levels(p, step, low, rated, p_step_kw is not None, p_min_kw is not None, out)
    return out
