"""What a DSO–TSO coordination scheme sees and decides: observation, dispatch, accounting.

The accounting is shared by every scheme (so their results are comparable): a scheme only
chooses the per-charger adjustment ``p_adj_kw``; :func:`account` then says who was served.

Accounting rule ("the DSO meters its zone"): the DSO's served amount in zone ``z`` is the
zone's net change in the requested direction, capped at the request; the FCR served amount
is the rest of the fleet's change. Hence ``sum(p_adj_kw) == fcr_served_kw +
sum(dso_served_kw)`` always, and an FCR activation that moves a zone against its DSO request
shows up as a DSO shortfall rather than being counted twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cosim.records import frozen_record

from . import step_kernels

__all__ = [
    "EPS_KW",
    "CoordinationObservation",
    "Dispatch",
    "account",
    "capacity_towards",
    "dispatch_cost",
    "first_dispatch",
    "overload_kw",
    "per_charger",
    "sign_of",
    "spread_dso",
    "zone_sum",
]

#: amounts below this [kW] are treated as zero (solver and float noise)
EPS_KW = step_kernels.EPS_KW

_PER_CHARGER = ("p_base_kw", "p_up_kw", "p_down_kw", "fcr_band_kw", "afrr_band_kw")
#: per-charger fields that may be left empty (zeros)
_OPTIONAL = ("fcr_band_kw", "afrr_band_kw")
#: per-charger capacities and bands: finite and >= 0
_CAPACITIES = ("p_up_kw", "p_down_kw", "fcr_band_kw", "afrr_band_kw")
#: the per-step values checked at every step (the rest is checked once, see ``of_step``)
_CHECKED = frozenset(
    (
        "p_up_kw",
        "p_down_kw",
        "fcr_band_kw",
        "afrr_band_kw",
        "dso_req_kw",
        "headroom_kw",
        "fcr_req_kw",
        "afrr_req_kw",
    )
)
_PRICES = (
    "fcr_value_eur_mwh",
    "dso_value_eur_mwh",
    "activation_cost_eur_mwh",
    "overload_penalty_eur_mwh",
)


def _values_ok(fields: dict[str, Any]) -> bool:
    """Every per-step value of an observation is fine (what ``_check_values`` checks one by
    one), in one compiled pass."""
    return step_kernels.values_ok(
        fields["p_up_kw"],
        fields["p_down_kw"],
        fields["fcr_band_kw"],
        fields["afrr_band_kw"],
        fields["dso_req_kw"],
        fields["headroom_kw"],
        float(fields["fcr_req_kw"]),
        float(fields["afrr_req_kw"]),
    )


def sign_of(x: float) -> float:
    """``float(np.sign(x))`` of a Python float without the numpy scalar call (1.0, -1.0, 0.0
    for either zero, NaN for NaN).

    >>> [sign_of(v) for v in (2.0, -3.0, -0.0)]
    [1.0, -1.0, 0.0]
    """
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    return x if x != x else 0.0


def _floats(value: Any) -> NDArray[np.float64]:
    return np.asarray(value, dtype=float).reshape(-1)


class _ZoneIndex:
    """Which chargers lie in a zone, found once per ``zone_of_charger``."""

    def __init__(self, zone_of_charger: NDArray[np.int64], n_zone: int) -> None:
        zc = zone_of_charger
        self.n_charger, self.n_zone = int(zc.size), int(n_zone)
        inzone = zc >= 0
        self.all_in = bool(inzone.all())
        self.inzone = inzone
        self.zc_in = zc if self.all_in else zc[inzone]
        self.zc_safe = np.maximum(zc, 0)

    def sum(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        w = values if self.all_in else values[self.inzone]
        return np.bincount(self.zc_in, weights=w, minlength=self.n_zone).astype(float, copy=False)

    def per_charger(self, per_zone: Any) -> NDArray[np.float64]:
        if self.n_zone == 0:
            return np.zeros(self.n_charger)
        mapped = np.asarray(per_zone, dtype=float)[self.zc_safe]
        return mapped if self.all_in else np.where(self.inzone, mapped, 0.0)


@dataclass(frozen=True)
class CoordinationObservation:
    """One step's view of the fleet, the TSO and the DSO (arrays per charger unless noted).

    Parameters
    ----------
    time_s : int
        Scenario time of the step [s].
    p_base_kw : array (N,)
        Each charger's baseline power [kW] (>0 consumption).
    p_up_kw, p_down_kw : array (N,)
        Available increase / decrease of consumption per charger this step [kW], >= 0.
    fcr_req_kw : float
        TSO's requested change of the fleet's consumption [kW] (>0 consume more).
    dso_req_kw : array (Z,)
        DSO's requested change per zone [kW] (<0 reduce consumption), from awarded or
        activated DSO flexibility.
    zone_of_charger : array of int (N,)
        Zone index of each charger, -1 when it lies in no zone.
    congested_mask : array of bool (N,)
        True for chargers behind an element congested or forecast to be (traffic light red).
    headroom_kw : array (Z,)
        Extra consumption the constrained element behind each zone takes before violation
        [kW]; negative when already violated, +inf when unconstrained.
    fcr_band_kw : array (N,)
        Symmetric FCR band reserved on each charger [kW] (for double-claim detection).
    fcr_value_eur_mwh, dso_value_eur_mwh : float
        Value of lost service per unmet kW for the TSO / the DSO [EUR/MWh].
    activation_cost_eur_mwh : float
        Cost of moving a charger away from its baseline, per kW either way [EUR/MWh].
    overload_penalty_eur_mwh : float
        Penalty per kW the dispatch adds beyond a zone's headroom [EUR/MWh].
    afrr_req_kw : float
        TSO's requested aFRR change of the fleet's consumption [kW] (>0 consume more),
        dispatched after FCR from what FCR and the DSO leave.
    afrr_band_kw : array (N,)
        Symmetric aFRR band reserved on each charger [kW] (for double-claim detection).
    """

    time_s: int
    p_base_kw: NDArray[np.float64]
    p_up_kw: NDArray[np.float64]
    p_down_kw: NDArray[np.float64]
    fcr_req_kw: float
    dso_req_kw: NDArray[np.float64]
    zone_of_charger: NDArray[np.int64]
    congested_mask: NDArray[np.bool_]
    headroom_kw: NDArray[np.float64]
    fcr_band_kw: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    fcr_value_eur_mwh: float = 1000.0
    dso_value_eur_mwh: float = 1000.0
    activation_cost_eur_mwh: float = 5.0
    overload_penalty_eur_mwh: float = 3000.0
    afrr_req_kw: float = 0.0
    afrr_band_kw: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    _zones: _ZoneIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = _floats(self.p_base_kw).size
        set_ = object.__setattr__
        for name in _PER_CHARGER:
            value = getattr(self, name)
            set_(
                self,
                name,
                np.zeros(n) if name in _OPTIONAL and np.size(value) == 0 else _floats(value),
            )
        set_(self, "dso_req_kw", _floats(self.dso_req_kw))
        set_(self, "headroom_kw", _floats(self.headroom_kw))
        set_(self, "zone_of_charger", np.asarray(self.zone_of_charger, dtype=np.int64).reshape(-1))
        set_(self, "congested_mask", np.asarray(self.congested_mask, dtype=bool).reshape(-1))
        set_(self, "fcr_req_kw", float(self.fcr_req_kw))
        set_(self, "afrr_req_kw", float(self.afrr_req_kw))
        set_(self, "time_s", int(self.time_s))
        errors = self._errors(n)
        if errors:
            raise ValueError("invalid coordination observation: " + "; ".join(errors))
        set_(self, "_zones", _ZoneIndex(self.zone_of_charger, self.dso_req_kw.size))

    @classmethod
    def of_step(cls, layout: CoordinationObservation, **values: Any) -> CoordinationObservation:
        """This step's observation on the zones and prices of ``layout`` (checked once).

        ``values`` are every per-step field (``time_s``, the per-charger and per-zone
        arrays as float64 / bool arrays of ``layout``'s sizes, ``fcr_req_kw``); only their
        values are checked here (the sizes are the caller's to keep).
        """
        obs = object.__new__(cls)
        obs.__dict__.update(layout.__dict__)
        obs.__dict__.update(values)
        obs._check_values()
        return obs

    def evolve(self, **changes: Any) -> CoordinationObservation:
        """A copy with the given per-step fields replaced, checked like :meth:`of_step`."""
        obs = object.__new__(type(self))
        obs.__dict__.update(self.__dict__)
        obs.__dict__.update(changes)
        obs._check_values(_CHECKED.intersection(changes))
        return obs

    def _check_values(self, names: Iterable[str] = _CHECKED) -> None:
        """Raise on the per-step values :meth:`_errors` refuses (fast when all are fine)."""
        fields = self.__dict__
        if names is _CHECKED and _values_ok(fields):
            return
        for name in names:
            v = fields[name]
            if name in ("fcr_req_kw", "afrr_req_kw"):
                ok = math.isfinite(v)
            elif name == "dso_req_kw":
                ok = bool(np.logical_and.reduce(np.isfinite(v)))
            elif name == "headroom_kw":
                # NaN propagates through the sum (a few zones: cheaper as Python floats than
                # a numpy reduction); +inf + -inf is NaN too, and _errors then finds no error
                ok = not math.isnan(sum(v.tolist()))
            else:  # no NaN and >= 0 (NaN propagates through the minimum), none +inf
                ok = v.size == 0 or (np.minimum.reduce(v) >= 0 and np.maximum.reduce(v) < math.inf)
            if not ok:
                break
        else:
            return
        errors = self._errors(self.zone_of_charger.size)
        if errors:
            raise ValueError("invalid coordination observation: " + "; ".join(errors))

    def _errors(self, n: int) -> list[str]:
        errors = []
        for name in (*_PER_CHARGER, "zone_of_charger", "congested_mask"):
            if getattr(self, name).size != n:
                errors.append(f"{name} has {getattr(self, name).size} values, expected {n}")
        for name in ("p_up_kw", "p_down_kw", "fcr_band_kw", "afrr_band_kw"):
            arr = getattr(self, name)
            if arr.size == n and not (np.all(np.isfinite(arr)) and np.all(arr >= 0)):
                errors.append(f"{name} must be finite and >= 0 kW, got min {np.min(arr)}")
        z = self.dso_req_kw.size
        if self.headroom_kw.size != z:
            errors.append(f"headroom_kw has {self.headroom_kw.size} zones, dso_req_kw has {z}")
        if not np.all(np.isfinite(self.dso_req_kw)):
            errors.append("dso_req_kw must be finite")
        if np.any(np.isnan(self.headroom_kw)):
            errors.append("headroom_kw must not be NaN (use +inf for unconstrained zones)")
        zc = self.zone_of_charger
        if zc.size and (zc.min() < -1 or zc.max() >= z):
            errors.append(f"zone_of_charger must lie in [-1, {z - 1}], got {zc.min()}..{zc.max()}")
        for name in ("fcr_req_kw", "afrr_req_kw"):
            if not math.isfinite(getattr(self, name)):
                errors.append(f"{name}={getattr(self, name)} must be finite")
        for name in _PRICES:
            value = float(getattr(self, name))
            if not (math.isfinite(value) and value >= 0):
                errors.append(f"{name}={value} must be a finite price >= 0 EUR/MWh")
        return errors

    @property
    def n_charger(self) -> int:
        """Number of chargers N."""
        return int(self.p_base_kw.size)

    @property
    def n_zone(self) -> int:
        """Number of zones Z."""
        return int(self.dso_req_kw.size)


@dataclass(frozen=True)
class Dispatch:
    """A scheme's decision for one step and its accounting.

    Attributes
    ----------
    p_adj_kw : array (N,)
        Adjustment added to each charger's baseline [kW] (>0 consume more).
    p_fcr_kw, p_dso_kw : array (N,)
        The adjustment split by operator (``p_adj_kw = p_fcr_kw + p_dso_kw``, plus
        ``p_afrr_kw`` when aFRR was requested) per :func:`account`.
    fcr_served_kw : float
        FCR change delivered [kW], same sign as the request, never beyond it.
    dso_served_kw : array (Z,)
        DSO change delivered per zone [kW], same sign as each request.
    fcr_blocked_kw : float
        FCR the fleet had capacity for but did not deliver [kW], >= 0.
    conflicts : tuple of Conflict
        Conflicts detected in this step (see :mod:`controllers.coordination.conflicts`).
    scheme : str
        Name of the scheme that decided.
    p_afrr_kw : array (N,)
        The aFRR part of the adjustment per charger [kW], dispatched after FCR and the DSO
        (included in ``p_adj_kw``; empty when no aFRR was requested).
    afrr_served_kw : float
        aFRR change delivered [kW], same sign as the request, never beyond it.
    afrr_blocked_kw : float
        aFRR the fleet had capacity for after FCR but did not deliver [kW], >= 0.
    """

    p_adj_kw: NDArray[np.float64]
    p_fcr_kw: NDArray[np.float64]
    p_dso_kw: NDArray[np.float64]
    fcr_served_kw: float
    dso_served_kw: NDArray[np.float64]
    fcr_blocked_kw: float
    conflicts: tuple[Any, ...] = ()
    scheme: str = ""
    p_afrr_kw: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    afrr_served_kw: float = 0.0
    afrr_blocked_kw: float = 0.0


def first_dispatch(
    p_adj_kw: NDArray[np.float64],
    p_fcr_kw: NDArray[np.float64],
    p_dso_kw: NDArray[np.float64],
    fcr_served_kw: float,
    dso_served_kw: NDArray[np.float64],
    fcr_blocked_kw: float,
    scheme: str,
) -> Dispatch:
    """``Dispatch(p_adj_kw, ..., fcr_blocked_kw, scheme=scheme)`` (no aFRR, no conflicts
    yet) as a :func:`~cosim.records.frozen_record`, built at every step."""
    return frozen_record(
        Dispatch,
        p_adj_kw=p_adj_kw,
        p_fcr_kw=p_fcr_kw,
        p_dso_kw=p_dso_kw,
        fcr_served_kw=fcr_served_kw,
        dso_served_kw=dso_served_kw,
        fcr_blocked_kw=fcr_blocked_kw,
        conflicts=(),
        scheme=scheme,
        p_afrr_kw=np.zeros(0),  # what the field's default factory makes
        afrr_served_kw=0.0,
        afrr_blocked_kw=0.0,
    )


def capacity_towards(obs: CoordinationObservation, sign: float) -> NDArray[np.float64]:
    """Each charger's capacity in direction ``sign`` (>0 up, <0 down, 0 none) [kW]; the
    observation's own array, read, not copied."""
    if sign > 0:
        return obs.p_up_kw
    return obs.p_down_kw if sign < 0 else np.zeros(obs.n_charger)


def zone_sum(obs: CoordinationObservation, values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Sum a per-charger array over each zone (chargers in no zone are left out) (Z,).

    >>> import numpy as np
    >>> o = CoordinationObservation(0, np.zeros(3), np.ones(3), np.ones(3), 0.0, [0.0, 0.0],
    ...                             [0, 1, -1], [False] * 3, [np.inf, np.inf])
    >>> zone_sum(o, np.array([1.0, 2.0, 4.0])).tolist()
    [1.0, 2.0]
    """
    return obs._zones.sum(values)


def per_charger(obs: CoordinationObservation, per_zone: Any) -> NDArray[np.float64]:
    """Per-zone values mapped to each charger (0 for chargers in no zone) (N,)."""
    return obs._zones.per_charger(per_zone)


def spread_dso(
    obs: CoordinationObservation, weight_kw: NDArray[np.float64], served: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Spread each zone's served DSO amount over its chargers pro rata to ``weight_kw``
    taken in the requested direction (only chargers moving that way take a share) (N,)."""
    sign_c = per_charger(obs, np.sign(obs.dso_req_kw))
    moved = np.maximum(sign_c * weight_kw, 0.0)
    moved_z = zone_sum(obs, moved)
    frac_z = np.divide(np.abs(served), moved_z, out=np.zeros_like(moved_z), where=moved_z > 0)
    return sign_c * moved * per_charger(obs, frac_z)


def account(
    obs: CoordinationObservation, p_fcr_kw: NDArray[np.float64], p_dso_kw: NDArray[np.float64]
) -> tuple[float, NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Who was served: ``(fcr_served_kw, dso_served_kw, p_fcr_kw, p_dso_kw)``, accounted.

    A scheme proposes an FCR and a DSO part per charger. The DSO is credited with its own
    part in each zone, but no more than the zone's net change in the requested direction
    (an FCR move against the request cancels DSO relief first, as the DSO's zone meter would
    see it); FCR is credited with the rest of the fleet's change, so ``sum(p_adj) ==
    fcr_served + sum(dso_served)``.

    >>> import numpy as np
    >>> o = CoordinationObservation(0, np.zeros(3), [5.0] * 3, [5.0] * 3, 4.0, [-3.0],
    ...                             [0, 0, -1], [True, True, False], [np.inf])
    >>> f, g, _, _ = account(o, np.array([1.0, 0.0, 3.0]), np.array([0.0, -3.0, 0.0]))
    >>> f, g.tolist()  # FCR's +1 kW in zone 0 cancels 1 kW of the DSO's 3 kW relief
    (3.0, [-2.0])
    """
    p_fcr_kw, p_dso_kw = _floats(p_fcr_kw), _floats(p_dso_kw)
    p_adj = p_fcr_kw + p_dso_kw
    if not np.count_nonzero(obs.dso_req_kw):  # no request: the DSO is served nothing
        return float(p_adj.sum()), np.zeros(obs.n_zone), p_adj.copy(), np.zeros(p_adj.size)
    fcr, served, p_fcr, p_dso = step_kernels.account(
        p_fcr_kw, p_dso_kw, obs.dso_req_kw, obs.zone_of_charger
    )
    return float(fcr), served, p_fcr, p_dso


def dispatch_cost(obs: CoordinationObservation, dispatch: Dispatch) -> float:
    """Total cost rate of a dispatch under the common-market cost model [EUR/h].

    ``cost = c_F·|F − f| + c_D·Σ_z |r_z − g_z| + c_act·Σ_i |adj_i| + c_pen·Σ_z overload_z``,
    prices in EUR/MWh, powers in kW (hence the 1/1000), where ``overload_z = max(0,
    Σ_{i∈z} adj_i − max(headroom_z, 0))`` is what the dispatch adds beyond the headroom (a
    violation that exists without the dispatch is not charged to it).
    """
    unmet_fcr = abs(obs.fcr_req_kw - dispatch.fcr_served_kw)
    unmet_dso = float(np.abs(obs.dso_req_kw - dispatch.dso_served_kw).sum())
    activation = float(np.abs(dispatch.p_adj_kw).sum())
    overload = float(overload_kw(obs, dispatch.p_adj_kw).sum())
    return (
        obs.fcr_value_eur_mwh * unmet_fcr
        + obs.dso_value_eur_mwh * unmet_dso
        + obs.activation_cost_eur_mwh * activation
        + obs.overload_penalty_eur_mwh * overload
    ) / 1000.0


def overload_kw(obs: CoordinationObservation, p_adj_kw: NDArray[np.float64]) -> NDArray[np.float64]:
    """Consumption the adjustment adds beyond each zone's non-negative headroom [kW] (Z,)."""
    net_z = zone_sum(obs, _floats(p_adj_kw))
    limit = np.maximum(obs.headroom_kw, 0.0)
    return np.where(np.isfinite(limit), np.maximum(net_z - limit, 0.0), 0.0)
