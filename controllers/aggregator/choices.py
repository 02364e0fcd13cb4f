"""The aggregator's policy names, light to import (stdlib only) so the ``[aggregator]`` config
can use them; :data:`controllers.aggregator.registry.POLICIES` maps each to its class."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["PolicyName"]


class PolicyName(StrEnum):
    """The aggregator's charging policies."""

    UNCONTROLLED = "uncontrolled"
    TOU_DELAYED = "tou_delayed"
    COST_MIN = "cost_min"
    VALLEY_FILLING = "valley_filling"
