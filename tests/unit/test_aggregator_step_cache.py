"""What one aggregator step computes once or on demand gives the same values as computing it.

Per-EV quantities are computed once per observation (``FleetObservation.memo``); the
uncontrolled plan, the availability and the declared baseline are computed when read. Each
must equal the direct computation, and a shared result must not be changeable by a caller.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.aggregator.availability import charger_availability, ev_bounds, zone_sum
from controllers.aggregator.baseline import UncontrolledPolicy, asap_plan_kw, rule_profile_kw
from controllers.aggregator.fcr import FCRProvision
from controllers.aggregator.flex_offers import FlexProvision
from controllers.aggregator.policy import FleetObservation, ev_power_kw, ev_steps
from controllers.dso.detection import nan_to_num
from tests.unit.test_aggregator_services import STEP_S, ZONES, obs_at, services


def _fleet(seed: int, n: int = 12, n_chargers: int = 8) -> FleetObservation:
    """A random fleet: some EVs plugged at distinct chargers, some opted out."""
    rng = np.random.default_rng(seed)
    charger = np.full(n, -1, dtype=np.int64)
    plugged = rng.random(n) < 0.7
    at = np.flatnonzero(plugged)[:n_chargers]
    charger[at] = rng.permutation(n_chargers)[: at.size]
    plugged = charger >= 0
    soc = rng.uniform(0.1, 0.9, n)
    return FleetObservation(
        time_s=3 * STEP_S,
        step_s=STEP_S,
        plugged=plugged,
        soc=soc,
        e_need_kwh=np.where(plugged, rng.uniform(0.0, 40.0, n), 0.0),
        e_capacity_kwh=np.full(n, 60.0),
        departure_s=np.where(rng.random(n) < 0.1, -1, rng.integers(4, 120, n) * STEP_S),
        p_max_kw=rng.choice([3.7, 7.4, 11.0], n),
        soc_min=np.full(n, 0.2),
        soc_target=np.full(n, 0.9),
        opt_out=rng.random(n) < 0.2,
        charger_idx=charger,
        p_rated_kw=np.full(n_chargers, 11.0),
        efficiency=np.full(n_chargers, 0.92),
        bidirectional=rng.random(n_chargers) < 0.5,
    )


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_uncontrolled_plan_read_later_equals_the_rule_profile(seed: int) -> None:
    obs = _fleet(seed)
    decision = UncontrolledPolicy(horizon_steps=96).decide(obs)
    assert np.isnan(decision.p_set_kw).all()
    ctrl = obs.controllable()
    p_hi, eta, _ = ev_power_kw(obs)
    steps = ev_steps(obs, unknown_steps=96)
    profile = rule_profile_kw(
        obs.e_need_kwh[ctrl], p_hi[ctrl], eta[ctrl], steps[ctrl],
        allowed=np.ones(96, dtype=bool), dt_h=obs.dt_h,
    )  # fmt: skip
    np.testing.assert_allclose(decision.p_plan_kw, profile.sum(axis=0), atol=1e-9)
    np.testing.assert_array_equal(
        decision.p_plan_kw,
        asap_plan_kw(obs.e_need_kwh[ctrl], p_hi[ctrl], eta[ctrl], steps[ctrl],
                     horizon=96, dt_h=obs.dt_h),
    )  # fmt: skip
    later = np.minimum(obs.e_need_kwh, p_hi * eta * obs.dt_h * (ev_steps(obs, unknown_steps=1) - 1))
    assert decision.e_flex_kwh == pytest.approx(float(np.sum(np.maximum(later, 0.0)[ctrl])))


def test_per_ev_quantities_are_computed_once_and_cannot_be_changed() -> None:
    obs = _fleet(1)
    first, again = ev_power_kw(obs), ev_power_kw(obs)
    assert all(a is b for a, b in zip(first, again, strict=True))
    assert ev_bounds(obs, v2g=True) is ev_bounds(obs, v2g=True)
    assert ev_bounds(obs, v2g=True) is not ev_bounds(obs, v2g=False)
    with pytest.raises(ValueError, match="read-only"):
        first[0][0] = 99.0
    with pytest.raises(ValueError, match="read-only"):
        ev_bounds(obs, v2g=False).p_top_kw[0] = 99.0
    # a changed observation is a new object with its own values
    later = replace(obs, time_s=obs.time_s + 10 * STEP_S)
    assert not np.array_equal(ev_steps(later, unknown_steps=1), ev_steps(obs, unknown_steps=1))


def test_availability_and_baseline_read_on_demand_equal_the_direct_ones() -> None:
    svc = services(fcr=FCRProvision(enabled=False), flex=FlexProvision(enabled=False))
    p_set = np.array([2.0, np.nan, 11.0, 0.0])
    first = svc.step(obs_at(0), p_set, p_metered_kw=None)
    p_set[:] = 5.0  # the caller reuses its array: the services kept their own copy
    second = svc.step(obs_at(STEP_S, soc=0.4), np.full(4, np.nan), p_metered_kw=None)
    direct = charger_availability(obs_at(0), np.array([2.0, np.nan, 11.0, 0.0]), v2g=False)
    np.testing.assert_array_equal(first.p_base_kw, direct.p_base_kw)
    np.testing.assert_array_equal(first.p_up_kw, direct.p_up_kw)
    np.testing.assert_array_equal(first.p_down_kw, direct.p_down_kw)
    np.testing.assert_array_equal(first.p_baseline_kw, np.zeros(2))  # nothing metered yet
    np.testing.assert_array_equal(second.p_baseline_kw, zone_sum(direct.p_base_kw, ZONES, 2))


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=0, max_size=20
    )
)
def test_dso_nan_to_num_equals_numpy(values: list[float]) -> None:
    arr = np.array(values, dtype=float)
    out = nan_to_num(arr)
    np.testing.assert_array_equal(out, np.nan_to_num(arr))
    assert out is not arr
