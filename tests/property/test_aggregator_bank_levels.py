"""A continuous bank's levels (one ``np.minimum``) give the bits of the charger-level rule
(``where(p > 0, minimum(p, rated), p)``, the compiled loop behind :func:`to_charger_levels`)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.aggregator.chargers import BankParams
from controllers.aggregator.policy import to_charger_levels
from tests.property.test_aggregator_kernels import _same, _values


def _bank(p_rated_kw: np.ndarray, *, p_step_kw: float = 0.0) -> BankParams:
    n = p_rated_kw.size
    return BankParams(
        p_rated_kw=p_rated_kw,
        efficiency=np.full(n, 0.92),
        bidirectional=np.zeros(n, dtype=bool),
        p_step_kw=np.full(n, p_step_kw),
        p_min_kw=np.zeros(n),
    )


@st.composite
def _ratings(draw: st.DrawFn, n: int) -> np.ndarray:
    """``n`` ratings > 0 (what a bank accepts), a few tiny or infinite."""
    rated = np.random.default_rng(draw(st.integers(0, 2**32))).uniform(0.5, 22.0, n)
    edges = st.sampled_from([5e-324, 1e-9, 11.0, np.inf])
    for i, v in draw(st.lists(st.tuples(st.integers(0, max(n - 1, 0)), edges), max_size=n)):
        rated[i] = v
    return rated


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 30), st.data())
def test_continuous_bank_levels_equal_the_charger_level_rule(n: int, data: st.DataObject) -> None:
    p_set = data.draw(_values(n, -11.0, 22.0))  # NaN, zeros of both signs, inf, ...
    rated = data.draw(_ratings(n))
    p_set[: n // 4] = rated[: n // 4]  # setpoints at the rating itself
    got = _bank(rated).levels(p_set)
    reference = np.where(p_set > 0, np.minimum(p_set, rated), p_set)
    assert _same(got, reference)
    assert _same(got, to_charger_levels(p_set, None, None, rated))
    assert got is not p_set  # a new array, as before


def test_continuous_bank_levels_keep_nan_zeros_and_discharge() -> None:
    rated = np.full(6, 11.0)
    p_set = np.array([np.nan, 0.0, -0.0, -7.0, 12.5, 4.2])
    got = _bank(rated).levels(p_set)
    assert _same(got, np.array([np.nan, 0.0, -0.0, -7.0, 11.0, 4.2]))


def test_a_stepped_bank_and_a_wrong_size_take_the_charger_level_rule() -> None:
    rated = np.full(3, 11.0)
    p_set = np.array([0.5, 4.2, np.nan])
    stepped = _bank(rated, p_step_kw=0.69).levels(p_set)
    assert _same(stepped, to_charger_levels(p_set, np.full(3, 0.69), None, rated))
    with pytest.raises(ValueError, match="one value per charger"):
        _bank(rated).levels(np.zeros(2))
