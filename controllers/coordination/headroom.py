"""Ex-ante headroom: what the DSO expects each zone to take in the coming step.

The DSO measures its elements one step (or more) late, so the headroom it reports,
``h_meas``, is the margin of the element in the *measured* step, over the consumption of
that step. Coordination acts on the coming step ``t``; between the two the EV fleet moves
from what it consumed then to its baseline now, and the non-EV (background) load changes.
The ex-ante headroom over the baseline of step ``t`` is, linear in active power::

    h_t = h_meas + (ev_then − base_t) + (bg_then − bĝ_t)

per zone [kW], with ``ev_then`` the fleet's consumption in the measured step, ``base_t``
the baseline of step ``t``, ``bg_then`` the zone's background load in the measured step (known
ex post) and ``bĝ_t`` the DSO's forecast of it for step ``t``. Three modes
(:class:`HeadroomMode`):

- ``measured``: ``h_meas`` as reported (acting on the last measurement: ex post);
- ``forecast``: ``bĝ_t = bg_t·(1 + ε)``, ``ε ~ N(0, σ)`` per zone and step, seeded;
- ``perfect``: ``bĝ_t = bg_t`` (perfect foresight of the loads: an upper bound).

The linearisation keeps what a loading ratio adds beyond active power (reactive power,
losses) at its measured value; for a transformer shared by several zones each zone's
correction is its own change, so the corrections add up to the transformer's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import step_kernels
from .choices import HeadroomMode

if TYPE_CHECKING:  # scipy is imported when element parts are built: the config reads this module
    import scipy.sparse as sp

__all__ = [
    "BackgroundForecast",
    "ExAnteHeadroom",
    "HeadroomMode",
    "ProfileBackground",
    "ex_ante_headroom_kw",
    "red_zones",
]


_F64 = np.dtype(np.float64)


def ex_ante_headroom_kw(
    measured_kw: ArrayLike,
    *,
    ev_then_kw: ArrayLike,
    base_now_kw: ArrayLike,
    bg_then_kw: ArrayLike,
    bg_forecast_kw: ArrayLike,
) -> NDArray[np.float64]:
    """Headroom of each zone over the coming step's baseline [kW] (Z,).

    Unconstrained zones (``measured_kw`` infinite or >= 1e6) stay as they are.

    >>> ex_ante_headroom_kw([10.0], ev_then_kw=[5.0], base_now_kw=[20.0],
    ...                     bg_then_kw=[30.0], bg_forecast_kw=[33.0]).tolist()
    [-8.0]
    """
    h = _zone_values(measured_kw)
    n = h.size
    return step_kernels.ex_ante_headroom(
        h,
        _zone_values(ev_then_kw, n),
        _zone_values(base_now_kw, n),
        _zone_values(bg_then_kw, n),
        _zone_values(bg_forecast_kw, n),
    )


def _zone_values(values: ArrayLike, n: int | None = None) -> NDArray[np.float64]:
    """``values`` as a contiguous float array, broadcast to ``n`` values if given."""
    if (
        type(values) is np.ndarray
        and values.dtype == _F64
        and values.ndim == 1
        and values.flags.c_contiguous
        and (n is None or values.size == n)
    ):  # the per-step zone arrays (== as a cached kernel's output has an equal dtype object,
        # not numpy's own): what the conversions below return, the array itself
        return values
    arr = np.ascontiguousarray(values, dtype=float).reshape(-1)
    if n is None or arr.size == n:
        return arr
    return np.ascontiguousarray(np.broadcast_to(arr, (n,)))


def red_zones(headroom_kw: ArrayLike, up_kw: ArrayLike) -> NDArray[np.bool_]:
    """Zones an activation may push over the limit: headroom below the zone's up-capacity.

    >>> red_zones([5.0, 50.0, -1.0], [10.0, 10.0, 0.0]).tolist()
    [True, False, True]
    """
    h = np.asarray(headroom_kw, dtype=float)
    up = np.asarray(up_kw, dtype=float)
    return (h < up) | (h < 0)


@dataclass(frozen=True)
class BackgroundForecast:
    """The DSO's knowledge of the background (non-EV) load per zone.

    Parameters
    ----------
    series_kw : array (T, Z)
        True background load behind each zone, one row per ``step_s`` from scenario time 0
        [kW] (the series repeats past its end).
    step_s : int
        Time between rows [s].
    error_pct : float
        Standard deviation of the relative forecast error [%] (0: perfect foresight).
    seed : int
        Seed of the errors; the error of step ``t`` depends on ``(seed, t)`` only.
    """

    series_kw: NDArray[np.float64]
    step_s: int
    error_pct: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        arr = np.asarray(self.series_kw, dtype=float)
        if arr.ndim != 2 or arr.shape[0] == 0:
            raise ValueError(f"background series_kw must be (T >= 1, Z), got shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError("background series_kw must be finite")
        if self.step_s <= 0:
            raise ValueError(f"background step_s must be > 0 s, got {self.step_s}")
        if not (np.isfinite(self.error_pct) and self.error_pct >= 0):
            raise ValueError(f"headroom_error_pct={self.error_pct} must be >= 0 %")
        object.__setattr__(self, "series_kw", arr)

    @property
    def n_zone(self) -> int:
        """Number of zones Z."""
        return int(self.series_kw.shape[1])

    def true_kw(self, time_s: int) -> NDArray[np.float64]:
        """Background load per zone at ``time_s`` [kW] (Z,)."""
        return self.row_kw(time_s).copy()

    def row_kw(self, time_s: int) -> NDArray[np.float64]:
        """:meth:`true_kw` without the copy: the series' own row, for a caller that only
        reads it."""
        return self.series_kw[(int(time_s) // self.step_s) % self.series_kw.shape[0]]

    def forecast_kw(self, time_s: int) -> NDArray[np.float64]:
        """The DSO's forecast for ``time_s``: the truth times ``1 + ε`` (Z,)."""
        return _with_error(self.true_kw(time_s), self.error_pct, self.seed, time_s)


