"""A small mosaik world: grid + fleet + chargers + DSO (interruptible) vs the same without DSO."""

from __future__ import annotations

from typing import Any

import mosaik
import numpy as np
import pytest

from controllers.dso.topology import grid_params
from tests.adapters.test_ev_fleet_evse_world import Collector

STEP_S = 900
DAYS = 1
PLUGIN = "daily"  # every arrival plugs in: a real evening peak from a steady start
START = "2016-01-11T12:00:00+01:00"  # a winter Monday noon: the evening peak comes first
SIM_CONFIG = {
    "grid": {"python": "simulators.grid.adapter:GridSim"},
    "ev_fleet": {"python": "simulators.ev_fleet.adapter:EVFleetSim"},
    "evse": {"python": "simulators.evse.adapter:EVSESim"},
    "dso": {"python": "controllers.dso.adapter:DSOSim"},
    "collector": {"python": "tests.adapters.test_ev_fleet_evse_world:Collector"},
}


def run_world(framework: str | None) -> dict[str, np.ndarray]:
    common = {"step_s": STEP_S, "start": START}
    with mosaik.World(SIM_CONFIG, skip_greetings=True, configure_logging=False) as world:
        area = world.start(
            "grid",
            network="simbench:1-LV-rural2--0-sw",
            on_nonconvergence="flag",
            seed=[0],
            **common,
        ).Area()
        info = area.extra_info
        households = np.asarray(info["household_bus_id"])
        homes = np.concatenate([households, households[::2]]).tolist()  # 1.5 EVs per household
        n = len(homes)
        fleet = world.start("ev_fleet", seed=[1, 2], **common).Fleet(
            segments=[{"kind": "home_commuter", "n_ev": n, "plugin": PLUGIN}], charger_bus=homes
        )
        bank = world.start("evse", seed=[3], **common).ChargerBank(bus_id=homes, p_rated_kw=11.0)
        coll = world.start("collector").Collector()
        world.connect(
            fleet, bank, "plugged", "soc", "e_need_kwh", "p_max_kw", "departure_s", "charger_idx"
        )
        world.connect(
            bank, fleet, "p_batt_kw", time_shifted=True, initial_data={"p_batt_kw": [0.0] * n}
        )
        world.connect(bank, area, "p_kw", "q_kvar", "bus_id")
        world.connect(area, coll, "trafo_loading_pct")
        if framework is not None:
            op = world.start("dso", seed=[4], **common).Operator(
                **grid_params(info), charger_bus_id=homes, framework=framework
            )
            n_line, n_bus = len(info["line_id"]), len(info["bus_id"])
            world.connect(
                area,
                op,
                "v_pu",
                "line_loading_pct",
                "trafo_loading_pct",
                time_shifted=True,
                initial_data={
                    "v_pu": [1.0] * n_bus,
                    "line_loading_pct": [0.0] * n_line,
                    "trafo_loading_pct": [0.0],
                },
            )
            world.connect(
                bank,
                op,
                "p_kw",
                "bus_id",
                time_shifted=True,
                initial_data={"p_kw": [0.0] * n, "bus_id": homes},
            )
            world.connect(op, bank, "p_limit_kw")
            world.connect(op, coll, "n_congested", "p_curtail_req_kw")
        world.run(until=DAYS * 86_400)
    assert Collector.last is not None
    rows = Collector.last.rows
    return {k: np.stack([r[k] for r in rows]) for k in rows[0]}


@pytest.fixture(scope="module")
def runs() -> dict[str, dict[str, np.ndarray]]:
    return {"none": run_world(None), "interruptible": run_world("interruptible")}


def test_interruptible_dso_lowers_the_peak_trafo_loading(runs: dict[str, Any]) -> None:
    base = runs["none"]["trafo_loading_pct"][:, 0]
    managed = runs["interruptible"]["trafo_loading_pct"][:, 0]
    assert base.max() > 120.0  # 1.5 EVs per household overload the 250 kVA trafo
    assert managed.max() < base.max()
    # the DSO sees an overload one step late, so some remain, but far fewer and smaller
    assert (managed > 100.0).sum() < (base > 100.0).sum()
    excess = np.clip(managed - 100.0, 0, None).sum()
    # each new overload lasts one step before the DSO reacts: most of the excess goes
    assert excess < 0.4 * np.clip(base - 100.0, 0, None).sum()


def test_the_dso_records_congestion_and_curtailment(runs: dict[str, Any]) -> None:
    dso = runs["interruptible"]
    assert dso["n_congested"].max() >= 1
    assert dso["p_curtail_req_kw"].max() > 0.0
    assert (dso["p_curtail_req_kw"] >= 0.0).all()
