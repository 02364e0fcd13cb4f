"""The DSO's compiled loops agree bit for bit with the numpy formulation they replaced.

The references below are the numpy code the traffic light and the zone shares ran before
they were compiled (:mod:`controllers.dso.light_kernels`): same floating-point operations,
so the results must be identical, not merely close, NaN, infinities and signed zeros
included, or a DSO run would change its recorded datasets.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from controllers.dso.cover import ChargerCover, segment_reduce
from controllers.dso.detection import detect
from controllers.dso.light_kernels import violation_counts
from controllers.dso.planner import HourlyProfile
from controllers.dso.planner_kernels import add_hourly
from controllers.dso.signals import HEADROOM_UNCONSTRAINED_KW, traffic_light
from controllers.dso.zone_map import ZoneMap

# the references overflow and take inf - inf on the edge values, as the numpy code did
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

_FLOAT_MAX = np.finfo(float).max
_EDGES = [0.0, -0.0, 1.0, -1.0, 0.1, 50.0, 60.0, 100.0, 1e300, _FLOAT_MAX, np.inf, -np.inf]
_VALUES = st.one_of(
    st.sampled_from([*_EDGES, np.nan]), st.floats(-1e3, 1e3), st.floats(allow_nan=True)
)


def _row_sums_reference(w, row_ptr, entry_zone, n_zone):
    """The wide rows' sums as ``_SharedRows.row_sums`` took them: rows of more than two
    entries as dense (zones,) rows summed by numpy, the others in order plus 0.0."""
    n_entry = np.diff(row_ptr)
    multi = np.flatnonzero(n_entry > 2)
    total = segment_reduce(np.add, w, row_ptr, initial=0.0)
    if multi.size:
        row = np.repeat(np.arange(n_entry.size), n_entry)
        in_multi = np.isin(row, multi)
        buf = np.zeros((multi.size, n_zone))
        buf[np.searchsorted(multi, row[in_multi]), entry_zone[in_multi]] = w[in_multi]
        total[multi] = buf.sum(axis=1)
    return total


def _share_data_reference(zm: ZoneMap, baseline_kw):
    """``ZoneMap.share_data`` in numpy, as it was."""
    out = zm.entry_by_count.copy()
    if baseline_kw is None:
        return out
    base = np.minimum(np.fmax(np.asarray(baseline_kw, dtype=float), 0.0), _FLOAT_MAX)
    per_row = np.diff(zm.ptr)
    wide = np.flatnonzero(per_row > 1)
    if wide.size == 0:
        return out
    entry = np.concatenate([np.arange(zm.ptr[r], zm.ptr[r + 1]) for r in wide])
    row_ptr = np.concatenate([[0], np.cumsum(per_row[wide])])
    row = np.repeat(np.arange(wide.size), per_row[wide])
    w = zm.entry_fraction[entry] * base[zm.zone[entry]]
    w_total = _row_sums_reference(w, row_ptr, zm.zone[entry], zm.size.size)
    ok = w_total > 0
    by_base = w / np.where(ok, w_total, 1.0)[row]
    out[entry] = np.where(ok[row], by_base, zm.entry_by_count[entry])
    return out


def _traffic_light_reference(loading, forecast, rating, cover, zm, baseline, limit, hyst):
    """``signals.traffic_light`` in numpy, as it was."""
    red_e = (loading > limit - hyst) | (forecast > limit)
    congested = cover.any_of(red_e)
    head_e = (limit - np.fmax(loading, forecast)) / 100.0 * rating
    share = _share_data_reference(zm, baseline) * head_e[zm.rows]
    head_z = zm.zone_min(np.where(np.isfinite(share), share, np.inf), initial=np.inf)
    return congested, np.minimum(head_z, HEADROOM_UNCONSTRAINED_KW)


def _same(got: np.ndarray, want: np.ndarray) -> None:
    """Equal values, NaN at the same places, the same sign of every number (zeros too);
    a NaN's sign bit is left out (IEEE does not fix it)."""
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(got, want, equal_nan=True)
    number = ~np.isnan(got) if got.dtype.kind == "f" else np.ones(got.shape, dtype=bool)
    assert np.array_equal(np.signbit(got[number]), np.signbit(want[number]))


