"""A simulator added from a scenario TOML alone: its role, entity, records and connections."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cosim.config import load_config, parse_config
from cosim.errors import ConfigError
from results.reader import open_run
from scenarios import base

ROOT = Path(__file__).resolve().parents[2]
HOME_PV = ROOT / "scenarios" / "home_pv.toml"
DAY = ["scenario.progress=false", 'scenario.until="1d"', 'scenario.warmup="0s"']


def _import_kwh(path: Path) -> float:
    run = open_run(path)
    p = run.get("Area", "p_slack_kw").to_numpy()
    return float(np.sum(p) * 0.25)


def test_home_pv_added_from_the_toml_cuts_the_grid_import(tmp_path: Path) -> None:
    with_homes = load_config(HOME_PV, DAY)
    data = tomllib.loads(HOME_PV.read_text())
    data.pop("connect")
    data["simulators"].pop("homes")
    without = parse_config(data).model_copy(update={"scenario": with_homes.scenario})
    a = base.run(with_homes, out=tmp_path / "homes.h5", progress=False)
    b = base.run(without, out=tmp_path / "none.h5", progress=False)
    assert a.status == b.status == "complete"
    run = open_run(a.path)
    pv = run.get("Homes", "e_pv_kwh").to_numpy()[-1].sum()
    self_used = run.get("Homes", "e_self_kwh").to_numpy()[-1].sum()
    soc = run.get("Homes", "soc").to_numpy()
    assert pv > 100.0 and 0.0 < self_used <= pv
    assert ((soc >= 0.05 - 1e-6) & (soc <= 1.0 + 1e-6)).all()
    # upstream import falls by what the homes feed in net (PV less battery charging), up to
    # the change in grid losses
    fed_in = -float(np.sum(run.get("Homes", "p_kw").to_numpy()) * 0.25)
    cut = _import_kwh(b.path) - _import_kwh(a.path)
    assert 0.0 < fed_in < pv
    assert cut == pytest.approx(fed_in, rel=0.05)
    # the EV fleet itself is the same: the homes only change where its energy comes from
    ev_a = run.get("ChargerBank", "p_kw").to_numpy().sum()
    ev_b = open_run(b.path).get("ChargerBank", "p_kw").to_numpy().sum()
    assert ev_a == pytest.approx(ev_b, rel=1e-6)


def _problems(data: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    return str(err.value)


def test_every_mistake_in_added_roles_is_named_at_load() -> None:
    homes = {"impl": "home_energy", "params": {"bus_id": "@nosuch.bus_id"}}
    text = _problems(
        {
            "simulators": {"homes": homes, "evse": {"impl": "evse", "record": ["p_kw"]}},
            "connect": [{"from": "evse", "to": "nohomes", "attrs": ["p_kw"]}],
        }
    )
    assert "simulators.homes.model" in text
    assert "simulators.evse" in text and "our role 'evse'" in text
    assert "connect[0].to" in text and "'nohomes'" in text
    assert "simulators.homes.params.bus_id" in text
    text = _problems(
        {"connect": [{"from": "evse", "to": "grid", "attrs": ["p_kw"], "time_shifted": True}]}
    )
    assert "needs initial_data for ['p_kw']" in text
    assert "need a table" in _problems({"simulators": {"homes": "home_energy"}})


def test_a_connection_to_a_role_the_script_does_not_build_is_named(tmp_path: Path) -> None:
    cfg = load_config(
        HOME_PV,
        [*DAY, 'connect=[{from="homes", to="aggregator", attrs=["p_kw"]}]'],
    )
    with pytest.raises(ConfigError, match=r"connect\[0\]\.to.*'aggregator' has no entity"):
        base.run(cfg, out=tmp_path / "x.h5", progress=False)
