"""DSO feeder zones: a partition of the chargers, deterministic names, SimBench rural2 feeders."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from controllers.dso.topology import build_topology, grid_params
from controllers.dso.zones import ZoneMap, feeder_zones, make_zones, resolve_zones
from cosim.errors import ModelError
from tests.unit.test_dso_topology import small_grid


def two_feeders() -> dict[str, Any]:
    """hv 100 -trafo 7- 0; feeder A: 0 -10- 1 -11- 2; feeder B: 0 -12- 3 -13- 5 (lines)."""
    return {
        "bus_id": [100, 0, 1, 2, 3, 5],
        "line_id": [10, 11, 12, 13],
        "line_from_bus_id": [0, 1, 0, 5],  # line 13 drawn backwards
        "line_to_bus_id": [1, 2, 3, 3],
        "line_max_i_ka": [0.2, 0.1, 0.2, 0.1],
        "line_vn_kv": [0.4] * 4,
        "trafo_id": [7],
        "trafo_hv_bus_id": [100],
        "trafo_lv_bus_id": [0],
        "trafo_sn_kva": [250.0],
    }


CHARGERS = [2, 1, 5, 0]  # feeder A, feeder A, feeder B, busbar


def test_each_feeder_with_chargers_is_a_zone_and_the_busbar_another() -> None:
    zones = feeder_zones(build_topology(**two_feeders()), CHARGERS)
    assert zones.names == ("feeder_10", "feeder_12", "busbar")
    assert zones.zone_of_charger.tolist() == [0, 0, 1, 2]
    assert zones.buses == ((1, 2), (3, 5), (0,))
    assert zones.element.tolist() == [0, 2, 4]  # line 10, line 12, the trafo (lines first)


def test_feeders_without_chargers_get_no_zone() -> None:
    zones = feeder_zones(build_topology(**two_feeders()), [5, 3])
    assert zones.names == ("feeder_12",)
    assert zones.zone_of_charger.tolist() == [0, 0]


def test_zones_do_not_depend_on_charger_order() -> None:
    topo = build_topology(**two_feeders())
    a = feeder_zones(topo, CHARGERS)
    b = feeder_zones(topo, CHARGERS[::-1])
    assert a.names == b.names and a.buses == b.buses
    assert b.zone_of_charger.tolist() == a.zone_of_charger.tolist()[::-1]


def test_a_sub_feeder_line_is_no_zone_of_its_own() -> None:
    zones = feeder_zones(build_topology(**small_grid()), [2, 4, 3])
    assert zones.names == ("feeder_10",)  # lines 11-13 hang below line 10
    assert set(zones.buses[0]) == {1, 2, 3, 4}


def test_given_zones_are_kept_and_bad_ones_named() -> None:
    topo = build_topology(**two_feeders())
    given = {"zone_names": ["feeder_10", "x"], "zone_of_charger": [0, 0, 1, -1]}
    zones = resolve_zones(topo, CHARGERS, **given)
    assert zones.names == ("feeder_10", "x")
    assert zones.buses == ((1, 2), (5,)) and zones.element.tolist() == [0, -1]
    with pytest.raises(ModelError, match="zone_of_charger"):
        resolve_zones(topo, CHARGERS, zone_names=["a"], zone_of_charger=[0, 0, 1, 0])
    with pytest.raises(ModelError, match="together"):
        resolve_zones(topo, CHARGERS, zone_names=["a"])


def test_zone_map_shares_an_element_by_baseline_else_by_chargers() -> None:
    topo = build_topology(**two_feeders())
    zones = feeder_zones(topo, CHARGERS)
    zm = ZoneMap.build(topo.charger_cover(CHARGERS), zones.zone_of_charger, zones.n_zone)
    trafo = -1
    np.testing.assert_allclose(zm.shares(None).toarray()[trafo], [0.5, 0.25, 0.25])
    np.testing.assert_allclose(zm.shares([30.0, 10.0, 0.0]).toarray()[trafo], [0.75, 0.25, 0.0])
    frac = zm.fraction().toarray()
    np.testing.assert_allclose(frac[1], [0.5, 0.0, 0.0])  # line 11: 1 of 2 chargers


def test_share_data_is_the_stored_entries_of_shares_and_a_fresh_array() -> None:
    topo = build_topology(**two_feeders())
    zones = feeder_zones(topo, CHARGERS)
    zm = ZoneMap.build(topo.charger_cover(CHARGERS), zones.zone_of_charger, zones.n_zone)
    for base in (None, [30.0, 10.0, 0.0], [np.nan, -5.0, 2.0], [0.0, 0.0, 0.0]):
        data = zm.share_data(base)
        np.testing.assert_array_equal(data, zm.shares(base).data)
        data[:] = -1.0  # the caller's copy: the map's next answer is unchanged
        np.testing.assert_array_equal(zm.share_data(base), zm.shares(base).data)
        assert (zm.share_data(base) >= 0).all()


def test_an_element_feeding_one_zone_owes_it_all_whatever_the_baselines() -> None:
    topo = build_topology(**two_feeders())
    zones = feeder_zones(topo, CHARGERS)
    zm = ZoneMap.build(topo.charger_cover(CHARGERS), zones.zone_of_charger, zones.n_zone)
    single = np.diff(zm.count.indptr) == 1
    assert single.any() and not single.all()  # feeder lines and the shared trafo
    for base in ([30.0, 10.0, 0.0], [0.0, 0.0, 0.0], [np.inf, np.nan, -1.0], [1e-300, 5.0, 2.0]):
        shares = zm.shares(base).toarray()
        assert (shares[single].sum(axis=1) == 1.0).all() and (shares[single] % 1 == 0).all()
        np.testing.assert_allclose(shares[~single].sum(axis=1), 1.0, rtol=1e-15)


def test_simbench_rural2_has_several_feeder_zones_covering_every_household() -> None:
    from simulators.grid.adapter import GridSim

    sim = GridSim()
    sim.init("grid", network="simbench:1-LV-rural2--0-sw", profiles=False)
    info = sim.create(1, "Area")[0]["extra_info"]
    topo = build_topology(**grid_params(info))
    chargers = info["household_bus_id"]
    zones = feeder_zones(topo, chargers)
    assert zones.n_zone >= 3
    assert all(name.startswith("feeder_") for name in zones.names)
    counts = np.bincount(zones.zone_of_charger, minlength=zones.n_zone)
    assert counts.sum() == len(chargers) and (counts > 0).all()
    every = [b for buses in zones.buses for b in buses]
    assert len(every) == len(set(every))  # zones are disjoint
    assert set(chargers) <= set(every)
    lv = info["trafo_lv_bus_id"][0]
    for z, name in enumerate(zones.names):  # each zone's head line leaves the LV busbar
        i = info["line_id"].index(int(name.removeprefix("feeder_")))
        assert lv in (info["line_from_bus_id"][i], info["line_to_bus_id"][i])
        assert set(zones.buses[z]) == topo.downstream_buses("line", info["line_id"][i])


def mv_with_two_lv_areas() -> dict[str, Any]:
    """slack 1 -line 20- 2 -line 21- 3 (MV); trafo 7: 2 -> 10 -line 30- 11; trafo 8: 3 -> 12.

    Line 22 (1 - 3) is out of service: with it the MV grid would be a ring.
    """
    return {
        "bus_id": [1, 2, 3, 10, 11, 12],
        "line_id": [20, 21, 22, 30],
        "line_from_bus_id": [1, 2, 1, 10],
        "line_to_bus_id": [2, 3, 3, 11],
        "line_max_i_ka": [0.3, 0.3, 0.3, 0.2],
        "line_vn_kv": [20.0, 20.0, 20.0, 0.4],
        "trafo_id": [7, 8],
        "trafo_hv_bus_id": [2, 3],
        "trafo_lv_bus_id": [10, 12],
        "trafo_sn_kva": [400.0, 630.0],
        "root_bus_id": [1],
        "line_in_service": [True, True, False, True],
    }


def test_area_zones_are_the_transformer_areas_and_the_mv_grid_upstream() -> None:
    topo = build_topology(**mv_with_two_lv_areas())
    zones = make_zones("area", topo, [11, 12, 10, 2])
    assert zones.names == ("area_7", "area_8", "upstream")
    assert zones.zone_of_charger.tolist() == [0, 1, 0, 2]
    assert zones.buses == ((10, 11), (12,), (1, 2, 3))
    assert zones.element.tolist() == [4, 5, -1]  # trafo rows follow the four lines


def test_an_out_of_service_line_feeds_nothing_and_the_slack_is_the_root() -> None:
    topo = build_topology(**mv_with_two_lv_areas())
    assert topo.downstream_buses("line", 22) == set()
    # from the slack, line 20 feeds everything but bus 1; line 21 feeds trafo 8's area
    assert topo.downstream_buses("line", 20) == {2, 3, 10, 11, 12}
    assert topo.downstream_buses("line", 21) == {3, 12}


def test_unknown_zone_kind_names_the_valid_ones() -> None:
    with pytest.raises(ModelError, match="'feeder', 'area'"):
        make_zones("bus", build_topology(**two_feeders()), CHARGERS)


def test_given_area_zones_keep_their_transformer_as_head() -> None:
    topo = build_topology(**mv_with_two_lv_areas())
    zones = resolve_zones(topo, [11, 12], zone_names=["area_7", "area_8"], zone_of_charger=[0, 1])
    assert zones.element.tolist() == [4, 5]
    assert zones.buses == ((10, 11), (12,))
