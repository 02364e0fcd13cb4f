"""``FleetObservation.memo_many``: several values memoised in one call, as ``memo`` would."""

from __future__ import annotations

import numpy as np

from controllers.aggregator.policy import FleetObservation


def _obs() -> FleetObservation:
    return FleetObservation(
        time_s=0,
        step_s=900,
        plugged=np.zeros(1, dtype=bool),
        soc=np.zeros(1),
        e_need_kwh=np.zeros(1),
        e_capacity_kwh=np.ones(1),
        departure_s=np.full(1, -1, dtype=np.int64),
        p_max_kw=np.ones(1),
        soc_min=np.zeros(1),
        soc_target=np.ones(1),
        opt_out=np.zeros(1, dtype=bool),
        charger_idx=np.full(1, -1, dtype=np.int64),
        p_rated_kw=np.ones(1),
        efficiency=np.ones(1),
        bidirectional=np.zeros(1, dtype=bool),
    )


def test_memo_many_on_a_fresh_observation_is_memo() -> None:
    obs = _obs()
    obs.memo_many({"a": 1, ("b", 2): 3})
    assert obs.memo("a", lambda: 0) == 1
    assert obs.memo(("b", 2), lambda: 0) == 3


def test_memo_many_keeps_what_was_memoised() -> None:
    obs = _obs()
    assert obs.memo("a", lambda: 1) == 1
    obs.memo_many({"a": 2, "c": 4})
    assert obs.memo("a", lambda: 0) == 1
    assert obs.memo("c", lambda: 0) == 4
