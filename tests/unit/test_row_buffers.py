"""The writer's row buffers: every series keeps its own values while the shared matrix of
the one-column series widens and the halves swap."""

from __future__ import annotations

import numpy as np

from results.row_buffers import RowBuffers


def test_one_column_series_keep_their_values_across_widening_and_swaps() -> None:
    buf = RowBuffers(3, np.float32)
    buf.add("wide", 2)
    for i in range(40):  # widens the shared matrices at 16 and 32 columns
        buf.add(f"s{i}", 1)
        buf.store_columns(0, [float(c) for c in range(i + 1)])
        buf.live["wide"][0] = [-1.0, -2.0]
    filled = buf.swap()
    buf.store_columns(1, [100.0 + c for c in range(40)])
    for i in range(40):
        assert buf.column(f"s{i}") == i
        np.testing.assert_array_equal(filled[f"s{i}"][:, 0], [i, np.nan, np.nan])
        np.testing.assert_array_equal(buf.live[f"s{i}"][:, 0], [np.nan, 100.0 + i, np.nan])
    np.testing.assert_array_equal(filled["wide"][0], [-1.0, -2.0])
    assert buf.column("wide") is None
