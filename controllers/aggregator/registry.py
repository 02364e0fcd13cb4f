"""The aggregator policies by name: one explicit table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from controllers.aggregator.baseline import ToUDelayedPolicy, UncontrolledPolicy
from controllers.aggregator.policy import Policy
from controllers.aggregator.scheduling import CostMinPolicy
from controllers.aggregator.valley import ValleyFillingPolicy

__all__ = ["POLICIES", "make_policy"]

#: policy name -> class; a new policy registers here
POLICIES: dict[str, type[Any]] = {
    "uncontrolled": UncontrolledPolicy,
    "tou_delayed": ToUDelayedPolicy,
    "cost_min": CostMinPolicy,
    "valley_filling": ValleyFillingPolicy,
}


def make_policy(
    name: str, params: Mapping[str, Any] | None = None, *, rng: np.random.Generator | None = None
) -> Policy:
    """Build the policy called ``name`` with keyword ``params``.

    A policy that draws random numbers (class attribute ``uses_rng``) gets ``rng``, its own
    generator (``None``: the policy's fixed default seed).

    >>> make_policy("cost_min", {"v2g": True}).params.v2g
    True
    """
    try:
        cls = POLICIES[name]
    except KeyError as err:
        raise ValueError(
            f"unknown aggregator policy {name!r}; valid policies: {', '.join(sorted(POLICIES))}"
        ) from err
    try:
        extra = {"rng": rng} if getattr(cls, "uses_rng", False) else {}
        policy: Policy = cls(**dict(params or {}), **extra)
    except TypeError as err:
        raise ValueError(
            f"aggregator policy {name!r}: bad parameters {dict(params or {})}: {err}"
        ) from err
    return policy
