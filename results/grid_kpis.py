"""Grid indicators of a run: loading over a limit (hours, %·h, kWh)."""

from __future__ import annotations

import functools
import logging
from typing import Any

import numpy as np
from numpy.typing import NDArray

from results.series import area

__all__ = [
    "LOADINGS",
    "congestion_hours",
    "excess_kwh",
    "excess_pct_h",
    "ratings_kva",
]

log = logging.getLogger(__name__)

LINE_LOADING = area("line_loading_pct")
TRAFO_LOADING = area("trafo_loading_pct")
#: the loading series of lines and transformers, in this order
LOADINGS = (LINE_LOADING, TRAFO_LOADING)


def congestion_hours(run: Any, dt_h: float, limit_pct: float = 100.0) -> float:
    """Recorded hours with any line or trafo loaded above ``limit_pct`` [h]."""
    over = np.zeros(len(run.time_s), dtype=bool)
    for series in LOADINGS:
        if run.has(*series) and over.size:
            over |= run.per_row(*series, lambda block, axis: (block > limit_pct).any(axis=axis))
    return float(over.sum() * dt_h)


def excess_pct_h(run: Any, dt_h: float, limit_pct: float) -> float:
    """Loading above ``limit_pct``, summed over lines, trafos and recorded steps [%·h]."""
    total = 0.0
    for series in LOADINGS:
        if run.has(*series):
            for block in run.blocks(*series):
                total += float(np.nansum(np.maximum(block - limit_pct, 0), dtype=np.float64))
    return total * dt_h


@functools.lru_cache(maxsize=8)
def ratings_kva(network: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Line and trafo ratings [kVA] of ``network``, in the grid's recorded order."""
    from simulators.grid.cache import prepared_grid  # the grid tables only, no pandapower

    net = prepared_grid(network).grid.tables
    vn = net.bus["vn_kv"].to_numpy(float)[net.line["from_bus"].to_numpy(np.int64)]
    line = np.sqrt(3.0) * vn * net.line["max_i_ka"].to_numpy(float) * 1e3
    return line, net.trafo["sn_mva"].to_numpy(float) * 1e3


def excess_kwh(run: Any, limit_pct: float) -> float:
    """Energy the lines and trafos carried above ``limit_pct`` in the recorded window [kWh].

    ``Σ_e max(0, L_e − limit)/100 · S_e · Δt`` over lines and transformers (``S_e`` the
    rating: trafo ``sn``, line √3·V·I_max). NaN when the run's grid is not known here or
    its element count does not match.
    """
    network = str(run.config.get("grid", {}).get("network", ""))
    try:
        ratings = dict(zip(LOADINGS, ratings_kva(network), strict=True))
    except Exception as err:  # an unknown or unreadable grid: no energy, said so
        log.warning("%s: no element ratings for %r (%s)", run.path, network, err)
        return float("nan")
    dt_h = run.step_s / 3600.0
    total = 0.0
    for series, rating in ratings.items():
        if not run.has(*series):
            continue
        for loading in run.blocks(*series):
            if loading.shape[1] != rating.size:
                kind = series.port.removesuffix("_loading_pct")
                log.warning(
                    "%s: %d %ss recorded, %d rated", run.path, loading.shape[1], kind, rating.size
                )
                return float("nan")
            over = np.nan_to_num(np.maximum(loading - limit_pct, 0.0))
            total += float((over / 100.0 * rating).sum()) * dt_h
    return total
