"""Hypothesis: the closed-form rule profile equals the step-by-step rule it replaced."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from controllers.aggregator.baseline import asap_plan_kw, rule_profile_kw
from controllers.aggregator.policy import must_run_kw

TOL = 1e-9


def loop_profile_kw(
    need_kwh: NDArray[np.float64],
    p_hi_kw: NDArray[np.float64],
    eta: NDArray[np.float64],
    steps: NDArray[np.int64],
    *,
    allowed: NDArray[np.bool_],
    dt_h: float,
) -> NDArray[np.float64]:
    """The former implementation: one pass per step, vectorised over EVs (reference)."""
    n, horizon = need_kwh.size, allowed.size
    out = np.zeros((n, horizon))
    need = need_kwh.astype(float).copy()
    for k in range(horizon):
        left = steps - k
        p = np.where(allowed[k], p_hi_kw, 0.0)
        p = np.maximum(p, must_run_kw(need, p_hi_kw, eta, left, dt_h))
        p = np.where(left > 0, np.minimum(p, np.maximum(need, 0.0) / (eta * dt_h)), 0.0)
        out[:, k] = p
        need -= p * eta * dt_h
    return out


@st.composite
def fleets(draw: st.DrawFn) -> dict:
    n = draw(st.integers(1, 8))
    horizon = draw(st.integers(1, 40))

    def column(elements: st.SearchStrategy) -> NDArray:
        return np.array(draw(st.lists(elements, min_size=n, max_size=n)))

    return {
        "need_kwh": column(st.floats(-5.0, 120.0, allow_nan=False)),
        "p_hi_kw": column(st.sampled_from([0.0, 1.4, 3.7, 7.4, 11.0, 22.0])),
        "eta": column(st.floats(0.5, 1.0)),
        "steps": column(st.integers(1, 60)).astype(np.int64),
        "allowed": np.array(draw(st.lists(st.booleans(), min_size=horizon, max_size=horizon))),
        "dt_h": draw(st.sampled_from([0.25, 1.0 / 12.0, 1.0])),
    }


@settings(max_examples=300, deadline=None)
@given(fleets())
def test_closed_form_equals_the_step_loop(f: dict) -> None:
    expected = loop_profile_kw(**f)
    got = rule_profile_kw(**f)
    np.testing.assert_allclose(got, expected, rtol=0.0, atol=TOL)


@settings(max_examples=300, deadline=None)
@given(fleets())
def test_asap_aggregate_equals_the_summed_loop_profile(f: dict) -> None:
    horizon = f["allowed"].size
    f["allowed"] = np.ones(horizon, dtype=bool)
    expected = loop_profile_kw(**f).sum(axis=0)
    got = asap_plan_kw(
        f["need_kwh"], f["p_hi_kw"], f["eta"], f["steps"], horizon=horizon, dt_h=f["dt_h"]
    )
    np.testing.assert_allclose(got, expected, rtol=0.0, atol=TOL)


def test_latest_start_then_full_power_when_nothing_is_allowed() -> None:
    one = np.ones(1)
    got = rule_profile_kw(
        np.array([2.5]), one, one, np.array([5]), allowed=np.zeros(6, bool), dt_h=1.0
    )
    assert got.tolist() == [[0.0, 0.0, 0.5, 1.0, 1.0, 0.0]]
