"""What the aggregator's availability computes (:mod:`controllers.aggregator.availability`):
the baseline shapes, each EV's power bounds and the availability per charger, zone and step."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Availability",
    "BaseShape",
    "EVBounds",
    "EvenStep",
    "ForecastAvailability",
    "ZoneAvailability",
]

FloatArray = NDArray[np.float64]


class BaseShape(StrEnum):
    """How a baseline is assumed to continue after this step (forecast) or chosen now.

    ``asap``: every EV charges as fast as it can (uncontrolled); ``even``: each need is
    spread evenly over the steps left before departure (the operating point in the middle
    of the band, as FCR pools run their EVs).
    """

    ASAP = "asap"
    EVEN = "even"


@dataclass(frozen=True)
class EVBounds:
    """One step's power bounds per EV (n_ev,) [kW]; 0 for EVs not at a charger."""

    at: NDArray[np.bool_]
    ctrl: NDArray[np.bool_]
    p_unc_kw: FloatArray
    p_top_kw: FloatArray
    p_bottom_kw: FloatArray
    p_even_kw: FloatArray


@dataclass(frozen=True)
class Availability:
    """Per charger for this step (n_chargers,) [kW], consumer sign.

    ``p_base_kw`` is the planned power (0 at free chargers), ``p_up_kw`` and ``p_down_kw``
    (>= 0) how much more / less the charger may draw without breaking a departure need.
    """

    p_base_kw: FloatArray
    p_up_kw: FloatArray
    p_down_kw: FloatArray


@dataclass(frozen=True)
class ZoneAvailability:
    """:class:`Availability` per charger with what the services derive from it this step.

    ``p_base_kw`` and ``p_down_kw`` are per zone (Z,) [kW]; ``room_kw`` is each charger's
    symmetric room ``max(min(up, down), 0)`` (n_chargers,) [kW] and ``room_total_kw`` its sum.
    """

    chargers: Availability
    p_base_kw: FloatArray
    p_down_kw: FloatArray
    room_kw: FloatArray
    room_total_kw: float


@dataclass(frozen=True)
class ForecastAvailability:
    """Per zone and step of the window (Z, H) [kW]; element ``[:, 0]`` is this step."""

    p_base_kw: FloatArray
    p_up_kw: FloatArray
    p_down_kw: FloatArray


class EvenStep(NamedTuple):
    """What :func:`~controllers.aggregator.availability.even_zone_availability` computes:
    the bank's setpoints (n_chargers,) [kW], their availability, the metered power per zone
    (Z,) [kW] (None: not given) and the FCR and aFRR bands held per charger (n_chargers,)
    [kW]."""

    p_set_kw: FloatArray
    zoned: ZoneAvailability
    p_metered_kw: FloatArray | None
    bands_kw: tuple[FloatArray, FloatArray]
