"""Hypothesis: filling the cheapest steps costs what the scheduling LP costs, and meets needs."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.aggregator.cheapest import cheapest_fill_kw
from controllers.aggregator.lp import TIE_EUR_MWH, ScheduleProblem, solve_schedule

DT_H = 0.25


@st.composite
def problems(draw: st.DrawFn) -> ScheduleProblem:
    m = draw(st.integers(1, 5))
    horizon = draw(st.integers(1, 24))

    def column(elements: st.SearchStrategy) -> np.ndarray:
        return np.array(draw(st.lists(elements, min_size=m, max_size=m)))

    price = np.array(
        draw(st.lists(st.floats(-50.0, 300.0), min_size=horizon, max_size=horizon))
    ).round(1)
    window = column(st.integers(1, horizon)).astype(np.int64)
    p_hi = column(st.sampled_from([3.7, 7.4, 11.0]))
    eta = column(st.floats(0.8, 1.0))
    reach = p_hi * eta * DT_H * window
    need_req = reach * column(st.floats(0.0, 1.0))
    e_hi = need_req + column(st.floats(0.0, 20.0))
    return ScheduleProblem(
        price_eur_mwh=price,
        window=window,
        p_hi_kw=p_hi,
        eta=eta,
        need_req_kwh=need_req,
        e_hi_kwh=e_hi,
        e_lo_kwh=np.zeros(m),
        v2g=np.zeros(m, dtype=bool),
        dt_h=DT_H,
    )


def _cost(prob: ScheduleProblem, p_kw: np.ndarray) -> float:
    k = np.arange(prob.price_eur_mwh.size)
    return float(np.sum(p_kw * (prob.price_eur_mwh + TIE_EUR_MWH * k)[None, :] * prob.dt_h))


@settings(max_examples=100, deadline=None)
@given(problems())
def test_cheapest_fill_is_as_cheap_as_the_lp_and_feasible(prob: ScheduleProblem) -> None:
    p = cheapest_fill_kw(
        prob.price_eur_mwh,
        prob.window,
        prob.p_hi_kw,
        prob.eta,
        need_req_kwh=prob.need_req_kwh,
        e_hi_kwh=prob.e_hi_kwh,
        dt_h=prob.dt_h,
        tie_eur_mwh=TIE_EUR_MWH,
    )
    lp = solve_schedule(prob)
    assert lp.ok
    # feasible: power bounds, window, need met, never above e_hi
    assert (p >= 0.0).all() and (p <= prob.p_hi_kw[:, None] + 1e-9).all()
    outside = np.arange(p.shape[1])[None, :] >= prob.window[:, None]
    assert (p[outside] == 0.0).all()
    energy = p.sum(axis=1) * prob.eta * prob.dt_h
    assert (energy >= prob.need_req_kwh - 1e-9).all()
    assert (energy <= prob.e_hi_kwh + 1e-9).all()
    # optimal: the LP finds nothing cheaper (to its tolerance)
    # HiGHS may return -5e-8 kW (its feasibility tolerance): a cost of -1e-6 near zero
    assert _cost(prob, p) <= _cost(prob, lp.p_kw) + 1e-4 + 1e-6 * abs(_cost(prob, lp.p_kw))
