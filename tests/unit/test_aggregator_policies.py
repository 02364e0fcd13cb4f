"""Aggregator policies without mosaik: cheapest hours, ToU start, V2G, valley, opt-out."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from controllers.aggregator.forecast import DayAheadPersistence
from controllers.aggregator.policy import FleetObservation, Policy
from controllers.aggregator.registry import POLICIES, make_policy
from cosim.errors import ModelError

STEP_S = 900
DT_H = STEP_S / 3600.0
ETA = 0.92


def make_obs(
    n: int = 1,
    *,
    soc: Any = 0.5,
    cap_kwh: Any = 60.0,
    dep_steps: Any = 40,
    p_max_kw: Any = 11.0,
    soc_min: float = 0.2,
    soc_target: float = 0.9,
    price: Any = None,
    bidirectional: bool = False,
    n_chargers: int | None = None,
    **extra: Any,
) -> FleetObservation:
    """An observation at t = 0 with every EV plugged at charger ``i`` (test helper)."""
    soc_a = np.broadcast_to(np.asarray(soc, float), (n,)).copy()
    cap = np.broadcast_to(np.asarray(cap_kwh, float), (n,)).copy()
    n_chg = n if n_chargers is None else n_chargers
    fields: dict[str, Any] = {
        "time_s": 0,
        "step_s": STEP_S,
        "plugged": np.ones(n, bool),
        "soc": soc_a,
        "e_need_kwh": np.maximum(soc_target - soc_a, 0.0) * cap,
        "e_capacity_kwh": cap,
        "departure_s": np.broadcast_to(np.asarray(dep_steps) * STEP_S, (n,)).astype(np.int64),
        "p_max_kw": np.broadcast_to(np.asarray(p_max_kw, float), (n,)).copy(),
        "soc_min": np.full(n, soc_min),
        "soc_target": np.full(n, soc_target),
        "opt_out": np.zeros(n, bool),
        "charger_idx": np.arange(n, dtype=np.int64),
        "p_rated_kw": np.full(n_chg, 11.0),
        "efficiency": np.full(n_chg, ETA),
        "bidirectional": np.full(n_chg, bidirectional),
        "price_forecast_eur_mwh": np.full(96, 100.0) if price is None else np.asarray(price, float),
    }
    fields.update(extra)
    return FleetObservation(**fields)


def simulate(
    policy: Policy,
    obs: FleetObservation,
    n_steps: int,
    *,
    bg_kw: Any = None,
    t0: int = 0,
    arrive: Any = None,
) -> dict:
    """Closed loop: an ideal charger bank applies the setpoints, SoC and time advance.

    NaN setpoints charge as fast as possible; EVs leave at their departure step (and
    plug in at step ``arrive``, default ``t0``). ``bg_kw(t_step)`` gives the background
    measurement handed to the policy.
    """
    soc = obs.soc.copy()
    cap = obs.e_capacity_kwh
    leave = obs.departure_s // STEP_S
    p_hist, soc_hist = [], []
    price = np.asarray(obs.price_forecast_eur_mwh, float)
    for k in range(t0, t0 + n_steps):
        plugged = obs.plugged & (k < leave) & (k >= (t0 if arrive is None else arrive))
        need = np.where(plugged, np.maximum(obs.soc_target - soc, 0.0) * cap, 0.0)
        o = replace(
            obs,
            time_s=k * STEP_S,
            plugged=plugged,
            soc=soc.copy(),
            e_need_kwh=need,
            departure_s=np.where(plugged, obs.departure_s, -1),
            charger_idx=np.where(plugged, obs.charger_idx, -1),
            price_forecast_eur_mwh=np.roll(price, t0 - k),
            p_load_bg_kw=None if bg_kw is None else float(bg_kw(k - 1)),
        )
        p_set = policy.decide(o).p_set_kw[obs.charger_idx]
        p_hi = np.minimum(obs.p_max_kw, 11.0)
        p = np.where(np.isnan(p_set), p_hi, p_set)
        p = np.minimum(np.minimum(p, p_hi), need / (ETA * DT_H))
        p = np.where(plugged, p, 0.0)
        batt = np.where(p >= 0, p * ETA, p / ETA)
        soc = soc + batt * DT_H / cap
        p_hist.append(p)
        soc_hist.append(soc.copy())
    return {"p_kw": np.array(p_hist), "soc": np.array(soc_hist)}


def test_cost_min_charges_in_the_cheap_hours_only() -> None:
    price = np.r_[np.full(48, 200.0), np.full(48, 50.0)]
    obs = make_obs(3, soc=[0.3, 0.5, 0.7], dep_steps=[90, 95, 80], price=price)
    run = simulate(make_policy("cost_min"), obs, 96)
    assert run["p_kw"][:48].sum() == 0.0
    delivered = run["soc"][-1] * 60.0 - obs.soc * 60.0
    np.testing.assert_allclose(delivered, obs.e_need_kwh, atol=1e-6)


def test_cost_min_charges_early_when_the_cheap_hours_come_too_late() -> None:
    price = np.r_[np.full(48, 200.0), np.full(48, 50.0)]
    obs = make_obs(1, soc=0.2, dep_steps=56, price=price)  # 42 kWh, 8 cheap steps hold 20 kWh
    run = simulate(make_policy("cost_min"), obs, 56)
    assert run["soc"][-1, 0] == pytest.approx(0.9, abs=1e-9)
    assert run["p_kw"][48:56].min() == pytest.approx(11.0)  # every cheap step at full power
    assert run["p_kw"][:48].sum() * ETA * DT_H == pytest.approx(42.0 - 8 * 11 * ETA * DT_H)


def test_v2g_discharges_at_high_prices_when_the_spread_beats_the_losses() -> None:
    price = np.r_[np.full(8, 300.0), np.full(40, 50.0)]
    obs = make_obs(1, soc=0.6, dep_steps=48, price=price, bidirectional=True)
    run = simulate(make_policy("cost_min", {"v2g": True}), obs, 48)
    assert run["p_kw"][:8].min() < -10.0  # sells at 300 EUR/MWh
    assert run["soc"].min() >= 0.2 - 1e-9  # never below soc_min
    assert run["soc"][-1, 0] == pytest.approx(0.9, abs=1e-9)  # still leaves at the target


@pytest.mark.parametrize(
    ("high", "bidirectional", "v2g"),
    [(105.0, True, True), (300.0, False, True), (300.0, True, False)],
)
def test_no_discharge_without_spread_bidirectional_charger_or_v2g(
    high: float, bidirectional: bool, v2g: bool
) -> None:
    price = np.r_[np.full(8, high), np.full(40, 100.0)]  # 105/100 < 1/0.92**2
    obs = make_obs(1, soc=0.6, dep_steps=48, price=price, bidirectional=bidirectional)
    run = simulate(make_policy("cost_min", {"v2g": v2g}), obs, 48)
    assert run["p_kw"].min() >= 0.0
    assert run["soc"][-1, 0] == pytest.approx(0.9, abs=1e-9)


def test_tou_delayed_starts_at_the_off_peak_start() -> None:
    price = np.r_[np.full(32, 270.0), np.full(64, 206.8)]
    obs = make_obs(2, soc=[0.5, 0.8], dep_steps=90, price=price)
    run = simulate(make_policy("tou_delayed"), obs, 90)
    first = np.argmax(run["p_kw"] > 0, axis=0)
    assert first.tolist() == [32, 32]
    assert run["p_kw"][32].tolist() == [11.0, 11.0]
    assert run["soc"][-1] == pytest.approx([0.9, 0.9])


def test_tou_delayed_starts_earlier_when_the_need_requires_it() -> None:
    price = np.r_[np.full(64, 270.0), np.full(32, 206.8)]
    # 0.1 -> 0.9 of 77 kWh = 61.6 kWh needs 24.3 steps at 11 kW; only 16 off-peak steps
    obs = make_obs(1, soc=0.1, cap_kwh=77.0, dep_steps=80, price=price)
    run = simulate(make_policy("tou_delayed"), obs, 80)
    first = int(np.argmax(run["p_kw"][:, 0] > 0))
    assert first == 80 - 25  # latest start: 25 steps before departure
    assert run["soc"][-1, 0] == pytest.approx(0.9)


def _bg(k: int) -> float:
    return 60.0 + 40.0 * np.cos(2 * np.pi * (k % 96) / 96)  # peak at midnight, valley at noon


def test_valley_filling_flattens_the_total_load() -> None:
    policy = make_policy("valley_filling", {"resolve_every_steps": 4})
    idle = make_obs(8, plugged=np.zeros(8, bool), charger_idx=np.full(8, -1))
    for k in range(96):  # one day of background history, measured one step late
        policy.decide(replace(idle, time_s=k * STEP_S, p_load_bg_kw=_bg(k - 1)))
    obs = make_obs(8, soc=0.4, dep_steps=96 + 95)
    smart = simulate(policy, obs, 95, bg_kw=_bg, t0=96)
    dumb = simulate(make_policy("uncontrolled"), obs, 95, t0=96)
    bg = np.array([_bg(k) for k in range(96, 96 + 95)])
    total_smart = bg + smart["p_kw"].sum(axis=1)
    total_dumb = bg + dumb["p_kw"].sum(axis=1)
    assert smart["soc"][-1] == pytest.approx(np.full(8, 0.9))
    assert total_smart.std() < 0.5 * total_dumb.std()
    assert total_smart.max() <= total_dumb.max()
    charging = smart["p_kw"].sum(axis=1) > 1.0
    assert np.ptp(total_smart[charging]) < 6.0  # flat where the EVs charge
    assert total_smart.min() > total_dumb.min() + 25.0  # the valley is filled


def test_valley_filling_without_background_names_the_missing_connection() -> None:
    with pytest.raises(ModelError, match="p_load_bg_kw"):
        make_policy("valley_filling").decide(make_obs(1))


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_opted_out_and_unplugged_evs_and_free_chargers_get_nan(name: str) -> None:
    obs = make_obs(
        3,
        n_chargers=5,
        opt_out=np.array([True, False, False]),
        plugged=np.array([True, True, False]),
        charger_idx=np.array([4, 1, -1]),
        p_load_bg_kw=50.0,
    )
    p = make_policy(name).decide(obs).p_set_kw
    assert p.shape == (5,)
    assert np.isnan(p[[0, 2, 3, 4]]).all()  # charger 4: opted out; 0, 2, 3: free
    assert np.isnan(p[1]) == (name == "uncontrolled")


def test_fleet_power_cap_holds_every_step() -> None:
    obs = make_obs(5, soc=0.7, dep_steps=60)  # 12 kWh each, 60 kWh in total
    run = simulate(make_policy("cost_min", {"p_fleet_max_kw": 20.0}), obs, 60)
    assert run["p_kw"].sum(axis=1).max() <= 20.0 + 1e-6
    assert run["soc"][-1] == pytest.approx(np.full(5, 0.9))


def test_resolve_every_n_steps_replays_the_plan_in_between() -> None:
    policy = make_policy("cost_min", {"resolve_every_steps": 4, "resolve_on_arrival": False})
    price = np.r_[np.full(48, 200.0), np.full(48, 50.0)]
    run = simulate(policy, make_obs(2, dep_steps=90, price=price), 12)
    assert len(policy.solve_ms) == 3  # steps 0, 4, 8
    assert run["p_kw"].sum() == 0.0


def test_unknown_policy_lists_the_valid_names() -> None:
    with pytest.raises(ValueError, match="cost_min, tou_delayed, uncontrolled, valley_filling"):
        make_policy("smart")
    with pytest.raises(ValueError, match="horizon_steps"):
        make_policy("cost_min", {"horizon_steps": 0})
    with pytest.raises(ValueError, match="bad parameters"):
        make_policy("cost_min", {"horizon": 10})


def test_persistence_forecast_repeats_yesterday() -> None:
    f = DayAheadPersistence(step_s=STEP_S, lag_steps=1)
    for k in range(96):
        f.update((k + 1) * STEP_S, float(k))  # measured one step late
    assert f.forecast(96 * STEP_S, 3).tolist() == [0.0, 1.0, 2.0]
    assert f.forecast(96 * STEP_S, 100)[96:].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_lp_over_150_evs_and_96_steps_gives_setpoints_within_the_charger_limits() -> None:
    rng = np.random.default_rng(3)
    n = 150
    obs = make_obs(
        n,
        soc=rng.uniform(0.2, 0.8, n),
        dep_steps=rng.integers(8, 120, n),
        p_max_kw=rng.choice([7.4, 11.0], n),
        price=100 + rng.normal(0, 20, 96),
        bidirectional=True,
    )
    policy = make_policy("cost_min", {"v2g": True})
    p_set = policy.decide(obs).p_set_kw
    assert np.isfinite(p_set).all()
    assert (np.abs(p_set) <= obs.p_max_kw + 1e-9).all()
