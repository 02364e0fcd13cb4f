"""The base scenario on the unbalanced grid: single-phase chargers show in phase voltages."""

from __future__ import annotations

import numpy as np

from results.kpis import summary_kpis
from results.reader import open_run

UNBALANCED = ('grid.backend="power_grid_model"', "grid.unbalanced=true")
DAY = ('scenario.until="1d"', "fleet.evs_per_household=1.0")


def test_single_phase_chargers_unbalance_the_grid(run_base) -> None:
    three = open_run(run_base(*DAY, *UNBALANCED, "evse.share_single_phase=0.0").path)
    single = open_run(run_base(*DAY, *UNBALANCED, "evse.share_single_phase=1.0").path)
    k3 = {k.name: k.value for k in summary_kpis(three)}
    k1 = {k.name: k.value for k in summary_kpis(single)}
    assert k1["vuf_max_pct"] > k3["vuf_max_pct"] + 0.2
    assert k1["v_phase_min_pu"] < k3["v_phase_min_pu"]
    # the positive sequence hides the unbalance: the worst phase is lower
    assert k1["v_phase_min_pu"] < k1["v_min_pu"] - 0.01
    assert k1["en50160_vuf_passed"] in (0.0, 1.0)
    v = np.stack([single.get("Area", f"v_{ph}_pu").to_numpy() for ph in "abc"], axis=-1)
    assert v.shape == (96, 97, 3) and np.isfinite(v).all()
    assert set(single.table("load_phase")["phase"]) <= {-1, 0, 1, 2}


def test_balanced_run_has_no_unbalance_kpis(run_base) -> None:
    names = {k.name for k in summary_kpis(open_run(run_base(*DAY).path))}
    assert not names & {"vuf_max_pct", "v_phase_min_pu"}
