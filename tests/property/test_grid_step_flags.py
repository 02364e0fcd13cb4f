"""The generators' "unchanged" flag of the grid step's load kernels, against numpy.

``fill_injections`` and ``place_injections`` also say whether the generators'
part of the background is, bit for bit, what the buffer held before (then the lightsim2grid
backend need not send it again): the reference compares the buffer's bytes before and after
the numpy fill.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.grid.model import background_totals
from simulators.grid.step_kernels import (
    branch_results,
    fill_injections,
    place_injections,
    solved_branch_results,
)
from tests.property.test_grid_kernels import _fill_injections_ref, _same, _values


def _sgen_same_ref(before: np.ndarray, after: np.ndarray, n_bg: int) -> bool:
    """Whether the generators' part (after both load parts) kept its bytes, no NaN in it."""
    old, new = before[2 * n_bg :], after[2 * n_bg :]
    return old.tobytes() == new.tobytes() and not np.isnan(new).any()


def _case(data: st.DataObject, n_bg: int, n_sgen: int, n_types: int):
    """A profile row, its type index and scale, and a background buffer as the last step
    left it: often the same row (the night's zeros), else other values."""
    n = 2 * n_bg + n_sgen
    row = data.draw(_values(n_types))
    type_idx = np.array(
        data.draw(st.lists(st.integers(0, n_types - 1), min_size=n, max_size=n)), dtype=np.int64
    )
    scale = data.draw(_values(n))
    with np.errstate(all="ignore"):
        same_row = _fill_injections_ref(
            row, type_idx, scale, np.zeros(0), np.zeros(0), n_bg, n_sgen
        )
    background = same_row[0].copy()
    if data.draw(st.booleans()):  # another last step: some values differ (or flip a sign)
        k = data.draw(st.integers(0, max(n - 1, 0))) if n else 0
        if n:
            other = data.draw(st.sampled_from([0.0, -0.0, 1.0, np.nan, -1.5]))
            background[k] = np.float32(other)
    return row, type_idx, scale, background


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 6), st.integers(0, 4), st.integers(0, 8), st.integers(1, 4), st.data())
def test_fill_injections_says_whether_the_generators_kept_their_bits(
    n_bg, n_sgen, n_bus, n_types, data
) -> None:
    row, type_idx, scale, background = _case(data, n_bg, n_sgen, n_types)
    p_inj, q_inj = (data.draw(_values(n_bus)) for _ in "pq")
    before = background.copy()
    with np.errstate(all="ignore"):
        want = _fill_injections_ref(row, type_idx, scale, p_inj, q_inj, n_bg, n_sgen)
        loads = (np.full(n_bg + n_bus, 7.0, dtype=np.float32) for _ in "pq")
        same = fill_injections(row, type_idx, scale, p_inj, q_inj, background, *loads)
    assert _same(background, want[0])
    assert same == _sgen_same_ref(before, want[0], n_bg)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 6), st.integers(0, 4), st.integers(1, 8), st.integers(1, 4), st.data())
def test_place_injections_passes_the_flag_on(n_bg, n_sgen, n_bus, n_types, data) -> None:
    row, type_idx, scale, background = _case(data, n_bg, n_sgen, n_types)
    n = data.draw(st.integers(0, 10))
    rows = np.array(data.draw(st.lists(st.integers(0, n_bus - 1), min_size=n, max_size=n)))
    p_kw, q_kvar = (data.draw(_values(n)) for _ in "pq")
    before = background.copy()
    with np.errstate(all="ignore"):
        want = _fill_injections_ref(row, type_idx, scale, np.zeros(0), np.zeros(0), n_bg, n_sgen)
        bus = (np.full(n_bus, 7.0) for _ in "pq")
        loads = (np.full(n_bg + n_bus, 7.0, dtype=np.float32) for _ in "pq")
        same = place_injections(
            row, type_idx, scale, rows.astype(np.int64), p_kw, q_kvar, *bus, background, *loads
        )
    assert same == _sgen_same_ref(before, want[0], n_bg)


def _totals_ref(row, type_idx, scale, n_bg, n_sgen, load_on, sgen_on) -> tuple[float, float]:
    """``GridModel._solve``'s totals of one row, as they were written: the loads' and the
    generators' float32 dot with the in-service flags (``bool.astype(float32)``)."""
    background, load_p, _ = _fill_injections_ref(
        row, type_idx, scale, np.zeros(0), np.zeros(0), n_bg, n_sgen
    )
    sgen_p = background[2 * n_bg :]
    return float(load_p[:n_bg] @ load_on) * 1e3, float(sgen_p @ sgen_on) * 1e3


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.integers(0, 6), st.integers(30, 140)),
    st.integers(0, 40),
    st.integers(1, 4),
    st.integers(1, 5),
    st.data(),
)
def test_background_totals_are_each_rows_numpy_dot(n_bg, n_sgen, n_types, n_rows, data) -> None:
    n = 2 * n_bg + n_sgen
    finite = data.draw(st.booleans())  # else a NaN or inf hides how the dot sums
    table = np.array([data.draw(_values(n_types, finite=finite)) for _ in range(n_rows)])
    table = table.reshape(n_rows, n_types)
    type_idx = np.array(
        data.draw(st.lists(st.integers(0, n_types - 1), min_size=n, max_size=n)), dtype=np.int64
    )
    scale = data.draw(_values(n, lo=-10.0, hi=10.0, finite=finite))
    flags = st.lists(st.booleans(), min_size=n_bg + n_sgen, max_size=n_bg + n_sgen)
    on = np.array(data.draw(flags), dtype=bool).astype(np.float32)
    load_on, sgen_on = on[:n_bg], on[n_bg:]
    with np.errstate(all="ignore"):
        want = [
            _totals_ref(table[r], type_idx, scale, n_bg, n_sgen, load_on, sgen_on)
            for r in range(n_rows)
        ]
        got = background_totals(table, type_idx, scale, n_bg, load_on, sgen_on)
    assert len(got) == n_rows
    for g, w in zip(got, want, strict=True):
        assert _same(np.array(g), np.array(w))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 12), st.integers(0, 12), st.integers(0, 3), st.data())
def test_solved_branch_results_are_branch_results_and_the_finite_test(
    n_bus, n_line, n_trafo, data
) -> None:
    vm = data.draw(_values(n_bus, lo=0.0, hi=2.0))
    line = [data.draw(_values(n_line)) for _ in range(4)]
    trafo = [data.draw(_values(n_trafo)) for _ in range(4)]
    ratings = [data.draw(_values(n, lo=0.0, hi=110.0)) for n in (n_line, n_trafo, n_trafo, n_trafo)]
    sizes = (n_line, n_trafo, n_line, n_trafo, n_line, n_trafo)
    want, got = ([np.empty(n) for n in sizes] for _ in "wg")
    with np.errstate(all="ignore"):
        losses = branch_results(*line, *trafo, *ratings, *want)
        got_losses, finite = solved_branch_results(vm, *line, *trafo, *ratings, *got)
    assert finite == bool(np.isfinite(vm).all())
    assert all(_same(g, w) for g, w in zip(got, want, strict=True))
    assert _same(np.array([got_losses]), np.array([losses]))
