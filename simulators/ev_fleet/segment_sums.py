"""Per-segment outputs of a fleet step, summed over the EVs of each segment.

The definition is the flexibility band of every EV (:func:`.flex.flexibility_band`) and
five sums over all EVs (:func:`.flex.per_segment`). :class:`SegmentSums` gives the same
numbers, bit for bit, in one compiled pass over the EVs
(:func:`.output_kernels.segment_band`): a dozen numpy calls on a few hundred EVs cost more
in call overhead than the arithmetic. ``tests/property/test_fleet_step_equivalence.py``
keeps the definition in numpy and compares.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cosim.records import frozen_record
from simulators.ev_fleet.flex import SegmentState
from simulators.ev_fleet.output_kernels import segment_band
from simulators.ev_fleet.outputs import FleetState, readonly

__all__ = ["SegmentSums"]

#: steps whose sums arrays :meth:`SegmentSums.sums_out` allocates at once
_POOL_STEPS = 96


class SegmentSums:
    """The per-segment outputs of the states of one fleet, in one compiled pass.

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
        self.segment_idx = np.ascontiguousarray(segment_idx, dtype=np.int64)
        self.n_seg = int(n_seg)
        self.step_s = int(step_s)
        self.dt_h = self.step_s / 3600.0
        # the pool of sums_out: writable (5, n_seg) arrays and read-only views of their rows
        self._outs: list[NDArray[np.float64]] = []
        self._rows: list[NDArray[np.float64]] = []
        self._next = 0  # the pool's next array

    def __call__(self, state: FleetState) -> SegmentState:
        """Per-segment outputs of ``state``; read-only arrays, new at every call."""
        s = state  # FleetState arrays: contiguous, of the dtypes declared there
        sums = segment_band(
            self.segment_idx,
            self.n_seg,
            s.plugged,
            s.plugin_event,
            s.e_need_kwh,
            s.soc,
            s.e_capacity_kwh,
            s.p_max_kw,
            s.departure_s,
            s.opt_out,
            s.time_s,
            self.dt_h,
        )
        return self.record(sums)

    def sums_out(self) -> NDArray[np.float64]:
        """A new writable (5, n_seg) array for the sums of a step (``need_band`` writes it
        before :meth:`record_out` hands out read-only views of its rows).

        Each is used once: the arrays and the views of their rows are made
        ``_POOL_STEPS`` steps at a time (a view made in the run, with cold caches, costs
        several times one made in a loop), and a block is never written again once its
        step's sums are in it, so the rows handed out never change.
        """
        k = self._next
        if k == len(self._outs):
            block = np.empty((_POOL_STEPS, 5, self.n_seg))
            self._outs = list(block)
            rows = block.view()
            rows.setflags(write=False)  # so are the views of it
            self._rows = list(rows.reshape(_POOL_STEPS * 5, self.n_seg))
            k = 0
        self._next = k + 1
        return self._outs[k]

    def record_out(self) -> SegmentState:
        """The per-segment outputs of the sums in the last :meth:`sums_out` array."""
        k = 5 * (self._next - 1)
        return _segment_state(*self._rows[k : k + 5])

    @staticmethod
    def record(sums: NDArray[np.float64]) -> SegmentState:
        """The per-segment outputs from the (5, n_seg) sums of :func:`.segment_band`."""
        return _segment_state(*readonly(sums))  # rows: read-only views


def _segment_state(
    plugins: NDArray[np.float64],
    plugged: NDArray[np.float64],
    hi: NDArray[np.float64],
    lo: NDArray[np.float64],
    need: NDArray[np.float64],
) -> SegmentState:
    """The per-segment outputs from the five rows of the sums (read-only views)."""
    return frozen_record(
        SegmentState,
        n_plugins=plugins,
        n_plugged=plugged,
        p_flex_max_kw=hi,
        p_flex_min_kw=lo,
        e_flex_need_kwh=need,
    )
