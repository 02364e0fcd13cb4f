"""A simulator written by someone else connects to a grid bus the ordinary mosaik way."""

from __future__ import annotations

import mosaik
import numpy as np

from tests.integration.thirdparty_sims import Monitor

START = "2016-06-06T12:00:00+02:00"
NETWORK = "simbench:1-LV-rural2--0-sw"


def _far_bus() -> int:
    from simulators.grid.network import load_network, prepare

    grid = prepare(load_network(NETWORK))
    vm = grid.net.res_bus.vm_pu.to_numpy()
    return int(grid.original_bus_id[int(np.argmin(vm))])


def _run(
    pv_mw: float, bus: int, *, grid_starter: str = "python", **grid_time: object
) -> dict[str, float]:
    sim_config = {
        "Grid": {"python": "simulators.grid.adapter:GridSim"}
        if grid_starter == "python"
        else {"cmd": "%(python)s -m simulators.grid %(addr)s"},
        "PV": {"python": "tests.integration.thirdparty_sims:ConstantPV"},
        "Monitor": {"python": "tests.integration.thirdparty_sims:Monitor"},
    }
    with mosaik.World(sim_config, skip_greetings=True, configure_logging=False) as world:
        time_base = grid_time or {"step_s": 900, "start": START}
        grid = world.start("Grid", network=NETWORK, **time_base)
        area = grid.Area()
        bus = grid.Bus(bus_id=[bus])
        pv = world.start("PV").PV(peak_mw=pv_mw)
        label = f"{pv_mw}-{grid_starter}-{sorted(time_base)}"
        monitor = world.start("Monitor").Monitor(label=label)
        world.connect(pv, bus, ("P[MW]", "P_gen[MW]"), ("Q[MVar]", "Q_gen[MVar]"))
        world.connect(bus, monitor, "v_pu")
        world.connect(area, monitor, "p_slack_kw")
        world.run(until=3600, print_progress=False)
    return {attr: value for _, _, attr, value in Monitor.SEEN[label]}


def test_third_party_pv_on_a_bus_raises_its_voltage_and_cuts_the_import() -> None:
    bus = _far_bus()
    without = _run(0.0, bus)
    with_pv = _run(0.03, bus)
    assert with_pv["v_pu"] > without["v_pu"] + 1e-3
    # 30 kW of generation at the bus reduces the import from upstream by about 30 kW
    assert 25.0 < without["p_slack_kw"] - with_pv["p_slack_kw"] < 35.0


def test_bus_inputs_work_when_the_grid_runs_out_of_process() -> None:
    bus = _far_bus()
    inproc = _run(0.03, bus)
    outproc = _run(0.03, bus, grid_starter="cmd")
    assert outproc["v_pu"] == inproc["v_pu"]


def test_grid_takes_the_ecosystem_step_size_and_a_naive_start_with_its_zone() -> None:
    bus = _far_bus()
    ours = _run(0.03, bus)
    theirs = _run(0.03, bus, step_size=900, start="2016-06-06 12:00:00", timezone="Europe/Berlin")
    assert theirs == ours
