"""Charger invariants over random parameters and setpoint sequences.

|S| <= S_rated, ratings and contract limits, SoC floor, ramp between steps, and the energy
balance drawn = battery + losses, for every mode.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.evse import EVSEModel, EVSEParams

STEP_S = 900
DT_H = STEP_S / 3600.0
EPS = 1e-9


@st.composite
def banks(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 12))

    def arr(lo: float, hi: float, size: int = n) -> np.ndarray:
        return np.array(draw(st.lists(st.floats(lo, hi), min_size=size, max_size=size)))

    def pick(options: list[Any], size: int = n) -> list[Any]:
        return draw(st.lists(st.sampled_from(options), min_size=size, max_size=size))

    p_rated = arr(1.0, 50.0)
    return {
        "n": n,
        "params": {
            "bus_id": np.arange(n),
            "p_rated_kw": p_rated,
            "s_rated_kva": p_rated * arr(1.0, 1.5),
            "phases": pick([1, 3]),
            "bidirectional": pick([True, False]),
            "efficiency": pick([0.9, 0.97, "obc_typical", "dc_typical"]),
            "current_step_a": pick([0.0, 1.0, 0.6]),
            "i_min_a": pick([0.0, 6.0]),
            "below_min": pick(["off", "min"]),
            "q_mode": pick(["none", "cos_phi", "qv", "q_set", "pv"]),
            "cos_phi": pick([0.9, -0.9, 1.0]),
            "qv_curve": pick(["ieee1547_cat_a", "ieee1547_cat_b", "en50549"]),
            "pq_priority": pick(["p", "q"]),
            "p_of_v": pick([True, False]),
            "delay_s": pick([0.0, 300.0, 900.0, 2000.0]),
        },
        "steps": draw(st.integers(1, 6)),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def _inputs(rng: np.random.Generator, n: int, soc: np.ndarray) -> dict[str, Any]:
    def maybe_nan(x: np.ndarray) -> np.ndarray:
        return np.where(rng.random(n) < 0.3, np.nan, x)

    return {
        "plugged": rng.random(n) < 0.8,
        "charger_idx": rng.permutation(n),
        "e_need_kwh": rng.uniform(0, 30, n),
        "p_max_kw": rng.uniform(0, 60, n),
        "soc": soc,
        "soc_min": rng.uniform(0, 0.5, n),
        "e_capacity_kwh": rng.uniform(10, 100, n),
        "p_set_kw": maybe_nan(rng.uniform(-60, 60, n)),
        "p_limit_kw": maybe_nan(rng.uniform(0, 40, n)),
        "p_dis_limit_kw": maybe_nan(rng.uniform(0, 40, n)),
        "q_set_kvar": maybe_nan(rng.uniform(-60, 60, n)),
        "v_pu": rng.uniform(0.85, 1.15, n),
    }


@settings(max_examples=150, deadline=None)
@given(case=banks())
def test_every_output_respects_ratings_limits_floor_and_energy_balance(
    case: dict[str, Any],
) -> None:
    n, prm = case["n"], case["params"]
    bank = EVSEModel(EVSEParams(**prm), step_s=STEP_S)
    rng = np.random.default_rng(case["seed"])
    for k in range(case["steps"]):
        x = _inputs(rng, n, rng.uniform(0, 1, n))
        out = bank.step(k * STEP_S, **x)
        # capability circle and rating
        assert (np.hypot(out.p_kw, out.q_kvar) <= prm["s_rated_kva"] + EPS).all()
        assert (np.abs(out.p_kw) <= prm["p_rated_kw"] + EPS).all()
        # contract limits and direction
        assert (out.p_kw <= np.nan_to_num(x["p_limit_kw"], nan=np.inf) + EPS).all()
        assert (-out.p_kw <= np.nan_to_num(x["p_dis_limit_kw"], nan=np.inf) + EPS).all()
        uni = ~np.asarray(prm["bidirectional"])
        assert (out.p_kw[uni] >= 0).all()
        # per EV: need, SoC floor, nothing for unplugged EVs
        on = x["plugged"]
        assert (out.p_batt_kw[~on] == 0).all()
        assert (out.p_batt_kw * DT_H <= x["e_need_kwh"] + EPS).all()
        room = np.maximum(x["soc"] - x["soc_min"], 0) * x["e_capacity_kwh"]
        assert (-out.p_batt_kw * DT_H <= room + EPS).all()
        # energy balance: grid = battery + losses, losses >= 0
        assert (out.p_loss_kw >= -EPS).all()
        np.testing.assert_allclose(
            out.p_kw.sum(), out.p_batt_kw.sum() + out.p_loss_kw.sum(), atol=1e-9
        )
        # no power and no Q at chargers without an EV
        free = out.ev_of_charger < 0
        assert (out.p_kw[free] == 0).all() and (out.q_kvar[free] == 0).all()


@settings(max_examples=100, deadline=None)
@given(
    n=st.integers(1, 8),
    ramp=st.floats(0.0005, 0.05),
    seed=st.integers(0, 2**32 - 1),
    bidir=st.booleans(),
)
def test_ramp_limit_holds_step_to_step_while_evs_stay(
    n: int, ramp: float, seed: int, bidir: bool
) -> None:
    rng = np.random.default_rng(seed)
    bank = EVSEModel(
        EVSEParams(
            bus_id=np.arange(n),
            p_rated_kw=rng.uniform(3, 22, n),
            ramp_kw_per_s=ramp,
            bidirectional=bidir,
        ),
        step_s=STEP_S,
    )
    prev = np.zeros(n)
    for k in range(8):
        out = bank.step(
            k * STEP_S,
            plugged=np.ones(n, dtype=bool),
            charger_idx=np.arange(n),
            e_need_kwh=np.full(n, 1e3),
            p_max_kw=np.full(n, 50.0),
            soc=np.full(n, 0.9),
            soc_min=np.zeros(n),
            e_capacity_kwh=np.full(n, 1e3),
            p_set_kw=rng.uniform(-25, 25, n),
        )
        assert (np.abs(out.p_kw - prev) <= ramp * STEP_S + EPS).all()
        prev = out.p_kw
