"""Flexibility a fleet can give over the coming steps: the per-zone availability forecast
and the pool's smallest room over an FCR block.

The forecast (:func:`availability_forecast`) rolls the plugged EVs forward along a baseline
profile, each step's bounds those of :func:`~controllers.aggregator.availability.ev_bounds`
for the energy left (EVs arriving later are not counted: the forecast errs on the safe
side). Its compiled loops are in :mod:`controllers.aggregator.availability_forecast_kernels`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator import availability_forecast_kernels as forecast_kernels
from controllers.aggregator.availability import bound_rows, ev_bounds
from controllers.aggregator.availability_records import BaseShape, ForecastAvailability
from controllers.aggregator.baseline import rule_profile_kw
from controllers.aggregator.policy import FleetObservation, ev_power_kw, ev_steps

__all__ = ["availability_forecast", "even_block_room"]

FloatArray = NDArray[np.float64]


def availability_forecast(
    obs: FleetObservation,
    *,
    horizon: int,
    shape: BaseShape,
    v2g: bool,
    zone_of_charger: NDArray[np.int64],
    n_zone: int,
) -> ForecastAvailability:
    """Baseline and up/down availability per zone over the next ``horizon`` steps.

    The plugged, controllable EVs follow the baseline ``shape``; at each future step their
    bounds are those of :func:`ev_bounds` for the energy left. EVs leave at their
    departure; arrivals are not forecast (their availability is not promised).

    Returns
    -------
    ForecastAvailability
        (Z, horizon) arrays [kW].
    """
    b = ev_bounds(obs, v2g=v2g)
    out = np.zeros((3, n_zone, horizon))
    if shape is BaseShape.ASAP:
        _forecast_asap(obs, b.ctrl, v2g=v2g, zone_of_charger=zone_of_charger, out=out)
    else:  # even: the baseline made in the kernel, from every EV's bounds
        p_hi, eta, bidir = ev_power_kw(obs)
        forecast_kernels.forecast_even_sums(
            b.ctrl, p_hi, eta, bidir, ev_steps(obs, unknown_steps=1), obs.charger_idx,
            obs.e_need_kwh, obs.soc, obs.soc_min, obs.e_capacity_kwh,
            np.asarray(zone_of_charger, dtype=np.int64), obs.dt_h, bool(v2g), out,
        )  # fmt: skip
    p_base, p_up, p_down = out
    return ForecastAvailability(p_base_kw=p_base, p_up_kw=p_up, p_down_kw=p_down)


def even_block_room(
    obs: FleetObservation,
    *,
    horizon: int,
    v2g: bool,
    zone_of_charger: NDArray[np.int64],
    n_zone: int,
) -> float:
    """The pool's smallest symmetric room over the steps of the forecast but the first [kW]
    (``horizon`` >= 2): as ``np.minimum.reduce(np.minimum(up[1:], down[1:]))`` with
    ``up = np.maximum(fc.p_up_kw, 0.0).sum(axis=0)``, ``down`` the same of ``fc.p_down_kw``
    and ``fc = availability_forecast(obs, shape=BaseShape.EVEN, ...)``, in one kernel call
    that reads the bounds' rows as they are.

    The observation must come from the adapter (its arrays have the dtypes of
    :class:`FleetObservation`'s columns) and ``zone_of_charger`` be int64.
    """
    rows = bound_rows(obs, v2g)
    low: float = forecast_kernels.forecast_even_room(
        rows.floats, rows.ints, rows.flags, obs.charger_idx, obs.e_need_kwh, obs.soc,
        obs.soc_min, obs.e_capacity_kwh, zone_of_charger, obs.dt_h, v2g,
        np.zeros((3, n_zone, horizon)),
    )  # fmt: skip
    return low


def _forecast_asap(
    obs: FleetObservation,
    ctrl: NDArray[np.bool_],
    *,
    v2g: bool,
    zone_of_charger: NDArray[np.int64],
    out: FloatArray,
) -> None:
    """:func:`availability_forecast` along the ASAP baseline, added into ``out`` (3, Z, H)."""
    # only the controllable EVs add anything: the others' rows are zero throughout
    ev = np.flatnonzero(ctrl)
    p_all, eta_all, bidir_all = ev_power_kw(obs)
    p_hi, eta, bidir = p_all[ev], eta_all[ev], bidir_all[ev]
    dt = obs.dt_h
    steps = ev_steps(obs, unknown_steps=1)[ev]
    need0 = np.maximum(obs.e_need_kwh[ev], 0.0)
    allowed = np.ones(out.shape[2], dtype=bool)
    base = rule_profile_kw(need0, p_hi, eta, steps, allowed=allowed, dt_h=dt)
    if v2g:  # battery energy above the V2G floor [kWh]
        above = np.maximum(obs.soc[ev] - obs.soc_min[ev], 0.0) * obs.e_capacity_kwh[ev]
    else:
        above = np.zeros(ev.size)  # not read
    zone_ev = zone_of_charger[obs.charger_idx[ev]]  # controllable EVs are at a charger
    forecast_kernels.forecast_sums(
        np.ascontiguousarray(base, dtype=float),
        p_hi,
        eta,
        bidir,
        steps,
        need0,
        above,
        np.asarray(zone_ev, dtype=np.int64),
        dt,
        bool(v2g),
        out,
    )
