"""The fast paths of the LP policies plan what the fleet LP would (V2G DP, loose fleet cap)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from controllers.aggregator.registry import make_policy
from controllers.aggregator.scheduling import CostMinPolicy
from tests.unit.test_aggregator_policies import DT_H, make_obs, simulate

HORIZON = 48


class _FleetLPCostMin(CostMinPolicy):
    """Cost minimisation that always solves the whole fleet's LP (the reference)."""

    coupled: ClassVar[bool] = True


def _obs(n: int = 10, seed: int = 2) -> object:
    rng = np.random.default_rng(seed)
    return make_obs(
        n,
        soc=rng.uniform(0.2, 0.8, n),
        dep_steps=rng.integers(6, HORIZON, n),
        p_max_kw=rng.choice([3.7, 7.4, 11.0], n),
        price=100.0 + 120.0 * rng.random(HORIZON),
        bidirectional=True,
    )


def _cost_eur(run: dict, price: np.ndarray, wear_eur_mwh: float) -> float:
    p = run["p_kw"]
    steps = np.arange(p.shape[0])
    energy = p.sum(axis=1) * price[steps] * DT_H
    wear = np.maximum(-p, 0.0).sum(axis=1) * wear_eur_mwh * DT_H
    return float(np.sum(energy + wear) / 1000.0)


@pytest.mark.parametrize("seed", [2, 3])
def test_v2g_slope_dp_closed_loop_costs_what_the_fleet_lp_costs(seed: int) -> None:
    obs = _obs(seed=seed)
    params = {"v2g": True, "wear_eur_mwh": 40.0, "resolve_every_steps": 1}
    fast = simulate(make_policy("cost_min", params), obs, HORIZON)
    ref = simulate(_FleetLPCostMin(horizon_steps=HORIZON, **params), obs, HORIZON)
    price = np.asarray(obs.price_forecast_eur_mwh)
    assert (fast["p_kw"] < 0).any()  # it does sell
    assert _cost_eur(fast, price, 40.0) == pytest.approx(_cost_eur(ref, price, 40.0), rel=1e-6)
    np.testing.assert_allclose(fast["soc"][-1], ref["soc"][-1], atol=1e-6)


def test_a_loose_fleet_cap_changes_nothing_and_a_tight_one_holds() -> None:
    obs = _obs(seed=4)
    free = simulate(make_policy("cost_min", {"v2g": True}), obs, HORIZON)
    peak = free["p_kw"].sum(axis=1).max()
    loose = simulate(make_policy("cost_min", {"v2g": True, "p_fleet_max_kw": peak + 1}), obs, 48)
    np.testing.assert_allclose(loose["p_kw"], free["p_kw"], atol=1e-9)  # batch round-off
    cap = 0.6 * peak
    tight = simulate(make_policy("cost_min", {"v2g": True, "p_fleet_max_kw": cap}), obs, 48)
    assert tight["p_kw"].sum(axis=1).max() <= cap + 1e-6
    np.testing.assert_allclose(tight["soc"][-1], free["soc"][-1], atol=1e-6)
