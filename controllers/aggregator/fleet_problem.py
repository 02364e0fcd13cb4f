"""Per-step quantities of the receding-horizon policies: the fleet, its problem, the price.

Helpers of :mod:`controllers.aggregator.scheduling`: what each EV can do this step
(:class:`FleetState`), the scheduling problem of a set of EVs over the horizon, the price
forecast padded to the horizon, the predicted charging of opted-out EVs and the energy
that could still be postponed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator.baseline import asap_plan_kw
from controllers.aggregator.lp import ScheduleProblem
from controllers.aggregator.policy import FleetObservation, clip, ev_power_kw, ev_steps

__all__ = [
    "FleetState",
    "fleet_problem",
    "flex_kwh",
    "opted_out_profile",
    "price_forecast",
    "requirement",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class FleetState:
    """Per-EV quantities of one step (shape (n_ev,))."""

    ctrl: NDArray[np.bool_]
    p_hi: FloatArray
    eta: FloatArray
    v2g: NDArray[np.bool_]
    steps: NDArray[np.int64]
    e_lo: FloatArray
    need: FloatArray
    #: battery energy full power could still add after this step, ``p_hi eta dt (K - 1)``
    later: FloatArray


def fleet_problem(
    fleet: FleetState, i: NDArray[np.int64], price: FloatArray, dt_h: float, *, wear_eur_mwh: float
) -> ScheduleProblem:
    """The scheduling problem of EVs ``i`` over the price forecast's horizon."""
    window, need_req = requirement(fleet, i, price.size, dt_h)
    return ScheduleProblem(
        price_eur_mwh=price,
        window=window,
        p_hi_kw=fleet.p_hi[i],
        eta=fleet.eta[i],
        need_req_kwh=need_req,
        e_hi_kwh=np.maximum(fleet.need[i], need_req),
        e_lo_kwh=np.where(fleet.v2g[i], fleet.e_lo[i], 0.0),
        v2g=fleet.v2g[i],
        dt_h=dt_h,
        wear_eur_mwh=wear_eur_mwh,
    )


def requirement(
    fleet: FleetState, i: NDArray[np.int64], horizon: int, dt_h: float
) -> tuple[NDArray[np.int64], FloatArray]:
    """Window of EVs ``i`` within the horizon [steps] and the need due by its end [kWh].

    An EV leaving after the horizon must by then hold what full power afterwards could
    not deliver.
    """
    steps = fleet.steps[i]
    window = np.minimum(steps, horizon)
    reach = fleet.p_hi[i] * fleet.eta[i] * dt_h
    after = np.maximum(steps - window, 0)
    need_req = clip(fleet.need[i] - reach * after, 0.0, reach * window)
    return window.astype(np.int64, copy=False), need_req


def price_forecast(obs: FleetObservation, horizon: int) -> FloatArray:
    """Price forecast over ``horizon`` steps, padded with its last value [EUR/MWh]."""
    price = np.asarray(obs.price_forecast_eur_mwh, dtype=float).reshape(-1)
    if price.size == 0:
        price = np.array([float(obs.price_eur_mwh)])
    if price.size < horizon:
        price = np.concatenate((price, np.full(horizon - price.size, price[-1])))
    return price[:horizon]


def opted_out_profile(obs: FleetObservation, horizon: int) -> FloatArray:
    """Predicted uncontrolled AC power of opted-out plugged EVs per step [kW]."""
    out = obs.plugged & (obs.charger_idx >= 0) & obs.opt_out
    if not out.any():
        return np.zeros(horizon)
    p_hi, eta, _ = ev_power_kw(obs)
    steps = ev_steps(obs, unknown_steps=horizon)
    need = obs.e_need_kwh[out]
    return asap_plan_kw(need, p_hi[out], eta[out], steps[out], horizon=horizon, dt_h=obs.dt_h)


def flex_kwh(fleet: FleetState) -> float:
    """Energy the controlled EVs need that could still be postponed past this step [kWh]."""
    later = np.minimum(fleet.need, fleet.later)
    return float(np.add.reduce(np.where(fleet.ctrl, np.maximum(later, 0.0), 0.0)))
