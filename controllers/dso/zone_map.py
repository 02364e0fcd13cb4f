"""How each zone's chargers sit behind each element: a sparse (E, Z) map built once.

The shares of an element's loading owed to each zone depend on the declared baselines, so
they change every step. They are computed on the map's nonzeros only, never by
renormalising a dense element × zone matrix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from . import light_kernels
from .cover import ChargerCover, as_cover, segment_reduce

__all__ = ["ZoneMap"]

_FLOAT_MAX = np.finfo(float).max


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
    ptr, zone : ndarray of int (E + 1,), (nnz,)
        :attr:`count`'s row pointers and zone per stored entry, as int64 (the compiled
        loops' one signature).
    by_zone, zone_ptr : ndarray of int (nnz,), (Z + 1,)
        The stored entries of zone ``z`` are ``by_zone[zone_ptr[z]:zone_ptr[z + 1]]``.
    entry_fraction, entry_by_count : ndarray (nnz,)
        Per stored entry: the fraction of the zone's chargers behind the element, and the
        zone's share of the element's chargers (the share when baselines are unknown).
    """

    count: sp.csr_array
    size: NDArray[np.float64]
    rows: NDArray[np.int64] = field(init=False, repr=False)
    ptr: NDArray[np.int64] = field(init=False, repr=False)
    zone: NDArray[np.int64] = field(init=False, repr=False)
    by_zone: NDArray[np.int64] = field(init=False, repr=False)
    zone_ptr: NDArray[np.int64] = field(init=False, repr=False)
    entry_by_count: NDArray[np.float64] = field(init=False, repr=False)
    entry_fraction: NDArray[np.float64] = field(init=False, repr=False)
    _no_baseline: NDArray[np.float64] = field(init=False, repr=False)
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
        set_(self, "ptr", count.indptr.astype(np.int64))
        set_(self, "zone", count.indices.astype(np.int64))
        set_(self, "by_zone", np.argsort(count.indices, kind="stable").astype(np.int64))
        zone_n = np.bincount(count.indices, minlength=count.shape[1])
        set_(self, "zone_ptr", np.concatenate([[0], np.cumsum(zone_n)]).astype(np.int64))
        set_(self, "_every_zone_fed", bool(zone_n.size and zone_n.min() > 0))
        # fixed per map: computed once, not at every step's shares()
        cnt = count.data
        total = segment_reduce(np.add, cnt, count.indptr, initial=0.0)  # integers: exact
        set_(self, "entry_by_count", cnt / total[self.rows])
        set_(self, "entry_fraction", cnt / self.size[count.indices])
        set_(self, "_no_baseline", np.zeros(self.size.size))  # shares by count

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
        return self._like(self.entry_fraction.copy())

    def shares(self, baseline_kw: ArrayLike | None) -> sp.csr_array:
        """Share of each element's loading change owed to each zone, sparse (E, Z).

        Rows with a charger behind them sum to 1. In proportion to the zone's declared
        baseline behind the element (``fraction × baseline``); by charger count where that
        is unknown or not positive (:func:`controllers.dso.light_kernels.share_data`).
        The stored entries are those of :attr:`count` (a zone
        behind an element with share 0 keeps its entry).
        """
        return self._like(self.share_data(baseline_kw))

    def share_data(self, baseline_kw: ArrayLike | None) -> NDArray[np.float64]:
        """The stored entries of :meth:`shares`, (nnz,) aligned with :attr:`rows`.

        What per-step callers read: it skips building the sparse matrix.
        """
        return light_kernels.share_data(
            self.ptr,
            self.zone,
            self.entry_fraction,
            self.entry_by_count,
            self.baseline(baseline_kw),
        )

    def baseline(self, baseline_kw: ArrayLike | None) -> NDArray[np.float64]:
        """The declared baselines as the compiled loops take them, (Z,) [kW] (None: zeros,
        which share by count as unknown baselines do); for the loops, which only read it
        (a contiguous float array of positive finite values is returned as it is).

        As ``np.clip(np.nan_to_num(baseline), 0, None)``: NaN and -inf -> 0, +inf -> the
        largest float. numpy's ``fmax`` picks between -0.0 and 0.0 by array position,
        which a loop cannot repeat, so the clipping stays here.
        """
        if baseline_kw is None:
            return self._no_baseline
        base = np.asarray(baseline_kw, dtype=float)
        if base.shape == self.size.shape and all(0.0 < b < math.inf for b in base.tolist()):
            # every baseline positive and finite (most steps): the clipping keeps each value
            # as it is; the loops read the array, so it need not be a copy of it
            return np.ascontiguousarray(base)
        base = np.minimum(np.fmax(base, 0.0), _FLOAT_MAX)
        if base.shape != self.size.shape:
            base = np.broadcast_to(base, self.size.shape)
        return np.ascontiguousarray(base)

    def zone_min(self, values: NDArray[np.float64], *, initial: float) -> NDArray[np.float64]:
        """Per zone, the smallest of ``values`` (one per stored entry) and ``initial``, (Z,)."""
        ptr = self.zone_ptr
        if self._every_zone_fed:  # segment_reduce without its per-call checks
            return np.minimum(np.minimum.reduceat(values[self.by_zone], ptr[:-1]), initial)
        return segment_reduce(np.minimum, values[self.by_zone], ptr, initial=initial)

    def zone_max(self, values: NDArray[np.float64], *, initial: float) -> NDArray[np.float64]:
        """Per zone, the largest of ``values`` (one per stored entry) and ``initial``, (Z,)."""
        return segment_reduce(np.maximum, values[self.by_zone], self.zone_ptr, initial=initial)

    def _like(self, data: NDArray) -> sp.csr_array:
        c = self.count
        return sp.csr_array((data, c.indices, c.indptr), shape=c.shape)
