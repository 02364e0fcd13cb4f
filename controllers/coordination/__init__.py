"""DSO–TSO coordination: schemes (TSO first, traffic light, common market), conflicts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cosim.lazy import attach_stub

if TYPE_CHECKING:  # loaded on first use (cosim.lazy); listed here for type checkers
    from controllers.coordination.conflicts import (
        Conflict,
        ConflictKind,
        count_by_kind,
        detect,
        events_table,
    )
    from controllers.coordination.dispatch import Dispatch, account, dispatch_cost, overload_kw
    from controllers.coordination.market import common_market
    from controllers.coordination.observation import CoordinationObservation, zone_sum
    from controllers.coordination.schemes import (
        SCHEMES,
        Scheme,
        resolve,
        scheme_from_name,
        traffic_light,
        tso_first,
    )

__all__ = [
    "SCHEMES",
    "Conflict",
    "ConflictKind",
    "CoordinationObservation",
    "Dispatch",
    "Scheme",
    "account",
    "common_market",
    "count_by_kind",
    "detect",
    "dispatch_cost",
    "events_table",
    "overload_kw",
    "resolve",
    "scheme_from_name",
    "traffic_light",
    "tso_first",
    "zone_sum",
]

__getattr__, __dir__ = attach_stub(__name__, __file__)
