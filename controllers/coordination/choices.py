"""The coordinator's scheme and headroom choices and model name, light to import (stdlib
only) so the ``[coordination]`` config and the results reader can use them;
:mod:`controllers.coordination.schemes` implements the schemes."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["MODEL_COORDINATOR", "HeadroomMode", "Scheme"]

#: mosaik model name (``world.start(...).<name>``, the ``type`` of created entities)
MODEL_COORDINATOR = "Coordinator"


class Scheme(StrEnum):
    """The coordination scheme a scenario selects."""

    TSO_FIRST = "tso_first"
    TRAFFIC_LIGHT = "traffic_light"
    COMMON_MARKET = "common_market"


class HeadroomMode(StrEnum):
    """Which headroom the coordination schemes act on."""

    MEASURED = "measured"
    FORECAST = "forecast"
    PERFECT = "perfect"
