"""Tariff inputs and outputs: the kind and forecast choices, ``TariffParams``, ``TariffState``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from simulators.tariff.capacity import CapacityParams
from simulators.tariff.tou import TouParams

__all__ = ["ForecastMode", "TariffKind", "TariffParams", "TariffState"]

MAX_FORECAST_STEPS = 10_000


class TariffKind(StrEnum):
    """How the energy part of the price is set."""

    FLAT = "flat"
    TOU = "tou"
    DYNAMIC = "dynamic"
    CAPACITY = "capacity"


class ForecastMode(StrEnum):
    """What a dynamic tariff's forecast knows."""

    PERFECT = "perfect"
    DAY_AHEAD = "day_ahead"


@dataclass(frozen=True, eq=False)
class TariffParams:
    """Parameters of one tariff.

    Parameters
    ----------
    kind : TariffKind
        ``flat``, ``tou``, ``dynamic`` or ``capacity``.
    energy_eur_mwh : float
        Energy price of ``flat`` and ``capacity`` tariffs [EUR/MWh].
    network_eur_mwh : float
        Fixed adder on every price (network fee, taxes, margin) [EUR/MWh].
    tou : TouParams or None
        Schedule of a ``tou`` tariff.
    network_tou : TouParams or None
        Optional ToU network tariff added to the price (any kind).
    capacity : CapacityParams or None
        Capacity charge (required for ``capacity``, optional otherwise).
    forecast_steps : int
        Length H of the price forecast [steps].
    forecast : ForecastMode
        ``perfect`` or ``day_ahead`` (dynamic prices only).
    publish_hour : float
        Local hour at which the next day's day-ahead prices are known [h].
    """

    kind: TariffKind
    energy_eur_mwh: float = 0.0
    network_eur_mwh: float = 0.0
    tou: TouParams | None = None
    network_tou: TouParams | None = None
    capacity: CapacityParams | None = None
    forecast_steps: int = 96
    forecast: ForecastMode = ForecastMode.PERFECT
    publish_hour: float = 13.0

    def __post_init__(self) -> None:
        problems = []
        for name, enum in (("kind", TariffKind), ("forecast", ForecastMode)):
            try:
                object.__setattr__(self, name, enum(getattr(self, name)))
            except ValueError:
                problems.append(
                    f"{name}={getattr(self, name)!r} is unknown; valid: {[e.value for e in enum]}"
                )
        if self.kind == TariffKind.TOU and self.tou is None:
            problems.append("kind='tou' needs tou (a preset name such as 'fr_hphc' or periods)")
        if self.kind != TariffKind.TOU and self.tou is not None:
            problems.append(
                f"tou is only used by kind='tou' (got kind={self.kind!r}); for a ToU network "
                "charge on top of another kind, give network_tou instead"
            )
        if self.kind in (TariffKind.TOU, TariffKind.DYNAMIC) and self.energy_eur_mwh != 0.0:
            problems.append(
                f"energy_eur_mwh={self.energy_eur_mwh} is not used by kind={self.kind.value!r} "
                "(its energy price comes from the schedule or the price series); use "
                "network_eur_mwh for a fixed adder"
            )
        if self.kind == TariffKind.CAPACITY and self.capacity is None:
            problems.append("kind='capacity' needs capacity={'mode': 'subscribed' | 'peak', ...}")
        for name in ("energy_eur_mwh", "network_eur_mwh"):
            if not np.isfinite(getattr(self, name)):
                problems.append(f"{name}={getattr(self, name)} must be a finite price [EUR/MWh]")
        if not (
            isinstance(self.forecast_steps, int) and 1 <= self.forecast_steps <= MAX_FORECAST_STEPS
        ):
            problems.append(
                f"forecast_steps={self.forecast_steps!r} must be an integer in "
                f"[1, {MAX_FORECAST_STEPS}]"
            )
        if not 0 <= self.publish_hour < 24:
            problems.append(f"publish_hour={self.publish_hour} must be a local hour in [0, 24)")
        if problems:
            raise ValueError("invalid TariffParams: " + "; ".join(problems))


@dataclass(frozen=True)
class TariffState:
    """Outputs of one tariff step (prices of the step starting now, bill so far).

    Parameters
    ----------
    price_eur_mwh : float
        Price of the current step [EUR/MWh].
    price_forecast_eur_mwh : ndarray (H,)
        Prices of the next H steps, element 0 = ``price_eur_mwh`` [EUR/MWh].
    period : int
        ToU period rank of the current step (0 = cheapest).
    cost_eur : float
        Cumulative bill, energy + capacity [EUR].
    cost_step_eur : float
        Bill of the step billed now [EUR].
    cost_capacity_eur : float
        Cumulative capacity charges [EUR].
    p_peak_kw : float
        Highest window-mean power of the billed month [kW].
    """

    price_eur_mwh: float
    price_forecast_eur_mwh: NDArray[np.float64]
    period: int
    cost_eur: float
    cost_step_eur: float
    cost_capacity_eur: float
    p_peak_kw: float
