"""Which EV is at which charger, and per-charger views of per-EV inputs, with caches.

The mapping changes only when an EV plugs in or out. It is rebuilt (and checked) only when
the plugged EVs' charger indices change; inputs that are the very same read-only arrays as
at the last step are not even compared. The EV fleet hands out read-only arrays that never
change afterwards (``simulators.ev_fleet.outputs``), so a read-only input array that owns
its data is taken as unchanged while it is the same object; any other input is read anew.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosim.errors import ModelError
from simulators.evse import map_kernels as kernels
from simulators.evse.efficiency import SPARSE_MIN

__all__ = ["EVMap"]

FloatArray = NDArray[np.float64]


def _per_ev(
    plugged: ArrayLike, charger_idx: ArrayLike
) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    """Plugged flags and charger indices as contiguous 1-D arrays of one size (as
    ``np.where(plugged, charger_idx, -1)`` broadcasts them)."""
    plugged_b = np.ascontiguousarray(plugged, dtype=bool)
    idx = np.ascontiguousarray(charger_idx, dtype=np.int64)
    if plugged_b.ndim != 1 or idx.ndim != 1:  # the fleet's 1-D arrays skip the reshape
        plugged_b, idx = plugged_b.reshape(-1), idx.reshape(-1)
    if plugged_b.size != idx.size:
        plugged_b, idx = (np.ascontiguousarray(a) for a in np.broadcast_arrays(plugged_b, idx))
    return plugged_b, idx


def _frozen(arr: object) -> bool:
    """A read-only array owning its data: unchanged while it is the same object."""
    return isinstance(arr, np.ndarray) and not arr.flags.writeable and arr.flags.owndata


class EVMap:
    """The EV at each of ``n`` chargers (``ev_of``, -1: free) and what follows from it.

    Attributes (valid after :meth:`update`): ``ev_of``, ``has_ev``, ``any_ev``, ``ev`` and
    ``chargers`` (the EV and charger of each connection), ``n_ev`` (number of EVs);
    ``sparse``: a bank of at least ``SPARSE_MIN`` chargers reads the connected EVs only;
    ``identity`` (not sparse): as many EVs as chargers and each connected EV at the charger
    of its own index (a fleet with a charger per EV).
    """

    def __init__(self, n: int) -> None:
        self.n = int(n)
        self.sparse = self.n >= SPARSE_MIN
        self._inputs: tuple[object, object] = (None, None)
        self._work: tuple[NDArray[Any], ...] = ()  # _build's arrays, see there
        self._build(0, np.empty(0, dtype=bool), np.empty(0, dtype=np.int64))  # all free

    def update(self, time_s: int, plugged: ArrayLike, charger_idx: ArrayLike) -> EVMap:
        """Map the plugged EVs (per EV: plugged flag, charger index) to the chargers."""
        if plugged is self._inputs[0] and charger_idx is self._inputs[1]:
            return self  # the same read-only arrays as last step
        frozen = _frozen(plugged) and _frozen(charger_idx)
        self._inputs = (plugged, charger_idx) if frozen else (None, None)
        plugged_b, idx = _per_ev(plugged, charger_idx)
        # new read-only arrays are not compared: the fleet hands out new ones only when
        # their values change, and a rebuild of an equal key gives an equal mapping
        if not frozen:
            key, old = np.where(plugged_b, idx, -1), self._key
            # both int64: equal bytes and shape are equal values (cheaper than array_equal)
            if key.shape == old.shape and key.tobytes() == old.tobytes():
                return self
        self._build(time_s, plugged_b, idx)
        return self

    def _build(self, time_s: int, plugged: NDArray[np.bool_], idx: NDArray[np.int64]) -> None:
        """The mapping from each EV's plugged flag and charger, in one compiled pass."""
        n, n_ev = self.n, plugged.size
        if not self._work or self._work[0].size != n_ev:
            i64 = np.int64
            self._work = (
                np.empty(n_ev, i64),
                np.empty(n, bool),
                *(np.empty(n, i64) for _ in "cer"),
            )
        # rewritten in place at each build: only this mapping and this step read them (the
        # cache of ``derived`` is dropped below); ``ev_of`` goes out with the state: new
        key, has_ev, chargers, ev, rows = self._work
        ev_of = np.empty(n, dtype=np.int64)
        status, m, identity = kernels.map_plugged(
            plugged, idx, self.sparse, key, ev_of, has_ev, chargers, ev, rows
        )
        if status != -1:  # the arrays of the last mapping are overwritten: rebuild next time
            self._key, self._inputs = np.empty(0, dtype=np.int64), (None, None)
        if status >= 0:
            raise ModelError(
                f"evse at t={time_s} s: EV {status} uses charger {int(key[status])} but "
                f"the bank has {n} chargers; create a charger for every charger_idx"
            )
        if status == -2:
            raise ModelError(
                f"evse at t={time_s} s: two plugged EVs share one charger "
                f"(charger_idx {np.sort(key[key >= 0]).tolist()[:10]}...)"
            )
        self._key = key
        ev_of.setflags(write=False)
        self.ev_of = ev_of
        self.has_ev = has_ev
        self.chargers, self.ev = chargers[:m], ev[:m]
        self.any_ev = m > 0
        self.n_ev = n_ev
        self.identity = identity
        # a free charger reads EV 0, then the fill value; None: the rows are the chargers
        self._rows = None if identity else rows
        self._cache: dict[str, tuple[object, FloatArray]] = {}

    def gather(self, values: ArrayLike, fill: float, *, cache: str | None = None) -> FloatArray:
        """Per-EV ``values`` at each charger, ``fill`` at a free one.

        ``cache``: the input's name, to keep the result while ``values`` is the same
        read-only array (:meth:`derived`); None for an input that changes every step.
        """
        if cache is None:
            return self._gather(values, fill)
        return self.derived(f"gather {cache}", values, lambda v: self._gather(v, fill))

    def _gather(self, values: ArrayLike, fill: float) -> FloatArray:
        arr = np.asarray(values, dtype=float).reshape(-1)
        if not self.sparse:
            return np.where(self.has_ev, arr if self._rows is None else arr[self._rows], fill)
        out = np.full(self.n, fill)  # a large bank: read the connected EVs only
        out[self.chargers] = arr[self.ev]
        return out

    def per_ev(self, values: ArrayLike, name: str) -> FloatArray:
        """``values`` as one float per EV, contiguous: what a compiled loop reads at ``ev_of``."""
        arr = np.ascontiguousarray(values, dtype=float)
        if arr.ndim != 1:  # the fleet's 1-D arrays skip the reshape (a new view each call)
            arr = arr.reshape(-1)
        if arr.size != self.n_ev:
            raise ModelError(
                f"evse: {name} has {arr.size} values for {self.n_ev} EVs (plugged); send one per EV"
            )
        return arr

    def derived(
        self, name: str, values: ArrayLike, fn: Callable[[ArrayLike], FloatArray]
    ) -> FloatArray:
        """``fn(values)``, kept while ``values`` (read-only) and the mapping are unchanged."""
        hit = self._cache.get(name)
        if hit is not None and hit[0] is values:
            return hit[1]
        out = fn(values)
        if _frozen(values):
            out.flags.writeable = False  # handed out again at a later step
            self._cache[name] = (values, out)
        return out
