"""Availability invariants: moving a charger anywhere inside [base - down, base + up] keeps
every feasible departure need reachable, within SoC bounds; V2G only where allowed."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.aggregator.availability import BaseShape, charger_availability
from controllers.aggregator.fleet_forecast import availability_forecast
from controllers.aggregator.policy import FleetObservation

STEP_S = 900
DT_H = STEP_S / 3600.0
ETA = 0.92


@st.composite
def fleets(draw: st.DrawFn) -> FleetObservation:
    n = draw(st.integers(1, 6))
    floats = st.floats(0.0, 1.0)
    soc = np.array(draw(st.lists(floats, min_size=n, max_size=n)))
    target = np.array(draw(st.lists(st.floats(0.5, 1.0), min_size=n, max_size=n)))
    soc_min = np.array(draw(st.lists(st.floats(0.0, 0.4), min_size=n, max_size=n)))
    cap = np.array(draw(st.lists(st.floats(20.0, 80.0), min_size=n, max_size=n)))
    steps = np.array(draw(st.lists(st.integers(1, 48), min_size=n, max_size=n)))
    p_max = np.array(draw(st.lists(st.floats(3.7, 22.0), min_size=n, max_size=n)))
    plugged = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    opt_out = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    bidir = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    p_rated = np.full(n, 11.0)
    need = np.maximum(target - soc, 0.0) * cap
    # feasible needs only: full power over the stay meets them
    need = np.minimum(need, np.minimum(p_max, p_rated) * ETA * DT_H * steps)
    return FleetObservation(
        time_s=0,
        step_s=STEP_S,
        plugged=plugged,
        soc=soc,
        e_need_kwh=need,
        e_capacity_kwh=cap,
        departure_s=(steps * STEP_S).astype(np.int64),
        p_max_kw=p_max,
        soc_min=soc_min,
        soc_target=target,
        opt_out=opt_out,
        charger_idx=np.where(plugged, np.arange(n), -1).astype(np.int64),
        p_rated_kw=p_rated,
        efficiency=np.full(n, ETA),
        bidirectional=bidir,
    )


def _still_feasible(obs: FleetObservation, p_ac_kw: np.ndarray) -> np.ndarray:
    """After one step at ``p_ac_kw``, full power over the rest meets the need; SoC in bounds."""
    p_hi = np.minimum(obs.p_max_kw, obs.p_rated_kw)
    steps = obs.departure_s // STEP_S
    e_batt = np.where(p_ac_kw >= 0, p_ac_kw * ETA, p_ac_kw / ETA) * DT_H
    need_after = obs.e_need_kwh - e_batt
    reach = p_hi * ETA * DT_H * (steps - 1)
    soc_after = obs.soc + e_batt / obs.e_capacity_kwh
    tol = 1e-6
    return (
        (need_after <= reach + tol)
        & (need_after >= -tol)  # never charged beyond the target
        & (soc_after >= np.minimum(obs.soc, obs.soc_min) - tol)
    )


@settings(max_examples=200, deadline=None)
@given(fleets(), st.booleans(), st.floats(0.0, 1.0))
def test_any_move_within_the_availability_keeps_needs_feasible(
    obs: FleetObservation, v2g: bool, frac: float
) -> None:
    p_set = np.full(obs.n_chargers, np.nan)  # uncontrolled baseline
    av = charger_availability(obs, p_set, v2g=v2g)
    assert (av.p_up_kw >= 0).all() and (av.p_down_kw >= 0).all()
    at = obs.plugged
    for p in (av.p_base_kw + frac * av.p_up_kw, av.p_base_kw - frac * av.p_down_kw):
        assert _still_feasible(obs, p)[at].all()


@settings(max_examples=200, deadline=None)
@given(fleets(), st.booleans())
def test_discharge_only_on_bidirectional_chargers_with_v2g(
    obs: FleetObservation, v2g: bool
) -> None:
    av = charger_availability(obs, np.full(obs.n_chargers, np.nan), v2g=v2g)
    lowest = av.p_base_kw - av.p_down_kw
    allowed = v2g & obs.bidirectional & obs.plugged & ~obs.opt_out
    assert (lowest[~allowed] >= -1e-9).all()


@settings(max_examples=200, deadline=None)
@given(fleets(), st.booleans())
def test_opted_out_and_free_chargers_offer_nothing(obs: FleetObservation, v2g: bool) -> None:
    av = charger_availability(obs, np.full(obs.n_chargers, np.nan), v2g=v2g)
    none = obs.opt_out | ~obs.plugged
    assert (av.p_up_kw[none] == 0).all() and (av.p_down_kw[none] == 0).all()
    assert (av.p_base_kw[~obs.plugged] == 0).all()


@settings(max_examples=100, deadline=None)
@given(fleets(), st.booleans(), st.sampled_from(list(BaseShape)))
def test_forecast_starts_with_this_steps_availability(
    obs: FleetObservation, v2g: bool, shape: BaseShape
) -> None:
    zones = np.zeros(obs.n_chargers, dtype=np.int64)
    fc = availability_forecast(
        obs, horizon=8, shape=shape, v2g=v2g, zone_of_charger=zones, n_zone=1
    )
    assert fc.p_up_kw.shape == (1, 8)
    assert (fc.p_up_kw >= 0).all() and (fc.p_down_kw >= 0).all()
    if shape is BaseShape.ASAP:  # the uncontrolled baseline is this step's baseline
        av = charger_availability(obs, np.full(obs.n_chargers, np.nan), v2g=v2g)
        assert np.isclose(fc.p_down_kw[0, 0], av.p_down_kw.sum())
        assert np.isclose(fc.p_up_kw[0, 0], av.p_up_kw.sum())
