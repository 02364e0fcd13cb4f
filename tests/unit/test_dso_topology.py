"""DSO topology: downstream sets of lines and trafos on a hand-made grid and on SimBench LV."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from controllers.dso.topology import GRID_INFO_KEYS, GridTopology, build_topology, grid_params
from cosim.errors import ModelError


def small_grid() -> dict[str, Any]:
    """hv 100 -trafo 7- 0 -line 10- 1 -line 11- 2 ; 1 -line 12- 3 -line 13- 4 (ids reversed)."""
    return {
        "bus_id": [100, 0, 1, 2, 3, 4],
        "line_id": [10, 11, 12, 13],
        "line_from_bus_id": [0, 1, 1, 4],  # line 13 is drawn 4 -> 3: orientation must not matter
        "line_to_bus_id": [1, 2, 3, 3],
        "line_max_i_ka": [0.2, 0.1, 0.1, 0.1],
        "line_vn_kv": [0.4] * 4,
        "trafo_id": [7],
        "trafo_hv_bus_id": [100],
        "trafo_lv_bus_id": [0],
        "trafo_sn_kva": [250.0],
    }


def test_downstream_sets_of_a_radial_grid() -> None:
    topo = build_topology(**small_grid())
    assert topo.downstream_buses("trafo", 7) == {0, 1, 2, 3, 4}
    assert topo.downstream_buses("line", 10) == {1, 2, 3, 4}
    assert topo.downstream_buses("line", 11) == {2}
    assert topo.downstream_buses("line", 12) == {3, 4}
    assert topo.downstream_buses("line", 13) == {4}


def test_ratings_follow_trafo_sn_and_line_current() -> None:
    topo = build_topology(**small_grid())
    np.testing.assert_allclose(topo.rating_kva[0], np.sqrt(3) * 0.4 * 0.2 * 1000)
    assert topo.rating_kva[-1] == 250.0
    assert topo.element_kind.tolist() == ["line"] * 4 + ["trafo"]


def test_charger_cover_maps_chargers_through_their_bus() -> None:
    topo = build_topology(**small_grid())
    cover = topo.charger_cover([2, 4, 4, 0])
    mask = cover.toarray()
    assert mask[1].tolist() == [True, False, False, False]  # line 11 feeds bus 2 only
    assert mask[3].tolist() == [False, True, True, False]  # line 13 feeds bus 4
    assert mask[-1].all()  # the trafo feeds everyone


def test_unknown_charger_bus_is_an_error_naming_it() -> None:
    topo = build_topology(**small_grid())
    with pytest.raises(ModelError, match="999"):
        topo.charger_cover([999])


def test_slack_side_without_trafo_is_the_unfed_line_start_or_given() -> None:
    grid = small_grid() | {"trafo_id": [], "trafo_hv_bus_id": [], "trafo_lv_bus_id": []}
    grid |= {"trafo_sn_kva": [], "bus_id": [0, 1, 2, 3, 4]}
    grid |= {"line_from_bus_id": [0, 1, 1, 3], "line_to_bus_id": [1, 2, 3, 4]}
    topo = build_topology(**grid)  # bus 0 starts a line and ends none: the slack side
    assert topo.downstream_buses("line", 12) == {3, 4}
    topo = build_topology(**grid, root_bus_id=[2])  # fed from bus 2 instead
    assert topo.downstream_buses("line", 11) == {0, 1, 3, 4}
    assert topo.downstream_buses("line", 10) == {0}


def test_missing_extra_info_key_is_named() -> None:
    with pytest.raises(ModelError, match="trafo_sn_kva"):
        grid_params({k: [] for k in GRID_INFO_KEYS if k != "trafo_sn_kva"})


@pytest.fixture(scope="module")
def rural2() -> tuple[GridTopology, dict[str, Any]]:
    from simulators.grid.adapter import GridSim

    sim = GridSim()
    sim.init("grid", network="simbench:1-LV-rural2--0-sw", profiles=False)
    info = sim.create(1, "Area")[0]["extra_info"]
    return build_topology(**grid_params(info)), info


def test_simbench_rural2_every_household_is_behind_the_trafo(
    rural2: tuple[GridTopology, dict[str, Any]],
) -> None:
    topo, info = rural2
    trafo = topo.downstream_buses("trafo", info["trafo_id"][0])
    assert set(info["household_bus_id"]) <= trafo
    assert info["trafo_hv_bus_id"][0] not in trafo
    assert len(trafo) == len(info["bus_id"]) - 1


def test_simbench_rural2_feeder_end_lines_feed_few_buses(
    rural2: tuple[GridTopology, dict[str, Any]],
) -> None:
    topo, info = rural2
    n_lines = len(info["line_id"])
    down = topo.downstream_matrix().toarray()
    sizes = down[:n_lines].sum(axis=1)
    np.testing.assert_array_equal(sizes, topo.n_downstream_bus[:n_lines])
    # a radial LV grid: every line feeds at least its far bus; lines at feeder ends feed one
    assert sizes.min() == 1 and (sizes == 1).sum() >= 5
    # the lines leaving the trafo's lv bus feed every LV bus between them
    lv = info["trafo_lv_bus_id"][0]
    first = [
        i for i in range(n_lines) if lv in (info["line_from_bus_id"][i], info["line_to_bus_id"][i])
    ]
    assert sizes[first].sum() == len(info["bus_id"]) - 2
    # nested: a line's downstream set contains that of every line below it
    end = int(np.argmin(sizes))
    holders = down[:n_lines][:, down[end]].all(axis=1)
    assert holders.sum() >= 2  # the line itself and at least one line upstream of it