def _with_error(
    truth: NDArray[np.float64], error_pct: float, seed: int, time_s: int
) -> NDArray[np.float64]:
    """``truth`` times ``1 + ε``, ``ε ~ N(0, error_pct/100)`` drawn from ``(seed, time_s)``."""
    if error_pct == 0:
        return truth
    rng = np.random.default_rng([int(seed), int(time_s)])
    return truth * (1.0 + rng.normal(0.0, error_pct / 100.0, truth.size))


#: rows :class:`ProfileBackground` keeps: each is asked for now and again as the measured
#: step (the DSO's lag of 1-3 steps) later
_RECENT_STEPS = 8


class ProfileBackground:
    """:class:`BackgroundForecast` with each row summed from the load profiles when asked.

    A row is ``1e3 (M_load @ p_load(r) − M_sgen @ p_sgen(r))`` [kW], with ``p(r)`` the
    grid simulator's values at profile row ``r`` (``table[r, type_idx] · scale``, rounded
    to float32, as the grid applies them) and ``M`` the sparse 0/1 matrices of the loads
    and generators behind each zone or element: the very sums
    :func:`~controllers.coordination.headroom_params.background_rows` precomputes, bit for
    bit, without a (T, Z) table (for every element of an MV+LV grid over a year: 320
    million values).

    Parameters
    ----------
    parts : dict
        ``rows``: profile row of each step from time 0 (the series repeats past its end);
        ``load`` and, with generators, ``sgen``: ``table`` (R, K), ``type_idx`` (n),
        ``scale`` (n) of the profiles and the CSR matrix ``indptr``, ``indices``, ``data``
        (Z, n) with ``n_row`` = Z (:func:`~controllers.coordination.headroom_params.
        background_parts` builds it).
    step_s, error_pct, seed
        As :class:`BackgroundForecast`.
    """

    def __init__(
        self, parts: dict[str, Any], step_s: int, *, error_pct: float = 0.0, seed: int = 0
    ) -> None:
        if step_s <= 0:
            raise ValueError(f"background step_s must be > 0 s, got {step_s}")
        if not (np.isfinite(error_pct) and error_pct >= 0):
            raise ValueError(f"headroom_error_pct={error_pct} must be >= 0 %")
        self.step_s, self.error_pct, self.seed = int(step_s), float(error_pct), int(seed)
        self._rows = np.asarray(parts["rows"], dtype=np.int64).reshape(-1)
        if self._rows.size == 0:
            raise ValueError("background parts need at least one row")
        self._terms = [_ProfileSum.of(parts[k], k) for k in ("load", "sgen") if parts.get(k)]
        if not self._terms:
            raise ValueError("background parts need 'load' (and 'sgen' with generators)")
        sizes = {t.matrix.shape[0] for t in self._terms}
        if len(sizes) != 1:
            raise ValueError(f"background parts disagree on the number of rows: {sorted(sizes)}")
        if int(self._rows.max()) >= min(t.table.shape[0] for t in self._terms):
            raise ValueError("background parts' rows point past the profile tables")
        self._recent: dict[int, NDArray[np.float64]] = {}  # by step: now and the lagged one

    @property
    def n_zone(self) -> int:
        """Number of zones (or elements) Z."""
        return int(self._terms[0].matrix.shape[0])

    def true_kw(self, time_s: int) -> NDArray[np.float64]:
        """Background load per zone at ``time_s`` [kW] (Z,)."""
        return self.row_kw(time_s).copy()

    def row_kw(self, time_s: int) -> NDArray[np.float64]:
        """:meth:`true_kw` without the copy: the row kept for the coming steps, for a caller
        that only reads it."""
        step = int(time_s) // self.step_s
        out = self._recent.get(step)
        if out is None:
            r = int(self._rows[step % self._rows.size])
            load, *sgen = self._terms
            p_kw = load.at(r)
            for term in sgen:
                p_kw = p_kw - term.at(r)
            out = np.asarray(p_kw) * 1e3
            if len(self._recent) >= _RECENT_STEPS:
                del self._recent[min(self._recent)]
            self._recent[step] = out
        return out

    def forecast_kw(self, time_s: int) -> NDArray[np.float64]:
        """The DSO's forecast for ``time_s``: the truth times ``1 + ε`` (Z,)."""
        return _with_error(self.true_kw(time_s), self.error_pct, self.seed, time_s)


