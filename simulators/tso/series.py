"""Measured signals (frequency, aFRR activation, prices) read from CSV as step functions.

A CSV holds one sample per row: an ISO 8601 timestamp with a UTC offset and a value. The
signal is taken as *sample-and-hold* (each value holds until the next timestamp), so a bin
mean is an exact integral: finer files are averaged into the internal step, coarser ones
are held. This is the only module of the package that touches files.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosim.errors import ModelError

__all__ = ["StepSeries", "read_series_csv", "write_series_csv"]


@dataclass(frozen=True)
class StepSeries:
    """A piecewise-constant signal over scenario time.

    Parameters
    ----------
    time_s : ndarray of float64, shape (n,)
        Strictly increasing sample times [s since scenario start].
    values : ndarray of float64, shape (n,)
        Value holding from ``time_s[i]`` to ``time_s[i + 1]``.
    end_s : float
        End of validity of the last sample [s since scenario start].
    name : str
        What the series is (used in error messages), e.g. ``"frequency CSV f.csv"``.
    """

    time_s: NDArray[np.float64]
    values: NDArray[np.float64]
    end_s: float
    name: str = "series"

    def __post_init__(self) -> None:
        if self.time_s.ndim != 1 or self.time_s.shape != self.values.shape or self.time_s.size < 1:
            raise ValueError(f"{self.name}: time_s and values must be 1-D of equal non-zero size")
        if np.any(np.diff(self.time_s) <= 0):
            raise ValueError(f"{self.name}: timestamps must be strictly increasing")
        if not self.end_s > self.time_s[-1]:
            raise ValueError(f"{self.name}: end_s={self.end_s} must follow the last sample")
        if not np.all(np.isfinite(self.values)):
            raise ValueError(f"{self.name}: values must be finite (found NaN or inf)")

    def bin_means(self, t0_s: float, dt_s: float, n: int) -> NDArray[np.float64]:
        """Mean value over each of ``n`` bins ``[t0 + k dt, t0 + (k + 1) dt)``.

        Raises
        ------
        ModelError
            If the bins reach outside ``[time_s[0], end_s]``.

        Examples
        --------
        >>> s = StepSeries(np.array([0.0, 5.0]), np.array([1.0, 3.0]), end_s=20.0)
        >>> s.bin_means(0.0, 10.0, 2).tolist()
        [2.0, 3.0]
        """
        t_end = t0_s + n * dt_s
        if t0_s < self.time_s[0] or t_end > self.end_s:
            raise ModelError(
                f"{self.name} covers [{self.time_s[0]:.0f} s, {self.end_s:.0f} s] of the "
                f"scenario but [{t0_s:.0f} s, {t_end:.0f} s] was asked; extend the file or "
                f"shorten the run"
            )
        edges = t0_s + dt_s * np.arange(n + 1, dtype=np.float64)
        return np.diff(self._integral(edges)) / dt_s

    def _integral(self, t_s: NDArray[np.float64]) -> NDArray[np.float64]:
        """Integral of the signal from ``time_s[0]`` to each time [value·s]."""
        widths = np.diff(self.time_s)
        cum = np.concatenate(([0.0], np.cumsum(self.values[:-1] * widths)))
        idx = np.clip(np.searchsorted(self.time_s, t_s, side="right") - 1, 0, None)
        return cum[idx] + self.values[idx] * (t_s - self.time_s[idx])


def _epoch_s(text: str, *, where: str) -> float:
    try:
        stamp = datetime.fromisoformat(text.strip())
    except ValueError as err:
        raise ModelError(f"{where}: cannot read timestamp {text!r} (ISO 8601 expected)") from err
    if stamp.tzinfo is None:
        raise ModelError(f"{where}: timestamp {text!r} has no UTC offset; write e.g. '+01:00'")
    return stamp.timestamp()


def read_series_csv(
    path: str | Path, *, column: str, start: datetime, name: str | None = None
) -> StepSeries:
    """Read ``timestamp,<column>`` rows into a :class:`StepSeries` in scenario seconds.

    The last sample holds for the median sample spacing.

    Parameters
    ----------
    path : str or Path
        CSV file with a header row containing ``timestamp`` and ``column``.
    column : str
        Value column, e.g. ``"f_hz"`` or ``"activation"``.
    start : datetime
        Scenario start (timezone-aware); time 0 of the series.
    name : str, optional
        Label for error messages.
    """
    label = name or f"CSV {path}"
    with Path(path).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"timestamp", column} - set(reader.fieldnames or ())
        if missing:
            raise ModelError(
                f"{label}: missing column(s) {sorted(missing)}; header must contain "
                f"'timestamp' and {column!r}, got {reader.fieldnames}"
            )
        rows = [(r["timestamp"], r[column]) for r in reader]
    if len(rows) < 2:
        raise ModelError(f"{label}: needs at least 2 rows, got {len(rows)}")
    t0 = start.timestamp()
    time_s = np.array([_epoch_s(ts, where=label) - t0 for ts, _ in rows])
    try:
        values = np.array([float(v) for _, v in rows])
    except ValueError as err:
        raise ModelError(f"{label}: column {column!r} has a non-numeric value") from err
    end_s = float(time_s[-1] + np.median(np.diff(time_s)))
    return StepSeries(time_s, values, end_s=end_s, name=label)


def write_series_csv(
    path: str | Path, *, column: str, start: datetime, time_s: ArrayLike, values: ArrayLike
) -> None:
    """Write a series in the format :func:`read_series_csv` reads (for tests and examples)."""
    base = start.timestamp()
    tz = start.tzinfo
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["timestamp", column])
        for t, v in zip(np.asarray(time_s, float), np.asarray(values, float), strict=True):
            stamp = datetime.fromtimestamp(base + t, tz=tz).isoformat()
            writer.writerow([stamp, repr(float(v))])
