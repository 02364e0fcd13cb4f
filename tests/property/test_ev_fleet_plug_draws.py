"""The plug-in decisions' draws taken from a block (``plugin.PlugDraws``) are the draws of
one ``Generator.random`` call per decision, and a fleet stepped with them is the fleet
stepped without buffering, bit for bit (the warm start's seed is drawn from the same
generator before the buffering starts)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cosim.seeding import generator
from simulators.ev_fleet import model as fleet_model
from simulators.ev_fleet.climate import ClimateParams
from simulators.ev_fleet.model import FleetModel
from simulators.ev_fleet.outputs import FleetState
from simulators.ev_fleet.plugin import PlugDraws
from simulators.ev_fleet.segments import make_segment

STEP_S = 900


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(0, 40),
    st.lists(st.integers(0, 60), max_size=30),
)
def test_taken_draws_are_one_random_call_each(seed: int, block: int, sizes: list[int]) -> None:
    draws, rng = PlugDraws(np.random.default_rng(seed), block=block), np.random.default_rng(seed)
    for k in sizes:
        got, want = draws.take(k), rng.random(k)
        assert got.shape == (k,)
        assert got.tobytes() == want.tobytes()
        assert not got.flags.writeable


def _run(block: int, seed: int, monkeypatch: pytest.MonkeyPatch) -> list[FleetState]:
    monkeypatch.setattr(fleet_model, "PLUG_DRAW_BLOCK", block)
    segments = [make_segment("home_commuter", 20), make_segment("workplace", 8)]
    fleet = FleetModel(
        segments, None, generator(seed), step_s=STEP_S, climate=ClimateParams(),
        warm_start_weeks=1,
    )  # fmt: skip
    rng = np.random.default_rng(seed)
    p, states = np.zeros(fleet.n_ev), []
    for t in range(0, 8 * 86400, STEP_S):
        state = fleet.step(t, p)
        states.append(state)
        p = np.where(state.plugged, rng.uniform(0.0, 1.0, fleet.n_ev) * state.p_max_kw, 0.0)
        p = np.minimum(p, state.e_need_kwh / (STEP_S / 3600.0))
    return states


@pytest.mark.parametrize(("seed", "block"), [(1, 5), (2, 64), (3, 1024)])
def test_a_buffered_fleet_is_the_unbuffered_fleet(
    seed: int, block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    buffered = _run(block, seed, monkeypatch)
    plain = _run(0, seed, monkeypatch)
    assert sum(int(s.plugin_event.sum()) for s in plain) > 20  # decisions were drawn
    for a, b in zip(buffered, plain, strict=True):
        for name in FleetState.__dataclass_fields__:
            x, y = getattr(a, name), getattr(b, name)
            assert np.array_equal(x, y, equal_nan=True), name
