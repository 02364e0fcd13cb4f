"""The aggregator policies by name: one explicit table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from controllers.aggregator.baseline import ToUDelayedPolicy, UncontrolledPolicy
from controllers.aggregator.choices import PolicyName
from controllers.aggregator.policy import Policy
from controllers.aggregator.scheduling import CostMinPolicy
from controllers.aggregator.valley import ValleyFillingPolicy

__all__ = ["POLICIES", "PolicyName", "make_policy"]

#: policy name -> class; a new policy adds its name to :class:`PolicyName` and registers here
POLICIES: dict[PolicyName, type[Any]] = {
    PolicyName.UNCONTROLLED: UncontrolledPolicy,
    PolicyName.TOU_DELAYED: ToUDelayedPolicy,
    PolicyName.COST_MIN: CostMinPolicy,
    PolicyName.VALLEY_FILLING: ValleyFillingPolicy,
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
        cls = POLICIES[PolicyName(name)]
    except (KeyError, ValueError) as err:
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
