"""What a DSO–TSO coordination scheme sees: one step's observation and its zone helpers.

What a scheme decides, and the accounting of who was served, is in
:mod:`controllers.coordination.dispatch`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import step_kernels

__all__ = [
    "EPS_KW",
    "CoordinationObservation",
    "capacity_towards",
    "per_charger",
    "sign_of",
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
