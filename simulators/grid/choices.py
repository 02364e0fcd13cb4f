"""The grid's choices, light to import (stdlib only) so the ``[grid]`` config can use them.

The model (:mod:`simulators.grid.backends`, :mod:`simulators.grid.model`) and the config
(:mod:`simulators.grid.config`) share these enums.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "MODEL_AREA",
    "MODEL_BUS",
    "MODEL_LINE",
    "MODEL_TRAFO",
    "BackendName",
    "OnNonConvergence",
]

#: mosaik model names (``world.start(...).<name>``, the ``type`` of created entities)
MODEL_AREA = "Area"
MODEL_BUS = "Bus"
MODEL_LINE = "Line"
MODEL_TRAFO = "Trafo"


class BackendName(StrEnum):
    """Available power-flow backends, in the order error messages list them."""

    LIGHTSIM2GRID = "lightsim2grid"
    POWER_GRID_MODEL = "power_grid_model"
    PANDAPOWER = "pandapower"


class OnNonConvergence(StrEnum):
    """What a non-converged power flow does."""

    RAISE = "raise"
    FLAG = "flag"
