"""Third-party scenarios on the grid: the same bus created twice, mosaik-pandapower-2 names."""

from __future__ import annotations

import mosaik

from tests.integration.thirdparty_sims import Monitor

START = "2016-06-06T12:00:00+02:00"
NETWORK = "simbench:1-LV-rural2--0-sw"
BUS = 288  # an original SimBench bus id of this grid


def test_a_bus_created_twice_works_in_a_mosaik_world() -> None:
    sim_config = {
        "Grid": {"python": "simulators.grid.adapter:GridSim"},
        "PV": {"python": "tests.integration.thirdparty_sims:ConstantPV"},
        "Monitor": {"python": "tests.integration.thirdparty_sims:Monitor"},
    }
    with mosaik.World(sim_config, skip_greetings=True, configure_logging=False) as world:
        grid = world.start("Grid", step_s=900, start=START, network=NETWORK)
        grid.Area()
        # two parts of a scenario each ask for the same bus (formerly DuplicateEntityIdError)
        feed_in = grid.Bus(bus_id=[BUS])
        watched = grid.Bus(bus_id=[BUS])
        line = grid.Line(line_id=[0])
        assert feed_in.eid != watched.eid
        assert feed_in.extra_info == watched.extra_info
        pv = world.start("PV").PV(peak_mw=0.02)
        monitor = world.start("Monitor").Monitor(label="twice")
        world.connect(pv, feed_in, ("P[MW]", "P_gen[MW]"))
        world.connect(watched, monitor, "Vm[pu]", "Va[deg]")
        world.connect(feed_in, monitor, "v_pu")
        world.connect(line, monitor, "loading[%]", "I[kA]")
        world.run(until=900, print_progress=False)
    seen = {(src.split(".")[-1], attr): v for _, src, attr, v in Monitor.SEEN["twice"]}
    assert seen[(watched.eid, "Vm[pu]")] == seen[(feed_in.eid, "v_pu")]
    assert seen[(line.eid, "I[kA]")] > 0.0
    assert 0.0 < seen[(line.eid, "loading[%]")] < 200.0
