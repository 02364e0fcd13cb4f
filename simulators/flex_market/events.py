"""Event log of the market: one columnar table per kind of event, plain numbers and strings.

The HDF5 recorder stores numeric time series only; the scenario fetches these tables at the
end (adapter ``events()``) and writes each with the recorder's ``add_table``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from simulators.flex_market.orders import Activation, Award, Bid, Request, Settlement, to_dict
from simulators.flex_market.tenders import TenderOffer

__all__ = ["TABLES", "EventLog"]

#: Table name -> column names (fixed, so empty tables still have their columns).
TABLES: dict[str, tuple[str, ...]] = {
    "requests": (
        "id", "zone", "buses", "t_start_s", "t_end_s", "p_kw", "direction",
        "price_cap_eur_mwh", "gate", "gate_s", "received_s", "status", "reason",
    ),
    "bids": (
        "id", "bidder", "zone", "t_start_s", "t_end_s", "p_kw", "price_eur_mwh", "divisible",
        "min_p_kw", "direction", "request_id", "received_s", "status", "reason",
    ),
    "clearings": (
        "request_id", "cleared_s", "rule", "gate", "p_requested_kw", "p_awarded_kw",
        "unmet_kw", "price_eur_mwh", "n_awards",
    ),
    "exclusions": ("request_id", "bid_id", "cleared_s", "reason"),
    "awards": (
        "id", "request_id", "bid_id", "bidder", "zone", "t_start_s", "t_end_s", "p_kw",
        "price_eur_mwh", "bid_price_eur_mwh", "direction", "gate", "rule", "cleared_s",
    ),
    "activations": (
        "id", "award_id", "bidder", "zone", "t_start_s", "t_end_s", "p_kw", "direction",
        "issued_s",
    ),
    "settlements": (
        "award_id", "bidder", "zone", "t_start_s", "t_end_s", "awarded_kwh", "delivered_kwh",
        "paid_kwh", "shortfall_kwh", "price_eur_mwh", "penalty_price_eur_mwh", "payment_eur",
        "penalty_eur", "settled_s",
    ),
    "tender_offers": (
        "id", "bidder", "zone", "p_kw", "t_start_s", "t_end_s", "availability_eur_kw",
        "utilisation_eur_mwh", "direction", "status", "reason",
    ),
}  # fmt: skip


#: cell types stored as they are: most cells, so :meth:`EventLog.add` tests them first
#: by exact type (a bool or an enum member is a subclass, not one of these)
_AS_IS: frozenset[type] = frozenset({str, int, float})


def _plain(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (tuple, list)):
        return ",".join(str(v) for v in value)
    return value


@dataclass
class EventLog:
    """Columnar tables of every request, bid, clearing, award, activation and settlement."""

    tables: dict[str, dict[str, list[Any]]] = field(
        default_factory=lambda: {name: {c: [] for c in cols} for name, cols in TABLES.items()}
    )

    def add(self, table: str, row: dict[str, Any]) -> None:
        """Append one row (keys = the table's columns; missing ones are left empty)."""
        get = row.get
        for col, values in self.tables[table].items():
            value = get(col, "")
            values.append(value if type(value) in _AS_IS else _plain(value))

    def request(self, req: Request, *, gate_s: int, received_s: int, reason: str) -> None:
        status = "rejected" if reason else "accepted"
        row = {**to_dict(req), "gate_s": gate_s, "received_s": received_s}
        self.add("requests", {**row, "status": status, "reason": reason})

    def bid(self, bid: Bid, *, reason: str) -> None:
        status = "rejected" if reason else "accepted"
        row = {**to_dict(bid), "received_s": bid.submitted_s, "status": status}
        self.add("bids", {**row, "reason": reason})

    def order(self, table: str, order: Award | Activation | Settlement) -> None:
        self.add(table, to_dict(order))

    def tender_offer(self, offer: TenderOffer, *, reason: str) -> None:
        status = "rejected" if reason else "contracted"
        self.add("tender_offers", {**vars(offer), "status": status, "reason": reason})

    def copy(self) -> dict[str, dict[str, list[Any]]]:
        """Independent copy of every table (lists of plain numbers and strings)."""
        return {name: {c: list(v) for c, v in cols.items()} for name, cols in self.tables.items()}
