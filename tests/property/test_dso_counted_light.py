"""The DSO step's counts and traffic light in one compiled call
(:func:`controllers.dso.light_kernels.counted_light`, through
:meth:`controllers.dso.signals.LightPlan.counted`) agree bit for bit with the numpy
formulation of the two calls it replaced: the counts ``detect`` made and the traffic light
on the clipped baselines (positive finite ones as they are; zeros, -0.0, NaN and
infinities clipped first, by the general way)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from controllers.dso.light_kernels import counted_light
from controllers.dso.signals import LightPlan
from controllers.dso.zone_map import ZoneMap
from tests.property.test_dso_kernels import (
    _VALUES,
    _baseline,
    _grids,
    _same,
    _traffic_light_reference,
)

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

_V = st.sampled_from([0.0, 0.89, 0.9, 1.0, 1.1, 1.11, np.nan, np.inf, -np.inf])
_POSITIVE = st.one_of(st.sampled_from([1e-300, 0.5, 7.0, 1e300]), st.floats(1e-3, 1e4))


def _counts_reference(loading, v, limit):
    return (
        int(np.count_nonzero(loading > limit)),
        int(np.count_nonzero((v < 0.9) | (v > 1.1))),
        int(np.count_nonzero(loading == loading)),
    )


@settings(deadline=None, max_examples=400)
@given(
    grid=_grids(),
    data=st.data(),
    limit=st.sampled_from([100.0, 60.0, 0.0]),
    hyst=st.sampled_from([10.0, 0.0, 5.5]),
)
def test_counted_is_the_counts_and_the_numpy_light(grid, data, limit, hyst) -> None:
    cover, zm = grid
    n_e = cover.n_element
    loading = data.draw(arrays(float, n_e, elements=_VALUES))
    forecast = data.draw(st.one_of(st.none(), arrays(float, n_e, elements=_VALUES)))
    rating = data.draw(arrays(float, n_e, elements=st.sampled_from([0.0, 1.0, 250.0, 630.0])))
    v = data.draw(arrays(float, st.integers(0, 9), elements=_V))
    way = data.draw(st.sampled_from(["compiled", "compiled", "any"]))
    if way == "compiled":  # positive finite baselines: taken as they are
        base = data.draw(arrays(float, zm.size.size, elements=_POSITIVE))
    else:  # unknown, or any values: clipped first where they need it
        base = _baseline(data.draw, zm.size.size)
    plan = LightPlan(
        rating_kva=rating, mask=cover, zone_map=zm, loading_limit_pct=limit, hysteresis_pct=hyst
    )
    counts, (congested, head_z) = plan.counted(loading, forecast, base, v, (0.9, 1.1))
    assert counts == _counts_reference(loading, v, limit)
    fc = np.full(n_e, np.nan) if forecast is None else forecast
    want = _traffic_light_reference(loading, fc, rating, cover, zm, base, limit, hyst)
    _same(congested, want[0])
    _same(head_z, want[1])


@pytest.mark.parametrize("bad", [0.0, -0.0, -1.0, np.nan, np.inf, -np.inf])
def test_a_baseline_to_clip_is_left_to_the_general_way(bad: float) -> None:
    mask = np.array([[True, True]])
    plan = LightPlan(
        rating_kva=[100.0],
        mask=mask,
        zone_map=ZoneMap.build(mask, [0, 1], 2),
        loading_limit_pct=60.0,
    )
    zm, cover = plan.zone_map, plan.cover
    loading, v = np.array([50.0]), np.array([1.0])
    args = (loading, np.full(1, np.nan), v, 0.9, 1.1, np.array([100.0]), 60.0, 10.0,
            cover.indptr, cover.indices, 2, zm.ptr, zm.zone, zm.entry_fraction,
            zm.entry_by_count)  # fmt: skip
    tail = (zm.zone_ptr, zm.by_zone)
    assert counted_light(*args, np.array([3.0, 5.0]), True, *tail)[3]
    assert not counted_light(*args, np.array([3.0, bad]), True, *tail)[3]
    assert counted_light(*args, np.zeros(2), False, *tail)[3]  # unknown: shares by count
    counts, light = plan.counted(loading, None, np.array([3.0, bad]), v, (0.9, 1.1))
    want = _traffic_light_reference(
        loading, np.full(1, np.nan), np.array([100.0]), cover, zm, np.array([3.0, bad]), 60.0, 10.0
    )
    assert counts == (0, 0, 1)
    _same(light[0], want[0])
    _same(light[1], want[1])
