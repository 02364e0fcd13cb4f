"""The recorded series the KPIs read, keyed on the adapters' model constants and the ports.

A series is one port of one model as the recorder stores it (``/…/<model>/<port>``). The
model names are the constants the adapters export and the port names are checked against
the port catalogue (:mod:`cosim.ports`) here, at import: renaming a model or a port breaks
this module loudly instead of making a KPI vanish from the results.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from controllers.coordination.choices import MODEL_COORDINATOR
from cosim.ports import port
from simulators.ev_fleet.choices import MODEL_FLEET, MODEL_SEGMENTS
from simulators.evse.choices import MODEL_CHARGER_BANK
from simulators.flex_market.choices import MODEL_MARKET
from simulators.grid.choices import MODEL_AREA
from simulators.tariff.choices import MODEL_TARIFF
from simulators.tso.choices import MODEL_TSO

__all__ = [
    "MODEL_AREA",
    "MODEL_CHARGER_BANK",
    "MODEL_COORDINATOR",
    "MODEL_FLEET",
    "MODEL_MARKET",
    "MODEL_SEGMENTS",
    "MODEL_TARIFF",
    "MODEL_TSO",
    "Series",
    "area",
    "charger",
    "coordinator",
    "fleet",
    "market",
    "segments",
    "tariff",
    "tso",
]


class Series(NamedTuple):
    """One recorded series: ``model`` (an adapter's ``MODEL_*``) and ``port`` (a catalogue
    port name). ``run.has(*series)`` and ``run.get(*series)`` read it."""

    model: str
    port: str

    def __str__(self) -> str:
        return f"{self.model}.{self.port}"


def _of(model: str, entities: str) -> Callable[[str], Series]:
    def series(name: str) -> Series:
        return Series(model, port(name).name)  # an unknown port fails here

    series.__doc__ = f"The series ``name`` of {entities} (model ``{model}``)."
    return series


area = _of(MODEL_AREA, "the grid's areas")
charger = _of(MODEL_CHARGER_BANK, "the EVSE's charger banks")
fleet = _of(MODEL_FLEET, "the EV fleet (per EV)")
segments = _of(MODEL_SEGMENTS, "the fleet's user segments")
tariff = _of(MODEL_TARIFF, "the tariffs")
tso = _of(MODEL_TSO, "the TSO's provider accounts")
market = _of(MODEL_MARKET, "the flexibility market")
coordinator = _of(MODEL_COORDINATOR, "the DSO-TSO coordinator")
