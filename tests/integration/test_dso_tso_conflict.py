"""The DSO-TSO conflict study: the counterfactual, perfect foresight and a seeded forecast."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import h5py
import numpy as np
import pytest

from cosim.family import load_family
from cosim.timebase import parse_start
from results.compare import comparison_kpis
from results.reader import open_run
from scenarios import dso_tso
from scenarios.conflict_headroom import background_kw_by_zone
from simulators.grid.adapter import GridSim

ROOT = Path(__file__).resolve().parents[2]
FAMILY = ROOT / "scenarios" / "dso_tso_conflict_family.toml"


def _run(name: str, tmp_path: Path, tag: str = "") -> tuple[Path, dict[str, float]]:
    family = load_family(FAMILY, ['scenario.until="2d"', "scenario.progress=false"])
    out = tmp_path / f"{name}{tag}.h5"
    outcome = dso_tso.run(family.variants[name], out=out, progress=False)
    assert outcome.status == "complete", (name, outcome.message)
    return out, {k.name: k.value for k in comparison_kpis(open_run(out))}


def test_counterfactual_holds_the_band_without_activating_it(tmp_path: Path) -> None:
    path, k = _run("fcr_not_activated", tmp_path)
    run = open_run(path)
    assert float(run.get("TSO", "fcr_capacity_kw").to_numpy().max()) > 0  # band held
    assert np.all(run.get("TSO", "fcr_p_req_kw").to_numpy() == 0)  # never activated
    assert k["conflicts_tso_aggravates_dso"] == 0
    assert k["fcr_revenue_eur_ev_year"] > 0
    _background_follows_the_grid(path)


def _background_follows_the_grid(path: Path) -> None:
    """The coordinator's background per zone is the grid's own background, step by step:
    its sum over zones tracks the Area's recorded background load (the zones hold most, not
    all, of the households)."""
    family = load_family(FAMILY, ['scenario.until="2d"'])
    cfg = family.variants["fcr_not_activated"]
    grid = GridSim()
    grid.init("grid", step_s=cfg.scenario.step_s, network=cfg.grid.network,
              start=cfg.scenario.sim_start)  # fmt: skip
    area = SimpleNamespace(extra_info=grid.create(1, "Area")[0]["extra_info"])
    run = open_run(path)
    bank = SimpleNamespace(extra_info={"bus_id": run.table("fleet")["charger_bus"].tolist()})
    zones = np.asarray(background_kw_by_zone(cfg, area=area, bank=bank)).sum(axis=1)
    rows = run.time_s // cfg.scenario.step_s
    total = (run.get("Area", "p_load_bg_kw") - run.get("Area", "p_gen_bg_kw").values).to_numpy()
    ratio = zones[rows] / total[:, 0]
    assert 0.85 < ratio.min() and ratio.max() <= 1.0 + 1e-6
    assert np.corrcoef(zones[rows], total[:, 0])[0, 1] > 0.99


def test_perfect_foresight_traffic_light_never_pushes_a_zone_over(tmp_path: Path) -> None:
    _, k = _run("traffic_light_perfect", tmp_path)
    assert k["conflicts_tso_aggravates_dso"] == 0
    assert k["ev_energy_unserved_kwh"] < 1e-3


def test_forecast_errors_are_seeded(tmp_path: Path) -> None:
    a, _ = _run("traffic_light_forecast", tmp_path, "_a")
    b, _ = _run("traffic_light_forecast", tmp_path, "_b")
    with h5py.File(a) as fa, h5py.File(b) as fb:
        for name in ("coordination-0/Coordinator/fcr_served_kw", "grid-0/Area/trafo_loading_pct"):
            np.testing.assert_array_equal(fa[name][()], fb[name][()])


def test_declared_values_cost_energy_not_served(tmp_path: Path) -> None:
    """Drivers who declare approximately leave with less than they needed, at times."""
    _, exact = _run("tso_first", tmp_path)
    _, declared = _run("tso_first_declared", tmp_path)
    assert exact["ev_energy_unserved_kwh"] < 1e-3
    assert declared["ev_energy_unserved_kwh"] > exact["ev_energy_unserved_kwh"]


def test_element_params_follow_the_topology_and_the_grid_background() -> None:
    """The coordinator's element-level params: each element lists the chargers downstream
    of it, and the transformer's background is the whole grid's (all loads minus static
    generation), step by step, as the grid draws it."""
    from controllers.coordination.headroom import ProfileBackground
    from controllers.dso.topology import build_topology, grid_params
    from scenarios.conflict_headroom import element_params
    from simulators.grid.cache import prepared_grid

    cfg = load_family(FAMILY, ['scenario.until="2d"']).variants["tso_first"]
    grid = GridSim()
    grid.init("grid", step_s=cfg.scenario.step_s, network=cfg.grid.network,
              start=cfg.scenario.sim_start)  # fmt: skip
    area = SimpleNamespace(extra_info=grid.create(1, "Area")[0]["extra_info"])
    top = build_topology(**grid_params(area.extra_info))
    trafo = int(np.flatnonzero(top.element_kind == "trafo")[0])
    buses = [int(b) for b in top.bus_id[top.downstream_rows(trafo)][::3]]  # LV buses
    params = element_params(cfg, area=area, bank=SimpleNamespace(extra_info={"bus_id": buses}))
    assert params["element_chargers"][trafo] == list(range(len(buses)))  # all behind it
    assert params["element_rating_kva"][trafo] == 250.0
    cover = top.charger_cover(buses)
    assert all(params["element_chargers"][e] == cover.chargers(e).tolist()
               for e in range(top.n_element))  # fmt: skip
    setup = prepared_grid(cfg.grid.network)
    prof = setup.simbench.aligned(parse_start(cfg.scenario.sim_start)) if setup.simbench else None
    assert prof is not None
    bg = ProfileBackground(params["element_background"], 900)
    for t in (0, 900 * 37, 900 * 150):
        r = prof.row(t)
        total = prof.load_p_mw_at(r).sum() - (prof.sgen_p_mw_at(r).sum() if prof.n_sgen else 0)
        assert bg.true_kw(t)[trafo] == pytest.approx(1e3 * float(total), rel=1e-6)  # float32
