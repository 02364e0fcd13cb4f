"""EVSESim called directly: init, create, step, get_data, optional inputs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cosim.errors import ModelError
from simulators.evse import EFFICIENCY_CURVES
from simulators.evse.adapter import META, EVSESim
from simulators.evse.efficiency import ac_power_for_battery

FLEET = "fleet-0.Fleet_0"


def _sim(json_safe: bool = False, **create: object) -> tuple[EVSESim, str]:
    sim = EVSESim(json_safe=json_safe)
    sim.init("evse", 1.0, step_s=900, start="2016-06-06T00:00:00+02:00", seed=[1])
    params = {"bus_id": [3, 3, 5], **create}
    (entity,) = sim.create(1, "ChargerBank", **params)
    return sim, entity["eid"]


def _ev_inputs(eid: str, **control: dict[str, object]) -> dict[str, dict[str, dict[str, object]]]:
    state = {
        "plugged": [True, True, False],
        "soc": [0.5, 0.5, 0.5],
        "e_need_kwh": [20.0, 1.0, 20.0],
        "p_max_kw": [7.4, 11.0, 11.0],
        "departure_s": [3600, 3600, -1],
        "charger_idx": [0, 1, -1],
    }
    attrs: dict[str, dict[str, object]] = {k: {FLEET: v} for k, v in state.items()}
    attrs.update(control)
    return {eid: attrs}


def test_meta_has_inputs_outputs_and_optional_controls() -> None:
    attrs = set(META["models"]["ChargerBank"]["attrs"])
    assert {"p_kw", "q_kvar", "p_batt_kw", "bus_id", "p_set_kw", "p_limit_kw"} <= attrs
    assert {"plugged", "e_need_kwh", "p_max_kw", "charger_idx"} <= attrs


def test_create_extra_info_and_scalar_or_list_rating() -> None:
    sim = EVSESim()
    sim.init("evse", step_s=900)
    (a,) = sim.create(1, "ChargerBank", bus_id=[1, 2], p_rated_kw=7.4)
    (b,) = sim.create(1, "ChargerBank", bus_id=[1, 2], p_rated_kw=[3.7, 22.0], efficiency=0.9)
    assert a["extra_info"]["charger_ids"] == ["evse_0", "evse_1"]
    assert a["extra_info"]["p_rated_kw"] == [7.4, 7.4]
    assert b["extra_info"]["p_rated_kw"] == [3.7, 22.0]
    assert b["extra_info"]["bus_id"] == [1, 2]
    json.dumps([a, b])


def test_uncontrolled_step_without_optional_inputs() -> None:
    sim, eid = _sim()
    assert sim.step(0, _ev_inputs(eid), 900) == 900
    out = sim.get_data({eid: ["p_kw", "q_kvar", "p_batt_kw", "bus_id"]})[eid]
    np.testing.assert_allclose(out["p_kw"], [7.4, 1.0 / (0.92 * 0.25), 0.0])
    np.testing.assert_allclose(out["p_batt_kw"], [7.4 * 0.92, 4.0, 0.0])
    assert out["bus_id"].tolist() == [3, 3, 5]


def test_without_a_fleet_every_charger_is_idle() -> None:
    sim, eid = _sim()
    sim.step(0, {}, 900)
    out = sim.get_data({eid: ["p_kw", "p_batt_kw"]})[eid]
    assert (out["p_kw"] == 0).all() and (out["p_batt_kw"] == 0).all()


def test_limits_take_the_minimum_and_setpoints_add_up() -> None:
    sim, eid = _sim()
    inputs = _ev_inputs(
        eid,
        p_limit_kw={"dso.a": [5.0, np.nan, 5.0], "dso.b": [6.0, 2.0, np.nan]},
        p_set_kw={"agg.a": [1.0, np.nan, 0.0], "agg.b": [2.0, np.nan, 0.0]},
    )
    sim.step(0, inputs, 900)
    out = sim.get_data({eid: ["p_kw"]})[eid]
    np.testing.assert_allclose(out["p_kw"], [3.0, 2.0, 0.0])


def test_json_safe_output_is_json_serialisable() -> None:
    sim, eid = _sim(json_safe=True)
    sim.step(0, _ev_inputs(eid), 900)
    data = sim.get_data({eid: ["p_kw", "q_kvar", "p_batt_kw", "bus_id"]})
    json.dumps(data)
    assert isinstance(data[eid]["bus_id"][0], int)


def test_errors_name_the_problem() -> None:
    sim, eid = _sim()
    with pytest.raises(ModelError, match="before its first step"):
        sim.get_data({eid: ["p_kw"]})
    two = _ev_inputs(eid)
    two[eid]["plugged"]["fleet-1.Fleet_0"] = [False] * 3
    with pytest.raises(ModelError, match="connected to 2 fleets"):
        sim.step(0, two, 900)
    with pytest.raises(ValueError, match="unknown model"):
        sim.create(1, "Charger", bus_id=[1])
    with pytest.raises(ValueError, match="p_rated_kw"):
        sim.create(1, "ChargerBank", bus_id=[1], p_rated_kw=0.0)


GRID = "grid-0.Area_0"


def test_meta_lists_the_v2g_reactive_and_grid_ports() -> None:
    attrs = set(META["models"]["ChargerBank"]["attrs"])
    assert {"p_loss_kw", "p_curtailed_kw", "p_dis_limit_kw", "q_set_kvar", "v_pu"} <= attrs
    assert {"soc_min", "e_capacity_kwh"} <= attrs
    assert {"q_mode", "qv_curve", "bidirectional", "phases"} <= set(
        META["models"]["ChargerBank"]["params"]
    )


def test_qv_uses_the_voltage_of_each_charger_bus_from_the_grid() -> None:
    sim, eid = _sim(q_mode="qv", s_rated_kva=20.0, p_rated_kw=11.0)
    inputs = _ev_inputs(eid)
    inputs[eid]["v_pu"] = {GRID: [1.10, 0.9, 0.95]}
    inputs[eid]["bus_id"] = {GRID: [3, 4, 5]}
    sim.step(0, inputs, 900)
    out = sim.get_data({eid: ["q_kvar", "p_kw"]})[eid]
    # chargers 0 and 1 are at bus 3 (1.10 p.u.); charger 2 has no EV
    np.testing.assert_allclose(out["q_kvar"], [0.44 * 20, 0.44 * 20, 0.0])


def test_voltage_without_bus_ids_or_for_a_missing_bus_is_an_error() -> None:
    sim, eid = _sim(q_mode="qv")
    inputs = _ev_inputs(eid)
    inputs[eid]["v_pu"] = {GRID: [1.0, 1.0]}
    with pytest.raises(ModelError, match="connect both v_pu and bus_id"):
        sim.step(0, inputs, 900)
    inputs[eid]["bus_id"] = {GRID: [3, 4]}
    with pytest.raises(ModelError, match=r"no voltage for charger bus\(es\) \[5\]"):
        sim.step(0, inputs, 900)


def test_v2g_losses_and_curtailment_reach_get_data() -> None:
    sim, eid = _sim(json_safe=True, bidirectional=True, efficiency="obc_typical")
    inputs = _ev_inputs(
        eid,
        p_set_kw={"agg": [-5.0, 10.0, 0.0]},
        p_limit_kw={"dso": [np.nan, 3.0, np.nan]},
    )
    inputs[eid].update({"soc_min": {FLEET: [0.2] * 3}, "e_capacity_kwh": {FLEET: [50.0] * 3}})
    sim.step(0, inputs, 900)
    out = sim.get_data({eid: ["p_kw", "p_batt_kw", "p_loss_kw", "p_curtailed_kw"]})[eid]
    json.dumps(out)
    assert out["p_kw"][0] == pytest.approx(-5.0) and out["p_batt_kw"][0] < -5.0
    assert out["p_kw"][1] == pytest.approx(3.0)
    # without the limit the EV would have drawn the AC power that meets its 1 kWh need
    ch = EFFICIENCY_CURVES["obc_typical"][0].as_array(1)
    p_free = ac_power_for_battery(np.array([1.0 / 0.25]), np.array([11.0]), ch)[0]
    assert out["p_curtailed_kw"][1] == pytest.approx(p_free - 3.0)
    assert all(x >= 0 for x in out["p_loss_kw"])


def test_create_rejects_unknown_parameters_and_reports_modes() -> None:
    sim = EVSESim()
    sim.init("evse", step_s=900)
    with pytest.raises(ValueError, match="unknown parameter"):
        sim.create(1, "ChargerBank", bus_id=[1], qmode="qv")
    (e,) = sim.create(1, "ChargerBank", bus_id=[1, 2], q_mode=["qv", "none"], phases=[1, 3])
    assert e["extra_info"]["q_mode"] == ["qv", "none"]
    assert e["extra_info"]["phases"] == [1, 3]
