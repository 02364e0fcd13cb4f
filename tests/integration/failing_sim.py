"""A tiny mosaik simulator for tests: emits a counter and fails at a chosen time."""

from __future__ import annotations

from typing import Any

import mosaik_api_v3

META = {
    "api_version": "3.0",
    "type": "time-based",
    "models": {"Source": {"public": True, "params": [], "attrs": ["p_kw", "v_pu"]}},
}


class FailingSim(mosaik_api_v3.Simulator):
    """Outputs ``p_kw = t / 900``; raises ``error`` once time reaches ``fail_at_s``."""

    def __init__(self) -> None:
        super().__init__(META)
        self._time = 0

    def init(
        self,
        sid: str,
        time_resolution: float = 1.0,
        *,
        fail_at_s: int = -1,
        error: str = "RuntimeError",
        step_s: int = 900,
    ) -> dict[str, Any]:
        self._fail_at_s, self._error, self._step_s = fail_at_s, error, step_s
        return self.meta

    def create(self, num: int, model: str, **params: Any) -> list[dict[str, Any]]:
        return [{"eid": f"src_{i}", "type": model} for i in range(num)]

    def step(self, time: int, inputs: dict[str, Any], max_advance: int) -> int:
        if 0 <= self._fail_at_s <= time:
            if self._error == "KeyboardInterrupt":
                raise KeyboardInterrupt
            raise RuntimeError(f"simulated model failure at t={time}")
        self._time = time
        return time + self._step_s

    def get_data(self, outputs: dict[str, list[str]]) -> dict[str, Any]:
        return {eid: {"p_kw": self._time / 900, "v_pu": [1.0, 1.0]} for eid in outputs}


if __name__ == "__main__":
    mosaik_api_v3.start_simulation(FailingSim())
