"""The coordinator's headroom params for a run: the grid's background (non-EV) load per DSO
zone and per element, drawn from the profiles the grid simulator uses
(:mod:`controllers.coordination.headroom_params` does the sums).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from controllers.coordination.headroom_params import (
    background_parts,
    background_rows,
    element_bus_matrix,
    zone_bus_matrix,
)
from controllers.coordination.headroom_params import (
    element_params as element_headroom_params,
)
from controllers.dso.topology import build_topology, grid_params
from controllers.dso.zones import grid_zones
from cosim.config import Config
from cosim.timebase import parse_start
from simulators.grid.cache import prepared_grid
from simulators.grid.profiles import BackgroundProfiles

__all__ = ["background_kw_by_zone", "element_params"]


def background_kw_by_zone(cfg: Config, *, area: Any, bank: Any) -> list[list[float]]:
    """Net background load (loads minus static generation) per zone and step [kW], (T, Z).

    Rows start at the simulation start (warm-up included), one per step, to the end.
    """
    zones = grid_zones(cfg.dso.zones, area.extra_info, bank.extra_info["bus_id"])
    return _background(cfg, lambda ids: zone_bus_matrix(list(zones.buses), ids))


def element_params(cfg: Config, *, area: Any, bank: Any) -> dict[str, Any]:
    """The coordinator's element-level headroom params (``ELEMENT_PARAMS``) for the
    chargers of ``bank`` on the grid of ``area``
    (:func:`controllers.coordination.headroom_params.element_params`)."""
    topology = build_topology(**grid_params(area.extra_info))
    return element_headroom_params(
        topology,
        bank.extra_info["bus_id"],
        loading_limit_pct=cfg.dso.loading_limit_pct,
        element_background=_background(
            cfg, lambda ids: element_bus_matrix(topology, ids), summed=background_parts
        ),
    )


def _background(
    cfg: Config,
    matrix_for: Callable[[NDArray[np.int64]], Any],
    *,
    summed: Callable[..., Any] = background_rows,
) -> Any:
    """Net background load per step through ``matrix_for(bus_ids)`` (rows x buses) [kW]:
    the rows (``background_rows``) or the parts they are summed from (``background_parts``)."""
    setup = prepared_grid(cfg.grid.network)
    # the tables only (no pandapower import) where the prepared grid offers them
    net = setup.grid.tables
    if cfg.grid.profiles and setup.simbench is not None:
        prof = setup.simbench.aligned(parse_start(cfg.scenario.sim_start))
    else:
        prof = BackgroundProfiles.constant(net)
    original = np.asarray(setup.grid.original_bus_id, dtype=np.int64)
    step = cfg.scenario.step_s
    return summed(
        prof,
        load_bus=original[net.load["bus"].to_numpy(np.int64)],
        sgen_bus=original[net.sgen["bus"].to_numpy(np.int64)],
        matrix_for=matrix_for,
        times=range(0, cfg.scenario.end_s + step, step),
    )
