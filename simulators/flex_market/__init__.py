"""DSO flexibility market: requests, local bids, gates, clearing, settlement, tenders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cosim.lazy import attach_stub

if TYPE_CHECKING:  # loaded on first use (cosim.lazy); listed here for type checkers
    from simulators.flex_market.adapter import FlexMarketSim
    from simulators.flex_market.clearing import (
        ClearingResult,
        clear_request,
        eligibility,
        merit_order,
    )
    from simulators.flex_market.events import TABLES, EventLog
    from simulators.flex_market.gates import GateParams, gate_closure_s
    from simulators.flex_market.model import MarketModel
    from simulators.flex_market.orders import (
        Activation,
        Award,
        Bid,
        ClearingRule,
        Direction,
        Gate,
        Request,
        Settlement,
        bid_from_dict,
        request_from_dict,
        to_dict,
    )
    from simulators.flex_market.params import MarketParams, MarketStep
    from simulators.flex_market.settlement import SettlementParams, delivered_kw, settle
    from simulators.flex_market.tenders import (
        Contract,
        TenderOffer,
        TenderParams,
        availability_eur,
        call_off,
        run_tender,
    )

__all__ = [
    "TABLES",
    "Activation",
    "Award",
    "Bid",
    "ClearingResult",
    "ClearingRule",
    "Contract",
    "Direction",
    "EventLog",
    "FlexMarketSim",
    "Gate",
    "GateParams",
    "MarketModel",
    "MarketParams",
    "MarketStep",
    "Request",
    "Settlement",
    "SettlementParams",
    "TenderOffer",
    "TenderParams",
    "availability_eur",
    "bid_from_dict",
    "call_off",
    "clear_request",
    "delivered_kw",
    "eligibility",
    "gate_closure_s",
    "merit_order",
    "request_from_dict",
    "run_tender",
    "settle",
    "to_dict",
]

__getattr__, __dir__ = attach_stub(__name__, __file__)