@dataclass(frozen=True)
class _ProfileSum:
    """``matrix @ float32(table[r, type_idx] * scale)`` for one kind (loads or generators)."""

    table: NDArray[np.float64]
    type_idx: NDArray[np.intp]
    scale: NDArray[np.float64]
    matrix: sp.csr_array

    @classmethod
    def of(cls, part: dict[str, Any], name: str) -> _ProfileSum:
        import scipy.sparse as sp

        table = np.asarray(part["table"], dtype=float)
        table = table.reshape(table.shape[0], -1)
        type_idx = np.asarray(part["type_idx"], dtype=np.intp).reshape(-1)
        scale = np.asarray(part["scale"], dtype=float).reshape(-1)
        shape = (int(part["n_row"]), type_idx.size)
        data = np.asarray(part["data"], dtype=float)
        indices = np.asarray(part["indices"], dtype=np.int32)
        indptr = np.asarray(part["indptr"], dtype=np.int32)
        if type_idx.size != scale.size or indptr.size != shape[0] + 1:
            raise ValueError(f"background parts '{name}': sizes disagree")
        if type_idx.size and (type_idx.min() < 0 or type_idx.max() >= table.shape[1]):
            raise ValueError(f"background parts '{name}': type_idx outside the table")
        if not (np.isfinite(table).all() and np.isfinite(scale).all()):
            raise ValueError(f"background parts '{name}' must be finite")
        matrix = sp.csr_array((data, indices, indptr), shape=shape)  # stored order kept
        return cls(table, type_idx, scale, matrix)

    def at(self, row: int) -> NDArray[np.float64]:
        values = (self.table[row].take(self.type_idx) * self.scale).astype(np.float32)
        return np.asarray(self.matrix @ values.astype(float))


