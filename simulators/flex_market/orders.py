"""Orders of the DSO flexibility market: requests, bids, awards, activations, settlements.

Every order travels between simulators as a plain JSON-serialisable dict (the same in-process
and over ``cmd``); :func:`request_from_dict` / :func:`bid_from_dict` validate incoming dicts and
``to_dict`` gives the wire form. Powers are in kW (always > 0: the direction says which way),
times in scenario seconds, prices in EUR/MWh.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from cosim.errors import ModelError

__all__ = [
    "Activation",
    "Award",
    "Bid",
    "ClearingRule",
    "Direction",
    "Gate",
    "Request",
    "Settlement",
    "bid_from_dict",
    "request_from_dict",
    "to_dict",
]


class Direction(StrEnum):
    """Which way the flexibility moves consumption (consumer sign convention).

    ``down``: consume less than the baseline (or inject); ``up``: consume more.
    """

    DOWN = "down"
    UP = "up"


class Gate(StrEnum):
    """The gate a request is traded in.

    ``day_ahead`` closes at a fixed local hour the day before the window, ``intraday`` a fixed
    lead time before the window start, ``call_off`` activates long-term tender contracts
    (no bids) a notice time before the window start.
    """

    DAY_AHEAD = "day_ahead"
    INTRADAY = "intraday"
    CALL_OFF = "call_off"


class ClearingRule(StrEnum):
    """Pricing rule: every accepted bid is paid its own price, or the marginal one."""

    PAY_AS_BID = "pay_as_bid"
    UNIFORM = "uniform"


def _check_window(kind: str, oid: str, t_start_s: int, t_end_s: int) -> None:
    if not t_end_s > t_start_s:
        raise ValueError(
            f"{kind} {oid!r}: window t_start_s={t_start_s} .. t_end_s={t_end_s} is empty; "
            "t_end_s must be after t_start_s"
        )


def _check_positive(kind: str, oid: str, name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{kind} {oid!r}: {name}={value} must be a finite number > 0")


@dataclass(frozen=True)
class Request:
    """A DSO request for flexibility at one location.

    Parameters
    ----------
    id : str
        Unique request id.
    zone : str
        Name of the location: the buses behind one congested element.
    buses : tuple of int
        pandapower bus ids of the zone (recorded, not used for clearing).
    t_start_s, t_end_s : int
        Delivery window [s, scenario time], ``t_end_s`` excluded.
    p_kw : float
        Power wanted over the whole window [kW], > 0.
    direction : Direction
        ``down`` = reduce consumption, ``up`` = increase it.
    price_cap_eur_mwh : float
        Highest price the DSO pays [EUR/MWh].
    gate : Gate
        Gate it is traded in.
    """

    id: str
    zone: str
    buses: tuple[int, ...]
    t_start_s: int
    t_end_s: int
    p_kw: float
    direction: Direction
    price_cap_eur_mwh: float
    gate: Gate = Gate.INTRADAY

    def __post_init__(self) -> None:
        _check_window("request", self.id, self.t_start_s, self.t_end_s)
        _check_positive("request", self.id, "p_kw", self.p_kw)
        if not math.isfinite(self.price_cap_eur_mwh):
            raise ValueError(
                f"request {self.id!r}: price_cap_eur_mwh={self.price_cap_eur_mwh} must be finite"
            )


@dataclass(frozen=True)
class Bid:
    """An aggregator's location-specific offer of flexibility.

    Parameters
    ----------
    id : str
        Unique bid id.
    bidder : str
        Name of the aggregator.
    zone : str
        Location the flexibility sits in (must equal the request's zone).
    t_start_s, t_end_s : int
        Window the bid is available in [s]; it must cover a request's window.
    p_kw : float
        Power offered [kW], > 0.
    price_eur_mwh : float
        Asked price [EUR/MWh].
    divisible : bool
        True if the DSO may accept any part of ``p_kw`` of at least ``min_p_kw``.
    min_p_kw : float
        Smallest acceptable part of a divisible bid [kW] (0 = any).
    direction : Direction
        Direction offered.
    request_id : str
        When not empty, the bid answers this request only.
    submitted_s : int
        Time the market received it [s] (set by the market, decides ties).
    """

    id: str
    bidder: str
    zone: str
    t_start_s: int
    t_end_s: int
    p_kw: float
    price_eur_mwh: float
    divisible: bool = True
    min_p_kw: float = 0.0
    direction: Direction = Direction.DOWN
    request_id: str = ""
    submitted_s: int = 0

    def __post_init__(self) -> None:
        _check_window("bid", self.id, self.t_start_s, self.t_end_s)
        _check_positive("bid", self.id, "p_kw", self.p_kw)
        if not math.isfinite(self.price_eur_mwh):
            raise ValueError(f"bid {self.id!r}: price_eur_mwh={self.price_eur_mwh} must be finite")
        if not (0.0 <= self.min_p_kw <= self.p_kw):
            raise ValueError(
                f"bid {self.id!r}: min_p_kw={self.min_p_kw} must be within [0, p_kw={self.p_kw}]"
            )


@dataclass(frozen=True)
class Award:
    """Accepted part of a bid (or a call-off of a tender contract) for one request.

    ``price_eur_mwh`` is the price paid (the bid's own price under pay-as-bid, the marginal
    price under uniform pricing, the utilisation price for a call-off); ``bid_price_eur_mwh``
    is what was asked. ``p_kw`` [kW] is to be delivered over ``t_start_s .. t_end_s`` [s].
    """

    id: str
    request_id: str
    bid_id: str
    bidder: str
    zone: str
    t_start_s: int
    t_end_s: int
    p_kw: float
    price_eur_mwh: float
    bid_price_eur_mwh: float
    direction: Direction
    gate: Gate
    rule: str
    cleared_s: int


@dataclass(frozen=True)
class Activation:
    """Instruction to deliver an award now: issued when its window starts."""

    id: str
    award_id: str
    bidder: str
    zone: str
    t_start_s: int
    t_end_s: int
    p_kw: float
    direction: Direction
    issued_s: int


@dataclass(frozen=True)
class Settlement:
    """Settled award: energies [kWh] measured against the baseline, money [EUR].

    ``delivered_kwh`` is the raw measured flexibility (may be negative or exceed the award);
    ``paid_kwh`` is what is paid (per step clipped to [0, awarded]); ``shortfall_kwh`` =
    ``awarded_kwh - paid_kwh`` is penalised.
    """

    award_id: str
    bidder: str
    zone: str
    t_start_s: int
    t_end_s: int
    awarded_kwh: float
    delivered_kwh: float
    paid_kwh: float
    shortfall_kwh: float
    price_eur_mwh: float
    penalty_price_eur_mwh: float
    payment_eur: float
    penalty_eur: float
    settled_s: int


#: field types that to_dict keeps as they are (by exact type: an enum is a subclass)
_AS_IS: frozenset[type] = frozenset({str, int, float, bool})


def to_dict(order: Request | Bid | Award | Activation | Settlement) -> dict[str, Any]:
    """Plain JSON-serialisable dict of an order (enums as strings, tuples as lists).

    >>> to_dict(Activation("x", "a", "agg", "z", 0, 900, 5.0, Direction.DOWN, 0))["direction"]
    'down'
    """
    out = {name: getattr(order, name) for name in _field_names(type(order))}
    for key, value in out.items():
        if type(value) in _AS_IS:  # most fields
            continue
        if isinstance(value, StrEnum):
            out[key] = value.value
        elif isinstance(value, tuple):
            out[key] = list(value)
    return out


#: order class -> its field names, in order (``fields()`` is slow to call per order)
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    """The field names of an order class (the fields of every order are plain numbers,
    strings, enums and tuples: :func:`to_dict` needs no deep copy of them)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _build(cls: type[Any], kind: str, data: Any, coerce: dict[str, Any], **fixed: Any) -> Any:
    if not isinstance(data, dict):
        raise ModelError(f"a {kind} must be a dict, got {type(data).__name__}: {data!r}")
    names = _field_names(cls)
    unknown = sorted(set(data).difference(names))
    if unknown:
        raise ModelError(
            f"{kind} {data.get('id')!r} has unknown keys {unknown}; allowed: {sorted(names)}"
        )
    try:
        kwargs = {k: coerce[k](v) if k in coerce else v for k, v in data.items()}
        return cls(**(kwargs | fixed))
    except (TypeError, ValueError) as err:
        raise ModelError(f"invalid {kind} {data!r}: {err}") from err


_REQUEST_COERCE: dict[str, Any] = {
    "id": str,
    "zone": str,
    "buses": lambda v: tuple(int(b) for b in v),
    "t_start_s": int,
    "t_end_s": int,
    "p_kw": float,
    "direction": Direction,
    "price_cap_eur_mwh": float,
    "gate": Gate,
}
_BID_COERCE: dict[str, Any] = {
    "id": str,
    "bidder": str,
    "zone": str,
    "t_start_s": int,
    "t_end_s": int,
    "p_kw": float,
    "price_eur_mwh": float,
    "divisible": bool,
    "min_p_kw": float,
    "direction": Direction,
    "request_id": str,
    "submitted_s": int,
}


def request_from_dict(data: Any) -> Request:
    """Validate a request dict (keys = :class:`Request` fields; ``gate`` optional).

    Raises :class:`~cosim.errors.ModelError` naming the request and the problem.

    >>> r = request_from_dict({"id": "r1", "zone": "f1", "buses": [3, 4], "t_start_s": 0,
    ...     "t_end_s": 3600, "p_kw": 20, "direction": "down", "price_cap_eur_mwh": 300})
    >>> r.gate.value, r.buses
    ('intraday', (3, 4))
    """
    return _build(Request, "request", data, _REQUEST_COERCE)  # type: ignore[no-any-return]


def bid_from_dict(data: Any, *, submitted_s: int | None = None) -> Bid:
    """Validate a bid dict (keys = :class:`Bid` fields; the last five optional).

    ``submitted_s``, when given, is the market's reception time: it replaces the dict's.
    """
    fixed = {} if submitted_s is None else {"submitted_s": submitted_s}
    return _build(Bid, "bid", data, _BID_COERCE, **fixed)  # type: ignore[no-any-return]
