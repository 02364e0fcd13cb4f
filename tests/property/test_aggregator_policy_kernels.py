"""The aggregator's compiled charger levels give the bits of the numpy code they replaced
(``policy_kernels.charger_levels`` behind :func:`to_charger_levels`)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.aggregator.policy import to_charger_levels
from tests.property.test_aggregator_kernels import _same, _values


def _levels_ref(p_set_kw, p_step_kw, p_min_kw, p_rated_kw):
    p = np.asarray(p_set_kw, dtype=float)
    charging = p > 0
    stepped = p
    if p_step_kw is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            stepped = np.where(p_step_kw > 0, np.ceil(p / p_step_kw - 1e-9) * p_step_kw, p)
    if p_min_kw is not None:
        stepped = np.maximum(stepped, p_min_kw)
    return np.where(charging, np.minimum(stepped, p_rated_kw), p)


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 30), st.booleans(), st.booleans(), st.data())
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_charger_levels_equal_numpy(
    n: int, stepped: bool, floored: bool, data: st.DataObject
) -> None:
    p_set = data.draw(_values(n, -11.0, 22.0))
    # steps of whole amperes on 1 or 3 phases, or arbitrary; minimums; ratings
    p_step = data.draw(_values(n, -0.1, 1.0)) if stepped else None
    p_min = data.draw(_values(n, -1.0, 5.0)) if floored else None
    p_rated = data.draw(_values(n, 0.0, 22.0))
    got = to_charger_levels(p_set, p_step, p_min, p_rated)
    assert _same(got, _levels_ref(p_set, p_step, p_min, p_rated))


def test_charger_levels_on_iec_61851_steps() -> None:
    """0.23 kW per ampere on one phase, 0.69 kW on three: levels that round (not exact)."""
    rng = np.random.default_rng(0)
    n = 1000
    p_set = np.where(rng.random(n) < 0.8, rng.uniform(-11.0, 22.0, n), np.nan)
    p_step = rng.choice([0.0, 0.23, 0.69], n)
    p_min = 6.0 * p_step
    p_rated = rng.choice([3.7, 11.0, 22.0], n)
    got = to_charger_levels(p_set, p_step, p_min, p_rated)
    assert _same(got, _levels_ref(p_set, p_step, p_min, p_rated))
