"""Water-filling valley plans against the scheduling LP: same valley cost, needs met, bounds."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.aggregator.lp import ScheduleProblem, ValleyTerms, solve_schedule
from controllers.aggregator.water_fill import (
    best_response_kw,
    concentrate_first_step_kw,
    valley_fill_kw,
)

H = 12


def _valley_cost(levels: np.ndarray, load: np.ndarray) -> float:
    width = np.append(np.diff(levels), np.inf)
    over = np.clip(load[:, None] - levels[None, :], 0.0, width[None, :])
    return float((over * np.arange(1, levels.size + 1)).sum())


@st.composite
def fleets(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    m = draw(st.integers(1, 6))
    bg = np.array(draw(st.lists(st.floats(0.0, 20.0), min_size=H, max_size=H)))
    window = np.array(draw(st.lists(st.integers(1, H), min_size=m, max_size=m)))
    p_hi = np.array(draw(st.lists(st.floats(1.0, 11.0), min_size=m, max_size=m)))
    share = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=m, max_size=m)))
    return bg, window, p_hi, share * p_hi * window


def test_breakpoints_closer_than_rounding_still_place_the_whole_need() -> None:
    """A base of 3e-131 beside zeros once made the level search miscount its slope."""
    base = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 3.01869016e-131])
    x = best_response_kw(base, p_hi_kw=1.0, energy_kw_steps=4.5)
    assert abs(x.sum() - 4.5) < 1e-9
    np.testing.assert_allclose(x, [1, 1, 1, 0.1, 0.1, 0.1, 0.1, 0.1, 1], atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(fleets())
def test_water_filling_reaches_the_lp_valley_cost_and_a_peak_no_higher(fleet) -> None:
    bg, window, p_hi, energy = fleet
    res = valley_fill_kw(bg, window, p_hi, energy_kw_steps=energy, tol_kw=1e-9)
    x = res.p_kw
    assert res.converged
    np.testing.assert_allclose(x.sum(axis=1), energy, atol=1e-6)  # every need met
    assert (x >= -1e-12).all() and (x <= p_hi[:, None] + 1e-9).all()
    assert not x[np.arange(H)[None, :] >= window[:, None]].any()
    load = bg + x.sum(axis=0)
    levels = np.linspace(bg.min(), bg.max() + p_hi.sum(), 24)
    m = window.size
    prob = ScheduleProblem(
        price_eur_mwh=np.zeros(H), window=window, p_hi_kw=p_hi, eta=np.ones(m),
        need_req_kwh=energy, e_hi_kwh=energy, e_lo_kwh=np.zeros(m), v2g=np.zeros(m, bool),
        dt_h=1.0, valley=ValleyTerms(bg_kw=bg, level_kw=levels),
    )  # fmt: skip
    lp = solve_schedule(prob)
    assert lp.ok
    load_lp = bg + lp.p_kw.sum(axis=0)
    cost_lp = _valley_cost(levels, load_lp)
    assert _valley_cost(levels, load) <= cost_lp + 1e-6 * max(1.0, cost_lp)
    assert load.max() <= load_lp.max() + 1e-6
    assert load @ load <= load_lp @ load_lp + 1e-6 * max(1.0, load_lp @ load_lp)


@settings(max_examples=60, deadline=None)
@given(fleets())
def test_concentrating_step_0_keeps_every_total_and_bound(fleet) -> None:
    bg, window, p_hi, energy = fleet
    x = valley_fill_kw(bg, window, p_hi, energy_kw_steps=energy).p_kw
    y = concentrate_first_step_kw(x, window, p_hi)
    np.testing.assert_allclose(y.sum(axis=1), x.sum(axis=1), atol=1e-9)
    np.testing.assert_allclose(y.sum(axis=0), x.sum(axis=0), atol=1e-9)
    assert (y >= -1e-9).all() and (y <= p_hi[:, None] + 1e-9).all()
    assert not y[np.arange(H)[None, :] >= window[:, None]].any()
    tol = 1e-6
    part_before = ((x[:, 0] > tol) & (x[:, 0] < p_hi - tol)).sum()
    part_after = ((y[:, 0] > tol) & (y[:, 0] < p_hi - tol)).sum()
    assert part_after <= part_before
