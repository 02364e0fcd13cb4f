"""Flexibility a fleet can give this step without breaking any departure need, per charger and zone.

For each charger this step: the baseline ``p_base_kw`` (the policy's setpoint, or the
uncontrolled power for NaN), how much more it could draw (``p_up_kw``) and how much less
(``p_down_kw``, below zero only with V2G). The bounds of one EV for one step are

- top: ``min(p_hi, need / (eta dt))`` (never beyond its target SoC: the EVSE stops there);
- bottom without V2G: the must-run floor (full power afterwards still meets the need);
- bottom with V2G: ``-min(p_hi, eta / dt * min(e_above_soc_min, spare))``, where ``spare`` is
  the energy full power in the later steps could deliver beyond the need (a discharge never
  makes the target unreachable), or the must-run floor when that is positive.

Opted-out EVs keep their uncontrolled power and give no flexibility. The forecast over the
coming steps, from the same bounds, is in :mod:`controllers.aggregator.fleet_forecast`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator import availability_kernels as kernels
from controllers.aggregator.availability_records import (
    Availability,
    BaseShape,
    EVBounds,
    EvenStep,
    ForecastAvailability,
    ZoneAvailability,
)
from controllers.aggregator.chargers import BankParams
from controllers.aggregator.policy import (
    DEFAULT_EFFICIENCY,
    Deferred,
    FleetObservation,
    charger_of,
)
from cosim.records import frozen_record

__all__ = [
    "Availability",
    "BaseShape",
    "EVBounds",
    "EvenStep",
    "ForecastAvailability",
    "ZoneAvailability",
    "bound_rows",
    "charger_availability",
    "ev_bounds",
    "even_rate_kw",
    "even_zone_availability",
    "zone_availability",
    "zone_sum",
]

FloatArray = NDArray[np.float64]


def ev_bounds(obs: FleetObservation, *, v2g: bool) -> EVBounds:
    """Top and bottom AC power of each EV for this step [kW] (see the module docstring).

    ``p_even_kw`` is the even-spread rate (never below the must-run floor).
    """
    return obs.memo(("bounds", bool(v2g)), lambda: _ev_bounds(obs, v2g=v2g), locked=True)


def _ev_bounds(obs: FleetObservation, *, v2g: bool) -> EVBounds:
    return cast(EVBounds, _computed_rows(obs, v2g).build(("bounds", bool(v2g))))


def bound_rows(obs: FleetObservation, v2g: bool) -> _BoundsRows:
    """The rows :func:`~.availability_kernels.fleet_bounds` filled in for ``obs`` (as
    :func:`ev_bounds` reads them), computed now unless this step's kernels did."""
    return obs.memo(("rows", v2g), lambda: _computed_rows(obs, v2g), locked=True)


def _computed_rows(obs: FleetObservation, v2g: bool) -> _BoundsRows:
    n = obs.n_ev
    floats, ints, flags = np.empty((5, n)), np.empty((2, n), np.int64), np.empty((3, n), bool)
    bad = kernels.fleet_bounds(
        np.asarray(obs.plugged, dtype=bool),
        np.asarray(obs.charger_idx, dtype=np.int64),
        np.asarray(obs.departure_s, dtype=np.int64),
        np.asarray(obs.p_max_kw, dtype=float),
        np.asarray(obs.opt_out, dtype=bool),
        np.asarray(obs.e_need_kwh, dtype=float),
        np.asarray(obs.soc, dtype=float),
        np.asarray(obs.soc_min, dtype=float),
        np.asarray(obs.e_capacity_kwh, dtype=float),
        np.asarray(obs.p_rated_kw, dtype=float),
        np.asarray(obs.efficiency, dtype=float),
        np.asarray(obs.bidirectional, dtype=bool),
        int(obs.time_s),
        int(obs.step_s),
        obs.dt_h,
        1,  # unknown_steps, as ev_steps(obs, unknown_steps=1)
        DEFAULT_EFFICIENCY,
        bool(v2g),
        floats,
        ints,
        flags,
    )
    return _bounds_record(obs, bad, floats, ints, flags, v2g)


def _bounds_record(
    obs: FleetObservation,
    bad: int,
    floats: FloatArray,
    ints: NDArray[np.int64],
    flags: NDArray[np.bool_],
    v2g: bool,
) -> _BoundsRows:
    """Memoise the bounds :func:`~.availability_kernels.fleet_bounds` filled in (``bad``:
    its result) as :func:`ev_bounds` of ``obs``, and the helpers' results that came with
    them (later calls of those reuse them), each built when first read."""
    if bad >= 0:
        charger_of(obs)  # raises the error that names the EV and its charger
    rows = _BoundsRows(floats, ints, flags)
    obs.memo_many(dict.fromkeys(_ROW_KEYS[bool(v2g)], rows))
    return rows


#: the memo keys of what :func:`~.availability_kernels.fleet_bounds` fills in, by ``v2g``
_ROW_KEYS = {
    v2g: (("bounds", v2g), "charger", "power", ("steps", 1), ("rows", v2g)) for v2g in (False, True)
}


