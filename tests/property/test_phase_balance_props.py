"""Invariants of the phase balancer (hypothesis): caps within ratings, weak phase first."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.phase_balance import PhaseBalanceModel, PhaseBalanceParams, PhaseObservation

N = 8
phases = st.lists(st.sampled_from([-1, 0, 1, 2]), min_size=N, max_size=N)
buses = st.lists(st.integers(0, 3), min_size=N, max_size=N)
ratings = st.lists(st.sampled_from([3.7, 7.4, 11.0, 22.0]), min_size=N, max_size=N)
volts = st.tuples(*(st.floats(0.85, 1.05) for _ in range(3)))
draws = st.lists(st.floats(0.0, 1.0), min_size=N, max_size=N)  # share of the rating
steps = st.lists(st.tuples(volts, draws), min_size=1, max_size=12)
params = st.builds(
    PhaseBalanceParams,
    rule=st.booleans(),
    max_unbalance_kva=st.floats(1.0, 10.0),
    gain_kw_per_pu=st.floats(50.0, 5000.0),
    release_share=st.floats(0.05, 1.0),
)


def _obs(v: tuple[float, float, float], p_kw: np.ndarray) -> PhaseObservation:
    return PhaseObservation(v_abc_pu=np.tile(v, (p_kw.size, 1)), p_kw=p_kw)


@settings(max_examples=150, deadline=None)
@given(phases, buses, ratings, steps, params)
def test_caps_never_exceed_ratings_and_hold_each_group_to_its_cap(
    phase, bus, rating, sequence, prm
) -> None:
    rated = np.asarray(rating)
    model = PhaseBalanceModel(phase, bus, rated, params=prm)
    for v, share in sequence:
        p = np.asarray(share) * rated
        state = model.step(_obs(v, p))
        assert np.all(state.p_limit_kw >= 0.0)
        assert np.all(state.p_limit_kw <= rated + 1e-9)  # never raised above a rating
        assert np.all(state.p_limit_kw <= model.base_limit_kw + 1e-9)  # nor above the rule
        # the last draw under the new caps fits each capped group
        for g in np.flatnonzero(np.isfinite(state.cap_kw)):
            members = model.group == g
            held = np.minimum(p[members], state.p_limit_kw[members]).sum()
            assert held <= state.cap_kw[g] + 1e-6


@settings(max_examples=150, deadline=None)
@given(phases, buses, ratings, volts, draws, params)
def test_only_low_phases_are_curtailed_and_three_phase_chargers_last(
    phase, bus, rating, v, share, prm
) -> None:
    rated = np.asarray(rating)
    model = PhaseBalanceModel(phase, bus, rated, params=prm)
    p = np.asarray(share) * rated
    state = model.step(_obs(v, p))
    cut = state.p_limit_kw < model.base_limit_kw - 1e-9
    low = np.asarray(v) < prm.v_min_pu
    grp = model.group
    for g in range(3):  # a healthy phase keeps its chargers, whatever the others need
        if not low[g]:
            assert not cut[grp == g].any()
    if cut[grp == 3].any():  # three-phase chargers only once a low phase has nothing left
        assert any(low[g] and state.cap_kw[g] == 0.0 for g in range(3))


@settings(max_examples=150, deadline=None)
@given(volts, st.floats(0.1, 1.0), params)
def test_lowest_voltage_phase_is_curtailed_first(v, share, prm) -> None:
    # the same chargers on each phase, drawing the same: the weakest phase keeps the least
    phase = [0, 1, 2] * 2
    model = PhaseBalanceModel(phase, [0, 1, 2, 3, 4, 5], 7.4, params=prm)
    p = np.full(6, share * 7.4)
    state = model.step(_obs(v, p))
    kept = np.minimum(state.cap_kw[:3], p[:3] * 2)
    order = np.argsort(v, kind="stable")
    assert np.all(np.diff(kept[order]) >= -1e-9)