@st.composite
def _grids(draw: Any) -> tuple[ChargerCover, ZoneMap]:
    """A random cover (up to 12 elements × 40 chargers) and zones (up to 20, some empty)."""
    n_e, n_c, n_z = draw(st.integers(0, 12)), draw(st.integers(0, 40)), draw(st.integers(1, 20))
    dense = draw(st.booleans())  # many chargers per element: rows over many zones
    mask = draw(arrays(bool, (n_e, n_c), elements=st.booleans() if dense else st.just(False)))
    if not dense and n_e and n_c:
        for e in draw(st.lists(st.integers(0, n_e - 1), max_size=6)):
            mask[e, draw(st.integers(0, n_c - 1))] = True
    zone = draw(arrays(np.int64, n_c, elements=st.integers(-1, n_z - 1)))
    cover = ChargerCover.from_mask(mask.reshape(n_e, n_c))
    return cover, ZoneMap.build(cover, zone, n_z)


def _baseline(draw: Any, n_zone: int) -> np.ndarray | None:
    if draw(st.booleans()):
        return None
    return draw(arrays(float, n_zone, elements=_VALUES))


@settings(deadline=None, max_examples=300)
@given(grid=_grids(), data=st.data())
def test_share_data_is_the_numpy_formulation_bit_for_bit(grid, data) -> None:
    _, zm = grid
    base = _baseline(data.draw, zm.size.size)
    _same(zm.share_data(base), _share_data_reference(zm, base))


@settings(deadline=None, max_examples=300)
@given(
    grid=_grids(),
    data=st.data(),
    limit=st.sampled_from([100.0, 60.0, 0.0]),
    hyst=st.sampled_from([10.0, 0.0, 5.5]),
)
def test_traffic_light_is_the_numpy_formulation_bit_for_bit(grid, data, limit, hyst) -> None:
    cover, zm = grid
    n_e = cover.n_element
    loading = data.draw(arrays(float, n_e, elements=_VALUES))
    forecast = data.draw(st.one_of(st.none(), arrays(float, n_e, elements=_VALUES)))
    rating = data.draw(arrays(float, n_e, elements=st.sampled_from([0.0, 1.0, 250.0, 630.0])))
    base = _baseline(data.draw, zm.size.size)
    got = traffic_light(
        loading,
        forecast,
        rating_kva=rating,
        mask=cover,
        zone_map=zm,
        baseline_kw=base,
        loading_limit_pct=limit,
        hysteresis_pct=hyst,
    )
    fc = np.full(n_e, np.nan) if forecast is None else forecast
    congested, head_z = _traffic_light_reference(loading, fc, rating, cover, zm, base, limit, hyst)
    _same(got.congested_mask, congested)
    _same(got.headroom_kw, head_z)


def test_a_wide_row_is_summed_as_numpys_pairwise_dense_row() -> None:
    # a trafo over 17 zones: an in-order sum of its shares' weights rounds differently
    n_z = 17
    zm = ZoneMap.build(np.ones((1, n_z), dtype=bool), np.arange(n_z), n_z)
    base = np.array([1e16] + [1.0] * (n_z - 1))  # in order, every 1.0 rounds away
    in_order = 0.0
    for b in base:
        in_order += b
    assert np.sum(base) != in_order  # the case tells the two sums apart
    _same(zm.share_data(base), base / np.sum(base))
    _same(zm.share_data(base), _share_data_reference(zm, base))


