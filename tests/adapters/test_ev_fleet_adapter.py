"""EVFleetSim called directly: init, create, step, get_data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cosim.errors import ModelError
from simulators.ev_fleet.adapter import META, OUTPUT_ATTRS, EVFleetSim

START = "2016-06-06T00:00:00+02:00"  # a Monday


def _home(n_ev: int, **fleet: object) -> list[dict[str, object]]:
    """One home-commuter segment of ``n_ev`` EVs with ``FleetParams`` overrides."""
    return [{"kind": "home_commuter", "n_ev": n_ev, **fleet}]


def _sim(json_safe: bool = False, **fleet: object) -> tuple[EVFleetSim, str]:
    sim = EVFleetSim(json_safe=json_safe)
    sim.init("fleet", 1.0, step_s=900, start=START, seed=[1, 2, 3])
    (entity,) = sim.create(1, "Fleet", segments=_home(4, **fleet), charger_bus=[3, 3, 5, 7])
    return sim, entity["eid"]


def test_meta_lists_every_output_and_the_power_input() -> None:
    attrs = META["models"]["Fleet"]["attrs"]
    assert set(OUTPUT_ATTRS) | {"p_batt_kw"} == set(attrs)
    assert META["type"] == "time-based"


def test_create_reports_the_fleet_table_in_extra_info() -> None:
    sim = EVFleetSim()
    sim.init("fleet", step_s=900, start=START, seed=[7])
    segments = _home(3, plugin="daily", p_max_kw=7.4)
    (ent,) = sim.create(1, "Fleet", segments=segments, charger_bus=[1, 2, 3])
    info = ent["extra_info"]
    assert info["ev_ids"] == ["ev_0", "ev_1", "ev_2"]
    assert info["charger_bus"] == [1, 2, 3]
    assert info["p_max_kw"] == [7.4, 7.4, 7.4]
    for key in ("capacity_kwh", "alpha", "consumption_kwh_km", "soc_target", "soc_min"):
        assert len(info[key]) == 3
    json.dumps(ent)  # params and extra_info are plain JSON


def test_scenario_parameter_names_are_accepted() -> None:
    _, eid = _sim(
        plugin="non_systematic",
        alpha=1.3,
        battery_kwh=[40.0, 60.0, 77.0],
        battery_share=[0.3, 0.4, 0.3],
        p_max_kw=11.0,
        soc_target=0.9,
        soc_min=0.2,
        schedule={"weekend_trip_prob": 0.5},
    )
    assert eid == "Fleet_0"


def test_step_without_connected_power_and_get_data() -> None:
    sim, eid = _sim()
    assert sim.step(0, {}, 900) == 900
    data = sim.get_data({eid: ["soc", "plugged", "departure_s"]})[eid]
    assert isinstance(data["soc"], np.ndarray) and data["soc"].shape == (4,)
    assert ((data["soc"] >= 0) & (data["soc"] <= 1)).all()


def test_power_from_several_sources_is_summed() -> None:
    sim, eid = _sim(plugin="daily", soc_init=[0.5, 0.5])
    sim.step(0, {}, 900)
    soc0 = sim.get_data({eid: ["soc"]})[eid]["soc"].copy()
    cap = sim.get_data({eid: ["e_capacity_kwh"]})[eid]["e_capacity_kwh"]
    inputs = {eid: {"p_batt_kw": {"evse.a": [1.0] * 4, "evse.b": np.full(4, 3.0)}}}
    sim.step(900, inputs, 1800)
    soc1 = sim.get_data({eid: ["soc"]})[eid]["soc"]
    np.testing.assert_allclose((soc1 - soc0) * cap, 4.0 * 0.25)


def test_json_safe_output_is_json_serialisable() -> None:
    sim, eid = _sim(json_safe=True)
    sim.step(0, {eid: {"p_batt_kw": {"evse.x": [0.0] * 4}}}, 900)
    data = sim.get_data({eid: list(OUTPUT_ATTRS)})
    text = json.dumps(data)
    assert isinstance(data[eid]["plugged"], list)
    assert isinstance(data[eid]["departure_s"][0], int)
    assert "e_trip_unmet_kwh" in text


def test_start_weekday_changes_the_schedule() -> None:
    def departures(start: str) -> list[int]:
        sim = EVFleetSim()
        sim.init("fleet", step_s=900, start=start, seed=[1])
        (ent,) = sim.create(1, "Fleet", segments=_home(200, plugin="daily"))
        sim.step(0, {}, 900)
        dep = sim.get_data({ent["eid"]: ["departure_s"]})[ent["eid"]]["departure_s"]
        return [int(d) for d in dep if d >= 0]

    monday = np.mean(departures(START))
    saturday = np.mean(departures("2016-06-11T00:00:00+02:00"))
    assert saturday > monday + 2 * 3600  # weekend trips start later (and some days later)


def test_errors_name_the_problem() -> None:
    sim, eid = _sim()
    with pytest.raises(ValueError, match="unknown model"):
        sim.create(1, "Car", segments=_home(2))
    with pytest.raises(ValueError, match="charger_bus has 2 entries"):
        sim.create(1, "Fleet", segments=_home(3), charger_bus=[1, 2])
    with pytest.raises(ValueError, match=r"unknown Fleet parameter\(s\) \['n_ev'\]"):
        sim.create(1, "Fleet", n_ev=3)
    with pytest.raises(ValueError, match=r"segments\[0\] .* needs 'kind' and 'n_ev'"):
        sim.create(1, "Fleet", segments=[{"kind": "home_commuter"}])
    with pytest.raises(ModelError, match="before its first step"):
        sim.get_data({eid: ["soc"]})
    with pytest.raises(ModelError, match="3 values for 4 EVs"):
        sim.step(0, {eid: {"p_batt_kw": {"evse.x": [0.0] * 3}}}, 900)
    with pytest.raises(ValueError, match="time_resolution"):
        EVFleetSim().init("f", 60.0)


def test_two_fleets_in_one_simulator_draw_different_evs() -> None:
    sim = EVFleetSim()
    sim.init("fleet", step_s=900, start=START, seed=[5])
    a, b = sim.create(2, "Fleet", segments=_home(50))
    assert a["eid"] != b["eid"]
    assert a["extra_info"]["alpha"] != b["extra_info"]["alpha"]
