"""The aggregator's observation takes the fleet's read-only arrays as sent and copies any
other input (a source that may change its arrays after handing them out)."""

from __future__ import annotations

import numpy as np

from controllers.aggregator.observation_columns import column


def test_a_read_only_array_owning_its_data_is_taken_as_sent() -> None:
    sent = np.array([0.1, 0.2])
    sent.setflags(write=False)
    assert column(sent, 2, np.dtype(np.float64), 0.0) is sent


def test_writable_views_and_other_dtypes_are_copied() -> None:
    writable = np.array([0.1, 0.2])
    got = column(writable, 2, np.dtype(np.float64), 0.0)
    writable[0] = 9.0  # the source reuses its array: the observation keeps its values
    assert got.tolist() == [0.1, 0.2]
    base = np.array([1.0, 2.0, 3.0])
    view = base[:2]
    view.setflags(write=False)  # read-only, but its base can still change
    assert column(view, 2, np.dtype(np.float64), 0.0) is not view
    ints = np.array([1, 0])
    ints.setflags(write=False)
    assert column(ints, 2, np.dtype(np.bool_), False).dtype == np.bool_


def test_an_unconnected_column_is_filled() -> None:
    got = column(None, 3, np.dtype(np.int64), -1)
    assert got.dtype == np.int64 and got.tolist() == [-1, -1, -1]
