"""How each zone's chargers sit behind each element: a sparse (E, Z) map built once.

The shares of an element's loading owed to each zone depend on the declared baselines, so
they change every step. They are computed on the map's nonzeros only, never by
renormalising a dense element × zone matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from .cover import ChargerCover, as_cover, segment_reduce

__all__ = ["ZoneMap"]


def _readonly(a: NDArray[np.float64]) -> NDArray[np.float64]:
    a.flags.writeable = False
    return a


#: rows with at most this many zones are summed exactly in any order (a + b == b + a)
_EXACT_ROW = 2
_FLOAT_MAX = np.finfo(float).max


class _SharedRows:
    """The entries of the rows (elements) that feed several zones: only their shares change.

    A row with one entry has share 1 whatever the baselines (``w / w`` for ``w > 0``, else
    by count), so :meth:`ZoneMap.share_data` renormalises only these rows.
    """

    def __init__(
        self,
        count: sp.csr_array,
        per_row: NDArray[np.int64],
        fraction: NDArray[np.float64],
        by_count: NDArray[np.float64],
    ) -> None:
        wide = np.flatnonzero(per_row > 1)
        n_entry = per_row[wide]
        self.indptr = np.concatenate([[0], np.cumsum(n_entry)]).astype(np.int64)
        starts = count.indptr[wide]
        # entry index of each entry of a wide row, in row order
        self.entry = np.repeat(starts - self.indptr[:-1], n_entry) + np.arange(self.indptr[-1])
        self.entry = self.entry.astype(np.int64)
        self.row = np.repeat(np.arange(wide.size, dtype=np.int64), n_entry)
        self.zone = count.indices[self.entry]
        self.fraction = fraction[self.entry]
        self.by_count = by_count[self.entry]
        self.n_zone = int(count.shape[1])
        # rows with more than two entries are summed as dense rows (see row_sums)
        multi = np.flatnonzero(n_entry > _EXACT_ROW)
        self.multi = multi
        self.multi_entry = np.flatnonzero(np.isin(self.row, multi))
        self.multi_local = np.searchsorted(multi, self.row[self.multi_entry])
        self.multi_zone = self.zone[self.multi_entry]
        # every entry in a dense-summed row, in order: w needs no gathering
        self.multi_all = np.array_equal(self.multi_entry, np.arange(self.row.size))

    def row_sums(self, w: NDArray[np.float64]) -> NDArray[np.float64]:
        """Row sums of the wide rows with entries ``w``, rounded as numpy's dense sum.

        Rows with two entries add exactly in any order; wider rows (trafos, MV lines) are
        summed as dense rows so the result is bit-identical to the dense sum.
        """
        if not self.multi.size:
            return segment_reduce(np.add, w, self.indptr, initial=0.0)
        buf = np.zeros((self.multi.size, self.n_zone))
        buf[self.multi_local, self.multi_zone] = w if self.multi_all else w[self.multi_entry]
        if self.multi.size == self.indptr.size - 1:  # every row summed densely, in row order
            return buf.sum(axis=1)
        total = segment_reduce(np.add, w, self.indptr, initial=0.0)
        total[self.multi] = buf.sum(axis=1)
        return total


@dataclass(frozen=True)
class ZoneMap:
    """Number of each zone's chargers behind each element (fixed at creation).

    Attributes
    ----------
    count : scipy.sparse.csr_array (E, Z)
        Number of the zone's chargers downstream of each element; stored entries are
        exactly the positive ones, with sorted indices.
    size : ndarray (Z,)
        Number of chargers in each zone.
    rows : ndarray of int (nnz,)
        Element row of each stored entry of :attr:`count`.
    """

    count: sp.csr_array
    size: NDArray[np.float64]
    rows: NDArray[np.int64] = field(init=False, repr=False)
    _by_zone: NDArray[np.int64] = field(init=False, repr=False)
    _zone_ptr: NDArray[np.int64] = field(init=False, repr=False)
    _shared: _SharedRows = field(init=False, repr=False)
    _by_count: NDArray[np.float64] = field(init=False, repr=False)
    _fraction: NDArray[np.float64] = field(init=False, repr=False)
    _every_zone_fed: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        count = sp.csr_array(self.count, dtype=float)
        count.eliminate_zeros()
        count.sort_indices()
        set_ = object.__setattr__
        set_(self, "count", count)
        set_(self, "size", np.asarray(self.size, dtype=float).reshape(-1))
        per_row = np.diff(count.indptr)
        set_(self, "rows", np.repeat(np.arange(count.shape[0], dtype=np.int64), per_row))
        set_(self, "_by_zone", np.argsort(count.indices, kind="stable").astype(np.int64))
        zone_n = np.bincount(count.indices, minlength=count.shape[1])
        set_(self, "_zone_ptr", np.concatenate([[0], np.cumsum(zone_n)]).astype(np.int64))
        set_(self, "_every_zone_fed", bool(zone_n.size and zone_n.min() > 0))
        # fixed per map: computed once, not at every step's shares()
        cnt = count.data
        total = segment_reduce(np.add, cnt, count.indptr, initial=0.0)  # integers: exact
        set_(self, "_by_count", _readonly(cnt / total[self.rows]))
        set_(self, "_fraction", _readonly(cnt / self.size[count.indices]))
        set_(self, "_shared", _SharedRows(count, per_row, self._fraction, self._by_count))

    @classmethod
    def build(
        cls,
        mask: ChargerCover | ArrayLike | sp.sparray,
        zone_of_charger: ArrayLike,
        n_zone: int,
    ) -> ZoneMap:
        """From the (E, C) downstream mask (or :class:`ChargerCover`) and each charger's zone.

        Zone -1: the charger is in no zone.

        >>> m = ZoneMap.build(np.array([[True, True, False]]), [0, 1, 1], 2)
        >>> m.fraction().toarray().tolist(), m.shares(None).toarray().tolist()
        ([[1.0, 0.5]], [[0.5, 0.5]])
        >>> m.shares([0.0, 6.0]).toarray().tolist()
        [[0.0, 1.0]]
        """
        cover = as_cover(mask)
        zc = np.asarray(zone_of_charger, dtype=np.int64).reshape(-1)
        inzone = np.flatnonzero(zc >= 0)
        onehot = sp.csr_array(
            (np.ones(inzone.size), (inzone, zc[inzone])), shape=(zc.size, int(n_zone))
        )
        count = sp.csr_array(cover.matrix.astype(float) @ onehot)
        size = np.bincount(zc[inzone], minlength=int(n_zone)).astype(float)
        return cls(count, size)

    @property
    def shape(self) -> tuple[int, int]:
        """(E, Z)."""
        return (int(self.count.shape[0]), int(self.count.shape[1]))

    @property
    def behind(self) -> sp.csr_array:
        """Element ``e`` feeds at least one charger of zone ``z``, sparse bool (E, Z)."""
        return self._like(np.ones(self.count.nnz, dtype=bool))

    def fraction(self) -> sp.csr_array:
        """Fraction of each zone's chargers downstream of each element, sparse (E, Z)."""
        return self._like(self._fraction.copy())

    def shares(self, baseline_kw: ArrayLike | None) -> sp.csr_array:
        """Share of each element's loading change owed to each zone, sparse (E, Z).

        Rows with a charger behind them sum to 1. In proportion to the zone's declared
        baseline behind the element (``fraction × baseline``); by charger count where that
        is unknown or not positive. The stored entries are those of :attr:`count` (a zone
        behind an element with share 0 keeps its entry).
        """
        return self._like(self.share_data(baseline_kw))

    def share_data(self, baseline_kw: ArrayLike | None) -> NDArray[np.float64]:
        """The stored entries of :meth:`shares`, (nnz,) aligned with :attr:`rows`.

        What per-step callers read: it skips building the sparse matrix.
        """
        out = self._by_count.copy()  # 1 wherever an element feeds a single zone
        if baseline_kw is None:
            return out
        # as np.clip(np.nan_to_num(baseline), 0, None): NaN and -inf -> 0, +inf -> max float
        base = np.minimum(np.fmax(np.asarray(baseline_kw, dtype=float), 0.0), _FLOAT_MAX)
        if base.shape != self.size.shape:
            base = np.broadcast_to(base, self.size.shape)
        sh = self._shared
        if sh.entry.size == 0:
            return out
        w = sh.fraction * base[sh.zone]
        w_total = sh.row_sums(w)
        ok = w_total > 0
        by_base = w / np.where(ok, w_total, 1.0)[sh.row]
        out[sh.entry] = np.where(ok[sh.row], by_base, sh.by_count)
        return out

    def zone_min(self, values: NDArray[np.float64], *, initial: float) -> NDArray[np.float64]:
        """Per zone, the smallest of ``values`` (one per stored entry) and ``initial``, (Z,)."""
        ptr = self._zone_ptr
        if self._every_zone_fed:  # segment_reduce without its per-call checks
            return np.minimum(np.minimum.reduceat(values[self._by_zone], ptr[:-1]), initial)
        return segment_reduce(np.minimum, values[self._by_zone], ptr, initial=initial)

    def zone_max(self, values: NDArray[np.float64], *, initial: float) -> NDArray[np.float64]:
        """Per zone, the largest of ``values`` (one per stored entry) and ``initial``, (Z,)."""
        return segment_reduce(np.maximum, values[self._by_zone], self._zone_ptr, initial=initial)

    def _like(self, data: NDArray) -> sp.csr_array:
        c = self.count
        return sp.csr_array((data, c.indices, c.indptr), shape=c.shape)
