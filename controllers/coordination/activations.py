"""DSO flexibility activations from the market, turned into a per-zone request for a step."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cosim.errors import ModelError

__all__ = ["ActivationBook"]


class ActivationBook:
    """The market activations a coordinator has received, by id.

    An activation ``{id, zone, t_start_s, t_end_s, p_kw, direction}`` asks the fleet in
    ``zone`` to move its consumption by ``p_kw`` during ``[t_start_s, t_end_s)``: ``down``
    reduces it (a negative request in consumer sign), ``up`` raises it.

    >>> book = ActivationBook(["feeder_1", "feeder_2"])
    >>> book.add([{"id": "a", "zone": "feeder_2", "t_start_s": 0, "t_end_s": 3600,
    ...            "p_kw": 5.0, "direction": "down"}])
    >>> book.request_kw(900).tolist(), book.request_kw(3600).tolist()
    ([0.0, -5.0], [0.0, 0.0])
    """

    def __init__(self, zone_names: Sequence[str]) -> None:
        self._zone = {name: i for i, name in enumerate(zone_names)}
        self._n = len(zone_names)
        self._active: dict[str, tuple[int, int, int, float]] = {}

    def add(self, activations: Iterable[Mapping[str, Any]]) -> None:
        """Keep new activations (a repeated id replaces the earlier one)."""
        for act in activations:
            zone = str(act.get("zone", ""))
            if zone not in self._zone:
                raise ModelError(
                    f"activation {act.get('id')!r} names zone {zone!r}; the coordinator's "
                    f"zones are {sorted(self._zone)} (pass the same zone_names everywhere)"
                )
            sign = -1.0 if str(act.get("direction", "down")) == "down" else 1.0
            self._active[str(act["id"])] = (
                self._zone[zone],
                int(act["t_start_s"]),
                int(act["t_end_s"]),
                sign * float(act["p_kw"]),
            )

    @property
    def empty(self) -> bool:
        """No activation kept: :meth:`request_kw` would be zeros at any time from now."""
        return not self._active

    def request_kw(self, time_s: int) -> NDArray[np.float64]:
        """Requested change of consumption per zone at ``time_s`` [kW] (<0: reduce)."""
        out = np.zeros(self._n)
        done = []
        for key, (zone, start, end, p_kw) in self._active.items():
            if start <= time_s < end:
                out[zone] += p_kw
            elif time_s >= end:
                done.append(key)
        for key in done:
            del self._active[key]
        return out