class _BoundsRows(Deferred):
    """The rows :func:`~.availability_kernels.fleet_bounds` filled in, as the values of
    :data:`_ROW_KEYS`: read-only views, the rows locked before the first is taken (nothing
    else holds them); ``("rows", v2g)`` gives the rows themselves, to kernels that only
    read them (:func:`bound_rows`)."""

    __slots__ = ("flags", "floats", "ints")

    def __init__(self, floats: FloatArray, ints: NDArray[np.int64], flags: NDArray[np.bool_]):
        self.floats, self.ints, self.flags = floats, ints, flags

    def build(self, key: Hashable) -> Any:
        if key in _ROWS_KEYS:
            return self
        floats, ints, flags = self.floats, self.ints, self.flags
        for rows in (floats, ints, flags):
            rows.setflags(write=False)
        if key == "charger":
            return ints[kernels.CHARGER]
        if key == "power":
            return floats[kernels.P_HI], floats[kernels.ETA], flags[kernels.BIDIR]
        if key == ("steps", 1):
            return ints[kernels.STEPS]
        top = floats[kernels.TOP]
        return frozen_record(
            EVBounds,
            at=flags[kernels.AT],
            ctrl=flags[kernels.CTRL],
            p_unc_kw=top,  # read-only: one array for both fields
            p_top_kw=top,
            p_bottom_kw=floats[kernels.BOTTOM],
            p_even_kw=floats[kernels.EVEN],
        )


_ROWS_KEYS = (("rows", False), ("rows", True))


def even_rate_kw(
    need_kwh: FloatArray, eta: FloatArray, steps: NDArray[np.int64], dt_h: float
) -> FloatArray:
    """AC power that spreads each need evenly over the steps left [kW].

    >>> even_rate_kw(np.array([9.0]), np.array([1.0]), np.array([3]), 1.0).tolist()
    [3.0]
    """
    return np.maximum(need_kwh, 0.0) / (eta * dt_h * np.maximum(steps, 1))


def _sums(bins: NDArray[np.int64], weights: FloatArray, n: int) -> FloatArray:
    """``np.bincount`` with weights: float sums per bin (e.g. per-EV values onto their
    chargers), added in the order given, as ``np.add.at``."""
    return cast(FloatArray, np.bincount(bins, weights=weights, minlength=n))


def charger_availability(obs: FleetObservation, p_set_kw: FloatArray, *, v2g: bool) -> Availability:
    """Baseline and up/down availability of each charger this step.

    Parameters
    ----------
    obs : FleetObservation
        The fleet this step.
    p_set_kw : ndarray (n_chargers,)
        The policy's setpoints [kW]; NaN = uncontrolled.
    v2g : bool
        Allow discharge on bidirectional chargers.

    Returns
    -------
    Availability
        Per charger; opted-out EVs get their uncontrolled power and no flexibility.
    """
    b = ev_bounds(obs, v2g=v2g)
    p_set = _setpoints(obs, p_set_kw)
    out = np.zeros((3, obs.n_chargers))
    kernels.charger_sums(p_set, charger_of(obs), b.ctrl, b.p_unc_kw, b.p_top_kw, b.p_bottom_kw, out)
    return frozen_record(Availability, p_base_kw=out[0], p_up_kw=out[1], p_down_kw=out[2])


def zone_availability(
    obs: FleetObservation,
    p_set_kw: FloatArray,
    *,
    v2g: bool,
    zone_of_charger: NDArray[np.int64],
    n_zone: int,
) -> ZoneAvailability:
    """:func:`charger_availability`, its base and down per zone (as :func:`zone_sum`) and
    the chargers' symmetric room (as :func:`~controllers.aggregator.fcr.band_share`), in
    one pass: the flexibility services read all of them at every step."""
    b = ev_bounds(obs, v2g=v2g)
    p_set = _setpoints(obs, p_set_kw)
    out, zones, room = np.zeros((3, obs.n_chargers)), np.zeros((2, n_zone)), np.empty(p_set.size)
    total = kernels.zone_sums(
        p_set,
        charger_of(obs),
        b.ctrl,
        b.p_unc_kw,
        b.p_top_kw,
        b.p_bottom_kw,
        np.asarray(zone_of_charger, dtype=np.int64),
        out,
        zones,
        room,
    )
    return frozen_record(
        ZoneAvailability,
        chargers=frozen_record(Availability, p_base_kw=out[0], p_up_kw=out[1], p_down_kw=out[2]),
        p_base_kw=zones[0],
        p_down_kw=zones[1],
        room_kw=room,
        room_total_kw=total,
    )


