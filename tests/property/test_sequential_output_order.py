"""The sequential scheduler's reads of cached outputs are mosaik's, and a simulator that
reports its outputs for a time after its step (``get_data``'s ``time``), which mosaik reads
by the order its cache received them, stops a sequential run with the fix instead of
reading other inputs than mosaik would."""

from __future__ import annotations

import warnings
from typing import Any, ClassVar
from unittest.mock import patch

import mosaik
import mosaik.scheduler
import mosaik_api_v3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cosim import mosaik_fast, sequential
from cosim.sequential_sim import OutputAheadError
from tests.property.toy_sims import Toy


class Lead(mosaik_api_v3.Simulator):
    """Steps every time unit; its output ``y`` at step t is reported for time t + LEADS[t]."""

    LEADS: ClassVar[list[int]] = []

    def __init__(self) -> None:
        meta = {"public": True, "params": [], "attrs": ["x", "y"]}
        super().__init__({"api_version": "3.0", "type": "time-based", "models": {"Toy": meta}})
        self.time = 0

    def create(self, num: int, model: str) -> list[dict[str, Any]]:
        return [{"eid": "toy", "type": model}]

    def step(self, time: int, inputs: dict[str, Any], max_advance: int) -> int:
        self.time = time
        return time + 1

    def get_data(self, outputs: dict[str, Any]) -> dict[str, Any]:
        lead = self.LEADS[self.time % len(self.LEADS)]
        return {"toy": {"y": float(self.time)}, "time": self.time + lead}


def _run(leads: list[int], shift: int, until: int, *, seq: bool) -> list[Any]:
    (sequential.install if seq else sequential.uninstall)()
    Lead.LEADS[:] = leads
    Toy.LOG.clear()
    keep_cache = patch.object(mosaik.scheduler, "prune_dataflow_cache", lambda world: None)
    sims = {
        "Lead": {"python": f"{__name__}:Lead"},
        "Toy": {"python": "tests.property.toy_sims:Toy"},
    }
    world = mosaik.World(sims, skip_greetings=True, configure_logging=False)
    try:
        lead = world.start("Lead").Toy()
        toy = world.start("Toy", kind="time-based", step_size=1).Toy()
        extra: dict[str, Any] = {}
        if shift:
            extra = {"time_shifted": shift, "initial_data": {"y": -5.0}}
        with warnings.catch_warnings(), keep_cache:
            warnings.simplefilter("ignore")
            world.connect(lead, toy, ("y", "x"), **extra)
            world.run(until=until, print_progress=False)
    finally:
        if not world.loop.is_closed():
            world.shutdown()
    return [(time, inputs) for time, inputs, _ in Toy.LOG["Toy-0"]]


@pytest.mark.parametrize("fast", [True, False], ids=["direct", "mosaik's functions"])
def test_outputs_reported_ahead_stop_the_sequential_run_with_the_fix(fast: bool) -> None:
    """mosaik reads such outputs by the order its cache received them: rather than other
    inputs than mosaik's, the sequential run stops and names the setting that fixes it."""
    was_fast = mosaik_fast.installed()
    (mosaik_fast.install if fast else mosaik_fast.uninstall)()
    try:
        with pytest.raises(OutputAheadError, match=r"Lead-0 .* time 4 .* step at 2.*= false"):
            _run([0, 0, 2], 0, 6, seq=True)
        assert len(_run([0, 0, 2], 0, 6, seq=False)) == 6  # mosaik's own scheduler runs it
    finally:
        sequential.install()
        (mosaik_fast.install if was_fast else mosaik_fast.uninstall)()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shift=st.integers(0, 3), until=st.integers(2, 20))
def test_outputs_at_their_step_are_read_as_mosaik_reads_them(shift: int, until: int) -> None:
    was_fast = mosaik_fast.installed()
    try:
        mosaik_fast.uninstall()
        expected = _run([0], shift, until, seq=False)
        assert mosaik_fast.install()
        got = _run([0], shift, until, seq=True)
    finally:
        sequential.install()
        (mosaik_fast.install if was_fast else mosaik_fast.uninstall)()
    assert got == expected
