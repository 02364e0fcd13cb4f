"""CoordinatorSim called directly: init/create/step/get_data, JSON-safe outputs, events()."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from controllers.coordination.adapter import META, CoordinatorSim
from controllers.coordination.ports import OUTPUT_ATTRS
from cosim.errors import ModelError

ZONES = [0, 0, 1, -1]


def make(json_safe: bool = False, **params: Any) -> tuple[CoordinatorSim, str, dict[str, Any]]:
    sim = CoordinatorSim(json_safe=json_safe)
    meta = sim.init("coord", step_s=900, start="2016-06-06T00:00:00+02:00", seed=[1])
    assert meta["models"]["Coordinator"]["attrs"] == META["models"]["Coordinator"]["attrs"]
    params.setdefault("zone_names", ["line_3", "trafo_0"])
    ent = sim.create(1, "Coordinator", zone_of_charger=ZONES, **params)[0]
    return sim, ent["eid"], ent["extra_info"]


def inputs(eid: str, fcr_kw: float, headroom: list[float]) -> dict[str, Any]:
    return {
        eid: {
            "p_base_kw": {"agg-0.Agg": [5.0, 5.0, 5.0, 5.0]},
            "p_up_kw": {"agg-0.Agg": [4.0, 4.0, 4.0, 4.0]},
            "p_down_kw": {"agg-0.Agg": [4.0, 4.0, 4.0, 4.0]},
            "fcr_p_req_kw": {"tso-0.TSO_0": fcr_kw},
            "congested_mask": {"dso-0.Operator_0": [1, 1, 0, 0]},
            "headroom_kw": {"dso-0.Operator_0": headroom},
        }
    }


def test_create_reports_scheme_zones_and_labels() -> None:
    _, eid, info = make(scheme="traffic_light", charger_ids=["cp0", "cp1", "cp2", "cp3"])
    assert eid == "Coordinator_0"
    assert info["scheme"] == "traffic_light" and info["zone_names"] == ["line_3", "trafo_0"]
    assert info["charger_ids"] == ["cp0", "cp1", "cp2", "cp3"]
    assert info["conflict_kinds"] == [
        "tso_aggravates_dso",
        "dso_counteracts_tso",
        "double_claim",
        "afrr_aggravates_dso",
        "dso_counteracts_afrr",
        "afrr_double_claim",
    ]


def test_tso_first_step_outputs_setpoints_and_counts_the_conflict() -> None:
    sim, eid, _ = make(scheme="tso_first", charger_ids=["cp0", "cp1", "cp2", "cp3"])
    assert sim.step(0, inputs(eid, 8.0, [-1.0, np.inf])) == 900
    out = sim.get_data({eid: list(OUTPUT_ATTRS)})[eid]
    np.testing.assert_allclose(out["p_adj_kw"], [2.0, 2.0, 2.0, 2.0])
    np.testing.assert_allclose(out["p_set_kw"], [7.0, 7.0, 7.0, 7.0])
    assert out["fcr_served_kw"] == pytest.approx(8.0) and out["fcr_blocked_kw"] == 0.0
    assert out["n_conflicts"] == 1 and out["conflict_mw"] == pytest.approx(0.004)
    sim.step(900, inputs(eid, 8.0, [-1.0, np.inf]))
    out = sim.get_data({eid: ["n_tso_aggravates_dso", "n_double_claim", "n_conflicts"]})[eid]
    assert out == {"n_tso_aggravates_dso": 2, "n_double_claim": 0, "n_conflicts": 1}
    table = sim.events()
    assert table["time_s"] == [0, 900] and table["kind"] == ["tso_aggravates_dso"] * 2
    assert table["zone_name"] == ["line_3", "line_3"] and table["chargers"] == ["cp0;cp1"] * 2
    assert table["entity"] == [eid, eid]


def test_traffic_light_blocks_and_events_table_is_empty_without_conflicts() -> None:
    sim, eid, _ = make(scheme="traffic_light")
    sim.step(0, inputs(eid, 12.0, [-1.0, np.inf]))
    out = sim.get_data({eid: ["p_adj_kw", "fcr_served_kw", "fcr_blocked_kw", "n_conflicts"]})
    data = out[eid]
    np.testing.assert_allclose(data["p_adj_kw"], [0.0, 0.0, 4.0, 4.0])
    assert data["fcr_blocked_kw"] == pytest.approx(4.0) and data["n_conflicts"] == 0
    table = sim.events()
    assert set(table) >= {"time_s", "kind", "zone", "mw", "chargers"} and table["kind"] == []


def test_missing_inputs_mean_no_request_and_no_adjustment() -> None:
    sim, eid, _ = make(scheme="common_market", fcr_value_eur_mwh=500.0)
    sim.step(0, {})
    out = sim.get_data({eid: ["p_adj_kw", "dso_served_kw", "n_conflicts"]})[eid]
    np.testing.assert_allclose(out["p_adj_kw"], np.zeros(4))
    np.testing.assert_allclose(out["dso_served_kw"], np.zeros(2))


def test_json_safe_outputs_survive_json() -> None:
    sim, eid, _ = make(json_safe=True, scheme="common_market")
    sim.step(0, inputs(eid, 8.0, [1.0, np.inf]))
    out = sim.get_data({eid: list(OUTPUT_ATTRS)})
    back = json.loads(json.dumps(out))
    assert back[eid]["p_adj_kw"] == pytest.approx(out[eid]["p_adj_kw"])
    assert isinstance(back[eid]["n_conflicts"], int)
    json.dumps(sim.events())


def test_bad_params_and_inputs_are_reported() -> None:
    sim = CoordinatorSim()
    sim.init("coord")
    with pytest.raises(ValueError, match="valid"):
        sim.create(1, "Coordinator", zone_of_charger=ZONES, scheme="dso_first")
    with pytest.raises(ValueError, match="unknown coordinator param"):
        sim.create(1, "Coordinator", zone_of_charger=ZONES, fcr_price=3.0)
    eid = sim.create(1, "Coordinator", zone_of_charger=ZONES)[0]["eid"]
    with pytest.raises(ModelError, match="before its first step"):
        sim.get_data({eid: ["p_adj_kw"]})
    with pytest.raises(ModelError, match="p_up_kw from agg"):
        sim.step(0, {eid: {"p_up_kw": {"agg": [1.0, 2.0]}}})


def _step_inputs(eid: str, base_kw: float, fcr_kw: float) -> dict[str, Any]:
    data = inputs(eid, fcr_kw, [20.0, np.inf])
    data[eid]["p_base_kw"] = {"agg-0.Agg": [base_kw] * 4}
    return data


@pytest.mark.parametrize(
    ("mode", "p_adj", "aggravates_mw"),
    [("measured", [3.0, 3.0, 3.0, 3.0], 0.002), ("perfect", [2.0, 2.0, 4.0, 4.0], 0.0)],
)
def test_traffic_light_on_the_ex_ante_headroom_blocks_what_the_measurement_misses(
    mode: str, p_adj: list[float], aggravates_mw: float
) -> None:
    # zone 0: measured margin 20 kW with its chargers at 7 + 7 kW; the coming baseline is
    # 12 + 12 kW and the background rises 40 -> 46 kW: 20 + 14 - 24 - 6 = 4 kW really left
    sim, eid, info = make(
        scheme="traffic_light", headroom_mode=mode, background_kw=[[40.0, 0.0], [46.0, 0.0]]
    )
    assert info["headroom_mode"] == mode
    sim.step(0, _step_inputs(eid, 5.0, 8.0))
    assert sim.get_data({eid: ["p_set_kw"]})[eid]["p_set_kw"].tolist() == [7.0] * 4
    sim.step(900, _step_inputs(eid, 12.0, 12.0))
    out = sim.get_data({eid: ["p_adj_kw", "fcr_served_kw", "conflict_mw"]})[eid]
    np.testing.assert_allclose(out["p_adj_kw"], p_adj)
    assert out["fcr_served_kw"] == pytest.approx(12.0)
    assert out["conflict_mw"] == pytest.approx(aggravates_mw)  # judged on the true 4 kW


def test_unknown_headroom_mode_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown headroom_mode 'oracle'.*perfect"):
        make(headroom_mode="oracle")
    with pytest.raises(ValueError, match="needs the background load per zone"):
        make(headroom_mode="forecast")


def test_bad_prices_fail_at_create_and_bad_step_values_at_the_step() -> None:
    sim = CoordinatorSim()
    sim.init("coord")
    with pytest.raises(ValueError, match=r"activation_cost_eur_mwh=-1.0 must be a finite price"):
        sim.create(1, "Coordinator", zone_of_charger=ZONES, activation_cost_eur_mwh=-1.0)
    eid = sim.create(1, "Coordinator", zone_of_charger=ZONES, zone_names=["a", "b"])[0]["eid"]
    bad = {
        "p_up_kw": ({"agg": [1.0, -2.0, 0.0, 0.0]}, r"p_up_kw must be finite and >= 0"),
        "fcr_band_kw": ({"agg": [1.0, np.nan, 0.0, 0.0]}, r"fcr_band_kw must be finite"),
        "p_down_kw": ({"agg": [np.inf, 0.0, 0.0, 0.0]}, r"p_down_kw must be finite"),
        "headroom_kw": ({"dso": [np.nan, 1.0]}, r"headroom_kw must not be NaN"),
        "dso_req_kw": ({"dso": [-np.inf, 0.0]}, r"dso_req_kw must be finite"),
    }
    for attr, (value, message) in bad.items():
        with pytest.raises(ValueError, match=message):
            sim.step(0, {eid: {attr: value}})
    # two sources are combined (summed) before the check: each alone is fine
    both = {"p_up_kw": {"agg-a": [1.0, 1.0, 1.0, 1.0], "agg-b": [1.0, 0.0, 2.0, 0.5]}}
    assert sim.step(0, {eid: both}) == 900