def even_zone_availability(
    obs: FleetObservation,
    p_set_kw: FloatArray,
    bank: BankParams,
    *,
    v2g: bool,
    zone_of_charger: NDArray[np.int64],
    n_zone: int,
    p_metered_kw: FloatArray | None = None,
    metered_default: float = 0.0,
    held_kw: tuple[float, float] = (0.0, 0.0),
    history: tuple[FloatArray, int, int] | None = None,
) -> EvenStep:
    """The bank's setpoints for the even baseline, their :func:`zone_availability`, the
    per-zone sums of ``p_metered_kw`` (float64, one per charger, a NaN counted as
    ``metered_default``; None: not given) and the FCR and aFRR bands ``held_kw`` shared out
    as :func:`~controllers.aggregator.fcr.room_share`, in one kernel call: ``bank.levels(s)``
    with ``s`` the policy's ``p_set_kw`` (float64, one per charger) where each controllable
    EV's charger gets its even rate. ``history``: ``(values, day, slot)`` of
    :meth:`~controllers.aggregator.flex_offers.ZoneMemory.target`, which gets the zones'
    down as ``ZoneMemory.update`` would store it (None: not stored).

    The observation must come from the adapter (its arrays have the dtypes of
    :class:`FleetObservation`'s columns, its bank is ``bank``); :func:`ev_bounds` of
    ``obs`` reuses the bounds.
    """
    n, nc = obs.plugged.size, obs.p_rated_kw.size  # n_ev, n_chargers
    floats, ints, flags = np.empty((5, n)), np.empty((2, n), np.int64), np.empty((3, n), bool)
    chargers, zones = np.empty((7, nc)), np.zeros((3, n_zone))
    p_step_kw, p_min_kw = bank.level_params
    values, day, slot = _NO_HISTORY if history is None else history
    bad, total = kernels.even_step(
        obs.plugged, obs.charger_idx, obs.departure_s, obs.p_max_kw, obs.opt_out,
        obs.e_need_kwh, obs.soc, obs.soc_min, obs.e_capacity_kwh, obs.p_rated_kw,
        obs.efficiency, obs.bidirectional, obs.time_s, obs.step_s, obs.dt_h,
        DEFAULT_EFFICIENCY, v2g, p_set_kw,
        obs.p_rated_kw if p_step_kw is None else p_step_kw,
        obs.p_rated_kw if p_min_kw is None else p_min_kw,
        p_step_kw is not None, p_min_kw is not None, zone_of_charger,
        obs.p_rated_kw if p_metered_kw is None else p_metered_kw, p_metered_kw is not None,
        metered_default, held_kw[0], held_kw[1], values, day, slot, history is not None,
        floats, ints, flags, chargers, zones,
    )  # fmt: skip
    _bounds_record(obs, bad, floats, ints, flags, v2g)
    base, up, down, room, p_set, fcr_band, afrr_band = chargers
    zoned = frozen_record(
        ZoneAvailability,
        chargers=frozen_record(Availability, p_base_kw=base, p_up_kw=up, p_down_kw=down),
        p_base_kw=zones[0],
        p_down_kw=zones[1],
        room_kw=room,
        room_total_kw=total,
    )
    metered = None if p_metered_kw is None else zones[2]
    return EvenStep(p_set, zoned, metered, (fcr_band, afrr_band))


#: the history even_step gets when it stores none: never written, writable as a real
#: history is (one compiled signature)
_NO_HISTORY = (np.zeros((1, 1, 1)), 0, 0)


def _setpoints(obs: FleetObservation, p_set_kw: FloatArray) -> FloatArray:
    """``p_set_kw`` as floats, one per charger."""
    p_set = np.asarray(p_set_kw, dtype=float)
    if p_set.shape != (obs.n_chargers,):
        raise ValueError(
            f"p_set_kw has shape {p_set.shape}: give one setpoint per charger ({obs.n_chargers})"
        )
    return p_set


def zone_sum(values: FloatArray, zone_of_charger: NDArray[np.int64], n_zone: int) -> FloatArray:
    """Sum per-charger values (n_chargers, ...) per zone (Z, ...); zone -1 is left out.

    >>> zone_sum(np.array([1.0, 2.0, 4.0]), np.array([0, 1, -1]), 2).tolist()
    [1.0, 2.0]
    """
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:  # in charger order, as np.add.at
        if np.count_nonzero(zone_of_charger < 0):
            inzone = zone_of_charger >= 0
            return _sums(zone_of_charger[inzone], values[inzone], n_zone)
        return _sums(zone_of_charger, values, n_zone)
    rows = values.reshape(values.shape[0], math.prod(values.shape[1:]))
    return _zone_sums([rows], zone_of_charger, n_zone)[0].reshape(n_zone, *values.shape[1:])


def _zone_sums(
    values: Sequence[FloatArray], zone_of_row: NDArray[np.int64], n_zone: int
) -> list[FloatArray]:
    """Per-zone sums (Z, W) of arrays (n, W) whose rows lie in ``zone_of_row`` (n,).

    As :func:`zone_sum` of each array, the bins made once.
    """
    inzone = zone_of_row >= 0
    width = values[0].shape[1]
    # one bincount over (zone, column) bins in row-major order: per bin the additions of
    # np.add.at, in the same order, without its per-element dispatch
    bins = (zone_of_row[inzone][:, None] * width + np.arange(width)).reshape(-1)
    return [
        _sums(bins, v[inzone].reshape(-1), n_zone * width).reshape(n_zone, width) for v in values
    ]
