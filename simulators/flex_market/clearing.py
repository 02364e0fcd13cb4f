"""Clearing of one DSO request against the bids in its zone: merit order, pay-as-bid or uniform.

Rules (for one request):

1. **Eligible** bids: same zone and direction as the request, a window that covers the
   request's window, an asked price at or below the request's price cap, some power left, and
   (if the bid names a request) the same request id. Every other bid is excluded with a reason.
2. **Merit order**: ascending price; ties go to the bid received first (``submitted_s``), then
   to the smaller bid id (string order) — deterministic whatever the input order.
3. Walk the merit order until the requested power is covered:

   - a **divisible** bid is accepted up to what is still needed, but never less than its
     ``min_p_kw`` (if the remainder is smaller, the bid is skipped);
   - an **indivisible** bid is accepted whole if it fits in what is still needed, otherwise
     it is **skipped** and the walk goes on to the next bid. The DSO never buys more than it
     asked for; a cheaper indivisible bid that is too large can thus lose to dearer smaller
     bids ("skip" rule, as for block orders).

4. **Price**: pay-as-bid pays every accepted bid its own price; uniform pricing pays every
   accepted bid the price of the marginal (dearest) accepted bid, which is never above the cap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from simulators.flex_market.orders import Award, Bid, ClearingRule, Request

__all__ = ["ClearingResult", "clear_request", "eligibility", "merit_order"]

_EPS_KW = 1e-9


@dataclass(frozen=True)
class ClearingResult:
    """Outcome of clearing one request.

    Parameters
    ----------
    request_id : str
        The request cleared.
    awards : tuple of Award
        Accepted bids, in merit order.
    price_eur_mwh : float
        Uniform price, or the volume-weighted mean price under pay-as-bid (NaN if no award).
    awarded_kw : float
        Total accepted power [kW] (never above the request).
    unmet_kw : float
        Requested power left uncovered [kW].
    excluded : tuple of (str, str)
        ``(bid_id, reason)`` of every bid not accepted.
    """

    request_id: str
    awards: tuple[Award, ...]
    price_eur_mwh: float
    awarded_kw: float
    unmet_kw: float
    excluded: tuple[tuple[str, str], ...]


def eligibility(request: Request, bid: Bid, available_kw: float) -> str:
    """Why ``bid`` cannot serve ``request`` (empty string when it can).

    >>> from simulators.flex_market.orders import Direction
    >>> req = Request("r", "f1", (1,), 0, 3600, 10.0, Direction.DOWN, 200.0)
    >>> eligibility(req, Bid("b", "agg", "f2", 0, 3600, 5.0, 100.0), 5.0)
    "zone 'f2' is not the request's zone 'f1'"
    """
    if bid.zone != request.zone:
        return f"zone {bid.zone!r} is not the request's zone {request.zone!r}"
    if bid.direction != request.direction:
        return f"direction {bid.direction.value!r} is not {request.direction.value!r}"
    if bid.request_id and bid.request_id != request.id:
        return f"bid answers request {bid.request_id!r}"
    if bid.t_start_s > request.t_start_s or bid.t_end_s < request.t_end_s:
        return (
            f"window {bid.t_start_s}..{bid.t_end_s} s does not cover the request's "
            f"{request.t_start_s}..{request.t_end_s} s"
        )
    if bid.price_eur_mwh > request.price_cap_eur_mwh:
        return f"price {bid.price_eur_mwh} EUR/MWh above the cap {request.price_cap_eur_mwh}"
    if available_kw <= _EPS_KW:
        return "no power left (awarded to earlier requests)"
    return ""


def merit_order(bids: Sequence[Bid]) -> list[Bid]:
    """Bids sorted by price, then reception time, then id (deterministic tie-break)."""
    return sorted(bids, key=lambda b: (b.price_eur_mwh, b.submitted_s, b.id))


def _take(bid: Bid, available_kw: float, need_kw: float) -> tuple[float, str]:
    """Power [kW] accepted from one bid, or 0 and the reason it is skipped."""
    if bid.divisible:
        take = min(available_kw, need_kw)
        if take + _EPS_KW < bid.min_p_kw:
            return 0.0, f"remaining need {need_kw:.6g} kW below min_p_kw {bid.min_p_kw:.6g}"
        return take, ""
    if available_kw > need_kw + _EPS_KW:
        return 0.0, (
            f"indivisible {available_kw:.6g} kW does not fit the remaining need "
            f"{need_kw:.6g} kW (skipped)"
        )
    return available_kw, ""


def clear_request(
    request: Request,
    bids: Sequence[Bid],
    *,
    rule: ClearingRule | str,
    available_kw: Mapping[str, float] | None = None,
    cleared_s: int = 0,
) -> ClearingResult:
    """Clear ``request`` against ``bids`` (see the module docstring for the rules).

    Parameters
    ----------
    request : Request
        The DSO request.
    bids : sequence of Bid
        Candidate bids (ineligible ones are excluded with a reason).
    rule : ClearingRule or str
        Pay-as-bid or uniform pricing.
    available_kw : mapping of str to float, optional
        Power still unawarded per bid id [kW]; default: each bid's full ``p_kw``.
    cleared_s : int
        Clearing time [s], stamped on the awards.

    Returns
    -------
    ClearingResult
    """
    rule = ClearingRule(rule)
    avail = {b.id: b.p_kw for b in bids} if available_kw is None else dict(available_kw)
    excluded: list[tuple[str, str]] = []
    eligible = []
    for bid in bids:
        reason = eligibility(request, bid, avail.get(bid.id, 0.0))
        if reason:
            excluded.append((bid.id, reason))
        else:
            eligible.append(bid)
    need = request.p_kw
    accepted: list[tuple[Bid, float]] = []
    for bid in merit_order(eligible):
        if need <= _EPS_KW:
            excluded.append((bid.id, "request already covered"))
            continue
        take, reason = _take(bid, avail[bid.id], need)
        if take <= 0.0:
            excluded.append((bid.id, reason))
            continue
        accepted.append((bid, take))
        need -= take
    awarded = sum(p for _, p in accepted)
    if not accepted:
        price = float("nan")
    elif rule == ClearingRule.UNIFORM:
        price = max(b.price_eur_mwh for b, _ in accepted)
    else:
        price = sum(b.price_eur_mwh * p for b, p in accepted) / awarded
    awards = tuple(
        Award(
            id=f"{request.id}/{bid.id}",
            request_id=request.id,
            bid_id=bid.id,
            bidder=bid.bidder,
            zone=request.zone,
            t_start_s=request.t_start_s,
            t_end_s=request.t_end_s,
            p_kw=p_kw,
            price_eur_mwh=price if rule == ClearingRule.UNIFORM else bid.price_eur_mwh,
            bid_price_eur_mwh=bid.price_eur_mwh,
            direction=request.direction,
            gate=request.gate,
            rule=rule.value,
            cleared_s=cleared_s,
        )
        for bid, p_kw in accepted
    )
    return ClearingResult(
        request_id=request.id,
        awards=awards,
        price_eur_mwh=price,
        awarded_kw=awarded,
        unmet_kw=max(request.p_kw - awarded, 0.0),
        excluded=tuple(excluded),
    )
