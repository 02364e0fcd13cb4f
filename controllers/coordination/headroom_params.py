"""The coordinator's headroom params from the grid: the background (non-EV) load behind each
DSO zone or grid element over a run, and the chargers behind each element.

The grid simulator draws its background loads from profiles (SimBench, or its nominal values
when profiles are off); summing them per zone or element gives the coordinator the truth its
headroom forecast is judged against (:mod:`controllers.coordination.headroom`). The profiles
are any object with ``n_load``, ``n_sgen``, ``row(t)``, ``load_p_mw_at(row)`` and
``sgen_p_mw_at(row)`` (the grid simulator's ``BackgroundProfiles``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from controllers.dso.topology import GridTopology

__all__ = [
    "Profiles",
    "background_parts",
    "background_rows",
    "element_bus_matrix",
    "element_params",
    "zone_bus_matrix",
]


class Profiles(Protocol):
    """Background load and static generation per step [MW], one column per load/sgen."""

    @property
    def n_load(self) -> int: ...
    @property
    def n_sgen(self) -> int: ...

    def row(self, t: int) -> Any: ...
    def load_p_mw_at(self, row: Any) -> NDArray: ...
    def sgen_p_mw_at(self, row: Any) -> NDArray: ...


def zone_bus_matrix(zone_buses: Sequence[Sequence[int]], bus_ids: NDArray[np.int64]) -> NDArray:
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


def element_bus_matrix(topology: GridTopology, bus_ids: NDArray[np.int64]) -> Any:
    """(E, B) sparse 0/1 matrix: bus ``bus_ids[b]`` lies downstream of element ``e``."""
    onehot = sp.csr_array(
        (np.ones(bus_ids.size), (topology.bus_rows(bus_ids), np.arange(bus_ids.size))),
        shape=(topology.bus_id.size, bus_ids.size),
    )
    return sp.csr_array(topology.downstream_matrix(), dtype=float) @ onehot


def background_rows(
    profiles: Profiles,
    *,
    load_bus: NDArray[np.int64],
    sgen_bus: NDArray[np.int64],
    matrix_for: Callable[[NDArray[np.int64]], Any],
    times: Iterable[int],
) -> list[list[float]]:
    """Net background load (loads minus static generation) per step through
    ``matrix_for(bus_ids)`` (rows × buses) [kW], one row per time in ``times`` [s].

    ``load_bus`` and ``sgen_bus`` are the bus ids of the profiles' loads and generators.
    """
    m_load = matrix_for(load_bus[: profiles.n_load])
    m_sgen = matrix_for(sgen_bus)
    rows = []
    for t in times:
        r = profiles.row(t)
        p_kw = m_load @ profiles.load_p_mw_at(r).astype(float)
        if profiles.n_sgen:
            p_kw = p_kw - m_sgen @ profiles.sgen_p_mw_at(r).astype(float)
        rows.append((np.asarray(p_kw) * 1e3).tolist())
    return rows


def background_parts(
    profiles: Any,
    *,
    load_bus: NDArray[np.int64],
    sgen_bus: NDArray[np.int64],
    matrix_for: Callable[[NDArray[np.int64]], Any],
    times: Iterable[int],
) -> dict[str, Any]:
    """What :func:`background_rows` sums, as the parts each row is summed from when asked
    (:class:`~controllers.coordination.headroom.ProfileBackground`): the profile row of
    each time, the profiles' types and scales, and the sparse matrices. A row is the same
    float64 values; the parts hold the profile types (a year of SimBench: ~35,000 rows x
    ~30 types) instead of a row per element and step.

    ``profiles`` is the grid simulator's ``BackgroundProfiles`` (``load_p`` and ``sgen_p``
    as ``table``, ``type_idx`` and ``scale``).
    """
    parts: dict[str, Any] = {"rows": [int(profiles.row(t)) for t in times]}
    kinds = [("load", profiles.load_p, load_bus[: profiles.n_load])]
    if profiles.n_sgen:
        kinds.append(("sgen", profiles.sgen_p, sgen_bus))
    for name, series, bus in kinds:
        matrix = sp.csr_array(matrix_for(bus), dtype=float)
        parts[name] = {
            "table": series.table.tolist(),
            "type_idx": series.type_idx.tolist(),
            "scale": series.scale.tolist(),
            "indptr": matrix.indptr.tolist(),
            "indices": matrix.indices.tolist(),
            "data": matrix.data.tolist(),
            "n_row": int(matrix.shape[0]),
        }
    return parts


def element_params(
    topology: GridTopology,
    charger_bus_id: Sequence[int] | NDArray,
    *,
    loading_limit_pct: float,
    element_background_kw: list[list[float]] | None = None,
    element_background: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The coordinator's element-level headroom params (``ELEMENT_PARAMS``): the chargers
    downstream of each line and trafo, their ratings, the DSO's limit and the net background
    load behind each element per step [kW]: (T, E) rows as :func:`background_rows` gives them
    through :func:`element_bus_matrix`, or the parts :func:`background_parts` gives (the same
    rows, summed when asked).
    """
    cover = topology.charger_cover(charger_bus_id)
    params: dict[str, Any] = {
        "element_chargers": [cover.chargers(e).tolist() for e in range(topology.n_element)],
        "element_rating_kva": topology.rating_kva.tolist(),
        "loading_limit_pct": float(loading_limit_pct),
    }
    if element_background is not None:
        params["element_background"] = element_background
    else:
        params["element_background_kw"] = element_background_kw
    return params
