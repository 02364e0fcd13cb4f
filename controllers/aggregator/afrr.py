"""aFRR provision by a fleet: the symmetric band left after FCR, offered per block.

The pool holds one symmetric band per block, the forecast room ``min_k min(sum up_k, sum
down_k)`` (see :mod:`controllers.aggregator.fcr`). FCR is served first: its offer takes the
safety factor's share of that room. aFRR is offered from what FCR leaves,

    afrr_kw = min(max_kw, share * (room_kw - fcr_kw)),

so ``fcr_kw + afrr_kw <= room_kw`` always. A band below the minimum bid size is not
offered. aFRR is procured in the same 4-hour products as FCR since the German/European
standard product moved to 4-h blocks [1]_, so it is offered on the FCR's block grid
(``fcr.block_s``) at the same instant.

References
----------
.. [1] Commission Regulation (EU) 2017/2195 (EB GL), Art. 25, and the aFRR standard product
   (PICASSO); regelleistung.net: aFRR capacity in six 4-hour products per day since 2020.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from controllers.aggregator.fcr import FCROffer, FCRProvision
from controllers.aggregator.flex_offers import FlexProvision
from controllers.aggregator.settings import from_spec

__all__ = ["AFRRProvision", "offer_afrr", "service_provisions"]


@dataclass(frozen=True)
class AFRRProvision:
    """How the aggregator provides aFRR.

    Parameters
    ----------
    enabled : bool
        Offer aFRR at all.
    v2g : bool
        Let the band reach into discharge on bidirectional chargers.
    share : float
        Share of the symmetric room FCR leaves that is offered as aFRR, in (0, 1].
    min_kw : float
        Minimum bid size [kW], >= 0 (aFRR: 1 MW; a pooled product may be smaller).
    max_kw : float or None
        Largest band offered [kW], > 0; None: no cap.
    """

    enabled: bool = False
    v2g: bool = False
    share: float = 0.8
    min_kw: float = 0.0
    max_kw: float | None = None

    def __post_init__(self) -> None:
        problems = []
        if not (0 < self.share <= 1):
            problems.append(f"share={self.share!r} must be in (0, 1]")
        if not (math.isfinite(self.min_kw) and self.min_kw >= 0):
            problems.append(f"min_kw={self.min_kw!r} must be a finite number >= 0 kW")
        if self.max_kw is not None and not (math.isfinite(self.max_kw) and self.max_kw > 0):
            problems.append(f"max_kw={self.max_kw!r} must be a finite number > 0 kW or None")
        if problems:
            raise ValueError("invalid afrr parameters: " + "; ".join(problems))

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any] | None) -> AFRRProvision:
        """Build from the adapter's ``afrr`` dict; unknown keys are an error listing the valid."""
        return from_spec(cls, spec, "afrr")


def offer_afrr(fcr: FCROffer, provision: AFRRProvision) -> FCROffer:
    """The aFRR band for a block, from the room the FCR offer saw and what FCR took.

    Parameters
    ----------
    fcr : FCROffer
        The block's FCR offer (``room_kw`` is the forecast symmetric room; ``capacity_kw``
        is 0 when FCR is not offered).
    provision : AFRRProvision
        Share, cap and minimum bid size.

    Examples
    --------
    A room of 10 kW, FCR takes 6 kW, aFRR 0.8 of the 4 kW left:

    >>> offer_afrr(FCROffer(6.0, 10.0), AFRRProvision(enabled=True)).capacity_kw
    3.2
    >>> offer_afrr(FCROffer(6.0, 10.0), AFRRProvision(enabled=True, min_kw=5.0)).reason
    'aFRR band 3.2 kW below the minimum bid size 5.0 kW'
    """
    left = max(fcr.room_kw - fcr.capacity_kw, 0.0)
    band = provision.share * left
    if provision.max_kw is not None:
        band = min(band, provision.max_kw)
    if band <= 0.0:
        return FCROffer(0.0, left, "no symmetric room left after FCR in the block")
    if band < provision.min_kw:
        msg = f"aFRR band {band:.1f} kW below the minimum bid size {provision.min_kw} kW"
        return FCROffer(0.0, left, msg)
    return FCROffer(band, left)


def service_provisions(
    fcr: Mapping[str, Any] | None,
    afrr: Mapping[str, Any] | None,
    flex: Mapping[str, Any] | None,
    policy_params: Mapping[str, Any] | None,
) -> tuple[FCRProvision, AFRRProvision, FlexProvision, bool]:
    """The three provisions of an aggregator and whether its availability may use V2G.

    V2G is allowed when an enabled balancing service asks for it or the policy plans with it.

    >>> service_provisions(None, {"enabled": True, "v2g": True}, None, None)[3]
    True
    """
    fcr_p, afrr_p = FCRProvision.from_dict(fcr), AFRRProvision.from_dict(afrr)
    v2g = (
        bool(fcr_p.v2g and fcr_p.enabled)
        or bool(afrr_p.v2g and afrr_p.enabled)
        or bool(dict(policy_params or {}).get("v2g"))
    )
    return fcr_p, afrr_p, FlexProvision.from_dict(flex), v2g
