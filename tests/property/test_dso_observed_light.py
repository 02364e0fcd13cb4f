"""The DSO step's counts, traffic light and the records of the step in one compiled call
(:func:`controllers.dso.light_kernels.observed_light`, through
:meth:`controllers.dso.signals.LightPlan.observed`) agree bit for bit with the calls it
replaced: :meth:`LightPlan.counted`, then ``PersistenceForecast.observe``'s
``np.fmax(row, loading, out=row)`` when a loading was measured, then
``HourlyProfile.observe``'s add of the baselines (its numpy formulation)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from controllers.dso.planner import HourlyProfile
from controllers.dso.signals import NO_PROFILE, NO_ROW, LightPlan
from controllers.dso.vcc import PersistenceForecast
from tests.property.test_dso_kernels import (
    _VALUES,
    _add_hourly_reference,
    _baseline,
    _grids,
    _same,
)

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

_V = st.sampled_from([0.0, 0.89, 1.0, 1.11, np.nan])
#: the forecast row's values: NaN (not seen this hour yet), zeros of both signs, any
_ROW = st.one_of(st.sampled_from([np.nan, 0.0, -0.0, 60.0]), _VALUES)


def _plan(grid, data, limit):
    cover, zm = grid
    rating = data.draw(arrays(float, cover.n_element, elements=st.sampled_from([0.0, 250.0])))
    return LightPlan(rating_kva=rating, mask=cover, zone_map=zm, loading_limit_pct=limit)


@settings(deadline=None, max_examples=400)
@given(grid=_grids(), data=st.data(), limit=st.sampled_from([100.0, 60.0]))
def test_observed_is_counted_then_the_forecast_fmax_and_the_profile_add(grid, data, limit):
    plan = _plan(grid, data, limit)
    n_e, n_z = plan.cover.n_element, plan.zone_map.size.size
    loading = data.draw(arrays(float, n_e, elements=_VALUES | st.sampled_from([0.0, -0.0])))
    forecast = data.draw(st.one_of(st.none(), arrays(float, n_e, elements=_VALUES)))
    base = _baseline(data.draw, n_z)
    v = data.draw(arrays(float, st.integers(0, 5), elements=_V))
    take_row = data.draw(st.booleans())
    row = data.draw(arrays(float, n_e, elements=_ROW)) if take_row else NO_ROW
    add_at = data.draw(st.integers(0, 23)) if base is not None and data.draw(st.booleans()) else -1
    start = data.draw(arrays(float, (2, 24, n_z), elements=_VALUES))
    sums, counts = start.copy(), np.zeros((2, 24, 1))
    want_row, want_sums, want_counts = row.copy(), start.copy(), np.zeros((2, 24, 1))
    profile = (sums, counts) if add_at >= 0 else NO_PROFILE

    counts_got, light, seen = plan.observed(
        loading, forecast, base, v, (0.9, 1.1), row, profile, add_at
    )

    counts_want, light_want = plan.counted(loading, forecast, base, v, (0.9, 1.1))
    assert counts_got == counts_want
    _same(light[0], light_want[0])
    _same(light[1], light_want[1])
    tie = take_row and np.any(
        (want_row == 0.0) & (loading == 0.0) & (np.signbit(want_row) != np.signbit(loading))
    )
    assert seen == (take_row and counts_want[2] > 0 and not tie)
    if seen:  # the forecast's observe
        np.fmax(want_row, loading, out=want_row)
    _same(row, want_row)
    if add_at >= 0:  # the profile's observe
        _add_hourly_reference(want_sums, want_counts, add_at, base)
    _same(sums, want_sums)
    assert np.array_equal(counts, want_counts)
    assert NO_ROW.size == 0 and not NO_PROFILE[0].any() and not NO_PROFILE[1].any()


def test_the_row_and_the_hour_are_offered_only_without_a_new_day() -> None:
    """A first or new day is started by ``observe`` itself, not by the compiled call."""
    fc, prof = PersistenceForecast(2), HourlyProfile(2)
    base = np.array([1.0, 2.0])
    assert fc.row_of(0, 3) is None and prof.compiled_hour(0, 3, base) == -1
    fc.observe(0, 3, np.array([1.0, 2.0]))
    prof.observe(0, 3, base)
    assert np.shares_memory(fc.row_of(0, 4), fc._today[4]) and prof.compiled_hour(0, 4, base) == 4
    assert fc.row_of(1, 4) is None and prof.compiled_hour(1, 4, base) == -1
    assert prof.compiled_hour(0, 4, [1.0, 2.0]) == -1  # not an array: numpy's way
