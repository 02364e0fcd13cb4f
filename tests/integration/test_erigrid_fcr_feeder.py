"""Published anchor: EVs on one feeder providing FCR, checked by hand.

In the spirit of the ERIGrid 2.0 test case "EVs on one feeder providing FCR" (ERIGrid 2.0,
H2020 grant 870620, benchmark test cases; the holistic test description of a pool of EVs on
an LV feeder delivering frequency containment reserve): the frequency is held at 49.90 Hz,
so the Continental European droop (full activation at ±200 mHz, 10 mHz insensitivity not
shifting the line; Commission Regulation (EU) 2017/1485, Annex V) asks for
``a = 0.1 / 0.2 = 0.5`` of the band, upward regulation: the pool reduces its draw by half
its band every step. The test recomputes request, dispatch, delivered energy and capacity
revenue by hand from the recorded band and price. The band is latched per 4-h block, so
once EVs leave in the morning the pool cannot deliver all of it: the TSO's shortfall is
checked against the hand difference.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cosim.config import load_config
from cosim.timebase import parse_start
from results.reader import open_run
from scenarios import dso_tso
from simulators.tso.series import write_series_csv

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "dso_tso_conflict.toml"


def test_pool_on_one_feeder_delivers_half_its_band_at_49_90_hz(tmp_path: Path) -> None:
    csv = tmp_path / "f.csv"
    cfg0 = load_config(BASE)
    start = parse_start(cfg0.scenario.sim_start)
    write_series_csv(csv, column="f_hz", start=start, time_s=[0.0, 86_400.0 * 2],
                     values=[49.90, 49.90])  # fmt: skip
    cfg = load_config(
        BASE,
        [
            'scenario.until="12h"', 'scenario.warmup="6h"', "fleet.evs_per_household=1.0",
            f'tso.frequency_csv="{csv}"', "dso.enabled=false", "market.enabled=false",
            "aggregator.flex=false", 'coordination.scheme="tso_first"',
        ],
    )  # fmt: skip
    out = tmp_path / "erigrid.h5"
    assert dso_tso.run(cfg, out=out, progress=False).status == "complete"
    run = open_run(out)
    f = run.get("TSO", "f_hz").to_numpy()[:, 0]
    cap = run.get("TSO", "fcr_capacity_kw").to_numpy()[:, 0]
    req = run.get("TSO", "fcr_p_req_kw").to_numpy()[:, 0]
    served = run.get("Coordinator", "fcr_served_kw").to_numpy()[:, 0]
    assert np.allclose(f, 49.90) and cap.max() > 0  # the pool holds a band
    # droop by hand: a = (50 - 49.9) / 0.2 = 0.5, consumer sign: draw 0.5 x band less
    np.testing.assert_allclose(req, -0.5 * cap, rtol=1e-12)
    # dispatch: in the night block (00-04 h, all EVs plugged in) the pool delivers all of
    # it; later, with EVs leaving, never more than asked and never the other way
    np.testing.assert_allclose(served[:16], req[:16], rtol=1e-9)
    assert np.all(served * np.sign(req) >= -1e-9) and np.all(np.abs(served) <= np.abs(req) + 1e-9)
    # delivered energy as the TSO verifies it (one step late), and its shortfall by hand
    dt_h = run.step_s / 3600.0
    e_req = run.get("TSO", "e_fcr_req_kwh").to_numpy()[:, 0]
    np.testing.assert_allclose(e_req, req * dt_h, rtol=1e-12)
    e_del = run.get("TSO", "e_fcr_delivered_kwh").to_numpy()[1:, 0]
    np.testing.assert_allclose(e_del, served[:-1] * dt_h, rtol=1e-9, atol=1e-12)
    short = run.get("TSO", "fcr_shortfall_kwh").to_numpy()[1:, 0]
    np.testing.assert_allclose(short, (np.abs(req) - np.abs(served))[:-1] * dt_h, atol=1e-9)
    # capacity revenue by hand: band [MW] x price [EUR/(MW h)] x step [h], step by step
    price = run.get("TSO", "fcr_price_eur_mw_h").to_numpy()[:, 0]
    rev = run.get("TSO", "fcr_revenue_eur").to_numpy()[:, 0]
    # (the cumulative revenue is recorded in float32: its steps are good to ~1e-7 EUR)
    np.testing.assert_allclose(np.diff(rev), (cap * price / 1000.0 * dt_h)[1:], atol=1e-6)
