"""Service settings from the adapter's dicts: one constructor for FCR, aFRR and flex."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

__all__ = ["from_spec"]


def from_spec[T](cls: type[T], spec: Mapping[str, Any] | None, what: str) -> T:
    """Build the settings dataclass ``cls`` from ``spec``; unknown keys are an error listing
    the valid ones.

    >>> from controllers.aggregator.fcr import FCRProvision
    >>> from_spec(FCRProvision, {"enabled": True}, "fcr").enabled
    True
    >>> from_spec(FCRProvision, {"nope": 1}, "fcr")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown fcr key(s) ['nope']; valid keys: ['base_shape', ...]
    """
    spec = dict(spec or {})
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(spec) - known)
    if unknown:
        raise ValueError(f"unknown {what} key(s) {unknown}; valid keys: {sorted(known)}")
    return cls(**spec)
