"""The moving plan window of the receding-horizon policies behaves as a plan re-allocated at
every step: shifts drop the first columns, widening keeps what is left and pads zeros."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.aggregator.plan_window import PlanWindow

_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("shift"), st.integers(0, 14)),
        st.tuples(st.just("widen"), st.integers(1, 12)),
        st.tuples(st.just("ev_count"), st.integers(1, 5)),
        st.tuples(st.just("write"), st.integers(0, 2**32 - 1)),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(_OPS)
def test_the_window_matches_a_plan_reallocated_at_every_step(ops) -> None:
    window, plan, n_ev = PlanWindow(), np.zeros((0, 0)), 3
    for op, arg in ops:
        if op == "shift":
            window.shift(arg)
            plan = plan[:, arg:]
        elif op == "ev_count":
            n_ev = arg
        elif op == "widen":  # the plain way: a new array, the kept columns, then zeros
            fresh = np.zeros((n_ev, arg))
            if plan.shape[0] == n_ev:
                width = min(arg, plan.shape[1])
                fresh[:, :width] = plan[:, :width]
            plan = fresh
            assert np.shares_memory(window.widen(n_ev, arg), window.plan)
        elif plan.size:  # a solve writes some rows
            rng = np.random.default_rng(arg)
            rows = rng.random(plan.shape[0]) < 0.5
            values = rng.uniform(0.0, 11.0, (int(rows.sum()), plan.shape[1]))
            window.plan[rows] = values
            plan[rows] = values
        assert window.plan.shape == plan.shape
        assert np.array_equal(window.plan, plan)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 3000), st.integers(1, 96), st.integers(0, 2**32 - 1))
def test_the_total_over_the_rows_that_hold_a_plan_is_the_whole_sum_bit_for_bit(
    n: int, horizon: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    window = PlanWindow()
    window.widen(n, horizon)
    window.shift(int(rng.integers(0, horizon + 1)))
    plan = window.widen(n, horizon)  # a window that may start anywhere in its buffer
    rows = rng.random(n) < rng.random()
    plan[rows] = rng.uniform(0.0, 22.0, (int(rows.sum()), horizon)) * 10.0 ** rng.integers(
        -6, 3, (int(rows.sum()), 1)
    )
    assert np.array_equal(window.total(rows), np.ascontiguousarray(plan).sum(axis=0))
