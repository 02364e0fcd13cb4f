"""A row counts once all its values are stored: a step that fails (or is interrupted) while
its row is stored leaves no row and no value behind."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from results.writer import RunWriter, SeriesSpec


def test_a_row_that_fails_to_store_leaves_nothing(tmp_path: Path) -> None:
    w = RunWriter(tmp_path / "run.h5", buffer_steps=8, flush_s=1e9)
    w.declare("a", SeriesSpec("g", "a", 2, ["x", "y"]), array=True)
    w.declare("b", SeriesSpec("g", "b", 3, ["x", "y", "z"]))
    w.declare("s", SeriesSpec("g", "s", 1, ["x"]))
    w.write_row(0, {}, [1.0], np.arange(5.0))
    with pytest.raises(ValueError, match="broadcast"):
        w.write_row(900, {"b": [1.0, 2.0]}, [2.0], np.arange(5.0) + 10)  # b: one value short
    assert w.rows == 1 and w.last_time_s == 0
    w.write_row(900, {"b": [7.0, 8.0, 9.0]})
    w.close("complete")
    with h5py.File(tmp_path / "run.h5", "r") as f:
        assert f["time_s"][:].tolist() == [0, 900]
        np.testing.assert_array_equal(f["g/a"][:], [[0.0, 1.0], [np.nan, np.nan]])
        np.testing.assert_array_equal(f["g/b"][:], [[2.0, 3.0, 4.0], [7.0, 8.0, 9.0]])
        np.testing.assert_array_equal(f["g/s"][:, 0], [1.0, np.nan])
