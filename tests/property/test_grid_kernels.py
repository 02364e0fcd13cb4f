"""The grid step's compiled loops agree bit for bit with the numpy code they replaced.

Each reference below is the numpy code the step ran before its loop was compiled
(``simulators.grid.step_kernels``): same floating-point operations, so the values must be
identical (signed zeros and float32 rounding included): a run keeps its datasets.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.grid.step_kernels import add_at, branch_results, fill_injections

EDGE = [0.0, -0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 1e-300, 5e-324, 3.5e38, 1e-45]
SQRT3 = float(np.sqrt(3.0))


def _same(got: np.ndarray, want: np.ndarray) -> bool:
    """Equal values and dtypes, NaN where NaN (its sign bit is the hardware's choice), and
    the same sign of every zero."""
    num = ~np.isnan(want)
    return (
        got.dtype == want.dtype
        and np.array_equal(got, want, equal_nan=True)
        and np.array_equal(np.signbit(got[num]), np.signbit(want[num]))
    )


def _values(
    n: int, *, lo: float = -1e6, hi: float = 1e6, finite: bool = False
) -> st.SearchStrategy[np.ndarray]:
    edges = [x for x in EDGE if np.isfinite(x)] if finite else EDGE
    element = st.one_of(st.sampled_from(edges), st.floats(lo, hi))
    return st.lists(element, min_size=n, max_size=n).map(lambda v: np.array(v, dtype=float))


def _branch_results_ref(p1, p2, a1, a2, tp1, tp2, ta1, ta2, imax, vn_hv, vn_lv, rating):
    line_pct = np.maximum(a1, a2)
    line_pct /= imax
    line_pct *= 100.0
    s_side = np.maximum(ta1 * vn_hv * SQRT3, ta2 * vn_lv * SQRT3)
    trafo_pct = s_side / rating * 100.0
    total = np.add.reduce
    losses = (total(p1) + total(p2) + total(tp1) + total(tp2)) * 1e3
    return line_pct, trafo_pct, p1 * 1e3, tp1 * 1e3, a1.copy(), ta1.copy(), float(losses)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.integers(0, 12), st.integers(120, 700)), st.integers(0, 4), st.data())
def test_branch_results_are_the_numpy_loadings_and_losses(n_line, n_trafo, data) -> None:
    finite = data.draw(st.booleans())  # else a NaN or inf hides how the losses are summed
    line = [data.draw(_values(n_line, finite=finite)) for _ in range(4)]
    trafo = [data.draw(_values(n_trafo)) for _ in range(4)]
    imax = data.draw(_values(n_line, lo=0.0, hi=2.0))
    vn_hv, vn_lv, rating = (data.draw(_values(n_trafo, lo=0.0, hi=110.0)) for _ in "hlr")
    for arr in (*line, *trafo):  # lightsim2grid's results are read-only views
        arr.flags.writeable = False
    args = (*line[:2], *line[2:], *trafo[:2], *trafo[2:], imax, vn_hv, vn_lv, rating)
    p1, p2, a1, a2 = line
    tp1, tp2, ta1, ta2 = trafo
    with np.errstate(all="ignore"):
        want = _branch_results_ref(p1, p2, a1, a2, tp1, tp2, ta1, ta2, imax, vn_hv, vn_lv, rating)
        got = [np.empty(n) for n in (n_line, n_trafo, n_line, n_trafo, n_line, n_trafo)]
        losses = branch_results(*args, *got)
    for g, w in zip(got, want[:-1], strict=True):
        assert _same(g, w)
    assert _same(np.array([losses]), np.array([want[-1]]))


def _fill_injections_ref(row, type_idx, scale, p_inj, q_inj, n_bg, n_sgen):
    background = np.zeros(2 * n_bg + n_sgen, dtype=np.float32)
    np.multiply(row.take(type_idx), scale, out=background, casting="same_kind")
    load_p, load_q = (np.zeros(n_bg + p_inj.size, dtype=np.float32) for _ in "pq")
    load_p[:n_bg] = background[:n_bg]
    load_q[:n_bg] = background[n_bg : 2 * n_bg]
    load_p[n_bg:] = p_inj
    load_q[n_bg:] = q_inj
    load_p[n_bg:] *= 1e-3
    load_q[n_bg:] *= 1e-3
    return background, load_p, load_q


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10), st.integers(0, 4), st.integers(0, 12), st.integers(1, 5), st.data())
def test_fill_injections_is_the_numpy_row_and_copies(n_bg, n_sgen, n_bus, n_types, data) -> None:
    n = 2 * n_bg + n_sgen
    row = data.draw(_values(n_types))
    type_idx = np.array(
        data.draw(st.lists(st.integers(0, n_types - 1), min_size=n, max_size=n)), dtype=np.int64
    )
    scale = data.draw(_values(n))
    p_inj, q_inj = (data.draw(_values(n_bus, lo=-1e9, hi=1e9)) for _ in "pq")
    with np.errstate(all="ignore"):
        want = _fill_injections_ref(row, type_idx, scale, p_inj, q_inj, n_bg, n_sgen)
        got = (
            np.full(n, 7.0, dtype=np.float32),
            *(np.full(n_bg + n_bus, 7.0, dtype=np.float32) for _ in "pq"),
        )
        fill_injections(row, type_idx, scale, p_inj, q_inj, *got)
    for g, w in zip(got, want, strict=True):
        assert _same(g, w)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 12), st.integers(0, 30), st.booleans(), st.data())
def test_add_at_is_numpy_add_at(n_bus, n, column, data) -> None:
    rows = np.array(data.draw(st.lists(st.integers(0, n_bus - 1), min_size=n, max_size=n)))
    rows = rows.astype(np.int64)
    values = data.draw(_values(n))
    start = data.draw(_values(3 * n_bus)).reshape(n_bus, 3)  # a phase column: strided
    want, got = start.copy(), start.copy()
    target = (lambda a: a[:, 1]) if column else (lambda a: a.reshape(-1)[:n_bus])
    with np.errstate(all="ignore"):
        np.add.at(target(want), rows, values)
        add_at(target(got), rows, values)
    assert _same(got, want)
