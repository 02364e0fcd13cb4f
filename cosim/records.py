"""Frozen per-step records built without their dataclass ``__init__``.

A frozen dataclass's ``__init__`` sets each field with its own ``object.__setattr__``
(~0.1 µs a field); the records a simulator builds at every step (states, observations,
outputs, settlements: 8-21 fields) cost a few µs each that way. :func:`frozen_record`
sets them in one ``__dict__`` update instead, which gives an equal instance: the same
fields, still frozen (a record with a ``__post_init__`` is refused: it needs ``__init__``).
Every field must be given, defaults included, so a field added to a record later cannot be
left out silently.
"""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["frozen_record"]

_FIELDS: dict[type, frozenset[str]] = {}


def frozen_record[D](cls: type[D], /, **fields: Any) -> D:
    """An instance of the frozen dataclass ``cls`` with every field given in ``fields``.

    >>> @dataclasses.dataclass(frozen=True)
    ... class Point:
    ...     x: float
    ...     y: float
    >>> frozen_record(Point, x=1.0, y=2.0) == Point(1.0, 2.0)
    True
    >>> frozen_record(Point, x=1.0)
    Traceback (most recent call last):
    ...
    TypeError: Point needs the fields ['x', 'y'], got ['x']
    """
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = _plain_fields(cls)
    if len(fields) != len(names) or not names.issuperset(fields):
        raise TypeError(f"{cls.__name__} needs the fields {sorted(names)}, got {sorted(fields)}")
    obj = object.__new__(cls)
    obj.__dict__.update(fields)
    return obj


def _plain_fields(cls: type) -> frozenset[str]:
    """The field names of ``cls``, a frozen dataclass that ``__init__`` does nothing more for."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} is not a frozen dataclass without __post_init__")
    if getattr(cls, "__slots__", None):
        raise TypeError(f"{cls.__name__} has __slots__: no __dict__ to fill")
    return frozenset(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
