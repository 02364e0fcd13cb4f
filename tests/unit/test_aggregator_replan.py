"""LP policies re-plan on events only, and that costs nothing against a per-step re-solve."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from controllers.aggregator.policy import FleetObservation
from controllers.aggregator.registry import make_policy
from tests.unit.test_aggregator_policies import DT_H, ETA, STEP_S, make_obs, simulate

PRICE = 100.0 + 80.0 * np.sin(np.arange(96) / 7.0)


def _fleet(n: int = 12, seed: int = 5, **extra: object) -> FleetObservation:
    rng = np.random.default_rng(seed)
    return make_obs(
        n,
        soc=rng.uniform(0.1, 0.8, n),
        dep_steps=rng.integers(4, 90, n),
        p_max_kw=rng.choice([3.7, 7.4, 11.0], n),
        price=PRICE,
        **extra,
    )


def _cost_eur(run: dict) -> float:
    price = np.array([np.roll(PRICE, -k)[0] for k in range(run["p_kw"].shape[0])])
    return float(np.sum(run["p_kw"].sum(axis=1) * price) * DT_H / 1000.0)


def test_no_event_no_resolve() -> None:
    policy = make_policy("cost_min")
    simulate(policy, _fleet(), 12)
    assert len(policy.solve_ms) == 1  # the plan of step 0 is followed


def _next(obs: FleetObservation, p_set_kw: np.ndarray, **change: object) -> FleetObservation:
    """The observation one step later, after the chargers followed ``p_set_kw`` exactly."""
    need = obs.e_need_kwh - p_set_kw[obs.charger_idx] * ETA * DT_H
    fields: dict = {"price_forecast_eur_mwh": np.roll(obs.price_forecast_eur_mwh, -1)}
    fields.update(change)
    return replace(obs, time_s=obs.time_s + STEP_S, e_need_kwh=need, **fields)


def test_a_changed_price_forecast_resolves() -> None:
    policy = make_policy("cost_min")
    obs = _fleet()
    obs = _next(obs, policy.decide(obs).p_set_kw)
    p_set = policy.decide(obs).p_set_kw
    assert len(policy.solve_ms) == 1
    shifted = np.roll(obs.price_forecast_eur_mwh, -1)
    shifted[10] += 50.0
    policy.decide(_next(obs, p_set, price_forecast_eur_mwh=shifted))
    assert len(policy.solve_ms) == 2


def test_a_deviation_from_the_plan_resolves() -> None:
    policy = make_policy("cost_min", {"replan_tol_kwh": 0.1})
    obs = _fleet()
    obs = _next(obs, policy.decide(obs).p_set_kw)
    p_set = policy.decide(replace(obs, e_need_kwh=obs.e_need_kwh - 0.05)).p_set_kw  # in tol
    assert len(policy.solve_ms) == 1
    later = _next(obs, p_set)
    policy.decide(replace(later, e_need_kwh=later.e_need_kwh - 5.0))
    assert len(policy.solve_ms) == 2


def test_an_arrival_is_planned_without_disturbing_the_others() -> None:
    obs = _fleet()
    plugged = np.ones(obs.n_ev, bool)
    plugged[0] = False
    first = replace(obs, plugged=plugged, charger_idx=np.where(plugged, obs.charger_idx, -1))
    events, every_step = (
        make_policy("cost_min"),
        make_policy("cost_min", {"resolve_every_steps": 1}),
    )
    for policy in (events, every_step):
        policy.decide(first)
    later = replace(obs, time_s=STEP_S, price_forecast_eur_mwh=np.roll(PRICE, -1))
    got = events.decide(later).p_set_kw
    assert len(events.solve_ms) == 2
    np.testing.assert_allclose(got, every_step.decide(later).p_set_kw, atol=1e-9)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("cost_min", {}),
        ("cost_min", {"v2g": True, "wear_eur_mwh": 40.0}),
        ("cost_min", {"p_fleet_max_kw": 40.0}),
    ],
)
def test_events_only_costs_and_serves_as_a_per_step_resolve(name: str, params: dict) -> None:
    obs = _fleet(bidirectional=True)
    runs = {}
    for every in (1, 16):
        policy = make_policy(name, {**params, "resolve_every_steps": every})
        runs[every] = simulate(policy, obs, 90)
    # every departure need met either way; the cost differs by LP tolerances at most
    np.testing.assert_allclose(runs[16]["soc"][-1], runs[1]["soc"][-1], atol=1e-6)
    assert _cost_eur(runs[16]) == pytest.approx(_cost_eur(runs[1]), rel=1e-6, abs=1e-6)


def _staggered(policy: Any, obs: FleetObservation, arrive: np.ndarray, n_steps: int) -> dict:
    """Closed loop where EV ``i`` plugs in at step ``arrive[i]``; counts the solves."""
    run = simulate(policy, obs, n_steps, bg_kw=_bg_kw, arrive=arrive)
    return {"p_kw": run["p_kw"], "soc": run["soc"][-1], "n_solves": len(policy.solve_ms)}


def _bg_kw(k: int) -> float:
    return 60.0 + 40.0 * np.cos(2 * np.pi * (k % 96) / 96)


def _arrivals(n: int, seed: int = 5) -> tuple[FleetObservation, np.ndarray]:
    rng = np.random.default_rng(seed)
    arrive = rng.integers(0, 30, n)
    obs = _fleet(n, seed, departure_s=((arrive + rng.integers(12, 60, n)) * STEP_S))
    return obs, arrive


def test_under_a_fleet_cap_an_arrival_leaves_the_others_plans_alone() -> None:
    obs = make_obs(7, soc=0.6, dep_steps=60, p_max_kw=11.0, price=PRICE)
    params = {"p_fleet_max_kw": 20.0}  # binds: the cheap steps cannot take everyone
    arrive = np.array([0, 0, 0, 0, 0, 0, 5])
    late = _staggered(make_policy("cost_min", params), obs, arrive, 60)
    never = _staggered(make_policy("cost_min", params), obs, np.r_[arrive[:6], 999], 60)
    # until the next whole-fleet solve (step 16) the others do what they planned
    np.testing.assert_allclose(late["p_kw"][:16, :6], never["p_kw"][:16, :6], atol=1e-9)
    assert late["p_kw"].sum(axis=1).max() <= 20.0 + 1e-6
    np.testing.assert_allclose(late["soc"], 0.9, atol=1e-6)


@pytest.mark.parametrize(
    ("name", "params"),
    [("valley_filling", {}), ("cost_min", {"p_fleet_max_kw": 40.0})],
)
def test_coupled_events_only_serves_as_a_per_step_resolve_with_arrivals(
    name: str, params: dict
) -> None:
    obs, arrive = _arrivals(12)
    runs = {}
    for every in (1, 16):
        policy = make_policy(name, {**params, "resolve_every_steps": every})
        if name == "valley_filling":  # a day of background history first
            idle = replace(obs, plugged=np.zeros(12, bool), charger_idx=np.full(12, -1))
            for k in range(-96, 0):
                policy.decide(replace(idle, time_s=k * STEP_S, p_load_bg_kw=_bg_kw(k - 1)))
        runs[every] = _staggered(policy, obs, arrive, 90)
    # every departure need met either way
    np.testing.assert_allclose(runs[16]["soc"], runs[1]["soc"], atol=1e-6)
    total = {e: r["p_kw"].sum(axis=1) for e, r in runs.items()}
    if "p_fleet_max_kw" in params:
        assert max(t.max() for t in total.values()) <= params["p_fleet_max_kw"] + 1e-6
        price = np.array([np.roll(PRICE, -k)[0] for k in range(90)])
        cost = {e: float(t @ price) for e, t in total.items()}
        assert cost[16] == pytest.approx(cost[1], rel=0.01)  # measured: +0.1 %
    else:
        bg = np.array([_bg_kw(k) for k in range(90)])
        sq = {e: float(np.sum((bg + t) ** 2)) for e, t in total.items()}
        assert sq[16] == pytest.approx(sq[1], rel=0.01)
    # the whole fleet was re-solved far less often than every step
    assert runs[16]["n_solves"] < runs[1]["n_solves"]


def test_a_departure_needs_no_solve_under_a_coupling() -> None:
    obs = _fleet(6, departure_s=np.array([5, 40, 40, 40, 40, 40]) * STEP_S)
    run = _staggered(make_policy("cost_min", {"p_fleet_max_kw": 30.0}), obs, np.zeros(6, int), 12)
    assert run["n_solves"] == 1  # planned at step 0; the departure at step 5 changes nothing
