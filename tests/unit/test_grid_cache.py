"""Prepared-grid cache: a hit equals a cold build exactly; changes miss; damage rebuilds."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import pickle
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandapower as pp
import pytest

from simulators.grid import cache as grid_cache
from simulators.grid.cache import cache_dir, cache_key, clear_cache, prepared_grid
from simulators.grid.model import GridModel
from simulators.grid.profiles import BackgroundProfiles

LV = "simbench:1-LV-rural2--0-sw"
SIMPLE = "pandapower:example_simple"
START = datetime(2016, 6, 20, tzinfo=timezone(timedelta(hours=2)))


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COSIM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("COSIM_NO_CACHE", raising=False)
    return tmp_path / "cache"


def _entries(root):
    grids = root / "grids"
    return sorted(p.name for p in grids.iterdir() if p.is_dir()) if grids.is_dir() else []


def _run(setup, backend, n_steps=12):
    prof = setup.simbench.aligned(START) if setup.simbench else None
    model = GridModel(
        setup.grid, prof or BackgroundProfiles.constant(setup.grid.net), backend=backend
    )
    rng = np.random.default_rng(3)
    out = []
    for k in range(n_steps):
        p = np.zeros(model.n_bus)
        p[rng.choice(model.n_bus, 5, replace=False)] = rng.uniform(0, 11, 5)
        s = model.step(k * 900, p, 0.2 * p)
        out.append((s.vm_pu, s.va_deg, s.line_loading_pct, s.trafo_loading_pct, s.losses_kw))
    return out


@pytest.fixture(scope="module")
def lv_cold_and_hit(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        root = tmp_path_factory.mktemp("lv-cache")
        mp.setenv("COSIM_CACHE_DIR", str(root))
        mp.delenv("COSIM_NO_CACHE", raising=False)
        cold = prepared_grid(LV)  # miss: builds and writes
        assert len(_entries(root)) == 1
        hit = prepared_grid(LV)
    return cold, hit


@pytest.mark.parametrize("backend", ["lightsim2grid", "pandapower"])
def test_a_cache_hit_steps_exactly_like_a_cold_build(lv_cold_and_hit, backend):
    cold, hit = (copy.deepcopy(s) for s in lv_cold_and_hit)
    assert hit.grid.net is not cold.grid.net  # really read back from disk
    assert hit.grid.bus_alias == cold.grid.bus_alias
    assert hit.grid.bus_name == cold.grid.bus_name
    np.testing.assert_array_equal(hit.grid.original_bus_id, cold.grid.original_bus_id)
    np.testing.assert_array_equal(
        hit.grid.net.res_bus["vm_pu"].to_numpy(), cold.grid.net.res_bus["vm_pu"].to_numpy()
    )
    assert hit.simbench.first_instant == cold.simbench.first_instant
    for a, b in zip(_run(cold, backend), _run(hit, backend), strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y)


def test_versions_and_config_are_part_of_the_key(tmp_cache, monkeypatch):
    prepared_grid(SIMPLE)
    key = cache_key(SIMPLE)
    assert cache_key(SIMPLE, config={"fuse_switches": False}) != key
    assert cache_key("pandapower:mv_oberrhein") != key
    versions = grid_cache._versions()
    monkeypatch.setattr(
        grid_cache, "_versions", lambda: versions | {"pandapower": versions["pandapower"] + "x"}
    )
    assert cache_key(SIMPLE) != key
    prepared_grid(SIMPLE)  # a miss: a second entry
    assert len(_entries(tmp_cache)) == 2
    monkeypatch.setattr(grid_cache, "CACHE_FORMAT", grid_cache.CACHE_FORMAT + 1)
    assert cache_key(SIMPLE) not in _entries(tmp_cache)


def test_a_json_file_is_keyed_by_its_content(tmp_path):
    path = tmp_path / "grid.json"
    net = pp.networks.example_simple()
    pp.to_json(net, str(path))
    key = cache_key(str(path))
    net.load.loc[net.load.index[0], "p_mw"] *= 2
    pp.to_json(net, str(path))
    assert cache_key(str(path)) != key


@pytest.mark.parametrize("damaged", ["net.json", "arrays.npz"])
def test_a_corrupt_entry_is_rebuilt_with_a_warning(tmp_cache, caplog, damaged):
    good = prepared_grid(SIMPLE)
    (entry,) = _entries(tmp_cache)
    path = tmp_cache / "grids" / entry / damaged
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with caplog.at_level(logging.WARNING, logger="simulators.grid.cache"):
        again = prepared_grid(SIMPLE)
    assert "unreadable" in caplog.text
    np.testing.assert_array_equal(
        again.grid.net.res_bus["vm_pu"].to_numpy(), good.grid.net.res_bus["vm_pu"].to_numpy()
    )
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="simulators.grid.cache"):
        prepared_grid(SIMPLE)  # the rebuilt entry reads cleanly
    assert "unreadable" not in caplog.text


def test_no_cache_writes_nothing_and_clear_cache_empties(tmp_cache, monkeypatch):
    prepared_grid(SIMPLE, cache=False)
    assert _entries(tmp_cache) == []
    monkeypatch.setenv("COSIM_NO_CACHE", "1")
    prepared_grid(SIMPLE)
    assert _entries(tmp_cache) == []
    monkeypatch.delenv("COSIM_NO_CACHE")
    prepared_grid(SIMPLE)
    assert len(_entries(tmp_cache)) == 1
    assert clear_cache() == 1
    assert _entries(tmp_cache) == []


def test_cache_location_follows_the_environment(tmp_path, monkeypatch):
    assert cache_dir() == tmp_path / "cache"
    monkeypatch.delenv("COSIM_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "ev-grid-cosim"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir().parts[-2:] == (".cache", "ev-grid-cosim")


_WARM_RUN = """
import sys
import numpy as np
from simulators.grid.cache import prepared_grid
from simulators.grid.model import GridModel
from simulators.grid.profiles import BackgroundProfiles
setup = prepared_grid(sys.argv[1])
model = GridModel(setup.grid, BackgroundProfiles.constant(setup.grid.tables))
p = np.linspace(0.0, 30.0, model.n_bus)
state = model.step(0, p, 0.2 * p)
print("pandapower" in sys.modules, *state.vm_pu.tolist())
"""


def test_a_cache_hit_runs_the_lightsim_backend_without_pandapower(tmp_cache):
    cold = prepared_grid(SIMPLE)  # the miss writes the entry
    model = GridModel(cold.grid, BackgroundProfiles.constant(cold.grid.net))
    p = np.linspace(0.0, 30.0, model.n_bus)
    want = model.step(0, p, 0.2 * p).vm_pu
    out = subprocess.run(
        [sys.executable, "-c", _WARM_RUN, SIMPLE],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout.split()
    assert out[0] == "False"  # pandapower was never imported
    np.testing.assert_array_equal(np.array(out[1:], dtype=float), want)
    hit = prepared_grid(SIMPLE)
    assert hit.grid.lightsim_state is not None
    assert hit.grid.net.load is hit.grid.tables.load  # the full net, read on demand


def test_the_tables_file_may_build_data_only(tmp_cache, caplog):
    good = prepared_grid(SIMPLE)
    (entry,) = _entries(tmp_cache)
    folder = tmp_cache / "grids" / entry
    (folder / "tables.pkl").write_bytes(pickle.dumps({"tables": print, "lightsim_state": None}))
    meta = json.loads((folder / "meta.json").read_text())
    meta["sha256"]["tables.pkl"] = hashlib.sha256((folder / "tables.pkl").read_bytes()).hexdigest()
    (folder / "meta.json").write_text(json.dumps(meta))
    with caplog.at_level(logging.WARNING, logger="simulators.grid.cache"):
        again = prepared_grid(SIMPLE)
    assert "may not build builtins.print" in caplog.text
    assert list(again.grid.tables) == list(good.grid.tables)


def test_simbench_codes_are_read_from_the_cache_the_second_time(tmp_cache, monkeypatch):
    import simbench

    codes = grid_cache.simbench_codes()
    assert codes == list(simbench.collect_all_simbench_codes())
    assert LV.partition(":")[2] in codes

    def boom():
        raise AssertionError("simbench asked again")

    monkeypatch.setattr(simbench, "collect_all_simbench_codes", boom)
    assert grid_cache.simbench_codes() == codes
