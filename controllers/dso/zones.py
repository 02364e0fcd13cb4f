"""Feeder zones: the location of flexibility, one zone per LV feeder that has chargers.

A zone is the set of buses fed through one *feeder head* (a line leaving a transformer's LV
busbar, or leaving the slack bus of a grid without transformers); chargers at the busbar
itself form the zone ``"busbar"``. Every charger lies in exactly one zone: the deepest feeder
head or transformer upstream of its bus. Built once from a :class:`GridTopology`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosim.errors import ModelError

from .topology import GridTopology

__all__ = ["ZoneMap", "Zones", "feeder_zones", "resolve_zones"]


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
    down = topology.downstream
    heads = np.flatnonzero(_feeder_heads(topology))
    trafos = np.flatnonzero(topology.element_kind == "trafo")
    cand = np.concatenate([heads, trafos])
    owner = _deepest(down[cand], down.sum(axis=1)[cand])  # (B,) index into cand, -1: root
    bus_owner = np.where(owner >= 0, cand[np.maximum(owner, 0)], -1)
    charger_rows = topology.bus_rows(charger_bus_id)
    used = np.unique(bus_owner[charger_rows])
    # feeders (line rows) come first in element order, busbars (trafo rows, then -1) after
    order = sorted(used.tolist(), key=lambda e: (e < 0, e))
    names = tuple(_name(topology, e, n_trafo=trafos.size) for e in order)
    index = {e: z for z, e in enumerate(order)}
    zone_of_charger = np.array([index[int(e)] for e in bus_owner[charger_rows]], dtype=np.int64)
    buses = tuple(tuple(int(b) for b in topology.bus_id[bus_owner == e]) for e in order)
    return Zones(names, zone_of_charger, buses, np.array(order, dtype=np.int64))


@dataclass(frozen=True)
class ZoneMap:
    """How each zone's chargers sit behind each element (fixed at creation).

    Attributes
    ----------
    count : ndarray (E, Z)
        Number of the zone's chargers downstream of each element.
    size : ndarray (Z,)
        Number of chargers in each zone.
    """

    count: NDArray[np.float64]
    size: NDArray[np.float64]

    @classmethod
    def build(cls, mask: NDArray[np.bool_], zone_of_charger: ArrayLike, n_zone: int) -> ZoneMap:
        """From the (E, C) downstream mask and each charger's zone (-1: none).

        >>> m = ZoneMap.build(np.array([[True, True, False]]), [0, 1, 1], 2)
        >>> m.fraction().tolist(), m.shares(None).tolist(), m.shares([0.0, 6.0]).tolist()
        ([[1.0, 0.5]], [[0.5, 0.5]], [[0.0, 1.0]])
        """
        zc = np.asarray(zone_of_charger, dtype=np.int64).reshape(-1)
        onehot = np.zeros((zc.size, n_zone))
        inzone = zc >= 0
        onehot[np.flatnonzero(inzone), zc[inzone]] = 1.0
        return cls(np.asarray(mask, dtype=float) @ onehot, onehot.sum(axis=0))

    @property
    def behind(self) -> NDArray[np.bool_]:
        """Element ``e`` feeds at least one charger of zone ``z``, (E, Z)."""
        return self.count > 0

    def fraction(self) -> NDArray[np.float64]:
        """Fraction of each zone's chargers downstream of each element, (E, Z)."""
        size = np.broadcast_to(self.size, self.count.shape)
        return np.divide(self.count, size, out=np.zeros_like(self.count), where=size > 0)

    def shares(self, baseline_kw: ArrayLike | None) -> NDArray[np.float64]:
        """Share of each element's loading change owed to each zone, rows sum to 1, (E, Z).

        In proportion to the zone's declared baseline behind the element (``fraction ×
        baseline``); by charger count where that is unknown or not positive.
        """
        by_count = _normalise(self.count)
        if baseline_kw is None:
            return by_count
        base = np.clip(np.nan_to_num(np.asarray(baseline_kw, dtype=float)), 0.0, None)
        by_base = self.fraction() * base
        ok = by_base.sum(axis=1) > 0
        return np.where(ok[:, None], _normalise(by_base), by_count)


def _normalise(w: NDArray[np.float64]) -> NDArray[np.float64]:
    total = w.sum(axis=1, keepdims=True)
    return np.divide(w, total, out=np.zeros_like(w), where=total > 0)


def _feeder_heads(topology: GridTopology) -> NDArray[np.bool_]:
    """Lines whose smallest strictly-upstream element is a trafo, or that have none."""
    down = topology.downstream
    size = down.sum(axis=1)
    depth = down.sum(axis=0)  # elements upstream of each bus
    is_line = topology.element_kind == "line"
    heads = np.zeros(topology.n_element, dtype=bool)
    for e in np.flatnonzero(is_line & (size > 0)):
        rows = np.flatnonzero(down[e])
        far = rows[np.argmin(depth[rows])]  # the bus the line feeds directly
        above = down[:, far] & (size > size[e])  # strictly larger: parallel lines excluded
        if not above.any():
            heads[e] = True
            continue
        parent = np.flatnonzero(above)[np.argmin(size[above])]
        heads[e] = not is_line[parent]
    return heads


def _deepest(cover: NDArray[np.bool_], size: NDArray[np.int64]) -> NDArray[np.int64]:
    """Per bus, the covering candidate with the smallest downstream set (-1: none), (B,)."""
    if cover.shape[0] == 0:
        return np.full(cover.shape[1], -1, dtype=np.int64)
    weight = np.where(cover, size[:, None], np.iinfo(np.int64).max)
    best = np.argmin(weight, axis=0)
    return np.where(cover.any(axis=0), best, -1).astype(np.int64)


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
    index = {n: i for i, n in enumerate(own.names)}
    buses, element = [], []
    for z, name in enumerate(names):
        i = index.get(name)
        mine = sorted({int(b) for b in buses_c[zc == z]})
        buses.append(own.buses[i] if i is not None else tuple(mine))
        element.append(int(own.element[i]) if i is not None else -1)
    return Zones(names, zc, tuple(buses), np.array(element, dtype=np.int64))
