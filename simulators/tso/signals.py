"""The system signals of the synchronous area (frequency, aFRR setpoint) drawn ahead, served
per grid step.

One :class:`SignalSource` per TSO simulator draws both signals up to a day ahead at once and
hands each step its slices as :class:`StepSignals`, with the slices' sums computed once per
draw (:func:`row_sums`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from cosim.records import frozen_record
from simulators.tso.afrr import SyntheticAFRR
from simulators.tso.frequency import SyntheticFrequency
from simulators.tso.series import StepSeries

__all__ = ["SignalSource", "StepSignals", "row_sums"]

#: how far ahead signals are drawn at once [s]
_BUFFER_S = 86_400


@dataclass(frozen=True)
class StepSignals:
    """System signals of one grid step, shape (n_sub,) each.

    ``f_hz_ahead`` (optional) is the frequency drawn ahead that ``f_hz`` is the slice
    ``[offset, offset + n_sub)`` of: a provider then computes its droop activation once per
    draw instead of once per step. ``f_hz_sum`` and ``afrr_sum`` (optional) are
    ``np.add.reduce`` of ``f_hz`` and of ``afrr_activation``, summed once per draw.
    """

    t0_s: int
    dt_s: int
    f_hz: NDArray[np.float64]
    afrr_activation: NDArray[np.float64]
    f_nominal_hz: float = 50.0
    f_hz_ahead: NDArray[np.float64] | None = field(default=None, repr=False, compare=False)
    offset: int = 0
    f_hz_sum: float | None = field(default=None, repr=False, compare=False)
    afrr_sum: float | None = field(default=None, repr=False, compare=False)


class SignalSource:
    """Frequency and aFRR setpoint of the synchronous area, shared by all providers.

    Parameters
    ----------
    frequency : SyntheticFrequency or StepSeries
        Synthetic generator or measured frequency [Hz].
    afrr : SyntheticAFRR or StepSeries
        Synthetic generator or measured activation fraction (clipped to [-1, 1]).
    f_step_s : int
        Sub-step [s].
    f_nominal_hz : float
        Nominal frequency [Hz] the deviations refer to.
    """

    def __init__(
        self,
        *,
        frequency: SyntheticFrequency | StepSeries,
        afrr: SyntheticAFRR | StepSeries,
        f_step_s: int,
        f_nominal_hz: float = 50.0,
    ) -> None:
        self.frequency = frequency
        self.afrr = afrr
        self.f_step_s = f_step_s
        self.f_nominal_hz = f_nominal_hz
        self._buf_t0 = 0
        self._buf_f = np.empty(0)
        self._buf_a = np.empty(0)
        #: the step sums of the buffers, in rows of ``_sums_n`` samples (0: none yet)
        self._sums_n = 0
        self._f_sums: list[float] = []
        self._a_sums: list[float] = []

    def step(self, t0_s: int, n_sub: int) -> StepSignals:
        """Signals of the sub-steps ``t0_s + k f_step_s``, k < n_sub (consecutive steps).

        Signals are drawn up to a day ahead at once and served in slices: the synthetic
        paths do not depend on the chunking, so this only saves per-call overhead.
        """
        dt = self.f_step_s
        if t0_s < self._buf_t0:
            raise ValueError(f"signals are served forward in time: t0_s={t0_s} s is in the past")
        start = (t0_s - self._buf_t0) // dt
        if start + n_sub > self._buf_f.size:
            self._extend(drop=start, need=start + n_sub - self._buf_f.size)
            start = 0
        if self._sums_n != n_sub:
            self._sum_rows(n_sub)
        row, off_row = divmod(start, n_sub) if n_sub else (0, 1)
        on_row = not off_row and row < len(self._f_sums)  # consecutive steps: always
        return frozen_record(
            StepSignals,
            t0_s=t0_s,
            dt_s=dt,
            f_hz=self._buf_f[start : start + n_sub],
            afrr_activation=self._buf_a[start : start + n_sub],
            f_nominal_hz=self.f_nominal_hz,
            f_hz_ahead=self._buf_f,
            offset=start,
            f_hz_sum=self._f_sums[row] if on_row else None,
            afrr_sum=self._a_sums[row] if on_row else None,
        )

    def _sum_rows(self, n_sub: int) -> None:
        """The sums of the buffers' consecutive rows of ``n_sub`` samples, once per draw:
        a step's slice is such a row (:func:`row_sums`)."""
        self._f_sums = row_sums(self._buf_f, n_sub)
        self._a_sums = row_sums(self._buf_a, n_sub)
        self._sums_n = n_sub

    def _extend(self, *, drop: int, need: int) -> None:
        """Drop the first ``drop`` samples, append at least ``need`` (a day if covered)."""
        dt = self.f_step_s
        t_end = self._buf_t0 + self._buf_f.size * dt
        n = max(need, _BUFFER_S // dt)
        for src in (self.frequency, self.afrr):
            if isinstance(src, StepSeries):
                n = max(need, min(n, int((src.end_s - t_end) // dt)))
        f = self._draw(self.frequency, t_end, n)
        s = np.clip(self._draw(self.afrr, t_end, n), -1.0, 1.0)
        self._buf_f = np.concatenate((self._buf_f[drop:], f))
        self._buf_a = np.concatenate((self._buf_a[drop:], s))
        self._buf_t0 += drop * dt
        self._sums_n = 0  # new buffers: their sums are due

    def _draw(
        self, src: SyntheticFrequency | SyntheticAFRR | StepSeries, t0_s: int, n: int
    ) -> NDArray[np.float64]:
        if isinstance(src, StepSeries):
            return src.bin_means(t0_s, self.f_step_s, n)
        return src.draw(t0_s, n)


def row_sums(values: NDArray[np.float64], n: int) -> list[float]:
    """``np.add.reduce`` of each whole row of ``n`` samples of ``values``, as floats.

    The reduction along the last axis of a C-contiguous array sums each row on its own with
    the pairwise sum of a 1-d reduce: the same bits as summing that row's slice
    (``tests/property/test_tso_step_sums.py``).
    """
    if n <= 0:
        return []
    rows = values.size // n
    return list(np.add.reduce(values[: rows * n].reshape(rows, n), axis=1).tolist())
