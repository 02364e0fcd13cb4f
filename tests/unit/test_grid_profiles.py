"""Background profiles: SimBench rows, time mapping, households, CSV."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from cosim.errors import ModelError
from simulators.grid.network import load_network, prepare
from simulators.grid.profiles import (
    BackgroundProfiles,
    household_load_index,
    load_profile_csv,
    profile_row,
    start_offset_s,
)

CET = timezone(timedelta(hours=1))


@pytest.fixture(scope="module")
def lv():
    return prepare(load_network("simbench:1-LV-rural2--0-sw"))


def test_row_follows_start_offset():
    start = datetime(2016, 3, 1, 12, 0, tzinfo=CET)
    offset = start_offset_s(start)
    assert offset == (31 + 29) * 86_400 + 12 * 3600
    assert profile_row(0, offset, 35_136) == offset // 900
    assert profile_row(899, offset, 35_136) == offset // 900
    assert profile_row(900, offset, 35_136) == offset // 900 + 1


def test_row_wraps_after_the_last_row():
    last = 35_135
    assert profile_row(last * 900, 0, 35_136) == last
    assert profile_row((last + 1) * 900, 0, 35_136) == 0
    # a step shorter than the profile step reads the row containing the instant
    assert profile_row(60, 0, 35_136) == 0


def test_simbench_profiles_cover_a_leap_year_as_types(lv):
    start = datetime(2016, 1, 1, tzinfo=CET)
    prof = BackgroundProfiles.from_simbench(lv.net, start=start)
    assert prof.n_rows == 35_136
    assert (prof.n_load, prof.n_sgen) == (lv.n_bg_load, len(lv.net.sgen))
    # a few types, never one column per element
    n_types = lv.net.load["profile"].nunique() + 1
    assert prof.load_p.table.shape == (35_136, n_types) < (35_136, lv.n_bg_load)
    assert prof.load_p_mw_at(0).dtype == np.float32
    # PV generates at noon in June, not at midnight
    june_noon = prof.row(int((datetime(2016, 6, 21, 12, tzinfo=CET) - start).total_seconds()))
    assert prof.sgen_p_mw_at(june_noon).sum() > 10 * prof.sgen_p_mw_at(june_noon - 48).sum()


def test_households_are_the_h_profiles(lv):
    idx = household_load_index(lv.net)
    profiles = lv.net.load.loc[idx, "profile"]
    assert len(idx) > 0 and profiles.str.startswith("H").all()
    others = lv.net.load.iloc[: lv.n_bg_load].drop(index=idx)
    assert not others["profile"].str.startswith("H").any()


def test_non_simbench_households_are_all_loads():
    grid = prepare(load_network("pandapower:example_simple"))
    assert len(household_load_index(grid.net)) == grid.n_bg_load


def test_constant_profile_uses_nominal_values():
    grid = prepare(load_network("pandapower:example_simple"))
    prof = BackgroundProfiles.constant(grid.net)
    assert prof.n_rows == 1
    assert prof.load_p_mw_at(0)[0] == np.float32(grid.net.load["p_mw"].iloc[0])


def test_csv_profile_overrides_named_elements(tmp_path):
    grid = prepare(load_network("pandapower:example_simple"))
    name = str(grid.net.load["name"].iloc[0])
    times = pd.date_range("2024-01-01T00:00+01:00", periods=4, freq="15min")
    df = pd.DataFrame(
        {"time": times.map(lambda t: t.isoformat()), f"load:{name}:p_mw": [1, 2, 3, 4]}
    )
    path = tmp_path / "bg.csv"
    df.to_csv(path, index=False)
    prof = load_profile_csv(path, grid.net, start=datetime(2024, 1, 1, 0, 30, tzinfo=CET))
    assert prof.step_s == 900
    assert prof.load_p_mw_at(prof.row(0))[0] == 3.0  # start is the third timestamp
    assert prof.load_p_mw_at(prof.row(3600))[0] == 3.0  # wraps: 4 rows of 15 min
    # elements without a column keep their nominal value
    nominal = np.float32(grid.net.load["p_mw"].iloc[1]) if grid.n_bg_load > 1 else None
    if nominal is not None:
        assert prof.load_p_mw_at(prof.row(900))[1] == nominal
    assert prof.load_q_mvar_at(1)[0] == np.float32(grid.net.load["q_mvar"].iloc[0])


def test_csv_with_unknown_element_is_an_error(tmp_path):
    grid = prepare(load_network("pandapower:example_simple"))
    path = tmp_path / "bad.csv"
    path.write_text("time,load:nobody:p_mw\n2024-01-01T00:00+01:00,1\n2024-01-01T00:15+01:00,2\n")
    with pytest.raises(ModelError, match="nobody"):
        load_profile_csv(path, grid.net, start=datetime(2024, 1, 1, tzinfo=CET))
