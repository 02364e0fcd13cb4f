"""AdapterBase: get_data checks the first request and plans later equal ones; read gives
an input as sent where fold would give it or a copy of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from cosim.adapter_base import OMIT, AdapterBase, ModelPorts, build_meta
from cosim.ports_types import Combine


@dataclass(frozen=True)
class _State:
    p_kw: float
    soc: float


_PORTS = {"Thing": ModelPorts(outputs=("p_kw", "soc"))}


class _Plain(AdapterBase):
    NAME = "plain"
    PORTS = _PORTS
    META = build_meta(_PORTS)

    def create(self, num: int, model: str, **params: Any) -> list[Any]:
        return [self.add_entity("Thing", object()) for _ in range(num)]


class _Computed(_Plain):
    def output(self, eid: str, attr: str, state: Any) -> Any:
        return OMIT if attr == "soc" else 2 * state.p_kw


@pytest.mark.parametrize("cls", [_Plain, _Computed])
def test_repeated_attributes_give_the_checked_answer_at_every_step(cls: type[_Plain]) -> None:
    """mosaik names an attribute once per connection that reads it: the planned answers of
    later steps equal the first, checked one (each attribute once, OMIT left out)."""
    sim = cls()
    sim.init("sid")
    sim.create(2, "Thing")
    request = {"Thing_0": ["p_kw", "soc", "p_kw"], "Thing_1": ["soc", "soc"]}
    answers = []
    for p in (1.0, 3.0):
        sim.states = {"Thing_0": _State(p, 0.5), "Thing_1": _State(-p, 0.25)}
        first = sim.get_data({eid: list(attrs) for eid, attrs in request.items()})
        answers.append((first, sim.get_data(request), sim.get_data(request)))
    for first, second, third in answers:
        assert first == second == third
    if cls is _Plain:
        assert answers[1][1] == {"Thing_0": {"p_kw": 3.0, "soc": 0.5}, "Thing_1": {"soc": 0.25}}
    else:
        assert answers[1][1] == {"Thing_0": {"p_kw": 6.0}, "Thing_1": {}}


_READ_PORTS = {
    "Thing": ModelPorts(
        inputs=("p_set_kw", "p_limit_kw", "congested_mask", "plugged"),
        combine={"p_set_kw": Combine.ADD},
    )
}


class _Reader(AdapterBase):
    NAME = "reader"
    PORTS = _READ_PORTS
    META = build_meta(_READ_PORTS)


def test_read_gives_the_value_as_sent_where_fold_gives_it_or_a_copy() -> None:
    sim = _Reader()
    sim.add_entity("Thing", object())
    x, mask = np.array([1.0, np.nan, -0.0]), np.array([True, False, True])
    one = {"p_set_kw": {"a": x}, "p_limit_kw": {"a": x}, "congested_mask": {"a": mask}}
    for name in one:
        assert sim.read("Thing_0", one, name, n=3) is one[name]["a"]
    plugged = {"plugged": {"a": [True]}}  # rule ONE: whatever was sent
    assert sim.read("Thing_0", plugged, "plugged") is plugged["plugged"]["a"]
    # the fold's own answer wherever it converts, checks or combines
    other = {
        "p_set_kw": {"a": x, "b": x},
        "p_limit_kw": {"a": x.astype(np.float32)},
        "congested_mask": {"a": x},
    }
    for name, n in (("p_set_kw", 3), ("p_limit_kw", 3), ("congested_mask", 3)):
        got, want = sim.read("Thing_0", other, name, n=n), sim.fold("Thing_0", other, name, n=n)
        assert got is not other[name]["a"]
        np.testing.assert_array_equal(got, want)
    assert sim.read("Thing_0", {}, "p_set_kw", n=3) is None
