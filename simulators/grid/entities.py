"""Entity bookkeeping of the grid adapter: eid and bus-id -> row maps, the views' extra_info."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cosim.errors import ModelError
from cosim.wire import to_wire

from .model import GridModel
from .network import PreparedNetwork
from .profiles import household_load_index

__all__ = ["Entities", "SourceMap", "area_info", "rows_for", "select_rows", "view_info"]


@dataclass
class SourceMap:
    """Bus rows of one source's array elements (cached: bus_id rarely changes)."""

    bus_id: NDArray[np.int64]
    rows: NDArray[np.int64]


@dataclass
class Entities:
    """Entity id -> row maps of the created views."""

    area: str | None = None
    bus: dict[str, int] = field(default_factory=dict)
    line: dict[str, int] = field(default_factory=dict)
    trafo: dict[str, int] = field(default_factory=dict)

    def add(self, model: str, element_id: int, row: int) -> str:
        """Register a view of ``row``; an element seen before gets an alias eid.

        mosaik refuses an eid twice (``DuplicateEntityIdError``), so a repeated element
        gets ``<model>_<id>~<n>`` (n = 2, 3, ...): the same element under another name.
        """
        table: dict[str, int] = getattr(self, model.lower())
        base = eid = f"{model.lower()}_{element_id}"
        n = 1
        while eid in table:
            n += 1
            eid = f"{base}~{n}"
        table[eid] = row
        return eid


def rows_for(
    sources: dict[str, SourceMap], grid: PreparedNetwork, src: str, bus_id: Any
) -> NDArray[np.int64]:
    """Bus rows of the elements of ``src``'s arrays, from its ``bus_id`` (cached in ``sources``).

    Without a ``bus_id`` this step, the source's last one holds.
    """
    cached = sources.get(src)
    if bus_id is None:
        if cached is None:
            raise ModelError(
                f"Area gets p_kw/q_kvar from {src} but no bus_id: connect that source's "
                "'bus_id' to the Area too (one original bus id per element)"
            )
        return cached.rows
    if cached is not None and (
        bus_id is cached.bus_id or np.array_equal(np.asarray(bus_id), cached.bus_id)
    ):
        return cached.rows
    ids = np.asarray(bus_id, dtype=np.int64)
    cached = SourceMap(bus_id=ids, rows=grid.rows_of(ids))
    sources[src] = cached
    return cached.rows


def select_rows(grid: PreparedNetwork, kind: str, ids: Any) -> NDArray[np.int64]:
    """Rows of the requested elements (all of them when ``ids`` is None).

    ``kind``: ``"bus"``, ``"line"`` or ``"trafo"`` (the view's model name in lower case).
    """
    if kind == "bus":
        return np.arange(grid.n_bus) if ids is None else grid.rows_of(ids)
    df = grid.tables.line if kind == "line" else grid.tables.trafo
    pos = {int(i): r for r, i in enumerate(df.index)}
    wanted = list(df.index) if ids is None else [int(i) for i in np.ravel(ids)]
    unknown = [i for i in wanted if i not in pos]
    if unknown:
        raise ModelError(f"unknown {kind}_id(s) {unknown[:10]}; see the Area's extra_info")
    return np.array([pos[int(i)] for i in wanted], dtype=np.int64)


def view_info(model: GridModel, kind: str) -> list[dict[str, Any]]:
    """Static extra_info of every element of ``kind`` (as :func:`select_rows`), in row order."""
    if kind == "bus":
        df = model.bus_table()[["bus_id", "name", "vn_kv"]]
    elif kind == "line":
        df = model.line_table()[
            ["line_id", "name", "from_bus_id", "to_bus_id", "max_i_ka", "length_km"]
        ]
    else:
        df = model.trafo_table()
        df = df.assign(sn_kva=df["sn_mva"] * 1000.0)[
            ["trafo_id", "name", "hv_bus_id", "lv_bus_id", "sn_kva", "vn_hv_kv", "vn_lv_kv"]
        ]
    # plain Python values: extra_info travels as JSON when the grid runs over cmd
    return [{k: to_wire(v) for k, v in rec.items()} for rec in df.to_dict("records")]


def area_info(model: GridModel, *, unbalanced: bool) -> dict[str, Any]:
    """Static extra_info of the Area: the buses, lines, trafos and households of the grid."""
    grid, net = model.grid, model.grid.tables
    lines, trafos = model.line_table(), model.trafo_table()
    hh = household_load_index(net)
    return {
        "bus_id": grid.original_bus_id.tolist(),
        "bus_name": list(grid.bus_name),
        "bus_vn_kv": net.bus["vn_kv"].astype(float).tolist(),
        "line_id": lines["line_id"].tolist(),
        "line_name": lines["name"].tolist(),
        "line_from_bus_id": lines["from_bus_id"].tolist(),
        "line_to_bus_id": lines["to_bus_id"].tolist(),
        "line_max_i_ka": lines["max_i_ka"].tolist(),
        "line_in_service": lines["in_service"].tolist(),
        "line_vn_kv": net.bus["vn_kv"].to_numpy(float)[net.line["from_bus"]].tolist(),
        "trafo_id": trafos["trafo_id"].tolist(),
        "trafo_name": trafos["name"].tolist(),
        "trafo_hv_bus_id": trafos["hv_bus_id"].tolist(),
        "trafo_lv_bus_id": trafos["lv_bus_id"].tolist(),
        "trafo_sn_kva": (trafos["sn_mva"] * 1000.0).tolist(),
        "household_load_name": net.load.loc[hh, "name"].astype(str).tolist(),
        "household_bus_id": grid.original_bus_id[net.load.loc[hh, "bus"]].tolist(),
        "slack_bus_id": grid.original_bus_id[net.ext_grid["bus"].to_numpy(np.int64)].tolist(),
        "backend": str(model.backend.name),
        **(_layout_info(model) if unbalanced else {}),
    }


def _layout_info(model: Any) -> dict[str, list[int]]:
    """Phases of the background loads and generators (0, 1, 2 = a, b, c; -1 three-phase) of
    an unbalanced grid model (:class:`~simulators.grid.asym_model.AsymGridModel`)."""
    layout = model.layout
    return {"load_phase": layout.load_phase.tolist(), "sgen_phase": layout.sgen_phase.tolist()}