class ExAnteHeadroom:
    """Turns the DSO's measured headroom into the one a scheme acts on, step by step.

    Parameters
    ----------
    mode : HeadroomMode
        What the scheme sees (see the module docstring).
    background : BackgroundForecast, ProfileBackground or None
        True background load per zone and the DSO's forecast of it; required unless
        ``mode`` is ``measured`` (without it conflicts are judged on the measured headroom).
    lag_steps : int
        Steps between the measurement behind ``headroom_kw`` and the step it arrives in.
    step_s : int
        Step length [s].
    """

    def __init__(
        self,
        mode: HeadroomMode,
        background: BackgroundForecast | ProfileBackground | None,
        *,
        lag_steps: int = 1,
        step_s: int = 900,
    ) -> None:
        if mode is not HeadroomMode.MEASURED and background is None:
            raise ValueError(
                f"headroom_mode={mode.value!r} needs the background load per zone "
                "(background_kw); pass it or use headroom_mode='measured'"
            )
        if lag_steps < 1:
            raise ValueError(f"headroom_lag_steps={lag_steps} must be >= 1")
        self.mode = mode
        self.background = background
        self.lag_s = int(lag_steps) * int(step_s)
        self._ev_kw: dict[int, NDArray[np.float64]] = {}

    def remember(self, time_s: int, ev_zone_kw: NDArray[np.float64]) -> None:
        """The fleet's consumption per zone in step ``time_s`` (what will be measured),
        kept as given (the callers hand over a new array at every step and never write it)."""
        self._ev_kw[int(time_s)] = np.asarray(ev_zone_kw, dtype=float)
        self._ev_kw.pop(int(time_s) - self.lag_s, None)

    def headroom_by_charger_kw(
        self,
        time_s: int,
        measured_kw: NDArray[np.float64],
        p_base_kw: NDArray[np.float64],
        zone_of_charger: NDArray[np.int64],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """:meth:`headroom_kw` with the baseline per charger (``zone_of_charger``: each
        one's zone, -1 none), summed per zone as
        :func:`controllers.coordination.observation.zone_sum` does. Without a forecast to
        correct too (modes measured and perfect), the sum and the correction are one
        compiled call."""
        measured = np.asarray(measured_kw, dtype=float)
        rows = self.compiled_rows(time_s, measured.size) if measured.ndim == 1 else None
        if rows is not None:
            ev_then, bg_then, bg_now = rows
            true = step_kernels.ex_ante_headroom_by_charger(
                measured, ev_then, p_base_kw, zone_of_charger, bg_then, bg_now
            )
            return (measured if self.mode is HeadroomMode.MEASURED else true), true
        n_zone = np.asarray(measured_kw).size
        base_now = step_kernels.zone_sums(p_base_kw, zone_of_charger, n_zone)
        return self.headroom_kw(time_s, measured_kw, base_now)

    def compiled_rows(self, time_s: int, n_zone: int) -> tuple[NDArray[np.float64], ...] | None:
        """``(ev_then, bg_then, bg_now)``, the zone rows the compiled correction of step
        ``time_s`` reads (modes measured and perfect), each of ``n_zone`` values; None when
        the step has none (no background, a forecast to draw, no step measured yet)."""
        bg = self.background
        then = int(time_s) - self.lag_s
        if bg is None or then < 0 or self.mode is HeadroomMode.FORECAST:
            return None
        ev_then = self._ev_kw.get(then)
        if ev_then is None:
            return None
        bg_then, bg_now = bg.row_kw(then), bg.row_kw(time_s)
        if not n_zone == ev_then.size == bg_then.size == bg_now.size:
            return None
        return ev_then, bg_then, bg_now

    def headroom_kw(
        self, time_s: int, measured_kw: NDArray[np.float64], base_now_kw: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``(seen, true)``: the headroom the scheme acts on, and the one conflicts are judged
        on (perfect knowledge of the loads; the measured one without a background series)."""
        measured = np.asarray(measured_kw, dtype=float)
        bg = self.background
        then = int(time_s) - self.lag_s
        if bg is None or then < 0 or then not in self._ev_kw:
            return measured, measured
        ev_then = self._ev_kw[then]
        bg_then = bg.row_kw(then)  # read only, by the compiled loop
        true = ex_ante_headroom_kw(
            measured,
            ev_then_kw=ev_then,
            base_now_kw=base_now_kw,
            bg_then_kw=bg_then,
            bg_forecast_kw=bg.row_kw(time_s),
        )
        if self.mode is HeadroomMode.MEASURED:
            return measured, true
        if self.mode is HeadroomMode.PERFECT:
            return true, true
        seen = ex_ante_headroom_kw(
            measured,
            ev_then_kw=ev_then,
            base_now_kw=base_now_kw,
            bg_then_kw=bg_then,
            bg_forecast_kw=bg.forecast_kw(time_s),
        )
        return seen, true
