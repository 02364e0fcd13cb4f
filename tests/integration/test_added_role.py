"""A simulator added from a scenario TOML alone: its role, entity, records and connections."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from cosim.config import load_config, parse_config
from cosim.config_roles import ALIASES, ConnectSpec
from cosim.errors import ConfigError
from cosim.registry import ROLES
from results.reader import open_run
from scenarios import base
from scenarios.parts import Parts
from scenarios.roles import _initial

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
        {
            "connect": [
                {"from": "evse", "to": "grid", "attrs": ["p_kw"], "initial_data": {"p_kw": 0}},
                {
                    "from": "evse",
                    "to": "grid",
                    "attrs": ["p_kw"],
                    "time_shifted": True,
                    "initial_data": {"q_kvar": 0},
                },
            ]
        }
    )
    assert "only used with time_shifted = true" in text
    assert "initial_data for ['q_kvar'], which this connection does not send" in text
    assert "need a table" in _problems({"simulators": {"homes": "home_energy"}})


def test_a_connection_to_a_role_the_script_does_not_build_is_named(tmp_path: Path) -> None:
    cfg = load_config(
        HOME_PV,
        [*DAY, 'connect=[{from="homes", to="aggregator", attrs=["p_kw"]}]'],
    )
    with pytest.raises(ConfigError, match=r"connect\[0\]\.to.*'aggregator' has no entity"):
        base.run(cfg, out=tmp_path / "x.h5", progress=False)


def test_a_time_shifted_connection_is_sized_from_the_ports_unless_given() -> None:
    spec = ConnectSpec.model_validate(
        {
            "from": "evse",
            "to": "homes",
            "attrs": [["p_kw", "p_load_kw"], ["bus_id", "load_bus_id"], "q_kvar"],
            "time_shifted": True,
            "initial_data": {"q_kvar": [1.0, 2.0, 3.0]},
        }
    )
    bank = SimpleNamespace(
        full_id="evse-0.bank", extra_info={"charger_ids": ["c0", "c1", "c2"], "bus_id": [3, 5, 5]}
    )
    homes = SimpleNamespace(full_id="homes-0.homes", extra_info={})
    initial = _initial(bank, homes, spec, "connect[0].initial_data")
    # the chargers' default power, their bus ids, and the values given
    assert initial == {"p_kw": [0.0, 0.0, 0.0], "bus_id": [3, 5, 5], "q_kvar": [1.0, 2.0, 3.0]}
    with pytest.raises(ConfigError, match=r"connect\[0\]\.initial_data.*charger_ids"):
        _initial(
            SimpleNamespace(full_id="x", extra_info={}), homes, spec, "connect[0].initial_data"
        )


def test_a_time_shifted_added_connection_runs_without_initial_data(tmp_path: Path) -> None:
    noon = 'scenario.start="2016-06-06T10:00:00+02:00"'
    pairs = '[["p_kw", "p_load_kw"], ["bus_id", "load_bus_id"]]'
    to_grid = '{from="homes", to="grid", attrs=["p_kw", "bus_id"]}'
    net = {}
    for shifted in ("false", "true"):
        to_homes = f'{{from="evse", to="homes", attrs={pairs}, time_shifted={shifted}}}'
        cfg = load_config(
            HOME_PV, [*DAY, noon, 'scenario.until="6h"', f"connect=[{to_homes}, {to_grid}]"]
        )
        outcome = base.run(cfg, out=tmp_path / f"shifted-{shifted}.h5", progress=False)
        assert outcome.status == "complete"
        net[shifted] = open_run(outcome.path).get("Homes", "p_batt_kw").to_numpy()
    # one step late, the homes see the chargers' power of the step before (none at the
    # first step: the port's default), so their batteries store a different PV surplus
    assert net["true"].shape == net["false"].shape
    assert not np.array_equal(net["true"], net["false"])


def test_every_entity_a_study_built_is_found_by_its_role_name() -> None:
    parts = Parts(grid="A", fleet="F", bank="B", coordinator="C", market="M", added={"homes": "H"})
    assert parts.by_role() == {
        "grid": "A",
        "ev_fleet": "F",
        "fleet": "F",
        "evse": "B",
        "coordination": "C",
        "flex_market": "M",
        "homes": "H",
    }
    # every field that holds a role's entity names one of our roles
    every = Parts(**{f.name: f.name for f in fields(Parts) if f.name not in ("n_ev", "added")})
    assert set(every.by_role()) - set(ALIASES) <= set(ROLES)
