"""The seven value-framework runs on one grid, fleet and seed show the expected physics."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cosim.family import load_family
from results.compare import compare_kpis
from results.kpis import summary_kpis
from results.reader import open_run
from scenarios import frameworks

ROOT = Path(__file__).resolve().parents[2]


def test_frameworks_family_one_day(tmp_path: Path) -> None:
    family = load_family(
        ROOT / "scenarios" / "frameworks_family.toml",
        ['scenario.until="1d"', "scenario.progress=false"],
    )
    assert list(family.variants) == [
        "uncontrolled",
        "tou",
        "dynamic",
        "grid_code",
        "interruptible",
        "vcc",
        "cost_min_v2g",
    ]
    paths = {}
    for name, cfg in family.variants.items():
        outcome = frameworks.run(cfg, out=tmp_path / f"{name}.h5", progress=False)
        assert outcome.status == "complete", (name, outcome.message)
        paths[name] = outcome.path
    k = {name: {x.name: x.value for x in summary_kpis(open_run(p))} for name, p in paths.items()}

    # every controller and contract still delivers each feasible departure need
    for name in paths:
        assert k[name]["ev_energy_unserved_kwh"] < 1e-3, name
    # connection agreements cut the peak that uncontrolled charging makes
    assert (
        k["interruptible"]["peak_trafo_loading_pct"] < k["uncontrolled"]["peak_trafo_loading_pct"]
    )
    assert k["vcc"]["peak_trafo_loading_pct"] < k["uncontrolled"]["peak_trafo_loading_pct"]
    # the Volt-VAr grid code narrows the voltage envelope, by absorbing/injecting Q
    assert k["grid_code"]["v_min_pu"] > k["uncontrolled"]["v_min_pu"] + 1e-3
    q = open_run(paths["grid_code"]).get("ChargerBank", "q_kvar").to_numpy()
    assert np.nanmin(q) < -0.1  # injecting reactive power at low voltage
    assert np.allclose(open_run(paths["uncontrolled"]).get("ChargerBank", "q_kvar"), 0.0)
    # a price signal moves energy to cheap hours: users pay less for the same needs
    assert k["dynamic"]["ev_energy_ac_kwh"] > 0
    assert k["tou"]["ev_energy_ac_kwh"] > 0

    table = compare_kpis(list(paths.values()))
    assert list(table.columns) == ["unit", *paths]
    cost = table.loc["EV user energy cost"]
    assert cost["dynamic"] < cost["uncontrolled"]
    assert table.loc["Energy curtailed by contracts", "vcc"] > 0
    assert table.loc["Energy curtailed by contracts", "uncontrolled"] == 0
