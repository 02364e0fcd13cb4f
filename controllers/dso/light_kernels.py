"""Compiled loops of the DSO's traffic light and zone shares (numba).

Each step the DSO turns ~100 element loadings into red chargers and per-zone headroom
through a chain of numpy calls on short arrays (the cover's rows, the zone map's stored
entries): numpy's per-call overhead, not the arithmetic, was the cost. Here the chain is
one compiled call, with the same floating-point operations in the same order as the
numpy formulation it replaced (``tests/property/test_dso_kernels.py`` keeps that
formulation and compares bit for bit). Maxima and minima use :mod:`cosim.kernels`
(numpy's NaN and signed-zero rules); a row sum of more than two terms is numpy's pairwise
sum of the dense (zones,) row, as the dense element × zone matrix summed it.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from cosim.kernels import fmax, minimum, range_sum

from .planner_kernels import add_hourly

__all__ = ["counted_light", "observed_light", "share_data", "traffic_light", "violation_counts"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: as :data:`controllers.dso.signals.HEADROOM_UNCONSTRAINED_KW` (signals imports this module)
HEADROOM_UNCONSTRAINED_KW = 1e6
#: rows with at most this many zones are summed in order (exact: a + b == b + a)
_EXACT_ROW = 2


@njit(cache=True, error_model="numpy")
def share_data(
    ptr: IntArray, zone: IntArray, fraction: FloatArray, by_count: FloatArray, base: FloatArray
) -> FloatArray:
    """Share of each element's loading owed to each zone behind it, per stored entry.

    ``ptr`` and ``zone`` are the element × zone map's CSR structure (sorted zones),
    ``fraction`` and ``by_count`` its per-entry zone fraction and count share, ``base``
    the (Z,) declared baselines [kW], clipped to [0, max float] (zeros: unknown). Per
    element row with several entries, the numpy formulation is::

        w = fraction[row] * base[zone[row]]
        total = w.sum() + 0.0 if w.size <= 2 else dense_row(w).sum()
        share[row] = w / total if total > 0 else by_count[row]

    and a row with one entry keeps ``by_count`` (1).
    """
    n_zone = base.size
    out = by_count.copy()
    dense = np.zeros(n_zone)  # one element's row of the dense map, zero between uses
    w = np.empty(n_zone)
    for e in range(ptr.size - 1):
        lo, hi = ptr[e], ptr[e + 1]
        if hi - lo < 2:
            continue
        for k in range(lo, hi):
            w[k - lo] = fraction[k] * base[zone[k]]
        if hi - lo <= _EXACT_ROW:
            total = w[0]
            for k in range(1, hi - lo):
                total += w[k]
            total += 0.0  # segment_reduce's initial
        else:
            for k in range(lo, hi):
                dense[zone[k]] = w[k - lo]
            total = range_sum(dense, 0, n_zone)
            for k in range(lo, hi):
                dense[zone[k]] = 0.0
        if total > 0:
            for k in range(lo, hi):
                out[k] = w[k - lo] / total
    return out


@njit(cache=True, error_model="numpy")
def traffic_light(
    loading: FloatArray,
    forecast: FloatArray,
    rating_kva: FloatArray,
    limit: float,
    hysteresis: float,
    cover_ptr: IntArray,
    cover_chargers: IntArray,
    n_charger: int,
    ptr: IntArray,
    zone: IntArray,
    fraction: FloatArray,
    by_count: FloatArray,
    base: FloatArray,
    zone_ptr: IntArray,
    zone_entries: IntArray,
) -> tuple[BoolArray, FloatArray, FloatArray, bool]:
    """Red chargers and per-zone headroom [kW] of :func:`controllers.dso.signals.traffic_light`.

    ``limit`` and ``hysteresis`` are the loading limit and the band below it [%] (two
    floats, not a tuple: the dispatcher types a tuple in Python); ``cover_ptr`` and
    ``cover_chargers`` the (E, C) cover's CSR structure; ``ptr`` to ``base`` the zone map
    as for :func:`share_data`; ``zone_entries[zone_ptr[z]:zone_ptr[z + 1]]`` zone ``z``'s
    stored entries. Returns the red chargers (C,), the zone headrooms (Z,), the entries' ``v``
    (nnz,) and whether a zone's least ``v`` was a tie between 0.0 and -0.0: numpy's
    vectorised minimum picks either by position, which this loop cannot repeat, so then
    the caller takes the zone minima from numpy. The numpy formulation, ``row`` the
    element of each entry::

        red = (loading > limit - hysteresis) | (forecast > limit)
        congested = cover[red].any(axis=0)
        head_e = (limit - np.fmax(loading, forecast)) / 100.0 * rating_kva
        v = share_data(...) * head_e[row]
        v = np.where(np.isfinite(v), v, np.inf)[zone_entries]
        head_z = np.minimum(np.minimum(np.minimum.reduceat(v, zone_ptr[:-1]), np.inf), 1e6)
    """
    congested = np.zeros(n_charger, dtype=np.bool_)
    head_e = np.empty(loading.size)
    for e in range(loading.size):
        # comparisons with NaN (unknown) are False
        if loading[e] > limit - hysteresis or forecast[e] > limit:
            for k in range(cover_ptr[e], cover_ptr[e + 1]):
                congested[cover_chargers[k]] = True
        # fmax's pick between -0.0 and 0.0 cannot show: limit - 0.0 == limit + 0.0 (limit > 0)
        head_e[e] = (limit - fmax(loading[e], forecast[e])) / 100.0 * rating_kva[e]
    v = share_data(ptr, zone, fraction, by_count, base)
    for e in range(ptr.size - 1):
        for k in range(ptr[e], ptr[e + 1]):
            v[k] = v[k] * head_e[e]
            if not np.isfinite(v[k]):
                v[k] = np.inf
    head_z = np.empty(zone_ptr.size - 1)
    zero_tie = False
    for z in range(head_z.size):
        least = np.inf  # also the answer of a zone behind no element
        signs = 0  # bit 1: a 0.0 seen, bit 2: a -0.0 seen
        for k in range(zone_ptr[z], zone_ptr[z + 1]):
            least = minimum(least, v[zone_entries[k]])
            if v[zone_entries[k]] == 0.0:
                signs |= 2 if np.signbit(v[zone_entries[k]]) else 1
        zero_tie |= least == 0.0 and signs == 3
        head_z[z] = minimum(least, HEADROOM_UNCONSTRAINED_KW)
    return congested, head_z, v, zero_tie


@njit(cache=True)
def violation_counts(
    loading: FloatArray, v: FloatArray, limit_pct: float, v_min_pu: float, v_max_pu: float
) -> tuple[int, int, int]:
    """``(np.count_nonzero(loading > limit_pct), np.count_nonzero((v < v_min_pu) | (v >
    v_max_pu)), np.count_nonzero(loading == loading))``: the congested elements, the buses
    outside the voltage band (NaN is neither) and the loadings measured (not NaN), in one
    call instead of seven numpy calls."""
    n_congested = 0
    n_seen = 0
    for x in loading:
        if x > limit_pct:
            n_congested += 1
        if x == x:
            n_seen += 1
    n_v = 0
    for x in v:
        if x < v_min_pu or x > v_max_pu:
            n_v += 1
    return n_congested, n_v, n_seen


@njit(cache=True, error_model="numpy")
def counted_light(
    loading: FloatArray,
    forecast: FloatArray,
    v: FloatArray,
    v_min_pu: float,
    v_max_pu: float,
    rating_kva: FloatArray,
    limit: float,
    hysteresis: float,
    cover_ptr: IntArray,
    cover_chargers: IntArray,
    n_charger: int,
    ptr: IntArray,
    zone: IntArray,
    fraction: FloatArray,
    by_count: FloatArray,
    base: FloatArray,
    check_base: bool,
    zone_ptr: IntArray,
    zone_entries: IntArray,
) -> tuple[int, int, int, bool, BoolArray, FloatArray, FloatArray, bool]:
    """:func:`violation_counts` (``limit`` the loading limit) and :func:`traffic_light`, in
    one call.

    With ``check_base`` the baselines ``base`` are the declared ones as given: the light
    is made only when each is positive and finite (as ``ZoneMap.baseline`` clips them,
    which keeps such values as they are); else the counts come with ``done`` False and
    empty signals, for the caller to clip and call :func:`traffic_light`. Returns
    ``(n_congested, n_v_violations, n_seen, done, congested, head_z, entry_kw,
    zero_tie)``.
    """
    n_congested, n_v, n_seen = violation_counts(loading, v, limit, v_min_pu, v_max_pu)
    if check_base:
        for b in base:
            if not (0.0 < b and b < np.inf):  # NaN fails both
                empty = np.empty(0)
                return n_congested, n_v, n_seen, False, np.empty(0, np.bool_), empty, empty, False
    congested, head_z, entry_kw, zero_tie = traffic_light(
        loading, forecast, rating_kva, limit, hysteresis, cover_ptr, cover_chargers,
        n_charger, ptr, zone, fraction, by_count, base, zone_ptr, zone_entries,
    )  # fmt: skip
    return n_congested, n_v, n_seen, True, congested, head_z, entry_kw, zero_tie


@njit(cache=True, error_model="numpy")
def observed_light(
    loading: FloatArray,
    forecast: FloatArray,
    v: FloatArray,
    v_min_pu: float,
    v_max_pu: float,
    rating_kva: FloatArray,
    limit: float,
    hysteresis: float,
    cover_ptr: IntArray,
    cover_chargers: IntArray,
    n_charger: int,
    ptr: IntArray,
    zone: IntArray,
    fraction: FloatArray,
    by_count: FloatArray,
    base: FloatArray,
    check_base: bool,
    zone_ptr: IntArray,
    zone_entries: IntArray,
    seen_row: FloatArray,
    sums: FloatArray,
    counts: FloatArray,
    add_at: int,
) -> tuple[int, int, int, bool, BoolArray, FloatArray, FloatArray, bool, bool]:
    """:func:`counted_light` and what the operator's step records of the same step, in one
    call: ``np.fmax(seen_row, loading, out=seen_row)`` (the persistence forecast's row of
    the hour measured) when a loading was measured, and, with ``add_at >= 0``,
    :func:`~controllers.dso.planner_kernels.add_hourly` of the baselines ``base`` at hour
    ``add_at`` (the planner's profile). Neither array is read by the light. Returns
    :func:`counted_light`'s tuple and whether the row took the loadings: not when it is
    empty (the caller observes itself) or a loading and its row value are zeros of
    opposite sign, where numpy's fmax picks either by position (the caller takes numpy's).
    """
    n_congested, n_v, n_seen, done, congested, head_z, entry_kw, zero_tie = counted_light(
        loading, forecast, v, v_min_pu, v_max_pu, rating_kva, limit, hysteresis, cover_ptr,
        cover_chargers, n_charger, ptr, zone, fraction, by_count, base, check_base,
        zone_ptr, zone_entries,
    )  # fmt: skip
    observed = n_seen > 0 and seen_row.size == loading.size and _fmax_into(seen_row, loading)
    if add_at >= 0:
        add_hourly(sums, counts, add_at, base)
    return n_congested, n_v, n_seen, done, congested, head_z, entry_kw, zero_tie, observed


@njit(cache=True)
def _fmax_into(row: FloatArray, values: FloatArray) -> bool:
    """``np.fmax(row, values, out=row)`` and True; False, with ``row`` unchanged, where a
    pair is 0.0 and -0.0 (numpy returns either, by position)."""
    for e in range(row.size):
        a, b = row[e], values[e]
        if a == 0.0 and b == 0.0 and np.signbit(a) != np.signbit(b):
            return False
    for e in range(row.size):
        row[e] = fmax(row[e], values[e])
    return True
