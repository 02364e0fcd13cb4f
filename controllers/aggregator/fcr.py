"""FCR provision by a fleet: the symmetric band offered per 4-h block and its per-charger share.

The band offered for a block is a safety factor times the smallest symmetric room the fleet
is forecast to hold over the block, ``min_k min(sum up_k, sum down_k)`` (without V2G, down
is limited to the baseline; with V2G it reaches into discharge). FCR is procured in 4-hour
products (00-04, 04-08, ... local time) [1]_; a pool below the product's minimum bid size
offers nothing.

References
----------
.. [1] ENTSO-E, "FCR cooperation": daily auctions of symmetric FCR in 4-hour products;
   Commission Regulation (EU) 2017/1485 (SO GL), Art. 154 and Annex V.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from controllers.aggregator.arrivals import RoomForecast
from controllers.aggregator.availability import BaseShape
from controllers.aggregator.settings import from_spec

__all__ = [
    "FCROffer",
    "FCRProvision",
    "band_share",
    "block_index",
    "offer_band",
    "offer_room",
    "room_share",
]

FloatArray = NDArray[np.float64]

#: FCR product length [s]
DEFAULT_BLOCK_S = 4 * 3600


@dataclass(frozen=True)
class FCRProvision:
    """How the aggregator provides FCR.

    Parameters
    ----------
    enabled : bool
        Offer FCR at all.
    v2g : bool
        Let the band reach into discharge on bidirectional chargers.
    safety_factor : float
        Share of the forecast symmetric room offered, in (0, 1].
    min_kw : float
        Minimum bid size [kW], >= 0 (FCR: 1 MW; a pooled product may be smaller).
    block_s : int
        Product length [s], > 0, dividing a day (the TSO's ``block_s``).
    base_shape : str
        ``"policy"``: the baseline is the policy's setpoint; ``"even"``: controllable EVs
        spread their need evenly over their stay, which leaves room both ways (an
        uncontrolled, as-fast-as-possible baseline has no room to charge more).
    forecast : str
        What the offer counts on (:class:`~controllers.aggregator.arrivals.RoomForecast`):
        ``"plugged"``, the EVs plugged in when it is made; ``"day_ahead"``, also the EVs
        still to arrive, forecast as the room measured one day earlier.
    """

    enabled: bool = False
    v2g: bool = False
    safety_factor: float = 0.8
    min_kw: float = 0.0
    block_s: int = DEFAULT_BLOCK_S
    base_shape: str = "policy"
    forecast: str = "plugged"

    def __post_init__(self) -> None:
        problems = []
        if not (0 < self.safety_factor <= 1):
            problems.append(f"safety_factor={self.safety_factor!r} must be in (0, 1]")
        if not (math.isfinite(self.min_kw) and self.min_kw >= 0):
            problems.append(f"min_kw={self.min_kw!r} must be a finite number >= 0 kW")
        if not (isinstance(self.block_s, int) and self.block_s > 0 and 86_400 % self.block_s == 0):
            problems.append(f"block_s={self.block_s!r} must be an integer > 0 dividing 86400 s")
        if self.base_shape not in ("policy", *(s.value for s in BaseShape)):
            problems.append(f"base_shape={self.base_shape!r} must be 'policy' or 'even'")
        if self.forecast not in (f.value for f in RoomForecast):
            problems.append(f"forecast={self.forecast!r} must be 'plugged' or 'day_ahead'")
        if problems:
            raise ValueError("invalid fcr parameters: " + "; ".join(problems))

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any] | None) -> FCRProvision:
        """Build from the adapter's ``fcr`` dict; unknown keys are an error listing the valid."""
        return from_spec(cls, spec, "fcr")


@dataclass(frozen=True)
class FCROffer:
    """The band offered for one block.

    Attributes
    ----------
    capacity_kw : float
        Symmetric band offered [kW] (0 when nothing is offered).
    room_kw : float
        Forecast symmetric room before the safety factor [kW].
    reason : str
        Why nothing is offered (empty when ``capacity_kw > 0``).
    """

    capacity_kw: float
    room_kw: float
    reason: str = ""


def block_index(t_s: ArrayLike, *, phase_s: int, block_s: int) -> NDArray[np.int64]:
    """Running index of the block holding scenario time ``t_s`` (local midnight-aligned).

    >>> block_index([0, 3600, 7200], phase_s=10_800, block_s=14_400).tolist()
    [0, 1, 1]
    """
    return np.floor_divide(np.asarray(t_s, dtype=np.int64) + int(phase_s), int(block_s))


def offer_band(
    up_kw: ArrayLike, down_kw: ArrayLike, *, safety_factor: float, min_kw: float
) -> FCROffer:
    """Symmetric band for a block from the forecast room per step of the block.

    Parameters
    ----------
    up_kw, down_kw : array_like (H,)
        Fleet room to draw more / less at each step of the block [kW] (already net of
        flexibility awarded elsewhere).
    safety_factor : float
        Share of the room offered.
    min_kw : float
        Minimum bid size [kW]: a smaller band is not offered.

    Examples
    --------
    >>> offer_band([10.0, 8.0], [5.0, 9.0], safety_factor=0.8, min_kw=0.0).capacity_kw
    4.0
    >>> offer_band([10.0], [5.0], safety_factor=0.8, min_kw=5.0).reason
    'band 4.0 kW below the minimum bid size 5.0 kW'
    """
    up, down = np.asarray(up_kw, dtype=float), np.asarray(down_kw, dtype=float)
    if up.size == 0:
        return FCROffer(0.0, 0.0, "no forecast for the block")
    low = np.minimum.reduce(np.minimum(up, down))  # np.min, no wrapper
    return offer_room(low, safety_factor=safety_factor, min_kw=min_kw)


def offer_room(low_kw: float, *, safety_factor: float, min_kw: float) -> FCROffer:
    """:func:`offer_band` from the smallest symmetric room over the block's steps [kW].

    >>> offer_room(5.0, safety_factor=0.8, min_kw=0.0).capacity_kw
    4.0
    """
    room = float(max(low_kw, 0.0))
    band = safety_factor * room
    if band <= 0.0:
        return FCROffer(0.0, room, "no symmetric room in the block")
    if band < min_kw:
        return FCROffer(0.0, room, f"band {band:.1f} kW below the minimum bid size {min_kw} kW")
    return FCROffer(band, room)


def band_share(capacity_kw: float, up_kw: FloatArray, down_kw: FloatArray) -> FloatArray:
    """Split the held band over the chargers pro rata to their symmetric room (n,) [kW].

    >>> band_share(3.0, np.array([2.0, 4.0, 0.0]), np.array([1.0, 2.0, 5.0])).tolist()
    [1.0, 2.0, 0.0]
    """
    room = np.maximum(np.minimum(up_kw, down_kw), 0.0)
    return room_share(capacity_kw, room, float(np.add.reduce(room)))


def room_share(capacity_kw: float, room_kw: FloatArray, total_kw: float) -> FloatArray:
    """Split the held band pro rata to each charger's symmetric room ``room_kw`` (n,) whose
    sum is ``total_kw`` [kW] (all zero when there is no band or no room).

    >>> room_share(3.0, np.array([1.0, 2.0, 0.0]), 3.0).tolist()
    [1.0, 2.0, 0.0]
    """
    if capacity_kw <= 0.0 or total_kw <= 0.0:
        return np.zeros(room_kw.size)
    return capacity_kw * room_kw / total_kw
