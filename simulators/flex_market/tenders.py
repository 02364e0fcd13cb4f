"""Long-term flexibility tenders: eligibility, contract award, availability pay and call-offs.

A DSO tender (as UKPN's or Enedis' flexibility tenders, review §4.1.4) contracts capacity in a
zone for a long period: the provider is paid for being *available* (``availability_eur_kw``
per kW for the whole contract period, paid pro rata over time) and for each *use*
(``utilisation_eur_mwh`` per MWh called off). Minimum bid size and duration are the entry
barriers the review names ("over-high bid size thresholds or duration requirements",
§4.1.4, citing CEER); both are parameters so a study can vary them.

References
----------
Gonzalez Venegas, Petit, Perez, "Active integration of electric vehicles into distribution
grids: barriers and frameworks for flexibility services", RSER 145 (2021) 111060, §4.1.4.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from simulators.flex_market.orders import Award, Direction, Gate, Request

__all__ = ["Contract", "TenderOffer", "TenderParams", "availability_eur", "call_off", "run_tender"]

_EPS_KW = 1e-9


@dataclass(frozen=True)
class TenderParams:
    """Tender rules.

    Parameters
    ----------
    min_bid_kw : float
        Smallest capacity an offer may have [kW], >= 0 (e.g. 50 kW; 1000 kW bars most EV
        aggregators of one LV feeder).
    min_duration_s : int
        Shortest contract period an offer may have [s], >= 0.
    max_availability_eur_kw : float
        Highest availability price the DSO accepts [EUR/kW per contract period].
    need_kw : mapping of str to float
        Capacity the DSO wants per zone [kW]; a zone missing here takes no offers.
        Empty: every eligible offer is contracted.
    """

    min_bid_kw: float = 50.0
    min_duration_s: int = 0
    max_availability_eur_kw: float = math.inf
    need_kw: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.min_bid_kw) and self.min_bid_kw >= 0.0):
            raise ValueError(f"tender min_bid_kw={self.min_bid_kw} must be a finite number >= 0")
        if not (isinstance(self.min_duration_s, int) and self.min_duration_s >= 0):
            raise ValueError(f"tender min_duration_s={self.min_duration_s!r} must be an int >= 0")
        if math.isnan(self.max_availability_eur_kw):
            raise ValueError("tender max_availability_eur_kw must not be NaN")
        for zone, kw in self.need_kw.items():
            if not (math.isfinite(kw) and kw >= 0.0):
                raise ValueError(f"tender need_kw[{zone!r}]={kw} must be a finite number >= 0")


@dataclass(frozen=True)
class TenderOffer:
    """An aggregator's offer in a long-term tender (``t_*_s``: contract period [s])."""

    id: str
    bidder: str
    zone: str
    p_kw: float
    t_start_s: int
    t_end_s: int
    availability_eur_kw: float
    utilisation_eur_mwh: float
    direction: Direction = Direction.DOWN

    def __post_init__(self) -> None:
        if not (math.isfinite(self.p_kw) and self.p_kw > 0):
            raise ValueError(f"tender offer {self.id!r}: p_kw={self.p_kw} must be > 0")
        if self.t_end_s <= self.t_start_s:
            raise ValueError(f"tender offer {self.id!r}: t_end_s must be after t_start_s")
        for name in ("availability_eur_kw", "utilisation_eur_mwh"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"tender offer {self.id!r}: {name} must be finite")


@dataclass(frozen=True)
class Contract:
    """A contracted tender offer: capacity the DSO may call off during the period."""

    offer: TenderOffer

    @property
    def id(self) -> str:
        return self.offer.id


def _ineligible(offer: TenderOffer, params: TenderParams) -> str:
    if offer.p_kw + _EPS_KW < params.min_bid_kw:
        return f"capacity {offer.p_kw:g} kW below the minimum bid size {params.min_bid_kw:g} kW"
    duration = offer.t_end_s - offer.t_start_s
    if duration < params.min_duration_s:
        return f"duration {duration} s below the minimum duration {params.min_duration_s} s"
    if offer.availability_eur_kw > params.max_availability_eur_kw:
        return (
            f"availability price {offer.availability_eur_kw:g} EUR/kW above the maximum "
            f"{params.max_availability_eur_kw:g}"
        )
    if params.need_kw and offer.zone not in params.need_kw:
        return f"zone {offer.zone!r} has no tender need (zones: {sorted(params.need_kw)})"
    return ""


