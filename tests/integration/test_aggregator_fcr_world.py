"""A day of FCR: the aggregator offers the band, the TSO activates, the coordinator delivers."""

from __future__ import annotations

from typing import Any

import mosaik
import mosaik_api_v3
import numpy as np
import pytest

N_EV = 30
STEP_S = 900
DAY_STEPS = 96
EV_ATTRS = (
    "plugged",
    "soc",
    "e_need_kwh",
    "e_capacity_kwh",
    "departure_s",
    "p_max_kw",
    "soc_min",
    "soc_target",
    "charger_idx",
    "opt_out",
)
SIM_CONFIG = {
    "ev_fleet": {"python": "simulators.ev_fleet.adapter:EVFleetSim"},
    "evse": {"python": "simulators.evse.adapter:EVSESim"},
    "aggregator": {"python": "controllers.aggregator.adapter:AggregatorSim"},
    "tso": {"python": "simulators.tso.adapter:TSOSim"},
    "coordination": {"python": "controllers.coordination.adapter:CoordinatorSim"},
    "collector": {"python": "tests.integration.test_aggregator_fcr_world:FCRCollector"},
}


class FCRCollector(mosaik_api_v3.Simulator):
    """Keeps every input it receives, per step (test helper)."""

    last: FCRCollector | None = None

    def __init__(self) -> None:
        meta = {"public": True, "params": [], "attrs": [], "any_inputs": True}
        super().__init__({"api_version": "3.0", "type": "time-based", "models": {"C": meta}})
        self.rows: list[dict[str, Any]] = []
        FCRCollector.last = self

    def create(self, num: int, model: str, **params: Any) -> list[dict[str, Any]]:
        return [{"eid": "c", "type": model}]

    def step(self, time: int, inputs: dict[str, Any], max_advance: int) -> int:
        self.rows.append({a: np.asarray(next(iter(s.values()))) for a, s in inputs["c"].items()})
        return time + STEP_S

    def get_data(self, outputs: dict[str, Any]) -> dict[str, Any]:
        return {}


def _run_day(*, v2g: bool) -> dict[str, np.ndarray]:
    common = {"step_s": STEP_S, "start": "2016-06-06T00:00:00+02:00"}
    zones = [i % 2 for i in range(N_EV)]
    with mosaik.World(SIM_CONFIG, skip_greetings=True, configure_logging=False) as world:
        fleet = world.start("ev_fleet", seed=[7], **common).Fleet(
            segments=[{"kind": "home_commuter", "n_ev": N_EV, "plugin": "daily"}],
            charger_bus=[1] * N_EV,
        )
        bank = world.start("evse", **common).ChargerBank(bus_id=[1] * N_EV, bidirectional=v2g)
        agg = world.start("aggregator", **common).Aggregator(
            n_chargers=N_EV,
            bidirectional=v2g,
            zone_names=["f0", "f1"],
            zone_of_charger=zones,
            fcr={"enabled": True, "v2g": v2g, "base_shape": "even"},
        )
        tso = world.start("tso", seed=[9], **common).TSO()
        coord = world.start("coordination", **common).Coordinator(
            zone_of_charger=zones, zone_names=["f0", "f1"], scheme="tso_first"
        )
        coll = world.start("collector").C()
        world.connect(fleet, agg, *EV_ATTRS)
        world.connect(bank, agg, "p_kw", time_shifted=True, initial_data={"p_kw": [0.0] * N_EV})
        world.connect(agg, coord, "p_base_kw", "p_up_kw", "p_down_kw", "fcr_band_kw")
        world.connect(
            agg, tso, "fcr_capacity_kw", time_shifted=True, initial_data={"fcr_capacity_kw": 0.0}
        )
        world.connect(tso, coord, "fcr_p_req_kw")
        world.connect(coord, bank, "p_set_kw")
        world.connect(
            coord,
            tso,
            ("fcr_served_kw", "p_fcr_delivered_kw"),
            time_shifted=True,
            initial_data={"fcr_served_kw": 0.0},
        )
        world.connect(
            fleet,
            bank,
            "plugged",
            "soc",
            "e_need_kwh",
            "p_max_kw",
            "departure_s",
            "charger_idx",
            "soc_min",
            "e_capacity_kwh",
        )
        world.connect(
            bank, fleet, "p_batt_kw", time_shifted=True, initial_data={"p_batt_kw": [0.0] * N_EV}
        )
        world.connect(fleet, coll, "e_unserved_kwh")
        world.connect(
            tso,
            coll,
            "fcr_capacity_kw",
            "fcr_revenue_eur",
            "fcr_shortfall_kwh",
            "e_fcr_req_kwh",
            "e_fcr_delivered_kwh",
        )
        world.connect(agg, coll, "fcr_band_kw", "p_up_kw", "p_down_kw")
        world.connect(coord, coll, "fcr_served_kw", "fcr_blocked_kw")
        world.run(until=DAY_STEPS * STEP_S)
    assert FCRCollector.last is not None
    rows = FCRCollector.last.rows
    return {k: np.stack([r[k] for r in rows]) for k in rows[0]}


@pytest.fixture(scope="module", params=[False, True], ids=["no_v2g", "v2g"])
def day(request: pytest.FixtureRequest) -> dict[str, np.ndarray]:
    return _run_day(v2g=request.param)


def test_fcr_earns_capacity_revenue(day: dict) -> None:
    assert day["fcr_capacity_kw"].max() > 0
    assert day["fcr_revenue_eur"][-1] > 0


def test_fcr_never_breaks_a_departure_need(day: dict) -> None:
    assert day["e_unserved_kwh"].sum() == pytest.approx(0.0, abs=1e-3)


def test_fcr_delivered_follows_the_request(day: dict) -> None:
    req = np.abs(day["e_fcr_req_kwh"]).sum()
    short = day["fcr_shortfall_kwh"].sum()
    assert req > 0
    assert short <= 0.05 * req


def test_band_held_matches_the_tso_and_fits_the_availability(day: dict) -> None:
    band = day["fcr_band_kw"].sum(axis=1)
    held = day["fcr_capacity_kw"]
    room = np.minimum(day["p_up_kw"].sum(axis=1), day["p_down_kw"].sum(axis=1))
    assert band == pytest.approx(np.where(room > 0, held, 0.0), abs=1e-6)
