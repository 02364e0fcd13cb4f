"""Values on the wire: what an adapter sends when mosaik talks JSON (``cmd``/``connect``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import numpy as np

from cosim.errors import ModelError

__all__ = ["outputs_from_states", "to_wire"]


def to_wire(value: Any) -> Any:
    """Convert numpy arrays and scalars to plain Python lists and numbers.

    In-process, adapters pass numpy arrays by reference; over a socket mosaik serialises to
    JSON, which rejects ``numpy.int64`` and arrays.

    >>> to_wire(np.array([1, 2])), to_wire(np.float32(0.5))
    ([1, 2], 0.5)
    """
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def outputs_from_states(
    outputs: dict[str, list[str]],
    states: Mapping[str, Any],
    allowed: Collection[str],
    *,
    json_safe: bool,
) -> dict[str, dict[str, Any]]:
    """A ``get_data`` answer read from each entity's last state object (attribute per port).

    Raises for an entity that has not stepped yet and for an attribute it does not output.
    """
    data: dict[str, dict[str, Any]] = {}
    for eid, attrs in outputs.items():
        state = states.get(eid)
        if state is None:
            raise ModelError(f"get_data for {eid} before its first step")
        out = {}
        for attr in attrs:
            if attr not in allowed:
                raise ValueError(f"{eid} has no output {attr!r}; outputs: {tuple(allowed)}")
            value = getattr(state, attr)
            out[attr] = to_wire(value) if json_safe else value
        data[eid] = out
    return data
