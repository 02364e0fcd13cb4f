"""``FleetObservation.memo`` of keys registered with a ``Deferred`` value: built when first
read, then kept; and the bounds memoised by the even step are those ``ev_bounds`` makes."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np

from controllers.aggregator.availability import ev_bounds
from controllers.aggregator.policy import Deferred, charger_of, ev_power_kw, ev_steps
from tests.unit.test_aggregator_memo_many import _obs


class _Counted(Deferred):
    __slots__ = ("built",)

    def __init__(self) -> None:
        self.built: list[Hashable] = []

    def build(self, key: Hashable) -> Any:
        self.built.append(key)
        return ("value", key)


def test_a_deferred_key_is_built_once_when_first_read() -> None:
    obs = _obs()
    rows = _Counted()
    obs.memo_many(dict.fromkeys(("a", "b"), rows))
    assert rows.built == []
    assert obs.memo("a", lambda: 0) == ("value", "a")
    assert obs.memo("a", lambda: 0) == ("value", "a")
    assert rows.built == ["a"]  # "b" never read: never built


def test_the_bounds_helpers_read_the_rows_of_one_kernel_call() -> None:
    obs = _obs()
    b = ev_bounds(obs, v2g=False)  # one fleet_bounds call registers every helper's rows
    p_hi, eta, bidir = ev_power_kw(obs)
    for arr in (
        b.p_top_kw,
        b.ctrl,
        p_hi,
        eta,
        bidir,
        charger_of(obs),
        ev_steps(obs, unknown_steps=1),
    ):
        assert isinstance(arr, np.ndarray) and not arr.flags.writeable
    assert charger_of(obs).base is ev_steps(obs, unknown_steps=1).base  # rows of one block
