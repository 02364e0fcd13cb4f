"""Per-segment outputs of a fleet step, summed over the EVs that contribute.

:func:`plain_segment_state` is the definition: the flexibility band of every EV
(:func:`.flex.flexibility_band`) and five sums over all EVs (:func:`.flex.per_segment`).
:class:`SegmentSums` gives the same numbers, bit for bit, for less work:

- an EV that is not plugged adds exactly 0 to every sum, and so does the as-late-as-possible
  power of an EV without energy need (when every ``p_max_kw`` is finite and > 0; otherwise
  ``0 x inf`` can make NaN and the plain computation is used). Leaving out terms that are
  exactly 0 does not change a sum taken in index order (``np.bincount``): from 0.0 on, adding
  +0.0 or -0.0 never changes a partial sum;
- everything but the lower edge depends on the state only, not on the time, and the fleet
  hands out the same read-only arrays while they do not change (:mod:`.outputs`): those
  sums are kept until one of their input arrays is a new one. The lower edge (it depends
  on the time to departure) is recomputed every step: for the plugged EVs with a need in
  a large fleet, for every plugged EV in a small one (the others add exactly 0 (+0.0 or
  -0.0), which changes no sum; fewer numpy calls than picking them out).
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulators.ev_fleet.flex import SegmentState, flexibility_band, per_segment
from simulators.ev_fleet.outputs import SPARSE_MIN, FleetState, readonly

__all__ = ["SegmentSums", "plain_segment_state"]


def plain_segment_state(
    state: FleetState, segment_idx: NDArray[np.int64], n_seg: int, step_s: int
) -> SegmentState:
    """Per-segment outputs of ``state``, computed over every EV (the definition)."""
    hi, lo = flexibility_band(
        plugged=state.plugged,
        e_need_kwh=state.e_need_kwh,
        e_room_kwh=(1.0 - state.soc) * state.e_capacity_kwh,
        p_max_kw=state.p_max_kw,
        departure_s=state.departure_s,
        opt_out=state.opt_out,
        time_s=state.time_s,
        step_s=step_s,
    )
    idx, n = segment_idx, n_seg
    return SegmentState(
        n_plugins=per_segment(state.plugin_event, idx, n),
        n_plugged=per_segment(state.plugged, idx, n),
        p_flex_max_kw=per_segment(hi, idx, n),
        p_flex_min_kw=per_segment(lo, idx, n),
        e_flex_need_kwh=per_segment(state.e_need_kwh, idx, n),
    )


def _count(idx: NDArray[np.int64], n_seg: int) -> NDArray[np.float64]:
    return readonly(np.bincount(idx, minlength=n_seg).astype(np.float64))


def _sum(seg: NDArray[np.int64], weights: NDArray[np.float64], n_seg: int) -> NDArray[np.float64]:
    if seg.size == 0:  # np.bincount of nothing is integer, whatever the weights
        return np.zeros(n_seg)
    out: NDArray[np.float64] = np.bincount(seg, weights=weights, minlength=n_seg)  # type: ignore[assignment]
    return out


def _same(key: tuple[object, ...], old: tuple[object, ...] | None) -> bool:
    return old is not None and all(map(operator.is_, key, old))  # keys of one length


class SegmentSums:
    """:func:`plain_segment_state` of the successive states of one fleet, with caches.

    Parameters
    ----------
    segment_idx : ndarray of int (n_ev,)
        Segment of each EV.
    n_seg : int
        Number of segments.
    step_s : int
        Step length [s].
    """

    def __init__(self, segment_idx: NDArray[np.int64], n_seg: int, step_s: int) -> None:
        self.segment_idx = np.asarray(segment_idx, dtype=np.int64)
        self.n_seg = int(n_seg)
        self.step_s = int(step_s)
        self._dt_h = self.step_s / 3600.0
        self._sparse = self.segment_idx.size >= SPARSE_MIN
        self._zeros = readonly(np.zeros(self.n_seg))
        self._pmax: tuple[object, bool] = (None, False)
        self._events: tuple[object, NDArray[np.float64]] = (None, self._zeros)
        self._plug: tuple[object, Any] = (None, None)
        self._upper_key: tuple[object, ...] | None = None
        self._upper: dict[str, Any] = {}

    def __call__(self, state: FleetState) -> SegmentState:
        """Per-segment outputs of ``state`` (its arrays read-only, never changed later)."""
        if not self._pmax_ok(state.p_max_kw) or state.plugged.flags.writeable:
            plain = plain_segment_state(state, self.segment_idx, self.n_seg, self.step_s)
            for arr in plain.__dict__.values():
                arr.flags.writeable = False
            return plain
        up = self._upper_part(state)
        return SegmentState(
            n_plugins=self._plugins(state.plugin_event),
            n_plugged=up["n_plugged"],
            p_flex_max_kw=up["hi"],
            p_flex_min_kw=self._lower(up, state.time_s),
            e_flex_need_kwh=up["need_sum"],
        )

    def _pmax_ok(self, p_max: NDArray[np.float64]) -> bool:
        if p_max is not self._pmax[0]:
            ok = bool(np.isfinite(p_max).all() and (p_max > 0).all())
            self._pmax = (p_max, ok and not p_max.flags.writeable)
        return self._pmax[1]

    def _plugins(self, events: NDArray[np.bool_]) -> NDArray[np.float64]:
        if events is not self._events[0]:
            self._events = (events, _count(self.segment_idx[np.flatnonzero(events)], self.n_seg))
        return self._events[1]

    def _plugged_rows(self, plugged: NDArray[np.bool_]) -> tuple[NDArray[Any], ...]:
        if plugged is not self._plug[0]:
            rows = np.flatnonzero(plugged)
            seg = self.segment_idx[rows]
            self._plug = (plugged, (rows, seg, _count(seg, self.n_seg)))
        return self._plug[1]  # type: ignore[no-any-return]

    def _upper_part(self, s: FleetState) -> dict[str, Any]:
        """Sums that do not depend on the time, and the inputs of the lower edge."""
        key: tuple[object, ...] = (s.plugged, s.e_need_kwh, s.soc, s.e_capacity_kwh)
        key += (s.p_max_kw, s.opt_out, s.departure_s)
        if _same(key, self._upper_key):
            return self._upper
        rows, seg, n_plugged = self._plugged_rows(s.plugged)
        n, dt_h = self.n_seg, self._dt_h
        e_need = s.e_need_kwh[rows]
        if np.count_nonzero(e_need) == np.count_nonzero(s.e_need_kwh):
            need_sum = _sum(seg, e_need, n)
        else:  # a need on an unplugged EV: sum over all
            need_sum = per_segment(s.e_need_kwh, self.segment_idx, n)
        p_max = s.p_max_kw[rows]
        need = np.maximum(e_need, 0.0)
        room = np.maximum((1.0 - s.soc[rows]) * s.e_capacity_kwh[rows], need)
        asap = np.minimum(p_max, need / dt_h)
        hi = np.minimum(p_max, room / dt_h)
        opt = s.opt_out[rows]
        any_opt = bool(np.count_nonzero(opt))
        if any_opt:
            hi = np.where(opt, asap, hi)
        self._upper = {
            "n_plugged": n_plugged,
            "hi": readonly(_sum(seg, hi, n)),
            "need_sum": readonly(need_sum),
            "lower": self._lower_inputs(
                rows, seg, need, asap, p_max, opt if any_opt else None, s.departure_s
            ),
        }
        self._upper_key = key
        return self._upper

    def _lower_inputs(
        self,
        rows: NDArray[np.intp],
        seg: NDArray[np.int64],
        need: NDArray[np.float64],
        asap: NDArray[np.float64],
        p_max: NDArray[np.float64],
        opt: NDArray[np.bool_] | None,
        departure_s: NDArray[np.int64],
    ) -> tuple[Any, ...] | None:
        """``(need, asap, p_max, departure, opt, seg)`` of the plugged EVs (``rows``) whose
        lower edge is computed; None when nobody needs energy (every edge is 0)."""
        if not self._sparse:  # all of them: the others add exactly 0 (module docstring)
            if not np.count_nonzero(need):
                return None
            return (need, asap, p_max, departure_s[rows], opt, seg)
        k = np.flatnonzero(need)
        if not k.size:
            return None
        opt_k = None if opt is None else opt[k]
        return (need[k], asap[k], p_max[k], departure_s[rows[k]], opt_k, seg[k])

    def _lower(self, up: dict[str, Any], time_s: int) -> NDArray[np.float64]:
        """Per-segment as-late-as-possible power (:func:`.flex.flexibility_band`)."""
        if up["lower"] is None:
            return self._zeros
        need, asap, p_max, dep, opt, seg = up["lower"]
        dt_h = self._dt_h
        tau_h = np.where(dep >= 0, (dep - time_s) / 3600.0, np.inf)
        later = p_max * np.maximum(tau_h - dt_h, 0.0)
        lo = np.minimum(np.maximum((need - later) / dt_h, 0.0), asap)
        if opt is not None:
            lo = np.where(opt, asap, lo)
        return readonly(_sum(seg, lo, self.n_seg))
