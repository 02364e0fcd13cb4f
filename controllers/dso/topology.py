"""Grid topology for the DSO: which buses and chargers lie downstream of each line and trafo.

Built once from the grid Area's ``extra_info`` lists (original pandapower bus ids) with
networkx. Buses are numbered in DFS order from the slack, so each element's downstream
buses are one index interval: nothing element × bus is stored densely. Elements are
indexed lines first, then transformers, matching the concatenation
``[line_loading_pct, trafo_loading_pct]`` the operator observes.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from cosim.errors import ModelError

from .cover import ChargerCover

__all__ = ["GRID_INFO_KEYS", "GridTopology", "build_topology", "grid_params"]

log = logging.getLogger(__name__)

#: keys of the grid Area's extra_info the operator takes as create() params
GRID_INFO_KEYS: tuple[str, ...] = (
    "bus_id",
    "line_id",
    "line_from_bus_id",
    "line_to_bus_id",
    "line_max_i_ka",
    "line_vn_kv",
    "trafo_id",
    "trafo_hv_bus_id",
    "trafo_lv_bus_id",
    "trafo_sn_kva",
)
#: optional keys: the slack bus (the topology's root) and which lines are in service
GRID_INFO_OPTIONAL: dict[str, str] = {
    "slack_bus_id": "root_bus_id",
    "line_in_service": "line_in_service",
}

_ROOT = "__root__"


def grid_params(info: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The operator's topology params picked from a grid Area's ``extra_info``.

    >>> sorted(grid_params({k: [] for k in GRID_INFO_KEYS}))[:2]
    ['bus_id', 'line_from_bus_id']
    """
    missing = [k for k in GRID_INFO_KEYS if k not in info]
    if missing:
        raise ModelError(
            f"grid extra_info lacks {missing}; pass the Area entity's extra_info of GridSim"
        )
    params = {k: list(info[k]) for k in GRID_INFO_KEYS}
    params.update({arg: list(info[k]) for k, arg in GRID_INFO_OPTIONAL.items() if k in info})
    return params


