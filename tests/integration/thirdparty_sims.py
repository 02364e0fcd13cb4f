"""Stand-ins for third-party mosaik simulators, written without any of this product's code.

They use the attribute names of the mosaik ecosystem (``P[MW]`` from a PV model, as the
mosaik-pvsim/CSV simulators do) and know nothing of our ports or array conventions.
"""

from __future__ import annotations

from typing import ClassVar

import mosaik_api_v3

PV_META = {
    "api_version": "3.0",
    "type": "time-based",
    "models": {"PV": {"public": True, "params": ["peak_mw"], "attrs": ["P[MW]", "Q[MVar]"]}},
}
MONITOR_META = {
    "api_version": "3.0",
    "type": "event-based",
    "models": {"Monitor": {"public": True, "params": ["label"], "attrs": [], "any_inputs": True}},
}


class ConstantPV(mosaik_api_v3.Simulator):
    """A PV plant producing its peak power all the time (generator sign)."""

    def __init__(self) -> None:
        super().__init__(PV_META)
        self.peaks: dict[str, float] = {}

    def create(self, num, model, peak_mw=0.01):
        start = len(self.peaks)
        for i in range(start, start + num):
            self.peaks[f"pv_{i}"] = peak_mw
        return [{"eid": f"pv_{i}", "type": model} for i in range(start, start + num)]

    def step(self, time, inputs, max_advance):
        return time + 900

    def get_data(self, outputs):
        return {eid: {"P[MW]": self.peaks[eid], "Q[MVar]": 0.0} for eid in outputs}


class Monitor(mosaik_api_v3.Simulator):
    """Collects every value it receives into ``Monitor.SEEN[label]`` (in-process only)."""

    SEEN: ClassVar[dict[str, list[tuple[int, str, str, float]]]] = {}

    def __init__(self) -> None:
        super().__init__(MONITOR_META)
        self.label = ""

    def create(self, num, model, label="default"):
        self.label = label
        self.SEEN[label] = []
        return [{"eid": "monitor", "type": model}]

    def step(self, time, inputs, max_advance):
        for attrs in inputs.values():
            for attr, sources in attrs.items():
                for src, value in sources.items():
                    self.SEEN[self.label].append((time, src, attr, value))
        return None
