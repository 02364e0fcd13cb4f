"""The writer's double buffer of rows: one array per series, the one-column series shared.

A run records dozens of one-column series (a scenario's scalar outputs). Their buffers are
the columns of one matrix, so a row of all of them is stored with one assignment
(:meth:`RowBuffers.store_columns`) instead of one numpy store each; every series still has
its own buffer (a column view for a one-column series) that the writer writes out as its
dataset. The two halves are swapped at each flush: one fills while the other is written.
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

    def add(self, key: str, n: int) -> None:
        """Buffers for series ``key`` of ``n`` columns (a column of the shared matrices for
        ``n == 1``: widened, with the views of every column renewed, when full)."""
        if n != 1:
            self.live[key] = np.full((self.rows, n), np.nan, dtype=self.dtype)
            self.spare[key] = np.full_like(self.live[key], np.nan)
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

    def column(self, key: str) -> int | None:
        """Where one-column series ``key`` goes in :meth:`store_columns` (None: several)."""
        return self._columns.get(key)

    def store_columns(self, row: int, values: Sequence[float]) -> None:
        """Row ``row`` of the first ``len(values)`` one-column series."""
        self._shared[row, : len(values)] = values

    def swap(self) -> Buffers:
        """The filled half, handed over for writing; the other half fills from now on."""
        filled = self.live
        self.live, self.spare = self.spare, self.live
        self._shared, self._shared_spare = self._shared_spare, self._shared
        return filled


def _widened(shared: NDArray[np.floating], width: int) -> NDArray[np.floating]:
    """``shared`` with NaN columns added up to ``width``."""
    out = np.full((shared.shape[0], width), np.nan, dtype=shared.dtype)
    out[:, : shared.shape[1]] = shared
    return out
