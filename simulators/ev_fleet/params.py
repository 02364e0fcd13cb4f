"""Fleet parameters: the vehicle mix and the per-EV parameter arrays drawn from it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from simulators.ev_fleet.plugin import PluginMode
from simulators.ev_fleet.schedule import ScheduleParams

__all__ = ["ChargeLocation", "EVArrays", "FleetParams", "concat_ev_arrays", "draw_ev_arrays"]


class ChargeLocation(StrEnum):
    """Where a segment's EVs charge.

    ``HOME``: at their base (home, or a company depot) between the return of one trip and
    the next departure. ``DESTINATION``: at the destination of their weekday trip
    (workplace), between departure and return; never at the base.
    """

    HOME = "home"
    DESTINATION = "destination"


def _check_mix(
    name: str, values: tuple[float, ...], share_name: str, shares: tuple[float, ...]
) -> list[str]:
    problems = []
    if len(values) == 0 or len(values) != len(shares):
        problems.append(
            f"{name} has {len(values)} options but {share_name} has {len(shares)}; "
            "give one share per option"
        )
    elif any(s < 0 for s in shares) or not np.isclose(sum(shares), 1.0):
        problems.append(f"{share_name}={shares} must be >= 0 and sum to 1")
    if any(not v > 0 for v in values):
        problems.append(f"{name}={values} must all be > 0")
    return problems


def _check_range(name: str, rng: tuple[float, float], lo: float, hi: float) -> list[str]:
    if len(rng) != 2 or not lo <= rng[0] <= rng[1] <= hi:
        return [f"{name}={rng} must be (low, high) with {lo} <= low <= high <= {hi}"]
    return []


@dataclass(frozen=True)
class FleetParams:
    """Vehicle mix, driver behaviour and schedule of a fleet.

    Parameters
    ----------
    battery_kwh, battery_share : tuple of float
        Usable battery capacities [kWh] and the share of EVs with each.
    consumption_kwh_km : (float, float)
        Range of the uniformly drawn consumption [kWh/km].
    p_max_kw, p_max_share : tuple of float
        On-board charger AC power limits [kW] and their shares; a single number gives
        every EV that limit.
    soc_target : float
        SoC the driver wants at departure [-].
    soc_min : float
        V2G floor: minimum SoC the driver accepts [-].
    soc_init : (float, float)
        Range of the uniformly drawn initial SoC [-].
    alpha : float
        Median plug-in exponent of the non-systematic plug-in model [-]. The defaults
        ``alpha = 1.7``, ``alpha_sigma = 2.5``, ``rho = 0.5`` are calibrated so that a
        home-charging commuter fleet plugs in 0.45 times per EV and day on average, 0.40
        for 79 kWh and ~0.5 for 28 kWh batteries (Electric Nation statistics in Gonzalez
        Venegas et al. 2021: ~0.47 ... 0.40; see :mod:`.calibration`). The original paper
        uses alpha ~ 1.3 and rho = 1.5 with a narrower spread; with this schedule model
        those give too steep a fall with battery size (0.53 ... 0.30).
    alpha_sigma : float
        Log-normal spread of the per-driver exponent (sigma of ``ln alpha_i``) [-].
    rho : float
        Safety factor on the next trip energy for the always-plug-in threshold [-].
    plugin : PluginMode
        Plug-in behaviour: ``"non_systematic"`` or ``"daily"``.
    schedule : ScheduleParams
        Weekly driving schedule distributions.
    location : ChargeLocation
        Where the EVs charge (``"home"``: base/depot, ``"destination"``: workplace).
    p_opt_out : float
        Probability that a driver opts out of controlled charging for a session [-]
        (Electric Nation: < 5 % of sessions).
    """

    battery_kwh: tuple[float, ...] = (40.0, 60.0, 77.0)
    battery_share: tuple[float, ...] = (0.3, 0.4, 0.3)
    consumption_kwh_km: tuple[float, float] = (0.15, 0.20)
    p_max_kw: tuple[float, ...] = (7.4, 11.0)
    p_max_share: tuple[float, ...] = (0.5, 0.5)
    soc_target: float = 0.9
    soc_min: float = 0.2
    soc_init: tuple[float, float] = (0.3, 0.9)
    alpha: float = 1.7
    alpha_sigma: float = 2.5
    rho: float = 0.5
    plugin: PluginMode = PluginMode.NON_SYSTEMATIC
    schedule: ScheduleParams = field(default_factory=ScheduleParams)
    location: ChargeLocation = ChargeLocation.HOME
    p_opt_out: float = 0.0

    def __post_init__(self) -> None:
        self._normalise()
        problems = _check_mix("battery_kwh", self.battery_kwh, "battery_share", self.battery_share)
        problems += _check_mix("p_max_kw", self.p_max_kw, "p_max_share", self.p_max_share)
        problems += _check_range("consumption_kwh_km", self.consumption_kwh_km, 0.01, 2.0)
        problems += _check_range("soc_init", self.soc_init, 0.0, 1.0)
        if not 0.0 < self.soc_target <= 1.0:
            problems.append(f"soc_target={self.soc_target} must be in (0, 1]")
        if not 0.0 <= self.soc_min < self.soc_target:
            problems.append(f"soc_min={self.soc_min} must be in [0, soc_target={self.soc_target})")
        if not self.alpha > 0:
            problems.append(f"alpha={self.alpha} must be > 0")
        if not self.alpha_sigma >= 0:
            problems.append(f"alpha_sigma={self.alpha_sigma} must be >= 0")
        if not self.rho >= 0:
            problems.append(f"rho={self.rho} must be >= 0")
        if not 0.0 <= self.p_opt_out <= 1.0:
            problems.append(f"p_opt_out={self.p_opt_out} must be in [0, 1]")
        try:
            object.__setattr__(self, "location", ChargeLocation(self.location))
        except ValueError:
            valid = [m.value for m in ChargeLocation]
            problems.append(f"location={self.location!r} is unknown; valid: {valid}")
        try:
            object.__setattr__(self, "plugin", PluginMode(self.plugin))
        except ValueError:
            valid = [m.value for m in PluginMode]
            problems.append(f"plugin={self.plugin!r} is unknown; valid: {valid}")
        if problems:
            raise ValueError("invalid FleetParams: " + "; ".join(problems))

    def _normalise(self) -> None:
        """Accept lists (from JSON) and a single on-board charger power for the whole fleet."""
        if np.ndim(self.p_max_kw) == 0:
            object.__setattr__(self, "p_max_kw", (float(self.p_max_kw),))  # type: ignore[arg-type]
            if len(self.p_max_share) != 1:
                object.__setattr__(self, "p_max_share", (1.0,))
        for name in (
            "battery_kwh",
            "battery_share",
            "p_max_kw",
            "p_max_share",
            "consumption_kwh_km",
            "soc_init",
        ):
            object.__setattr__(self, name, tuple(float(v) for v in getattr(self, name)))


@dataclass(frozen=True)
class EVArrays:
    """Per-EV parameters (struct of arrays, shape (n_ev,) each)."""

    capacity_kwh: NDArray[np.float64]
    consumption_kwh_km: NDArray[np.float64]
    p_max_kw: NDArray[np.float64]
    soc_target: NDArray[np.float64]
    soc_min: NDArray[np.float64]
    alpha: NDArray[np.float64]
    soc_init: NDArray[np.float64]

    @property
    def n_ev(self) -> int:
        """Number of EVs."""
        return int(self.capacity_kwh.shape[0])


def draw_ev_arrays(params: FleetParams, n_ev: int, rng: np.random.Generator) -> EVArrays:
    """Draw the per-EV parameters of ``n_ev`` EVs from the vehicle mix.

    The order of draws is fixed, so one seed always gives the same fleet.
    """
    if n_ev < 1:
        raise ValueError(f"n_ev={n_ev} must be >= 1")
    cap = rng.choice(np.asarray(params.battery_kwh), size=n_ev, p=params.battery_share)
    cons = rng.uniform(*params.consumption_kwh_km, size=n_ev)
    p_max = rng.choice(np.asarray(params.p_max_kw), size=n_ev, p=params.p_max_share)
    alpha = params.alpha * np.exp(params.alpha_sigma * rng.standard_normal(n_ev))
    soc0 = rng.uniform(*params.soc_init, size=n_ev)
    return EVArrays(
        capacity_kwh=cap.astype(float),
        consumption_kwh_km=cons,
        p_max_kw=p_max.astype(float),
        soc_target=np.full(n_ev, params.soc_target),
        soc_min=np.full(n_ev, params.soc_min),
        alpha=alpha,
        soc_init=soc0,
    )


def concat_ev_arrays(parts: Sequence[EVArrays]) -> EVArrays:
    """Stack the per-EV parameters of several groups, rows in order."""
    names = EVArrays.__dataclass_fields__
    return EVArrays(**{n: np.concatenate([getattr(p, n) for p in parts]) for n in names})
