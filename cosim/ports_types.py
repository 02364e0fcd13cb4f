"""The port type: a named, unit-carrying port, what its values are indexed by, how they fold."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

__all__ = ["Combine", "Dim", "Port", "group"]


class Dim(Enum):
    """What the values of an array port are indexed by, and where ``extra_info`` lists it.

    ``info_key`` names the list in an entity's ``extra_info`` with one entry per element
    (``None``: not listed; the port's length is not known before the first step).
    """

    SCALAR = ("scalar", None)
    EV = ("EV", "ev_ids")
    CHARGER = ("charger", "charger_ids")
    SEGMENT = ("segment", "segment_names")
    BUS = ("bus", "bus_id")
    LINE = ("line", "line_id")
    TRAFO = ("trafo", "trafo_id")
    ZONE = ("zone", "zone_names")
    HOME = ("home", "bus_id")
    #: one per element of the sending entity, labelled by a bus-id port of the same source
    ELEMENT = ("element", None)
    #: the next steps of a forecast or plan (element 0: this step)
    HORIZON = ("horizon step", None)
    #: the sub-steps of one step (e.g. the frequency's f_step_s)
    SUBSTEP = ("sub-step", None)
    #: caps of the phase balancer: single-phase a, b, c and three-phase
    CAP = ("cap", None)
    #: a list of records (order dicts)
    LIST = ("record", None)

    def __init__(self, label: str, info_key: str | None) -> None:
        self.label = label
        self.info_key = info_key


class Combine(Enum):
    """How an entity combines one port's values from several sources."""

    #: added element-wise; NaN is "no value" (an element nobody sets keeps the default)
    SUM = "sum"
    #: added element-wise, NaN kept: for a receiver that rejects a NaN as a sender's error
    ADD = "add"
    #: element-wise minimum; NaN is "no limit"
    MIN = "min"
    #: element-wise logical or
    ANY = "any"
    #: exactly one source may be connected
    ONE = "one"
    #: lists concatenated in source-id order
    CONCAT = "concat"
    #: kept per source: it labels the source's other arrays (bus ids)
    EACH = "each"


@dataclass(frozen=True)
class Port:
    """A named, unit-carrying data port.

    Parameters
    ----------
    name : str
        The mosaik attribute name (units in the name).
    unit : str
        Physical unit, ``"1"`` for dimensionless, ``"bool"`` for flags.
    dim : Dim
        What its values are indexed by (``Dim.SCALAR``: one number).
    combine : Combine
        How a receiver combines several sources.
    default : Any
        The value of an element no source sends (per element for array ports); ``None``
        when there is none (ids, forecasts).
    doc : str
        Meaning and sign.
    """

    name: str
    unit: str
    dim: Dim
    combine: Combine
    default: Any
    doc: str


def group(kind: tuple[Dim, Combine, Any], *rows: tuple[str, str, str]) -> tuple[Port, ...]:
    """Ports of one kind: (dim, combine, default) and rows (name, unit, doc)."""
    dim, combine, default = kind
    return tuple(Port(name, unit, dim, combine, default, doc) for name, unit, doc in rows)
