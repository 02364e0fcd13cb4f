"""GridSim called directly: init/create/step/get_data, injection summing, JSON output."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cosim.errors import GridNotConvergedError, ModelError
from simulators.grid.adapter import GridSim

NET = "pandapower:example_simple"
START = "2024-01-01T00:00:00+01:00"


@pytest.fixture(autouse=True)
def _tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COSIM_CACHE_DIR", str(tmp_path / "cache"))


def _sim(json_safe=False, **kw):
    sim = GridSim(json_safe=json_safe)
    sim.init("Grid-0", 1.0, step_s=900, start=START, network=NET, **kw)
    return sim


def _buses(sim):
    return sim.create(sim.model.n_bus, "Bus")


def _area_v(sim):
    return np.asarray(sim.get_data({"Area": ["v_pu"]})["Area"]["v_pu"])


def test_create_reports_ids_and_names():
    sim = _sim()
    area = sim.create(1, "Area")[0]
    info = area["extra_info"]
    assert info["bus_id"] == [0, 1, 3, 5, 6]  # buses 2 and 4 were fused by closed switches
    assert len(info["bus_name"]) == 5
    assert len(info["line_name"]) == 4 and len(info["trafo_name"]) == 1
    assert set(info["household_bus_id"]) <= set(info["bus_id"])
    eids = [e["eid"] for e in _buses(sim)]
    assert eids == [f"bus_{b}" for b in info["bus_id"]]
    assert [e["eid"] for e in sim.create(1, "Line", line_id=[3])] == ["line_3"]
    assert [e["eid"] for e in sim.create(1, "Trafo")] == ["trafo_0"]
    with pytest.raises(ModelError, match="exactly one Area"):
        sim.create(1, "Area")
    with pytest.raises(ModelError, match="99"):
        sim.create(1, "Bus", bus_id=[99])


def test_step_without_inputs_solves_the_background():
    sim = _sim()
    sim.create(1, "Area")
    assert sim.step(0, {}) == 900
    out = sim.get_data({"Area": ["v_pu", "converged", "p_slack_kw", "bus_id"]})["Area"]
    assert out["converged"] == 1
    assert np.all(np.asarray(out["v_pu"]) > 0.9)
    assert np.isfinite(out["p_slack_kw"])  # example_simple exports (its gen exceeds the load)


def test_pandapower_names_move_voltages_the_right_way():
    sim = _sim()
    sim.create(1, "Area")
    _buses(sim)
    sim.step(0, {})
    base = sim.get_data({"bus_6": ["v_pu"]})["bus_6"]["v_pu"]
    sim.step(900, {"bus_6": {"P_load[MW]": {"load-0.L": 1.0}}})
    loaded = sim.get_data({"bus_6": ["v_pu"]})["bus_6"]["v_pu"]
    sim.step(1800, {"bus_6": {"P_gen[MW]": {"pv-0.PV": 1.0}}})
    fed = sim.get_data({"bus_6": ["v_pu"]})["bus_6"]["v_pu"]
    assert loaded < base - 1e-4
    assert fed > base + 1e-4


def test_area_and_bus_injections_sum_per_bus():
    a, b = _sim(), _sim()
    for sim in (a, b):
        sim.create(1, "Area")
        _buses(sim)
    # a: two EVSE banks on the Area (bus 6 twice from one source) plus a Bus load
    a.step(
        0,
        {
            "Area": {
                "p_kw": {"evse-0.Bank_0": np.array([100.0, 50.0]), "evse-1.Bank_0": [30.0]},
                "q_kvar": {"evse-0.Bank_0": np.array([10.0, 0.0])},
                "bus_id": {"evse-0.Bank_0": np.array([6, 6]), "evse-1.Bank_0": [5]},
            },
            "bus_6": {"p_kw": {"hh.0": 20.0}, "Q_load[MVar]": {"hh.0": 0.005}},
        },
    )
    # b: the same totals, all through Bus entities
    b.step(
        0,
        {
            "bus_6": {"p_kw": {"x.0": 170.0}, "q_kvar": {"x.0": 15.0}},
            "bus_5": {"P_load[MW]": {"x.1": 0.03}},
        },
    )
    np.testing.assert_allclose(_area_v(a), _area_v(b), atol=1e-12)
    # a later step without bus_id reuses the cached mapping of that source
    a.step(900, {"Area": {"p_kw": {"evse-1.Bank_0": [30.0]}}})
    with pytest.raises(ModelError, match="bus_id"):
        a.step(1800, {"Area": {"p_kw": {"new.src": [1.0]}}})


def test_json_safe_outputs_serialise():
    sim = _sim(json_safe=True)
    sim.create(1, "Area")
    _buses(sim)
    sim.create(4, "Line")
    sim.create(1, "Trafo")
    sim.step(0, {"Area": {"p_kw": {"s": [1.0]}, "bus_id": {"s": [3]}}})
    out = sim.get_data(
        {
            "Area": [
                "v_pu",
                "va_deg",
                "line_loading_pct",
                "trafo_loading_pct",
                "losses_kw",
                "p_slack_kw",
                "q_slack_kvar",
                "p_load_bg_kw",
                "p_gen_bg_kw",
                "converged",
                "bus_id",
            ],
            "bus_3": ["v_pu", "va_deg"],
            "line_0": ["loading_pct", "p_from_kw"],
            "trafo_0": ["loading_pct", "p_from_kw"],
        }
    )
    text = json.dumps(out)
    assert json.loads(text)["Area"]["bus_id"] == [0, 1, 3, 5, 6]
    assert isinstance(out["Area"]["v_pu"], list)


def test_in_process_outputs_are_arrays():
    sim = _sim()
    sim.create(1, "Area")
    sim.step(0, {})
    assert isinstance(sim.get_data({"Area": ["v_pu"]})["Area"]["v_pu"], np.ndarray)


def test_nonconvergence_follows_the_configuration():
    huge = {"Area": {"p_kw": {"s": [1e9]}, "bus_id": {"s": [6]}}}
    sim = _sim()
    sim.create(1, "Area")
    with pytest.raises(GridNotConvergedError, match="t=900 s"):
        sim.step(900, huge)
    sim = _sim(json_safe=True, on_nonconvergence="flag")
    sim.create(1, "Area")
    sim.step(900, huge)
    out = sim.get_data({"Area": ["converged", "v_pu"]})["Area"]
    assert out["converged"] == 0
    json.dumps(out)  # NaN is written as JSON NaN, which mosaik's json accepts
    sim.step(1800, {})
    assert sim.get_data({"Area": ["converged"]})["Area"]["converged"] == 1


def test_simbench_grid_uses_its_profiles():
    sim = GridSim()
    sim.init(
        "Grid-0",
        1.0,
        step_s=900,
        start="2016-06-20T12:00:00+02:00",
        network="simbench:1-LV-rural2--0-sw",
    )
    info = sim.create(1, "Area")[0]["extra_info"]
    assert 288 in info["bus_id"] and len(info["household_bus_id"]) > 50
    sim.step(0, {})
    noon = sim.get_data({"Area": ["p_gen_bg_kw"]})["Area"]["p_gen_bg_kw"]
    sim.step(12 * 3600, {})  # midnight
    night = sim.get_data({"Area": ["p_gen_bg_kw"]})["Area"]["p_gen_bg_kw"]
    assert noon > 0 and night == 0


def test_a_cached_grid_gives_the_same_outputs(tmp_path):
    runs = [_sim(cache=False), _sim(), _sim()]  # no cache, miss (writes), hit
    assert any((tmp_path / "cache" / "grids").iterdir())
    outs = []
    for sim in runs:
        sim.create(1, "Area")
        sim.step(0, {"Area": {"p_kw": {"ev.B": np.array([30.0])}, "bus_id": {"ev.B": [1]}}})
        outs.append(sim.get_data({"Area": ["v_pu", "losses_kw"]})["Area"])
    for out in outs[1:]:
        np.testing.assert_array_equal(out["v_pu"], outs[0]["v_pu"])
        assert out["losses_kw"] == outs[0]["losses_kw"]


def test_creating_existing_ids_again_returns_views_of_the_same_elements():
    sim = _sim()
    sim.create(1, "Area")
    first = sim.create(2, "Bus", bus_id=[6, 3])
    again = sim.create(3, "Bus", bus_id=[6, 6, 5])
    assert [e["eid"] for e in first] == ["bus_6", "bus_3"]
    # mosaik refuses an eid twice, so a repeated element comes back under an alias
    assert [e["eid"] for e in again] == ["bus_6~2", "bus_6~3", "bus_5"]
    assert again[0]["extra_info"] == first[0]["extra_info"]
    assert [e["eid"] for e in sim.create(1, "Line", line_id=[3])] == ["line_3"]
    assert [e["eid"] for e in sim.create(1, "Line", line_id=[3])] == ["line_3~2"]
    assert [e["eid"] for e in sim.create(1, "Trafo")] == ["trafo_0"]
    assert [e["eid"] for e in sim.create(1, "Trafo", trafo_id=[0])] == ["trafo_0~2"]
    # inputs through an alias reach the same bus; every alias reports the same voltage
    sim.step(0, {"bus_6": {"p_kw": {"a": 300.0}}, "bus_6~2": {"P_load[MW]": {"b": 0.2}}})
    out = sim.get_data({"bus_6": ["v_pu"], "bus_6~3": ["v_pu"], "line_3": ["I[kA]"]})
    ref = _sim()
    ref.create(1, "Area")
    _buses(ref)
    ref.step(0, {"bus_6": {"p_kw": {"a": 500.0}}})
    assert out["bus_6"]["v_pu"] == out["bus_6~3"]["v_pu"]
    assert out["bus_6"]["v_pu"] == pytest.approx(ref.get_data({"bus_6": ["v_pu"]})["bus_6"]["v_pu"])
    assert sim.get_data({"line_3~2": ["I[kA]"]})["line_3~2"] == out["line_3"]


def test_views_carry_static_extra_info():
    sim = _sim(json_safe=True)
    bus = {e["eid"]: e["extra_info"] for e in _buses(sim)}
    assert bus["bus_3"] == {"bus_id": 3, "name": "MV Transformer Bus", "vn_kv": 20.0}
    line = {e["eid"]: e["extra_info"] for e in sim.create(4, "Line")}
    assert line["line_0"] == {
        "line_id": 0,
        "name": "Line 1",
        "from_bus_id": 0,
        "to_bus_id": 1,
        "max_i_ka": 0.588,
        "length_km": 10.0,
    }
    assert line["line_1"]["from_bus_id"] == 3  # bus 4 was fused into bus 3
    trafo = sim.create(1, "Trafo")[0]["extra_info"]
    assert trafo == {
        "trafo_id": 0,
        "name": "110kV/20kV transformer",
        "hv_bus_id": 1,
        "lv_bus_id": 3,
        "sn_kva": 25000.0,
        "vn_hv_kv": 110.0,
        "vn_lv_kv": 20.0,
    }
    assert json.loads(json.dumps([bus, line, trafo]))  # plain values: fine over a socket


def test_mosaik_pandapower_2_output_names():
    meta = GridSim().meta["models"]
    assert {"Vm[pu]", "Va[deg]"} <= set(meta["Bus"]["attrs"])
    for model in ("Line", "Trafo"):
        assert {"loading[%]", "I[kA]"} <= set(meta[model]["attrs"])
    sim = _sim()
    sim.create(1, "Area")
    _buses(sim)
    sim.create(4, "Line")
    sim.create(1, "Trafo")
    sim.step(0, {"bus_6": {"p_kw": {"a": 2000.0}}})
    out = sim.get_data(
        {
            "bus_6": ["v_pu", "va_deg", "Vm[pu]", "Va[deg]"],
            "line_1": ["loading_pct", "loading[%]", "I[kA]"],
            "trafo_0": ["loading_pct", "loading[%]", "I[kA]"],
        }
    )
    assert out["bus_6"]["Vm[pu]"] == out["bus_6"]["v_pu"]
    assert out["bus_6"]["Va[deg]"] == out["bus_6"]["va_deg"]
    for eid in ("line_1", "trafo_0"):
        assert out[eid]["loading[%]"] == out[eid]["loading_pct"] > 0.0
        assert out[eid]["I[kA]"] > 0.0
    # the trafo current is the hv one: ~ its lv current times 20/110
    lv_ka = out["trafo_0"]["loading_pct"] / 100 * 25.0 / (np.sqrt(3) * 20.0)
    assert out["trafo_0"]["I[kA]"] == pytest.approx(lv_ka * 20.0 / 110.0, rel=0.05)


@pytest.mark.parametrize("backend", ["lightsim2grid", "power_grid_model"])
def test_currents_equal_the_pandapower_backend(backend):
    net = "simbench:1-LV-rural2--0-sw"
    outs = []
    for name in ("pandapower", backend):
        sim = GridSim()
        sim.init("Grid-0", 1.0, step_s=900, start=START, network=net, backend=name)
        sim.create(1, "Area")
        lines = [e["eid"] for e in sim.create(sim.model.grid.net.line.shape[0], "Line")]
        trafo = sim.create(1, "Trafo")[0]["eid"]
        sim.step(0, {})
        data = sim.get_data({eid: ["I[kA]"] for eid in [*lines, trafo]})
        outs.append(np.array([data[eid]["I[kA]"] for eid in [*lines, trafo]]))
    assert outs[0].max() > 0.01
    np.testing.assert_allclose(outs[1], outs[0], atol=1e-8)
