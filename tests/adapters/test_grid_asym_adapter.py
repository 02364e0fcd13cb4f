"""GridSim with the unbalanced backend: per-phase ports, seeded phase layout, balanced fallback."""

from __future__ import annotations

import numpy as np
import pytest

from cosim.errors import ModelError
from simulators.grid.adapter import GridSim

LV = "simbench:1-LV-rural2--0-sw"
START = "2016-01-20T18:00:00+01:00"
PHASE_OUTPUTS = ["v_a_pu", "v_b_pu", "v_c_pu", "vuf_pct", "v0_pu", "v_pu"]


def _sim(backend="power_grid_model_asym", **kw):
    sim = GridSim()
    sim.init("grid", network=LV, backend=backend, start=START, **kw)
    info = sim.create(1, "Area")[0]["extra_info"]
    return sim, info


def _far_buses(info, sim, n=3):
    """Original ids of the buses with the lowest voltage without EVs (feeder ends)."""
    sim.step(0, {})
    v = np.asarray(sim.get_data({"Area": ["v_pu"]})["Area"]["v_pu"])
    return [info["bus_id"][i] for i in np.argsort(np.nan_to_num(v, nan=9.0))[:n]]


def _solve(sim, inputs):
    sim.step(0, {"Area": inputs})
    return {k: np.asarray(v) for k, v in sim.get_data({"Area": PHASE_OUTPUTS})["Area"].items()}


def test_phase_layout_is_seeded_and_in_extra_info():
    _, a = _sim(seed=[4, 2])
    _, b = _sim(seed=[4, 2])
    _, c = _sim(seed=[5, 2])
    assert a["load_phase"] == b["load_phase"] and a["sgen_phase"] == b["sgen_phase"]
    assert a["load_phase"] != c["load_phase"]
    assert set(a["load_phase"]) == {0, 1, 2}  # default: every household on one phase
    _, balanced = _sim(seed=[4, 2], phases={"load_share_single": 0.0})
    assert set(balanced["load_phase"]) == {-1}


def test_single_phase_charging_lowers_its_phase_and_unbalances():
    sim, info = _sim(seed=1, phases={"load_share_single": 0.0, "sgen_single_max_kva": 0.0})
    buses = _far_buses(info, sim)
    before = _solve(sim, {})
    assert np.nanmax(before["vuf_pct"]) < 1e-6  # balanced background
    after = _solve(sim, {"p_b_kw": {"ev": [11.0] * 3}, "bus_id": {"ev": buses}})
    row = info["bus_id"].index(buses[0])
    assert (
        after["v_b_pu"][row] < after["v_a_pu"][row] and after["v_b_pu"][row] < after["v_c_pu"][row]
    )
    assert after["v_b_pu"][row] < before["v_b_pu"][row] - 1e-3
    assert after["vuf_pct"][row] > 0.3
    assert after["v0_pu"][row] > 0.0


def test_balanced_input_is_split_equally():
    sim, info = _sim(seed=1, phases={"load_share_single": 0.0, "sgen_single_max_kva": 0.0})
    buses = _far_buses(info, sim)
    total = _solve(sim, {"p_kw": {"ev": [9.0] * 3}, "bus_id": {"ev": buses}})
    split = {f"p_{ph}_kw": {"ev": [3.0] * 3} for ph in "abc"}
    per_phase = _solve(sim, {**split, "bus_id": {"ev": buses}})
    for key in PHASE_OUTPUTS:
        np.testing.assert_allclose(total[key], per_phase[key], atol=1e-9)
    np.testing.assert_allclose(total["v_a_pu"], total["v_c_pu"], atol=1e-9)


def test_balanced_backend_sums_phases_and_reports_no_unbalance():
    sim, info = _sim(backend="power_grid_model")
    buses = _far_buses(info, sim)
    one_phase = _solve(sim, {"p_a_kw": {"ev": [9.0] * 3}, "bus_id": {"ev": buses}})
    total = _solve(sim, {"p_kw": {"ev": [9.0] * 3}, "bus_id": {"ev": buses}})
    np.testing.assert_array_equal(one_phase["v_pu"], total["v_pu"])
    np.testing.assert_array_equal(one_phase["v_a_pu"], one_phase["v_pu"])
    assert np.nanmax(one_phase["vuf_pct"]) == 0.0
    assert "load_phase" not in info


def test_phase_input_needs_matching_bus_ids():
    sim, info = _sim(seed=1)
    with pytest.raises(ModelError, match="p_c_kw"):
        sim.step(0, {"Area": {"p_c_kw": {"ev": [1.0, 2.0]}, "bus_id": {"ev": info["bus_id"][:3]}}})


def test_bad_zero_sequence_setting_is_named():
    with pytest.raises(ModelError, match="line_r0_r1"):
        _sim(zero_sequence={"line_r0_r1": -1.0})
