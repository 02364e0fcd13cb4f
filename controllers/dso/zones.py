"""Feeder zones: the location of flexibility, one zone per LV feeder that has chargers.

A zone is the set of buses fed through one *feeder head* (a line leaving a transformer's LV
busbar, or leaving the slack bus of a grid without transformers); chargers at the busbar
itself form the zone ``"busbar"``. Every charger lies in exactly one zone: the deepest feeder
head or transformer upstream of its bus. Built once from a :class:`GridTopology`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cosim.errors import ModelError

from .choices import ZoneKind
from .topology import GridTopology, build_topology, grid_params
from .zone_map import ZoneMap

__all__ = [
    "ZoneKind",
    "ZoneMap",
    "Zones",
    "area_zones",
    "feeder_zones",
    "grid_zones",
    "make_zones",
    "resolve_zones",
]


@dataclass(frozen=True)
class Zones:
    """Feeder zones of one grid area and charger bank.

    Attributes
    ----------
    names : tuple of str (Z,)
        ``"feeder_<line_id>"`` per feeder with chargers (in line order), then ``"busbar"``
        (``"busbar_<trafo_id>"`` when the area has several transformers) for chargers at a
        busbar.
    zone_of_charger : ndarray of int (C,)
        Zone index of each charger, in ``[0, Z)``.
    buses : tuple of tuple of int (Z,)
        Original bus ids of each zone (a feeder: every bus fed through its head line).
    element : ndarray of int (Z,)
        Row of the zone's head element in the topology (lines then trafos): the feeder line,
        the busbar's trafo, or -1 for a busbar without transformer.
    """

    names: tuple[str, ...]
    zone_of_charger: NDArray[np.int64]
    buses: tuple[tuple[int, ...], ...]
    element: NDArray[np.int64]

    @property
    def n_zone(self) -> int:
        """Number of zones Z."""
        return len(self.names)


def feeder_zones(topology: GridTopology, charger_bus_id: Sequence[int] | NDArray) -> Zones:
    """Partition the chargers into feeder zones.

    A line is a feeder head when the smallest element strictly upstream of it is a trafo
    (or there is none: a grid fed directly at its slack bus). Each bus belongs to the
    deepest feeder head or trafo upstream of it (a trafo there means the bus is that trafo's
    busbar); buses upstream of everything belong to the root busbar.

    Parameters
    ----------
    topology : GridTopology
        Downstream sets of the area's lines and trafos.
    charger_bus_id : array_like of int (C,)
        Original bus id of each charger.

    Returns
    -------
    Zones
        Only zones with at least one charger, feeders first (line order), then busbars.

    Examples
    --------
    >>> from controllers.dso.topology import build_topology
    >>> topo = build_topology(bus_id=[9, 0, 1, 2], line_id=[5, 6], line_from_bus_id=[0, 0],
    ...     line_to_bus_id=[1, 2], line_max_i_ka=[0.2, 0.2], line_vn_kv=[0.4, 0.4],
    ...     trafo_id=[0], trafo_hv_bus_id=[9], trafo_lv_bus_id=[0], trafo_sn_kva=[250.0])
    >>> z = feeder_zones(topo, [2, 1, 0, 2])
    >>> z.names, z.zone_of_charger.tolist(), z.buses
    (('feeder_5', 'feeder_6', 'busbar'), [1, 0, 2, 1], ((1,), (2,), (0,)))
    """
    heads = np.flatnonzero(_feeder_heads(topology))
    trafos = np.flatnonzero(topology.element_kind == "trafo")
    return _owned_zones(
        topology,
        charger_bus_id,
        np.concatenate([heads, trafos]),
        lambda e: _name(topology, e, n_trafo=trafos.size),
    )


def area_zones(topology: GridTopology, charger_bus_id: Sequence[int] | NDArray) -> Zones:
    """Partition the chargers by transformer area: one zone per MV/LV transformer.

    Each bus belongs to the deepest transformer upstream of it; buses upstream of every
    transformer (the MV grid, or a grid without transformers) form the zone ``"upstream"``.
    The zone's head element is its transformer. This is the zoning of an MV+LV study, where
    feeder zones would split the DSO's view into hundreds of small LV feeders.

    Examples
    --------
    >>> from controllers.dso.topology import build_topology
    >>> topo = build_topology(bus_id=[9, 0, 1, 2], line_id=[5, 6], line_from_bus_id=[0, 0],
    ...     line_to_bus_id=[1, 2], line_max_i_ka=[0.2, 0.2], line_vn_kv=[0.4, 0.4],
    ...     trafo_id=[3], trafo_hv_bus_id=[9], trafo_lv_bus_id=[0], trafo_sn_kva=[250.0])
    >>> z = area_zones(topo, [2, 1, 9])
    >>> z.names, z.zone_of_charger.tolist()
    (('area_3', 'upstream'), [0, 0, 1])
    """
    trafos = np.flatnonzero(topology.element_kind == "trafo")
    ids = topology.element_id
    return _owned_zones(
        topology,
        charger_bus_id,
        trafos,
        lambda e: f"area_{int(ids[e])}" if e >= 0 else "upstream",
    )


def make_zones(
    kind: ZoneKind | str, topology: GridTopology, charger_bus_id: Sequence[int] | NDArray
) -> Zones:
    """Zones of ``kind`` (:class:`ZoneKind`): :func:`feeder_zones` or :func:`area_zones`."""
    try:
        which = ZoneKind(kind)
    except ValueError as err:
        valid = ", ".join(repr(k.value) for k in ZoneKind)
        raise ModelError(f"unknown zone kind {kind!r}; choose one of {valid}") from err
    return (
        feeder_zones(topology, charger_bus_id)
        if which is ZoneKind.FEEDER
        else area_zones(topology, charger_bus_id)
    )


def grid_zones(
    kind: ZoneKind | str, grid_info: Mapping[str, Any], charger_bus_id: Sequence[int] | NDArray
) -> Zones:
    """Zones of ``kind`` for chargers at ``charger_bus_id`` on the grid whose Area's
    ``extra_info`` is ``grid_info`` (:func:`~controllers.dso.topology.grid_params`)."""
    return make_zones(kind, build_topology(**grid_params(grid_info)), charger_bus_id)


def _owned_zones(
    topology: GridTopology,
    charger_bus_id: Sequence[int] | NDArray,
    candidates: NDArray[np.int64],
    name: Callable[[int], str],
) -> Zones:
    """Zones of the innermost candidate element above each charger's bus (-1: none)."""
    owner_at = _innermost(topology, candidates, topology.n_downstream_bus)  # per DFS position
    pos = topology.bus_pos
    bus_owner = np.where(pos >= 0, owner_at[np.maximum(pos, 0)], -1)
    charger_rows = topology.bus_rows(charger_bus_id)
    used = np.unique(bus_owner[charger_rows])
    # elements in row order (lines before trafos), the uncovered rest (-1) last
    order = np.array(sorted(used.tolist(), key=lambda e: (e < 0, e)), dtype=np.int64)
    names = tuple(name(int(e)) for e in order)
    lookup = np.full(topology.n_element + 1, -1, dtype=np.int64)  # element row + 1 -> zone
    lookup[order + 1] = np.arange(order.size)
    zone_of_charger = lookup[bus_owner[charger_rows] + 1]
    return Zones(names, zone_of_charger, _group_buses(topology.bus_id, bus_owner, order), order)


