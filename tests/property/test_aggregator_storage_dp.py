"""Hypothesis: the V2G slope DP is feasible and costs exactly what the scheduling LP costs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.aggregator.lp import TIE_EUR_MWH, ScheduleProblem, solve_schedule
from controllers.aggregator.storage_dp import solve_separable

DT_H = 0.25
# objectives are compared to 1e-6 relative; the absolute floor covers objectives near 0,
# where HiGHS's feasibility tolerance (1e-7 kWh) times a price shows (units EUR/MWh * kWh)


@st.composite
def problems(draw: st.DrawFn, *, low_price: float = -50.0) -> ScheduleProblem:
    m = draw(st.integers(1, 5))
    horizon = draw(st.integers(1, 24))

    def column(elements: st.SearchStrategy) -> np.ndarray:
        return np.array(draw(st.lists(elements, min_size=m, max_size=m)))

    price = np.array(
        draw(st.lists(st.floats(low_price, 300.0), min_size=horizon, max_size=horizon))
    ).round(1)
    window = column(st.integers(1, horizon)).astype(np.int64)
    p_hi = column(st.sampled_from([3.7, 7.4, 11.0]))
    eta = column(st.floats(0.8, 1.0))
    reach = p_hi * eta * DT_H * window
    need_req = reach * column(st.floats(0.0, 1.0))
    v2g = column(st.booleans())
    return ScheduleProblem(
        price_eur_mwh=price,
        window=window,
        p_hi_kw=p_hi,
        eta=eta,
        need_req_kwh=need_req,
        e_hi_kwh=need_req + column(st.floats(0.0, 20.0)),
        e_lo_kwh=np.where(v2g, -column(st.floats(0.0, 30.0)), 0.0),
        v2g=v2g,
        dt_h=DT_H,
        wear_eur_mwh=draw(st.sampled_from([0.0, 40.0])),
    )


@settings(max_examples=150, deadline=None)
@given(problems())
def test_slope_dp_has_the_lp_objective(prob: ScheduleProblem) -> None:
    lp, dp = solve_schedule(prob), solve_separable(prob)
    assert lp.ok and dp.ok
    assert dp.objective == pytest.approx(lp.objective, rel=1e-6, abs=1e-4)
    np.testing.assert_allclose(dp.shortfall_kwh, 0.0, atol=1e-9)  # every need is reachable


@settings(max_examples=150, deadline=None)
@given(problems(low_price=0.0))
def test_slope_dp_schedule_is_feasible(prob: ScheduleProblem) -> None:
    # with prices >= 0 an EV never charges and discharges in one step: net power says it all
    p = solve_separable(prob).p_kw
    assert (np.abs(p) <= prob.p_hi_kw[:, None] + 1e-9).all()
    assert (p[~prob.v2g] >= 0.0).all()
    outside = np.arange(p.shape[1])[None, :] >= prob.window[:, None]
    assert (p[outside] == 0.0).all()
    eta = prob.eta[:, None]
    level = np.cumsum(np.where(p >= 0, p * eta, p / eta) * prob.dt_h, axis=1)
    # the DP drops amounts below 1e-9 kWh per step as round-off: allow a few of them
    assert (level >= prob.e_lo_kwh[:, None] - 1e-8).all()
    assert (level <= prob.e_hi_kwh[:, None] + 1e-8).all()
    assert (level[:, -1] >= prob.need_req_kwh - 1e-8).all()
    k = np.arange(p.shape[1])
    cost = prob.dt_h * np.sum(
        np.maximum(p, 0.0) * (prob.price_eur_mwh + TIE_EUR_MWH * k)
        + np.maximum(-p, 0.0) * (prob.wear_eur_mwh - prob.price_eur_mwh + TIE_EUR_MWH * k)
    )
    assert cost == pytest.approx(solve_schedule(prob).objective, rel=1e-6, abs=1e-4)


def test_coupled_problem_is_refused() -> None:
    prob = ScheduleProblem(
        price_eur_mwh=np.ones(2),
        window=np.array([2]),
        p_hi_kw=np.ones(1),
        eta=np.ones(1),
        need_req_kwh=np.zeros(1),
        e_hi_kwh=np.ones(1),
        e_lo_kwh=np.zeros(1),
        v2g=np.zeros(1, bool),
        dt_h=1.0,
        cap_kw=np.ones(2),
    )
    with pytest.raises(ValueError, match="cap_kw=None"):
        solve_separable(prob)
