"""Folding mosaik inputs: one value per port out of the values of every source.

mosaik hands an entity ``{attr: {source_full_id: value}}``; each port's
:class:`~cosim.ports_types.Combine` rule says how the sources add up. These functions are the
per-step hot path of every adapter: they copy once, and take a fast path for the usual
single source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cosim.errors import ModelError
from cosim.ports_types import Combine, Port

__all__ = ["fill", "fold", "fold_one", "fold_total"]

_F64 = np.dtype(np.float64)
_BOOL = np.dtype(np.bool_)


def fold(
    port: Port,
    sources: Mapping[str, Any] | None,
    *,
    n: int | None = None,
    owner: str = "",
    combine: Combine | None = None,
    sender: str = "source",
    broadcast: bool = False,
) -> Any:
    """The value of ``port`` at an entity from all its ``sources``; ``None`` if unconnected.

    Parameters
    ----------
    port : Port
        The catalogue port (its ``combine`` rule and ``default``).
    sources : mapping
        mosaik's ``{source_id: value}`` for this attribute (``None`` or empty: unconnected).
    n : int, optional
        Number of elements the receiver expects (array ports); every source must send
        that many values (one value is spread over all when ``broadcast``).
    owner : str
        The receiving entity, for error messages.
    combine : Combine, optional
        The receiver's own rule, when it differs from the catalogue's.
    sender : str
        What a source is (``"fleet"``, ``"grid Area"``), for error messages.
    broadcast : bool
        Accept one value per source for all ``n`` elements.
    """
    if not sources:
        return None
    how = port.combine if combine is None else combine
    if how is Combine.EACH:
        return sources
    if how is Combine.ONE:
        if len(sources) != 1:
            raise ModelError(
                f"{owner}.{port.name} is connected to {len(sources)} {sender}s "
                f"({sorted(sources)}); connect exactly one {sender}"
            )
        return next(iter(sources.values()))
    if how is Combine.CONCAT:
        return _concat(sources)
    arrays = [_array(port, src, v, n, owner, broadcast) for src, v in sources.items()]
    if how is Combine.SUM:
        return _sum(arrays, port.default)
    if how is Combine.ADD:
        return arrays[0].copy() if len(arrays) == 1 else np.add.reduce(np.vstack(arrays), axis=0)
    if how is Combine.MIN:
        if len(arrays) == 1:
            return arrays[0].copy()
        return np.fmin.reduce(np.vstack(arrays), axis=0)
    if len(arrays) == 1:
        return arrays[0] != 0
    return np.logical_or.reduce(np.vstack(arrays) != 0, axis=0)


def fold_one(how: Combine, value: Any, n: int | None, default: Any) -> Any:
    """:func:`fold` of one source's ``value`` when it needs no conversion (a list for
    CONCAT, else a 1-D float64 array of ``n`` values, or bool for ANY); None otherwise.

    The usual input of an adapter's step: the same result as :func:`fold` without its
    argument handling and ``np.asarray`` (any array but float64 or bool takes
    :func:`fold`'s way).
    """
    if how is Combine.CONCAT:
        return value.copy() if type(value) is list else None
    if type(value) is not np.ndarray or value.ndim != 1 or (n is not None and value.size != n):
        return None
    dtype = value.dtype
    # numpy's own arrays share its builtin dtype objects (``is``); arrays made by a
    # compiled kernel carry an equal dtype of their own (``==``, slower)
    if how is Combine.ANY:
        if dtype is _BOOL or dtype == _BOOL:
            return value.copy()  # what != 0 gives on the array as floats
        return value != 0 if dtype is _F64 or dtype == _F64 else None
    if dtype is not _F64 and dtype != _F64:
        return None
    if how is Combine.SUM:
        return _sum([value], default)
    if how is Combine.ADD or how is Combine.MIN:
        return value.copy()
    return None


def fold_total(sources: Mapping[str, Any] | None) -> float | None:
    """Sum over every source and every element (``None`` if unconnected); NaN counts 0.

    >>> fold_total({"a": [1.0, 2.0], "b": 0.5})
    3.5
    """
    if not sources:
        return None
    total = 0.0
    for value in sources.values():
        # a number (the usual case) without the cost of an array
        part = value if isinstance(value, float) else np.sum(np.asarray(value, dtype=float))
        if part != part:  # NaN: the elements that have a value
            part = np.nansum(np.asarray(value, dtype=float))
        total += part
    return float(total)


def fill(port: Port, n: int) -> NDArray[Any]:
    """``n`` elements of the port's default: the value of an unconnected array input."""
    return np.full(n, port.default)


def _array(
    port: Port, src: str, value: Any, n: int | None, owner: str, broadcast: bool
) -> NDArray[np.float64]:
    arr = np.asarray(value, dtype=float)
    if arr.ndim != 1:  # the usual 1-D array goes on as it is (every rule copies it)
        arr = arr.reshape(-1)
    if n is None or arr.size == n:
        return arr
    if broadcast and arr.size == 1:
        return np.broadcast_to(arr, (n,))
    label = port.dim.label
    raise ModelError(
        f"{owner}.{port.name} from {src} has {arr.size} values for {n} {label}s; "
        f"connect a source with one value per {label}"
    )


def _sum(arrays: list[NDArray[np.float64]], default: Any) -> NDArray[np.float64]:
    """Element-wise sum; NaN is no value, an element without any value gets ``default``."""
    if len(arrays) == 1:
        arr = arrays[0]
        total = np.add.reduce(arr)  # one pass: NaN anywhere makes the sum NaN
        if total != total:
            return np.where(np.isnan(arr), default, arr)
        return arr + 0.0  # a copy
    stack = np.vstack(arrays)
    nan = np.isnan(stack)
    if not nan.any():
        return np.add.reduce(stack, axis=0)
    total = np.nansum(stack, axis=0)
    return np.where(nan.all(axis=0), default, total)


def _concat(sources: Mapping[str, Any]) -> list[Any]:
    """Records from every source in source-id order (deterministic); a dict is one record."""
    out: list[Any] = []
    for src in sorted(sources):
        value = sources[src]
        if value is None:
            continue
        if isinstance(value, dict):
            out.append(value)
        else:
            out.extend(value)
    return out