@dataclass(frozen=True)
class GridTopology:
    """Radial view of one grid area, with buses numbered in DFS order from the slack.

    The buses downstream of an element are one interval of DFS positions, so no element ×
    bus table is stored: bus ``b`` is fed through element ``e`` when
    ``element_lo[e] <= bus_pos[b] < element_hi[e]``.

    Attributes
    ----------
    bus_id : ndarray of int (B,)
        Original bus ids, in the order of the Area's ``v_pu`` array.
    element_kind : ndarray of str (E,)
        ``"line"`` or ``"trafo"`` for each monitored element (lines first).
    element_id : ndarray of int (E,)
        Line or trafo id of each element.
    rating_kva : ndarray (E,)
        Rated apparent power [kVA]: trafo ``sn_kva``; line √3·vn_kv·max_i_ka·1000.
    bus_pos : ndarray of int (B,)
        DFS preorder position of each bus (position 0 is the virtual root above the slack
        buses; -1: a bus the slack does not reach).
    element_lo, element_hi : ndarray of int (E,)
        DFS positions ``[lo, hi)`` of the buses downstream of each element (empty for an
        element of an unsupplied island). ``lo`` is the element's far bus.
    dfs_parent : ndarray of int (N,)
        DFS position of the tree parent of each DFS position (-1 for the virtual root).
    """

    bus_id: NDArray[np.int64]
    element_kind: NDArray[np.str_]
    element_id: NDArray[np.int64]
    rating_kva: NDArray[np.float64]
    bus_pos: NDArray[np.int64]
    element_lo: NDArray[np.int64]
    element_hi: NDArray[np.int64]
    dfs_parent: NDArray[np.int64]

    @property
    def n_element(self) -> int:
        """Number of monitored lines and trafos."""
        return int(self.element_id.size)

    @property
    def n_downstream_bus(self) -> NDArray[np.int64]:
        """Number of buses downstream of each element, (E,)."""
        return self.element_hi - self.element_lo

    def bus_rows(self, bus_id: Sequence[int] | NDArray[np.int64]) -> NDArray[np.int64]:
        """Row of each given bus id in :attr:`bus_id` (ModelError for unknown ids)."""
        ids = np.asarray(bus_id, dtype=np.int64).reshape(-1)
        sorter = np.argsort(self.bus_id, kind="stable")
        known = self.bus_id[sorter]
        at = np.searchsorted(known, ids, side="right") - 1  # last of duplicate ids, as a dict
        ok = at >= 0
        ok[ok] = known[at[ok]] == ids[ok]
        if not ok.all():
            unknown = sorted({int(b) for b in ids[~ok]})
            raise ModelError(
                f"bus id(s) {unknown[:10]} are not in the grid; give chargers the original "
                "bus ids listed in the grid Area's extra_info['bus_id']"
            )
        return sorter[at].astype(np.int64)

    def charger_cover(self, charger_bus_id: Sequence[int] | NDArray[np.int64]) -> ChargerCover:
        """Which chargers lie downstream of which element, sparse (E, C)."""
        pos = self.bus_pos[self.bus_rows(charger_bus_id)]
        return ChargerCover.from_intervals(self.element_lo, self.element_hi, pos)

    def element_row(self, kind: str, element_id: int) -> int:
        """Row of one line or trafo in the element arrays (ModelError when absent)."""
        hit = np.flatnonzero((self.element_kind == kind) & (self.element_id == element_id))
        if hit.size != 1:
            raise ModelError(f"no {kind} with id {element_id} in the topology")
        return int(hit[0])

    def downstream_rows(self, element: int) -> NDArray[np.int64]:
        """Rows (in :attr:`bus_id`) of the buses downstream of element row ``element``."""
        lo, hi = self.element_lo[element], self.element_hi[element]
        return np.flatnonzero((self.bus_pos >= lo) & (self.bus_pos < hi))

    def downstream_buses(self, kind: str, element_id: int) -> set[int]:
        """Original ids of the buses downstream of one line or trafo."""
        rows = self.downstream_rows(self.element_row(kind, element_id))
        return {int(b) for b in self.bus_id[rows]}

    def downstream_matrix(self) -> sp.csr_array:
        """``[e, b]`` true when bus row ``b`` is fed through element ``e``, sparse (E, B)."""
        return ChargerCover.from_intervals(self.element_lo, self.element_hi, self.bus_pos).matrix


