"""The coordinator's inputs combined over their sources (mosaik gives one value per source)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from cosim.errors import ModelError

__all__ = ["as_list", "combine", "scalar_sum"]


def as_list(value: Any) -> list[Any]:
    """Activations arrive as a list of dicts (or one dict, or nothing)."""
    if value is None:
        return []
    return [value] if isinstance(value, dict) else list(value)


def combine(sources: dict[str, Any] | None, size: int, how: str, name: str, eid: str) -> Any:
    """Combine array inputs over sources (``sum``, ``min`` or ``any``); None when absent."""
    if not sources:
        return None
    if len(sources) == 1:  # one source: its values as they are (no stack to reduce)
        ((src, value),) = sources.items()
        arr = np.array(value, dtype=float).reshape(-1)
        if arr.size != size:
            raise ModelError(f"{eid}: {name} from {src} has {arr.size} values, expected {size}")
        return arr != 0 if how == "any" else arr
    arrays = []
    for src, value in sources.items():
        arr = np.asarray(value, dtype=float).reshape(-1)
        if arr.size != size:
            raise ModelError(f"{eid}: {name} from {src} has {arr.size} values, expected {size}")
        arrays.append(arr)
    stack = np.vstack(arrays)
    if how == "min":
        return stack.min(axis=0)
    if how == "any":
        return (stack != 0).any(axis=0)
    return stack.sum(axis=0)


def scalar_sum(sources: dict[str, Any] | None) -> float:
    """A TSO request summed over sources and elements [kW]; NaN (no request) is 0."""
    total = float(sum(float(np.sum(np.asarray(v, dtype=float))) for v in (sources or {}).values()))
    return 0.0 if math.isnan(total) else total
