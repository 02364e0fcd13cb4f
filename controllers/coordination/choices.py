"""The coordinator's scheme choice, light to import (stdlib only) so the ``[coordination]``
config can use it; :mod:`controllers.coordination.schemes` implements the schemes."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Scheme"]


class Scheme(StrEnum):
    """The coordination scheme a scenario selects."""

    TSO_FIRST = "tso_first"
    TRAFFIC_LIGHT = "traffic_light"
    COMMON_MARKET = "common_market"