def build_topology(
    *,
    bus_id: Sequence[int],
    line_id: Sequence[int],
    line_from_bus_id: Sequence[int],
    line_to_bus_id: Sequence[int],
    line_max_i_ka: Sequence[float],
    line_vn_kv: Sequence[float],
    trafo_id: Sequence[int],
    trafo_hv_bus_id: Sequence[int],
    trafo_lv_bus_id: Sequence[int],
    trafo_sn_kva: Sequence[float],
    root_bus_id: Sequence[int] | None = None,
    line_in_service: Sequence[bool] | None = None,
) -> GridTopology:
    """Number the buses in DFS order and find the downstream interval of every element.

    The root (slack side) is ``root_bus_id`` when given, else every trafo hv bus that is no
    trafo's lv bus, else (no trafo) every line from-bus that is no line's to-bus. A
    breadth-first tree from the root orients each element; its downstream set is the subtree
    below its far end, one interval of the tree's DFS preorder. In a radial grid that is
    exact; in a meshed one it is the side farther from the slack along shortest paths (an
    approximation, logged). Lines out of service (``line_in_service``) carry nothing: they
    join no buses and have an empty downstream set.
    """
    buses = np.asarray(bus_id, dtype=np.int64)
    ends = _element_ends(
        line_from_bus_id, line_to_bus_id, trafo_hv_bus_id, trafo_lv_bus_id, n_line=len(line_id)
    )
    graph = nx.Graph()
    graph.add_nodes_from(int(b) for b in buses)
    on = np.ones(len(ends), dtype=bool)
    if line_in_service is not None:
        on[: len(line_id)] = np.asarray(line_in_service, dtype=bool)
    graph.add_edges_from(end for end, used in zip(ends, on, strict=True) if used)
    unknown = sorted({b for end in ends for b in end} - {int(b) for b in buses})
    if unknown:
        raise ModelError(f"lines/trafos reference bus id(s) {unknown[:10]} missing from bus_id")
    roots = _roots(root_bus_id, line_from_bus_id, line_to_bus_id, trafo_hv_bus_id, trafo_lv_bus_id)
    graph.add_edges_from((_ROOT, r) for r in roots)
    if graph.number_of_edges() - len(roots) > len(buses) - 1:
        log.info("grid is meshed; downstream sets follow the shortest-path tree from the slack")
    depth = nx.single_source_shortest_path_length(graph, _ROOT)
    tin, tout, parent = _subtree_ranges(nx.bfs_tree(graph, _ROOT))
    lo = np.zeros(len(ends), dtype=np.int64)
    hi = np.zeros(len(ends), dtype=np.int64)
    for e, (a, b) in enumerate(ends):
        if (
            on[e] and a in depth and b in depth
        ):  # else an island without supply: nothing fed through it
            far = a if depth[a] > depth[b] else b
            lo[e], hi[e] = tin[far], tout[far]
    kinds = np.array(["line"] * len(line_id) + ["trafo"] * len(trafo_id))
    ids = np.concatenate([np.asarray(line_id, np.int64), np.asarray(trafo_id, np.int64)])
    rating = np.concatenate(
        [
            math.sqrt(3.0) * np.asarray(line_vn_kv, float) * np.asarray(line_max_i_ka, float) * 1e3,
            np.asarray(trafo_sn_kva, float),
        ]
    )
    bus_pos = np.array([tin.get(int(b), -1) for b in buses], dtype=np.int64)
    return GridTopology(buses, kinds, ids, rating, bus_pos, lo, hi, parent)


def _subtree_ranges(
    tree: nx.DiGraph,
) -> tuple[dict[Any, int], dict[Any, int], NDArray[np.int64]]:
    """Preorder entry index, end of subtree and parent position of every tree node.

    Node n's subtree is ``[tin[n], tout[n])``; ``parent[tin[n]]`` is the position of its
    parent (-1 for the root).
    """
    order = list(nx.dfs_preorder_nodes(tree, _ROOT))
    tin = {n: i for i, n in enumerate(order)}
    size = dict.fromkeys(order, 1)
    parent = np.full(len(order), -1, dtype=np.int64)
    for node in reversed(order):
        for child in tree.successors(node):
            size[node] += size[child]
            parent[tin[child]] = tin[node]
    tout = {n: tin[n] + size[n] for n in order}
    return tin, tout, parent


def _element_ends(
    line_from: Sequence[int],
    line_to: Sequence[int],
    trafo_hv: Sequence[int],
    trafo_lv: Sequence[int],
    *,
    n_line: int,
) -> list[tuple[int, int]]:
    if not (len(line_from) == len(line_to) == n_line) or len(trafo_hv) != len(trafo_lv):
        raise ModelError(
            "line/trafo lists differ in length; pass the grid Area's extra_info unchanged"
        )
    lines = [(int(a), int(b)) for a, b in zip(line_from, line_to, strict=True)]
    trafos = [(int(a), int(b)) for a, b in zip(trafo_hv, trafo_lv, strict=True)]
    return lines + trafos


def _roots(
    root_bus_id: Sequence[int] | None,
    line_from: Sequence[int],
    line_to: Sequence[int],
    trafo_hv: Sequence[int],
    trafo_lv: Sequence[int],
) -> list[int]:
    if root_bus_id is not None and len(root_bus_id) > 0:
        return [int(b) for b in root_bus_id]
    if len(trafo_hv):
        roots = sorted({int(b) for b in trafo_hv} - {int(b) for b in trafo_lv})
    else:
        roots = sorted({int(b) for b in line_from} - {int(b) for b in line_to})
    if not roots:
        raise ModelError(
            "cannot find the slack side of the grid (no trafo hv bus or line start that is "
            "fed by nothing else); pass root_bus_id=[<slack bus id>]"
        )
    return roots