def test_a_tie_between_signed_zero_headrooms_is_resolved_as_numpy_does() -> None:
    # unrated elements give headroom 0.0 and -0.0 (over the limit): numpy's vectorised
    # minimum of the zone's nine entries keeps the -0.0, an in-order minimum the 0.0
    mask = np.ones((9, 1), dtype=bool)
    cover, zm = ChargerCover.from_mask(mask), ZoneMap.build(mask, [0], 1)
    loading = np.array([1e300, 0.0] + [np.inf] * 7)
    got = traffic_light(loading, None, rating_kva=np.zeros(9), mask=cover, zone_map=zm)
    want = _traffic_light_reference(
        loading, np.full(9, np.nan), np.zeros(9), cover, zm, None, 100.0, 10.0
    )
    _same(got.headroom_kw, want[1])


@settings(deadline=None, max_examples=300)
@given(
    loading=arrays(float, st.integers(0, 12), elements=_VALUES | st.just(np.nan)),
    v=arrays(float, st.integers(0, 12), elements=st.sampled_from([0.0, 0.89, 0.9, 1.0, 1.1,
                                                               1.11, np.nan, np.inf, -np.inf])),
    limit=st.sampled_from([50.0, 60.0, 100.0, 1e300]),
)  # fmt: skip
def test_violation_counts_are_detects_counts(loading: Any, v: Any, limit: float) -> None:
    """The operator's two counts as :func:`controllers.dso.detection.detect` makes them, and
    the loadings that are not NaN."""
    found = detect(loading, v, loading_limit_pct=limit, v_min_pu=0.9, v_max_pu=1.1)
    got = violation_counts(loading, v, limit, 0.9, 1.1)
    assert got[:2] == (found.n_congested, found.n_v_violations)
    assert got == (
        int(np.count_nonzero(loading > limit)),
        int(np.count_nonzero((v < 0.9) | (v > 1.1))),
        int(np.count_nonzero(loading == loading)),
    )


def _add_hourly_reference(sums: Any, counts: Any, hour: int, add: Any) -> None:
    """``HourlyProfile.observe``'s numpy formulation (after the day's roll-over)."""
    row = sums[1, hour]
    row += add if math.isfinite(sum(add.tolist())) else np.nan_to_num(add)
    counts[1, hour, 0] += 1.0


@settings(deadline=None, max_examples=300)
@given(
    n=st.integers(0, 6),
    hour=st.integers(0, 23),
    data=st.data(),
)
def test_add_hourly_is_the_numpy_formulation(n: int, hour: int, data: st.DataObject) -> None:
    start = data.draw(arrays(float, (2, 24, n), elements=_VALUES | st.just(np.nan)))
    add = data.draw(arrays(float, n, elements=_VALUES | st.just(np.nan)))
    sums, counts = start.copy(), np.zeros((2, 24, 1))
    want_sums, want_counts = start.copy(), np.zeros((2, 24, 1))
    add_hourly(sums, counts, hour, add)
    _add_hourly_reference(want_sums, want_counts, hour, add)
    assert np.array_equal(sums, want_sums, equal_nan=True)
    number = ~np.isnan(sums)
    assert np.array_equal(np.signbit(sums[number]), np.signbit(want_sums[number]))
    assert np.array_equal(counts, want_counts)


def test_hourly_profile_takes_the_kernel_and_the_numpy_path_alike() -> None:
    """The planner's profile, from a float64 array (the kernel) or a list (numpy)."""
    fast, slow = HourlyProfile(3), HourlyProfile(3)
    rows = [[1.0, np.nan, 2.5], [np.inf, -0.0, 3.0], [1e308, 1e308, -np.inf], [4.0, 5.0, 6.0]]
    for i, row in enumerate(rows):
        for day, hour in ((0, 5), (0, 5), (1, 6), (3, 0)):
            fast.observe(day + i, hour, np.array(row))
            slow.observe(day + i, hour, list(row))
    assert np.array_equal(fast.of_day(fast.day), slow.of_day(slow.day), equal_nan=True)
    assert np.array_equal(fast.latest(), slow.latest(), equal_nan=True)
    assert np.array_equal(fast._sum, slow._sum, equal_nan=True)
