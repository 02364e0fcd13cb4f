"""delivered_kw skips nan_to_num when the difference is finite: the same bits as always
replacing, for NaN, infinities, sums that overflow, signed zeros, empty and 0-d inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from simulators.flex_market.orders import Direction
from simulators.flex_market.settlement import delivered_kw

VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e308, -1e308, 1.7976931348623157e308]),
)


def _reference(direction: Direction, base: np.ndarray, meter: np.ndarray) -> np.ndarray:
    """The formula before the fast path: nan_to_num of the difference every time."""
    diff = base - meter if direction == Direction.DOWN else meter - base
    return np.nan_to_num(diff, nan=0.0)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # inf - inf, overflowing sums
@settings(max_examples=400, deadline=None)
@given(
    direction=st.sampled_from(list(Direction)),
    shape=st.sampled_from([(), (0,), (1,), (2,), (4,), (9,)]),
    data=st.data(),
)
def test_delivered_kw_is_nan_to_num_of_the_difference(
    direction: Direction, shape: tuple[int, ...], data: st.DataObject
) -> None:
    base = data.draw(hnp.arrays(np.float64, shape, elements=VALUES))
    meter = data.draw(hnp.arrays(np.float64, shape, elements=VALUES))
    got, want = delivered_kw(direction, base, meter), _reference(direction, base, meter)
    assert np.shape(got) == np.shape(want)
    assert np.array_equal(got, want, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(want))
