"""ToU-delayed start with a randomised delay per session (issue 9)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.aggregator.baseline import rule_profile_kw
from controllers.aggregator.registry import make_policy
from tests.unit.test_aggregator_policies import DT_H, ETA, STEP_S, make_obs, simulate

PEAK_STEPS = 32  # off-peak starts at step 32
PRICE = np.r_[np.full(PEAK_STEPS, 270.0), np.full(96 - PEAK_STEPS, 206.8)]
N = 40


def _run(delay_s: float, seed: int) -> dict:
    rng = np.random.default_rng(11)
    obs = make_obs(
        N,
        soc=rng.uniform(0.3, 0.8, N),
        dep_steps=rng.integers(60, 96, N),
        p_max_kw=rng.choice([7.4, 11.0], N),
        price=PRICE,
    )
    policy = make_policy(
        "tou_delayed", {"random_delay_s": delay_s}, rng=np.random.default_rng(seed)
    )
    run = simulate(policy, obs, 96)
    run["obs"] = obs
    return run


def test_two_hour_window_spreads_the_off_peak_start_and_still_meets_every_need() -> None:
    sharp, spread = _run(0.0, seed=1), _run(7200.0, seed=1)
    at_start = PEAK_STEPS
    assert spread["p_kw"][:at_start].sum() == 0.0  # nobody starts before off-peak
    assert spread["p_kw"][at_start].sum() < 0.3 * sharp["p_kw"][at_start].sum()
    assert spread["p_kw"].sum(axis=1).max() < sharp["p_kw"].sum(axis=1).max()
    # once the window is over, every session still needing a full step runs at full power
    obs = spread["obs"]
    k = at_start + 8
    left = (0.9 - spread["soc"][k - 1]) * obs.e_capacity_kwh
    busy = left >= obs.p_max_kw * ETA * DT_H
    assert busy.any()
    np.testing.assert_allclose(spread["p_kw"][k][busy], obs.p_max_kw[busy])
    delivered = (spread["soc"][-1] - obs.soc) * obs.e_capacity_kwh
    np.testing.assert_allclose(delivered, obs.e_need_kwh, atol=1e-6)


def test_same_seed_same_result_another_seed_another() -> None:
    a, b, c = _run(7200.0, seed=3), _run(7200.0, seed=3), _run(7200.0, seed=4)
    np.testing.assert_array_equal(a["p_kw"], b["p_kw"])
    assert not np.array_equal(a["p_kw"], c["p_kw"])


def test_default_delay_of_600_s_lowers_only_the_first_off_peak_step() -> None:
    sharp, uk = _run(0.0, seed=2), _run(600.0, seed=2)
    first = uk["p_kw"][PEAK_STEPS].sum()
    assert first < sharp["p_kw"][PEAK_STEPS].sum()
    # a delay below one step keeps at least a third of the first step's power
    assert first >= sharp["p_kw"][PEAK_STEPS].sum() / 3.0 - 1e-9
    np.testing.assert_allclose(uk["p_kw"][PEAK_STEPS + 1], sharp["p_kw"][PEAK_STEPS + 1])


def test_a_delay_never_costs_a_need_that_only_the_latest_start_meets() -> None:
    price = np.r_[np.full(64, 270.0), np.full(32, 206.8)]
    obs = make_obs(1, soc=0.1, cap_kwh=77.0, dep_steps=80, price=price)  # must start at 55
    policy = make_policy("tou_delayed", {"random_delay_s": 7200.0})
    run = simulate(policy, obs, 80)
    assert run["soc"][-1, 0] == pytest.approx(0.9)


def test_negative_delay_window_is_refused_with_the_field_name() -> None:
    with pytest.raises(ValueError, match="random_delay_s=-1"):
        make_policy("tou_delayed", {"random_delay_s": -1.0})


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 5),
    horizon=st.integers(1, 20),
    data=st.data(),
)
def test_shares_of_a_step_give_the_step_by_step_rule(
    n: int, horizon: int, data: st.DataObject
) -> None:
    """The closed form with per-EV shares equals the plain step-by-step recursion."""
    share = np.array(
        data.draw(st.lists(st.floats(0.0, 1.0), min_size=n * horizon, max_size=n * horizon))
    ).reshape(n, horizon)
    need = np.array(data.draw(st.lists(st.floats(0.0, 40.0), min_size=n, max_size=n)))
    steps = np.array(data.draw(st.lists(st.integers(1, horizon + 3), min_size=n, max_size=n)))
    p_hi, eta, dt = np.full(n, 7.4), np.full(n, 0.92), STEP_S / 3600.0
    got = rule_profile_kw(need, p_hi, eta, steps, allowed=share, dt_h=dt)
    e_step = p_hi * eta * dt
    left = np.minimum(need, e_step * steps)
    for k in range(horizon):
        floor = np.maximum(left - e_step * (steps - k - 1), 0.0)
        e = np.where(k < steps, np.minimum(np.maximum(share[:, k] * e_step, floor), left), 0.0)
        np.testing.assert_allclose(got[:, k], e / (eta * dt), atol=1e-9)
        left = left - e
