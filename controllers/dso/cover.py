"""Which chargers lie downstream of which element, as a sparse (E, C) structure built once.

Replaces a dense element × charger mask (quadratic in grid size) with a CSR matrix and its
transpose; the per-step questions of the DSO (chargers behind congested elements, capped
chargers per element, tightest upstream share per charger) are answered in O(nnz) or less.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

__all__ = ["ChargerCover", "as_cover", "segment_reduce"]


@dataclass(frozen=True)
class ChargerCover:
    """Charger ``c`` is downstream of element ``e``, stored sparsely.

    Attributes
    ----------
    matrix : scipy.sparse.csr_array of bool (E, C)
        Row ``e`` lists the chargers downstream of element ``e`` (sorted indices).
    nesting : tuple of ndarray of int ((E,), (C,)), optional
        When the elements' downstream sets are nested or disjoint (a radial tree): the next
        enclosing element of each element and the innermost element over each charger (-1:
        none); parallel elements are chained in row order. Speeds up :meth:`min_upstream`.
    by_charger : scipy.sparse.csr_array of bool (C, E)
        The transpose: row ``c`` lists the elements upstream of charger ``c``.
    indptr, indices : ndarray of int (E + 1,), (nnz,)
        :attr:`matrix`'s row pointers and chargers as int64 (the compiled loops' one
        signature).
    spans : tuple of ndarray of int ((C,), (E,), (E,)) or None
        When every row is a run of consecutive chargers in one order of the chargers (a
        radial tree, chargers in depth-first order): that order and each row's run
        ``[lo, hi)`` in it. Looked for once, when :meth:`row_sums` first needs it (None
        before; an empty tuple when there is no such order).

    Examples
    --------
    >>> cov = ChargerCover.from_mask([[True, True, False], [False, True, False]])
    >>> cov.count().tolist(), cov.chargers(0).tolist(), cov.any_of([False, True]).tolist()
    ([2, 1], [0, 1], [False, True, False])
    >>> cov.min_upstream(np.array([5.0, 3.0])).tolist()
    [5.0, 3.0, inf]
    >>> cov.row_sums(np.array([1.0, 2.0, 4.0])).tolist()
    [3.0, 2.0]
    """

    matrix: sp.csr_array
    nesting: tuple[NDArray[np.int64], NDArray[np.int64]] | None = field(default=None, repr=False)
    by_charger: sp.csr_array = field(init=False, repr=False)
    indptr: NDArray[np.int64] = field(init=False, repr=False, compare=False)
    indices: NDArray[np.int64] = field(init=False, repr=False, compare=False)
    spans: tuple[NDArray[np.int64], ...] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        m = sp.csr_array(self.matrix, dtype=bool)
        m.sort_indices()
        t = sp.csr_array(m.T)
        t.sort_indices()
        object.__setattr__(self, "matrix", m)
        object.__setattr__(self, "by_charger", t)
        object.__setattr__(self, "indptr", m.indptr.astype(np.int64))
        object.__setattr__(self, "indices", m.indices.astype(np.int64))

    @classmethod
    def from_mask(cls, mask: ArrayLike | sp.sparray | sp.spmatrix) -> ChargerCover:
        """From a dense or sparse (E, C) boolean mask."""
        if sp.issparse(mask):
            return cls(sp.csr_array(mask, dtype=bool))
        return cls(sp.csr_array(np.atleast_2d(np.asarray(mask, dtype=bool))))

    @classmethod
    def from_intervals(
        cls,
        start: NDArray[np.int64],
        stop: NDArray[np.int64],
        position: NDArray[np.int64],
    ) -> ChargerCover:
        """Element ``e`` covers the chargers whose ``position`` lies in ``[start[e], stop[e])``.

        Parameters
        ----------
        start, stop : ndarray of int (E,)
            Interval of DFS positions downstream of each element (empty when equal).
        position : ndarray of int (C,)
            DFS position of each charger's bus (-1: unreached, covered by nothing).
        """
        pos = np.asarray(position, dtype=np.int64).reshape(-1)
        order = np.argsort(pos, kind="stable")
        sorted_pos = pos[order]
        lo = np.searchsorted(sorted_pos, np.asarray(start, np.int64), side="left")
        hi = np.searchsorted(sorted_pos, np.asarray(stop, np.int64), side="left")
        count = np.maximum(hi - lo, 0)
        indptr = np.concatenate([[0], np.cumsum(count)]).astype(np.int64)
        indices = order[_ranges(lo, count)]
        data = np.ones(indices.size, dtype=bool)
        matrix = sp.csr_array((data, indices, indptr), shape=(start.size, pos.size))
        nesting = _nesting(np.asarray(start, np.int64), np.asarray(stop, np.int64), pos)
        return cls(matrix, nesting, (order, lo.astype(np.int64), (lo + count).astype(np.int64)))

    @property
    def shape(self) -> tuple[int, int]:
        """(E, C)."""
        return (int(self.matrix.shape[0]), int(self.matrix.shape[1]))

    @property
    def n_element(self) -> int:
        """Number of elements E."""
        return self.shape[0]

    @property
    def n_charger(self) -> int:
        """Number of chargers C."""
        return self.shape[1]

    def toarray(self) -> NDArray[np.bool_]:
        """Dense (E, C) mask (for tests and small grids only)."""
        return np.asarray(self.matrix.toarray(), dtype=bool)

    def count(self) -> NDArray[np.int64]:
        """Number of chargers downstream of each element, (E,)."""
        return np.diff(self.matrix.indptr).astype(np.int64)

    def chargers(self, element: int) -> NDArray[np.int64]:
        """Indices of the chargers downstream of one element row, ascending."""
        ptr = self.matrix.indptr
        return self.matrix.indices[ptr[element] : ptr[element + 1]].astype(np.int64)

    def any_of(self, selected: ArrayLike) -> NDArray[np.bool_]:
        """Charger lies downstream of at least one selected element, (C,)."""
        sel = np.flatnonzero(np.asarray(selected, dtype=bool).reshape(-1))
        out = np.zeros(self.n_charger, dtype=bool)
        if sel.size == 0:
            return out
        ptr = self.matrix.indptr
        out[self.matrix.indices[_ranges(ptr[sel], ptr[sel + 1] - ptr[sel])]] = True
        return out

    def count_where(self, flag: ArrayLike) -> NDArray[np.int64]:
        """Number of flagged chargers downstream of each element, (E,)."""
        hit = np.asarray(flag, dtype=bool).reshape(-1)[self.matrix.indices]
        cum = np.concatenate([[0], np.cumsum(hit, dtype=np.int64)])
        ptr = self.matrix.indptr
        return cum[ptr[1:]] - cum[ptr[:-1]]

    def row_sums(self, per_charger: ArrayLike) -> NDArray[np.float64]:
        """Sum of a per-charger quantity over the chargers downstream of each element, (E,).

        With :attr:`spans` a difference of two prefix sums per element, O(C + E), instead
        of the O(nnz) sparse product (on a radial grid nnz is C times the depth); the sums
        then differ from the product's in rounding only.
        """
        x = np.asarray(per_charger, dtype=float).reshape(-1)
        spans = self._spans()
        if spans is None:
            return np.asarray(self.matrix.astype(float) @ x, dtype=float)
        order, lo, hi = spans
        prefix = np.zeros(x.size + 1)
        np.cumsum(x[order], out=prefix[1:])
        return prefix[hi] - prefix[lo]

    def _spans(self) -> tuple[NDArray[np.int64], ...] | None:
        """:attr:`spans`, looked for on the first call (``()`` marks "looked, none")."""
        if self.spans is None:
            object.__setattr__(self, "spans", _find_spans(self.matrix, self.by_charger) or ())
        return self.spans or None

    def min_upstream(
        self, value: NDArray[np.float64], *, initial: float = np.inf
    ) -> NDArray[np.float64]:
        """Smallest ``value[e]`` over the elements upstream of each charger, (C,).

        Chargers behind no element get ``initial``.
        """
        value = np.asarray(value, dtype=float)
        if self.nesting is not None:
            parent, inner = self.nesting
            top = parent.size  # a virtual top element above all, its own parent
            eff = np.append(value, initial)
            up = np.append(np.where(parent >= 0, parent, top), top)
            while (up != top).any():  # pointer jumping: log2(depth) rounds
                eff = np.minimum(eff, eff[up])
                up = up[up]
            got = eff[np.where(inner >= 0, inner, top)]
            return np.minimum(got, initial)
        t = self.by_charger
        return segment_reduce(np.minimum, value[t.indices], t.indptr, initial=initial)


def as_cover(mask: ChargerCover | ArrayLike | sp.sparray | sp.spmatrix) -> ChargerCover:
    """``mask`` itself when it is a :class:`ChargerCover`, else one built from the (E, C) mask."""
    return mask if isinstance(mask, ChargerCover) else ChargerCover.from_mask(mask)


def segment_reduce(
    ufunc: np.ufunc, values: NDArray, indptr: NDArray[np.int64], *, initial: float
) -> NDArray[np.float64]:
    """``ufunc`` over each segment ``values[indptr[i]:indptr[i+1]]`` and ``initial``, (n,).

    >>> segment_reduce(np.maximum, np.array([1.0, 4.0, 2.0]), np.array([0, 2, 2, 3]),
    ...     initial=0.0).tolist()
    [4.0, 0.0, 2.0]
    """
    ptr = np.asarray(indptr, dtype=np.int64)
    out = np.full(ptr.size - 1, initial, dtype=float)
    full = ptr[1:] > ptr[:-1]
    if full.any():
        out[full] = ufunc(ufunc.reduceat(values, ptr[:-1][full]), initial)
    return out


def _nesting(
    start: NDArray[np.int64], stop: NDArray[np.int64], position: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Enclosing element of each element and innermost element over each position.

    Intervals ``[start, stop)`` must be nested or disjoint. Sorted by start, then size
    descending, then row, every interval follows the ones enclosing it (equal intervals:
    the higher row inside the lower).
    """
    n = start.size
    parent = np.full(n, -1, dtype=np.int64)
    rows = np.flatnonzero(stop > start)
    rows = rows[np.lexsort((rows, start[rows] - stop[rows], start[rows]))]
    stack: list[int] = []
    for e in rows.tolist():
        while stack and start[e] >= stop[stack[-1]]:  # disjoint from the top: leave it
            stack.pop()
        parent[e] = stack[-1] if stack else -1
        stack.append(e)
    # innermost: the last interval (in that order) starting at or before the position,
    # or the nearest of its enclosing intervals that still reaches the position
    at = np.searchsorted(start[rows], position, side="right") - 1
    inner = np.where(at >= 0, rows[np.maximum(at, 0)], -1)
    inner[position < 0] = -1
    while True:
        out = (inner >= 0) & (stop[np.maximum(inner, 0)] <= position)
        if not out.any():
            return parent, inner
        inner[out] = parent[inner[out]]


