"""The port catalogue: every data port of the simulators, declared once.

A port declares its unit, the index of its values (one per EV, charger, bus, zone... or a
scalar), the value that stands for "nothing received" and how an entity combines the values
of several sources on it (:class:`~cosim.ports_types.Combine`). Which ports a model reads and
which it writes (the direction) is declared by the model, see
:class:`cosim.adapter_base.ModelPorts`; its mosaik ``META`` is built from those declarations.

Sign convention (consumer): ``p_kw > 0`` draws active power from the grid (charging),
``p_kw < 0`` injects it (V2G); ``q_kvar > 0`` absorbs reactive power (inductive), ``< 0``
injects it. Array-valued ports carry one value per element of the sending entity (per EV,
per charger, per bus...); the order is fixed at creation and recorded in ``extra_info``
(under :attr:`~cosim.ports_types.Dim.info_key`).

The ports are declared by domain in :mod:`cosim.ports_devices`, :mod:`cosim.ports_grid`
and :mod:`cosim.ports_markets`; the port type in :mod:`cosim.ports_types`.
"""

from __future__ import annotations

from cosim.ports_devices import DEVICE_PORTS
from cosim.ports_grid import GRID_PORTS
from cosim.ports_markets import MARKET_PORTS
from cosim.ports_types import Port

__all__ = ["ALL_PORTS", "declare", "port"]


ALL_PORTS: dict[str, Port] = {p.name: p for p in (*DEVICE_PORTS, *GRID_PORTS, *MARKET_PORTS)}


def port(name: str) -> Port:
    """Return the port called ``name``.

    >>> port("p_kw").unit
    'kW'
    """
    try:
        return ALL_PORTS[name]
    except KeyError as err:
        raise KeyError(
            f"unknown port {name!r}: declare it (cosim.ports.declare) or use one of "
            f"{sorted(ALL_PORTS)}"
        ) from err


def declare(*ports: Port) -> tuple[Port, ...]:
    """Add a simulator's own ports to the catalogue; returns them.

    A port already in the catalogue must be declared identically: one name, one meaning.
    """
    for p in ports:
        known = ALL_PORTS.setdefault(p.name, p)
        if repr(known) != repr(p):  # repr: a NaN default equals itself
            raise ValueError(
                f"port {p.name!r} is already declared as {known}; give the new one another "
                "name, or use cosim.ports.port(name) to reuse it"
            )
    return ports
