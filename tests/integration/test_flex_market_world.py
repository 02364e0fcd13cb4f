"""The flexibility market in a small mosaik world: orders in, awards back time-shifted,
numeric outputs recorded, and the event tables written to the run file after the run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mosaik
import mosaik_api_v3
import pytest
from mosaik_api_v3.types import CreateResult

from results.reader import open_run
from results.recorder import describe_entity

STEP_S = 900
UNTIL_S = 8 * STEP_S
START = "2024-01-08T00:00:00+01:00"
#: orders and the declared baseline per charger (same step); the chargers' meters (late)
ORDER_ATTRS = ["flex_requests", "flex_bids", "p_base_kw"]


class ScriptSim(mosaik_api_v3.Simulator):
    """Sends scripted DSO requests and aggregator bids at t=0, a constant baseline and
    constant charger power; keeps the awards it gets back (test helper standing in for the
    DSO, an aggregator and a charger bank)."""

    last: ScriptSim | None = None

    def __init__(self) -> None:
        ScriptSim.last = self
        super().__init__(
            {
                "api_version": "3.0",
                "type": "time-based",
                "models": {
                    "Script": {
                        "public": True,
                        "params": ["requests", "bids", "baseline", "metered"],
                        "attrs": [*ORDER_ATTRS, "p_kw", "flex_awards"],
                    }
                },
            }
        )
        self.script: dict[str, Any] = {}
        self.time = 0
        self.awards_seen: list[tuple[int, str]] = []

    def create(self, num: int, model: str, **params: Any) -> list[CreateResult]:
        self.script = params
        return [{"eid": "script", "type": model}]

    def step(self, time: int, inputs: dict[str, Any], max_advance: int) -> int:
        self.time = time
        for awards in inputs.get("script", {}).get("flex_awards", {}).values():
            self.awards_seen += [(time, a["id"]) for a in awards]
        return time + STEP_S

    def get_data(self, outputs: dict[str, list[str]]) -> dict[str, Any]:
        first = self.time == 0
        data = {
            "flex_requests": self.script["requests"] if first else [],
            "flex_bids": self.script["bids"] if first else [],
            "p_base_kw": self.script["baseline"],
            "p_kw": self.script["metered"],
        }
        return {"script": {a: data[a] for a in outputs["script"]}}


REQUEST = {
    "id": "r1", "zone": "f1", "buses": [3, 4], "t_start_s": 3600, "t_end_s": 5400, "p_kw": 25.0,
    "direction": "down", "price_cap_eur_mwh": 300.0, "gate": "intraday",
}  # fmt: skip
BIDS = [
    {"id": "b1", "bidder": "agg1", "zone": "f1", "t_start_s": 3600, "t_end_s": 5400,
     "p_kw": 15.0, "price_eur_mwh": 100.0},
    {"id": "b2", "bidder": "agg1", "zone": "f1", "t_start_s": 3600, "t_end_s": 5400,
     "p_kw": 15.0, "price_eur_mwh": 200.0, "divisible": False},
    {"id": "b3", "bidder": "agg1", "zone": "f1", "t_start_s": 3600, "t_end_s": 5400,
     "p_kw": 15.0, "price_eur_mwh": 250.0},
]  # fmt: skip


@pytest.mark.parametrize("starter", ["python", "cmd"])
def test_market_round_trip_and_event_tables_in_the_run_file(tmp_path: Path, starter: str) -> None:
    sim_config: dict[str, Any] = {
        "script": {"python": "tests.integration.test_flex_market_world:ScriptSim"},
        "flex_market": (
            {"python": "simulators.flex_market.adapter:FlexMarketSim"}
            if starter == "python"
            else {"cmd": "%(python)s -m simulators.flex_market %(addr)s"}
        ),
        "recorder": {"python": "results.recorder:RecorderSim"},
    }
    path = tmp_path / "run.h5"
    with mosaik.World(sim_config, skip_greetings=True, configure_logging=False) as world:
        script_sim = world.start("script")
        script = script_sim.Script(
            requests=[REQUEST], bids=BIDS, baseline=[30.0, 30.0], metered=[25.0, 15.0]
        )
        market_sim = world.start("flex_market", step_s=STEP_S, start=START, seed=[1])
        market = market_sim.Market(
            rule="pay_as_bid",
            intraday_lead_s=1800,
            zones=["f1"],
            zone_of_charger=[0, 0],
            provider_of_charger="agg1",
        )
        meta = {"start": START, "step_s": STEP_S}
        rec_sim = world.start("recorder", path=str(path), step_s=STEP_S, until_s=UNTIL_S, meta=meta)
        recorder = rec_sim.Recorder()
        world.connect(script, market, *ORDER_ATTRS)
        world.connect(script, market, "p_kw", time_shifted=True, initial_data={"p_kw": [0, 0]})
        world.connect(
            market, script, "flex_awards", time_shifted=True, initial_data={"flex_awards": []}
        )
        numeric = ["p_requested_kw", "p_awarded_kw", "p_delivered_kw", "cost_eur", "penalty_eur"]
        rec_sim.describe([describe_entity(market)])
        world.connect(market, recorder, *numeric)
        world.run(until=UNTIL_S, print_progress=False)
        for name, columns in market_sim.events().items():
            rec_sim.add_table(f"flex_{name}", columns)
    assert ScriptSim.last is not None  # cleared at the gate (1800 s), received one step later
    assert ScriptSim.last.awards_seen == [(2700, "r1/b1"), (2700, "r1/b3")]
    run = open_run(path)
    awarded = run.get("Market", "p_awarded_kw").iloc[:, 0].tolist()
    assert awarded == [0, 0, 0, 0, 25.0, 25.0, 0, 0]
    # b1 15 kW at 100, b2 (indivisible 15 > 10 left) skipped, b3 10 kW at 250 EUR/MWh;
    # agg1's chargers in f1 show 20 kW of 25: each award is credited its share (12 and 8 kW)
    awards = run.table("flex_awards")
    assert awards["bid_id"].tolist() == ["b1", "b3"]
    assert awards["p_kw"].tolist() == [15.0, 10.0]
    settlements = run.table("flex_settlements").set_index("award_id")
    assert settlements.loc["r1/b1", "paid_kwh"] == pytest.approx(6.0)
    assert settlements.loc["r1/b3", "shortfall_kwh"] == pytest.approx(1.0)
    cost = run.get("Market", "cost_eur").iloc[:, 0].tolist()
    assert cost[-1] == pytest.approx(0.006 * 100 + 0.004 * 250)
    penalty = run.get("Market", "penalty_eur").iloc[:, 0].tolist()
    assert penalty[-1] == pytest.approx(0.0015 * 150 + 0.001 * 375)
    excl = run.table("flex_exclusions")
    assert "indivisible" in excl.set_index("bid_id").loc["b2", "reason"]
    assert run.table("flex_requests")["buses"].tolist() == ["3,4"]
