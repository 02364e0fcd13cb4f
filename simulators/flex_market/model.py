"""The DSO flexibility market platform: order book, gates, clearing, activation, settlement.

One :class:`MarketModel` per scenario. Each step ``t`` it (1) receives DSO requests and checks
their gate, (2) receives aggregator bids and books or rejects them, (3) clears every request
whose gate has closed (merit order, or a call-off of tender contracts), (4) issues the
activations of awards whose window starts in this step, (5) meters the providers against
their declared baseline and settles the awards whose window has ended, and (6) pays tender
availability. Every event goes to the :class:`~simulators.flex_market.events.EventLog`.

Gate rules for bids: a bid naming a request must arrive by that request's gate; any other bid
must arrive by the intraday gate of its own window start, and stays in the book (for every
request whose window it covers and whose gate closes after it arrived) until its window ends.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

from cosim.records import frozen_record
from cosim.timebase import DAY_S
from simulators.flex_market.clearing import clear_request
from simulators.flex_market.delivery import Metering, read_meters
from simulators.flex_market.events import EventLog
from simulators.flex_market.gates import gate_closure_s
from simulators.flex_market.orders import (
    Activation,
    Award,
    Bid,
    Gate,
    Request,
    bid_from_dict,
    request_from_dict,
    to_dict,
)
from simulators.flex_market.params import MarketParams, MarketStep
from simulators.flex_market.settlement import settle
from simulators.flex_market.tenders import (
    Contract,
    TenderOffer,
    TenderParams,
    availability_eur,
    call_off,
    run_tender,
)

__all__ = ["MarketModel"]

log = logging.getLogger(__name__)


def _same(a: Request | Bid, b: Request | Bid) -> bool:
    """Equal orders, ignoring the reception time of bids."""
    if isinstance(a, Bid) and isinstance(b, Bid):
        return dataclasses.replace(a, submitted_s=0) == dataclasses.replace(b, submitted_s=0)
    return a == b


class MarketModel:
    """Local flexibility market for one DSO (pure: no mosaik, no I/O).

    Parameters
    ----------
    params : MarketParams
        Market design.
    tender : TenderParams, optional
        Long-term tender rules (needed with ``tender_offers``).
    tender_offers : sequence of TenderOffer
        Offers of the long-term tender, evaluated at creation; the contracts serve requests
        with ``gate = "call_off"``.
    """

    def __init__(
        self,
        params: MarketParams,
        *,
        tender: TenderParams | None = None,
        tender_offers: Sequence[TenderOffer] = (),
    ) -> None:
        self.params = params
        self.log = EventLog()
        self._requests: dict[str, Request] = {}
        self._gate_s: dict[str, int] = {}
        self._pending: set[str] = set()
        #: the earliest gate among the pending requests: none is due before [s]
        self._pending_gate_s: float = math.inf
        self._bids: dict[str, Bid] = {}
        self._book: dict[str, Bid] = {}
        #: the earliest window end in the book: none leaves it before [s]
        self._book_end_s: float = math.inf
        self._left_kw: dict[str, float] = {}
        self._to_activate: list[Award] = []
        #: the earliest window start among the awards to activate: none is due before [s]
        self._activate_s: float = math.inf
        self._metering: list[Metering] = []
        self._awards: list[Award] = []
        self._called_kw: dict[str, list[tuple[int, int, float]]] = {}
        self.cost_eur = 0.0
        self.penalty_eur = 0.0
        self._next_prune_s = 0
        #: the requested and awarded power in effect (see _in_effect) and until when they
        #: hold without a new request or award [s]
        self._in_effect = (0.0, 0.0)
        self._in_effect_until: float = -math.inf
        self.contracts: list[Contract] = []
        if tender_offers:
            contracts, rejected = run_tender(tender_offers, tender or TenderParams())
            self.contracts = contracts
            reasons = dict(rejected)
            for offer in tender_offers:
                self.log.tender_offer(offer, reason=reasons.get(offer.id, ""))

    # --- reception -----------------------------------------------------------------------
    def _receive_request(self, req: Request, t: int) -> None:
        gate_s = gate_closure_s(req.gate, req.t_start_s, params=self.params.gates)
        old = self._requests.get(req.id)
        if old is not None:
            if old != req:
                self.log.request(req, gate_s=gate_s, received_s=t, reason="duplicate id")
            return  # an identical re-submission is ignored
        reason = ""
        if t > gate_s:
            reason = f"arrived at t={t} s after the {req.gate.value} gate closed at t={gate_s} s"
        elif req.gate == Gate.CALL_OFF and not self.contracts:
            reason = "call-off without tender contracts"
        self.log.request(req, gate_s=gate_s, received_s=t, reason=reason)
        if not reason:
            self._requests[req.id] = req
            self._gate_s[req.id] = gate_s
            self._pending.add(req.id)
            self._pending_gate_s = min(self._pending_gate_s, gate_s)
            self._in_effect_until = -math.inf  # a new request may be in effect

    def _bid_reason(self, bid: Bid, t: int) -> str:
        p = self.params
        if bid.p_kw < p.min_bid_kw:
            return f"p_kw {bid.p_kw:g} kW below the minimum bid size {p.min_bid_kw:g} kW"
        if bid.t_end_s - bid.t_start_s < p.min_bid_duration_s:
            return f"window {bid.t_end_s - bid.t_start_s} s shorter than {p.min_bid_duration_s} s"
        if bid.request_id:
            if bid.request_id not in self._requests:
                return f"unknown request {bid.request_id!r}"
            if bid.request_id not in self._pending:
                gate_s = self._gate_s[bid.request_id]
                gate = self._requests[bid.request_id].gate.value
                return f"after the {gate} gate of request {bid.request_id!r} (t={gate_s} s)"
            return ""
        gate_s = gate_closure_s(Gate.INTRADAY, bid.t_start_s, params=p.gates)
        if t > gate_s:
            return f"after the intraday gate closure of its window (t={gate_s} s)"
        return ""

    def _receive_bid(self, bid: Bid, t: int) -> None:
        old = self._bids.get(bid.id)
        if old is not None:
            if not _same(old, bid):
                self.log.bid(bid, reason="duplicate id")
            return
        reason = self._bid_reason(bid, t)
        self.log.bid(bid, reason=reason)
        self._bids[bid.id] = bid
        if not reason:
            self._book[bid.id] = bid
            self._book_end_s = min(self._book_end_s, bid.t_end_s)
            self._left_kw[bid.id] = bid.p_kw

    # --- clearing and activation ---------------------------------------------------------
    def _clear_one(self, req: Request, t: int) -> list[Award]:
        """Clear one request whose gate has closed; log the clearing and exclusions."""
        gate_s = self._gate_s[req.id]
        excluded: tuple[tuple[str, str], ...] = ()
        if req.gate == Gate.CALL_OFF:
            awards = call_off(req, self.contracts, called_kw=self._called_kw, cleared_s=t)
            for a in awards:
                self._called_kw.setdefault(a.bid_id, []).append((a.t_start_s, a.t_end_s, a.p_kw))
            rule, price = "tender", math.nan
        else:
            bids = [b for b in self._book.values() if b.zone == req.zone]
            bids = [b for b in bids if b.submitted_s <= gate_s]
            res = clear_request(
                req, bids, rule=self.params.rule, available_kw=self._left_kw, cleared_s=t
            )
            awards, excluded = list(res.awards), res.excluded
            rule, price = self.params.rule.value, res.price_eur_mwh
            for a in awards:
                self._left_kw[a.bid_id] -= a.p_kw
        awarded = sum(a.p_kw for a in awards)
        row = {"request_id": req.id, "cleared_s": t, "rule": rule, "gate": req.gate}
        row |= {"p_requested_kw": req.p_kw, "p_awarded_kw": awarded, "price_eur_mwh": price}
        row |= {"unmet_kw": max(req.p_kw - awarded, 0.0), "n_awards": len(awards)}
        self.log.add("clearings", row)
        for bid_id, why in excluded:
            row = {"request_id": req.id, "bid_id": bid_id, "cleared_s": t, "reason": why}
            self.log.add("exclusions", row)
        for a in awards:
            self.log.order("awards", a)
        return awards

    def _clear(self, t: int) -> list[Award]:
        """Clear every pending request whose gate closed by ``t`` (earliest gate first)."""
        new: list[Award] = []
        if self._pending_gate_s <= t:  # most steps: no pending request's gate has closed
            due = sorted(
                (rid for rid in self._pending if self._gate_s[rid] <= t),
                key=lambda rid: (self._gate_s[rid], self._requests[rid].t_start_s, rid),
            )
            for rid in due:
                self._pending.discard(rid)
                new += self._clear_one(self._requests[rid], t)
            self._pending_gate_s = min((self._gate_s[r] for r in self._pending), default=math.inf)
        if self._book_end_s <= t:  # a bid's window is over: take it out of the book
            self._book = {k: b for k, b in self._book.items() if b.t_end_s > t}
            self._book_end_s = min((b.t_end_s for b in self._book.values()), default=math.inf)
        if new:
            self._to_activate += new
            self._activate_s = min(self._activate_s, min(a.t_start_s for a in new))
            self._awards += new
            self._metering += [Metering(a) for a in new]
            self._in_effect_until = -math.inf  # a new award may be in effect
        return new

    def _activate(self, t: int) -> list[Activation]:
        horizon = t + (1 + self.params.activation_lead_steps) * self.params.step_s
        if self._activate_s >= horizon:  # most steps: none is due yet
            return []
        due = [a for a in self._to_activate if a.t_start_s < horizon]
        self._to_activate = [a for a in self._to_activate if a.t_start_s >= horizon]
        self._activate_s = min((a.t_start_s for a in self._to_activate), default=math.inf)
        acts = [
            Activation(
                f"act/{a.id}", a.id, a.bidder, a.zone, a.t_start_s, a.t_end_s, a.p_kw,
                a.direction, t,
            )
            for a in due
        ]  # fmt: skip
        for act in acts:
            self.log.order("activations", act)
        return acts

    # --- metering and settlement ---------------------------------------------------------
    def _meter(
        self, t: int, baseline_kw: Mapping[str, float], metered_kw: Mapping[str, float]
    ) -> tuple[list[dict[str, Any]], float]:
        step = self.params.step_s
        tau = t - self.params.meter_lag_steps * step
        if tau < 0 or not self._metering:  # nothing to meter: no reading changes anything
            return [], 0.0
        p_delivered_kw = read_meters(
            self._metering, tau=tau, step_s=step, baseline_kw=baseline_kw, metered_kw=metered_kw
        )
        done = [m for m in self._metering if tau + step >= m.award.t_end_s]
        self._metering = [m for m in self._metering if tau + step < m.award.t_end_s]
        settled = []
        for m in done:
            s = settle(
                m.award,
                baseline_kw=m.baseline_kw,
                metered_kw=m.metered_kw,
                overlap_s=m.overlap_s,
                params=self.params.settlement,
                settled_s=t,
            )
            self.cost_eur += s.payment_eur
            self.penalty_eur += s.penalty_eur
            self.log.order("settlements", s)
            settled.append(to_dict(s))
        return settled, p_delivered_kw

    # --- one step ------------------------------------------------------------------------
    def step(
        self,
        t: int,
        *,
        requests: Sequence[Any] = (),
        bids: Sequence[Any] = (),
        baseline_kw: Mapping[str, float] | None = None,
        metered_kw: Mapping[str, float] | None = None,
    ) -> MarketStep:
        """Advance the market to step ``[t, t + step_s)``.

        Parameters
        ----------
        t : int
            Step start [s].
        requests, bids : sequence of dict
            New DSO requests and aggregator bids (see :mod:`~simulators.flex_market.orders`);
            re-sending an identical order is ignored.
        baseline_kw, metered_kw : mapping of str to float
            Declared baseline and metered power [kW, consumer sign] per meter key:
            ``"<zone>"`` or ``"<bidder>@<zone>"`` (the latter wins for that bidder's awards),
            for the interval ``t - meter_lag_steps * step_s``. A missing key counts as no
            delivery. The adapter meters the chargers per ``"<provider>@<zone>"``
            (:mod:`~simulators.flex_market.meters`).

        Returns
        -------
        MarketStep
        """
        for data in requests:
            self._receive_request(request_from_dict(data), t)
        for data in bids:
            self._receive_bid(bid_from_dict(data, submitted_s=t), t)
        # most steps have nothing to clear, activate or meter: the guards of _clear,
        # _activate and _meter read here, without their calls
        due_s = min(self._pending_gate_s, self._book_end_s)
        awards = self._clear(t) if due_s <= t else []
        activations = self._activate(t) if self._activate_s < math.inf else []
        settlements: list[dict[str, Any]] = []
        p_delivered_kw = 0.0
        if self._metering:
            settlements, p_delivered_kw = self._meter(
                t,
                {} if baseline_kw is None else baseline_kw,
                {} if metered_kw is None else metered_kw,
            )
        for c in self.contracts:
            self.cost_eur += availability_eur(c, t, t + self.params.step_s)
        if t >= self._in_effect_until:
            self._update_in_effect(t)
        if t >= self._next_prune_s:
            self._prune(t)
            self._next_prune_s = t + DAY_S
        p_requested_kw, p_awarded_kw = self._in_effect
        return frozen_record(
            MarketStep,
            flex_awards=[to_dict(a) for a in awards] if awards else [],
            flex_activations=[to_dict(a) for a in activations] if activations else [],
            flex_settlements=settlements,
            p_requested_kw=p_requested_kw,
            p_awarded_kw=p_awarded_kw,
            p_delivered_kw=p_delivered_kw,
            cost_eur=self.cost_eur,
            penalty_eur=self.penalty_eur,
        )

    def _update_in_effect(self, t: int) -> None:
        """The requested and awarded power in effect at ``t`` (the sums over the requests
        and awards whose window holds ``t``, in their order) and the first time after ``t``
        one of their windows starts or ends: until then, or a new request or award, the
        sums are the same and the awards that ended are the same."""
        self._awards = [a for a in self._awards if a.t_end_s > t]
        live_requests = [r for r in self._requests.values() if r.t_start_s <= t < r.t_end_s]
        self._in_effect = (
            sum(r.p_kw for r in live_requests),
            sum(a.p_kw for a in self._awards if a.t_start_s <= t),
        )
        windows: list[Request | Award] = [*self._requests.values(), *self._awards]
        self._in_effect_until = min(
            (b for w in windows for b in (w.t_start_s, w.t_end_s) if b > t), default=math.inf
        )

    def _prune(self, t: int) -> None:
        """Forget requests and bids whose window is over.

        A re-sent order for a window that is over is then rejected by its gate (and logged).
        """
        self._gate_s = {k: g for k, g in self._gate_s.items() if self._requests[k].t_end_s > t}
        self._requests = {k: r for k, r in self._requests.items() if r.t_end_s > t}
        self._bids = {k: b for k, b in self._bids.items() if b.t_end_s > t}
        self._left_kw = {k: v for k, v in self._left_kw.items() if k in self._book}
        self._called_kw = {
            k: [c for c in calls if c[1] > t] for k, calls in self._called_kw.items()
        }

    def event_log(self) -> dict[str, dict[str, list[Any]]]:
        """Every request, bid, clearing, exclusion, award, activation, settlement and tender
        offer so far, as columnar tables of plain numbers and strings (see ``TABLES``)."""
        return self.log.copy()
