"""Loading and preparing pandapower networks for the grid simulator."""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pytest

from cosim.errors import ConfigError, ModelError
from simulators.grid.network import INJ_PREFIX, load_network, prepare

LV = "simbench:1-LV-rural2--0-sw"


@pytest.fixture(scope="module")
def raw_names():
    return {}


@pytest.fixture(scope="module")
def lv(raw_names):
    net = load_network(LV)
    raw_names.update(net.bus["name"].to_dict())
    return prepare(net)


def test_prepared_bus_index_is_continuous_and_keeps_original_ids(lv, raw_names):
    net = lv.net
    assert net.bus.index.tolist() == list(range(lv.n_bus))
    # the SimBench MV slack bus has id 288: it must survive as an original id
    assert 288 in lv.original_bus_id
    assert lv.rows_of([288])[0] == int(np.flatnonzero(lv.original_bus_id == 288)[0])
    assert lv.bus_name[lv.rows_of([288])[0]] == raw_names[288]
    assert [raw_names[o] for o in lv.original_bus_id] == list(lv.bus_name)


def test_prepare_adds_one_injection_load_per_bus_after_background(lv):
    load = lv.net.load
    inj = load.iloc[lv.n_bg_load :]
    assert len(inj) == lv.n_bus
    assert inj["bus"].tolist() == list(range(lv.n_bus))
    assert inj["name"].tolist() == [f"{INJ_PREFIX}{o}" for o in lv.original_bus_id]
    assert not load.iloc[: lv.n_bg_load]["name"].str.startswith(INJ_PREFIX).any()


def test_prepare_makes_columns_numeric_and_taps_explicit(lv):
    net = lv.net
    assert net.load["min_p_mw"].dtype == float
    assert net.ext_grid["max_q_mvar"].dtype == float
    assert (net.trafo["tap_changer_type"] == "Ratio").all()
    assert len(net.switch) == 0
    assert net.res_bus["vm_pu"].notna().all()


def test_prepare_fuses_closed_bus_switches_and_opens_lines():
    net = load_network("pandapower:example_simple")
    grid = prepare(net)
    # buses 2 and 4 hang on closed bus-bus switches to 1 and 3
    assert grid.n_bus == 5
    assert grid.rows_of([2])[0] == grid.rows_of([1])[0]
    assert grid.rows_of([4])[0] == grid.rows_of([3])[0]
    assert not grid.net.line.loc[2, "in_service"]  # behind the open switch at bus 6


def test_unknown_bus_id_names_it():
    grid = prepare(load_network("pandapower:example_simple"))
    with pytest.raises(ModelError, match="99"):
        grid.rows_of([0, 99])


def test_json_file_round_trip(tmp_path):
    net = load_network("pandapower:example_simple")
    path = tmp_path / "net.json"
    pp.to_json(net, str(path))
    again = load_network(str(path))
    assert again.bus.index.tolist() == net.bus.index.tolist()
    assert np.allclose(again.load["p_mw"], net.load["p_mw"])


def test_unknown_simbench_code_suggests_matches():
    with pytest.raises(ConfigError) as info:
        load_network("simbench:1-LV-rual2--0-sw")
    text = str(info.value)
    assert "collect_all_simbench_codes" in text
    assert "1-LV-rural2--0-sw" in text


def test_unknown_pandapower_name_suggests_matches():
    with pytest.raises(ConfigError, match="mv_oberrhein"):
        load_network("pandapower:mv_oberhein")


def test_missing_file_says_what_sources_exist(tmp_path):
    with pytest.raises(ConfigError, match="simbench:<code>"):
        load_network(str(tmp_path / "nope.json"))


def test_a_net_saved_after_prepare_prepares_again(tmp_path):
    grid = prepare(load_network("pandapower:example_simple"))
    path = tmp_path / "prepared.json"
    pp.to_json(grid.net, str(path))
    again = prepare(load_network(str(path)))
    assert again.n_bg_load == grid.n_bg_load
    assert len(again.net.load) == grid.n_bg_load + grid.n_bus
    np.testing.assert_array_equal(again.original_bus_id, grid.original_bus_id)
