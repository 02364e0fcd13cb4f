"""The writer's double buffer of rows: every series a block of columns of two shared matrices.

A run records dozens of series each step. One-column series (a scenario's scalar outputs)
are the columns of one matrix, array series (one column per bus, EV...) blocks of columns of
another, so a row of all of them is stored with one assignment each (:meth:`store_columns`,
:meth:`store_arrays`) instead of one numpy store per series; every series still has its own
buffer (a view of its columns) that the writer writes out as its dataset. The two halves are
swapped at each flush: one fills while the other is written.

The matrices are exactly as wide as their series: they are sized when first used after
series were added (a run declares its series in its first row, all at once), so a batch of
new series costs one copy, and no spare capacity is held (on the MV+LV grid a doubled
matrix of array series cost ~240 MB).
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
        self._live: Buffers = {}
        self._spare: Buffers = {}
        #: one-column series -> their column of the shared matrices
        self._columns: dict[str, int] = {}
        #: array series -> their columns (start, stop) of the array matrices
        self._spans: dict[str, tuple[int, int]] = {}
        #: columns of the array series, the length of :meth:`store_arrays`' values
        self.width = 0
        self._shared = np.full((rows, 0), np.nan, dtype=dtype)
        self._shared_spare = self._shared.copy()
        self._arrays = self._shared.copy()
        self._arrays_spare = self._shared.copy()
        #: whether series were added since the matrices were last sized
        self._stale = False

    def add(self, key: str, n: int, *, array: bool = False) -> None:
        """Buffers for series ``key`` of ``n`` columns: a column of the shared matrices for
        ``n == 1`` unless ``array``, else columns of the array matrices (both sized, with
        the views of every series renewed, when next used)."""
        if n != 1 or array:
            self._spans[key] = (self.width, self.width + n)
            self.width += n
        else:
            self._columns[key] = len(self._columns)
        self._stale = True

    @property
    def live(self) -> Buffers:
        """Each series' buffer in the half being filled."""
        if self._stale:
            self._size()
        return self._live

    @property
    def spare(self) -> Buffers:
        """Each series' buffer in the other half."""
        if self._stale:
            self._size()
        return self._spare

    def _size(self) -> None:
        """The matrices as wide as the series added so far (rows kept, new columns NaN),
        and every series' views renewed."""
        self._stale = False
        n_columns = len(self._columns)
        self._shared = _resized(self._shared, n_columns)
        self._shared_spare = _resized(self._shared_spare, n_columns)
        self._arrays = _resized(self._arrays, self.width)
        self._arrays_spare = _resized(self._arrays_spare, self.width)
        for k, c in self._columns.items():
            self._live[k] = self._shared[:, c : c + 1]
            self._spare[k] = self._shared_spare[:, c : c + 1]
        for k, (a, b) in self._spans.items():
            self._live[k] = self._arrays[:, a:b]
            self._spare[k] = self._arrays_spare[:, a:b]

    def column(self, key: str) -> int | None:
        """Where one-column series ``key`` goes in :meth:`store_columns` (None: an array)."""
        return self._columns.get(key)

    def span(self, key: str) -> tuple[int, int] | None:
        """Where array series ``key`` goes in :meth:`store_arrays` (None: one column)."""
        return self._spans.get(key)

    def store_columns(self, row: int, values: Sequence[float]) -> None:
        """Row ``row`` of the first ``len(values)`` one-column series."""
        if self._stale:
            self._size()
        self._shared[row, : len(values)] = values

    def store_arrays(self, row: int, values: NDArray[np.float64]) -> None:
        """Row ``row`` of every array series, their rows end to end in ``values`` (in the
        order of :meth:`span`)."""
        if self._stale:
            self._size()
        self._arrays[row, : len(values)] = values

    def clear_row(self, row: int) -> None:
        """NaN in row ``row`` of every series (a row whose values could not all be stored)."""
        if self._stale:
            self._size()
        self._shared[row] = np.nan
        self._arrays[row] = np.nan

    def swap(self) -> Buffers:
        """The filled half, handed over for writing; the other half fills from now on."""
        if self._stale:
            self._size()
        filled = self._live
        self._live, self._spare = self._spare, self._live
        self._shared, self._shared_spare = self._shared_spare, self._shared
        self._arrays, self._arrays_spare = self._arrays_spare, self._arrays
        return filled

    def clear_spare(self, rows: int) -> None:
        """NaN in the first ``rows`` rows of the half handed over by :meth:`swap`, once
        written (every series' buffer is a view of the two matrices)."""
        self._shared_spare[:rows] = np.nan
        self._arrays_spare[:rows] = np.nan


def _resized(matrix: NDArray[np.floating], width: int) -> NDArray[np.floating]:
    """``matrix`` with ``width`` columns: its own first, then NaN ones."""
    if matrix.shape[1] == width:
        return matrix
    out = np.full((matrix.shape[0], width), np.nan, dtype=matrix.dtype)
    out[:, : matrix.shape[1]] = matrix
    return out
