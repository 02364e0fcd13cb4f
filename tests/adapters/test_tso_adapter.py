"""TSOSim: init/create/step/get_data, summed inputs, JSON-safe outputs, CSV sources, and a
small mosaik world (in-process and over ``cmd``) with a provider that follows FCR."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import mosaik
import mosaik_api_v3
import numpy as np
import pytest

from cosim.errors import ModelError
from cosim.seeding import child_seed
from cosim.timebase import parse_start
from simulators.tso.adapter import INPUT_ATTRS, OUTPUT_ATTRS, TSOSim
from simulators.tso.series import write_series_csv

START = "2024-01-08T00:00:00+01:00"
STEP_S = 900


def _sim(*, json_safe: bool = False, **init: Any) -> TSOSim:
    sim = TSOSim(json_safe=json_safe)
    meta = sim.init("TSO-0", 1.0, step_s=STEP_S, start=START, seed=child_seed(1, "tso"), **init)
    assert meta["type"] == "time-based"
    assert set(meta["models"]["TSO"]["attrs"]) == set(INPUT_ATTRS) | set(OUTPUT_ATTRS)
    return sim


def test_create_step_get_data_with_capacity_offers_summed_over_sources() -> None:
    sim = _sim(f_step_s=10)
    (ent,) = sim.create(1, "TSO", fcr={"block_prices_eur_mw_h": [8, 8, 8, 8, 8, 8]})
    eid = ent["eid"]
    info = ent["extra_info"]
    assert info["n_sub"] == 90 and info["sub_offset_s"][:2] == [0, 10]
    assert info["frequency_source"] == "synthetic" and info["fcr_deadband_hz"] == 0.01
    inputs = {eid: {"fcr_capacity_kw": {"Agg-0.a": 60.0, "Agg-1.b": np.array([20.0, 20.0])}}}
    assert sim.step(0, inputs, 10**9) == STEP_S
    out = sim.get_data({eid: list(OUTPUT_ATTRS)})[eid]
    assert out["fcr_capacity_kw"] == 100.0
    assert out["f_hz_sub"].shape == (90,)
    assert out["f_hz"] == pytest.approx(out["f_hz_sub"].mean())
    assert out["fcr_p_req_kw"] == pytest.approx(-100.0 * out["fcr_activation"])
    assert out["e_fcr_req_kwh"] == pytest.approx(out["fcr_p_req_kw"] * 0.25)
    assert out["fcr_revenue_eur"] == pytest.approx(0.1 * 8 * 0.25)


def test_entities_share_the_system_frequency() -> None:
    sim = _sim()
    a, b = (e["eid"] for e in sim.create(2, "TSO", fcr_capacity_kw=10.0))
    sim.step(0, {}, 10**9)
    data = sim.get_data({a: ["f_hz_sub"], b: ["f_hz_sub"]})
    np.testing.assert_array_equal(data[a]["f_hz_sub"], data[b]["f_hz_sub"])


def test_same_seed_same_outputs_and_json_safe_values() -> None:
    runs = []
    for _ in range(2):
        sim = _sim(json_safe=True, afrr_signal={"sigma": 0.5})
        (ent,) = sim.create(1, "TSO", fcr_capacity_kw=50.0, afrr_capacity_kw=30.0)
        rows = []
        for k in range(4):
            sim.step(k * STEP_S, {ent["eid"]: {"p_fcr_delivered_kw": {"p": 0.0}}}, 10**9)
            rows.append(sim.get_data({ent["eid"]: list(OUTPUT_ATTRS)}))
        runs.append(json.dumps(rows))
    json.dumps(TSOSim().meta)
    assert runs[0] == runs[1]
    assert '"f_hz_sub": [' in runs[0]


def test_frequency_and_afrr_from_csv(tmp_path: Path) -> None:
    start = parse_start(START)
    f_csv, a_csv = tmp_path / "f.csv", tmp_path / "a.csv"
    write_series_csv(
        f_csv, column="f_hz", start=start, time_s=[0, 450, 900], values=[49.9, 50.0, 50]
    )
    write_series_csv(a_csv, column="activation", start=start, time_s=[0, 900], values=[2.0, 0.5])
    sim = _sim(frequency_csv=str(f_csv), afrr_csv=str(a_csv))
    (ent,) = sim.create(1, "TSO", fcr_capacity_kw=200.0, afrr_capacity_kw=10.0)
    sim.step(0, {}, 10**9)
    out = sim.get_data({ent["eid"]: ["f_hz", "fcr_p_req_kw", "afrr_activation"]})[ent["eid"]]
    assert out["f_hz"] == pytest.approx(49.95)
    assert out["fcr_p_req_kw"] == pytest.approx(-50.0)  # 100 kW (-100 mHz) for half the step
    assert out["afrr_activation"] == 1.0  # clipped to [-1, 1]
    assert ent["extra_info"]["frequency_source"] == str(f_csv)


def test_bad_parameters_fail_with_clear_messages() -> None:
    with pytest.raises(ValueError, match="divide"):
        _sim(f_step_s=7)
    with pytest.raises(ValueError, match="either frequency"):
        _sim(frequency="ce", frequency_csv="x.csv")
    sim = _sim()
    with pytest.raises(ValueError, match="unknown fcr field"):
        sim.create(1, "TSO", fcr={"dead_band": 0.01})
    with pytest.raises(ValueError, match="unknown model"):
        sim.create(1, "FCR")
    with pytest.raises(ValueError, match="unknown entity 'TSO_9'"):
        sim.get_data({"TSO_9": ["f_hz"]})
    (ent,) = sim.create(1, "TSO")
    with pytest.raises(ModelError, match="before its first step"):
        sim.get_data({ent["eid"]: ["f_hz"]})
    sim.step(0, {})
    with pytest.raises(ValueError, match="has no output 'p_kw'"):
        sim.get_data({ent["eid"]: ["p_kw"]})


class FcrFollower(mosaik_api_v3.Simulator):
    """A provider that offers FCR and follows the sub-step request exactly (test helper)."""

    rows: ClassVar[list[dict[str, Any]]] = []

    def __init__(self) -> None:
        super().__init__(
            {
                "api_version": "3.0",
                "type": "time-based",
                "models": {
                    "Follower": {
                        "public": True,
                        "params": [],
                        "attrs": [
                            "fcr_activation_sub",
                            "fcr_penalty_eur",
                            "fcr_revenue_eur",
                            "fcr_capacity_kw",
                            "p_fcr_delivered_kw",
                        ],
                    }
                },
            }
        )
        self.delivered: list[float] = []
        FcrFollower.rows = []

    def create(self, num: int, model: str, **params: Any) -> list[dict[str, Any]]:
        return [{"eid": "f", "type": model}]

    def step(self, time: int, inputs: dict[str, Any], max_advance: int) -> int:
        ins = {k: next(iter(v.values())) for k, v in inputs.get("f", {}).items()}
        FcrFollower.rows.append(ins)
        self.delivered = (-np.asarray(ins["fcr_activation_sub"]) * 120.0).tolist()
        return time + STEP_S

    def get_data(self, outputs: dict[str, Any]) -> dict[str, Any]:
        return {"f": {"fcr_capacity_kw": 120.0, "p_fcr_delivered_kw": self.delivered}}


@pytest.mark.parametrize("starter", ["python", "cmd"])
def test_mosaik_world_provider_following_fcr_is_never_penalised(starter: str) -> None:
    tso_cfg = (
        {"python": "simulators.tso.adapter:TSOSim"}
        if starter == "python"
        else {"cmd": "%(python)s -m simulators.tso %(addr)s"}
    )
    sim_config = {
        "tso": tso_cfg,
        "follower": {"python": "tests.adapters.test_tso_adapter:FcrFollower"},
    }
    with mosaik.World(sim_config, skip_greetings=True, configure_logging=False) as world:
        tso = world.start("tso", step_s=STEP_S, start=START, seed=[7]).TSO(fcr_capacity_kw=0.0)
        fol = world.start("follower").Follower()
        world.connect(tso, fol, "fcr_activation_sub", "fcr_penalty_eur", "fcr_revenue_eur")
        world.connect(
            fol,
            tso,
            "fcr_capacity_kw",
            "p_fcr_delivered_kw",
            time_shifted=True,
            initial_data={"fcr_capacity_kw": 120.0, "p_fcr_delivered_kw": 0.0},
        )
        world.run(until=8 * STEP_S, print_progress=False)
    rows = FcrFollower.rows
    assert len(rows) == 8
    assert rows[-1]["fcr_penalty_eur"] == 0.0
    assert rows[-1]["fcr_revenue_eur"] == pytest.approx(0.12 * 10.0 * 2.0)  # 2 h at 10 EUR/MWh
    assert len(rows[0]["fcr_activation_sub"]) == 90