def _find_spans(
    matrix: sp.csr_array, by_charger: sp.csr_array
) -> tuple[NDArray[np.int64], ...] | None:
    """An order of the chargers in which every row of ``matrix`` is one run, or None.

    Rows that are nested or disjoint (a radial grid's downstream sets) have one: order the
    chargers by the chain of rows over them, outermost first (larger rows first, equal
    rows by index). Chargers under the same row share the start of their chains, so they
    sort next to each other. The order is checked, so any other cover gets None.
    """
    n_row, n_chg = matrix.shape
    count = np.diff(matrix.indptr)
    rank = np.empty(n_row, dtype=np.int64)
    rank[np.lexsort((np.arange(n_row), -count))] = np.arange(n_row)
    ptr, rows = by_charger.indptr, rank[by_charger.indices]
    entry_chg = np.repeat(np.arange(n_chg), np.diff(ptr))
    rows = rows[np.lexsort((rows, entry_chg))]  # each charger's chain, outermost first
    chains = np.split(rows, ptr[1:-1])
    order = np.array(sorted(range(n_chg), key=lambda c: chains[c].tolist()), dtype=np.int64)
    pos = np.empty(n_chg, dtype=np.int64)
    pos[order] = np.arange(n_chg)
    at = pos[matrix.indices]
    lo = segment_reduce(np.minimum, at, matrix.indptr, initial=n_chg).astype(np.int64)
    hi = segment_reduce(np.maximum, at, matrix.indptr, initial=-1).astype(np.int64) + 1
    empty = count == 0
    lo[empty], hi[empty] = 0, 0
    if not np.array_equal(hi - lo, count):
        return None
    return order, lo, hi


def _ranges(start: NDArray[np.int64], length: NDArray[np.int64]) -> NDArray[np.int64]:
    """Concatenation of ``arange(start[i], start[i] + length[i])`` for every i."""
    length = np.asarray(length, dtype=np.int64)
    total = int(length.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(length)
    offset = np.repeat(np.asarray(start, np.int64) - (ends - length), length)
    return np.arange(total, dtype=np.int64) + offset
