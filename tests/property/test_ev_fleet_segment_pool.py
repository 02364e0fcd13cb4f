"""The per-segment outputs of a fleet step, written into pooled arrays
(``SegmentSums.sums_out`` / ``record_out``), are the plain sums of the state handed out, at
every step across the pool's refills, and stay as they were handed out."""

from __future__ import annotations

import copy

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cosim.seeding import generator
from simulators.ev_fleet.model import FleetModel
from simulators.ev_fleet.segments import make_segment
from tests.property.test_fleet_step_equivalence import plain_segment_state

STEP_S = 900


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 2**16))
def test_pooled_segment_outputs_are_the_plain_sums_and_never_change(seed: int) -> None:
    segments = [make_segment("home_commuter", 14), make_segment("workplace", 6)]
    fleet = FleetModel(segments, None, generator(seed), step_s=STEP_S)
    rng = np.random.default_rng(seed)
    p, kept = np.zeros(fleet.n_ev), []
    for t in range(0, 3 * 86400, STEP_S):  # three refills of a 96-step pool
        state = fleet.step(t, p)
        seg = fleet.segment_state
        want = plain_segment_state(state, fleet.segment_idx, len(segments), STEP_S)
        for name, arr in seg.__dict__.items():
            assert not arr.flags.writeable
            assert arr.tobytes() == getattr(want, name).tobytes(), name
        kept.append((seg, copy.deepcopy(seg)))
        p = np.where(state.plugged, rng.uniform(0.0, 1.0, fleet.n_ev) * state.p_max_kw, 0.0)
        p = np.minimum(p, state.e_need_kwh / (STEP_S / 3600.0))
    for given_, snapshot in kept:
        for name, arr in given_.__dict__.items():
            assert arr.tobytes() == getattr(snapshot, name).tobytes(), name
