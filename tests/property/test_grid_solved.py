"""The lightsim2grid backend's test of a solution (the finite magnitudes that
``step_kernels.solved_branch_results`` reports, else the exact test, after an empty result
was taken for none) accepts exactly the voltages the test it replaced accepted: not empty,
every value finite."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.grid.step_kernels import solved_branch_results

PART = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, np.nan, np.inf, -np.inf, 1e308, -1.7976931348623157e308]),
    st.floats(-2.0, 2.0),
)


def _reference(v: np.ndarray) -> bool:
    """The test before: ``v.shape[0] == 0 or not np.isfinite(v).all()`` means failed."""
    return not (v.shape[0] == 0 or not np.isfinite(v).all())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # magnitudes and sums that overflow
@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(PART, PART), max_size=12))
def test_solved_is_the_finite_test_of_the_voltages(parts: list[tuple[float, float]]) -> None:
    v = np.array([complex(re, im) for re, im in parts], dtype=np.complex128)
    none = np.zeros(0)
    finite = solved_branch_results(np.abs(v), *(none,) * 18)[1]
    solved = v.shape[0] > 0 and (finite or bool(np.isfinite(v).all()))  # LightSimBackend
    assert solved == _reference(v)
