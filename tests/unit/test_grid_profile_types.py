"""Profile types × scales give exactly what simbench.get_absolute_values materialises."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandapower as pp
import pytest
import simbench as sb

from simulators.grid.network import load_network, prepare
from simulators.grid.profiles import BackgroundProfiles, TypedSeries

CET = timezone(timedelta(hours=1))
START = datetime(2016, 1, 1, tzinfo=CET)


def _absolute(grid):
    """The old dense way: simbench's element × time tables, as float32."""
    net = grid.net
    sub = pp.create_empty_network()
    sub["load"] = net.load.iloc[: grid.n_bg_load]
    for table in ("sgen", "gen", "storage"):
        sub[table] = net[table]
    sub["profiles"] = net.profiles
    absolute = sb.get_absolute_values(sub, profiles_instead_of_study_cases=True)
    return {
        key: np.nan_to_num(absolute[key].to_numpy(np.float32), nan=0.0)
        for key in (("load", "p_mw"), ("load", "q_mvar"), ("sgen", "p_mw"))
    }


@pytest.fixture(scope="module")
def lv():
    grid = prepare(load_network("simbench:1-LV-rural2--0-sw"))
    return grid, BackgroundProfiles.from_simbench(grid.net, start=START), _absolute(grid)


@pytest.fixture(scope="module")
def mv():
    grid = prepare(load_network("simbench:1-MV-semiurb--0-sw"))
    return grid, BackgroundProfiles.from_simbench(grid.net, start=START), _absolute(grid)


def _rows(prof, rows):
    return {
        ("load", "p_mw"): np.stack([prof.load_p_mw_at(r) for r in rows]),
        ("load", "q_mvar"): np.stack([prof.load_q_mvar_at(r) for r in rows]),
        ("sgen", "p_mw"): np.stack([prof.sgen_p_mw_at(r) for r in rows]),
    }


def test_every_row_of_the_lv_grid_equals_simbench_bit_for_bit(lv):
    _, prof, absolute = lv
    ours = _rows(prof, range(prof.n_rows))
    for key, table in absolute.items():
        assert ours[key].shape == table.shape
        np.testing.assert_array_equal(ours[key], table, err_msg=str(key))


def test_random_rows_of_an_mv_grid_equal_simbench(mv):
    _, prof, absolute = mv
    rows = np.random.default_rng(7).choice(prof.n_rows, size=20, replace=False)
    ours = _rows(prof, rows)
    for key, table in absolute.items():
        np.testing.assert_array_equal(ours[key], table[rows], err_msg=str(key))
        assert np.abs(table[rows]).sum() > 0  # the comparison is not vacuous


def test_the_type_table_is_small(mv):
    grid, prof, _ = mv
    assert prof.load_p.table.shape[1] <= grid.net.load["profile"].nunique() + 1
    assert prof.load_p.table.nbytes < 20e6


def test_an_element_without_profile_keeps_its_nominal_value():
    grid = prepare(load_network("simbench:1-LV-rural2--0-sw"))
    grid.net.load.loc[grid.net.load.index[0], "profile"] = None
    prof = BackgroundProfiles.from_simbench(grid.net, start=START)
    nominal = np.float32(grid.net.load["p_mw"].iloc[0])
    assert {float(prof.load_p_mw_at(r)[0]) for r in (0, 500, 20_000)} == {float(nominal)}


def test_typed_series_gathers_type_rows_times_scales():
    table = np.array([[1.0, 0.5], [0.0, 2.0]])
    series = TypedSeries(table=table, type_idx=np.array([1, 0, 1]), scale=np.array([2.0, 3, 4]))
    np.testing.assert_array_equal(series.at(0), np.float32([1.0, 3.0, 2.0]))
    np.testing.assert_array_equal(series.at(1), np.float32([4.0, 0.0, 8.0]))
    with pytest.raises(ValueError, match="type_idx"):
        TypedSeries(table=table, type_idx=np.array([2]), scale=np.array([1.0]))


def test_real_simbench_labels_follow_berlin_daylight_saving(lv):
    grid, _, _ = lv
    labels = grid.net.profiles["load"]["time"]
    assert "27.03.2016 02:00" not in set(labels)  # the spring gap
    assert (labels == "30.10.2016 02:00").sum() == 2  # the autumn repeat
    summer = BackgroundProfiles.from_simbench(
        grid.net, start=datetime(2016, 6, 20, tzinfo=timezone(timedelta(hours=2)))
    )
    assert labels.iloc[summer.row(0)] == "20.06.2016 00:00"
    assert labels.iloc[summer.row(3600)] == "20.06.2016 01:00"
