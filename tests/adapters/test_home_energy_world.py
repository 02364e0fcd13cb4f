"""Home PV and batteries in a mosaik world: load in, net power out to the grid's buses."""

from __future__ import annotations

from typing import Any, ClassVar

import mosaik
import mosaik_api_v3
import numpy as np

START = "2016-06-21T00:00:00+02:00"
NETWORK = "simbench:1-LV-rural2--0-sw"

LOAD_META = {
    "api_version": "3.0",
    "type": "time-based",
    "models": {"Load": {"public": True, "params": ["bus_id", "p_kw"], "attrs": ["p_kw", "bus_id"]}},
}
SINK_META = {
    "api_version": "3.0",
    "type": "event-based",
    "models": {"Sink": {"public": True, "params": [], "attrs": [], "any_inputs": True}},
}


class ConstantLoad(mosaik_api_v3.Simulator):
    """Chargers stand-in: a constant load per bus, arrays aligned with bus_id."""

    def __init__(self) -> None:
        super().__init__(LOAD_META)
        self.loads: dict[str, dict[str, Any]] = {}

    def create(self, num, model, bus_id, p_kw):
        self.loads["load"] = {"p_kw": np.asarray(p_kw, float), "bus_id": np.asarray(bus_id)}
        return [{"eid": "load", "type": model}]

    def step(self, time, inputs, max_advance):
        return time + 900

    def get_data(self, outputs):
        return {eid: {a: self.loads[eid][a] for a in attrs} for eid, attrs in outputs.items()}


class Sink(mosaik_api_v3.Simulator):
    SEEN: ClassVar[list[tuple[int, str, Any]]] = []

    def __init__(self) -> None:
        super().__init__(SINK_META)

    def create(self, num, model):
        return [{"eid": "sink", "type": model}]

    def step(self, time, inputs, max_advance):
        for attrs in inputs.values():
            for attr, values in attrs.items():
                for value in values.values():
                    self.SEEN.append((time, attr, np.asarray(value, dtype=float)))
        return None


def _run(with_homes: bool) -> dict[str, np.ndarray]:
    sim_config = {
        "Grid": {"python": "simulators.grid.adapter:GridSim"},
        "Homes": {"python": "simulators.home_energy.adapter:HomeEnergySim"},
        "Load": {"python": f"{__name__}:ConstantLoad"},
        "Sink": {"python": f"{__name__}:Sink"},
    }
    Sink.SEEN.clear()
    with mosaik.World(sim_config, skip_greetings=True, configure_logging=False) as world:
        grid = world.start("Grid", step_s=900, start=START, network=NETWORK)
        area = grid.Area()
        buses = area.extra_info["household_bus_id"][:10]
        load = world.start("Load").Load(bus_id=buses, p_kw=[2.0] * len(buses))
        sink = world.start("Sink").Sink()
        world.connect(load, area, "p_kw", "bus_id")
        if with_homes:
            # a clear day: the weather draw pinned near clearness 0.9
            sim = world.start(
                "Homes",
                step_s=900,
                start=START,
                seed=7,
                clearness_mean=0.9,
                clearness_concentration=1e6,
            )
            homes = sim.Homes(bus_id=sorted(set(buses)), pv_kwp=6.0, batt_kwh=8.0, batt_kw=4.0)
            world.connect(load, homes, ("p_kw", "p_load_kw"), ("bus_id", "load_bus_id"))
            world.connect(homes, area, "p_kw", "bus_id")
            world.connect(homes, sink, "p_kw", "soc", "p_pv_kw")
        world.connect(area, sink, "p_slack_kw")
        world.run(until=86_400, print_progress=False)
    out: dict[str, list[np.ndarray]] = {}
    for _, attr, value in sorted(Sink.SEEN, key=lambda r: r[0]):
        out.setdefault(attr, []).append(value)
    return {k: np.array(v) for k, v in out.items()}


def test_homes_cut_the_import_at_noon_and_their_battery_serves_the_evening() -> None:
    base, homes = _run(False), _run(True)
    noon = 13 * 4  # 13:00 local
    assert homes["p_pv_kw"][noon].min() > 1.0
    assert homes["p_slack_kw"][noon] < base["p_slack_kw"][noon] - 10.0
    # the battery fills on the midday surplus and serves the load after sunset until empty
    soc = homes["soc"][:, 0]
    assert soc.max() > 0.9
    evening = 22 * 4
    assert homes["p_pv_kw"][evening].max() == 0.0
    assert soc[evening] > 0.1 and np.allclose(homes["p_kw"][evening], -2.0)
    # it never charges from the grid: the homes' net draw is never positive
    assert (homes["p_kw"] <= 1e-9).all()