def run_tender(
    offers: Sequence[TenderOffer], params: TenderParams
) -> tuple[list[Contract], list[tuple[str, str]]]:
    """Contract the eligible offers, cheapest availability first, up to each zone's need.

    Offers are indivisible: one that would exceed the zone's remaining need is rejected.
    Ties: lower utilisation price, then offer id.

    Returns
    -------
    contracts : list of Contract
    rejected : list of (offer id, reason)

    >>> p = TenderParams(min_bid_kw=50.0)
    >>> small = TenderOffer("o1", "agg", "f1", 20.0, 0, 86400, 5.0, 200.0)
    >>> run_tender([small], p)[1]
    [('o1', 'capacity 20 kW below the minimum bid size 50 kW')]
    """
    rejected: list[tuple[str, str]] = []
    eligible = []
    for offer in offers:
        reason = _ineligible(offer, params)
        if reason:
            rejected.append((offer.id, reason))
        else:
            eligible.append(offer)
    left = dict(params.need_kw)
    contracts = []
    for offer in sorted(
        eligible, key=lambda o: (o.availability_eur_kw, o.utilisation_eur_mwh, o.id)
    ):
        if params.need_kw:
            if offer.p_kw > left[offer.zone] + _EPS_KW:
                rejected.append((offer.id, f"exceeds the remaining need {left[offer.zone]:g} kW"))
                continue
            left[offer.zone] -= offer.p_kw
        contracts.append(Contract(offer))
    return contracts, rejected


def availability_eur(contract: Contract, t0_s: int, t1_s: int) -> float:
    """Availability payment [EUR] earned by ``contract`` during ``[t0_s, t1_s)``.

    >>> c = Contract(TenderOffer("o", "agg", "f1", 100.0, 0, 4 * 86400, 2.0, 150.0))
    >>> availability_eur(c, 0, 86400)  # a quarter of 100 kW x 2 EUR/kW
    50.0
    """
    o = contract.offer
    overlap = min(t1_s, o.t_end_s) - max(t0_s, o.t_start_s)
    if overlap <= 0:
        return 0.0
    return o.p_kw * o.availability_eur_kw * overlap / (o.t_end_s - o.t_start_s)


def call_off(
    request: Request,
    contracts: Sequence[Contract],
    *,
    called_kw: Mapping[str, list[tuple[int, int, float]]],
    cleared_s: int = 0,
) -> list[Award]:
    """Call off contracted capacity for ``request`` (cheapest utilisation price first).

    Only contracts in the request's zone and direction whose period covers the window and
    whose utilisation price is within the request's price cap are used; each gives at most
    its capacity minus what earlier call-offs overlapping the window already use
    (``called_kw[contract id]`` lists ``(t_start_s, t_end_s, p_kw)``). Call-offs are
    divisible. The awards are paid the contract's utilisation price.
    """
    need = request.p_kw
    awards = []
    usable = [
        c
        for c in contracts
        if c.offer.zone == request.zone
        and c.offer.direction == request.direction
        and c.offer.t_start_s <= request.t_start_s
        and c.offer.t_end_s >= request.t_end_s
        and c.offer.utilisation_eur_mwh <= request.price_cap_eur_mwh
    ]
    for c in sorted(usable, key=lambda c: (c.offer.utilisation_eur_mwh, c.id)):
        if need <= _EPS_KW:
            break
        used = sum(
            p
            for t0, t1, p in called_kw.get(c.id, [])
            if t0 < request.t_end_s and t1 > request.t_start_s
        )
        take = min(c.offer.p_kw - used, need)
        if take <= _EPS_KW:
            continue
        need -= take
        awards.append(
            Award(
                id=f"{request.id}/{c.id}",
                request_id=request.id,
                bid_id=c.id,
                bidder=c.offer.bidder,
                zone=request.zone,
                t_start_s=request.t_start_s,
                t_end_s=request.t_end_s,
                p_kw=take,
                price_eur_mwh=c.offer.utilisation_eur_mwh,
                bid_price_eur_mwh=c.offer.utilisation_eur_mwh,
                direction=request.direction,
                gate=Gate.CALL_OFF,
                rule="tender",
                cleared_s=cleared_s,
            )
        )
    return awards