def _group_buses(
    bus_id: NDArray[np.int64], bus_owner: NDArray[np.int64], order: NDArray[np.int64]
) -> tuple[tuple[int, ...], ...]:
    """Original ids of the buses owned by each element of ``order``, in bus-row order."""
    by_owner = np.argsort(bus_owner, kind="stable")
    sorted_owner = bus_owner[by_owner]
    lo = np.searchsorted(sorted_owner, order, side="left")
    hi = np.searchsorted(sorted_owner, order, side="right")
    ids = bus_id[by_owner].tolist()
    return tuple(tuple(ids[a:b]) for a, b in zip(lo.tolist(), hi.tolist(), strict=True))


def _feeder_heads(topology: GridTopology) -> NDArray[np.bool_]:
    """Lines whose smallest strictly-upstream element is a trafo, or that have none.

    The elements strictly upstream of element ``e`` are those whose downstream interval
    contains the tree parent of ``e``'s far bus; the smallest is the innermost one there.
    """
    size = topology.n_downstream_bus
    is_line = topology.element_kind == "line"
    inner = _innermost(topology, np.arange(topology.n_element), size)
    cand = is_line & (size > 0)
    parent_pos = topology.dfs_parent[np.where(cand, topology.element_lo, 0)]
    parent = np.where(cand & (parent_pos >= 0), inner[np.maximum(parent_pos, 0)], -1)
    return cand & ((parent < 0) | ~is_line[np.maximum(parent, 0)])


