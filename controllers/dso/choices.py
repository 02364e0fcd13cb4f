"""The DSO's choices, light to import (stdlib only) so the ``[dso]`` config can use them.

The controller (:mod:`controllers.dso.policies`, :mod:`controllers.dso.zones`) and the
config (:mod:`controllers.dso.config`) share these enums.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Framework", "VCCMode", "ZoneKind"]


class Framework(StrEnum):
    """How the DSO acts on what it observes."""

    NONE = "none"  #: observe and count only
    TARIFF = "tariff"  #: prices come from the tariff simulator; observe and count only
    GRID_CODE = "grid_code"  #: Q(V) is mandatory on chargers (set in the EVSE); count only
    INTERRUPTIBLE = "interruptible"  #: curtail chargers downstream of congested elements
    VCC = "vcc"  #: variable capacity contract: capacity limits by time of day
    MARKET = "market"  #: flexibility requests to the local market from a congestion forecast


class VCCMode(StrEnum):
    """How a variable capacity contract sets each charger's capacity."""

    TIME_OF_DAY = "time_of_day"  #: fixed daily schedule (FlexPower-like default)
    FIXED = "fixed"  #: one constant fraction of the rating
    DAY_AHEAD = "day_ahead"  #: reduced in hours a persistence forecast sees congestion


class ZoneKind(StrEnum):
    """How a grid is cut into zones: LV feeders, or transformer (MV/LV) areas."""

    FEEDER = "feeder"
    AREA = "area"
