"""Values on the wire: what an adapter sends when mosaik talks JSON (``cmd``/``connect``)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["to_wire"]


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
