"""link(): what it connects, the initial data it sizes, and the run it gives."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import mosaik
import numpy as np
import pytest

from controllers.aggregator.adapter import META as AGG_META
from controllers.coordination.adapter import META as COORD_META
from controllers.dso.adapter import META as DSO_META
from cosim.link import accepted, initial_data, link, offered
from simulators.evse.adapter import EV_INPUTS
from simulators.evse.adapter import META as EVSE_META
from simulators.grid.adapter import META as GRID_META
from simulators.tso.adapter import META as TSO_META
from tests.adapters.test_ev_fleet_evse_world import SIM_CONFIG, Collector

N_EV = 6
STEP_S = 900


def _entity(meta: Any, model: str, **info: Any) -> Any:
    """A stand-in for a mosaik Entity: its model's META description and extra_info."""
    factory = SimpleNamespace(meta=meta)
    return SimpleNamespace(
        full_id=f"sim-0.{model}_0",
        type=model,
        extra_info=info,
        model_mock=SimpleNamespace(_factory=factory),
    )


def test_time_shifted_initial_data_is_sized_from_extra_info() -> None:
    area = _entity(GRID_META, "Area", bus_id=[3, 7, 9], line_id=[1, 2], trafo_id=[0])
    bank = _entity(EVSE_META, "ChargerBank", charger_ids=["evse_0", "evse_1"], bus_id=[7, 9])
    data = initial_data(area, bank, ["v_pu", "bus_id", "line_loading_pct", "p_load_bg_kw"])
    assert data == {
        "v_pu": [1.0, 1.0, 1.0],
        "bus_id": [3, 7, 9],  # an id port sends the ids themselves
        "line_loading_pct": [0.0, 0.0],
        "p_load_bg_kw": 0.0,
    }
    assert initial_data(bank, area, ["p_kw"]) == {"p_kw": [0.0, 0.0]}
    fleet = _entity({"models": {"Fleet": {"attrs": []}}}, "Fleet", ev_ids=["ev_0"] * 4)
    # per-EV power of a bank that does not list its EVs: the receiving fleet does
    assert initial_data(bank, fleet, ["p_batt_kw"]) == {"p_batt_kw": [0.0] * 4}
    with pytest.raises(ValueError, match="cannot size the initial 'p_plan_kw'"):
        initial_data(bank, area, ["p_plan_kw"])


def test_the_balancing_and_market_links_size_their_initial_data() -> None:
    agg = _entity(AGG_META, "Aggregator", zone_names=["f1", "f2", "f3"], charger_ids=["e0"])
    op = _entity(DSO_META, "Operator")
    coord = _entity(COORD_META, "Coordinator")
    tso = _entity(TSO_META, "TSO")
    assert initial_data(agg, op, ["p_baseline_kw"]) == {"p_baseline_kw": [0.0, 0.0, 0.0]}
    assert initial_data(coord, tso, ["afrr_served_kw"]) == {"afrr_served_kw": 0.0}
    assert initial_data(agg, tso, ["fcr_capacity_kw"]) == {"fcr_capacity_kw": 0.0}
    # what the scenario connects without naming attributes
    takes = set(accepted(coord))
    assert [a for a in offered(agg) if a in takes] == [
        "p_base_kw",
        "p_up_kw",
        "p_down_kw",
        "fcr_band_kw",
        "afrr_band_kw",
    ]
    assert [a for a in offered(op) if a in takes] == ["congested_mask", "headroom_kw"]
    assert [a for a in offered(agg) if a in set(accepted(op))] == ["p_baseline_kw"]


def test_a_bank_offers_its_outputs_and_accepts_its_inputs() -> None:
    bank = _entity(EVSE_META, "ChargerBank")
    assert set(EV_INPUTS) <= set(accepted(bank))
    assert "p_batt_kw" in offered(bank) and "p_batt_kw" not in accepted(bank)
    assert "bus_id" in offered(bank)


def _run(wire: Any) -> dict[str, np.ndarray]:
    common = {"step_s": STEP_S, "start": "2016-06-06T00:00:00+02:00"}
    with mosaik.World(SIM_CONFIG, skip_greetings=True, configure_logging=False) as world:
        fleet = world.start("ev_fleet", seed=[1, 2], **common).Fleet(
            segments=[{"kind": "home_commuter", "n_ev": N_EV, "plugin": "daily"}],
            charger_bus=[1] * N_EV,
        )
        bank = world.start("evse", seed=[3], **common).ChargerBank(bus_id=[1] * N_EV)
        coll = world.start("collector").Collector()
        wire(world, fleet, bank)
        world.connect(fleet, coll, "soc")
        world.connect(bank, coll, "p_kw")
        world.run(until=2 * 86_400)
    assert Collector.last is not None
    rows = Collector.last.rows
    return {a: np.stack([r[a] for r in rows]) for a in ("soc", "p_kw")}


def test_link_gives_the_run_of_the_hand_typed_connections() -> None:
    def by_hand(world: Any, fleet: Any, bank: Any) -> None:
        world.connect(fleet, bank, *EV_INPUTS)
        world.connect(
            bank, fleet, "p_batt_kw", time_shifted=True, initial_data={"p_batt_kw": [0.0] * N_EV}
        )

    def linked(world: Any, fleet: Any, bank: Any) -> None:
        assert sorted(link(world, fleet, bank)) == sorted(EV_INPUTS)
        assert link(world, bank, fleet, time_shifted=True) == ["p_batt_kw"]

    a, b = _run(by_hand), _run(linked)
    assert a["p_kw"].sum() > 0
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
