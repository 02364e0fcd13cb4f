"""The writer's array series: blocks of columns of one matrix, filled by one row of all of
them, that keep their values while the matrix widens and the halves swap."""

from __future__ import annotations

import numpy as np

from results.row_buffers import RowBuffers


def test_array_series_keep_their_values_across_widening_and_swaps() -> None:
    buf = RowBuffers(3, np.float32)
    buf.add("scalar", 1)
    widths = [1, 5, 2, 9, 1, 7]  # widens the array matrices at 16 and 32 columns
    for i, n in enumerate(widths):
        buf.add(f"a{i}", n, array=True)
        assert buf.span(f"a{i}") == (sum(widths[:i]), sum(widths[: i + 1]))
        buf.store_arrays(0, np.arange(buf.width, dtype=np.float64))
        buf.store_columns(0, [-1.0])
    assert buf.width == sum(widths) and buf.span("scalar") is None and buf.column("a0") is None
    filled = buf.swap()
    buf.store_arrays(1, -np.arange(buf.width, dtype=np.float64))
    for i in range(len(widths)):
        a, b = buf.span(f"a{i}")  # type: ignore[misc]
        np.testing.assert_array_equal(filled[f"a{i}"][0], np.arange(a, b))
        assert np.isnan(filled[f"a{i}"][1:]).all()
        np.testing.assert_array_equal(buf.live[f"a{i}"][1], -np.arange(a, b))
    np.testing.assert_array_equal(filled["scalar"][:, 0], [-1.0, np.nan, np.nan])
    buf.clear_spare(3)  # the written half: NaN again
    assert all(np.isnan(filled[key]).all() for key in filled)
