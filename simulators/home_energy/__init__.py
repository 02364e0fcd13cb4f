"""Home energy manager: rooftop PV and a home battery run for self-consumption.

A pure model (:mod:`.solar`, :mod:`.model`) and its mosaik adapter (:mod:`.adapter`, entity
``Homes``): per home bus, PV generation from a clear-sky model with seeded daily clearness,
and a battery that stores the PV surplus over the home's measured load and serves the load
from it later. The load arrives on the ``p_load_kw`` port (e.g. the chargers' ``p_kw``,
consumer sign) with the buses in ``load_bus_id``; the homes send their net power ``p_kw``
(battery minus PV, consumer sign) with their ``bus_id`` to the grid.
"""

from __future__ import annotations

__all__: list[str] = []
