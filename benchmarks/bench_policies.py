"""Milliseconds per ``decide()`` of each aggregator policy on a synthetic, seeded fleet.

Run: ``.venv/bin/python benchmarks/bench_policies.py [--n 100 10000] [--steps 24]``.
A closed loop: EVs arrive and leave on a seeded daily pattern, an ideal charger bank
applies the setpoints (NaN = full power) and the state of charge moves on, so the
policies see the arrivals, departures and price forecast of a real run. The loop starts
at 16:00, when most EVs come home. To time another version of the aggregator, put its
tree first on the path: ``PYTHONPATH=/tmp/before .venv/bin/python benchmarks/...``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from controllers.aggregator.policy import FleetObservation
from controllers.aggregator.registry import make_policy

STEP_S = 900
DT_H = STEP_S / 3600.0
ETA = 0.92
DAY = 96
START_STEP = 64  # 16:00

#: policy label -> (registry name, parameters)
POLICIES: dict[str, tuple[str, dict[str, Any]]] = {
    "uncontrolled": ("uncontrolled", {}),
    "tou_delayed": ("tou_delayed", {}),
    "tou_delay_600s": ("tou_delayed", {"random_delay_s": 600.0}),
    "cost_min": ("cost_min", {}),
    "cost_min_v2g": ("cost_min", {"v2g": True, "wear_eur_mwh": 40.0}),
    "cost_min_cap": ("cost_min", {"p_fleet_max_kw": None}),  # cap set from the fleet size
    "valley_filling": ("valley_filling", {}),
}


@dataclass
class Fleet:
    """A seeded synthetic fleet: one home session per EV and day."""

    arrive: np.ndarray  # step of the day
    stay: np.ndarray  # steps
    cap_kwh: np.ndarray
    p_max_kw: np.ndarray
    soc: np.ndarray

    @classmethod
    def make(cls, n: int, seed: int) -> Fleet:
        rng = np.random.default_rng(seed)
        return cls(
            arrive=(rng.normal(72, 8, n) % DAY).astype(np.int64),
            stay=rng.integers(8, 60, n).astype(np.int64),
            cap_kwh=rng.choice([40.0, 60.0, 77.0], n),
            p_max_kw=rng.choice([3.7, 7.4, 11.0], n),
            soc=rng.uniform(0.2, 0.8, n),
        )

    def observe(self, k: int, price: np.ndarray, bg_kw: float) -> FleetObservation:
        n = self.soc.size
        since = (k - self.arrive) % DAY
        plugged = since < self.stay
        dep = np.where(plugged, (k - since + self.stay) * STEP_S, -1).astype(np.int64)
        return FleetObservation(
            time_s=k * STEP_S,
            step_s=STEP_S,
            plugged=plugged,
            soc=self.soc.copy(),
            e_need_kwh=np.maximum(0.9 - self.soc, 0.0) * self.cap_kwh,
            e_capacity_kwh=self.cap_kwh,
            departure_s=dep,
            p_max_kw=self.p_max_kw,
            soc_min=np.full(n, 0.2),
            soc_target=np.full(n, 0.9),
            opt_out=np.arange(n) % 10 == 0,
            charger_idx=np.where(plugged, np.arange(n), -1),
            p_rated_kw=np.full(n, 11.0),
            efficiency=np.full(n, ETA),
            bidirectional=np.arange(n) % 2 == 0,
            price_eur_mwh=float(price[k]),
            price_forecast_eur_mwh=price[k : k + DAY],
            p_load_bg_kw=bg_kw,
        )

    def apply(self, obs: FleetObservation, p_set_kw: np.ndarray) -> None:
        need = obs.e_need_kwh
        p = np.where(np.isnan(p_set_kw), np.minimum(self.p_max_kw, 11.0), p_set_kw)
        p = np.where(obs.plugged, np.minimum(p, need / (ETA * DT_H)), 0.0)
        batt = np.where(p >= 0, p * ETA, p / ETA) * DT_H
        self.soc = self.soc + batt / self.cap_kwh
        # a new session starts with a lower SoC
        self.soc = np.where(~obs.plugged & (self.soc > 0.85), self.soc - 0.3, self.soc)


def bench(label: str, n: int, n_steps: int, seed: int) -> float:
    """Mean wall time of one ``decide()`` [ms] over ``n_steps`` closed-loop steps."""
    name, params = POLICIES[label]
    if label == "cost_min_cap":
        params = {"p_fleet_max_kw": 3.0 * n}
    rng = np.random.default_rng(seed)
    days = np.arange(4 * DAY)
    price = 120 + 60 * np.sin(2 * np.pi * (days - 30) / DAY) + rng.normal(0, 10, days.size)
    bg = 2.0 * n * (1.2 + np.cos(2 * np.pi * (days - 76) / DAY))
    fleet = Fleet.make(n, seed)
    policy = make_policy(name, params)
    if name == "valley_filling":  # a day of background history, no EV plugged yet
        for k in range(START_STEP, START_STEP + DAY):
            idle = fleet.observe(k, price, float(bg[k - 1]))
            off = np.zeros(n, dtype=bool)
            policy.decide(replace(idle, plugged=off, charger_idx=np.full(n, -1)))
    spent = 0.0
    for k in range(DAY + START_STEP, DAY + START_STEP + n_steps):
        obs = fleet.observe(k, price, float(bg[k - 1]))
        t0 = time.perf_counter()
        out = policy.decide(obs)
        spent += time.perf_counter() - t0
        fleet.apply(obs, out.p_set_kw)
    return spent / n_steps * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 10_000])
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", nargs="+", default=list(POLICIES), choices=list(POLICIES))
    args = parser.parse_args()
    print(f"{'policy':<16}" + "".join(f"{f'{n} EVs [ms]':>16}" for n in args.n))
    for label in args.only:
        row = [bench(label, n, args.steps, args.seed) for n in args.n]
        print(f"{label:<16}" + "".join(f"{ms:16.2f}" for ms in row), flush=True)


if __name__ == "__main__":
    main()
