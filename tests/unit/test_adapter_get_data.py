"""AdapterBase.get_data: the first request is checked, later equal ones are planned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from cosim.adapter_base import OMIT, AdapterBase, ModelPorts, build_meta


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
