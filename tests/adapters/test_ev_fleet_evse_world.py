"""Fleet and charger bank in a small in-process mosaik world, wired as the scenario does."""

from __future__ import annotations

from typing import Any

import mosaik
import mosaik_api_v3
import numpy as np

N_EV = 12
STEP_S = 900
DAYS = 3


class Collector(mosaik_api_v3.Simulator):
    """Keeps every input it receives, per time step (test helper)."""

    last: Collector | None = None

    def __init__(self) -> None:
        super().__init__(
            {
                "api_version": "3.0",
                "type": "time-based",
                "models": {
                    "Collector": {"public": True, "params": [], "attrs": [], "any_inputs": True}
                },
            }
        )
        self.rows: list[dict[str, Any]] = []
        Collector.last = self

    def create(self, num: int, model: str, **params: Any) -> list[dict[str, Any]]:
        return [{"eid": "c", "type": model}]

    def step(self, time: int, inputs: dict[str, Any], max_advance: int) -> int:
        row = {attr: np.asarray(next(iter(src.values()))) for attr, src in inputs["c"].items()}
        self.rows.append(row)
        return time + STEP_S

    def get_data(self, outputs: dict[str, Any]) -> dict[str, Any]:
        return {}


SIM_CONFIG = {
    "ev_fleet": {"python": "simulators.ev_fleet.adapter:EVFleetSim"},
    "evse": {"python": "simulators.evse.adapter:EVSESim"},
    "collector": {"python": "tests.adapters.test_ev_fleet_evse_world:Collector"},
}


def test_scenario_wiring_closes_the_energy_balance() -> None:
    common = {"step_s": STEP_S, "start": "2016-06-06T00:00:00+02:00"}
    with mosaik.World(SIM_CONFIG, skip_greetings=True, configure_logging=False) as world:
        fleet = world.start("ev_fleet", seed=[1, 2], **common).Fleet(
            segments=[{"kind": "home_commuter", "n_ev": N_EV, "plugin": "daily"}],
            charger_bus=[1] * N_EV,
        )
        bank = world.start("evse", seed=[3], **common).ChargerBank(bus_id=[1] * N_EV)
        coll = world.start("collector").Collector()
        world.connect(
            fleet, bank, "plugged", "soc", "e_need_kwh", "p_max_kw", "departure_s", "charger_idx"
        )
        world.connect(
            bank, fleet, "p_batt_kw", time_shifted=True, initial_data={"p_batt_kw": [0.0] * N_EV}
        )
        world.connect(fleet, coll, "soc", "e_trip_kwh", "plugged")
        world.connect(bank, coll, "p_kw", "p_batt_kw")
        world.run(until=DAYS * 86_400)
    assert Collector.last is not None
    rows = Collector.last.rows

    assert len(rows) == DAYS * 96
    soc = np.stack([r["soc"] for r in rows])
    p_kw = np.stack([r["p_kw"] for r in rows])
    p_batt = np.stack([r["p_batt_kw"] for r in rows])
    e_trip = np.stack([r["e_trip_kwh"] for r in rows])
    assert p_batt.sum() > 0 and e_trip.sum() > 0
    np.testing.assert_allclose(p_batt, p_kw * 0.92)
    cap = np.asarray(fleet.extra_info["capacity_kwh"])
    soc0 = np.asarray(fleet.extra_info["soc_init"])
    applied = p_batt[:-1].sum(axis=0) * STEP_S / 3600.0
    np.testing.assert_allclose((soc[-1] - soc0) * cap, applied - e_trip.sum(axis=0), atol=1e-8)
