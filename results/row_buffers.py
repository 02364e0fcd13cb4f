"""The writer's double buffer of rows: every series a block of columns of two shared matrices.

A run records dozens of series each step. One-column series (a scenario's scalar outputs)
are the columns of one matrix, array series (one column per bus, EV...) blocks of columns of
another, so a row of all of them is stored with one assignment each (:meth:`store_columns`,
:meth:`store_arrays`) instead of one numpy store per series; every series still has its own
buffer (a view of its columns) that the writer writes out as its dataset. The two halves are
swapped at each flush: one fills while the other is written.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["RowBuffers"]

Buffers = dict[str, NDArray[np.floating]]


class RowBuffers:
    """NaN-filled buffers of ``rows`` rows per series, in two halves (``live``, ``spare``)."""

    def __init__(self, rows: int, dtype: type[np.floating]) -> None:
        self.rows, self.dtype = rows, dtype
        self.live: Buffers = {}
        self.spare: Buffers = {}
        #: one-column series -> their column of the shared matrices
        self._columns: dict[str, int] = {}
        self._shared = np.full((rows, 0), np.nan, dtype=dtype)
        self._shared_spare = self._shared.copy()
        #: array series -> their columns (start, stop) of the array matrices
        self._spans: dict[str, tuple[int, int]] = {}
        self._arrays = self._shared.copy()
        self._arrays_spare = self._shared.copy()
        #: columns of the array series, the length of :meth:`store_arrays`' values
        self.width = 0

    def add(self, key: str, n: int, *, array: bool = False) -> None:
        """Buffers for series ``key`` of ``n`` columns: a column of the shared matrices for
        ``n == 1`` unless ``array``, else columns of the array matrices (both widened, with
        the views of every series renewed, when full)."""
        if n != 1 or array:
            self._add_array(key, n)
            return
        col = self._columns[key] = len(self._columns)
        renewed = {key: col}
        if col == self._shared.shape[1]:
            width = max(16, 2 * col)
            self._shared = _widened(self._shared, width)
            self._shared_spare = _widened(self._shared_spare, width)
            renewed = self._columns  # the old matrices' views: every column anew
        for k, c in renewed.items():
            self.live[k] = self._shared[:, c : c + 1]
            self.spare[k] = self._shared_spare[:, c : c + 1]

    def _add_array(self, key: str, n: int) -> None:
        start = self.width
        self.width = start + n
        self._spans[key] = (start, start + n)
        renewed = {key: self._spans[key]}
        if start + n > self._arrays.shape[1]:
            width = max(16, 2 * (start + n))
            self._arrays = _widened(self._arrays, width)
            self._arrays_spare = _widened(self._arrays_spare, width)
            renewed = self._spans  # the old matrices' views: every series anew
        for k, (a, b) in renewed.items():
            self.live[k] = self._arrays[:, a:b]
            self.spare[k] = self._arrays_spare[:, a:b]

    def column(self, key: str) -> int | None:
        """Where one-column series ``key`` goes in :meth:`store_columns` (None: an array)."""
        return self._columns.get(key)

    def span(self, key: str) -> tuple[int, int] | None:
        """Where array series ``key`` goes in :meth:`store_arrays` (None: one column)."""
        return self._spans.get(key)

    def store_columns(self, row: int, values: Sequence[float]) -> None:
        """Row ``row`` of the first ``len(values)`` one-column series."""
        self._shared[row, : len(values)] = values

    def store_arrays(self, row: int, values: NDArray[np.float64]) -> None:
        """Row ``row`` of every array series, their rows end to end in ``values`` (in the
        order of :meth:`span`)."""
        self._arrays[row, : len(values)] = values

    def clear_row(self, row: int) -> None:
        """NaN in row ``row`` of every series (a row whose values could not all be stored)."""
        self._shared[row, : len(self._columns)] = np.nan
        self._arrays[row, : self.width] = np.nan

    def swap(self) -> Buffers:
        """The filled half, handed over for writing; the other half fills from now on."""
        filled = self.live
        self.live, self.spare = self.spare, self.live
        self._shared, self._shared_spare = self._shared_spare, self._shared
        self._arrays, self._arrays_spare = self._arrays_spare, self._arrays
        return filled

    def clear_spare(self, rows: int) -> None:
        """NaN in the first ``rows`` rows of the half handed over by :meth:`swap`, once
        written (every series' buffer is a view of the two matrices)."""
        self._shared_spare[:rows, : len(self._columns)] = np.nan
        self._arrays_spare[:rows, : self.width] = np.nan  # (the columns past them stay NaN)


def _widened(shared: NDArray[np.floating], width: int) -> NDArray[np.floating]:
    """``shared`` with NaN columns added up to ``width``."""
    out = np.full((shared.shape[0], width), np.nan, dtype=shared.dtype)
    out[:, : shared.shape[1]] = shared
    return out
