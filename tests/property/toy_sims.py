"""A toy mosaik simulator for scheduler tests: it logs every step it is given.

One entity with input ``x`` (any number of sources) and output ``y``. Its type is chosen at
``init``: time-based (steps every ``step_size``), event-based (steps when an input arrives,
``y`` is an event sent on some steps only) or hybrid (steps every ``step_size`` and also
when ``x`` arrives). ``y`` is a deterministic function of the time and the inputs, so any
difference in what a simulator was given shows up downstream too.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mosaik_api_v3

__all__ = ["Toy"]


def _meta(kind: str) -> dict[str, Any]:
    model: dict[str, Any] = {"public": True, "params": [], "attrs": ["x", "y"]}
    if kind == "hybrid":
        model["trigger"] = ["x"]
    return {"api_version": "3.0", "type": kind, "models": {"Toy": model}}


class Toy(mosaik_api_v3.Simulator):
    """Logs ``(time, inputs, max_advance)`` of every step in ``Toy.LOG[sid]``."""

    LOG: ClassVar[dict[str, list[tuple[int, tuple[tuple[str, float], ...], int]]]] = {}

    def __init__(self) -> None:
        super().__init__(_meta("time-based"))
        self.sid = ""
        self.kind = "time-based"
        self.step_size = 1
        self.y: float | None = None

    def init(self, sid, time_resolution=1.0, kind="time-based", step_size=1):
        self.sid, self.kind, self.step_size = sid, kind, step_size
        self.meta = _meta(kind)
        self.LOG[sid] = []
        return self.meta

    def create(self, num, model):
        return [{"eid": "toy", "type": model}]

    def step(self, time, inputs, max_advance):
        given = inputs.get("toy", {}).get("x", {})
        seen = tuple(sorted((src, -1.0 if v is None else float(v)) for src, v in given.items()))
        self.LOG[self.sid].append((time, seen, max_advance))
        total = sum(v for _, v in seen)
        value = (time * 7 + total * 3 + len(seen)) % 101
        emit = self.kind != "event-based" or (time + int(total)) % 3 != 0
        self.y = value if emit else None
        if self.kind == "event-based":
            return None
        return time + self.step_size

    def get_data(self, outputs):
        if self.y is None:
            return {"toy": {}}
        return {"toy": {"y": self.y}}