def _innermost(
    topology: GridTopology, rows: NDArray[np.int64], size: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Per DFS position, the covering element of ``rows`` with the smallest downstream set.

    Ties (parallel elements: the same interval) go to the lowest row; -1 where none covers.
    Intervals are nested or disjoint, so painting them largest first leaves the innermost.
    """
    out = np.full(topology.dfs_parent.size, -1, dtype=np.int64)
    rows = np.asarray(rows, dtype=np.int64)
    rows = rows[size[rows] > 0]
    lo, hi = topology.element_lo, topology.element_hi
    for e in rows[np.lexsort((-rows, -size[rows]))].tolist():
        out[lo[e] : hi[e]] = e
    return out


def _name(topology: GridTopology, e: int, *, n_trafo: int) -> str:
    if e >= 0 and topology.element_kind[e] == "line":
        return f"feeder_{int(topology.element_id[e])}"
    if e >= 0 and n_trafo > 1:
        return f"busbar_{int(topology.element_id[e])}"
    return "busbar"


def resolve_zones(
    topology: GridTopology,
    charger_bus_id: Sequence[int] | NDArray,
    *,
    zone_names: Sequence[str] | None = None,
    zone_of_charger: Sequence[int] | NDArray | None = None,
) -> Zones:
    """The zones given by the scenario, else :func:`feeder_zones`.

    Given zones keep their names and charger assignment; a name that is a feeder zone of the
    topology takes its buses and head element, any other zone the buses of its chargers
    (head element -1). Chargers with zone -1 lie in no zone.
    """
    own = feeder_zones(topology, charger_bus_id)
    if zone_names is None and zone_of_charger is None:
        return own
    if zone_names is None or zone_of_charger is None:
        raise ModelError(
            "pass zone_names and zone_of_charger together (or neither, and the operator "
            "computes the feeder zones itself)"
        )
    names = tuple(str(n) for n in zone_names)
    zc = np.asarray(zone_of_charger, dtype=np.int64).reshape(-1)
    buses_c = np.asarray(charger_bus_id, dtype=np.int64).reshape(-1)
    if zc.size != buses_c.size or (zc.size and (zc.min() < -1 or zc.max() >= len(names))):
        raise ModelError(
            f"zone_of_charger must give one zone index in [-1, {len(names) - 1}] per charger "
            f"({buses_c.size}), got {zc.size} values in [{zc.min(initial=0)}, "
            f"{zc.max(initial=0)}]; pass the Zones computed by feeder_zones()"
        )
    known = {}
    for zones in (area_zones(topology, charger_bus_id), own):
        known.update(
            {n: (zones.buses[i], int(zones.element[i])) for i, n in enumerate(zones.names)}
        )
    buses, element = [], []
    for z, name in enumerate(names):
        mine = tuple(sorted({int(b) for b in buses_c[zc == z]}))
        zone_buses, head = known.get(name, (mine, -1))
        buses.append(zone_buses)
        element.append(head)
    return Zones(names, zc, tuple(buses), np.array(element, dtype=np.int64))
