"""Milliseconds per ``decide()`` of each aggregator policy on a synthetic, seeded fleet.

Run: ``.venv/bin/python benchmarks/bench_policies.py [--n 100 10000] [--steps 24]``.
With ``--compare`` it prints, instead of timings, what re-planning on events only costs
against a per-step re-solve of every EV (``resolve_every_steps=1``): the energy cost, the
valley-filling objective (sum of squared total load) and peak, and the need left unmet at
departures.
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
    "valley_v2g": ("valley_filling", {"v2g": True}),
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

    def apply(self, obs: FleetObservation, p_set_kw: np.ndarray) -> np.ndarray:
        """Charge the plugged EVs one step; returns the AC power drawn per EV [kW]."""
        need = obs.e_need_kwh
        p = np.where(np.isnan(p_set_kw), np.minimum(self.p_max_kw, 11.0), p_set_kw)
        p = np.where(obs.plugged, np.minimum(p, need / (ETA * DT_H)), 0.0)
        batt = np.where(p >= 0, p * ETA, p / ETA) * DT_H
        self.soc = self.soc + batt / self.cap_kwh
        # a new session starts with a lower SoC
        self.soc = np.where(~obs.plugged & (self.soc > 0.85), self.soc - 0.3, self.soc)
        return p


@dataclass
class Outcome:
    """What a closed loop did: mean decide time and the KPIs that re-planning may change."""

    ms: float
    cost_eur: float
    sq_load: float  # sum of squared total load (background + EVs) [kW^2]
    peak_kw: float
    unmet_kwh: float  # need left at departures


def _leaving(fleet: Fleet, k: int) -> np.ndarray:
    """EVs whose stay ends at step ``k`` (plugged at ``k - 1``, not at ``k``)."""
    since = (k - fleet.arrive) % DAY
    return since == fleet.stay


def bench(label: str, n: int, n_steps: int, seed: int, **extra: Any) -> Outcome:
    """Run ``n_steps`` closed-loop steps; ``extra``: more policy parameters."""
    name, params = POLICIES[label]
    if label == "cost_min_cap":
        params = {"p_fleet_max_kw": 3.0 * n}
    params = {**params, **extra}
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
    spent = cost = sq = peak = unmet = 0.0
    for k in range(DAY + START_STEP, DAY + START_STEP + n_steps):
        obs = fleet.observe(k, price, float(bg[k - 1]))
        gone = _leaving(fleet, k)
        unmet += float(np.sum(np.where(gone, obs.e_need_kwh, 0.0)))
        t0 = time.perf_counter()
        out = policy.decide(obs)
        _ = out.p_plan_kw, out.e_flex_kwh  # a policy may compute these when read
        spent += time.perf_counter() - t0
        p_kw = float(fleet.apply(obs, out.p_set_kw).sum())
        cost += p_kw * DT_H * price[k] / 1000.0
        total = bg[k] + p_kw
        sq += total**2
        peak = max(peak, total)
    return Outcome(spent / n_steps * 1e3, cost, sq, peak, unmet)


def compare(labels: list[str], n: int, n_steps: int, seed: int) -> None:
    """Print what events-only re-planning costs against a per-step re-solve."""
    print(f"{n} EVs, {n_steps} steps: per-step re-solve (every=1) vs events (default)")
    print(
        f"{'policy':<16}{'ms every=1':>11}{'ms events':>10}{'cost EUR':>10}{'d cost':>9}"
        f"{'d sq-load':>11}{'d peak kW':>10}{'unmet kWh':>10}{'d unmet':>9}"
    )
    for label in labels:
        if POLICIES[label][0] not in ("cost_min", "valley_filling"):
            continue
        ref = bench(label, n, n_steps, seed, resolve_every_steps=1)
        got = bench(label, n, n_steps, seed)
        print(
            f"{label:<16}{ref.ms:11.2f}{got.ms:10.2f}{ref.cost_eur:10.2f}"
            f"{(got.cost_eur - ref.cost_eur) / ref.cost_eur:+9.2%}"
            f"{(got.sq_load - ref.sq_load) / ref.sq_load:+11.3%}{got.peak_kw - ref.peak_kw:+10.2f}"
            f"{ref.unmet_kwh:10.3f}{got.unmet_kwh - ref.unmet_kwh:+9.3f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 10_000])
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", nargs="+", default=list(POLICIES), choices=list(POLICIES))
    parser.add_argument("--compare", action="store_true", help="KPIs against every=1")
    args = parser.parse_args()
    if args.compare:
        for n in args.n:
            compare(args.only, n, args.steps, args.seed)
        return
    print(f"{'policy':<16}" + "".join(f"{f'{n} EVs [ms]':>16}" for n in args.n))
    for label in args.only:
        row = [bench(label, n, args.steps, args.seed).ms for n in args.n]
        print(f"{label:<16}" + "".join(f"{ms:16.2f}" for ms in row), flush=True)


if __name__ == "__main__":
    main()
