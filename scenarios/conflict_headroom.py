"""The background (non-EV) load behind each DSO zone over a run, for ex-ante headroom.

The grid simulator draws its background loads from the same profiles (SimBench, or its
nominal values when profiles are off); summing them per zone gives the coordinator the
truth its headroom forecast is judged against (:mod:`controllers.coordination.headroom`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from controllers.dso.topology import build_topology, grid_params
from controllers.dso.zones import make_zones
from cosim.config import Config
from cosim.timebase import parse_start
from simulators.grid.cache import prepared_grid
from simulators.grid.profiles import BackgroundProfiles

__all__ = ["background_kw_by_zone", "element_params", "zone_bus_matrix"]


def zone_bus_matrix(zone_buses: list[tuple[int, ...]], bus_ids: NDArray[np.int64]) -> NDArray:
    """(Z, B) 0/1 matrix: bus ``bus_ids[b]`` lies in zone ``z``.

    >>> zone_bus_matrix([(3, 5), (7,)], np.array([3, 5, 7, 9])).tolist()
    [[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]
    """
    col = {int(b): i for i, b in enumerate(bus_ids.tolist())}
    out = np.zeros((len(zone_buses), bus_ids.size))
    for z, buses in enumerate(zone_buses):
        for b in buses:
            if int(b) in col:
                out[z, col[int(b)]] = 1.0
    return out


def background_kw_by_zone(cfg: Config, *, area: Any, bank: Any) -> list[list[float]]:
    """Net background load (loads minus static generation) per zone and step [kW], (T, Z).

    Rows start at the simulation start (warm-up included), one per step, to the end.
    """
    topology = build_topology(**grid_params(area.extra_info))
    zones = make_zones(cfg.dso.zones.value, topology, bank.extra_info["bus_id"])
    return _background_rows(cfg, lambda ids: zone_bus_matrix(list(zones.buses), ids))


def element_params(cfg: Config, *, area: Any, bank: Any) -> dict[str, Any]:
    """The coordinator's element-level headroom params (``ELEMENT_PARAMS``): the chargers
    downstream of each line and trafo, their ratings, the DSO's limit and the net background
    load behind each element per step [kW] (T, E)."""
    topology = build_topology(**grid_params(area.extra_info))
    cover = topology.charger_cover(bank.extra_info["bus_id"])
    down = topology.downstream_matrix()  # (E, B) over topology.bus_id

    def element_bus(ids: NDArray[np.int64]) -> Any:
        onehot = sp.csr_array(
            (np.ones(ids.size), (topology.bus_rows(ids), np.arange(ids.size))),
            shape=(topology.bus_id.size, ids.size),
        )
        return sp.csr_array(down, dtype=float) @ onehot

    return {
        "element_chargers": [cover.chargers(e).tolist() for e in range(topology.n_element)],
        "element_rating_kva": topology.rating_kva.tolist(),
        "loading_limit_pct": float(cfg.dso.loading_limit_pct),
        "element_background_kw": _background_rows(cfg, element_bus),
    }


def _background_rows(cfg: Config, matrix_for: Callable[[NDArray[np.int64]], Any]) -> list:
    """Net background load per step through ``matrix_for(bus_ids)`` (rows x buses) [kW]."""
    setup = prepared_grid(cfg.grid.network)
    # the tables only (no pandapower import) where the prepared grid offers them
    net = setup.grid.tables
    if cfg.grid.profiles and setup.simbench is not None:
        prof = setup.simbench.aligned(parse_start(cfg.scenario.sim_start))
    else:
        prof = BackgroundProfiles.constant(net)
    original = np.asarray(setup.grid.original_bus_id, dtype=np.int64)
    m_load = matrix_for(original[net.load["bus"].to_numpy(np.int64)[: prof.n_load]])
    m_sgen = matrix_for(original[net.sgen["bus"].to_numpy(np.int64)])
    step = cfg.scenario.step_s
    rows = []
    for t in range(0, cfg.scenario.end_s + step, step):
        r = prof.row(t)
        p_kw = m_load @ prof.load_p_mw_at(r).astype(float)
        if prof.n_sgen:
            p_kw = p_kw - m_sgen @ prof.sgen_p_mw_at(r).astype(float)
        rows.append((np.asarray(p_kw) * 1e3).tolist())
    return rows
