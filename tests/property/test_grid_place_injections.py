"""The grid step's one-source kernel (``place_injections``) gives bit for bit what the
adapter's zeroed bus arrays, ``np.add.at`` per input and the numpy loads gave."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.grid.step_kernels import place_injections

EDGE = [0.0, -0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 1e-300, 5e-324, 3.5e38, 1e-45]


def _same(got: np.ndarray, want: np.ndarray) -> bool:
    """Equal values and dtypes, NaN where NaN, and the same sign of every zero."""
    num = ~np.isnan(want)
    return (
        got.dtype == want.dtype
        and np.array_equal(got, want, equal_nan=True)
        and np.array_equal(np.signbit(got[num]), np.signbit(want[num]))
    )


def _values(n: int, *, lo: float = -1e9, hi: float = 1e9) -> st.SearchStrategy[np.ndarray]:
    element = st.one_of(st.sampled_from(EDGE), st.floats(lo, hi))
    return st.lists(element, min_size=n, max_size=n).map(lambda v: np.array(v, dtype=float))


def _reference(row, type_idx, scale, rows, p_kw, q_kvar, n_bus, n_bg, n_sgen):
    """The numpy code: GridSim.step's fill and np.add.at, then GridModel.step's loads."""
    p, q = np.zeros(n_bus), np.zeros(n_bus)
    p.fill(0.0)
    q.fill(0.0)
    np.add.at(p, rows, p_kw)
    np.add.at(q, rows, q_kvar)
    background = np.zeros(2 * n_bg + n_sgen, dtype=np.float32)
    np.multiply(row.take(type_idx), scale, out=background, casting="same_kind")
    load_p, load_q = (np.zeros(n_bg + n_bus, dtype=np.float32) for _ in "pq")
    load_p[:n_bg] = background[:n_bg]
    load_q[:n_bg] = background[n_bg : 2 * n_bg]
    load_p[n_bg:] = p
    load_q[n_bg:] = q
    load_p[n_bg:] *= 1e-3
    load_q[n_bg:] *= 1e-3
    return p, q, background, load_p, load_q


@settings(max_examples=400, deadline=None)
@given(
    st.integers(0, 8),
    st.integers(0, 4),
    st.integers(1, 12),
    st.integers(0, 30),
    st.integers(1, 5),
    st.data(),
)
def test_place_injections_is_add_at_then_the_numpy_loads(
    n_bg: int, n_sgen: int, n_bus: int, n: int, n_types: int, data: st.DataObject
) -> None:
    m = 2 * n_bg + n_sgen
    row = data.draw(_values(n_types, lo=-1e6, hi=1e6))
    type_idx = np.array(
        data.draw(st.lists(st.integers(0, n_types - 1), min_size=m, max_size=m)), dtype=np.int64
    )
    scale = data.draw(_values(m, lo=-1e6, hi=1e6))
    rows = np.array(
        data.draw(st.lists(st.integers(0, n_bus - 1), min_size=n, max_size=n)), dtype=np.int64
    )
    p_kw, q_kvar = data.draw(_values(n)), data.draw(_values(n))
    with np.errstate(all="ignore"):
        want = _reference(row, type_idx, scale, rows, p_kw, q_kvar, n_bus, n_bg, n_sgen)
        got = (
            np.full(n_bus, 7.0),  # the bus arrays hold the last step's sums
            np.full(n_bus, -7.0),
            np.full(m, 7.0, dtype=np.float32),
            *(np.full(n_bg + n_bus, 7.0, dtype=np.float32) for _ in "pq"),
        )
        place_injections(row, type_idx, scale, rows, p_kw, q_kvar, *got)
    for g, w in zip(got, want, strict=True):
        assert _same(g, w)
