"""The sequential scheduler gives every simulator exactly the steps mosaik's would.

Random worlds of toy simulators (time-based, event-based and hybrid; step sizes 1-4;
same-time connections and ones shifted by 1-3 time units, in any direction a world
allows, some with a ``transform``) run once on
mosaik's concurrent scheduler and once on :mod:`cosim.sequential`; every simulator must
see the same step times and the same inputs, with :mod:`cosim.mosaik_fast`'s paths off (mosaik's
own step functions) and on (the simulators' methods called directly,
:mod:`cosim.sequential_sim`). ``max_advance`` depends on which same-time
steps of a simulator's triggering ancestors were taken before it (in mosaik's scheduler
too: the interleaving of its tasks decides); it must lie between the step and the end.

mosaik's reference run keeps its whole output cache: its pruning can drop an output that a
time-shifted input of a slower simulator still reads (it then passes None; e.g. a
simulator stepping every 2 feeding one stepping every 1, one step late). The sequential
scheduler keeps what can still be read, so it is compared with what mosaik means.
"""

from __future__ import annotations

import warnings
from unittest.mock import patch

import mosaik
import mosaik.scheduler
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cosim import mosaik_fast, sequential
from tests.property.toy_sims import Toy

KINDS = ("time-based", "event-based", "hybrid")


@st.composite
def toy_worlds(draw) -> tuple[list[tuple[str, int]], list[tuple[int, int, int, bool]], int]:
    n = draw(st.integers(2, 6))
    sims = [(draw(st.sampled_from(KINDS)), draw(st.integers(1, 4))) for _ in range(n)]
    index = st.integers(0, n - 1)
    shift = st.integers(0, 3)  # time_shifted by this many time units (0: same time)
    raw = draw(st.lists(st.tuples(index, index, shift, st.booleans()), max_size=12))
    edges: dict[tuple[int, int], tuple[int, bool]] = {}
    for src, dst, shifted, scaled in raw:
        # same-time connections only forward (mosaik rejects same-time cycles)
        if src != dst and (shifted or src < dst):
            edges.setdefault((src, dst), (shifted, scaled))
    until = draw(st.integers(3, 30))
    return sims, [(s, d, *how) for (s, d), how in edges.items()], until


def _doubled(value):
    return None if value is None else 2.0 * value


def _run(spec, *, seq: bool):
    sims, edges, until = spec
    if seq:
        sequential.install()
    else:
        sequential.uninstall()
    Toy.LOG.clear()
    keep_cache = patch.object(mosaik.scheduler, "prune_dataflow_cache", lambda world: None)
    world = mosaik.World(
        {"Toy": {"python": "tests.property.toy_sims:Toy"}},
        skip_greetings=True,
        configure_logging=False,
    )
    try:
        entities = [world.start("Toy", kind=kind, step_size=size).Toy() for kind, size in sims]
        with warnings.catch_warnings(), keep_cache:
            warnings.simplefilter("ignore")  # shifts into trigger inputs, missing event outputs
            for src, dst, shifted, scaled in edges:
                extra = {"transform": _doubled} if scaled else {}  # a transform on the way
                if shifted:
                    extra["time_shifted"] = shifted
                    if sims[dst][0] == "time-based":  # a non-trigger input: a first value
                        extra["initial_data"] = {"y": 0.0}
                world.connect(entities[src], entities[dst], ("y", "x"), **extra)
            world.run(until=until, print_progress=False)
    finally:
        if not world.loop.is_closed():
            world.shutdown()
    return {sid: list(log) for sid, log in Toy.LOG.items()}


@pytest.mark.parametrize("fast", [False, True], ids=["mosaik-steps", "direct-steps"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(toy_worlds())
def test_sequential_steps_equal_mosaiks(fast: bool, spec) -> None:
    was_fast = mosaik_fast.installed()
    try:
        mosaik_fast.uninstall()  # the reference: mosaik's own scheduler and code
        expected = _run(spec, seq=False)
        if fast:
            assert mosaik_fast.install()
        got = _run(spec, seq=True)
    finally:
        sequential.install()
        if was_fast:
            mosaik_fast.install()
        else:
            mosaik_fast.uninstall()
    assert _steps(got) == _steps(expected)
    _, _, until = spec
    for log in got.values():
        assert all(time <= max_advance <= until for time, _, max_advance in log)


def _steps(logs):
    return {sid: [(time, inputs) for time, inputs, _ in log] for sid, log in logs.items()}


def test_worlds_it_does_not_cover_go_to_mosaik() -> None:
    class Runner:
        def __init__(self, proxy, tiers=(0,), waits=None):
            self.sid, self._proxy = "s", proxy
            self.last_step = type("T", (), {"tiers": tiers})()
            self.successors_to_wait_for = waits or {}

    class World:
        def __init__(self, *runners):
            self.runners = {str(i): r for i, r in enumerate(runners)}

        def _get_sim_runners(self):
            return self.runners

    from mosaik.proxies import LocalProxy

    local = object.__new__(LocalProxy)
    assert sequential.sequential_problem(World(Runner(local)), None) is None
    assert "real-time" in sequential.sequential_problem(World(Runner(local)), 1.0)
    assert "own process" in sequential.sequential_problem(World(Runner(object())), None)
    assert "same-time loop" in sequential.sequential_problem(World(Runner(local, (0, 0))), None)
    assert "asynchronous" in sequential.sequential_problem(World(Runner(local, waits={1: 0})), None)


@pytest.fixture(autouse=True)
def _restore():
    yield
    sequential.install()
