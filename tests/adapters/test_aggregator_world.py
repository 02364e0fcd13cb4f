"""Fleet, chargers, ToU tariff and the cost-minimising aggregator in a one-day mosaik world."""

from __future__ import annotations

from typing import Any

import mosaik
import mosaik_api_v3
import numpy as np
import pytest

N_EV = 12
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
)


class AggCollector(mosaik_api_v3.Simulator):
    """Keeps every input it receives, per time step (test helper)."""

    last: AggCollector | None = None

    def __init__(self) -> None:
        meta = {"public": True, "params": [], "attrs": [], "any_inputs": True}
        super().__init__({"api_version": "3.0", "type": "time-based", "models": {"C": meta}})
        self.rows: list[dict[str, Any]] = []
        AggCollector.last = self

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
    "tariff": {"python": "simulators.tariff.adapter:TariffSim"},
    "aggregator": {"python": "controllers.aggregator.adapter:AggregatorSim"},
    "collector": {"python": "tests.adapters.test_aggregator_world:AggCollector"},
}


def _run_day(policy: str) -> dict[str, np.ndarray]:
    common = {"step_s": STEP_S, "start": "2016-06-06T00:00:00+02:00"}
    with mosaik.World(SIM_CONFIG, skip_greetings=True, configure_logging=False) as world:
        fleet = world.start("ev_fleet", seed=[7], **common).Fleet(
            segments=[{"kind": "home_commuter", "n_ev": N_EV, "plugin": "daily"}],
            charger_bus=[1] * N_EV,
        )
        tariff = world.start("tariff", seed=[8], **common).Tariff(kind="tou", tou="fr_hphc")
        agg = world.start("aggregator", **common).Aggregator(n_chargers=N_EV, policy=policy)
        bank = world.start("evse", **common).ChargerBank(bus_id=[1] * N_EV)
        coll = world.start("collector").C()
        world.connect(fleet, agg, *EV_ATTRS)
        world.connect(tariff, agg, "price_eur_mwh", "price_forecast_eur_mwh", "period")
        world.connect(agg, bank, "p_set_kw")
        world.connect(
            fleet, bank, "plugged", "soc", "e_need_kwh", "p_max_kw", "departure_s", "charger_idx"
        )
        world.connect(
            bank, fleet, "p_batt_kw", time_shifted=True, initial_data={"p_batt_kw": [0.0] * N_EV}
        )
        world.connect(fleet, coll, "e_unserved_kwh", "plugged")
        world.connect(bank, coll, "p_kw")
        world.connect(tariff, coll, "period")
        world.run(until=DAY_STEPS * STEP_S)
    assert AggCollector.last is not None
    rows = AggCollector.last.rows
    return {k: np.stack([r[k] for r in rows]) for k in ("e_unserved_kwh", "p_kw", "period")}


@pytest.fixture(scope="module")
def days() -> dict[str, dict[str, np.ndarray]]:
    return {p: _run_day(p) for p in ("uncontrolled", "cost_min")}


def test_cost_min_leaves_no_satisfiable_ev_short(days: dict) -> None:
    smart, dumb = days["cost_min"], days["uncontrolled"]
    assert dumb["e_unserved_kwh"].sum() == pytest.approx(0.0, abs=1e-6)  # all satisfiable
    assert smart["e_unserved_kwh"].sum() == pytest.approx(0.0, abs=1e-6)


def test_cost_min_charges_in_the_off_peak_hours(days: dict) -> None:
    smart, dumb = days["cost_min"], days["uncontrolled"]
    peak = smart["period"] > 0
    e_smart = smart["p_kw"].sum(axis=1)
    e_dumb = dumb["p_kw"].sum(axis=1)
    assert e_smart.sum() > 0 and e_dumb[peak].sum() > 0
    assert e_smart[peak].sum() <= 0.02 * e_smart.sum()
    assert e_smart[~peak].sum() >= e_dumb[~peak].sum()
