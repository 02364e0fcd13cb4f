"""Grid indicators of a run: loading over a limit (hours, %·h, kWh), each loading series
read once for all of them (:class:`LoadingDigest`)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from results.series import area

__all__ = [
    "LOADINGS",
    "LoadingDigest",
    "congestion_hours",
    "digests",
    "excess_kwh",
    "excess_kwh_at",
    "excess_of",
    "excess_pct_h",
    "hours_over",
    "loading_digest",
    "ratings_kva",
]

log = logging.getLogger(__name__)

LINE_LOADING = area("line_loading_pct")
TRAFO_LOADING = area("trafo_loading_pct")
#: the loading series of lines and transformers, in this order
LOADINGS = (LINE_LOADING, TRAFO_LOADING)


@dataclass(frozen=True)
class LoadingDigest:
    """What the grid KPIs take from one loading series, in one read of it.

    A year of the MV+LV grid is ~1.3 GB per loading series; its peak, the hours over any
    limit and the loading above the asked limits all come from this one pass.

    Parameters
    ----------
    row_max : ndarray (T,)
        Highest loading of each recorded step [%] (NaN where no element was recorded).
    excess_parts : mapping of limit [%] to tuple of float
        ``Σ max(L - limit, 0)`` over the elements and rows of each block read [%·step],
        in reading order.
    """

    row_max: NDArray[np.floating]
    excess_parts: Mapping[float, tuple[float, ...]]

    @property
    def peak(self) -> float:
        """Highest loading of any element and step [%] (NaN when none was recorded)."""
        return float(np.fmax.reduce(self.row_max)) if self.row_max.size else np.nan

    def steps_over(self, limit_pct: float) -> NDArray[np.bool_]:
        """Steps with any element loaded above ``limit_pct``."""
        return self.row_max > limit_pct


def loading_digest(
    blocks: Iterable[NDArray[np.floating]], limits: Iterable[float]
) -> LoadingDigest:
    """The :class:`LoadingDigest` of a loading series read in ``blocks`` of rows."""
    limits = tuple(dict.fromkeys(float(x) for x in limits))
    maxima: list[NDArray[np.floating]] = []
    parts: dict[float, list[float]] = {limit: [] for limit in limits}
    for block in blocks:
        if block.shape[1]:
            maxima.append(np.fmax.reduce(block, axis=1))
        else:  # no element: no step is over any limit
            maxima.append(np.full(block.shape[0], np.nan, block.dtype))
        peak = np.fmax.reduce(maxima[-1])  # NaN when nothing was recorded
        for limit, part in parts.items():
            # a block with no element over the limit adds exactly 0: the usual case, skipped
            over = np.nansum(np.maximum(block - limit, 0), dtype=np.float64) if peak > limit else 0
            part.append(float(over))
    row_max = np.concatenate(maxima) if maxima else np.empty(0)
    return LoadingDigest(row_max, {limit: tuple(part) for limit, part in parts.items()})


def digests(run: Any, limits: Iterable[float]) -> list[LoadingDigest]:
    """The :class:`LoadingDigest` of each loading series ``run`` recorded (lines, then
    transformers)."""
    limits = tuple(limits)
    return [loading_digest(run.blocks(*s), limits) for s in LOADINGS if run.has(*s)]


def hours_over(
    digested: Iterable[LoadingDigest], n_rows: int, dt_h: float, limit_pct: float
) -> float:
    """Hours with any element of the ``digested`` series loaded above ``limit_pct`` [h]."""
    over = np.zeros(n_rows, dtype=bool)
    for digest in digested:
        over |= digest.steps_over(limit_pct)
    return float(over.sum() * dt_h)


def excess_of(digested: Iterable[LoadingDigest], dt_h: float, limit_pct: float) -> float:
    """Loading above ``limit_pct`` of the ``digested`` series, summed over elements and
    steps [%·h]."""
    total = 0.0
    for digest in digested:
        for part in digest.excess_parts[float(limit_pct)]:
            total += part
    return total * dt_h


def congestion_hours(run: Any, dt_h: float, limit_pct: float = 100.0) -> float:
    """Recorded hours with any line or trafo loaded above ``limit_pct`` [h]."""
    return hours_over(digests(run, (limit_pct,)), len(run.time_s), dt_h, limit_pct)


def excess_pct_h(run: Any, dt_h: float, limit_pct: float) -> float:
    """Loading above ``limit_pct``, summed over lines, trafos and recorded steps [%·h]."""
    return excess_of(digests(run, (limit_pct,)), dt_h, limit_pct)


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
    return excess_kwh_at(run, (limit_pct,))[float(limit_pct)]


def excess_kwh_at(run: Any, limits_pct: Iterable[float]) -> dict[float, float]:
    """:func:`excess_kwh` for several limits, each loading series read once [kWh]."""
    limits = tuple(dict.fromkeys(float(x) for x in limits_pct))
    nothing = dict.fromkeys(limits, float("nan"))
    network = str(run.config.get("grid", {}).get("network", ""))
    try:
        ratings = dict(zip(LOADINGS, ratings_kva(network), strict=True))
    except Exception as err:  # an unknown or unreadable grid: no energy, said so
        log.warning("%s: no element ratings for %r (%s)", run.path, network, err)
        return nothing
    dt_h = run.step_s / 3600.0
    totals = dict.fromkeys(limits, 0.0)
    for series, rating in ratings.items():
        if not run.has(*series):
            continue
        for loading in run.blocks(*series):
            if loading.shape[1] != rating.size:
                kind = series.port.removesuffix("_loading_pct")
                log.warning(
                    "%s: %d %ss recorded, %d rated", run.path, loading.shape[1], kind, rating.size
                )
                return nothing
            for limit in limits:
                over = np.nan_to_num(np.maximum(loading - limit, 0.0))
                totals[limit] += float((over / 100.0 * rating).sum()) * dt_h
    return totals
