"""DSOSim market framework: zone params, baseline input, requests and traffic light on the wire."""

from __future__ import annotations

import json
from typing import Any

import pytest

from controllers.dso.adapter import DSOSim
from cosim.errors import ModelError
from simulators.flex_market.orders import request_from_dict
from tests.unit.test_dso_zones import CHARGERS, two_feeders

STEP_S = 3600
NEW = ["flex_requests", "congested_mask", "headroom_kw"]


def make(**params: Any) -> tuple[DSOSim, str, dict[str, Any]]:
    sim = DSOSim(json_safe=True)
    sim.init("dso", step_s=STEP_S, start="2016-06-06T00:00:00+02:00", seed=[1])
    ent = sim.create(1, "Operator", **two_feeders(), charger_bus_id=CHARGERS, **params)[0]
    return sim, ent["eid"], ent["extra_info"]


def inputs(eid: str, trafo: float, baseline: list[float] | None = None) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "line_loading_pct": {"grid-0.Area": [40.0, 30.0, 40.0, 30.0]},
        "trafo_loading_pct": {"grid-0.Area": [trafo]},
        "v_pu": {"grid-0.Area": [1.0] * 6},
    }
    if baseline is not None:
        attrs["p_baseline_kw"] = {"agg-0.Aggregator_0": baseline}
    return {eid: attrs}


def test_extra_info_lists_the_feeder_zones() -> None:
    _, _, info = make(framework="market")
    assert info["zone_names"] == ["feeder_10", "feeder_12", "busbar"]
    assert info["zone_of_charger"] == [0, 0, 1, 2]
    assert info["zone_buses"] == [[1, 2], [3, 5], [0]]


def test_given_zones_are_used() -> None:
    _, _, info = make(zone_names=["a", "b"], zone_of_charger=[0, 0, 1, 1])
    assert info["zone_names"] == ["a", "b"] and info["zone_buses"] == [[1, 2], [0, 5]]


def test_market_requests_are_json_safe_and_valid_for_the_market() -> None:
    sim, eid, _ = make(framework="market", market={"price_cap_eur_mwh": 250.0})
    issued: list[dict[str, Any]] = []
    for k in range(48):
        t = k * STEP_S
        hour = (k - 1) % 24
        trafo = 115.0 if k <= 24 and hour in (17, 18) else 50.0  # day 0 evening, seen 1 h late
        sim.step(t, inputs(eid, trafo, [20.0, 20.0, 0.0]))
        out = sim.get_data({eid: NEW})
        json.dumps(out)
        issued += out[eid]["flex_requests"]
        assert isinstance(out[eid]["congested_mask"], list)
        assert len(out[eid]["headroom_kw"]) == 3
    assert {r["zone"] for r in issued} == {"feeder_10", "feeder_12"}
    for r in issued:
        req = request_from_dict(r)
        assert req.price_cap_eur_mwh == 250.0 and req.p_kw == pytest.approx(0.5 * 0.2 * 250)
        assert (req.t_start_s, req.t_end_s) == (2 * 86400 + 17 * 3600, 2 * 86400 + 19 * 3600)


def test_traffic_light_for_the_interruptible_framework() -> None:
    sim, eid, _ = make(framework="interruptible")
    sim.step(0, inputs(eid, 120.0))
    out = sim.get_data({eid: NEW})[eid]
    assert out["congested_mask"] == [True] * 4 and out["flex_requests"] == []
    assert all(h < 0 for h in out["headroom_kw"])


def test_unconnected_grid_gives_unconstrained_headroom() -> None:
    sim, eid, _ = make()
    sim.step(0, {})
    out = sim.get_data({eid: NEW})[eid]
    assert out["headroom_kw"] == [1e6] * 3 and not any(out["congested_mask"])


def test_wrong_baseline_length_and_market_key_are_named() -> None:
    sim, eid, _ = make(framework="market")
    with pytest.raises(ModelError, match="3 zones"):
        sim.step(0, inputs(eid, 50.0, [1.0, 2.0]))
    with pytest.raises(ValueError, match="price_cap"):
        make(framework="market", market={"price_cap": 1.0})
