"""DSOSim called directly: init/create/step/get_data, input checks, JSON-safe outputs."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from controllers.dso.adapter import DSOSim
from cosim.errors import ModelError
from tests.unit.test_dso_topology import small_grid

CHARGER_BUS = [2, 4, 4]


def make(json_safe: bool = False, **settings: Any) -> tuple[DSOSim, str, dict[str, Any]]:
    sim = DSOSim(json_safe=json_safe)
    sim.init("dso", step_s=900, start="2016-06-06T00:00:00+02:00", seed=[1])
    ent = sim.create(1, "Operator", **small_grid(), charger_bus_id=CHARGER_BUS, **settings)[0]
    return sim, ent["eid"], ent["extra_info"]


def inputs(eid: str, line: list[float], trafo: float, p_kw: list[float]) -> dict[str, Any]:
    return {
        eid: {
            "v_pu": {"grid-0.Area": [1.0, 1.0, 0.95, 0.88, 1.0, 1.0]},
            "bus_id": {"grid-0.Area": small_grid()["bus_id"], "evse-0.ChargerBank_0": CHARGER_BUS},
            "line_loading_pct": {"grid-0.Area": line},
            "trafo_loading_pct": {"grid-0.Area": [trafo]},
            "p_kw": {"evse-0.ChargerBank_0": p_kw},
        }
    }


def test_create_reports_framework_elements_and_downstream_counts() -> None:
    _, eid, info = make(framework="interruptible")
    assert eid == "Operator_0"
    assert info["framework"] == "interruptible" and info["q_mode_required"] is False
    assert info["element_kind"] == ["line"] * 4 + ["trafo"]
    assert info["n_downstream_chargers"] == [3, 1, 2, 2, 3]


def test_interruptible_step_caps_downstream_chargers_and_counts() -> None:
    sim, eid, _ = make(framework="interruptible")
    assert sim.step(0, inputs(eid, [50, 50, 130, 50], 60.0, [0.0, 11.0, 11.0])) == 900
    out = sim.get_data({eid: ["p_limit_kw", "n_congested", "n_v_violations", "p_curtail_req_kw"]})
    data = out[eid]
    assert np.isnan(data["p_limit_kw"][0])  # bus 2 is not behind line 12
    assert data["p_limit_kw"][1] < 11.0
    assert data["n_congested"] == 1 and data["n_v_violations"] == 1
    assert data["p_curtail_req_kw"] == pytest.approx(22.0 - 2 * data["p_limit_kw"][1])


def test_json_safe_outputs_survive_json() -> None:
    sim, eid, _ = make(json_safe=True, framework="vcc", vcc_mode="fixed")
    sim.step(0, inputs(eid, [50, 50, 50, 50], 60.0, [11.0, 11.0, 11.0]))
    out = sim.get_data({eid: ["p_limit_kw", "n_congested", "p_curtail_req_kw"]})
    text = json.dumps(out)
    assert json.loads(text)[eid]["p_limit_kw"] == [5.5, 5.5, 5.5]
    assert isinstance(out[eid]["n_congested"], int)


def test_observe_only_frameworks_never_cap() -> None:
    for fw in ("none", "tariff", "grid_code"):
        sim, eid, info = make(framework=fw)
        sim.step(0, inputs(eid, [150, 150, 150, 150], 150.0, [11.0, 11.0, 11.0]))
        out = sim.get_data({eid: ["p_limit_kw", "n_congested"]})[eid]
        assert np.isnan(out["p_limit_kw"]).all() and out["n_congested"] == 5
        assert info["q_mode_required"] is (fw == "grid_code")


def test_extra_delay_uses_older_measurements() -> None:
    sim, eid, _ = make(framework="interruptible", delay_steps=1)
    sim.step(0, inputs(eid, [50, 50, 130, 50], 60.0, [0.0, 11.0, 11.0]))
    first = sim.get_data({eid: ["p_limit_kw", "n_congested"]})[eid]
    assert np.isnan(first["p_limit_kw"]).all() and first["n_congested"] == 0  # nothing yet
    sim.step(900, inputs(eid, [50, 50, 50, 50], 60.0, [0.0, 11.0, 11.0]))
    second = sim.get_data({eid: ["p_limit_kw", "n_congested"]})[eid]
    assert second["n_congested"] == 1  # the congestion measured one step earlier


def test_without_inputs_the_operator_does_nothing() -> None:
    sim, eid, _ = make(framework="interruptible")
    sim.step(0, {})
    assert np.isnan(sim.get_data({eid: ["p_limit_kw"]})[eid]["p_limit_kw"]).all()


def test_bad_wiring_and_settings_are_clear_errors() -> None:
    sim, eid, _ = make(framework="interruptible")
    bad = inputs(eid, [50, 50, 50, 50], 60.0, [1.0, 2.0, 3.0])
    bad[eid]["bus_id"]["evse-0.ChargerBank_0"] = [4, 4, 2]
    with pytest.raises(ModelError, match="charger_bus_id"):
        sim.step(0, bad)
    with pytest.raises(ModelError, match="expected 5"):
        sim.step(0, inputs(eid, [50, 50], 60.0, [1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="unknown DSO setting"):
        make(loading_limit=90.0)
    with pytest.raises(ValueError, match="framework"):
        make(framework="curtail_all")
    with pytest.raises(ModelError, match="before its first step"):
        make()[0].get_data({"Operator_0": ["p_limit_kw"]})
